// The source of the compiled Avro writers (runtime/avro-writer.ts): one straight-line JavaScript function per type,
// built with `new Function` from the avsc type (so from runtime/avro-representation.ts's value representation, which
// avroType follows). Inside it the position is a local, and records, arrays, maps and unions are written inline
// with no call per field: an int or a short ASCII string is a few typed-array stores, a double eight. What is rare
// or long is a call (runtime/avro-write-primitives.ts): non-ASCII or long strings, longs beyond ±2^30, bytes, fixed,
// defaults. A record is called rather than inlined when it refers to itself (a recursive type) or when the function
// has grown past INLINE_FIELDS fields (V8 stops optimising very large functions).
//
//   function write(b, p, v) {            // a record { id: string, n: int }
//     let m = 0, f = 0, n = 0, i = 0, c = 0, q = 0;
//     const x1 = v["id"];
//     if (typeof x1 !== "string") throw MISFIT;
//     n = x1.length; ...                  // the ASCII loop, else writeString
//     const x2 = v["n"];
//     if (x2 !== (x2 | 0)) throw MISFIT;
//     m = ((x2 << 1) ^ (x2 >> 31)) >>> 0; while (m > 127) { ... } b[p++] = m;
//     return p;
//   }
//
// Names from the schema (field names, enum symbols, union branch names) reach the text only through
// JSON.stringify; every other value the function uses (avsc's writer of a type left to avsc, a default's bytes, a
// big enum's index) is passed in as an argument.

import type avro from "avsc";
import { SHORT_STRING, littleEndian, writeHelpers } from "./avro-write-primitives.js";

/**
 * Writes a value at `pos` and returns the position after it. Past the end of `buf` nothing more is written but the
 * position still advances, so that the caller learns the size needed. Throws when the value does not fit.
 */
export type Write = (buf: Buffer, pos: number, value: any) => number;

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

/** What the compiler asks of its caller. */
export interface WriteCompilerOptions {
  /** Whether a type whose typeName is "long" writes every safe integer exactly (else avsc writes it). */
  readonly exactLong: (type: avro.Type) => boolean;
  /** The writer of a type left to avsc (logical types, bigint longs, unions with such branches). */
  readonly avscWrite: (type: avro.Type) => Write;
}

/** Record fields inlined into one function at most; past them, records are called. */
const INLINE_FIELDS = 400;

/** Compiles the writer of each type once; writers of recursive types call themselves through it. */
export class WriteCompiler {
  private readonly compiled = new Map<avro.Type, Write>();

  constructor(readonly options: WriteCompilerOptions) {}

  /** The writer of `type`, compiled on first use. */
  of(type: avro.Type): Write {
    const known = this.compiled.get(type);
    if (known) return known;
    let write: Write | undefined;
    // Until it is compiled, a recursive reference reaches the writer through this stub.
    this.compiled.set(type, (buf, pos, value) => write!(buf, pos, value));
    write = new FunctionSource(this, type).compile();
    this.compiled.set(type, write);
    return write;
  }
}

/** The helpers every compiled function gets, by the names its text uses. */
const helpers: Readonly<Record<string, unknown>> = {
  ...writeHelpers,
  isArray: Array.isArray,
  isBuffer: Buffer.isBuffer,
  keysOf: Object.keys,
  F32: new Float32Array(1),
  F64: new Float64Array(1),
};
const F32B = new Uint8Array((helpers["F32"] as Float32Array).buffer);
const F64B = new Uint8Array((helpers["F64"] as Float64Array).buffer);

/** How to test that a value is in one of avsc's value buckets (getValueBucket in avsc's types.js). */
const bucketTests: Readonly<Record<string, (x: string) => string>> = {
  null: (x) => `${x} === null`,
  boolean: (x) => `typeof ${x} === "boolean"`,
  number: (x) => `typeof ${x} === "number"`,
  string: (x) => `typeof ${x} === "string"`,
  bigint: (x) => `typeof ${x} === "bigint"`,
  buffer: (x) => `isBuffer(${x})`,
  array: (x) => `isArray(${x})`,
  object: (x) => `typeof ${x} === "object" && ${x} !== null && !isArray(${x}) && !isBuffer(${x})`,
};

/** The text of one type's writer function, and the values it is given. */
class FunctionSource {
  private readonly externals = new Map<unknown, string>();
  private readonly inlining = new Set<avro.Type>();
  private locals = 0;
  private fields = 0;

  constructor(
    private readonly compiler: WriteCompiler,
    private readonly root: avro.Type,
  ) {}

  compile(): Write {
    const body = this.write(this.root, "v", "  ");
    const names = [...Object.keys(helpers), "F32B", "F64B", ...this.externals.values()];
    const values = [...Object.values(helpers), F32B, F64B, ...this.externals.keys()];
    const source = `"use strict";\nreturn function write(b, p, v) {\n  let m = 0, f = 0, n = 0, i = 0, c = 0, q = 0;\n${body}  return p;\n};`;
    return new Function(...names, source)(...values) as Write;
  }

  /** The name the function text uses for `value` (an argument of the function's factory). */
  private external(value: unknown): string {
    let name = this.externals.get(value);
    if (!name) this.externals.set(value, (name = `e${this.externals.size + 1}`));
    return name;
  }

  private local(prefix: string): string {
    return `${prefix}${++this.locals}`;
  }

  /** Statements that write the value held by the identifier `x` at `p`. */
  private write(type: avro.Type, x: string, at: string): string {
    const t = type as unknown as AvscInternals;
    switch (t.typeName) {
      case "null":
        return `${at}if (${x} !== null) throw MISFIT;\n`;
      case "boolean":
        return `${at}if (${x} === true) b[p++] = 1;\n${at}else if (${x} === false) b[p++] = 0;\n${at}else throw MISFIT;\n`;
      case "int":
        return `${at}if (${x} !== (${x} | 0)) throw MISFIT;\n${smallVarint(x, at)}`;
      case "long":
        return this.compiler.options.exactLong(type)
          ? exactLong(x, at)
          : this.call(this.compiler.options.avscWrite(type), x, at);
      case "float":
        return littleEndian
          ? `${at}if (typeof ${x} !== "number") throw MISFIT;\n${at}F32[0] = ${x};\n${copyBytes("F32B", 4, at)}`
          : `${at}if (typeof ${x} !== "number") throw MISFIT;\n${at}p = writeFloatLE(b, p, ${x});\n`;
      case "double":
        return littleEndian
          ? `${at}if (typeof ${x} !== "number") throw MISFIT;\n${at}F64[0] = ${x};\n${copyBytes("F64B", 8, at)}`
          : `${at}if (typeof ${x} !== "number") throw MISFIT;\n${at}p = writeDoubleLE(b, p, ${x});\n`;
      case "string":
        return `${at}if (typeof ${x} !== "string") throw MISFIT;\n${asciiString(x, at)}`;
      case "bytes":
        return `${at}p = writeBytes(b, p, ${x});\n`;
      case "fixed":
        return `${at}p = writeFixed(b, p, ${x}, ${t.size!});\n`;
      case "enum":
        return this.enumWrite(t.symbols!, x, at);
      case "array":
        return this.arrayWrite(t.itemsType!, x, at);
      case "map":
        return this.mapWrite(t.valuesType!, x, at);
      case "record":
      case "error":
        return this.recordWrite(type, t.fields!, x, at);
      case "union:unwrapped":
        return t._dynamicBranches
          ? this.call(this.compiler.options.avscWrite(type), x, at)
          : this.unwrappedUnionWrite(t.types!, t._bucketIndices!, x, at);
      case "union:wrapped":
        return this.wrappedUnionWrite(t.types!, t._branchIndices!, x, at);
      default:
        // Logical types, bigint longs and anything unforeseen.
        return this.call(this.compiler.options.avscWrite(type), x, at);
    }
  }

  private call(write: Write, x: string, at: string): string {
    return `${at}p = ${this.external(write)}(b, p, ${x});\n`;
  }

  private enumWrite(symbols: readonly string[], x: string, at: string): string {
    const index =
      symbols.length <= 16
        ? `${symbols.map((s, k) => `${x} === ${JSON.stringify(s)} ? ${k} : `).join("")}-1`
        : `${this.external(new Map(symbols.map((s, k) => [s, k])))}.get(${x}) ?? -1`;
    const varint = symbols.length <= 64 ? `${at}b[p++] = n << 1;\n` : `${at}p = writeVarint(b, p, n);\n`;
    return `${at}n = ${index};\n${at}if (n < 0) throw MISFIT;\n${varint}`;
  }

  private arrayWrite(items: avro.Type, x: string, at: string): string {
    const count = this.local("n");
    const index = this.local("i");
    const item = this.local("x");
    return (
      `${at}if (!isArray(${x})) throw MISFIT;\n` +
      `${at}const ${count} = ${x}.length;\n` +
      `${at}if (${count} > 0) {\n` +
      blockCount(count, `${at}  `) +
      `${at}  for (let ${index} = 0; ${index} < ${count}; ${index}++) {\n` +
      `${at}    const ${item} = ${x}[${index}];\n` +
      this.write(items, item, `${at}    `) +
      `${at}  }\n` +
      `${at}}\n` +
      `${at}b[p++] = 0;\n`
    );
  }

  private mapWrite(values: avro.Type, x: string, at: string): string {
    const keys = this.local("k");
    const count = this.local("n");
    const index = this.local("i");
    const key = this.local("y");
    const value = this.local("x");
    return (
      `${at}if (${x} === null || typeof ${x} !== "object" || isArray(${x})) throw MISFIT;\n` +
      `${at}const ${keys} = keysOf(${x});\n` +
      `${at}const ${count} = ${keys}.length;\n` +
      `${at}if (${count} > 0) {\n` +
      blockCount(count, `${at}  `) +
      `${at}  for (let ${index} = 0; ${index} < ${count}; ${index}++) {\n` +
      `${at}    const ${key} = ${keys}[${index}];\n` +
      asciiString(key, `${at}    `) +
      `${at}    const ${value} = ${x}[${key}];\n` +
      this.write(values, value, `${at}    `) +
      `${at}  }\n` +
      `${at}}\n` +
      `${at}b[p++] = 0;\n`
    );
  }

  /**
   * The fields in order; a field with a default that is undefined in the value gets the default's bytes (computed
   * once, by avsc). A record that is already being written further out (a recursive type), or one past the inlining
   * budget, is a call to its own function.
   */
  private recordWrite(
    type: avro.Type,
    fields: readonly (avro.types.Field & { defaultValue(): unknown })[],
    x: string,
    at: string,
  ): string {
    if (this.inlining.has(type) || (type !== this.root && this.fields + fields.length > INLINE_FIELDS))
      return this.call(this.compiler.of(type), x, at);
    this.inlining.add(type);
    this.fields += fields.length;
    let text = "";
    for (const field of fields) {
      const value = this.local("x");
      text += `${at}const ${value} = ${x}[${JSON.stringify(field.name)}];\n`;
      const defaultValue = field.defaultValue();
      if (defaultValue === undefined) {
        text += this.write(field.type, value, at);
      } else {
        const bytes = this.external(field.type.toBuffer(defaultValue));
        text += `${at}if (${value} === undefined) p = writeRaw(b, p, ${bytes});\n${at}else {\n${this.write(field.type, value, `${at}  `)}${at}}\n`;
      }
    }
    this.inlining.delete(type);
    return text;
  }

  /** A union of bare values: the value's bucket chooses the branch, as avsc's UnwrappedUnionType. */
  private unwrappedUnionWrite(
    types: readonly avro.Type[],
    bucketIndices: Readonly<Record<string, number>>,
    x: string,
    at: string,
  ): string {
    let text = "";
    for (const [bucket, index] of Object.entries(bucketIndices)) {
      const test = bucketTests[bucket];
      if (!test) continue; // a bucket no value is in (avsc writes such values, see the writer's fallback)
      const branch = bucket === "null" ? "" : this.write(types[index]!, x, `${at}  `);
      text += `${at}${text ? "else " : ""}if (${test(x)}) {\n${constantVarint(index, `${at}  `)}${branch}${at}}\n`;
    }
    return `${text}${at}${text ? "else " : ""}throw MISFIT;\n`;
  }

  /** A union of wrapped values ({ "<branch name>": value }), as avsc's WrappedUnionType. */
  private wrappedUnionWrite(
    types: readonly avro.Type[],
    branchIndices: Readonly<Record<string, number>>,
    x: string,
    at: string,
  ): string {
    const nullIndex = branchIndices["null"];
    const keys = this.local("k");
    const value = this.local("x");
    let cases = "";
    for (const [name, index] of Object.entries(branchIndices)) {
      cases +=
        `${at}    case ${JSON.stringify(name)}: {\n` +
        constantVarint(index, `${at}      `) +
        this.write(types[index]!, value, `${at}      `) +
        `${at}      break;\n${at}    }\n`;
    }
    return (
      `${at}if (${x} === null) {\n` +
      (nullIndex === undefined ? `${at}  throw MISFIT;\n` : constantVarint(nullIndex, `${at}  `)) +
      `${at}} else {\n` +
      `${at}  const ${keys} = keysOf(${x});\n` +
      `${at}  if (${keys}.length !== 1) throw MISFIT;\n` +
      `${at}  const ${value} = ${x}[${keys}[0]];\n` +
      `${at}  switch (${keys}[0]) {\n` +
      cases +
      `${at}    default:\n${at}      throw MISFIT;\n` +
      `${at}  }\n` +
      `${at}}\n`
    );
  }
}

/** The zig-zag varint of the int32 `x` (checked before). */
function smallVarint(x: string, at: string): string {
  return (
    `${at}m = ((${x} << 1) ^ (${x} >> 31)) >>> 0;\n` +
    `${at}while (m > 127) {\n${at}  b[p++] = (m & 127) | 128;\n${at}  m >>>= 7;\n${at}}\n` +
    `${at}b[p++] = m;\n`
  );
}

/**
 * kefgen's exact long (runtime/avro-codec.ts SafeLongType): int arithmetic within ±2^30, float arithmetic within
 * ±2^52 (avsc's, exact there), writeLong's BigInt arithmetic beyond.
 */
function exactLong(x: string, at: string): string {
  return (
    `${at}if (typeof ${x} === "number" && ${x} >= -1073741824 && ${x} < 1073741824 && (${x} | 0) === ${x}) {\n` +
    smallVarint(x, `${at}  `) +
    `${at}} else if (${x} > -4503599627370496 && ${x} < 4503599627370496 && Number.isInteger(${x})) {\n` +
    `${at}  f = ${x} >= 0 ? ${x} * 2 : -${x} * 2 - 1;\n` +
    `${at}  while (f >= 128) {\n${at}    b[p++] = (f % 128) | 128;\n${at}    f = Math.floor(f / 128);\n${at}  }\n` +
    `${at}  b[p++] = f;\n` +
    `${at}} else p = writeLong(b, p, ${x});\n`
  );
}

/**
 * A string (checked before): while it is ASCII and under 64 units its length varint is one byte known in advance
 * and a JavaScript loop writes it; else writeString (UTF-8 by Node) writes it over what the loop wrote.
 */
function asciiString(x: string, at: string): string {
  return (
    `${at}n = ${x}.length;\n` +
    `${at}if (n <= ${SHORT_STRING}) {\n` +
    `${at}  q = p + 1;\n` +
    `${at}  for (i = 0; i < n; i++) {\n${at}    c = ${x}.charCodeAt(i);\n${at}    if (c > 127) break;\n${at}    b[q + i] = c;\n${at}  }\n` +
    `${at}  if (i === n) {\n${at}    b[p] = n << 1;\n${at}    p = q + n;\n${at}  } else p = writeString(b, p, ${x});\n` +
    `${at}} else p = writeString(b, p, ${x});\n`
  );
}

/** An array's or map's block count (non-zero). */
function blockCount(count: string, at: string): string {
  return `${at}if (${count} < 64) b[p++] = ${count} << 1;\n${at}else p = writeVarint(b, p, ${count});\n`;
}

/** The bytes of a varint known when compiling (a union's branch index). */
function constantVarint(n: number, at: string): string {
  const bytes: number[] = [];
  let z = n * 2;
  while (z > 127) {
    bytes.push((z & 127) | 128);
    z >>>= 7;
  }
  bytes.push(z);
  return bytes.map((byte) => `${at}b[p++] = ${byte};\n`).join("");
}

/** Eight (or four) bytes of a float's typed array, in order. */
function copyBytes(bytes: string, count: number, at: string): string {
  let text = "";
  for (let k = 0; k < count; k++) text += `${at}b[p${k ? ` + ${k}` : ""}] = ${bytes}[${k}];\n`;
  return `${text}${at}p += ${count};\n`;
}
