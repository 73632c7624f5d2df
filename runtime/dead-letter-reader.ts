// Reading dead-letter topics with types: a dead-letter record as a DeadLetter<T> envelope (where it came from, why it
// failed, and the original value decoded with the topic's generated codec, or its raw bytes when that fails), and a
// binding that consumes a dead-letter topic with such envelopes on an ordinary ConsumerRuntime.

import { readDeadLetterHeaders, type DeadLetterInfo } from "./dead-letter.js";
import type { FetchedRecord, RecordHeaders } from "./transport/records.js";
import type { BufferSettings, Codec, MessageContext, TopicBinding } from "./types.js";

/** The original value of a dead letter: decoded, or the raw bytes and why they could not be decoded. */
export type DeadLetterValue<T> =
  | { readonly decoded: true; readonly message: T }
  | { readonly decoded: false; readonly bytes: Buffer | null; readonly error: Error };

/** A record of a dead-letter topic, read: its origin and error (Spring's headers), its key and original value. */
export interface DeadLetter<T> extends DeadLetterInfo {
  /** Where the dead letter itself is, in the dead-letter topic. */
  readonly position: { readonly topic: string; readonly partition: number; readonly offset: string };
  /** When the dead letter was written (epoch ms, decimal). */
  readonly deadLetteredAt: string;
  readonly key: Buffer | null;
  readonly value: DeadLetterValue<T>;
  /** The original record's headers (the dead-letter headers removed). */
  readonly headers: RecordHeaders;
}

/** Thrown when a record of a dead-letter topic has no `kafka_dlt-original-topic` header: it is not a dead letter. */
export class NotADeadLetterError extends Error {
  override readonly name = "NotADeadLetterError";
}

/**
 * Reads one record of a dead-letter topic. `decode` is the original topic's value decoder (e.g. a generated codec's
 * `decode`); a value it cannot read is kept as bytes (poison records are in dead-letter topics for that reason).
 * Throws {@link NotADeadLetterError} when the record has no dead-letter headers.
 */
export function readDeadLetter<T>(
  position: DeadLetter<T>["position"],
  record: FetchedRecord,
  decode: (value: Buffer) => T,
): DeadLetter<T> {
  const info = readDeadLetterHeaders(record.headers);
  if (!info)
    throw new NotADeadLetterError(
      `${position.topic}[${position.partition}]@${position.offset} has no kafka_dlt-original-topic header`,
    );
  let value: DeadLetterValue<T>;
  if (record.value === null)
    value = { decoded: false, bytes: null, error: new Error("the record has no value (a tombstone)") };
  else {
    try {
      value = { decoded: true, message: decode(record.value) };
    } catch (error) {
      value = { decoded: false, bytes: record.value, error: error instanceof Error ? error : new Error(String(error)) };
    }
  }
  const headers = Object.fromEntries(
    Object.entries(record.headers ?? {}).filter(
      ([name]) => !name.startsWith("kafka_dlt-") && !name.startsWith("kefgen_dlt-"),
    ),
  );
  return { ...info, position, deadLetteredAt: record.timestamp, key: record.key, value, headers };
}

/** What {@link bindDeadLetters} takes. */
export interface DeadLetterDeclaration<T> {
  /** The dead-letter topic. */
  readonly topic: string;
  /**
   * Only dead letters of this original topic reach the handler (several topics may share a dead-letter topic, each
   * decoded with its own codec); the others are passed over. Absent: all.
   */
  readonly originalTopic?: string;
  /** The original topic's message codec (generated), to decode the original values. */
  readonly codec: Codec<T>;
  readonly buffer: BufferSettings;
  readonly handler: (letter: DeadLetter<T>, context: MessageContext) => void | Promise<void>;
}

/**
 * A binding that consumes a dead-letter topic with {@link DeadLetter} envelopes, for a ConsumerRuntime connection:
 *
 * ```ts
 * bindDeadLetters({ topic: "orders-dlt", codec: orderCreatedCodec, buffer, handler: (letter) => {
 *   if (letter.value.decoded) console.log(letter.errorMessage, letter.value.message.orderId);
 * } })
 * ```
 *
 * A record without dead-letter headers makes the handler call fail with {@link NotADeadLetterError} (and follow the
 * binding's failure policy), so that something written to the topic by mistake is never taken for a dead letter.
 */
export function bindDeadLetters<T>(init: DeadLetterDeclaration<T>): TopicBinding<Buffer> {
  const raw: Codec<Buffer> = { decode: (value) => value, encode: (value) => value };
  return {
    topic: init.topic,
    messageType: "kefgen.DeadLetter",
    codec: raw,
    // A dead letter's value may be a tombstone: let it through, the envelope says so.
    tombstones: true,
    buffer: init.buffer,
    handle: (value: Buffer | null, context: MessageContext) => {
      const record: FetchedRecord = {
        offset: context.offset,
        key: context.key,
        value,
        timestamp: context.timestamp,
        headers: context.headers,
      };
      const letter = readDeadLetter(
        { topic: context.topic, partition: context.partition, offset: context.offset },
        record,
        (bytes) => init.codec.decode(bytes),
      );
      if (init.originalTopic !== undefined && letter.originalTopic !== init.originalTopic) return;
      return init.handler(letter, context);
    },
  };
}
