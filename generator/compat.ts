// Schema evolution: can data written with one Avro schema (the writer's) be read with another (the reader's)?
// The rules are Avro 1.12's "Schema Resolution", judged for the schemas as a whole — every value the writer could
// write must resolve — as Java Avro's `SchemaCompatibility.checkReaderWriterCompatibility` judges them:
//   - named types match by unqualified name, or when a reader alias is the writer's full name;
//   - a reader field is found in the writer by its name or one of its aliases; missing there, it needs a default;
//   - writer fields the reader does not have are skipped;
//   - an enum reader needs every writer symbol, unless it has an enum default;
//   - fixed sizes are equal;
//   - promotions: int → long, float, double; long → float, double; float → double; string ↔ bytes;
//   - a writer union: each of its branches must be readable; a reader union: some branch must read the writer type;
//   - logical types do not take part (their underlying types do).
// Recursive types terminate: a pair of named types being compared is assumed compatible while it is compared.
import type { Range } from "../grammar/ast.js";
import {
  qualify,
  type AvroField,
  type AvroNamed,
  type AvroRecord,
  type AvroType,
  type NamedLookup,
} from "./avro-types.js";

/** Which rule a change breaks. */
export type IncompatibilityKind =
  /** A named type's name changed (and no reader alias names the writer's type). */
  | "name"
  /** A fixed type's size changed. */
  | "fixed-size"
  /** The writer has enum symbols the reader lacks, and the reader has no enum default. */
  | "enum-symbols"
  /** A reader field is not in the writer and has no default. */
  | "missing-default"
  /** The types differ and no promotion applies. */
  | "type"
  /** A writer type (or writer union branch) has no reader union branch that can read it. */
  | "union-branch";

/** A place in a schema file or in a .kef's inline schema. */
export interface SchemaLocation {
  readonly file: string;
  readonly range: Range;
}

/** One reason the reader cannot read what the writer writes. */
export interface Incompatibility {
  readonly kind: IncompatibilityKind;
  /** Where in the value: `OrderCreated.items[].price` (`[]` array items, `{}` map values). */
  readonly path: string;
  /** What is wrong, in words, naming reader and writer. */
  readonly reason: string;
  /** The closest located node of the reader's schema: the field, enum symbol or named type concerned. */
  readonly reader: SchemaLocation | undefined;
  /** The closest located node of the writer's schema. */
  readonly writer: SchemaLocation | undefined;
  /** The field, for `missing-default`; the symbols the reader lacks, for `enum-symbols`. */
  readonly field?: string;
  readonly symbols?: readonly string[];
}

/** A schema to compare: its root type, how its type names resolve, and how its values are named in paths. */
export interface SchemaSide {
  readonly root: AvroType;
  readonly lookup: NamedLookup;
  /** The first segment of every path, e.g. the message's name. */
  readonly name: string;
  /** Where the schema is written: used when no closer node is known. */
  readonly at?: SchemaLocation;
}

/** Every reason why data written with `writer` cannot be read with `reader`; empty when it can. */
export function compare(reader: SchemaSide, writer: SchemaSide): Incompatibility[] {
  const out: Incompatibility[] = [];
  new Resolution(reader.lookup, writer.lookup).resolve(
    reader.root,
    writer.root,
    { path: reader.name, reader: reader.at, writer: writer.at },
    out,
  );
  return out;
}

/** Whether data written with `writer` can be read with `reader`. */
export function canRead(reader: SchemaSide, writer: SchemaSide): boolean {
  return new Resolution(reader.lookup, writer.lookup).resolve(
    reader.root,
    writer.root,
    { path: reader.name, reader: reader.at, writer: writer.at },
    undefined,
  );
}

interface Where {
  readonly path: string;
  readonly reader: SchemaLocation | undefined;
  readonly writer: SchemaLocation | undefined;
}

type Resolved = Exclude<AvroType, { kind: "ref" }>;

const promotions: Readonly<Record<string, readonly string[]>> = {
  // reader: the writer types it can read besides its own
  long: ["int"],
  float: ["int", "long"],
  double: ["int", "long", "float"],
  bytes: ["string"],
  string: ["bytes"],
};

class Resolution {
  /** Verdicts of named pairs; `true` while a pair is being compared (recursive types). */
  private readonly verdicts = new Map<string, boolean>();
  /** Named pairs already explained: each is explained once, at the first path it is met. */
  private readonly explained = new Set<string>();

  constructor(
    private readonly readerLookup: NamedLookup,
    private readonly writerLookup: NamedLookup,
  ) {}

  /**
   * Resolves `reader` against `writer`. With `out`, every problem is added to it; without, it stops at the first.
   * Returns whether they resolve.
   */
  resolve(readerType: AvroType, writerType: AvroType, where: Where, out: Incompatibility[] | undefined): boolean {
    const r = deref(readerType, this.readerLookup);
    const w = deref(writerType, this.writerLookup);
    if (isNamed(r) && isNamed(w)) {
      const key = `${r.fullName}\u0000${w.fullName}`;
      if (out === undefined) {
        const known = this.verdicts.get(key);
        if (known !== undefined) return known;
        this.verdicts.set(key, true);
        const verdict = this.resolveResolved(r, w, where, undefined);
        this.verdicts.set(key, verdict);
        return verdict;
      }
      if (this.explained.has(key)) return this.verdicts.get(key) ?? true;
      this.explained.add(key);
      const before = out.length;
      this.verdicts.set(key, true);
      const verdict = this.resolveResolved(r, w, where, out) && out.length === before;
      this.verdicts.set(key, verdict);
      return verdict;
    }
    return this.resolveResolved(r, w, where, out);
  }

  private resolveResolved(r: Resolved, w: Resolved, where: Where, out: Incompatibility[] | undefined): boolean {
    const fail = (problem: Omit<Incompatibility, "path" | "reader" | "writer"> & Partial<Incompatibility>): boolean => {
      out?.push({ path: where.path, reader: where.reader, writer: where.writer, ...problem });
      return false;
    };
    if (w.kind === "union") {
      let ok = true;
      for (const branch of w.branches) {
        if (r.kind === "union") {
          if (this.readsSome(r, branch)) continue;
          // The branch resolution would pick (same kind and name) explains best why it fails.
          const near = r.branches.find((b) => sameShape(deref(b, this.readerLookup), deref(branch, this.writerLookup)));
          if (near && out) this.resolve(near, branch, where, out);
          else
            fail({
              kind: "union-branch",
              reason: `the writer's union branch ${describe(branch, this.writerLookup)} is not in the reader's union ${describe(r, this.readerLookup)}`,
            });
          ok = false;
          if (!out) return false;
          continue;
        }
        if (this.resolve(r, branch, where, undefined)) continue;
        ok = false;
        if (!out) return false;
        if (sameShape(r, deref(branch, this.writerLookup))) this.resolve(r, branch, where, out);
        else
          fail({
            kind: "union-branch",
            reason: `the writer's union branch ${describe(branch, this.writerLookup)} cannot be read as ${describe(r, this.readerLookup)}`,
          });
      }
      return ok;
    }
    if (r.kind === "union") {
      if (this.readsSome(r, w)) return true;
      const near = r.branches.find((b) => sameShape(deref(b, this.readerLookup), w));
      if (near && out) return this.resolve(near, w, where, out) && false;
      return fail({
        kind: "union-branch",
        reason: `the writer's ${describe(w, this.writerLookup)} is not in the reader's union ${describe(r, this.readerLookup)}`,
      });
    }
    if (r.kind === "primitive" && w.kind === "primitive") {
      if (r.name === w.name || promotions[r.name]?.includes(w.name)) return true;
      return fail({ kind: "type", reason: `the writer's ${w.name} cannot be read as ${r.name}` });
    }
    if (r.kind !== w.kind) {
      return fail({
        kind: "type",
        reason: `the writer's ${describe(w, this.writerLookup)} cannot be read as ${describe(r, this.readerLookup)}`,
      });
    }
    switch (r.kind) {
      case "array":
        return this.resolve(r.items, (w as typeof r).items, { ...where, path: `${where.path}[]` }, out);
      case "map":
        return this.resolve(r.values, (w as typeof r).values, { ...where, path: `${where.path}{}` }, out);
      case "record":
      case "enum":
      case "fixed": {
        const wn = w as AvroNamed;
        const here: Where = {
          ...where,
          reader: { file: r.file, range: r.range },
          writer: { file: wn.file, range: wn.range },
        };
        if (!namesMatch(r, wn)) {
          out?.push({
            kind: "name",
            path: where.path,
            reader: here.reader,
            writer: here.writer,
            reason: `the writer's ${r.kind} "${wn.fullName}" is not the reader's "${r.fullName}" (names differ and no reader alias names "${wn.fullName}")`,
          });
          return false;
        }
        if (r.kind === "fixed") {
          const size = (wn as typeof r).size;
          if (r.size === size) return true;
          out?.push({
            kind: "fixed-size",
            path: where.path,
            reader: here.reader,
            writer: here.writer,
            reason: `the writer's fixed "${wn.fullName}" has ${size} bytes, the reader's ${r.size}`,
          });
          return false;
        }
        if (r.kind === "enum") {
          const we = wn as typeof r;
          const missing = we.symbols.filter((s) => !r.symbols.includes(s));
          if (missing.length === 0 || (r.default !== undefined && r.symbols.includes(r.default))) return true;
          const at = we.symbolRanges.get(missing[0]!);
          out?.push({
            kind: "enum-symbols",
            path: where.path,
            reader: here.reader,
            writer: at ? { file: we.file, range: at } : here.writer,
            symbols: missing,
            reason: `the writer's enum "${we.fullName}" has ${plural(missing.length, "symbol")} ${missing.map((s) => JSON.stringify(s)).join(", ")} that the reader's lacks, and the reader's has no enum default`,
          });
          return false;
        }
        return this.fields(r, wn as AvroRecord, here, out);
      }
      case "primitive":
        throw new Error("internal: handled above");
    }
  }

  private fields(r: AvroRecord, w: AvroRecord, where: Where, out: Incompatibility[] | undefined): boolean {
    let ok = true;
    for (const field of r.fields) {
      const names = [field.name, ...fieldAliases(r, field)];
      const found = w.fields.filter((f) => names.includes(f.name));
      const readerAt = { file: r.file, range: field.range };
      const path = `${where.path}.${field.name}`;
      if (found.length === 0) {
        if (field.default !== undefined) continue;
        ok = false;
        out?.push({
          kind: "missing-default",
          path,
          field: field.name,
          reader: readerAt,
          writer: where.writer,
          reason: `the reader's field "${field.name}" is not in the writer's record "${w.fullName}" and has no default`,
        });
        if (!out) return false;
        continue;
      }
      // Two writer fields for one reader field (its name and an alias) is ambiguous: Java rejects it too.
      if (found.length > 1) {
        ok = false;
        out?.push({
          kind: "name",
          path,
          reader: readerAt,
          writer: where.writer,
          reason: `the reader's field "${field.name}" matches ${found.map((f) => `"${f.name}"`).join(" and ")} of the writer's record "${w.fullName}"`,
        });
        if (!out) return false;
        continue;
      }
      const wf = found[0]!;
      ok =
        this.resolve(field.type, wf.type, { path, reader: readerAt, writer: { file: w.file, range: wf.range } }, out) &&
        ok;
      if (!ok && !out) return false;
    }
    return ok;
  }

  /** Whether some branch of the reader's union reads the writer type. */
  private readsSome(r: Extract<AvroType, { kind: "union" }>, w: AvroType): boolean {
    return r.branches.some((b) => this.resolve(b, w, { path: "", reader: undefined, writer: undefined }, undefined));
  }
}

function deref(t: AvroType, lookup: NamedLookup): Resolved {
  if (t.kind !== "ref") return t;
  const target = lookup(t.fullName);
  if (!target) throw new Error(`internal: Avro type ${t.fullName} was not linked`);
  return target;
}

function isNamed(t: Resolved): t is AvroNamed {
  return t.kind === "record" || t.kind === "enum" || t.kind === "fixed";
}

/** The branch schema resolution would choose for a writer type, before comparing their insides. */
function sameShape(r: Resolved, w: Resolved): boolean {
  if (r.kind !== w.kind) return false;
  if (r.kind === "primitive") return r.name === (w as typeof r).name;
  if (isNamed(r)) return namesMatch(r, w as AvroNamed);
  return true;
}

function plainObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
}

/** A named type's aliases, as full names (an alias without a dot is in the type's namespace). */
export function namedAliases(t: AvroNamed): string[] {
  return strings(plainObject(t.json)?.["aliases"]).map((a) => qualify(a, t.namespace).fullName);
}

/** A record field's aliases, as written in the record's JSON. */
function fieldAliases(r: AvroRecord, field: AvroField): string[] {
  const fields = plainObject(r.json)?.["fields"];
  const written = Array.isArray(fields) ? fields.map(plainObject).find((f) => f?.["name"] === field.name) : undefined;
  return strings(written?.["aliases"]);
}

function namesMatch(r: AvroNamed, w: AvroNamed): boolean {
  return r.name === w.name || namedAliases(r).includes(w.fullName);
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

/** A type in a few words: `string`, `record "com.acme.Order"`, `array of long`, `union [null, string]`. */
function describe(t: AvroType, lookup: NamedLookup, depth = 0): string {
  const d = deref(t, lookup);
  switch (d.kind) {
    case "primitive":
      return d.name;
    case "record":
    case "enum":
      return `${d.kind} "${d.fullName}"`;
    case "fixed":
      return `fixed "${d.fullName}" (${d.size} bytes)`;
    case "array":
      return depth > 2 ? "array" : `array of ${describe(d.items, lookup, depth + 1)}`;
    case "map":
      return depth > 2 ? "map" : `map of ${describe(d.values, lookup, depth + 1)}`;
    case "union":
      return `[${d.branches.map((b) => branchWord(deref(b, lookup))).join(", ")}]`;
  }
}

function branchWord(t: Resolved): string {
  return t.kind === "primitive" ? t.name : isNamed(t) ? t.fullName : t.kind;
}
