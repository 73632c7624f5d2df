// resolvedValue: what a reader must deliver for a value written with another schema, by Avro's schema-resolution
// rules (specification, "Schema Resolution"), in kefgen's representation — written out here, independently of avsc's
// resolver, so that the evolution tests compare the runtime's reading with the rules, not with itself.
//
//   records   reader fields by name (or a reader alias naming the writer's field); a field the writer lacks gets the
//             reader's default; writer fields the reader lacks are dropped
//   enums     by symbol; a symbol the reader lacks reads as the reader's enum default
//   numbers   int → long → float → double promotions (a float is rounded to 32 bits); string ↔ bytes as UTF-8
//   unions    the writer's branch is resolved against the first reader branch that matches it
//   logical   the same logical type keeps its value; otherwise logical types take no part: the writer's underlying
//             value is resolved, and a reader's logical type reads it (e.g. an int read as a date)
// Only compatible pairs are handled: anything else throws, as the runtime's resolver would refuse it.
import avro from "avsc";
import { readLogicalType } from "../../runtime/avro-representation.js";
import { underlyingValue } from "./avro-json.js";

const DAY_MS = 86_400_000;

function isUnion(type: avro.Type): boolean {
  return type.typeName === "union:wrapped" || type.typeName === "union:unwrapped";
}

/** The kind a type matches by: a logical type by its name, named types by kind, the rest by type name. */
function kind(type: avro.Type): string {
  if (type instanceof avro.types.LogicalType) return type.typeName; // "logical:<name>": the same logical type only
  return type.typeName === "error" ? "record" : type.typeName === "abstract:long" ? "long" : type.typeName;
}

const PROMOTIONS: Readonly<Record<string, readonly string[]>> = {
  int: ["long", "float", "double"],
  long: ["float", "double"],
  float: ["double"],
  string: ["bytes"],
  bytes: ["string"],
};

function named(type: avro.Type): boolean {
  return (
    type.typeName === "record" || type.typeName === "error" || type.typeName === "enum" || type.typeName === "fixed"
  );
}

/** Whether a reader branch matches a writer (non-union) type, by the spec's rules for picking a union branch. */
function matches(writer: avro.Type, reader: avro.Type): boolean {
  const w = kind(writer);
  const r = kind(reader);
  if (w !== r) return (PROMOTIONS[w] ?? []).includes(r);
  if (!named(writer)) return true;
  const unqualified = (name: string | undefined): string | undefined => name?.split(".").pop();
  return (
    unqualified(writer.name) === unqualified(reader.name) ||
    (reader.aliases ?? []).some((a) => unqualified(a) === unqualified(writer.name))
  );
}

function unionBranch(union: avro.Type, value: unknown): { branch: avro.Type; inner: unknown } {
  const branches = (union as avro.types.UnwrappedUnionType).types;
  if (value === null) return { branch: branches.find((b) => b.typeName === "null")!, inner: null };
  if (union.typeName === "union:wrapped") {
    const [name] = Object.keys(value as object);
    return { branch: branches.find((b) => b.branchName === name)!, inner: (value as Record<string, unknown>)[name!] };
  }
  const branch = branches.find((b) => {
    try {
      return b.typeName !== "null" && b.isValid(value);
    } catch {
      return false;
    }
  });
  if (!branch) throw new Error("no union branch for this value");
  return { branch, inner: value };
}

function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The reader's value for `value`, written with `writer`, read with `reader` (both built by avroType/avroCodec). */
export function resolvedValue(writer: avro.Type, reader: avro.Type, value: unknown): unknown {
  if (isUnion(writer)) {
    const { branch, inner } = unionBranch(writer, value);
    return resolvedValue(branch, reader, inner);
  }
  if (isUnion(reader)) {
    const branch = (reader as avro.types.UnwrappedUnionType).types.find((b) => matches(writer, b));
    if (!branch) throw new Error(`no branch of the reader's union matches ${writer.typeName}`);
    const inner = resolvedValue(writer, branch, value);
    return reader.typeName === "union:wrapped" && inner !== null ? { [branch.branchName!]: inner } : inner;
  }
  if (
    kind(writer) !== kind(reader) &&
    (writer instanceof avro.types.LogicalType || reader instanceof avro.types.LogicalType)
  ) {
    const w = writer instanceof avro.types.LogicalType ? writer.underlyingType : writer;
    const v = writer instanceof avro.types.LogicalType ? underlyingValue(writer, value) : value;
    if (!(reader instanceof avro.types.LogicalType)) return resolvedValue(w, reader, v);
    return fromUnderlying(reader, resolvedValue(w, reader.underlyingType, v));
  }
  if (!matches(writer, reader)) throw new Error(`a ${writer.typeName} cannot be read as a ${reader.typeName}`);
  switch (kind(reader)) {
    case "record": {
      const w = writer as avro.types.RecordType;
      const out: Record<string, unknown> = {};
      for (const field of (reader as avro.types.RecordType).fields) {
        const from = w.fields.find((f) => f.name === field.name || (field.aliases ?? []).includes(f.name));
        if (from)
          setOwn(out, field.name, resolvedValue(from.type, field.type, (value as Record<string, unknown>)[from.name]));
        else if ((field as { defaultValue(): unknown }).defaultValue() !== undefined)
          setOwn(out, field.name, defaultValue(field.type, schemaDefault(reader, field.name)));
        else throw new Error(`the writer has no field "${field.name}" and the reader gives it no default`);
      }
      return out;
    }
    case "enum": {
      const symbols = (reader as avro.types.EnumType).symbols;
      if (symbols.includes(value as string)) return value;
      const fallback = (reader as unknown as { default?: string }).default;
      if (fallback === undefined) throw new Error(`the reader's enum has no symbol ${String(value)} and no default`);
      return fallback;
    }
    case "array":
      return (value as unknown[]).map((item) =>
        resolvedValue((writer as avro.types.ArrayType).itemsType, (reader as avro.types.ArrayType).itemsType, item),
      );
    case "map": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as object))
        setOwn(
          out,
          k,
          resolvedValue((writer as avro.types.MapType).valuesType, (reader as avro.types.MapType).valuesType, v),
        );
      return out;
    }
    case "long":
      return reader.typeName === "abstract:long" ? BigInt(value as number | bigint) : Number(value);
    case "float":
      return Math.fround(Number(value));
    case "double":
      return Number(value);
    case "bytes":
      return typeof value === "string" ? Buffer.from(value, "utf8") : value;
    case "string":
      return Buffer.isBuffer(value) ? value.toString("utf8") : value;
    default:
      return value;
  }
}

/** A logical type's reading of its underlying value (the logical types the evolution tests use). */
function fromUnderlying(type: avro.types.LogicalType, value: unknown): unknown {
  const reading = readLogicalType(type.schema({ exportAttrs: true }));
  const name = reading?.status === "interpreted" ? reading.logicalType.name : undefined;
  const date = (ms: number): Date => {
    // A RangeError: the rules give the reader this value, but a Date cannot hold it (the runtime's decode error).
    if (Math.abs(ms) > 8.64e15) throw new RangeError(`${ms} ms from the epoch is beyond what a Date can hold`);
    return new Date(ms);
  };
  if (name === "timestamp-millis" || name === "local-timestamp-millis") return date(value as number);
  if (name === "date") return date((value as number) * DAY_MS);
  if (name === "uuid" && typeof value === "string") return value;
  throw new Error(`no reading written for logical type ${name ?? type.typeName}`);
}

/** The JSON default of a reader field, as written in the schema. */
function schemaDefault(record: avro.Type, field: string): unknown {
  const schema = record.schema({ exportAttrs: true }) as { fields: { name: string; default?: unknown }[] };
  return schema.fields.find((f) => f.name === field)!.default;
}

/** A field default (JSON, for a union its first branch) in kefgen's representation. */
export function defaultValue(type: avro.Type, json: unknown): unknown {
  if (isUnion(type)) {
    const first = (type as avro.types.UnwrappedUnionType).types[0]!;
    const inner = defaultValue(first, json);
    return type.typeName === "union:wrapped" && inner !== null ? { [first.branchName!]: inner } : inner;
  }
  if (type instanceof avro.types.LogicalType) {
    return fromUnderlying(type, defaultValue(type.underlyingType, json));
  }
  switch (kind(type)) {
    case "long":
      return type.typeName === "abstract:long" ? BigInt(json as number) : json;
    case "bytes":
    case "fixed":
      return Buffer.from(json as string, "latin1");
    case "array":
      return (json as unknown[]).map((item) => defaultValue((type as avro.types.ArrayType).itemsType, item));
    case "map": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(json as object))
        setOwn(out, k, defaultValue((type as avro.types.MapType).valuesType, v));
      return out;
    }
    case "record": {
      const out: Record<string, unknown> = {};
      const given = json as Record<string, unknown>;
      for (const field of (type as avro.types.RecordType).fields)
        setOwn(
          out,
          field.name,
          defaultValue(field.type, field.name in given ? given[field.name] : schemaDefault(type, field.name)),
        );
      return out;
    }
    default:
      return json;
  }
}
