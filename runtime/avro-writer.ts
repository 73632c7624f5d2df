// A faster Avro binary writer, compiled once per avsc type: what avroCodec's `encode` and the producers' encoders
// (runtime/encoders.ts) write with. It writes exactly the bytes avsc's `Type.encode` writes (proven by
// test/runtime/avro-writer.test.ts over values of any schema, and by the Java and fastavro witnesses that decode
// codec.encode's bytes), but faster where avsc spends its time (R10 in bench/RESULTS.md):
//
// - strings: avsc asks `Buffer.byteLength` of every string (a call into C++) before writing it. Here a string of
//   under 64 UTF-16 units is written by a JavaScript loop while it is ASCII (its length varint is then one byte and
//   known in advance); any other string is written with `utf8Write` after its length varint is reserved for the worst
//   case (3 bytes per unit), moving the bytes back when the varint turned out shorter.
// - records: one function per record type with a direct call per field (as avsc), but calling the writers below
//   instead of going through avsc's Tap methods.
//
// Types this writer does not handle itself — logical types, bigint longs, unions with a logical or bigint branch,
// anything not built by avroType — are written by avsc (`Type.encode` at the current position), so they keep avsc's
// behaviour exactly. A value that does not fit the schema is not diagnosed here: any exception while writing makes
// the whole value be written again by avsc, which throws its own error (or writes what it always wrote).
//
// One difference, deliberately: a string holding a lone surrogate (which no valid Avro string holds: UTF-8 cannot
// represent it) is written as U+FFFD, as Node's `Buffer.from` and Java do; avsc writes U+FFFD for strings over 64
// bytes and the invalid 3-byte CESU-8 form for shorter ones.

import type avro from "avsc";

/**
 * Writes `value` into `buf` from `pos`. Returns the position after the value; when `buf` is too small, a negative
 * number: minus how many bytes were missing (the same contract as avsc's `Type.encode`). Throws when the value does
 * not fit the schema (avsc's error).
 */
export type AvroWriter = (value: unknown, buf: Buffer, pos: number) => number;

/**
 * Writes a value at `pos` and returns the position after it. Past the end of `buf` nothing more is written but the
 * position still advances, so that the caller learns the size needed.
 */
type Write = (buf: Buffer, pos: number, value: any) => number;

/** The avsc internals read here (stable across avsc 5.x; see node_modules/avsc/lib/types.js). */
interface AvscInternals {
  readonly typeName: string;
  readonly fields?: readonly (avro.types.Field & { defaultValue(): unknown })[];
  readonly itemsType?: avro.Type;
  readonly valuesType?: avro.Type;
  readonly types?: readonly avro.Type[];
  readonly symbols?: readonly string[];
  readonly size?: number;
  readonly _bucketIndices?: Record<string, number>;
  readonly _dynamicBranches?: unknown[] | null;
  readonly _branchIndices?: Record<string, number>;
}

/** How the writer learns which `long` types are kefgen's exact long (runtime/avro-codec.ts SafeLongType). */
export interface AvroWriterOptions {
  /** Whether a type whose typeName is "long" writes every safe integer exactly (else avsc writes it). */
  readonly exactLong: (type: avro.Type) => boolean;
}

const writers = new WeakMap<avro.Type, AvroWriter>();

/** The writer of `type`, compiled on first use and kept with the type. */
export function avroWriterOf(type: avro.Type, options: AvroWriterOptions): AvroWriter {
  let writer = writers.get(type);
  if (!writer) writers.set(type, (writer = compileAvroWriter(type, options)));
  return writer;
}

function compileAvroWriter(type: avro.Type, options: AvroWriterOptions): AvroWriter {
  const write = new Compiler(options).of(type);
  return (value, buf, pos) => {
    let end: number;
    try {
      end = write(buf, pos, value);
    } catch {
      // Not a value of the schema (or a surprise): avsc writes it, or throws the error it always threw.
      return type.encode(value, buf, pos);
    }
    return end <= buf.length ? end : buf.length - end;
  };
}

const scratchBytes = 4_096;
const scratch = Buffer.allocUnsafeSlow(scratchBytes);

/** `value` written by `writer` into a buffer of its own (from Node's pool when small), as avsc's `toBuffer`. */
export function writeToBuffer(writer: AvroWriter, value: unknown): Buffer {
  let end = writer(value, scratch, 0);
  if (end >= 0) return Buffer.from(scratch.subarray(0, end));
  const buf = Buffer.allocUnsafe(scratch.length - end);
  end = writer(value, buf, 0);
  return buf.subarray(0, end);
}

class Compiler {
  private readonly compiled = new Map<avro.Type, Write>();

  constructor(private readonly options: AvroWriterOptions) {}

  of(type: avro.Type): Write {
    const known = this.compiled.get(type);
    if (known) return known;
    const t = type as unknown as AvscInternals;
    switch (t.typeName) {
      case "null":
        return writeNull;
      case "boolean":
        return writeBoolean;
      case "int":
        return writeInt;
      case "long":
        return this.options.exactLong(type) ? writeLong : avscWriter(type);
      case "float":
        return writeFloat;
      case "double":
        return writeDouble;
      case "string":
        return writeStringValue;
      case "bytes":
        return writeBytes;
      case "enum":
        return enumWriter(t.symbols!);
      case "fixed":
        return fixedWriter(t.size!);
      case "array":
        return this.arrayWriter(type, t.itemsType!);
      case "map":
        return this.mapWriter(type, t.valuesType!);
      case "record":
      case "error":
        return this.recordWriter(type, t.fields!);
      case "union:unwrapped":
        return t._dynamicBranches ? avscWriter(type) : this.unwrappedUnionWriter(type, t.types!, t._bucketIndices!);
      case "union:wrapped":
        return this.wrappedUnionWriter(type, t.types!, t._branchIndices!);
      default:
        // Logical types, bigint longs and anything unforeseen.
        return avscWriter(type);
    }
  }

  /** Compiles a container's writer; `make` gets the writer of the container itself, for recursive types. */
  private container(type: avro.Type, make: () => Write): Write {
    let write: Write | undefined;
    this.compiled.set(type, (buf, pos, value) => write!(buf, pos, value));
    write = make();
    this.compiled.set(type, write);
    return write;
  }

  private arrayWriter(type: avro.Type, itemsType: avro.Type): Write {
    return this.container(type, () => {
      const item = this.of(itemsType);
      return (buf, pos, value) => {
        if (!Array.isArray(value)) throw new TypeError("not an array");
        const n = value.length;
        if (n > 0) {
          pos = writeVarint(buf, pos, n);
          for (let i = 0; i < n; i++) pos = item(buf, pos, value[i]);
        }
        buf[pos] = 0;
        return pos + 1;
      };
    });
  }

  private mapWriter(type: avro.Type, valuesType: avro.Type): Write {
    return this.container(type, () => {
      const item = this.of(valuesType);
      return (buf, pos, value) => {
        if (!value || typeof value !== "object" || Array.isArray(value)) throw new TypeError("not a map");
        const keys = Object.keys(value);
        const n = keys.length;
        if (n > 0) {
          pos = writeVarint(buf, pos, n);
          for (let i = 0; i < n; i++) {
            const key = keys[i]!;
            pos = writeString(buf, pos, key);
            pos = item(buf, pos, value[key]);
          }
        }
        buf[pos] = 0;
        return pos + 1;
      };
    });
  }

  /**
   * One function per record type, like avsc's: a direct call per field, and a field with a default that is
   * undefined in the value gets the default's bytes (computed once, by avsc). Field names reach the function's text
   * only through JSON.stringify (avsc has checked they are Avro names anyway).
   */
  private recordWriter(type: avro.Type, fields: readonly (avro.types.Field & { defaultValue(): unknown })[]): Write {
    return this.container(type, () => {
      const args: string[] = ["writeRaw"];
      const values: unknown[] = [writeRaw];
      let body = "";
      fields.forEach((field, i) => {
        const writer = this.of(field.type);
        args.push(`w${i}`);
        values.push(writer);
        const read = `v[${JSON.stringify(field.name)}]`;
        const defaultValue = field.defaultValue();
        if (defaultValue === undefined) {
          body += `  pos = w${i}(buf, pos, ${read});\n`;
        } else {
          args.push(`d${i}`);
          values.push(field.type.toBuffer(defaultValue));
          body += `  const v${i} = ${read};\n  pos = v${i} === undefined ? writeRaw(buf, pos, d${i}) : w${i}(buf, pos, v${i});\n`;
        }
      });
      // Compiled once per record type, as avsc does.
      const factory = new Function(...args, `"use strict";\nreturn function (buf, pos, v) {\n${body}  return pos;\n};`);
      return factory(...values) as Write;
    });
  }

  /** A union of bare values: the value's bucket chooses the branch, as avsc's UnwrappedUnionType. */
  private unwrappedUnionWriter(
    type: avro.Type,
    types: readonly avro.Type[],
    bucketIndices: Readonly<Record<string, number>>,
  ): Write {
    return this.container(type, () => {
      const branches = types.map((branch) => this.of(branch));
      const indexOf = new Map(Object.entries(bucketIndices));
      return (buf, pos, value) => {
        const index = indexOf.get(valueBucket(value));
        if (index === undefined) throw new TypeError("no branch for the value");
        pos = writeVarint(buf, pos, index);
        return value === null ? pos : branches[index]!(buf, pos, value);
      };
    });
  }

  /** A union of wrapped values ({ "<branch name>": value }), as avsc's WrappedUnionType. */
  private wrappedUnionWriter(
    type: avro.Type,
    types: readonly avro.Type[],
    branchIndices: Readonly<Record<string, number>>,
  ): Write {
    return this.container(type, () => {
      const branches = types.map((branch) => this.of(branch));
      const indexOf = new Map(Object.entries(branchIndices));
      return (buf, pos, value) => {
        if (value === null) {
          const index = indexOf.get("null");
          if (index === undefined) throw new TypeError("no null branch");
          return writeVarint(buf, pos, index);
        }
        const keys = Object.keys(value);
        const index = keys.length === 1 ? indexOf.get(keys[0]!) : undefined;
        if (index === undefined) throw new TypeError("no branch for the value");
        return branches[index]!(buf, writeVarint(buf, pos, index), value[keys[0]!]);
      };
    });
  }
}

/** avsc's bucket of a value (getValueBucket in avsc's types.js). */
function valueBucket(value: unknown): string {
  if (value === null) return "null";
  const bucket = typeof value;
  if (bucket === "object") {
    if (Array.isArray(value)) return "array";
    if (Buffer.isBuffer(value)) return "buffer";
  }
  return bucket;
}

/** A type this writer leaves to avsc: written by its `encode` at `pos`. */
function avscWriter(type: avro.Type): Write {
  return (buf, pos, value) => {
    const at = Math.min(pos, buf.length);
    const end = type.encode(value, buf, at);
    // When `pos` was past the end already, only the size matters from here on.
    return (end >= 0 ? end : buf.length - end) + (pos - at);
  };
}

// ---------------------------------------------------------------------------------------------
// Primitive writers. Single bytes written past the end of the buffer are dropped by the typed array; every write of
// several bytes at once checks the end first.

function writeNull(_buf: Buffer, pos: number, value: unknown): number {
  if (value !== null) throw new TypeError("not null");
  return pos;
}

function writeBoolean(buf: Buffer, pos: number, value: unknown): number {
  if (typeof value !== "boolean") throw new TypeError("not a boolean");
  buf[pos] = value ? 1 : 0;
  return pos + 1;
}

function writeInt(buf: Buffer, pos: number, value: any): number {
  if (value !== (value | 0)) throw new TypeError("not an int");
  return writeVarint(buf, pos, value);
}

const TWO_52 = 2 ** 52;

/** kefgen's exact long (runtime/avro-codec.ts SafeLongType): any safe integer, BigInt arithmetic beyond ±2^52. */
function writeLong(buf: Buffer, pos: number, value: unknown): number {
  if (!Number.isSafeInteger(value)) throw new TypeError("not a safe integer");
  const n = value as number;
  return n > -TWO_52 && n < TWO_52 ? writeVarint(buf, pos, n) : writeBigVarint(buf, pos, BigInt(n));
}

/** The zig-zag varint of an integer within ±2^52 (avsc's writeLong, with the same bytes). */
function writeVarint(buf: Buffer, pos: number, n: number): number {
  if (n >= -1073741824 && n < 1073741824) {
    let m = n >= 0 ? n << 1 : (~n << 1) | 1;
    while (m > 0x7f) {
      buf[pos++] = (m & 0x7f) | 0x80;
      m >>>= 7;
    }
    buf[pos] = m;
    return pos + 1;
  }
  let f = n >= 0 ? n * 2 : -n * 2 - 1;
  while (f >= 0x80) {
    buf[pos++] = (f % 0x80) | 0x80;
    f = Math.floor(f / 0x80);
  }
  buf[pos] = f;
  return pos + 1;
}

function writeBigVarint(buf: Buffer, pos: number, n: bigint): number {
  let z = n >= 0n ? n << 1n : (-n << 1n) - 1n;
  do {
    let byte = Number(z & 0x7fn);
    z >>= 7n;
    if (z > 0n) byte |= 0x80;
    buf[pos++] = byte;
  } while (z > 0n);
  return pos;
}

const float32 = new Float32Array(1);
const float32Bytes = new Uint8Array(float32.buffer);
const float64 = new Float64Array(1);
const float64Bytes = new Uint8Array(float64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function writeFloat(buf: Buffer, pos: number, value: unknown): number {
  if (typeof value !== "number") throw new TypeError("not a number");
  if (littleEndian) {
    float32[0] = value;
    buf[pos] = float32Bytes[0]!;
    buf[pos + 1] = float32Bytes[1]!;
    buf[pos + 2] = float32Bytes[2]!;
    buf[pos + 3] = float32Bytes[3]!;
  } else if (pos + 4 <= buf.length) {
    buf.writeFloatLE(value, pos);
  }
  return pos + 4;
}

function writeDouble(buf: Buffer, pos: number, value: unknown): number {
  if (typeof value !== "number") throw new TypeError("not a number");
  if (littleEndian) {
    float64[0] = value;
    buf[pos] = float64Bytes[0]!;
    buf[pos + 1] = float64Bytes[1]!;
    buf[pos + 2] = float64Bytes[2]!;
    buf[pos + 3] = float64Bytes[3]!;
    buf[pos + 4] = float64Bytes[4]!;
    buf[pos + 5] = float64Bytes[5]!;
    buf[pos + 6] = float64Bytes[6]!;
    buf[pos + 7] = float64Bytes[7]!;
  } else if (pos + 8 <= buf.length) {
    buf.writeDoubleLE(value, pos);
  }
  return pos + 8;
}

function writeStringValue(buf: Buffer, pos: number, value: unknown): number {
  if (typeof value !== "string") throw new TypeError("not a string");
  return writeString(buf, pos, value);
}

/** The longest string (in UTF-16 units) whose ASCII form has a one-byte length varint (zig-zag 2n < 128). */
const SHORT_STRING = 63;

function writeString(buf: Buffer, pos: number, s: string): number {
  const n = s.length;
  if (n <= SHORT_STRING) {
    // ASCII fast path: the varint is one byte; a non-ASCII unit ends it (what it wrote is overwritten below).
    const start = pos + 1;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      buf[start + i] = c;
    }
    if (i === n) {
      buf[pos] = n << 1;
      return start + n;
    }
  }
  return writeLongString(buf, pos, s);
}

/** A string that is not short ASCII: UTF-8 by Node, after its length varint. */
function writeLongString(buf: Buffer, pos: number, s: string): number {
  // At most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units; a lone surrogate: U+FFFD, 3 bytes).
  const most = s.length * 3;
  const reserved = varintSize(most);
  if (pos + reserved + most <= buf.length) {
    const length = utf8Write(buf, s, pos + reserved, most);
    const needed = varintSize(length);
    if (needed < reserved) buf.copyWithin(pos + needed, pos + reserved, pos + reserved + length);
    return writeVarint(buf, pos, length) + length;
  }
  // Near or past the end of the buffer: the exact size first.
  const length = Buffer.byteLength(s, "utf8");
  pos = writeVarint(buf, pos, length);
  if (pos + length <= buf.length) utf8Write(buf, s, pos, length);
  return pos + length;
}

/**
 * Node's `Buffer#utf8Write` (present since Node 0.x, untyped in @types/node): `write` without its argument checks,
 * which cost more than the writing itself for short strings. Returns the bytes written.
 */
const utf8Write: (buf: Buffer, s: string, pos: number, max: number) => number =
  typeof (Buffer.prototype as { utf8Write?: unknown }).utf8Write === "function"
    ? (buf, s, pos, max) =>
        (buf as unknown as { utf8Write(s: string, pos: number, max: number): number }).utf8Write(s, pos, max)
    : (buf, s, pos, max) => buf.write(s, pos, max, "utf8");

/** Bytes of the zig-zag varint of a non-negative length. */
function varintSize(length: number): number {
  let z = length * 2;
  let size = 1;
  while (z >= 0x80) {
    z = Math.floor(z / 0x80);
    size++;
  }
  return size;
}

function writeBytes(buf: Buffer, pos: number, value: unknown): number {
  if (!Buffer.isBuffer(value)) throw new TypeError("not a Buffer");
  return writeRaw(buf, writeVarint(buf, pos, value.length), value);
}

/** Bytes as they are (a fixed, a default's encoding). */
function writeRaw(buf: Buffer, pos: number, bytes: Buffer): number {
  if (pos + bytes.length <= buf.length) buf.set(bytes, pos);
  return pos + bytes.length;
}

function enumWriter(symbols: readonly string[]): Write {
  const indexOf = new Map(symbols.map((symbol, i) => [symbol, i]));
  return (buf, pos, value) => {
    const index = indexOf.get(value);
    if (index === undefined) throw new TypeError("not a symbol");
    return writeVarint(buf, pos, index);
  };
}

function fixedWriter(size: number): Write {
  return (buf, pos, value) => {
    if (!Buffer.isBuffer(value) || value.length !== size) throw new TypeError("not a fixed");
    return writeRaw(buf, pos, value);
  };
}
