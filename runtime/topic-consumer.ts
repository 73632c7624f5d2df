// TopicConsumer and bindTopic: what generated wiring uses to turn a user's handler (a subclass of the
// generated consumer class, or a plain function) into a TopicBinding.

import type { BufferSettings, Codec, MessageContext, MessageHandler, TopicBinding } from "./types.js";
import type { ValueFormat } from "./confluent-format.js";

/**
 * Base class of the generated per-topic consumer classes (`class OrderEventsConsumer extends
 * TopicConsumer<OrderCreated>`). Subclass the generated class and implement `handle`.
 */
export abstract class TopicConsumer<T> {
  /** The Kafka topic this consumer reads (set by the generated class). */
  abstract readonly topic: string;

  /**
   * Handles one record. Records of a partition arrive in order, one at a time. The offset is committed
   * only after this returns (or its promise resolves); if it throws, the record is retried with backoff.
   */
  abstract handle(message: T, context: MessageContext): void | Promise<void>;
}

/** What generated wiring passes to {@link bindTopic}. */
export interface TopicDeclaration<T> {
  readonly topic: string;
  readonly messageType: string;
  readonly codec: Codec<T>;
  /** Absent: bare Avro. */
  readonly format?: ValueFormat<T>;
  readonly buffer: BufferSettings;
  /** An instance of the topic's generated consumer class, or a function. */
  readonly handler: TopicConsumer<T> | MessageHandler<T>;
}

/**
 * Builds the {@link TopicBinding} of one topic. A {@link TopicConsumer} is called as a method (its
 * `this` is kept) and must be for the same topic; a function is used as it is.
 */
export function bindTopic<T>(init: TopicDeclaration<T>): TopicBinding<T> {
  const { handler } = init;
  let handle: MessageHandler<T>;
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
  return { topic: init.topic, messageType: init.messageType, codec: init.codec, ...(init.format ? { format: init.format } : {}), buffer: init.buffer, handle };
}
