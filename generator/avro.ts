// Avro schemas: validated from their located JSON, resolved into a type tree the emitters map to TypeScript.
// The structural walk reports problems at the exact JSON node; avsc then confirms the schema as a whole.
import avro from "avsc";
import type { JsonValue, Range } from "../grammar/ast.js";
import type { Diagnostic, DiagnosticCode } from "./diagnostics.js";

export type PrimitiveName = "null" | "boolean" | "int" | "long" | "float" | "double" | "bytes" | "string";

export const primitiveNames: readonly PrimitiveName[] = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"];

export interface AvroField {
  readonly name: string;
  readonly type: AvroType;
  readonly doc: string | undefined;
  readonly hasDefault: boolean;
  readonly range: Range;
}

export interface AvroRecord {
  readonly kind: "record";
  readonly fullName: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly doc: string | undefined;
  readonly fields: readonly AvroField[];
  readonly range: Range;
}

export interface AvroEnum {
  readonly kind: "enum";
  readonly fullName: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly doc: string | undefined;
  readonly symbols: readonly string[];
  readonly range: Range;
}

export interface AvroFixed {
  readonly kind: "fixed";
  readonly fullName: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly doc: string | undefined;
  readonly size: number;
  readonly range: Range;
}

export type AvroNamed = AvroRecord | AvroEnum | AvroFixed;

export type AvroType =
  | { readonly kind: "primitive"; readonly name: PrimitiveName; readonly logicalType: string | undefined }
  | AvroNamed
  | { readonly kind: "ref"; readonly fullName: string; readonly range: Range }
  | { readonly kind: "array"; readonly items: AvroType }
  | { readonly kind: "map"; readonly values: AvroType }
  /** `wrapped`: avsc represents non-null values as `{ [branchName]: value }` (two branches share a JS representation). */
  | { readonly kind: "union"; readonly branches: readonly AvroType[]; readonly wrapped: boolean };

/** A message's schema, validated. `json` is the schema exactly as written, for the codec. */
export interface AvroSchema {
  /** The file the schema was written in (a .kef or an .avsc), as shown in diagnostics. */
  readonly file: string;
  readonly root: AvroType;
  /** Every named type the schema defines, in definition order. */
  readonly named: readonly AvroNamed[];
  readonly json: unknown;
}

const nameRe = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface Walk {
  readonly file: string;
  readonly diagnostics: Diagnostic[];
  readonly named: Map<string, AvroNamed>;
  readonly order: AvroNamed[];
  readonly refs: { fullName: string; range: Range }[];
}

function report(w: Walk, code: DiagnosticCode, range: Range, message: string, hint?: string): void {
  w.diagnostics.push({ code, severity: "error", message, file: w.file, range, ...(hint ? { hint } : {}) });
}

/** Converts located JSON into plain JSON. Object keys named `__proto__` are kept as own properties. */
export function toPlain(v: JsonValue): unknown {
  switch (v.$type) {
    case "JsonObject": {
      const out: Record<string, unknown> = {};
      for (const m of v.members) {
        if (m.value !== undefined) Object.defineProperty(out, m.key.value, { value: toPlain(m.value), enumerable: true, writable: true, configurable: true });
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

function member(obj: Extract<JsonValue, { $type: "JsonObject" }>, key: string): JsonValue | undefined {
  return obj.members.find((m) => m.key.value === key)?.value;
}

function stringMember(w: Walk, obj: Extract<JsonValue, { $type: "JsonObject" }>, key: string, required: boolean): string | undefined {
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

function describeKind(obj: Extract<JsonValue, { $type: "JsonObject" }>): string {
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

function qualify(name: string, namespace: string | undefined): { fullName: string; name: string; namespace: string | undefined } {
  const dot = name.lastIndexOf(".");
  if (dot >= 0) return { fullName: name, name: name.slice(dot + 1), namespace: name.slice(0, dot) || undefined };
  return { fullName: namespace ? `${namespace}.${name}` : name, name, namespace };
}

function checkName(w: Walk, name: string, range: Range, what: string): boolean {
  const parts = name.split(".");
  if (parts.every((p) => nameRe.test(p))) return true;
  report(w, "KEF3001", range, `invalid Avro ${what} name ${JSON.stringify(name)}`, "names start with a letter or '_' and contain only letters, digits and '_'");
  return false;
}

function walk(w: Walk, v: JsonValue, namespace: string | undefined): AvroType | undefined {
  if (v.$type === "JsonString") {
    if ((primitiveNames as readonly string[]).includes(v.value)) return { kind: "primitive", name: v.value as PrimitiveName, logicalType: undefined };
    if (!checkName(w, v.value, v.range, "type")) return undefined;
    // A reference, resolved once the whole schema is walked (a record may refer to itself or to later types).
    const fullName = qualify(v.value, namespace).fullName;
    w.refs.push({ fullName, range: v.range });
    return { kind: "ref", fullName, range: v.range };
  }
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
    // {"type": {...}} or {"type": [...]}: a wrapped schema.
    return walk(w, typeValue, namespace);
  }
  const type = typeValue.value;
  const logicalValue = member(v, "logicalType");
  const logicalType = logicalValue?.$type === "JsonString" ? logicalValue.value : undefined;
  switch (type) {
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
      if ((primitiveNames as readonly string[]).includes(type)) return { kind: "primitive", name: type as PrimitiveName, logicalType };
      // {"type": "some.Named"}: a reference in object form.
      return walk(w, typeValue, namespace);
  }
}

function define(w: Walk, t: AvroNamed, range: Range): void {
  if (w.named.has(t.fullName)) {
    report(w, "KEF3001", range, `Avro type "${t.fullName}" is defined twice`);
    return;
  }
  w.named.set(t.fullName, t);
  w.order.push(t);
}

function namedHeader(w: Walk, v: Extract<JsonValue, { $type: "JsonObject" }>, namespace: string | undefined) {
  const name = stringMember(w, v, "name", true);
  const ns = stringMember(w, v, "namespace", false);
  const nameNode = member(v, "name");
  if (name === undefined || !checkName(w, name, nameNode?.range ?? v.range, "type")) return undefined;
  if (ns && !checkName(w, ns, member(v, "namespace")!.range, "namespace")) return undefined;
  const q = qualify(name, ns === undefined ? namespace : ns || undefined);
  if ((primitiveNames as readonly string[]).includes(q.name)) {
    report(w, "KEF3001", nameNode?.range ?? v.range, `a named Avro type cannot be called "${q.name}"`);
    return undefined;
  }
  const doc = stringMember(w, v, "doc", false);
  return { ...q, doc };
}

function record(w: Walk, v: Extract<JsonValue, { $type: "JsonObject" }>, namespace: string | undefined): AvroType | undefined {
  const header = namedHeader(w, v, namespace);
  const fieldsValue = member(v, "fields");
  if (!header) return undefined;
  if (!fieldsValue || fieldsValue.$type !== "JsonArray") {
    report(w, "KEF3001", fieldsValue?.range ?? v.range, `Avro record "${header.fullName}" needs a "fields" array`);
    return undefined;
  }
  const fields: AvroField[] = [];
  const t: AvroRecord = { kind: "record", ...header, fields, range: v.range };
  // Define before walking fields so that a record can refer to itself.
  define(w, t, v.range);
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
    fields.push({ name, type, doc: stringMember(w, f, "doc", false), hasDefault: member(f, "default") !== undefined, range: f.range });
  }
  return t;
}

function enumType(w: Walk, v: Extract<JsonValue, { $type: "JsonObject" }>, namespace: string | undefined): AvroType | undefined {
  const header = namedHeader(w, v, namespace);
  const symbolsValue = member(v, "symbols");
  if (!header) return undefined;
  if (!symbolsValue || symbolsValue.$type !== "JsonArray") {
    report(w, "KEF3001", symbolsValue?.range ?? v.range, `Avro enum "${header.fullName}" needs a "symbols" array`);
    return undefined;
  }
  const symbols: string[] = [];
  for (const s of symbolsValue.items) {
    if (s.$type !== "JsonString" || !nameRe.test(s.value)) {
      report(w, "KEF3001", s.range, `invalid enum symbol ${s.$type === "JsonString" ? JSON.stringify(s.value) : ""}`.trim());
      continue;
    }
    if (symbols.includes(s.value)) {
      report(w, "KEF3001", s.range, `enum symbol "${s.value}" appears twice`);
      continue;
    }
    symbols.push(s.value);
  }
  const t: AvroEnum = { kind: "enum", ...header, symbols, range: v.range };
  define(w, t, v.range);
  return t;
}

function fixed(w: Walk, v: Extract<JsonValue, { $type: "JsonObject" }>, namespace: string | undefined): AvroType | undefined {
  const header = namedHeader(w, v, namespace);
  const sizeValue = member(v, "size");
  if (!header) return undefined;
  if (!sizeValue || sizeValue.$type !== "JsonNumber" || !Number.isInteger(sizeValue.value) || sizeValue.value < 0) {
    report(w, "KEF3001", sizeValue?.range ?? v.range, `Avro fixed "${header.fullName}" needs a non-negative integer "size"`);
    return undefined;
  }
  const t: AvroFixed = { kind: "fixed", ...header, size: sizeValue.value, range: v.range };
  define(w, t, v.range);
  return t;
}

/** How avsc represents a branch in JavaScript; a union whose branches share one is wrapped. */
function bucket(t: AvroType, named: ReadonlyMap<string, AvroNamed>): string {
  switch (t.kind) {
    case "primitive":
      return { null: "null", boolean: "boolean", int: "number", long: "number", float: "number", double: "number", bytes: "buffer", string: "string" }[t.name];
    case "ref": {
      const target = named.get(t.fullName);
      return target ? bucket(target, named) : t.fullName;
    }
    case "record":
    case "map":
      return "object";
    case "enum":
      return "string";
    case "fixed":
      return "buffer";
    case "array":
      return "array";
    case "union":
      return "union";
  }
}

function branchKey(t: AvroType): string {
  switch (t.kind) {
    case "primitive":
      return t.name;
    case "ref":
    case "record":
    case "enum":
    case "fixed":
      return t.fullName;
    default:
      return t.kind;
  }
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
    const key = branchKey(t);
    if (keys.has(key)) {
      report(w, "KEF3001", item.range, `the union has two "${key}" branches`);
      continue;
    }
    keys.add(key);
    branches.push(t);
  }
  if (v.items.length === 0) report(w, "KEF3001", v.range, "an Avro union needs at least one branch");
  // `wrapped` is decided once every reference can be resolved: see resolveUnions.
  return { kind: "union", branches, wrapped: false };
}

/** Sets `wrapped` on every union the way avsc's `wrapUnions: "auto"` decides it. */
function resolveUnions(t: AvroType, named: ReadonlyMap<string, AvroNamed>, seen = new Set<AvroType>()): AvroType {
  if (seen.has(t)) return t;
  seen.add(t);
  switch (t.kind) {
    case "union": {
      const branches = t.branches.map((b) => resolveUnions(b, named, seen));
      const buckets = branches.map((b) => bucket(b, named));
      const wrapped = new Set(buckets).size !== buckets.length;
      return { kind: "union", branches, wrapped };
    }
    case "array":
      return { kind: "array", items: resolveUnions(t.items, named, seen) };
    case "map":
      return { kind: "map", values: resolveUnions(t.values, named, seen) };
    case "record":
      // Records are shared by reference (recursion): update fields in place.
      (t as unknown as { fields: AvroField[] }).fields = t.fields.map((f) => ({ ...f, type: resolveUnions(f.type, named, seen) }));
      return t;
    default:
      return t;
  }
}

export interface SchemaInput {
  /** The file the JSON came from, as shown in diagnostics. */
  readonly file: string;
  readonly json: JsonValue;
  /** The namespace for unqualified names at the top of the schema. */
  readonly namespace: string | undefined;
}

/**
 * Validates one message's schema. A schema is self-contained: it defines every named type it refers to.
 */
export function readSchema(input: SchemaInput): { schema: AvroSchema | undefined; diagnostics: Diagnostic[] } {
  const w: Walk = { file: input.file, diagnostics: [], named: new Map(), order: [], refs: [] };
  checkKeys(w, input.json);
  if (w.diagnostics.length > 0) return { schema: undefined, diagnostics: w.diagnostics };
  const root = walk(w, input.json, input.namespace);
  for (const ref of w.refs) {
    if (!w.named.has(ref.fullName)) {
      const short = ref.fullName.slice(ref.fullName.lastIndexOf(".") + 1);
      const candidates = [...w.named.keys()].filter((k) => k.endsWith(`.${short}`) || k === short);
      report(w, "KEF3001", ref.range, `unknown Avro type "${ref.fullName}"`, candidates.length ? `did you mean "${candidates[0]}"?` : undefined);
    }
  }
  if (!root || w.diagnostics.length > 0) return { schema: undefined, diagnostics: w.diagnostics };
  const json = toPlain(input.json);
  // avsc has the last word on validity (defaults, aliases, ...).
  try {
    avro.Type.forSchema(json as avro.Schema, { wrapUnions: "auto" } as Partial<avro.ForSchemaOptions>);
  } catch (error) {
    report(w, "KEF3001", input.json.range, `invalid Avro schema: ${(error as Error).message}`);
    return { schema: undefined, diagnostics: w.diagnostics };
  }
  return { schema: { file: input.file, root: resolveUnions(root, w.named), named: w.order, json }, diagnostics: w.diagnostics };
}
