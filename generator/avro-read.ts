// Reading one message's Avro schema: its located JSON (a .kef's inline schema or a schema file) is walked into the
// schema model (avro-types.ts), and every problem is reported at the exact JSON node. Names of types the schema does
// not define stay references; avro-link.ts resolves them across every message's schema. (Over ~350 lines: one
// reader per kind of schema — record, enum, fixed, union, primitive — each with the checks Avro's rules ask of it;
// they share the walk's state and split no further by job.)
import type { JsonValue, Range } from "../grammar/ast.js";
import { LONG_REPRESENTATION_PROPERTY, readLogicalType, type AvroLogicalType } from "../runtime/avro-representation.js";
import {
  branchName,
  isPrimitive,
  qualify,
  type AvroEnum,
  type AvroField,
  type AvroFixed,
  type AvroNamed,
  type AvroPrimitive,
  type AvroRecord,
  type AvroRef,
  type AvroSchema,
  type AvroType,
  type PrimitiveName,
} from "./avro-types.js";
import { messages, type MessageArgs, type MessageDef } from "./catalogue.js";
import { closest, diagnostic, type Diagnostic } from "./diagnostics.js";

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
  /**
   * The plain JSON of each object and array converted so far: a named type's `json` is part of its enclosing
   * type's and of the schema's, so each JSON value of a schema is converted once, not once per named type around it.
   */
  readonly plain: Map<JsonValue, unknown>;
}

type JsonObject = Extract<JsonValue, { $type: "JsonObject" }>;

/** Reports a catalogue entry at `range` in the schema's file; `hint` replaces the entry's (a computed one). */
function report<M extends MessageDef>(w: Walk, entry: M, range: Range, args: MessageArgs<M>, hint?: string): void {
  w.diagnostics.push(diagnostic(entry, args, { file: w.file, range, hint }));
}

/**
 * Converts located JSON into plain JSON. Object keys named `__proto__` are kept as own properties. With `seen`,
 * objects and arrays already converted are taken from it (shared: the schema model is read-only) and new ones added.
 */
function toPlain(v: JsonValue, seen?: Map<JsonValue, unknown>): unknown {
  switch (v.$type) {
    case "JsonObject": {
      const known = seen?.get(v);
      if (known !== undefined) return known;
      const out: Record<string, unknown> = {};
      for (const m of v.members) {
        if (m.value === undefined) continue;
        // Only `__proto__` needs defineProperty (assigning it would set the prototype); defining every key would
        // turn each object into a slow dictionary-mode one, which costs every later walk over the schema.
        if (m.key.value === "__proto__")
          Object.defineProperty(out, m.key.value, {
            value: toPlain(m.value, seen),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        else out[m.key.value] = toPlain(m.value, seen);
      }
      seen?.set(v, out);
      return out;
    }
    case "JsonArray": {
      const known = seen?.get(v);
      if (known !== undefined) return known;
      const out = v.items.map((i) => toPlain(i, seen));
      seen?.set(v, out);
      return out;
    }
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
    if (required) report(w, messages.missingMember, obj.range, { key, kind: describeKind(obj) });
    return undefined;
  }
  if (v.$type !== "JsonString") {
    report(w, messages.memberNotString, v.range, { key });
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
        report(w, messages.protoKey, m.key.range, {});
      }
      if (m.value) checkKeys(w, m.value);
    }
  } else if (v.$type === "JsonArray") {
    v.items.forEach((i) => checkKeys(w, i));
  }
}

/**
 * Reports a name that is not a valid Avro name at `at`'s range. Ranges of JSON values are made when first read
 * (grammar/inline-json.ts), so they are passed as the value they belong to and read only for a diagnostic.
 */
function checkName(w: Walk, name: string, at: { readonly range: Range }, what: string): boolean {
  const parts = name.split(".");
  if (parts.every((p) => nameRe.test(p))) return true;
  report(w, messages.invalidName, at.range, { what, name: JSON.stringify(name) });
  return false;
}

function reference(w: Walk, name: string, at: JsonValue, namespace: string | undefined): AvroType | undefined {
  if (isPrimitive(name)) return { kind: "primitive", name, logical: undefined, bigint: false };
  if (!checkName(w, name, at, "type")) return undefined;
  const range = at.range;
  // Resolved once every schema is read: a type may be defined later, or by another message's schema.
  const ref: AvroRef = { kind: "ref", fullName: qualify(name, namespace).fullName, written: name, file: w.file, range };
  w.refs.push(ref);
  return ref;
}

function walk(w: Walk, v: JsonValue, namespace: string | undefined): AvroType | undefined {
  if (v.$type === "JsonString") return reference(w, v.value, v, namespace);
  if (v.$type === "JsonArray") return union(w, v, namespace);
  if (v.$type !== "JsonObject") {
    report(w, messages.notASchema, v.range, {});
    return undefined;
  }
  const typeValue = member(v, "type");
  if (typeValue === undefined) {
    report(w, messages.missingMember, v.range, { key: "type", kind: "schema" });
    return undefined;
  }
  if (typeValue.$type !== "JsonString") {
    report(w, messages.typeNotAName, typeValue.range, {});
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
        report(w, messages.missingMember, v.range, { key: "items", kind: "array schema" });
        return undefined;
      }
      const t = walk(w, items, namespace);
      return t && { kind: "array", items: t };
    }
    case "map": {
      const values = member(v, "values");
      if (!values) {
        report(w, messages.missingMember, v.range, { key: "values", kind: "map schema" });
        return undefined;
      }
      const t = walk(w, values, namespace);
      return t && { kind: "map", values: t };
    }
    default:
      if (isPrimitive(typeValue.value)) return primitive(w, v, typeValue.value);
      // {"type": "some.Named"}: a reference in object form (its other attributes mean nothing, as in Java's Avro).
      return reference(w, typeValue.value, typeValue, namespace);
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
    report(w, messages.logicalTypeIgnored, member(v, "logicalType")!.range, {
      name: reading.name,
      reason: reading.reason,
      underlying: String(plain["type"]),
    });
  }
  return reading?.status === "interpreted" ? reading.logicalType : undefined;
}

function primitive(w: Walk, v: JsonObject, name: PrimitiveName): AvroPrimitive {
  const representation = member(v, LONG_REPRESENTATION_PROPERTY);
  let bigint = false;
  if (representation) {
    if (name !== "long" || member(v, "logicalType")) {
      report(w, messages.longRepresentationMisplaced, representation.range, { property: LONG_REPRESENTATION_PROPERTY });
    } else if (
      representation.$type !== "JsonString" ||
      (representation.value !== "bigint" && representation.value !== "number")
    ) {
      report(w, messages.longRepresentationInvalid, representation.range, { property: LONG_REPRESENTATION_PROPERTY });
    } else {
      bigint = representation.value === "bigint";
    }
  }
  return { kind: "primitive", name, logical: logical(w, v), bigint };
}

function define(w: Walk, t: AvroNamed): void {
  if (w.named.has(t.fullName)) {
    report(w, messages.typeDefinedTwice, t.range, { name: t.fullName });
    return;
  }
  w.named.set(t.fullName, t);
  w.order.push(t);
}

function namedHeader(w: Walk, v: JsonObject, namespace: string | undefined) {
  const name = stringMember(w, v, "name", true);
  const ns = stringMember(w, v, "namespace", false);
  const nameNode = member(v, "name");
  if (name === undefined || !checkName(w, name, nameNode ?? v, "type")) return undefined;
  if (ns && !checkName(w, ns, member(v, "namespace")!, "namespace")) return undefined;
  const q = qualify(name, ns === undefined ? namespace : ns || undefined);
  if (isPrimitive(q.name)) {
    report(w, messages.namedTypeIsPrimitive, nameNode?.range ?? v.range, { name: q.name });
    return undefined;
  }
  if (inheritedNames.has(q.fullName)) {
    report(w, messages.inheritedTypeName, nameNode?.range ?? v.range, { name: q.fullName });
    return undefined;
  }
  const doc = stringMember(w, v, "doc", false);
  return { ...q, doc, json: toPlain(v, w.plain), enclosingNamespace: namespace, file: w.file, range: v.range };
}

function record(w: Walk, v: JsonObject, namespace: string | undefined): AvroType | undefined {
  const header = namedHeader(w, v, namespace);
  const fieldsValue = member(v, "fields");
  if (!header) return undefined;
  if (!fieldsValue || fieldsValue.$type !== "JsonArray") {
    report(w, messages.recordWithoutFields, fieldsValue?.range ?? v.range, { name: header.fullName });
    return undefined;
  }
  const fields: AvroField[] = [];
  const t: AvroRecord = { kind: "record", ...header, fields };
  // Define before walking fields so that a record can refer to itself.
  define(w, t);
  const seen = new Set<string>();
  for (const f of fieldsValue.items) {
    if (f.$type !== "JsonObject") {
      report(w, messages.fieldNotObject, f.range, {});
      continue;
    }
    const name = stringMember(w, f, "name", true);
    const nameRange = () => (member(f, "name") ?? f).range;
    if (name === undefined) continue;
    if (name === "__proto__") {
      report(w, messages.protoField, nameRange(), { record: header.fullName });
      continue;
    }
    if (!nameRe.test(name)) {
      report(w, messages.invalidName, nameRange(), { what: "field", name: JSON.stringify(name) });
      continue;
    }
    if (seen.has(name)) {
      report(w, messages.fieldTwice, nameRange(), { field: name, record: header.fullName });
      continue;
    }
    seen.add(name);
    const typeValue = member(f, "type");
    if (!typeValue) {
      report(w, messages.fieldWithoutType, f.range, { field: name });
      continue;
    }
    const type = walk(w, typeValue, header.namespace);
    if (!type) continue;
    const defaultValue = member(f, "default");
    fields.push({
      name,
      type,
      doc: stringMember(w, f, "doc", false),
      default: defaultValue ? { value: toPlain(defaultValue, w.plain) } : undefined,
      range: f.range,
    });
  }
  return t;
}

function enumType(w: Walk, v: JsonObject, namespace: string | undefined): AvroType | undefined {
  const header = namedHeader(w, v, namespace);
  const symbolsValue = member(v, "symbols");
  if (!header) return undefined;
  if (!symbolsValue || symbolsValue.$type !== "JsonArray") {
    report(w, messages.enumWithoutSymbols, symbolsValue?.range ?? v.range, { name: header.fullName });
    return undefined;
  }
  const symbols: string[] = [];
  const symbolRanges = new Map<string, Range>();
  for (const s of symbolsValue.items) {
    if (s.$type !== "JsonString" || !nameRe.test(s.value)) {
      if (s.$type === "JsonString") report(w, messages.invalidEnumSymbol, s.range, { symbol: JSON.stringify(s.value) });
      else report(w, messages.enumSymbolNotString, s.range, {});
      continue;
    }
    if (inheritedNames.has(s.value)) {
      report(w, messages.inheritedEnumSymbol, s.range, { symbol: s.value });
      continue;
    }
    if (symbols.includes(s.value)) {
      report(w, messages.enumSymbolTwice, s.range, { symbol: s.value });
      continue;
    }
    symbols.push(s.value);
    symbolRanges.set(s.value, s.range);
  }
  const defaultValue = member(v, "default");
  if (defaultValue && (defaultValue.$type !== "JsonString" || !symbols.includes(defaultValue.value))) {
    const hint = defaultValue.$type === "JsonString" ? closest(defaultValue.value, symbols) : undefined;
    report(
      w,
      messages.enumDefaultNotSymbol,
      defaultValue.range,
      { name: header.fullName },
      hint ? `did you mean "${hint}"?` : `symbols are: ${symbols.join(", ")}`,
    );
  }
  const t: AvroEnum = {
    kind: "enum",
    ...header,
    symbols,
    default: defaultValue?.$type === "JsonString" ? defaultValue.value : undefined,
    symbolRanges,
  };
  define(w, t);
  return t;
}

function fixed(w: Walk, v: JsonObject, namespace: string | undefined): AvroType | undefined {
  const header = namedHeader(w, v, namespace);
  const sizeValue = member(v, "size");
  if (!header) return undefined;
  if (!sizeValue || sizeValue.$type !== "JsonNumber" || !Number.isInteger(sizeValue.value) || sizeValue.value < 0) {
    report(w, messages.fixedWithoutSize, sizeValue?.range ?? v.range, { name: header.fullName });
    return undefined;
  }
  const t: AvroFixed = { kind: "fixed", ...header, size: sizeValue.value, logical: logical(w, v) };
  define(w, t);
  return t;
}

function union(
  w: Walk,
  v: Extract<JsonValue, { $type: "JsonArray" }>,
  namespace: string | undefined,
): AvroType | undefined {
  const branches: AvroType[] = [];
  const keys = new Set<string>();
  for (const item of v.items) {
    if (item.$type === "JsonArray") {
      report(w, messages.unionInUnion, item.range, {});
      continue;
    }
    const t = walk(w, item, namespace);
    if (!t) continue;
    const key = branchName(t);
    if (keys.has(key)) {
      report(w, messages.unionBranchTwice, item.range, { branch: key });
      continue;
    }
    keys.add(key);
    branches.push(t);
  }
  if (v.items.length === 0) report(w, messages.emptyUnion, v.range, {});
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
  const w: Walk = { file: input.file, diagnostics: [], named: new Map(), order: [], refs: [], plain: new Map() };
  checkKeys(w, input.json);
  if (w.diagnostics.length > 0) return { schema: undefined, diagnostics: w.diagnostics };
  const whole = walk(w, input.json, input.namespace);
  const selected = input.select ? select(w, input.select) : undefined;
  if (!whole || (input.select && !selected)) return { schema: undefined, diagnostics: w.diagnostics };
  const complete = !w.diagnostics.some((d) => d.severity === "error");
  const schema: AvroSchema = selected
    ? {
        file: input.file,
        range: selected.range,
        root: selected,
        json: selected.json,
        selected,
        named: w.order,
        refs: w.refs,
        complete,
      }
    : {
        file: input.file,
        range: input.json.range,
        root: whole,
        json: toPlain(input.json, w.plain),
        selected: undefined,
        named: w.order,
        refs: w.refs,
        complete,
      };
  return { schema, diagnostics: w.diagnostics };
}

/** Finds the named type `#Name` picks: by full name, or by simple name when only one type has it. */
function select(w: Walk, at: NonNullable<SchemaInput["select"]>): AvroNamed | undefined {
  const exact = w.named.get(at.name);
  if (exact) return exact;
  const bySimpleName = w.order.filter((t) => !at.name.includes(".") && t.name === at.name);
  if (bySimpleName.length === 1) return bySimpleName[0];
  if (bySimpleName.length > 1) {
    const types = bySimpleName.map((t) => t.fullName).join(", ");
    w.diagnostics.push(
      diagnostic(
        messages.selectAmbiguous,
        { name: at.name, file: w.file, types, example: bySimpleName[0]!.fullName },
        { file: at.file, range: at.range },
      ),
    );
    return undefined;
  }
  const defined = w.order.map((t) => t.fullName);
  const bySimple = closest(
    at.name,
    w.order.map((t) => t.name),
  );
  const guess = closest(at.name, defined) ?? w.order.find((t) => t.name === bySimple)?.fullName;
  const hint = guess
    ? `did you mean "${guess}"?`
    : defined.length
      ? `it defines: ${defined.join(", ")}`
      : "it defines no named types";
  w.diagnostics.push(
    diagnostic(messages.selectNotFound, { file: w.file, name: at.name }, { file: at.file, range: at.range, hint }),
  );
  return undefined;
}
