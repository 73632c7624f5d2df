// How producers turn typed values and keys into record bytes: the writing side of runtime/key-format.ts,
// runtime/confluent-format.ts and runtime/single-object-format.ts.
//
//   avroEncoder(codec)                       bare Avro, exactly the codec's schema
//   confluentEncoder(codec, { registry, … }) 0x00, the schema id (big-endian), Avro; the id registered (or looked up) once
//   singleObjectEncoder(codec)               C3 01, the schema's CRC-64-AVRO fingerprint (little-endian), Avro
//   stringKeyEncoder, bytesKeyEncoder        `key string` (UTF-8) and `key bytes` / no key clause (as given)

import avro from "avsc";
import { avroWriter, type AvroCodec } from "./avro-codec.js";
import { subjectName, type SubjectStrategy } from "./confluent-format.js";
import type { SchemaRegistryClient } from "./registry-client.js";
import { schemaFingerprint } from "./single-object-format.js";
import type { Codec } from "./types.js";

/** Turns one value (or key) into the bytes of a record: synchronously, or once a framed schema's id is known. */
export interface Encoder<T> {
  readonly kind: "avro" | "confluent" | "singleObject" | "string" | "bytes";
  encode(value: T): Buffer | Promise<Buffer>;
}

/** A schema is not registered under its subject and the producer may not register it (`autoRegister = false`). */
export class SchemaNotRegisteredError extends Error {
  /** Stable code for logs and alerting. */
  readonly code = "KEF_SCHEMA_NOT_REGISTERED";
  readonly retriable = false;
  constructor(
    message: string,
    readonly subject: string,
  ) {
    super(message);
    this.name = "SchemaNotRegisteredError";
  }
}

function avroTypeOf<T>(codec: Codec<T>, what: string): avro.Type {
  const type = (codec as Partial<AvroCodec<T>>).type;
  if (type === undefined || !avro.Type.isType(type)) throw new TypeError(`${what} needs a codec made by avroCodec`);
  return type;
}

/** The size of the slabs records are written into; a record larger than a slab gets a buffer of its own. */
const SLAB_BYTES = 64 * 1024;

/**
 * Writes `prefix` (a framing header, or none) and the value's Avro encoding straight into a slab, a buffer kept by the
 * encoder and filled record after record, and returns the record's part of it. A slab is never written twice: when
 * the next record does not fit, the encoder starts a new one, and the old one is freed once no record refers to it
 * (as Node's own buffer pool, but without the copy out of a scratch buffer). avsc's `toBuffer` writes into a shared
 * 1 KiB buffer, encodes a larger value a second time, and returns a zero-filled `Buffer.alloc` of its own memory for
 * every record; here a value is encoded once, with the codec's compiled writer (runtime/avro-writer.ts: avsc's bytes,
 * faster). Found profiling R10 (bench/RESULTS.md). A codec that is not avsc-backed is encoded by its own `encode`.
 *
 * A record is not begun where less than twice the largest record so far is left (up to half a slab): the compiled
 * writer learns a buffer is too small by writing past its end, and every store that first runs past the end
 * deoptimises it in V8: at a slab's end, every 64th 1 KB record; 17 deopts in 1.2 million records (`--trace-deopt`).
 */
function avroWriterOfCodec<T>(codec: Codec<T>): (value: T, prefix?: Buffer) => Buffer {
  const type = (codec as Partial<AvroCodec<T>>).type;
  if (type === undefined || !avro.Type.isType(type)) {
    return (value, prefix) => (prefix ? Buffer.concat([prefix, codec.encode(value)]) : codec.encode(value));
  }
  const write = avroWriter(type);
  let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  let used = 0;
  // Twice the largest record yet: the room a record is given before the slab is given up for a new one.
  let headroom = 0;
  return (value, prefix) => {
    if (slab.length - used < headroom) {
      slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      used = 0;
    }
    const start = used;
    const at = start + (prefix?.length ?? 0);
    let end = write(value, slab, at);
    if (end >= 0) {
      prefix?.copy(slab, start);
      used = end;
      if (2 * (end - start) > headroom) headroom = Math.min(2 * (end - start), SLAB_BYTES / 2);
      return slab.subarray(start, end);
    }
    // The writer answers how many bytes were missing: a new slab, or a buffer of the record's own when it is large.
    const size = at - start + (slab.length - end - at);
    const own = size > SLAB_BYTES / 4;
    const buffer = Buffer.allocUnsafeSlow(own ? size : SLAB_BYTES);
    if (!own) {
      slab = buffer;
      used = 0;
    }
    end = write(value, buffer, at - start);
    if (end < 0) throw new Error("internal: the Avro writer asked for more room than it said");
    prefix?.copy(buffer, 0);
    if (!own) used = end;
    return buffer.subarray(0, end);
  };
}

/** Bare Avro: the codec's own encoding. */
export function avroEncoder<T>(codec: Codec<T>): Encoder<T> {
  const write = avroWriterOfCodec(codec);
  return { kind: "avro", encode: (value) => write(value) };
}

/** Options of {@link confluentEncoder}. */
export interface ConfluentEncoderOptions {
  readonly registry: SchemaRegistryClient;
  readonly topic: string;
  /** Default `topic`: `<topic>-value` (`<topic>-key` for keys). */
  readonly subjects?: SubjectStrategy;
  readonly part?: "value" | "key";
  /** true (default): register the schema on first use; false: only look it up, failing sends while it is not registered. */
  readonly autoRegister?: boolean;
}

/**
 * Confluent framing. The schema's id is asked once (one request shared by concurrent sends, see
 * {@link SchemaRegistryClient.register}); until it is known each send waits for it. A failed request is not kept:
 * the next send asks again.
 */
export function confluentEncoder<T>(codec: Codec<T>, options: ConfluentEncoderOptions): Encoder<T> {
  const type = avroTypeOf(codec, `confluentEncoder of topic "${options.topic}"`);
  const schema = JSON.stringify(type.schema({ exportAttrs: true }));
  const subject = subjectName(options.subjects ?? "topic", options.topic, type.name, options.part ?? "value");
  const autoRegister = options.autoRegister ?? true;
  let header: Buffer | undefined;
  const write = avroWriterOfCodec(codec);
  const frame = (h: Buffer, value: T): Buffer => write(value, h);
  const learn = async (): Promise<Buffer> => {
    const id = autoRegister
      ? await options.registry.register(subject, schema)
      : await options.registry.lookup(subject, schema);
    if (id === undefined) {
      throw new SchemaNotRegisteredError(
        `the schema of ${type.name ?? "the value"} is not registered under subject "${subject}" in registry "${options.registry.name}" (${options.registry.shownUrl}), and autoRegister = false: register it first`,
        subject,
      );
    }
    const h = Buffer.alloc(5);
    h.writeUInt32BE(id, 1);
    return (header = h);
  };
  return {
    kind: "confluent",
    encode(value) {
      if (header) return frame(header, value);
      // Encode first, so that a value that does not fit the schema fails before any registry request.
      const body = codec.encode(value);
      return learn().then((h) => Buffer.concat([h, body]));
    },
  };
}

/** Avro single-object encoding of the codec's own schema (the header is computed once). */
export function singleObjectEncoder<T>(codec: Codec<T>): Encoder<T> {
  const type = avroTypeOf(codec, "singleObjectEncoder");
  const header = Buffer.alloc(10);
  header[0] = 0xc3;
  header[1] = 0x01;
  header.writeBigUInt64LE(schemaFingerprint(type.schema({ exportAttrs: true })), 2);
  const write = avroWriterOfCodec(codec);
  return { kind: "singleObject", encode: (value) => write(value, header) };
}

/** `key string`: UTF-8 bytes (Kafka's `StringSerializer`). */
export const stringKeyEncoder: Encoder<string> = { kind: "string", encode: (key) => Buffer.from(key, "utf8") };

/** `key bytes`, or no key clause: the bytes as given (a string as UTF-8). */
export const bytesKeyEncoder: Encoder<Buffer | string> = {
  kind: "bytes",
  encode: (key) => (typeof key === "string" ? Buffer.from(key, "utf8") : key),
};
