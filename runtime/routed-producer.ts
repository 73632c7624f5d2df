// The producer of a multi-type topic routed by a header: each record gets the header naming its type (the member
// record's full Avro name, K-Entity-Framework's `$type`), set by the producer itself, then is sent by the topic's
// TopicProducer, whose value encoder (routedEncoder) encodes it with its member's codec. It wraps TopicProducer
// instead of changing it, so the single-type send path is untouched.

import type { ProducerRecord, SendOptions, TopicProducer } from "./producer.js";
import type { ProducedRecord } from "./transport/transport.js";

/** A typed producer of a header-routed multi-type topic: as {@link TopicProducer}, taking `{ type, value }`. */
export class RoutedTopicProducer<V extends { readonly type: string } | null, K> {
  /**
   * @param inner the topic's producer (its value encoder is the topic's routedEncoder)
   * @param header the header that names each record's type (e.g. `$type`)
   */
  constructor(
    private readonly inner: TopicProducer<V, K>,
    readonly header: string,
  ) {}

  /** The Kafka topic. */
  get topic(): string {
    return this.inner.topic;
  }

  /** Sends `message.value` encoded as its member, with the type header; see {@link TopicProducer.send}. */
  send(message: V, options: SendOptions<K> = {}): Promise<void> {
    return this.inner.send(message, this.withType(message, options));
  }

  /** Sends several records, each with its type header; see {@link TopicProducer.sendBatch}. */
  sendBatch(records: readonly ProducerRecord<V, K>[]): Promise<void> {
    return this.inner.sendBatch(records.map((r) => ({ ...r, ...this.withType(r.value, r) })));
  }

  /** The record `send` would write, for an exactly-once handler; see {@link TopicProducer.record}. */
  record(message: V, options: SendOptions<K> = {}): Promise<ProducedRecord> {
    return this.inner.record(message, this.withType(message, options));
  }

  /** The options with the type header added (a tombstone, `null`, has no type and gets none). */
  private withType(message: V, options: SendOptions<K>): SendOptions<K> {
    if (message === null) return options;
    return { ...options, headers: { ...options.headers, [this.header]: message.type } };
  }
}

/** Wraps a header-routed multi-type topic's producer (generated code calls it). */
export function routedProducer<V extends { readonly type: string } | null, K>(
  inner: TopicProducer<V, K>,
  header: string,
): RoutedTopicProducer<V, K> {
  return new RoutedTopicProducer(inner, header);
}
