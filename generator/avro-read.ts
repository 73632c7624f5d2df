// Reading one message's Avro schema: its JSON (a .kef's inline schema or a schema file), located or plain
// (avro-json-view.ts), is walked into the schema model (avro-types.ts), and every problem is reported at the exact JSON
// node; the ranges the model keeps are made when first read. Names of types the schema does not define stay
// references; avro-link.ts resolves them across every message's schema. (Over ~350 lines: one
// reader per kind of schema — record, enum, fixed, union, primitive — each with the checks Avro's rules ask of it;
// they share the walk's state and split no further by job.)
import type { JsonValue, Range } from "../grammar/ast.js";
import { LONG_REPRESENTATION_PROPERTY, readLogicalType, type AvroLogicalType } from "../runtime/avro-representation.js";
import { locatedView, plainView, withOnRead, type JsonView, type PlainJson } from "./avro-json-view.js";
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
/** Names joined by dots, each a `nameRe` (what splitting at the dots and testing each part decides, in one test). */
const dottedNameRe = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * Names every JavaScript object inherits ("constructor", "toString", "__proto__", ...). avsc keeps enum symbols and
 * union branch names as keys of plain objects, where these are already taken.
 */
const inheritedNames: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

interface Walk<V> {
  readonly file: string;
  readonly view: JsonView<V>;
  readonly diagnostics: Diagnostic[];
  readonly named: Map<string, AvroNamed>;
  readonly order: AvroNamed[];
  readonly refs: AvroRef[];
}

/** Reports a catalogue entry at `range` in the schema's file; `hint` replaces the entry's (a computed one). */
function report<V, M extends MessageDef>(
  w: Walk<V>,
  entry: M,
  range: Range,
  args: MessageArgs<M>,
  hint?: string,
): void {
  w.diagnostics.push(diagnostic(entry, args, { file: w.file, range, hint }));
}

/** A string member's value, when the member is a string. */
function stringValue<V>(w: Walk<V>, v: V | undefined): string | undefined {
  return v !== undefined && w.view.kind(v) === "JsonString" ? w.view.string(v) : undefined;
}

function stringMember<V>(w: Walk<V>, obj: V, key: string, required: boolean): string | undefined {
  return stringOf(w, obj, w.view.member(obj, key), key, required);
}

/** `stringMember` of a member already looked up: `v` is `obj`'s member `key`, or undefined when it has none. */
function stringOf<V>(w: Walk<V>, obj: V, v: V | undefined, key: string, required: boolean): string | undefined {
  if (v === undefined) {
    if (required) report(w, messages.missingMember, w.view.range(obj), { key, kind: describeKind(w, obj) });
    return undefined;
  }
  if (w.view.kind(v) !== "JsonString") {
    report(w, messages.memberNotString, w.view.range(v), { key });
    return undefined;
  }
  return w.view.string(v);
}

function describeKind<V>(w: Walk<V>, obj: V): string {
  const t = stringValue(w, w.view.member(obj, "type"));
  return t !== undefined ? `${t} schema` : "schema";
}

/**
 * Reports a name that is not a valid Avro name at `at`'s range. Ranges are made when first read (avro-json-view.ts),
 * so they are passed as the value they belong to and read only for a diagnostic.
 */
function checkName<V>(w: Walk<V>, name: string, at: V, what: string): boolean {
  if (dottedNameRe.test(name)) return true;
  report(w, messages.invalidName, w.view.range(at), { what, name: JSON.stringify(name) });
  return false;
}

function reference<V>(w: Walk<V>, name: string, at: V, namespace: string | undefined): AvroType | undefined {
  if (isPrimitive(name)) return { kind: "primitive", name, logical: undefined, bigint: false };
  if (!checkName(w, name, at, "type")) return undefined;
  // Resolved once every schema is read: a type may be defined later, or by another message's schema.
  const fullName = qualify(name, namespace).fullName;
  const ref: AvroRef = withOnRead({ kind: "ref" as const, fullName, written: name, file: w.file }, "range", () =>
    w.view.range(at),
  );
  w.refs.push(ref);
  return ref;
}

function walk<V>(w: Walk<V>, v: V, namespace: string | undefined): AvroType | undefined {
  const kind = w.view.kind(v);
  if (kind === "JsonString") return reference(w, w.view.string(v), v, namespace);
  if (kind === "JsonArray") return union(w, v, namespace);
  if (kind !== "JsonObject") {
    report(w, messages.notASchema, w.view.range(v), {});
    return undefined;
  }
  const typeValue = w.view.member(v, "type");
  if (typeValue === undefined) {
    report(w, messages.missingMember, w.view.range(v), { key: "type", kind: "schema" });
    return undefined;
  }
  if (w.view.kind(typeValue) !== "JsonString") {
    report(w, messages.typeNotAName, w.view.range(typeValue), {});
    return undefined;
  }
  const typeName = w.view.string(typeValue);
  switch (typeName) {
    case "record":
    case "error":
      return record(w, v, namespace);
    case "enum":
      return enumType(w, v, namespace);
    case "fixed":
      return fixed(w, v, namespace);
    case "array": {
      const items = w.view.member(v, "items");
      if (!items) {
        report(w, messages.missingMember, w.view.range(v), { key: "items", kind: "array schema" });
        return undefined;
      }
      const t = walk(w, items, namespace);
      return t && { kind: "array", items: t };
    }
    case "map": {
      const values = w.view.member(v, "values");
      if (!values) {
        report(w, messages.missingMember, w.view.range(v), { key: "values", kind: "map schema" });
        return undefined;
      }
      const t = walk(w, values, namespace);
      return t && { kind: "map", values: t };
    }
    default:
      if (isPrimitive(typeName)) return primitive(w, v, typeName);
      // {"type": "some.Named"}: a reference in object form (its other attributes mean nothing, as in Java's Avro).
      return reference(w, typeName, typeValue, namespace);
  }
}

/** Reads `logicalType`: what kefgen interprets, and a warning when a known logical type is used against the spec. */
function logical<V>(w: Walk<V>, v: V): AvroLogicalType | undefined {
  const plain: Record<string, unknown> = {};
  for (const key of ["type", "logicalType", "size", "precision", "scale"]) {
    const m = w.view.member(v, key);
    if (m) plain[key] = w.view.plain(m);
  }
  const reading = readLogicalType(plain);
  if (reading?.status === "ignored") {
    report(w, messages.logicalTypeIgnored, w.view.range(w.view.member(v, "logicalType")!), {
      name: reading.name,
      reason: reading.reason,
      underlying: String(plain["type"]),
    });
  }
  return reading?.status === "interpreted" ? reading.logicalType : undefined;
}

function primitive<V>(w: Walk<V>, v: V, name: PrimitiveName): AvroPrimitive {
  const representation = w.view.member(v, LONG_REPRESENTATION_PROPERTY);
  let bigint = false;
  if (representation) {
    const value = stringValue(w, representation);
    if (name !== "long" || w.view.member(v, "logicalType")) {
      report(w, messages.longRepresentationMisplaced, w.view.range(representation), {
        property: LONG_REPRESENTATION_PROPERTY,
      });
    } else if (value !== "bigint" && value !== "number") {
      report(w, messages.longRepresentationInvalid, w.view.range(representation), {
        property: LONG_REPRESENTATION_PROPERTY,
      });
    } else {
      bigint = value === "bigint";
    }
  }
  return { kind: "primitive", name, logical: logical(w, v), bigint };
}

function define<V>(w: Walk<V>, t: AvroNamed): void {
  if (w.named.has(t.fullName)) {
    report(w, messages.typeDefinedTwice, t.range, { name: t.fullName });
    return;
  }
  w.named.set(t.fullName, t);
  w.order.push(t);
}

/** What every named type has; its range is made on read (`locate`). */
function namedHeader<V>(w: Walk<V>, v: V, namespace: string | undefined) {
  const nameNode = w.view.member(v, "name");
  const name = stringOf(w, v, nameNode, "name", true);
  const nsNode = w.view.member(v, "namespace");
  const ns = stringOf(w, v, nsNode, "namespace", false);
  if (name === undefined || !checkName(w, name, nameNode!, "type")) return undefined;
  if (ns && !checkName(w, ns, nsNode!, "namespace")) return undefined;
  const q = qualify(name, ns === undefined ? namespace : ns || undefined);
  if (isPrimitive(q.name)) {
    report(w, messages.namedTypeIsPrimitive, w.view.range(nameNode ?? v), { name: q.name });
    return undefined;
  }
  if (inheritedNames.has(q.fullName)) {
    report(w, messages.inheritedTypeName, w.view.range(nameNode ?? v), { name: q.fullName });
    return undefined;
  }
  const doc = stringMember(w, v, "doc", false);
  return { ...q, doc, json: w.view.plain(v), enclosingNamespace: namespace, file: w.file };
}

/** A named type's header, its range (the definition's, made when read), then `rest`. */
function named<V, K extends string, T extends object>(
  w: Walk<V>,
  v: V,
  head: { readonly kind: K } & NonNullable<ReturnType<typeof namedHeader>>,
  rest: T,
) {
  return withOnRead(head, "range", () => w.view.range(v), rest);
}

function record<V>(w: Walk<V>, v: V, namespace: string | undefined): AvroType | undefined {
  const header = namedHeader(w, v, namespace);
  const fieldsValue = w.view.member(v, "fields");
  if (!header) return undefined;
  if (!fieldsValue || w.view.kind(fieldsValue) !== "JsonArray") {
    report(w, messages.recordWithoutFields, w.view.range(fieldsValue ?? v), { name: header.fullName });
    return undefined;
  }
  const fields: AvroField[] = [];
  const t: AvroRecord = named(w, v, { kind: "record" as const, ...header }, { fields });
  // Define before walking fields so that a record can refer to itself.
  define(w, t);
  const seen = new Set<string>();
  for (const f of w.view.items(fieldsValue)) {
    if (w.view.kind(f) !== "JsonObject") {
      report(w, messages.fieldNotObject, w.view.range(f), {});
      continue;
    }
    const nameNode = w.view.member(f, "name");
    const name = stringOf(w, f, nameNode, "name", true);
    if (name === undefined) continue;
    if (name === "__proto__") {
      report(w, messages.protoField, w.view.range(nameNode!), { record: header.fullName });
      continue;
    }
    if (!nameRe.test(name)) {
      report(w, messages.invalidName, w.view.range(nameNode!), { what: "field", name: JSON.stringify(name) });
      continue;
    }
    if (seen.has(name)) {
      report(w, messages.fieldTwice, w.view.range(nameNode!), { field: name, record: header.fullName });
      continue;
    }
    seen.add(name);
    const typeValue = w.view.member(f, "type");
    if (!typeValue) {
      report(w, messages.fieldWithoutType, w.view.range(f), { field: name });
      continue;
    }
    const type = walk(w, typeValue, header.namespace);
    if (!type) continue;
    const defaultValue = w.view.member(f, "default");
    const field = {
      name,
      type,
      doc: stringMember(w, f, "doc", false),
      default: defaultValue ? { value: w.view.plain(defaultValue) } : undefined,
    };
    fields.push(withOnRead(field, "range", () => w.view.range(f)));
  }
  return t;
}

function enumType<V>(w: Walk<V>, v: V, namespace: string | undefined): AvroType | undefined {
  const header = namedHeader(w, v, namespace);
  const symbolsValue = w.view.member(v, "symbols");
  if (!header) return undefined;
  if (!symbolsValue || w.view.kind(symbolsValue) !== "JsonArray") {
    report(w, messages.enumWithoutSymbols, w.view.range(symbolsValue ?? v), { name: header.fullName });
    return undefined;
  }
  const symbols: string[] = [];
  const symbolValues: V[] = [];
  for (const s of w.view.items(symbolsValue)) {
    const symbol = stringValue(w, s);
    if (symbol === undefined || !nameRe.test(symbol)) {
      if (symbol !== undefined)
        report(w, messages.invalidEnumSymbol, w.view.range(s), { symbol: JSON.stringify(symbol) });
      else report(w, messages.enumSymbolNotString, w.view.range(s), {});
      continue;
    }
    if (inheritedNames.has(symbol)) {
      report(w, messages.inheritedEnumSymbol, w.view.range(s), { symbol });
      continue;
    }
    if (symbols.includes(symbol)) {
      report(w, messages.enumSymbolTwice, w.view.range(s), { symbol });
      continue;
    }
    symbols.push(symbol);
    symbolValues.push(s);
  }
  const defaultValue = w.view.member(v, "default");
  const defaultSymbol = stringValue(w, defaultValue);
  if (defaultValue && (defaultSymbol === undefined || !symbols.includes(defaultSymbol))) {
    const hint = defaultSymbol !== undefined ? closest(defaultSymbol, symbols) : undefined;
    report(
      w,
      messages.enumDefaultNotSymbol,
      w.view.range(defaultValue),
      { name: header.fullName },
      hint ? `did you mean "${hint}"?` : `symbols are: ${symbols.join(", ")}`,
    );
  }
  let symbolRanges: ReadonlyMap<string, Range> | undefined;
  const symbolsRead = () => (symbolRanges ??= new Map(symbols.map((s, i) => [s, w.view.range(symbolValues[i]!)])));
  const t: AvroEnum = withOnRead(
    named(w, v, { kind: "enum" as const, ...header }, { symbols, default: defaultSymbol }),
    "symbolRanges",
    symbolsRead,
  );
  define(w, t);
  return t;
}

function fixed<V>(w: Walk<V>, v: V, namespace: string | undefined): AvroType | undefined {
  const header = namedHeader(w, v, namespace);
  const sizeValue = w.view.member(v, "size");
  if (!header) return undefined;
  const size = sizeValue !== undefined && w.view.kind(sizeValue) === "JsonNumber" ? w.view.number(sizeValue) : -1;
  if (!Number.isInteger(size) || size < 0) {
    report(w, messages.fixedWithoutSize, w.view.range(sizeValue ?? v), { name: header.fullName });
    return undefined;
  }
  const t: AvroFixed = named(w, v, { kind: "fixed" as const, ...header }, { size, logical: logical(w, v) });
  define(w, t);
  return t;
}

function union<V>(w: Walk<V>, v: V, namespace: string | undefined): AvroType | undefined {
  const branches: AvroType[] = [];
  const keys = new Set<string>();
  const items = w.view.items(v);
  for (const item of items) {
    if (w.view.kind(item) === "JsonArray") {
      report(w, messages.unionInUnion, w.view.range(item), {});
      continue;
    }
    const t = walk(w, item, namespace);
    if (!t) continue;
    const key = branchName(t);
    if (keys.has(key)) {
      report(w, messages.unionBranchTwice, w.view.range(item), { branch: key });
      continue;
    }
    keys.add(key);
    branches.push(t);
  }
  if (items.length === 0) report(w, messages.emptyUnion, w.view.range(v), {});
  return { kind: "union", branches };
}

// ---------------------------------------------------------------------------------------------
// Reading one schema

export interface SchemaInput {
  /** The file the JSON came from, as shown in diagnostics. */
  readonly file: string;
  /** The JSON: located, or plain (an inline schema `JSON.parse` read: see avro-json-view.ts `PlainJson`). */
  readonly json: JsonValue | PlainJson;
  /** The namespace for unqualified names at the top of the schema. */
  readonly namespace: string | undefined;
  /** `from "types.avsc#com.acme.Order"`: the named type to use as the root, and where that was written. */
  readonly select?: { readonly name: string; readonly file: string; readonly range: Range };
}

/** Validates one message's schema on its own. References to types it does not define are resolved by `linkSchemas`. */
export function readSchema(input: SchemaInput): { schema: AvroSchema | undefined; diagnostics: Diagnostic[] } {
  if ("$type" in input.json) return readWith(input, locatedView(), input.json);
  const { view, root } = plainView(input.json);
  return readWith(input, view, root);
}

function readWith<V>(
  input: SchemaInput,
  view: JsonView<V>,
  json: V,
): { schema: AvroSchema | undefined; diagnostics: Diagnostic[] } {
  const w: Walk<V> = { file: input.file, view, diagnostics: [], named: new Map(), order: [], refs: [] };
  // `__proto__` anywhere as an object key would change prototypes in generated code or decoded data.
  for (const range of view.protoKeys(json)) report(w, messages.protoKey, range, {});
  if (w.diagnostics.length > 0) return { schema: undefined, diagnostics: w.diagnostics };
  const whole = walk(w, json, input.namespace);
  const selected = input.select ? select(w, input.select) : undefined;
  if (!whole || (input.select && !selected)) return { schema: undefined, diagnostics: w.diagnostics };
  const complete = !w.diagnostics.some((d) => d.severity === "error");
  const where = () => (selected ? selected.range : view.range(json));
  const rest = selected
    ? { root: selected, json: selected.json, selected, named: w.order, refs: w.refs, complete }
    : { root: whole, json: view.plain(json), selected: undefined, named: w.order, refs: w.refs, complete };
  const schema: AvroSchema = withOnRead({ file: input.file }, "range", where, rest);
  return { schema, diagnostics: w.diagnostics };
}

/** Finds the named type `#Name` picks: by full name, or by simple name when only one type has it. */
function select<V>(w: Walk<V>, at: NonNullable<SchemaInput["select"]>): AvroNamed | undefined {
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
