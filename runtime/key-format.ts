// Record keys: how the key declared in the .kef (`key string`, `key bytes`, `key none`, `key SomeMessage`) is read
// from the record's key bytes. A record without a key gets `null` whatever the declared type; a key that cannot be
// read is a decode error of the record (poison, like a value that cannot be read).
//
// Message keys are framed like the topic's values: bare Avro through {@link avroKey}, Confluent-framed through
// `confluentFormat(codec, { ..., part: "key" })`, whose writer schemas come from the registry like a value's.

import type { Codec } from "./types.js";
import { DecodeError } from "./errors.js";
import type { PendingDecode } from "./confluent-format.js";

/** How a topic's record keys are read. */
export interface KeyFormat<K> {
  /** `string` (UTF-8), `bytes` (as is), `none` (not read), `avro` (bare Avro), `confluent` (framed Avro). */
  readonly kind: "string" | "bytes" | "none" | "avro" | "confluent";
  /**
   * Reads one present key: synchronously, or a {@link PendingDecode} while a framed key's writer schema is fetched.
   * Throws for bytes that will never decode.
   */
  decode(key: Buffer): K | PendingDecode<K>;
}

// fatal: bytes that are not UTF-8 are an error, never replaced by U+FFFD (that would deliver a different key).
// ignoreBOM: a leading U+FEFF is part of the key as the producer wrote it; the default would strip it.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** `key string`: the key's bytes as UTF-8 text, exactly (Kafka's `StringSerializer`). Invalid UTF-8 is a decode error. */
export const stringKey: KeyFormat<string> = {
  kind: "string",
  decode(key) {
    try {
      return utf8.decode(key);
    } catch (error) {
      throw new DecodeError(`the key is not valid UTF-8 text (${key.length} bytes)`, { cause: error });
    }
  },
};

/** `key bytes`: the key's bytes as they are (the same as declaring no key). */
export const bytesKey: KeyFormat<Buffer> = {
  kind: "bytes",
  decode: (key) => key,
};

/** `key none`: the key is not read; handlers always see `null`, also for a record that has a key. */
export const noKey: KeyFormat<null> = {
  kind: "none",
  decode: () => null,
};

/** `key SomeMessage` on a bare-Avro topic: the key is Avro binary written with the message's schema. */
export function avroKey<K>(codec: Codec<K>): KeyFormat<K> {
  return { kind: "avro", decode: (key) => codec.decode(key) };
}

/** Prefixes the message of an error met while reading a key, so a decode error says which part failed. */
export function keyDecodeError(error: unknown): DecodeError {
  const reason = error instanceof Error ? error.message : String(error);
  return new DecodeError(`cannot decode the record's key: ${reason}`, { cause: error });
}
