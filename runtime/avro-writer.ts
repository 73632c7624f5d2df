// The Avro binary writer, compiled once per avsc type: what avroCodec's `encode` and the producers' encoders
// (runtime/encoders.ts) write with. It writes exactly the bytes avsc's `Type.encode` writes (proven by
// test/runtime/avro-writer.test.ts over values of any schema, and by the Java and fastavro witnesses that decode
// codec.encode's bytes), but faster where avsc spends its time (R10 in bench/RESULTS.md): each type gets one
// straight-line function with the position in a local and no call per field (runtime/avro-writer-source.ts), and a
// string is written without asking its UTF-8 length first (avsc asks `Buffer.byteLength` of every string).
//
// Why compiled at run time rather than generated into codecs.ts (docs/runtime.md, "The Avro writer"): avsc already
// compiles every type's reader and writer with `new Function`, so generating the writer would not make kefgen's
// runtime CSP-safe; compiling here serves every codec alike — generated, built from a registry's schema, or made in
// a test — from the one avsc type that follows runtime/avro-representation.ts, and keeps the generated code short.
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
import { WriteCompiler, type Write } from "./avro-writer-source.js";

/**
 * Writes `value` into `buf` from `pos`. Returns the position after the value; when `buf` is too small, a negative
 * number: minus how many bytes were missing (the same contract as avsc's `Type.encode`). Throws when the value does
 * not fit the schema (avsc's error).
 */
export type AvroWriter = (value: unknown, buf: Buffer, pos: number) => number;

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
  const write = new WriteCompiler({ exactLong: options.exactLong, avscWrite: avscWriter }).of(type);
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

/** The scratch buffer values are written into before being copied out; it grows up to this size. */
const SCRATCH_MAX = 1024 * 1024;
let scratch = Buffer.allocUnsafeSlow(4_096);

/**
 * `value` written by `writer` into a buffer of its own (from Node's pool when small), as avsc's `toBuffer`. A value
 * that did not fit the scratch buffer makes it grow to twice its size (up to 1 MiB), so that values of a steady size
 * stop running the writer past the end, which deoptimises it (runtime/encoders.ts).
 */
export function writeToBuffer(writer: AvroWriter, value: unknown): Buffer {
  let end = writer(value, scratch, 0);
  if (end >= 0) return Buffer.from(scratch.subarray(0, end));
  const size = scratch.length - end;
  if (size * 2 <= SCRATCH_MAX) scratch = Buffer.allocUnsafeSlow(size * 2);
  const buf = size * 2 <= SCRATCH_MAX ? scratch : Buffer.allocUnsafe(size);
  end = writer(value, buf, 0);
  return buf === scratch ? Buffer.from(scratch.subarray(0, end)) : buf.subarray(0, end);
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
