// Avro's single-object encoding: bytes C3 01, then the writer schema's CRC-64-AVRO fingerprint (8 bytes,
// little-endian) of its Parsing Canonical Form, then the Avro binary written with that writer schema — what Java
// Avro's `BinaryMessageEncoder` writes. There is no registry: the writer schemas a reader accepts are declared in
// the .kef (`message Order from "order.avsc" writers ["order.v1.avsc"]`), and the reader's own schema is always
// one of them. A record whose fingerprint is none of them is a decode error naming the fingerprint and the writers.
//
// Writer types are built by `avroType`, with the same hooks as the reader (exact longs, logical types, "__proto__"
// map keys), and each writer's resolver is built once, the first time a record of that writer is read.

import avro from "avsc";
import { avroType, type AvroCodec } from "./avro-codec.js";
import { readerOf, type WriterResolver } from "./writer-resolver.js";
import type { ValueFormat } from "./confluent-format.js";
import { DecodeError } from "./errors.js";
import type { Codec } from "./types.js";

// ---------------------------------------------------------------------------------------------
// Parsing Canonical Form (Avro specification, "Parsing Canonical Form for Schemas")

const PRIMITIVES = new Set(["null", "boolean", "int", "long", "float", "double", "bytes", "string"]);

function fullName(name: string, namespace: string | undefined): string {
  return name.includes(".") || !namespace ? name : `${namespace}.${name}`;
}

/**
 * The Parsing Canonical Form of a schema (JSON text): primitives in simple form, full names, only the attributes
 * that matter for parsing (`name`, `type`, `fields`, `symbols`, `items`, `values`, `size`) in that order, no
 * whitespace, and each named type written out at its first use only.
 */
export function parsingCanonicalForm(schema: unknown): string {
  const seen = new Set<string>();
  const form = (s: unknown, namespace: string | undefined): string => {
    if (typeof s === "string") {
      if (PRIMITIVES.has(s)) return JSON.stringify(s);
      return JSON.stringify(fullName(s, namespace));
    }
    if (Array.isArray(s)) return `[${s.map((b) => form(b, namespace)).join(",")}]`;
    if (s === null || typeof s !== "object") throw new TypeError(`not an Avro schema: ${JSON.stringify(s)}`);
    const o = s as Record<string, unknown>;
    const type = o["type"];
    if (typeof type !== "string") return form(type, namespace);
    if (PRIMITIVES.has(type)) return JSON.stringify(type);
    if (type === "array") return `{"type":"array","items":${form(o["items"], namespace)}}`;
    if (type === "map") return `{"type":"map","values":${form(o["values"], namespace)}}`;
    if (type === "record" || type === "error" || type === "enum" || type === "fixed") {
      // An explicit namespace wins over the enclosing one; "" is the null namespace.
      const name = fullName(
        String(o["name"]),
        typeof o["namespace"] === "string" ? o["namespace"] || undefined : namespace,
      );
      if (seen.has(name)) return JSON.stringify(name);
      seen.add(name);
      const inner = name.includes(".") ? name.slice(0, name.lastIndexOf(".")) : undefined;
      const head = `{"name":${JSON.stringify(name)},"type":${JSON.stringify(type === "error" ? "record" : type)}`;
      if (type === "enum") return `${head},"symbols":${JSON.stringify(o["symbols"])}}`;
      if (type === "fixed") return `${head},"size":${String(Number(o["size"]))}}`;
      const fields = (o["fields"] as Record<string, unknown>[]).map(
        (f) => `{"name":${JSON.stringify(f["name"])},"type":${form(f["type"], inner)}}`,
      );
      return `${head},"fields":[${fields.join(",")}]}`;
    }
    // A named type referenced as {"type": "com.acme.Order"}.
    return form(type, namespace);
  };
  return form(schema, undefined);
}

// ---------------------------------------------------------------------------------------------
// CRC-64-AVRO (Avro specification, "Schema Fingerprints")

const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;
const TABLE: readonly bigint[] = Array.from({ length: 256 }, (_, i) => {
  let fp = BigInt(i);
  for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & (MASK * (fp & 1n)));
  return fp;
});

/** The CRC-64-AVRO fingerprint of `bytes`, as an unsigned 64-bit integer. */
export function crc64Avro(bytes: Uint8Array): bigint {
  let fp = EMPTY;
  for (const b of bytes) fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(b)) & 0xffn)]!;
  return fp;
}

/** The CRC-64-AVRO fingerprint of a schema's Parsing Canonical Form (what Java's `parsingFingerprint64` returns, unsigned). */
export function schemaFingerprint(schema: unknown): bigint {
  return crc64Avro(Buffer.from(parsingCanonicalForm(schema), "utf8"));
}

function hex(fp: bigint): string {
  return fp.toString(16).padStart(16, "0");
}

// ---------------------------------------------------------------------------------------------
// The format

/** A writer schema a single-object topic accepts. */
export interface SingleObjectWriter {
  /** How the writer is named in messages, e.g. its schema file `order.v1.avsc`. */
  readonly name: string;
  /** The writer's self-contained Avro schema. */
  readonly schema: unknown;
}

/** Options of {@link singleObjectFormat}. */
export interface SingleObjectFormatOptions {
  /** The topic (for messages). */
  readonly topic: string;
  /** Writer schemas besides the reader's own (which is always accepted). */
  readonly writers?: readonly SingleObjectWriter[];
}

type WriterReading = { readonly resolver: WriterResolver | undefined } | { readonly error: DecodeError };

const HEADER_BYTES = 10;

/**
 * A {@link ValueFormat} for Avro single-object encoded values, read as `codec`'s type (the generated type of the
 * topic). Build one per topic binding (generated wiring does).
 */
export function singleObjectFormat<T>(codec: Codec<T>, options: SingleObjectFormatOptions): ValueFormat<T> {
  const maybe = (codec as Partial<AvroCodec<T>>).type;
  if (maybe === undefined || !avro.Type.isType(maybe))
    throw new TypeError(`singleObjectFormat of topic "${options.topic}" needs a codec made by avroCodec`);
  const reader: avro.Type = maybe;
  const readerSchema = reader.schema({ exportAttrs: true });
  const readerName = reader.name ?? `Avro ${reader.typeName}`;
  // Fingerprint → the writer's name and schema; the reader's own first, so that it wins over an identical writer.
  const writers = new Map<bigint, SingleObjectWriter>();
  for (const w of [{ name: `the reader schema ${readerName}`, schema: readerSchema }, ...(options.writers ?? [])]) {
    const fp = schemaFingerprint(w.schema);
    if (!writers.has(fp)) writers.set(fp, w);
  }
  const known = [...writers].map(([fp, w]) => `${w.name} (${hex(fp)})`).join(", ");
  const readings = new Map<bigint, WriterReading>();

  const learn = (fp: bigint): WriterReading => {
    const w = writers.get(fp);
    if (!w) {
      return {
        error: new DecodeError(
          `the writer schema fingerprint ${hex(fp)} of this single-object value is none of the known writers of ${readerName} on topic "${options.topic}": ${known}`,
        ),
      };
    }
    if (w.schema === readerSchema) return { resolver: undefined };
    try {
      return { resolver: readerOf(reader, avroType(w.schema)) };
    } catch (error) {
      return {
        error: new DecodeError(
          `the writer schema ${w.name} cannot be read as the reader schema ${readerName}: ${(error as Error).message}`,
          { cause: error },
        ),
      };
    }
  };

  return {
    kind: "singleObject",
    decode(value) {
      if (value.length < HEADER_BYTES)
        throw new DecodeError(`a single-object value needs at least ${HEADER_BYTES} bytes, got ${value.length}`);
      if (value[0] !== 0xc3 || value[1] !== 0x01) {
        throw new DecodeError(
          `not a single-object value: it starts with ${value.subarray(0, 2).toString("hex")}, not c301`,
        );
      }
      const fp = value.readBigUInt64LE(2);
      let reading = readings.get(fp);
      if (!reading) {
        reading = learn(fp);
        // Unknown fingerprints are not kept: a hostile topic could otherwise grow the map without bound.
        if (writers.has(fp)) readings.set(fp, reading);
      }
      if ("error" in reading) throw reading.error;
      let result: { value: unknown; offset: number };
      try {
        result = reading.resolver
          ? reader.decode(value, HEADER_BYTES, reading.resolver)
          : reader.decode(value, HEADER_BYTES);
      } catch (error) {
        throw new DecodeError(
          `invalid ${readerName} single-object payload (writer ${writers.get(fp)!.name}): ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
      if (result.offset < 0)
        throw new DecodeError(
          `invalid ${readerName} single-object payload (writer ${writers.get(fp)!.name}): truncated`,
        );
      if (result.offset !== value.length)
        throw new DecodeError(
          `invalid ${readerName} single-object payload (writer ${writers.get(fp)!.name}): ${value.length - result.offset} trailing bytes`,
        );
      return result.value as T;
    },
  };
}

/** Encodes `value` as a single-object value of `codec`'s schema (C3 01, fingerprint, Avro binary); for tests and tools. */
export function encodeSingleObject<T>(codec: Codec<T>, value: T): Buffer {
  const type = (codec as Partial<AvroCodec<T>>).type;
  if (type === undefined || !avro.Type.isType(type))
    throw new TypeError("encodeSingleObject needs a codec made by avroCodec");
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = 0xc3;
  header[1] = 0x01;
  header.writeBigUInt64LE(schemaFingerprint(type.schema({ exportAttrs: true })), 2);
  return Buffer.concat([header, codec.encode(value)]);
}
