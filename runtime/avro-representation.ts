// How Avro values look in JavaScript: the one table of kefgen's value representation. The runtime's codecs
// (avro-codec.ts) build values this way, and the generator writes the TypeScript types from the same rows, so a
// representation change is one edit here. (The runtime never imports the generator; the generator imports this.)
//
//   long                      number; a value beyond ±(2^53 − 1) (Number.MAX_SAFE_INTEGER) is a decode error
//                             (bigint where the schema says {"type": "long", "kefgen.long": "bigint"})
//   map                       a plain object; every key, "__proto__" included, is an own property
//   union                     the bare value when every branch has its own bucket (see `unionIsWrapped`),
//                             else { "<branch name>": value } (null stays null)
//   decimal (bytes, fixed)    string, e.g. "-12.50": exactly `scale` digits after the point; the precision is not
//                             enforced either way (what the bytes hold is read and written back exactly)
//   uuid (string, fixed 16)   string (lowercase 8-4-4-4-12 hex for a fixed)
//   date                      Date at midnight UTC
//   timestamp-millis          Date
//   local-timestamp-millis    Date whose UTC fields are the local date and time
//   duration (fixed 12)       { months, days, milliseconds }
//   time-millis, time-micros, timestamp-micros, local-timestamp-micros, unknown logical types: the underlying value
//   float, double             a writer's int or long (schema resolution) read as the nearest float or double, as
//                             Java reads it: a float holds 32-bit values only, and longs are read exactly
//
// Logical types that break the spec's rules (a decimal whose scale exceeds its precision, a date on a long, ...)
// are read as their underlying type, as the spec asks; `readLogicalType` is the one judge, shared with the generator.

/** The schema property that reads a `long` as a `bigint`: `{"type": "long", "kefgen.long": "bigint"}`. */
export const LONG_REPRESENTATION_PROPERTY = "kefgen.long";

/** A logical type kefgen interprets, with the parameters its values depend on. */
export type AvroLogicalType =
  | { readonly name: "decimal"; readonly precision: number; readonly scale: number }
  | {
      readonly name:
        | "uuid"
        | "date"
        | "time-millis"
        | "time-micros"
        | "timestamp-millis"
        | "timestamp-micros"
        | "local-timestamp-millis"
        | "local-timestamp-micros"
        | "duration";
    };

/** What kefgen makes of a schema's `logicalType`. */
export type LogicalTypeReading =
  | { readonly status: "interpreted"; readonly logicalType: AvroLogicalType }
  /** A known logical type used against the spec's rules: read as the underlying type. */
  | { readonly status: "ignored"; readonly name: string; readonly reason: string }
  /** A logical type kefgen does not know: read as the underlying type. */
  | { readonly status: "unknown"; readonly name: string };

/** Whether `value` is a whole number (a schema's size, precision or scale must be). */
export function isWhole(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value);
}

/** The most decimal digits a two's-complement number of `size` bytes always holds (the spec's decimal bound). */
export function maxDecimalDigits(size: number): number {
  if (size < 1) return 0;
  // Exact for every size a real schema uses. Beyond that, counted with log10(2): building 2^(8·size) for a size
  // like 2147483648 would throw "Maximum BigInt size exceeded" (found by test/generator/fuzz.test.ts).
  if (size > 1024) return Math.floor((8 * size - 1) * Math.log10(2));
  return String((1n << BigInt(8 * size - 1)) - 1n).length - 1;
}

/**
 * Reads the `logicalType` of one schema object (`undefined`: it has none). The generator and the codecs both
 * decide with this function, so a logical type is interpreted in the generated types exactly when it is at run time.
 */
export function readLogicalType(schema: unknown): LogicalTypeReading | undefined {
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return undefined;
  const s = schema as Readonly<Record<string, unknown>>;
  const name = s["logicalType"];
  if (typeof name !== "string") return undefined;
  const type = s["type"];
  const size = s["size"];
  const ignored = (reason: string): LogicalTypeReading => ({ status: "ignored", name, reason });
  const on = (underlying: string): LogicalTypeReading =>
    type === underlying
      ? { status: "interpreted", logicalType: { name } as AvroLogicalType }
      : ignored(
          `${name} annotates ${underlying === "int" ? "an" : "a"} ${underlying}, not ${describeUnderlying(type)}`,
        );
  switch (name) {
    case "decimal": {
      if (type !== "bytes" && type !== "fixed")
        return ignored(`decimal annotates bytes or a fixed, not ${describeUnderlying(type)}`);
      const precision = s["precision"];
      const scale = s["scale"] === undefined ? 0 : s["scale"];
      if (!isWhole(precision) || precision < 1)
        return ignored(`decimal needs a "precision" that is a whole number of at least 1`);
      if (!isWhole(scale) || scale < 0 || scale > precision)
        return ignored(`decimal "scale" must be a whole number from 0 to the precision (${precision})`);
      if (type === "fixed" && isWhole(size) && precision > maxDecimalDigits(size)) {
        return ignored(
          `a fixed of ${size} bytes holds at most ${maxDecimalDigits(size)} decimal digits, fewer than the precision ${precision}`,
        );
      }
      return { status: "interpreted", logicalType: { name, precision, scale } };
    }
    case "uuid":
      if (type === "string" || (type === "fixed" && size === 16))
        return { status: "interpreted", logicalType: { name } };
      return ignored(`uuid annotates a string or a fixed of 16 bytes, not ${describeUnderlying(type, size)}`);
    case "duration":
      if (type === "fixed" && size === 12) return { status: "interpreted", logicalType: { name } };
      return ignored(`duration annotates a fixed of 12 bytes, not ${describeUnderlying(type, size)}`);
    case "date":
    case "time-millis":
      return on("int");
    case "time-micros":
    case "timestamp-millis":
    case "timestamp-micros":
    case "local-timestamp-millis":
    case "local-timestamp-micros":
      return on("long");
    default:
      return { status: "unknown", name };
  }
}

function describeUnderlying(type: unknown, size?: unknown): string {
  if (type === "fixed") return isWhole(size) ? `a fixed of ${size} bytes` : "a fixed";
  if (type === "bytes") return "bytes";
  if (typeof type === "string") return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
  return "this type";
}

// ---------------------------------------------------------------------------------------------
// The table

/**
 * The JavaScript bucket of a type's values. A union whose branches all have different buckets holds bare values:
 * an encoder tells its branches apart by the value's bucket. Unlike avsc's own "auto" rule, logical types count
 * with the bucket of their representation (a Date is an object, a decimal a string).
 */
export type ValueBucket = "null" | "boolean" | "number" | "bigint" | "string" | "buffer" | "array" | "object";

/** How one Avro type's values look: the TypeScript type generated code declares, and the bucket unions sort it in. */
export interface ValueRepresentation {
  /** The TypeScript type of the values; undefined where it is written from the schema (see `avroRepresentation`). */
  readonly typeScript: string | undefined;
  readonly bucket: ValueBucket;
}

/**
 * Every Avro type and every logical type kefgen interprets, with the representation of its values. Keys are
 * avsc's type names (`error` is a record; `abstract:long` is the long read as a bigint) and the logical types'
 * names. Rows without a TypeScript type are written from the schema: a record's interface, an enum's union of its
 * symbols, `T[]`, `{ [key: string]: T }`.
 */
export const avroRepresentation = {
  null: { typeScript: "null", bucket: "null" },
  boolean: { typeScript: "boolean", bucket: "boolean" },
  int: { typeScript: "number", bucket: "number" },
  long: { typeScript: "number", bucket: "number" },
  /** `{"type": "long", "kefgen.long": "bigint"}`. */
  "abstract:long": { typeScript: "bigint", bucket: "bigint" },
  float: { typeScript: "number", bucket: "number" },
  double: { typeScript: "number", bucket: "number" },
  bytes: { typeScript: "Buffer", bucket: "buffer" },
  string: { typeScript: "string", bucket: "string" },
  fixed: { typeScript: "Buffer", bucket: "buffer" },
  enum: { typeScript: undefined, bucket: "string" },
  record: { typeScript: undefined, bucket: "object" },
  error: { typeScript: undefined, bucket: "object" },
  array: { typeScript: undefined, bucket: "array" },
  map: { typeScript: undefined, bucket: "object" },
  decimal: { typeScript: "string", bucket: "string" },
  uuid: { typeScript: "string", bucket: "string" },
  date: { typeScript: "Date", bucket: "object" },
  "time-millis": { typeScript: "number", bucket: "number" },
  "time-micros": { typeScript: "number", bucket: "number" },
  "timestamp-millis": { typeScript: "Date", bucket: "object" },
  "timestamp-micros": { typeScript: "number", bucket: "number" },
  "local-timestamp-millis": { typeScript: "Date", bucket: "object" },
  "local-timestamp-micros": { typeScript: "number", bucket: "number" },
  duration: { typeScript: "{ months: number; days: number; milliseconds: number }", bucket: "object" },
} as const satisfies Record<string, ValueRepresentation> & Record<AvroLogicalType["name"], ValueRepresentation>;

/** The name of a row of `avroRepresentation`. */
export type RepresentedType = keyof typeof avroRepresentation;

/** Whether a union with branches of these buckets holds its values wrapped (`{ "branch": value }`): two share one. */
export function unionIsWrapped(buckets: readonly ValueBucket[]): boolean {
  return new Set(buckets).size !== buckets.length;
}
