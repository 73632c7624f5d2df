// Reading dead-letter topics with types: a dead-letter record as a DeadLetter<T> envelope (where it came from, why it
// failed, and the original value decoded as the original topic decodes it, or its raw bytes and why not), and a
// binding that consumes a dead-letter topic with such envelopes on an ordinary ConsumerRuntime.
//
// The original value is read with the original topic's codec, or its format when it has one: Confluent framing,
// single-object encoding, or a multi-type topic's route (runtime/routed-format.ts), which reads the record's type in
// its original headers (kept in the dead letter) or from the registry. A value that cannot be read — a poison record,
// a `$type` of no member, a foreign writer schema — is kept as bytes with the reason: poison records are in
// dead-letter topics for that reason, and the reader must never lose one.

import { ABANDONED, PendingDecode, type ValueFormat } from "./confluent-format.js";
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

/** A dead-letter binding: its handler gets {@link DeadLetter} envelopes; the runtime decodes each letter's value. */
export type DeadLetterBinding<T> = TopicBinding<DeadLetterValue<T>>;

/** The original record's headers: a dead letter's, without the dead-letter ones. */
function originalHeaders(headers: RecordHeaders | undefined): RecordHeaders {
  return Object.fromEntries(
    Object.entries(headers ?? {}).filter(([name]) => !name.startsWith("kafka_dlt-") && !name.startsWith("kefgen_dlt-")),
  );
}

function undecoded(bytes: Buffer | null, error: unknown): DeadLetterValue<never> {
  return { decoded: false, bytes, error: error instanceof Error ? error : new Error(String(error)) };
}

const TOMBSTONE = (): DeadLetterValue<never> => undecoded(null, new Error("the record has no value (a tombstone)"));

/** `value` read by `decode`, or kept raw with the reason it could not be. */
function decodedOrRaw<T>(value: Buffer | null, decode: (value: Buffer) => T): DeadLetterValue<T> {
  if (value === null) return TOMBSTONE();
  try {
    return { decoded: true, message: decode(value) };
  } catch (error) {
    return undecoded(value, error);
  }
}

/** The envelope of a dead-letter record whose original value was read as `value`. */
function envelope<T>(
  position: DeadLetter<T>["position"],
  record: Pick<FetchedRecord, "key" | "timestamp" | "headers">,
  value: DeadLetterValue<T>,
): DeadLetter<T> {
  const info = readDeadLetterHeaders(record.headers);
  if (!info)
    throw new NotADeadLetterError(
      `${position.topic}[${position.partition}]@${position.offset} has no kafka_dlt-original-topic header`,
    );
  const headers = originalHeaders(record.headers);
  return { ...info, position, deadLetteredAt: record.timestamp, key: record.key, value, headers };
}

/**
 * Reads one record of a dead-letter topic. `decode` reads the original value synchronously, given the original
 * record's headers (e.g. a generated codec's `decode`, or `(value, headers) => route.decode(value, headers)` for a
 * multi-type topic routed by a header over bare-Avro members); a value it cannot read is kept as bytes with the error.
 * Values whose writer schema comes from a registry are read by {@link bindDeadLetters}, which can wait for it.
 * Throws {@link NotADeadLetterError} when the record has no dead-letter headers.
 */
export function readDeadLetter<T>(
  position: DeadLetter<T>["position"],
  record: FetchedRecord,
  decode: (value: Buffer, headers: RecordHeaders) => T,
): DeadLetter<T> {
  const headers = originalHeaders(record.headers);
  return envelope(
    position,
    record,
    decodedOrRaw(record.value, (value) => decode(value, headers)),
  );
}

/**
 * The format of a dead-letter topic: each value read as the original topic reads it (`format`, else `codec`), and
 * what it cannot read kept raw with the reason instead of failing, so the channel never takes a letter for a poison
 * record. A value whose writer schema is being fetched stays a {@link PendingDecode}: the channel waits through a
 * registry outage, and gives the letter up on stop or revocation, as for the original topic.
 */
function lettersFormat<T>(codec: Codec<T>, format: ValueFormat<T> | undefined): ValueFormat<DeadLetterValue<T>> {
  return {
    kind: "deadLetter",
    decode(value, headers) {
      let result: T | PendingDecode<T>;
      try {
        result = format ? format.decode(value, originalHeaders(headers)) : codec.decode(value);
      } catch (error) {
        return undecoded(value, error);
      }
      if (!(result instanceof PendingDecode)) return { decoded: true, message: result };
      const pending = result;
      return new PendingDecode<DeadLetterValue<T>>(async (wait) => {
        try {
          const message = await pending.wait(wait);
          return message === ABANDONED ? ABANDONED : { decoded: true, message };
        } catch (error) {
          return undecoded(value, error);
        }
      });
    },
  };
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
  /**
   * How the original topic's values are framed, as its binding says (`confluentFormat`, `singleObjectFormat`, or a
   * multi-type topic's `headerRoute` / `schemaRoute`); absent: bare Avro, read by `codec`.
   */
  readonly format?: ValueFormat<T>;
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
 * The letters of a multi-type topic (`format: headerRoute(…)` or `schemaRoute(…)`) are decoded as `{ type, value }`,
 * as the topic's handler gets them; one of no member of the topic is raw (`decoded: false`) with the route's reason.
 * A record without dead-letter headers makes the handler call fail with {@link NotADeadLetterError} (and follow the
 * binding's failure policy), so that something written to the topic by mistake is never taken for a dead letter.
 */
export function bindDeadLetters<T>(init: DeadLetterDeclaration<T>): DeadLetterBinding<T> {
  const format = lettersFormat(init.codec, init.format);
  // The runtime reads values through `format`; this is for what reads a binding's codec alone (the codec's reading
  // without the format's framing), and its inverse.
  const codec: Codec<DeadLetterValue<T>> = {
    decode: (value) => decodedOrRaw(value, (bytes) => init.codec.decode(bytes)),
    encode: (letter) => {
      if (letter.decoded) return init.codec.encode(letter.message);
      if (letter.bytes === null) throw new TypeError("a dead letter without a value (a tombstone) has no bytes");
      return letter.bytes;
    },
  };
  return {
    topic: init.topic,
    messageType: "kefgen.DeadLetter",
    codec,
    format,
    // A dead letter's value may be a tombstone: let it through, the envelope says so.
    tombstones: true,
    buffer: init.buffer,
    handle: (value: DeadLetterValue<T> | null, context: MessageContext) => {
      const letter = envelope(
        { topic: context.topic, partition: context.partition, offset: context.offset },
        context,
        value ?? TOMBSTONE(),
      );
      if (init.originalTopic !== undefined && letter.originalTopic !== init.originalTopic) return;
      return init.handler(letter, context);
    },
  };
}
