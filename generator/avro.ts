// Avro schemas: each message's schema is walked from its located JSON (problems are reported at the exact node),
// then all schemas are linked (a schema may use named types another message's schema defines), and every message
// gets a self-contained schema for its codec, which avsc — built exactly as the runtime builds it — confirms.
//
// How values look at run time is decided in runtime/avro-codec.ts; this file mirrors it for the generated types
// (`bucket`, `unionIsWrapped`, `branchName`) and shares its judge of logical types (`readLogicalType`).
import type { JsonValue, Range } from "../grammar/ast.js";
import { LONG_REPRESENTATION_PROPERTY, readLogicalType, type AvroLogicalType, type ValueBucket } from "../runtime/avro-codec.js";
import { closest, type Diagnostic, type DiagnosticCode, type RelatedLocation } from "./diagnostics.js";
import { checkCodecSchema } from "./codec-check.js";
import { schemaTooComplexForAvsc } from "./schema-limits.js";

export type PrimitiveName = "null" | "boolean" | "int" | "long" | "float" | "double" | "bytes" | "string";

const primitiveNames: readonly PrimitiveName[] = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"];

export type { AvroLogicalType };

export interface AvroField {
  readonly name: string;
  readonly type: AvroType;
  readonly doc: string | undefined;
  /** The field's default, as written (JSON); undefined when it has none. */
  readonly default: { readonly value: unknown } | undefined;
  readonly range: Range;
}

interface NamedBase {
  readonly fullName: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly doc: string | undefined;
  /** The definition as written (plain JSON), for the codecs' schemas. */
  readonly json: unknown;
  /** The namespace in effect where the definition is written (names in `json` are relative to it). */
  readonly enclosingNamespace: string | undefined;
  /** The file the definition is written in, as shown in diagnostics. */
  readonly file: string;
  readonly range: Range;
}

export interface AvroRecord extends NamedBase {
  readonly kind: "record";
  readonly fields: readonly AvroField[];
}

export interface AvroEnum extends NamedBase {
  readonly kind: "enum";
  readonly symbols: readonly string[];
  /** The symbol a reader uses for symbols it does not know (schema evolution). */
  readonly default: string | undefined;
  /** Where each symbol is written (schema-evolution diagnostics point at a symbol). */
  readonly symbolRanges: ReadonlyMap<string, Range>;
}

export interface AvroFixed extends NamedBase {
  readonly kind: "fixed";
  readonly size: number;
  /** A logical type kefgen interprets (decimal, uuid, duration); undefined: a Buffer. */
  readonly logical: AvroLogicalType | undefined;
}

export type AvroNamed = AvroRecord | AvroEnum | AvroFixed;

export interface AvroPrimitive {
  readonly kind: "primitive";
  readonly name: PrimitiveName;
  /** A logical type kefgen interprets; undefined: the primitive's own value. */
  readonly logical: AvroLogicalType | undefined;
  /** A `long` read as a bigint (`"kefgen.long": "bigint"`). */
  readonly bigint: boolean;
}

/** A use of a named type by name. Resolved against every message's schema when they are linked. */
export interface AvroRef {
  readonly kind: "ref";
  readonly fullName: string;
  /** The name as written (maybe relative to the enclosing namespace). */
  readonly written: string;
  readonly file: string;
  readonly range: Range;
}

export type AvroType =
  | AvroPrimitive
  | AvroNamed
  | AvroRef
  | { readonly kind: "array"; readonly items: AvroType }
  | { readonly kind: "map"; readonly values: AvroType }
  | { readonly kind: "union"; readonly branches: readonly AvroType[] };

/** A message's schema, read and checked on its own (references to other schemas' types are not yet resolved). */
export interface AvroSchema {
  /** The file the schema was written in (a .kef or an .avsc), as shown in diagnostics. */
  readonly file: string;
  /** The root's JSON node in `file`: where problems with the schema as a whole are reported. */
  readonly range: Range;
  readonly root: AvroType;
  /** The root's JSON as written: the whole document, or the definition `#Name` picked. */
  readonly json: unknown;
  /** The definition `#Name` picked as the root, if any. */
  readonly selected: AvroNamed | undefined;
  /** Every named type the document defines, in definition order (also those the root does not use). */
  readonly named: readonly AvroNamed[];
  /** Every use of a type name, in document order. */
  readonly refs: readonly AvroRef[];
  /**
   * False when the schema has errors (already reported). It is still linked, so that its uses of unknown type
   * names are reported too, but it is not built.
   */
  readonly complete: boolean;
}

const nameRe = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Names every JavaScript object inherits ("constructor", "toString", "__proto__", ...). avsc keeps enum symbols and
 * union branch names as keys of plain objects, where these are already taken.
 */
const inheritedNames: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

interface Walk {
  readonly file: string;
  readonly diagnostics: Diagnostic[];
  readonly named: Map<string, AvroNamed>;
  readonly order: AvroNamed[];
  readonly refs: AvroRef[];
}

type JsonObject = Extract<JsonValue, { $type: "JsonObject" }>;

function report(w: Walk, code: DiagnosticCode, range: Range, message: string, hint?: string, severity: "error" | "warning" = "error"): void {
  w.diagnostics.push({ code, severity, message, file: w.file, range, ...(hint ? { hint } : {}) });
}

/** Converts located JSON into plain JSON. Object keys named `__proto__` are kept as own properties. */
function toPlain(v: JsonValue): unknown {
  switch (v.$type) {
    case "JsonObject": {
      const out: Record<string, unknown> = {};
      for (const m of v.members) {
        if (m.value === undefined) continue;
        // Only `__proto__` needs defineProperty (assigning it would set the prototype); defining every key would
        // turn each object into a slow dictionary-mode one, which costs every later walk over the schema.
        if (m.key.value === "__proto__") Object.defineProperty(out, m.key.value, { value: toPlain(m.value), enumerable: true, writable: true, configurable: true });
        else out[m.key.value] = toPlain(m.value);
      }
      return out;
    }
    case "JsonArray":
      return v.items.map(toPlain);
    case "JsonString":
    case "JsonNumber":
    case "JsonBoolean":
      return v.value;
    case "JsonNull":
      return null;
  }
}

function member(obj: JsonObject, key: string): JsonValue | undefined {
  return obj.members.find((m) => m.key.value === key)?.value;
}

function stringMember(w: Walk, obj: JsonObject, key: string, required: boolean): string | undefined {
  const v = member(obj, key);
  if (v === undefined) {
    if (required) report(w, "KEF3001", obj.range, `missing "${key}" in Avro ${describeKind(obj)}`);
    return undefined;
  }
  if (v.$type !== "JsonString") {
    report(w, "KEF3001", v.range, `"${key}" must be a string`);
    return undefined;
  }
  return v.value;
}

function describeKind(obj: JsonObject): string {
  const t = member(obj, "type");
  return t?.$type === "JsonString" ? `${t.value} schema` : "schema";
}

/** Rejects `__proto__` anywhere as an object key: it would change prototypes in generated code or decoded data. */
function checkKeys(w: Walk, v: JsonValue): void {
  if (v.$type === "JsonObject") {
    for (const m of v.members) {
      if (m.key.value === "__proto__") {
        report(w, "KEF3004", m.key.range, `"__proto__" cannot be used as a key in an Avro schema`, "avsc and JavaScript objects treat it as the prototype, so the value would be lost");
      }
      if (m.value) checkKeys(w, m.value);
    }
  } else if (v.$type === "JsonArray") {
    v.items.forEach((i) => checkKeys(w, i));
  }
}

/** Splits a (possibly dotted) Avro name and resolves it against the enclosing namespace, as avsc does. */
export function qualify(name: string, namespace: string | undefined): { fullName: string; name: string; namespace: string | undefined } {
  const dot = name.lastIndexOf(".");
  if (dot >= 0) return { fullName: name, name: name.slice(dot + 1), namespace: name.slice(0, dot) || undefined };
  return { fullName: namespace ? `${namespace}.${name}` : name, name, namespace: namespace || undefined };
}

function isPrimitive(name: string): name is PrimitiveName {
  return (primitiveNames as readonly string[]).includes(name);
}

function checkName(w: Walk, name: string, range: Range, what: string): boolean {
  const parts = name.split(".");
  if (parts.every((p) => nameRe.test(p))) return true;
  report(w, "KEF3001", range, `invalid Avro ${what} name ${JSON.stringify(name)}`, "names start with a letter or '_' and contain only letters, digits and '_'");
  return false;
}

function reference(w: Walk, name: string, range: Range, namespace: string | undefined): AvroType | undefined {
  if (isPrimitive(name)) return { kind: "primitive", name, logical: undefined, bigint: false };
  if (!checkName(w, name, range, "type")) return undefined;
  // Resolved once every schema is read: a type may be defined later, or by another message's schema.
  const ref: AvroRef = { kind: "ref", fullName: qualify(name, namespace).fullName, written: name, file: w.file, range };
  w.refs.push(ref);
  return ref;
}

function walk(w: Walk, v: JsonValue, namespace: string | undefined): AvroType | undefined {
  if (v.$type === "JsonString") return reference(w, v.value, v.range, namespace);
  if (v.$type === "JsonArray") return union(w, v, namespace);
  if (v.$type !== "JsonObject") {
    report(w, "KEF3001", v.range, "an Avro schema must be a type name, an object or a union array");
    return undefined;
  }
  const typeValue = member(v, "type");
  if (typeValue === undefined) {
    report(w, "KEF3001", v.range, `missing "type" in Avro schema`);
    return undefined;
  }
  if (typeValue.$type !== "JsonString") {
    report(w, "KEF3001", typeValue.range, `"type" must be a type name`, "write the schema itself instead of wrapping it in {\"type\": ...}");
    return undefined;
  }
  switch (typeValue.value) {
    case "record":
    case "error":
      return record(w, v, namespace);
    case "enum":
      return enumType(w, v, namespace);
    case "fixed":
      return fixed(w, v, namespace);
    case "array": {
      const items = member(v, "items");
      if (!items) {
        report(w, "KEF3001", v.range, `missing "items" in Avro array schema`);
        return undefined;
      }
      const t = walk(w, items, namespace);
      return t && { kind: "array", items: t };
    }
    case "map": {
      const values = member(v, "values");
      if (!values) {
        report(w, "KEF3001", v.range, `missing "values" in Avro map schema`);
        return undefined;
      }
      const t = walk(w, values, namespace);
      return t && { kind: "map", values: t };
    }
    default:
      if (isPrimitive(typeValue.value)) return primitive(w, v, typeValue.value);
      // {"type": "some.Named"}: a reference in object form (its other attributes mean nothing, as in Java's Avro).
      return reference(w, typeValue.value, typeValue.range, namespace);
  }
}

/** Reads `logicalType`: what kefgen interprets, and a warning when a known logical type is used against the spec. */
function logical(w: Walk, v: JsonObject): AvroLogicalType | undefined {
  const plain: Record<string, unknown> = {};
  for (const key of ["type", "logicalType", "size", "precision", "scale"]) {
    const m = member(v, key);
    if (m) plain[key] = toPlain(m);
  }
  const reading = readLogicalType(plain);
  if (reading?.status === "ignored") {
    report(w, "KEF3006", member(v, "logicalType")!.range, `logical type "${reading.name}" is ignored: ${reading.reason}`, `the value is read as the underlying ${String(plain["type"])}, as the Avro specification asks`, "warning");
  }
  return reading?.status === "interpreted" ? reading.logicalType : undefined;
}

function primitive(w: Walk, v: JsonObject, name: PrimitiveName): AvroPrimitive {
  const representation = member(v, LONG_REPRESENTATION_PROPERTY);
  let bigint = false;
  if (representation) {
    if (name !== "long" || member(v, "logicalType")) {
      report(w, "KEF3001", representation.range, `"${LONG_REPRESENTATION_PROPERTY}" applies to a plain long only`, `a logical type decides its own representation`);
    } else if (representation.$type !== "JsonString" || (representation.value !== "bigint" && representation.value !== "number")) {
      report(w, "KEF3001", representation.range, `"${LONG_REPRESENTATION_PROPERTY}" must be "bigint" or "number"`);
    } else {
      bigint = representation.value === "bigint";
    }
  }
  return { kind: "primitive", name, logical: logical(w, v), bigint };
}

function define(w: Walk, t: AvroNamed): void {
  if (w.named.has(t.fullName)) {
    report(w, "KEF3001", t.range, `Avro type "${t.fullName}" is defined twice`);
    return;
  }
  w.named.set(t.fullName, t);
  w.order.push(t);
}

function namedHeader(w: Walk, v: JsonObject, namespace: string | undefined) {
  const name = stringMember(w, v, "name", true);
  const ns = stringMember(w, v, "namespace", false);
  const nameNode = member(v, "name");
  if (name === undefined || !checkName(w, name, nameNode?.range ?? v.range, "type")) return undefined;
  if (ns && !checkName(w, ns, member(v, "namespace")!.range, "namespace")) return undefined;
  const q = qualify(name, ns === undefined ? namespace : ns || undefined);
  if (isPrimitive(q.name)) {
    report(w, "KEF3001", nameNode?.range ?? v.range, `a named Avro type cannot be called "${q.name}"`);
    return undefined;
  }
  if (inheritedNames.has(q.fullName)) {
    report(w, "KEF3004", nameNode?.range ?? v.range, `an Avro type cannot be called "${q.fullName}"`, `every JavaScript object has a "${q.fullName}" property: avsc cannot use the name as a union branch key; give the type a namespace or another name`);
    return undefined;
  }
  const doc = stringMember(w, v, "doc", false);
  return { ...q, doc, json: toPlain(v), enclosingNamespace: namespace, file: w.file, range: v.range };
}

function record(w: Walk, v: JsonObject, namespace: string | undefined): AvroType | undefined {
  const header = namedHeader(w, v, namespace);
  const fieldsValue = member(v, "fields");
  if (!header) return undefined;
  if (!fieldsValue || fieldsValue.$type !== "JsonArray") {
    report(w, "KEF3001", fieldsValue?.range ?? v.range, `Avro record "${header.fullName}" needs a "fields" array`);
    return undefined;
  }
  const fields: AvroField[] = [];
  const t: AvroRecord = { kind: "record", ...header, fields };
  // Define before walking fields so that a record can refer to itself.
  define(w, t);
  const seen = new Set<string>();
  for (const f of fieldsValue.items) {
    if (f.$type !== "JsonObject") {
      report(w, "KEF3001", f.range, "an Avro field must be an object with a name and a type");
      continue;
    }
    const name = stringMember(w, f, "name", true);
    const nameRange = member(f, "name")?.range ?? f.range;
    if (name === undefined) continue;
    if (name === "__proto__") {
      report(w, "KEF3004", nameRange, `field "__proto__" of "${header.fullName}" would be silently dropped when decoding`, "rename the field; avsc cannot decode a field named __proto__");
      continue;
    }
    if (!nameRe.test(name)) {
      report(w, "KEF3001", nameRange, `invalid Avro field name ${JSON.stringify(name)}`, "names start with a letter or '_' and contain only letters, digits and '_'");
      continue;
    }
    if (seen.has(name)) {
      report(w, "KEF3001", nameRange, `field "${name}" appears twice in "${header.fullName}"`);
      continue;
    }
    seen.add(name);
    const typeValue = member(f, "type");
    if (!typeValue) {
      report(w, "KEF3001", f.range, `missing "type" in field "${name}"`);
      continue;
    }
    const type = walk(w, typeValue, header.namespace);
    if (!type) continue;
    const defaultValue = member(f, "default");
    fields.push({ name, type, doc: stringMember(w, f, "doc", false), default: defaultValue ? { value: toPlain(defaultValue) } : undefined, range: f.range });
  }
  return t;
}

function enumType(w: Walk, v: JsonObject, namespace: string | undefined): AvroType | undefined {
  const header = namedHeader(w, v, namespace);
  const symbolsValue = member(v, "symbols");
  if (!header) return undefined;
  if (!symbolsValue || symbolsValue.$type !== "JsonArray") {
    report(w, "KEF3001", symbolsValue?.range ?? v.range, `Avro enum "${header.fullName}" needs a "symbols" array`);
    return undefined;
  }
  const symbols: string[] = [];
  const symbolRanges = new Map<string, Range>();
  for (const s of symbolsValue.items) {
    if (s.$type !== "JsonString" || !nameRe.test(s.value)) {
      report(w, "KEF3001", s.range, `invalid enum symbol ${s.$type === "JsonString" ? JSON.stringify(s.value) : ""}`.trim(), "symbols start with a letter or '_' and contain only letters, digits and '_'");
      continue;
    }
    if (inheritedNames.has(s.value)) {
      report(w, "KEF3004", s.range, `enum symbol "${s.value}" cannot be used`, `every JavaScript object has a "${s.value}" property: avsc, which looks symbols up in an object, would reject the schema or accept values that are not symbols`);
      continue;
    }
    if (symbols.includes(s.value)) {
      report(w, "KEF3001", s.range, `enum symbol "${s.value}" appears twice`);
      continue;
    }
    symbols.push(s.value);
    symbolRanges.set(s.value, s.range);
  }
  const defaultValue = member(v, "default");
  if (defaultValue && (defaultValue.$type !== "JsonString" || !symbols.includes(defaultValue.value))) {
    const hint = defaultValue.$type === "JsonString" ? closest(defaultValue.value, symbols) : undefined;
    report(w, "KEF3001", defaultValue.range, `the default of enum "${header.fullName}" must be one of its symbols`, hint ? `did you mean "${hint}"?` : `symbols are: ${symbols.join(", ")}`);
  }
  const t: AvroEnum = { kind: "enum", ...header, symbols, default: defaultValue?.$type === "JsonString" ? defaultValue.value : undefined, symbolRanges };
  define(w, t);
  return t;
}

function fixed(w: Walk, v: JsonObject, namespace: string | undefined): AvroType | undefined {
  const header = namedHeader(w, v, namespace);
  const sizeValue = member(v, "size");
  if (!header) return undefined;
  if (!sizeValue || sizeValue.$type !== "JsonNumber" || !Number.isInteger(sizeValue.value) || sizeValue.value < 0) {
    report(w, "KEF3001", sizeValue?.range ?? v.range, `Avro fixed "${header.fullName}" needs a non-negative integer "size"`);
    return undefined;
  }
  const t: AvroFixed = { kind: "fixed", ...header, size: sizeValue.value, logical: logical(w, v) };
  define(w, t);
  return t;
}

function union(w: Walk, v: Extract<JsonValue, { $type: "JsonArray" }>, namespace: string | undefined): AvroType | undefined {
  const branches: AvroType[] = [];
  const keys = new Set<string>();
  for (const item of v.items) {
    if (item.$type === "JsonArray") {
      report(w, "KEF3001", item.range, "an Avro union cannot directly contain another union");
      continue;
    }
    const t = walk(w, item, namespace);
    if (!t) continue;
    const key = branchName(t);
    if (keys.has(key)) {
      report(w, "KEF3001", item.range, `the union has two "${key}" branches`, "a union holds at most one branch of each type (named types count by name)");
      continue;
    }
    keys.add(key);
    branches.push(t);
  }
  if (v.items.length === 0) report(w, "KEF3001", v.range, "an Avro union needs at least one branch");
  return { kind: "union", branches };
}

// ---------------------------------------------------------------------------------------------
// Reading one schema

export interface SchemaInput {
  /** The file the JSON came from, as shown in diagnostics. */
  readonly file: string;
  readonly json: JsonValue;
  /** The namespace for unqualified names at the top of the schema. */
  readonly namespace: string | undefined;
  /** `from "types.avsc#com.acme.Order"`: the named type to use as the root, and where that was written. */
  readonly select?: { readonly name: string; readonly file: string; readonly range: Range };
}

/** Validates one message's schema on its own. References to types it does not define are resolved by `linkSchemas`. */
export function readSchema(input: SchemaInput): { schema: AvroSchema | undefined; diagnostics: Diagnostic[] } {
  const w: Walk = { file: input.file, diagnostics: [], named: new Map(), order: [], refs: [] };
  checkKeys(w, input.json);
  if (w.diagnostics.length > 0) return { schema: undefined, diagnostics: w.diagnostics };
  const whole = walk(w, input.json, input.namespace);
  const selected = input.select ? select(w, input.select) : undefined;
  if (!whole || (input.select && !selected)) return { schema: undefined, diagnostics: w.diagnostics };
  const complete = !w.diagnostics.some((d) => d.severity === "error");
  const schema: AvroSchema = selected
    ? { file: input.file, range: selected.range, root: selected, json: selected.json, selected, named: w.order, refs: w.refs, complete }
    : { file: input.file, range: input.json.range, root: whole, json: toPlain(input.json), selected: undefined, named: w.order, refs: w.refs, complete };
  return { schema, diagnostics: w.diagnostics };
}

/** Finds the named type `#Name` picks: by full name, or by simple name when only one type has it. */
function select(w: Walk, at: NonNullable<SchemaInput["select"]>): AvroNamed | undefined {
  const fail = (message: string, hint?: string): undefined => {
    w.diagnostics.push({ code: "KEF3005", severity: "error", message, file: at.file, range: at.range, ...(hint ? { hint } : {}) });
    return undefined;
  };
  const exact = w.named.get(at.name);
  if (exact) return exact;
  const bySimpleName = w.order.filter((t) => !at.name.includes(".") && t.name === at.name);
  if (bySimpleName.length === 1) return bySimpleName[0];
  if (bySimpleName.length > 1) {
    return fail(`"${at.name}" names several types in ${w.file}: ${bySimpleName.map((t) => t.fullName).join(", ")}`, `write the full name, e.g. #${bySimpleName[0]!.fullName}`);
  }
  const defined = w.order.map((t) => t.fullName);
  const bySimple = closest(at.name, w.order.map((t) => t.name));
  const guess = closest(at.name, defined) ?? w.order.find((t) => t.name === bySimple)?.fullName;
  return fail(
    `${w.file} defines no Avro type "${at.name}"`,
    guess ? `did you mean "${guess}"?` : defined.length ? `it defines: ${defined.join(", ")}` : "it defines no named types",
  );
}

// ---------------------------------------------------------------------------------------------
// Linking all schemas

/** Where linking reports problems (the checker). */
export interface LinkReporter {
  report(code: DiagnosticCode, range: Range, message: string, extra: { file: string; hint?: string; related?: RelatedLocation[] }): void;
}

/** Named types by full name. */
export type NamedLookup = (fullName: string) => AvroNamed | undefined;

/**
 * Links every message's schema: resolves type names across schemas (a schema may use a type another message's
 * schema defines), rejects one name defined two different ways, and checks each message's self-contained codec
 * schema with avsc exactly as the runtime builds it. Returns the named types the messages use, in first-use order.
 */
export function linkSchemas(r: LinkReporter, messages: readonly { readonly name: string; readonly schema: AvroSchema }[]): AvroNamed[] {
  const pool = new Map<string, AvroNamed>();
  const keys = new Map<AvroNamed, string>();
  for (const m of messages) {
    for (const t of m.schema.named) {
      const key = definitionKey(t);
      keys.set(t, key);
      const first = pool.get(t.fullName);
      if (!first) pool.set(t.fullName, t);
      else if (keys.get(first) !== key) {
        const owner = messages.find((x) => x.schema.named.includes(first))!;
        r.report("KEF3001", t.range, `Avro type "${t.fullName}" is defined again, differently`, {
          file: t.file,
          hint: "one name, one definition: rename one of them or make them identical",
          related: [{ message: `the other definition, in the schema of message "${owner.name}"`, file: first.file, range: first.range }],
        });
      }
    }
  }
  const lookup: NamedLookup = (fullName) => pool.get(fullName);
  const reported = new Set<string>();
  for (const m of messages) {
    let resolved = true;
    for (const ref of m.schema.refs) {
      if (pool.has(ref.fullName)) continue;
      resolved = false;
      const at = `${ref.file}:${ref.range.start.offset}`;
      if (reported.has(at)) continue;
      reported.add(at);
      r.report("KEF3001", ref.range, `unknown Avro type "${ref.fullName}"`, { file: ref.file, hint: unknownTypeHint(ref, pool) });
    }
    if (!resolved || !m.schema.complete) continue;
    try {
      checkCodecSchema(codecSchema(m.schema, lookup));
    } catch (error) {
      // A RangeError or SyntaxError comes from compiling avsc's code for the schema, not from checking it: its
      // message tells of avsc's internals, not of the schema.
      const tooBig = error instanceof RangeError || error instanceof SyntaxError ? schemaTooComplexForAvsc() : undefined;
      if (tooBig) r.report(tooBig.code, m.schema.range, tooBig.message, { file: m.schema.file, hint: tooBig.hint });
      else r.report("KEF3001", m.schema.range, `invalid Avro schema: ${(error as Error).message}`, { file: m.schema.file });
    }
  }
  // The named types the messages use, each once, in first-use order.
  const used = new Map<string, AvroNamed>();
  const visit = (t: AvroType): void => {
    switch (t.kind) {
      case "record":
      case "enum":
      case "fixed":
        if (used.has(t.fullName)) return;
        used.set(t.fullName, t);
        if (t.kind === "record") for (const f of t.fields) visit(f.type);
        return;
      case "ref": {
        const target = pool.get(t.fullName);
        if (target) visit(target);
        return;
      }
      case "array":
        return visit(t.items);
      case "map":
        return visit(t.values);
      case "union":
        return t.branches.forEach(visit);
      case "primitive":
        return;
    }
  };
  for (const m of messages) visit(m.schema.root);
  return [...used.values()];
}

function simpleName(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf(".") + 1);
}

/** How many leading characters two names share. */
function closeness(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
}

function unknownTypeHint(ref: AvroRef, pool: ReadonlyMap<string, AvroNamed>): string {
  const simple = simpleName(ref.fullName);
  const sameName = [...pool.values()].filter((t) => t.name === simple).map((t) => t.fullName);
  if (sameName.length > 0 && !ref.written.includes(".")) {
    return `a name without a namespace means one in the enclosing namespace; did you mean "${sameName[0]}"?`;
  }
  if (!ref.written.includes(".")) {
    const primitive = closest(ref.written, primitiveNames);
    if (primitive) return `did you mean "${primitive}"?`;
  }
  const near = closest(simple, [...pool.values()].map((t) => t.name));
  const guess = [...pool.values()].filter((t) => t.name === near).sort((a, b) => closeness(ref.fullName, b.fullName) - closeness(ref.fullName, a.fullName))[0]?.fullName;
  if (guess) return `did you mean "${guess}"?`;
  return ref.written.includes(".") ? "define it in this schema or in the schema of another message" : `Avro's primitive types are ${primitiveNames.join(", ")}`;
}

/** A definition in a form that does not depend on how it was written: full names, nested types by name, sorted keys. */
function definitionKey(t: AvroNamed): string {
  return JSON.stringify(sortKeys(normalize(t.json, t.enclosingNamespace, true)));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function isNamedKind(type: unknown): boolean {
  return type === "record" || type === "error" || type === "enum" || type === "fixed";
}

function normalize(json: unknown, namespace: string | undefined, top: boolean): unknown {
  if (typeof json === "string") return isPrimitive(json) ? json : qualify(json, namespace).fullName;
  if (Array.isArray(json)) return json.map((b) => normalize(b, namespace, false));
  if (!isObject(json)) return json;
  const type = json["type"];
  if (typeof type === "string" && isNamedKind(type)) {
    const q = qualify(String(json["name"]), typeof json["namespace"] === "string" ? json["namespace"] || undefined : namespace);
    if (!top) return q.fullName;
    const out: Record<string, unknown> = { ...json, name: q.fullName };
    delete out["namespace"];
    if (Array.isArray(json["fields"])) {
      out["fields"] = json["fields"].map((f: unknown) => (isObject(f) ? { ...f, type: normalize(f["type"], q.namespace, false) } : f));
    }
    return out;
  }
  if (type === "array") return { ...json, items: normalize(json["items"], namespace, false) };
  if (type === "map") return { ...json, values: normalize(json["values"], namespace, false) };
  if (typeof type === "string" && !isPrimitive(type)) return qualify(type, namespace).fullName;
  return json;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) Object.defineProperty(out, k, { value: sortKeys(v[k]), enumerable: true, writable: true, configurable: true });
  return out;
}

// ---------------------------------------------------------------------------------------------
// The codec's schema

/**
 * The self-contained schema of a message's codec: its schema as written, where each named type it uses but does
 * not define (another message's, or one defined further on) is defined at its first use. Definitions moved to
 * another namespace context carry their namespace explicitly; every other part stays as written.
 */
export function codecSchema(schema: AvroSchema, lookup: NamedLookup): unknown {
  const emitted = new Set<string>();
  const definition = (t: AvroNamed, namespace: string | undefined): unknown => {
    emitted.add(t.fullName);
    const body = rewrite(t.json, t.enclosingNamespace, true);
    if (t.enclosingNamespace === namespace || !isObject(body)) return body;
    // Written elsewhere: name it explicitly, so that it means the same type here.
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) {
      if (k === "namespace") continue;
      out[k] = v;
      if (k === "name") {
        out["name"] = t.name;
        out["namespace"] = t.namespace ?? "";
      }
    }
    return out;
  };
  const rewrite = (json: unknown, namespace: string | undefined, top = false): unknown => {
    if (typeof json === "string") {
      if (isPrimitive(json)) return json;
      const fullName = qualify(json, namespace).fullName;
      if (emitted.has(fullName)) return json;
      const target = lookup(fullName);
      if (!target) throw new Error(`internal: Avro type ${fullName} was not linked`);
      return definition(target, namespace);
    }
    if (Array.isArray(json)) return json.map((b) => rewrite(b, namespace));
    if (!isObject(json)) return json;
    const type = json["type"];
    if (typeof type === "string" && isNamedKind(type)) {
      const q = qualify(String(json["name"]), typeof json["namespace"] === "string" ? json["namespace"] || undefined : namespace);
      // A second definition of a type (another copy of an identical one) becomes a use of the first.
      if (!top && emitted.has(q.fullName)) return q.fullName;
      emitted.add(q.fullName);
      if (!Array.isArray(json["fields"])) return json;
      return { ...json, fields: json["fields"].map((f: unknown) => (isObject(f) ? { ...f, type: rewrite(f["type"], q.namespace) } : f)) };
    }
    if (type === "array") return { ...json, items: rewrite(json["items"], namespace) };
    if (type === "map") return { ...json, values: rewrite(json["values"], namespace) };
    if (typeof type === "string" && !isPrimitive(type)) return rewrite(type, namespace);
    return json;
  };
  return schema.selected ? definition(schema.selected, undefined) : rewrite(schema.json, undefined);
}

// ---------------------------------------------------------------------------------------------
// How values look (mirrors runtime/avro-codec.ts)

/** The JavaScript bucket of a logical type's values. */
function logicalBucket(l: AvroLogicalType): ValueBucket {
  switch (l.name) {
    case "decimal":
    case "uuid":
      return "string";
    case "date":
    case "timestamp-millis":
    case "local-timestamp-millis":
    case "duration":
      return "object";
    case "time-millis":
    case "time-micros":
    case "timestamp-micros":
    case "local-timestamp-micros":
      return "number";
  }
}

/** The JavaScript bucket of `t`'s values, as the runtime's union rule sorts them. */
function bucket(t: AvroType, lookup: NamedLookup): ValueBucket | "union" {
  switch (t.kind) {
    case "primitive":
      if (t.logical) return logicalBucket(t.logical);
      if (t.bigint) return "bigint";
      return ({ null: "null", boolean: "boolean", int: "number", long: "number", float: "number", double: "number", bytes: "buffer", string: "string" } as const)[t.name];
    case "fixed":
      return t.logical ? logicalBucket(t.logical) : "buffer";
    case "enum":
      return "string";
    case "record":
    case "map":
      return "object";
    case "array":
      return "array";
    case "union":
      return "union";
    case "ref": {
      const target = lookup(t.fullName);
      if (!target) throw new Error(`internal: Avro type ${t.fullName} was not linked`);
      return bucket(target, lookup);
    }
  }
}

/** Whether the runtime holds this union's values wrapped (`{ "branch": value }`): two branches share a bucket. */
export function unionIsWrapped(t: Extract<AvroType, { kind: "union" }>, lookup: NamedLookup): boolean {
  const buckets = t.branches.map((b) => bucket(b, lookup));
  return new Set(buckets).size !== buckets.length;
}

/** The key a wrapped union stores a branch's value under: the full name of a named type, else the type's name. */
export function branchName(t: AvroType): string {
  switch (t.kind) {
    case "primitive":
      return t.name;
    case "record":
    case "enum":
    case "fixed":
    case "ref":
      return t.fullName;
    default:
      return t.kind;
  }
}
