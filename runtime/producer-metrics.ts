// Producer metrics: the one owner of what the typed producers sent, failed to send and how long sends took, per
// topic. The ProducerRuntime records into it; its snapshot and send events feed the exporters.

import { LatencyStats, type LatencySnapshot } from "./metrics.js";

/** What the typed producer of one topic did since start. */
export interface ProducerTopicMetrics {
  readonly topic: string;
  /** Records acknowledged by the broker (as the topic's `acks` say). */
  readonly sent: number;
  /** Records of sends that failed (encoding, registry or client error) after the runtime accepted them. */
  readonly failed: number;
  /** Duration of each `send`/`sendBatch` from acceptance to acknowledgement or failure (encoding included). */
  readonly sendLatencyMs: LatencySnapshot;
}

/** Everything {@link ProducerRuntime.metrics} returns: one entry per topic that sent or failed, by topic name. */
export interface ProducerMetricsSnapshot {
  readonly topics: readonly ProducerTopicMetrics[];
}

/** One finished `send`/`sendBatch`: given to {@link ProducerMetricsSource.onSend} listeners. */
export interface SendEvent {
  readonly topic: string;
  /** Records in the send (1 for `send`). */
  readonly records: number;
  readonly durationMs: number;
  /** Absent: acknowledged. Otherwise what the send rejected with. */
  readonly error?: unknown;
}

/** What the producer exporters read: a {@link Producers} (generated `create<Api>Producers`) or a {@link ProducerRuntime}. */
export interface ProducerMetricsSource {
  /** The counts so far. */
  metrics(): ProducerMetricsSnapshot;
  /** Calls `listener` after every accepted send settles; returns a function that removes it. */
  onSend(listener: (event: SendEvent) => void): () => void;
}

interface TopicCounts {
  sent: number;
  failed: number;
  readonly latency: LatencyStats;
}

/** @internal the counts of one ProducerRuntime and its send listeners. */
export class ProducerMetrics implements ProducerMetricsSource {
  private readonly topics = new Map<string, TopicCounts>();
  private readonly listeners = new Set<(event: SendEvent) => void>();

  /** Counts one settled send and tells the listeners (a throwing listener does not affect the send). */
  record(event: SendEvent): void {
    let counts = this.topics.get(event.topic);
    if (!counts) this.topics.set(event.topic, (counts = { sent: 0, failed: 0, latency: new LatencyStats() }));
    if (event.error === undefined) counts.sent += event.records;
    else counts.failed += event.records;
    counts.latency.record(event.durationMs);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // An exporter's failure must not turn an acknowledged send into a rejected one.
      }
    }
  }

  metrics(): ProducerMetricsSnapshot {
    const topics = [...this.topics].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return {
      topics: topics.map(([topic, c]) => ({
        topic,
        sent: c.sent,
        failed: c.failed,
        sendLatencyMs: c.latency.snapshot(),
      })),
    };
  }

  onSend(listener: (event: SendEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
}
