// avroCodec: the Codec that generated code builds once per Avro message type.

import avro from "avsc";
import type { Codec } from "./types.js";
import { DecodeError } from "./errors.js";

/** Options of {@link avroCodec}: passed to avsc's `Type.forSchema` (e.g. `logicalTypes`, `registry`). */
export type AvroCodecOptions = NonNullable<Parameters<typeof avro.Type.forSchema>[1]>;

/**
 * A {@link Codec} for one Avro schema. The avsc type is compiled once here (avsc compiles readers with
 * `new Function`, so building it per record would be slow) and reused for every record.
 *
 * `decode` reads exactly one datum with `Type.fromBuffer` (trailing bytes are an error) and throws a
 * {@link DecodeError} without position; the runtime adds topic/partition/offset.
 */
export function avroCodec<T>(schema: object, options?: AvroCodecOptions): Codec<T> {
  const type = avro.Type.forSchema(schema as Parameters<typeof avro.Type.forSchema>[0], options);
  return {
    decode(value: Buffer): T {
      try {
        return type.fromBuffer(value) as T;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new DecodeError(`invalid ${describe(type)} payload: ${reason}`, { cause: error });
      }
    },
    encode(value: T): Buffer {
      return type.toBuffer(value);
    },
  };
}

function describe(type: avro.Type): string {
  return type.name ?? `Avro ${type.typeName}`;
}
