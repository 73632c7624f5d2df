// TopicConsumer and bindTopic: what generated wiring uses to turn a user's handler (a subclass of the
// generated consumer class, or a plain function) into a TopicBinding.

import type { TopicProvisioning } from "./topic-provisioning.js";
import type {
  BufferSettings,
  Codec,
  ExactlyOnceHandler,
  FailurePolicy,
  MessageContext,
  MessageHandler,
  RawKey,
  TopicBinding,
  TransactionSettings,
} from "./types.js";
import type { ValueFormat } from "./confluent-format.js";
import type { KeyFormat } from "./key-format.js";

/**
 * Base class of the generated per-topic consumer classes (`class OrderEventsConsumer extends
 * TopicConsumer<OrderCreated>`). Subclass the generated class and implement `handle`. `T` is the message type
 * (`OrderCreated | null` on a `tombstones` topic), `K` the key's (see {@link MessageContext}).
 */
export abstract class TopicConsumer<T, K = RawKey> {
  /** The Kafka topic this consumer reads (set by the generated class). */
  abstract readonly topic: string;

  /**
   * Handles one record. Records of a partition arrive in order, one at a time. The offset is committed
   * only after this returns (or its promise resolves); if it throws, the record is retried with backoff.
   */
  abstract handle(message: T, context: MessageContext<K>): void | Promise<void>;
}

/**
 * What generated wiring passes to {@link bindTopic}: an ordinary topic with a {@link TopicConsumer} or a
 * {@link MessageHandler}, or an exactly-once topic (`exactlyOnce: true`) whose function returns the records to produce
 * (a handler returning records on an ordinary topic, or none on an exactly-once one, does not compile).
 */
export type TopicDeclaration<T, K = RawKey> = TopicDeclarationParts<T, K> &
  (
    | { readonly exactlyOnce?: false; readonly handler: TopicConsumer<T, K> | MessageHandler<T, K> }
    /** The records the handler returns are written in one transaction with the record's offset + 1 (see {@link TopicBinding.exactlyOnce}). */
    | {
        readonly exactlyOnce: true;
        readonly handler: ExactlyOnceHandler<T, K>;
        /** Records and time per transaction (see {@link TopicBinding.transaction}); absent: the defaults. */
        readonly transaction?: TransactionSettings;
      }
  );

/** The parts of a {@link TopicDeclaration} every topic has. */
export interface TopicDeclarationParts<T, K = RawKey> {
  readonly topic: string;
  readonly messageType: string;
  /** Decodes values; on a `tombstones` topic `T` includes `null`, which the codec never returns. */
  readonly codec: Codec<T>;
  /** Absent: bare Avro. */
  readonly format?: ValueFormat<T>;
  /** Absent: no declared key type, handlers get the raw key. A present key is read to `K` (which includes `null`). */
  readonly key?: KeyFormat<K>;
  /** `true`: tombstones reach the handler as `null` (generated only when `T` includes `null`). */
  readonly tombstones?: boolean;
  readonly buffer: BufferSettings;
  /** Retries, dead-letter topic, poison records (see {@link FailurePolicy}); left out: the defaults. */
  readonly failure?: Partial<FailurePolicy>;
  /** How `ensureTopics` creates the topic; absent: with the broker's defaults. */
  readonly provisioning?: TopicProvisioning;
}

/**
 * Builds the {@link TopicBinding} of one topic. A {@link TopicConsumer} is called as a method (its
 * `this` is kept) and must be for the same topic; a function is used as it is.
 */
export function bindTopic<T, K = RawKey>(init: TopicDeclaration<T, K>): TopicBinding<T> {
  const { handler } = init;
  let handle: MessageHandler<T, K> | ExactlyOnceHandler<T, K>;
  if (typeof handler === "function") {
    handle = handler;
  } else if (handler !== null && typeof handler === "object" && typeof handler.handle === "function") {
    if (handler.topic !== init.topic) {
      throw new Error(`the handler for topic "${init.topic}" is a consumer of topic "${handler.topic}"`);
    }
    handle = (message, context) => handler.handle(message, context);
  } else {
    throw new TypeError(`the handler for topic "${init.topic}" is neither a function nor a TopicConsumer`);
  }
  return {
    topic: init.topic,
    messageType: init.messageType,
    codec: init.codec,
    ...(init.format ? { format: init.format } : {}),
    ...(init.key ? { key: init.key } : {}),
    ...(init.tombstones ? { tombstones: true } : {}),
    buffer: init.buffer,
    ...(init.failure ? { failure: init.failure } : {}),
    ...(init.provisioning ? { provisioning: init.provisioning } : {}),
    ...(init.exactlyOnce ? { exactlyOnce: true, ...(init.transaction ? { transaction: init.transaction } : {}) } : {}),
    handle,
  };
}
