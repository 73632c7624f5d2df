// avroCodec: the Codec generated code builds once per Avro message type, with kefgen's value representation
// (runtime/avro-representation.ts: the table of what each Avro type becomes, which the generated types promise too).
// (Over ~350 lines because that representation's exact long and logical types are built here, in one file.)

import avro from "avsc";
import type { Codec } from "./types.js";
import { DecodeError } from "./errors.js";
import {
  avroRepresentation,
  isWhole,
  LONG_REPRESENTATION_PROPERTY,
  readLogicalType,
  unionIsWrapped,
  type AvroLogicalType,
  type RepresentedType,
  type ValueBucket,
} from "./avro-representation.js";
import { avroWriterOf, writeToBuffer, type AvroWriter } from "./avro-writer.js";

// ---------------------------------------------------------------------------------------------
// Logical types

function interpreted(schema: unknown, ...names: AvroLogicalType["name"][]): AvroLogicalType {
  const reading = readLogicalType(schema);
  if (reading?.status === "interpreted" && names.includes(reading.logicalType.name)) return reading.logicalType;
  // avsc falls back to the underlying type when a logical type's constructor throws, as the spec asks.
  throw new Error(reading?.status === "ignored" ? reading.reason : `not a ${names.join(" or ")} schema`);
}

/** A logical type with kefgen's representation. */
abstract class KefgenLogicalType extends avro.types.LogicalType {
  constructor(
    schema: avro.Schema,
    opts: unknown,
    /** The logical type as `readLogicalType` read it; its name is its row of avroRepresentation. */
    protected readonly logical: AvroLogicalType,
  ) {
    super(schema, opts);
  }

  /** The bucket of this type's JavaScript values, for the union rule. */
  get bucket(): ValueBucket {
    return avroRepresentation[this.logical.name].bucket;
  }
  /**
   * Reading a writer's value (schema resolution, for framed records). The same logical type keeps its value (both
   * sides represent it alike; a decimal only with the same precision and scale); a writer without the logical type
   * but with the same underlying type gets this type's reading; anything else cannot be resolved.
   */
  protected override _resolve(writer: avro.Type): ((value: any) => unknown) | undefined {
    if (writer instanceof KefgenLogicalType && writer.constructor === this.constructor && writer.sameParameters(this))
      return (value) => value;
    if (!(writer instanceof avro.types.LogicalType) && writer.typeName === this.underlyingType.typeName) {
      try {
        this.underlyingType.createResolver(writer); // a fixed must also match in name and size
      } catch {
        return undefined;
      }
      return (value) => this._fromValue(value);
    }
    return undefined;
  }

  /** Whether a writer of the same class writes values this type reads alike (decimal: same precision and scale). */
  sameParameters(_other: KefgenLogicalType): boolean {
    return true;
  }
}

function twosComplementToBigInt(buf: Buffer): bigint {
  let n = 0n;
  for (const byte of buf) n = (n << 8n) | BigInt(byte);
  if (buf.length > 0 && (buf[0]! & 0x80) !== 0) n -= 1n << BigInt(8 * buf.length);
  return n;
}

function fitsInBytes(n: bigint, size: number): boolean {
  if (size < 1) return false;
  const half = 1n << BigInt(8 * size - 1);
  return n >= -half && n < half;
}

function bigIntToTwosComplement(n: bigint, size: number): Buffer {
  let v = n < 0n ? (1n << BigInt(8 * size)) + n : n;
  const buf = Buffer.alloc(size);
  for (let i = size - 1; i >= 0; i--) {
    buf[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return buf;
}

/** The decimal string of `unscaled` × 10^-scale, with exactly `scale` digits after the point. */
function formatDecimal(unscaled: bigint, scale: number): string {
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, "0");
  const sign = unscaled < 0n ? "-" : "";
  return scale === 0 ? sign + digits : `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

const decimalPattern = /^(-)?([0-9]+)(?:\.([0-9]+))?$/;

/** decimal → string: "-12.50" for unscaled -1250 at scale 2; always exactly `scale` digits after the point. */
class DecimalType extends KefgenLogicalType {
  private readonly precision: number;
  private readonly scale: number;
  /** Byte size of a fixed; undefined for bytes. */
  private readonly size: number | undefined;

  constructor(schema: avro.Schema, opts?: unknown) {
    const logical = interpreted(schema, "decimal") as Extract<AvroLogicalType, { name: "decimal" }>;
    super(schema, opts, logical);
    this.precision = logical.precision;
    this.scale = logical.scale;
    const size = (schema as { size?: unknown }).size;
    this.size = (schema as { type?: unknown }).type === "fixed" && isWhole(size) ? size : undefined;
  }

  override sameParameters(other: KefgenLogicalType): boolean {
    return other instanceof DecimalType && other.precision === this.precision && other.scale === this.scale;
  }

  /** `type.schema({ exportAttrs: true })` keeps precision and scale (avsc exports only the logicalType name). */
  protected override _export(schema: avro.Schema): void {
    Object.assign(schema as object, { precision: this.precision, scale: this.scale });
  }

  protected override _fromValue(buf: Buffer): string {
    return formatDecimal(twosComplementToBigInt(buf), this.scale);
  }

  protected override _toValue(value: unknown): Buffer {
    const match = typeof value === "string" ? decimalPattern.exec(value) : null;
    if (!match)
      throw new Error(
        `a decimal(${this.precision}, ${this.scale}) must be a string like "-12.5", not ${JSON.stringify(value) ?? String(value)}`,
      );
    const [, minus, whole, fraction = ""] = match;
    const kept = fraction.slice(0, this.scale);
    if (/[^0]/.test(fraction.slice(this.scale)))
      throw new Error(`decimal ${value} has more than ${this.scale} digits after the point`);
    const unscaled = BigInt(whole! + kept.padEnd(this.scale, "0")) * (minus ? -1n : 1n);
    // More digits than the precision are written, as they are read: decoding gives exactly what the bytes hold
    // (Java's DecimalConversion.fromBytes does not check the precision either), so decode → encode gives the same
    // bytes back. Only what the bytes cannot hold is refused.
    if (this.size !== undefined) {
      if (!fitsInBytes(unscaled, this.size))
        throw new Error(`decimal ${value} does not fit in a fixed of ${this.size} bytes`);
      return bigIntToTwosComplement(unscaled, this.size);
    }
    let size = 1;
    while (!fitsInBytes(unscaled, size)) size++;
    return bigIntToTwosComplement(unscaled, size);
  }

  /** A random decimal within the precision (avsc's default would draw bytes beyond it). */
  override random(): any {
    const length = 1 + Math.floor(Math.random() * this.precision);
    let digits = "";
    for (let i = 0; i < length; i++) digits += String(Math.floor(Math.random() * 10));
    return formatDecimal(BigInt(digits) * (Math.random() < 0.5 ? -1n : 1n), this.scale);
  }
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** uuid → string. On a string it is the string; on a fixed of 16 bytes, its canonical lowercase hex form. */
class UuidType extends KefgenLogicalType {
  private readonly fixed: boolean;

  constructor(schema: avro.Schema, opts?: unknown) {
    super(schema, opts, interpreted(schema, "uuid"));
    this.fixed = (schema as { type?: unknown }).type === "fixed";
  }

  protected override _fromValue(value: string | Buffer): string {
    if (typeof value === "string") return value;
    const hex = value.toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  protected override _toValue(value: unknown): string | Buffer {
    if (typeof value !== "string") throw new Error(`a uuid must be a string, not ${String(value)}`);
    if (!this.fixed) return value;
    if (!uuidPattern.test(value))
      throw new Error(
        `a uuid stored in a fixed must look like 123e4567-e89b-12d3-a456-426614174000, not ${JSON.stringify(value)}`,
      );
    return Buffer.from(value.replace(/-/g, ""), "hex");
  }
}

const DAY_MS = 86_400_000;
/** The largest distance from the epoch a Date can represent, in milliseconds. */
const MAX_DATE_MS = 8.64e15;

/** date → Date at midnight UTC of that day. */
class DateType extends KefgenLogicalType {
  constructor(schema: avro.Schema, opts?: unknown) {
    super(schema, opts, interpreted(schema, "date"));
  }

  protected override _fromValue(days: number): Date {
    const ms = days * DAY_MS;
    if (Math.abs(ms) > MAX_DATE_MS)
      throw new Error(`date ${days} days from 1970-01-01 is beyond what a JavaScript Date can hold`);
    return new Date(ms);
  }

  protected override _toValue(value: unknown): number {
    const ms = value instanceof Date ? value.getTime() : NaN;
    if (Number.isNaN(ms) || ms % DAY_MS !== 0)
      throw new Error(`a date must be a valid Date at midnight UTC, not ${String(value)}`);
    return ms / DAY_MS + 0; // + 0 turns -0 into 0
  }
}

/** timestamp-millis and local-timestamp-millis → Date (for a local timestamp, read its UTC fields). */
class TimestampMillisType extends KefgenLogicalType {
  constructor(schema: avro.Schema, opts?: unknown) {
    super(schema, opts, interpreted(schema, "timestamp-millis", "local-timestamp-millis"));
  }

  protected override _fromValue(ms: number): Date {
    if (Math.abs(ms) > MAX_DATE_MS)
      throw new Error(`timestamp ${ms} ms from the epoch is beyond what a JavaScript Date can hold`);
    return new Date(ms);
  }

  protected override _toValue(value: unknown): number {
    const ms = value instanceof Date ? value.getTime() : NaN;
    if (Number.isNaN(ms)) throw new Error(`a timestamp must be a valid Date, not ${String(value)}`);
    return ms;
  }
}

/** The value of an Avro `duration`: three unsigned 32-bit counts, which the spec keeps apart (a month has no fixed length). */
export interface AvroDuration {
  months: number;
  days: number;
  milliseconds: number;
}

const UINT32_MAX = 0xffff_ffff;

/** duration (fixed 12) → { months, days, milliseconds }. */
class DurationType extends KefgenLogicalType {
  constructor(schema: avro.Schema, opts?: unknown) {
    super(schema, opts, interpreted(schema, "duration"));
  }

  protected override _fromValue(buf: Buffer): AvroDuration {
    return { months: buf.readUInt32LE(0), days: buf.readUInt32LE(4), milliseconds: buf.readUInt32LE(8) };
  }

  protected override _toValue(value: unknown): Buffer {
    const d = value as Partial<AvroDuration> | null;
    const parts = d !== null && typeof d === "object" && !(d instanceof Date) ? [d.months, d.days, d.milliseconds] : [];
    if (parts.length !== 3 || !parts.every((p) => isWhole(p) && p >= 0 && p <= UINT32_MAX)) {
      throw new Error(`a duration must be { months, days, milliseconds } with whole numbers from 0 to ${UINT32_MAX}`);
    }
    const buf = Buffer.alloc(12);
    parts.forEach((p, i) => buf.writeUInt32LE(p as number, i * 4));
    return buf;
  }
}

/** The logical types with their own representation; the others are read as their underlying type. */
const logicalTypes: Readonly<Record<string, new (schema: avro.Schema, opts?: unknown) => avro.types.LogicalType>> = {
  decimal: DecimalType,
  uuid: UuidType,
  date: DateType,
  "timestamp-millis": TimestampMillisType,
  "local-timestamp-millis": TimestampMillisType,
  duration: DurationType,
};

// ---------------------------------------------------------------------------------------------
// long, maps, unions

/** The part of avsc's Tap (its byte cursor) that kefgen's types use. */
interface Tap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  writeLong(n: number): void;
  skipLong(): void;
  readString(): string;
}

const PRECISION_LOSS = "potential precision loss";

/**
 * `long` as a number, exact over ±(2^53 − 1). avsc's own long reads and writes long varints with float arithmetic,
 * which turns negative values below −2^52 into wrong positive ones without an error; this type uses avsc's fast path
 * only where it is exact (varints of up to 7 bytes, |n| < 2^52 when writing) and BigInt arithmetic otherwise.
 */
class SafeLongType extends avro.types.LongType {
  _check(value: unknown, _flags?: unknown, hook?: (value: unknown, type: avro.Type) => void): boolean {
    const valid = Number.isSafeInteger(value);
    if (!valid && hook) hook(value, this);
    return valid;
  }

  _read(tap: Tap): number {
    const buf = tap.buf;
    const end = Math.min(buf.length, tap.pos + 7);
    for (let i = tap.pos; i < end; i++) if ((buf[i]! & 0x80) === 0) return tap.readLong();
    const n = readBigVarint(tap);
    if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) throw new Error(PRECISION_LOSS);
    return Number(n);
  }

  _write(tap: Tap, value: unknown): void {
    if (!Number.isSafeInteger(value))
      throw new Error(`invalid "long": ${String(value)} is not an integer within ±(2^53 − 1)`);
    const n = value as number;
    if (n > -(2 ** 52) && n < 2 ** 52) tap.writeLong(n);
    else writeBigVarint(tap, BigInt(n));
  }
}

/** Reads a zig-zag varint of up to 10 bytes as a BigInt. */
function readBigVarint(tap: Tap): bigint {
  let z = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    const byte = tap.buf[tap.pos++];
    if (byte === undefined) return 0n; // truncated: avsc reports it once the datum is read
    z |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return (z >> 1n) ^ -(z & 1n);
  }
  throw new Error("invalid long: its varint is longer than 10 bytes");
}

function writeBigVarint(tap: Tap, n: bigint): void {
  let z = n >= 0n ? n << 1n : (-n << 1n) - 1n;
  do {
    let byte = Number(z & 0x7fn);
    z >>= 7n;
    if (z > 0n) byte |= 0x80;
    tap.buf[tap.pos++] = byte; // past the end this is a no-op; avsc then retries with a larger buffer
  } while (z > 0n);
}

const safeLong = new SafeLongType();

/** A long varint as the nearest number: exact within ±2^53, rounded to the nearest double beyond (as Java's (double)). */
function readLongAsNumber(tap: Tap): number {
  const buf = tap.buf;
  const end = Math.min(buf.length, tap.pos + 7);
  for (let i = tap.pos; i < end; i++) if ((buf[i]! & 0x80) === 0) return tap.readLong();
  return Number(readBigVarint(tap));
}

/** How a float or double reads a promoted writer's int or long (Avro's int → long → float → double promotions). */
interface PromotionResolver {
  _read(tap: Tap): number;
}

/**
 * `double` reading a writer's long exactly: avsc reads a promoted long with its own float arithmetic, which turns
 * values below −2^52 into wrong positive ones (−4503599627370501 arrived as 4503599627370500; found by the evolution
 * property test), as for `long` itself (see SafeLongType).
 */
class PromotingDoubleType extends avro.types.DoubleType {
  _update(resolver: PromotionResolver, writer: avro.Type, opts?: unknown): void {
    if (writer.typeName === "long" || writer.typeName === "abstract:long") resolver._read = readLongAsNumber;
    else
      (
        avro.types.DoubleType.prototype as unknown as { _update(r: unknown, w: avro.Type, o?: unknown): void }
      )._update.call(this, resolver, writer, opts);
  }
}

/**
 * `float` reading a writer's int or long as the nearest 32-bit float, as Java's (float) does: avsc hands over the
 * int unrounded (−1773477179 where Java reads −1773477120), a value no float field can hold. A long beyond ±2^53 is
 * rounded twice (to a double, then to a float), which can differ from Java's single rounding in the last bit.
 */
class PromotingFloatType extends avro.types.FloatType {
  _update(resolver: PromotionResolver, writer: avro.Type, opts?: unknown): void {
    if (writer.typeName === "int")
      resolver._read = (tap) => Math.fround((writer as unknown as PromotionResolver)._read(tap));
    else if (writer.typeName === "long" || writer.typeName === "abstract:long")
      resolver._read = (tap) => Math.fround(readLongAsNumber(tap));
    else
      (
        avro.types.FloatType.prototype as unknown as { _update(r: unknown, w: avro.Type, o?: unknown): void }
      )._update.call(this, resolver, writer, opts);
  }
}

const promotingFloat = new PromotingFloatType();
const promotingDouble = new PromotingDoubleType();

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** `long` read and written as a `bigint`, for `{"type": "long", "kefgen.long": "bigint"}`. */
const bigintLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(0),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(n);
    return buf;
  },
  fromJSON: (v: unknown) => (typeof v === "bigint" ? v : BigInt(v as number | string)),
  toJSON: (n: bigint) =>
    n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString(),
  isValid: (n: unknown) => typeof n === "bigint" && n >= INT64_MIN && n <= INT64_MAX,
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

interface ValueReader {
  _read(tap: Tap): unknown;
}

/**
 * A map whose decoded keys are all own properties. avsc assigns keys (`obj[key] = value`), so a key "__proto__"
 * holding an object would replace the decoded object's prototype and vanish (pitfalls.md, avsc 3).
 */
class SafeMapType extends avro.types.MapType {
  _read(tap: Tap): Record<string, unknown> {
    const values = this.valuesType as ValueReader;
    const out: Record<string, unknown> = {};
    for (;;) {
      let n = tap.readLong();
      if (n === 0) return out;
      if (n < 0) {
        n = -n;
        tap.skipLong(); // a negative count is followed by the block's size in bytes
      }
      for (; n > 0; n--) {
        const key = tap.readString();
        const value = values._read(tap);
        if (key === "__proto__")
          Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
        else out[key] = value;
      }
    }
  }
}

/**
 * The JavaScript bucket of a type's values. Unlike avsc's own "auto" rule, logical types count with the bucket of
 * their representation (a Date is an object, a decimal a string), so that a union never holds two branches an
 * encoder cannot tell apart.
 */
function bucketOf(type: avro.Type): ValueBucket {
  if (type instanceof KefgenLogicalType) return type.bucket;
  const representation = Object.hasOwn(avroRepresentation, type.typeName)
    ? avroRepresentation[type.typeName as RepresentedType]
    : undefined;
  if (!representation) throw new Error(`internal: no value bucket for Avro type ${type.typeName}`);
  return representation.bucket;
}

/** Schemas whose logical type is being built: the hook's next call for one builds its underlying type. */
const buildingLogical = new WeakSet<object>();

/**
 * avsc asks this hook first for every schema it meets. It builds what kefgen represents its own way — unions,
 * logical types, longs, maps — and leaves the rest (records, enums, fixed, other primitives) to avsc.
 */
function typeHook(schema: unknown, opts: avro.ForSchemaOptions): avro.Type | undefined {
  if (schema === "long") return safeLong;
  if (schema === "float") return promotingFloat;
  if (schema === "double") return promotingDouble;
  if (Array.isArray(schema)) {
    // A union: bare values when every branch has its own bucket, else wrapped ({ "branch": value }).
    const types = schema.map((branch) => avro.Type.forSchema(branch as avro.Schema, opts));
    const Union = unionIsWrapped(types.map(bucketOf)) ? avro.types.WrappedUnionType : avro.types.UnwrappedUnionType;
    return new Union(types as unknown as avro.Schema, opts);
  }
  if (schema === null || typeof schema !== "object") return undefined;
  const s = schema as Record<string, unknown>;
  if (buildingLogical.has(s)) {
    buildingLogical.delete(s);
    return underlyingType(s, opts);
  }
  const reading = readLogicalType(s);
  const Logical = reading?.status === "interpreted" ? logicalTypes[reading.logicalType.name] : undefined;
  if (Logical) {
    // avsc's LogicalType constructor builds the underlying type through this hook again (see buildingLogical).
    buildingLogical.add(s);
    try {
      return new Logical(schema as avro.Schema, opts);
    } finally {
      buildingLogical.delete(s);
    }
  }
  // No logical type, an unknown one, or one that is read as its underlying type.
  return underlyingType(s, opts);
}

function underlyingType(s: Record<string, unknown>, opts: avro.ForSchemaOptions): avro.Type | undefined {
  if (s["type"] === "map") return new SafeMapType(s as unknown as avro.Schema, opts);
  if (s["type"] === "long")
    return s[LONG_REPRESENTATION_PROPERTY] === "bigint" && s["logicalType"] === undefined ? bigintLong : safeLong;
  if (s["type"] === "float") return promotingFloat;
  if (s["type"] === "double") return promotingDouble;
  return undefined;
}

/**
 * Builds the avsc type of a schema with kefgen's value representation (see the top of this file). A schema must be
 * self-contained: it defines every named type it uses. Throws on an invalid schema.
 */
export function avroType(schema: unknown): avro.Type {
  const options: Partial<avro.ForSchemaOptions> = {
    // Logical types are built by typeHook (so that their underlying longs are exact too), not through avsc's option.
    typeHook,
    // Unions are built by typeHook; "auto" is what avsc would otherwise do for unions it builds itself.
    wrapUnions: "auto",
    // Decoded records carry their fields only, as the generated interfaces say.
    omitRecordMethods: true,
    registry: {},
  };
  return avro.Type.forSchema(schema as avro.Schema, options);
}

// ---------------------------------------------------------------------------------------------
// Codec

/** An Avro {@link Codec}, with the avsc type it uses (e.g. `type.random()` for property tests). */
export interface AvroCodec<T> extends Codec<T> {
  /** The avsc type, built once; values follow kefgen's representation. */
  readonly type: avro.Type;
  /** The schema the codec was built from, as given (e.g. to register it with a schema registry). */
  readonly schema: object;
}

/**
 * A {@link Codec} for one Avro schema, with the value representation the generated types describe. The avsc type
 * is compiled once here (avsc compiles readers with `new Function`, so building it per record would be slow) and
 * reused for every record.
 *
 * `decode` reads exactly one datum (trailing bytes are an error) and throws a {@link DecodeError} without
 * position; the runtime adds topic/partition/offset. `encode` throws when a value does not match the schema.
 */
export function avroCodec<T>(schema: object): AvroCodec<T> {
  const type = avroType(schema);
  const write = avroWriter(type);
  return {
    type,
    schema,
    decode(value: Buffer): T {
      try {
        return type.fromBuffer(value) as T;
      } catch (error) {
        throw new DecodeError(`invalid ${describe(type)} payload: ${reason(error)}`, { cause: error });
      }
    },
    encode(value: T): Buffer {
      try {
        return writeToBuffer(write, value);
      } catch (error) {
        throw encodeError(type, value, error);
      }
    },
  };
}

/**
 * Why `value` is not a value of `type`, naming the field: avsc's own error names only the innermost type and value
 * (`invalid "string": 5`), which says nothing of where in a record of forty fields it is. Made only when writing
 * failed, with avsc's `isValid` path; the original error is its `cause`.
 */
function encodeError(type: avro.Type, value: unknown, error: unknown): Error {
  let first: { path: readonly string[]; value: unknown; type: avro.Type } | undefined;
  try {
    type.isValid(value, { errorHook: (path, any, at) => (first ??= { path: [...path], value: any, type: at }) });
  } catch {
    // A conversion that throws inside isValid: no path, the original message says what it can.
  }
  const message = error instanceof Error ? error.message : String(error);
  const at = first && first.path.length > 0 ? first.path.join(".") : undefined;
  // avsc's generic "invalid <type>: <value>" is said again with the path; a message of ours (a logical type's,
  // e.g. "decimal 1.001 has more than 2 digits after the point") is kept as it is, after the path.
  // A TypeError is avsc's compiled writer reading a field of something that is no record (null, a number).
  let what: string;
  if (first && (/^invalid /.test(message) || error instanceof TypeError))
    what = `${at ?? "the value"} is ${first.value === undefined ? "missing" : shown(first.value)}, not ${describeValueOf(first.type)}`;
  else what = at === undefined ? message : `${at}: ${message}`;
  return new Error(`cannot encode ${describe(type)}: ${what}`, { cause: error });
}

/** A value as an error shows it: JSON where it has one, else its text; at most 100 characters. */
function shown(value: unknown): string {
  let text: string;
  try {
    text = typeof value === "bigint" ? `${value}n` : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/** "a string", "an integer within ±(2^53 − 1)", "a shop.Status", "null or a string": a value of `type`, in an error. */
function describeValueOf(type: avro.Type): string {
  if (type instanceof SafeLongType) return "an integer within ±(2^53 − 1)";
  if (avro.Type.isType(type, "union"))
    return (type as unknown as { readonly types: readonly avro.Type[] }).types
      .map((t) => (t.typeName === "null" ? "null" : describeValueOf(t)))
      .join(" or ");
  const name = type.name ?? (type.typeName.startsWith("logical:") ? type.typeName.slice(8) : type.typeName);
  return `${/^[aeiou]/i.test(name) ? "an" : "a"} ${name}`;
}

/**
 * The writer of a type built by {@link avroType}: avsc's bytes, written faster (runtime/avro-writer.ts). Compiled on
 * first use and kept with the type.
 */
export function avroWriter(type: avro.Type): AvroWriter {
  return avroWriterOf(type, { exactLong: (t) => t instanceof SafeLongType });
}

function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (message === PRECISION_LOSS) {
    return `a long is beyond ±${Number.MAX_SAFE_INTEGER}, which a JavaScript number cannot hold exactly (declare it {"type": "long", "${LONG_REPRESENTATION_PROPERTY}": "bigint"} to read it as a bigint)`;
  }
  return message;
}

function describe(type: avro.Type): string {
  return type.name ?? `Avro ${type.typeName}`;
}
