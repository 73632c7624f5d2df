// Prometheus exporter ("kefgen/runtime/prometheus"): the runtime's metrics snapshot and events as
// prom-client metrics. prom-client is an optional peer dependency: only this module imports it.
// Labels: connection, group, topic, partition (and `state` on the one state gauge); the typed producers' metrics
// (prometheusProducerMetrics) carry only `topic`. See docs/operations.md.

import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { RuntimeEvents } from "../events.js";
import type { ConsumerRuntime } from "../runtime.js";
import type { ConnectionMetrics, ConnectionState, MetricsSnapshot } from "../metrics.js";
import type { ProducerMetricsSource } from "../producer-metrics.js";

/** Handler duration buckets in seconds (5 ms … 60 s). */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

const STATES: readonly ConnectionState[] = [
  "starting",
  "running",
  "rebalancing",
  "restarting",
  "waiting",
  "stopping",
  "stopped",
  "crashed",
];

/** Options of {@link prometheusMetrics}. */
export interface PrometheusOptions {
  /** Where the metrics are registered (default: a new `Registry`, so prom-client's global one stays untouched). */
  readonly registry?: Registry;
  /** Prefix of every metric name (default `kefgen_`). */
  readonly prefix?: string;
  /** Bucket upper bounds of the handler duration histogram, in seconds (default {@link DEFAULT_LATENCY_BUCKETS}). */
  readonly latencyBuckets?: readonly number[];
}

/** What {@link prometheusMetrics} returns. */
export interface PrometheusExporter {
  /** The registry holding the runtime's metrics (merge it with yours, or serve it). */
  readonly registry: Registry;
  /** The exposition text of the registry (what `/metrics` serves). */
  text(): Promise<string>;
  /** The content type of {@link text}. */
  readonly contentType: string;
  /** Stops listening to the runtime's events (the registry keeps its metrics). */
  close(): void;
}

type TopicLabels = "connection" | "group" | "topic";
type PartitionLabels = TopicLabels | "partition";

/**
 * Exposes a {@link ConsumerRuntime}'s metrics to Prometheus. Gauges and counters are read from
 * `runtime.metrics()` at each scrape; the handler duration histogram and the pause/retry/decode-error
 * counters come from the runtime's events, from the moment this is called.
 *
 * ```ts
 * import { prometheusMetrics } from "kefgen/runtime/prometheus";
 * const exporter = prometheusMetrics(runtime);
 * const body = await exporter.text();
 * ```
 */
export function prometheusMetrics(runtime: ConsumerRuntime, options: PrometheusOptions = {}): PrometheusExporter {
  const registry = options.registry ?? new Registry();
  const p = options.prefix ?? "kefgen_";
  const registers = [registry];
  let snapshot: MetricsSnapshot | undefined;
  // One snapshot per scrape: the first collect() of a scrape takes it, the rest reuse it.
  const current = (): MetricsSnapshot => (snapshot ??= runtime.metrics());
  const groups = new Map<string, string>();
  const groupOf = (connection: string): string => {
    if (!groups.has(connection)) for (const c of runtime.metrics().connections) groups.set(c.name, c.groupId);
    return groups.get(connection) ?? "";
  };

  const perTopic = (
    name: string,
    help: string,
    value: (t: ConnectionMetrics["topics"][number]) => number,
    kind: "gauge" | "counter",
  ): void => {
    const collect = function (this: Gauge<TopicLabels> | Counter<TopicLabels>): void {
      this.reset();
      for (const c of current().connections) {
        for (const t of c.topics) this.inc({ connection: c.name, group: c.groupId, topic: t.topic }, value(t));
      }
    };
    const config = { name: p + name, help, labelNames: ["connection", "group", "topic"] as const, registers, collect };
    if (kind === "gauge") new Gauge<TopicLabels>(config);
    else new Counter<TopicLabels>(config);
  };

  new Gauge({
    name: p + "connections",
    help: "Kafka consumers (connections) of the runtime.",
    registers,
    collect(this: Gauge) {
      // The first metric of the registry: it starts a scrape, so it takes the snapshot the others read.
      snapshot = runtime.metrics();
      this.set(snapshot.connectionCount);
    },
  });
  new Gauge<"connection" | "group" | "state">({
    name: p + "connection_state",
    help: "1 for the connection's current lifecycle state, 0 for the others.",
    labelNames: ["connection", "group", "state"],
    registers,
    collect(this: Gauge<"connection" | "group" | "state">) {
      this.reset();
      for (const c of current().connections) {
        for (const state of STATES)
          this.set({ connection: c.name, group: c.groupId, state }, c.state === state ? 1 : 0);
      }
    },
  });
  new Counter<"connection" | "group">({
    name: p + "connection_restarts_total",
    help: "Restarts of the connection's consumer after a crash.",
    labelNames: ["connection", "group"],
    registers,
    collect(this: Counter<"connection" | "group">) {
      this.reset();
      for (const c of current().connections) this.inc({ connection: c.name, group: c.groupId }, c.restarts);
    },
  });

  perTopic("records_handled_total", "Records whose handler returned.", (t) => t.handled, "counter");
  perTopic(
    "records_failed_total",
    "Failed handler attempts plus records that could not be decoded.",
    (t) => t.errors,
    "counter",
  );
  perTopic("records_dropped_total", "Records discarded by a full buffer in a drop mode.", (t) => t.dropped, "counter");
  perTopic(
    "buffer_records",
    "Records waiting in the topic's buffer (not counting the ones being handled).",
    (t) => t.buffered,
    "gauge",
  );
  perTopic("buffer_capacity", "Capacity of the topic's buffer.", (t) => t.capacity, "gauge");
  perTopic("buffer_peak_records", "The most records the buffer held since start.", (t) => t.peakBuffered, "gauge");
  perTopic(
    "in_flight_records",
    "Records whose handler is running (a record waiting for its retry is not: its partition is paused instead).",
    (t) => t.inFlight,
    "gauge",
  );
  perTopic(
    "records_dead_lettered_total",
    "Records written to the dead-letter topic (acknowledged).",
    (t) => t.deadLettered,
    "counter",
  );
  perTopic(
    "dead_letter_failures_total",
    "Failed writes to the dead-letter topic; each made the record's partition wait and try again.",
    (t) => t.deadLetterFailures,
    "counter",
  );
  perTopic(
    "partitions_stopped",
    "Partitions stopped by a record given up with no dead-letter topic.",
    (t) => t.stoppedPartitions,
    "gauge",
  );
  perTopic(
    "topic_paused",
    "1 while fetching from the topic is paused by backpressure.",
    (t) => (t.paused ? 1 : 0),
    "gauge",
  );
  perTopic("topic_missing", "1 while the topic does not exist on the cluster.", (t) => (t.missing ? 1 : 0), "gauge");

  const perPartition = (
    name: string,
    help: string,
    value: (l: ConnectionMetrics["lag"][number]) => number | null,
  ): void => {
    new Gauge<PartitionLabels>({
      name: p + name,
      help,
      labelNames: ["connection", "group", "topic", "partition"],
      registers,
      collect(this: Gauge<PartitionLabels>) {
        this.reset();
        for (const c of current().connections) {
          for (const l of c.lag) {
            const v = value(l);
            if (v !== null)
              this.set({ connection: c.name, group: c.groupId, topic: l.topic, partition: String(l.partition) }, v);
          }
        }
      },
    });
  };
  const behind = (hw: number | null, offset: number | null): number | null =>
    hw === null || offset === null ? null : Math.max(0, hw - offset);
  perPartition(
    "partition_records_lag",
    "High watermark minus the fetch position (like Kafka's records-lag): records not fetched yet.",
    (l) => behind(l.highWatermark, l.position),
  );
  perPartition(
    "partition_committed_lag",
    "High watermark minus the last committed offset (like kafka_consumergroup_lag).",
    (l) => behind(l.highWatermark, l.committed),
  );
  perPartition(
    "partition_unhandled_records",
    "High watermark minus what would be committed now: records not handled yet, buffered ones included.",
    (l) => l.lag,
  );

  const topicEvent = (name: string, help: string): Counter<TopicLabels> =>
    new Counter<TopicLabels>({ name: p + name, help, labelNames: ["connection", "group", "topic"], registers });
  const pauses = topicEvent("pauses_total", "Times fetching from the topic was paused by backpressure.");
  const retries = topicEvent(
    "handler_retries_total",
    "Failed handler attempts; each is retried after a backoff, or was the last (then dead-lettered, or its partition stops).",
  );
  const decodeErrors = topicEvent(
    "decode_errors_total",
    "Records that could not be decoded (dead-lettered, skipped or stopping their partition, per onDecodeError).",
  );
  const duration = new Histogram<TopicLabels>({
    name: p + "handler_duration_seconds",
    help: "Duration of handler attempts (failed ones included), in seconds.",
    labelNames: ["connection", "group", "topic"],
    buckets: [...(options.latencyBuckets ?? DEFAULT_LATENCY_BUCKETS)],
    registers,
  });
  const labels = (e: { connection: string; topic: string }) => ({
    connection: e.connection,
    group: groupOf(e.connection),
    topic: e.topic,
  });
  const listeners = [
    runtime.on(RuntimeEvents.PAUSED, (e) => pauses.inc(labels(e))),
    runtime.on(RuntimeEvents.HANDLER_ERROR, (e) => retries.inc(labels(e))),
    runtime.on(RuntimeEvents.DECODE_ERROR, (e) => decodeErrors.inc(labels(e))),
    runtime.on(RuntimeEvents.HANDLER_ATTEMPT, (e) => duration.observe(labels(e), e.durationMs / 1000)),
  ];

  return {
    registry,
    contentType: registry.contentType,
    text: async () => {
      snapshot = undefined;
      try {
        return await registry.metrics();
      } finally {
        snapshot = undefined;
      }
    },
    close: () => {
      for (const remove of listeners) remove();
    },
  };
}

/**
 * Exposes the typed producers' metrics (a generated `create<Api>Producers` result) to Prometheus, labelled by `topic`
 * only: `<prefix>producer_records_sent_total`, `<prefix>producer_records_failed_total` (read from
 * `producers.metrics()` at each scrape) and `<prefix>producer_send_duration_seconds` (a histogram of each send, from
 * the moment this is called). Pass the consumers' exporter's `registry` to serve both from one `/metrics`.
 *
 * ```ts
 * const consumersExporter = prometheusMetrics(consumers.runtime);
 * prometheusProducerMetrics(producers, { registry: consumersExporter.registry });
 * ```
 */
export function prometheusProducerMetrics(
  producers: ProducerMetricsSource,
  options: PrometheusOptions = {},
): PrometheusExporter {
  const registry = options.registry ?? new Registry();
  const p = options.prefix ?? "kefgen_";
  const registers = [registry];
  const perTopic = (
    name: string,
    help: string,
    value: (t: ReturnType<ProducerMetricsSource["metrics"]>["topics"][number]) => number,
  ): void => {
    new Counter<"topic">({
      name: p + name,
      help,
      labelNames: ["topic"],
      registers,
      collect(this: Counter<"topic">) {
        this.reset();
        for (const t of producers.metrics().topics) this.inc({ topic: t.topic }, value(t));
      },
    });
  };
  perTopic(
    "producer_records_sent_total",
    "Records the typed producer sent and the broker acknowledged.",
    (t) => t.sent,
  );
  perTopic(
    "producer_records_failed_total",
    "Records of sends that failed (encoding, schema registry or client error).",
    (t) => t.failed,
  );
  const duration = new Histogram<"topic">({
    name: p + "producer_send_duration_seconds",
    help: "Duration of each send or sendBatch, from acceptance to acknowledgement or failure (encoding included), in seconds.",
    labelNames: ["topic"],
    buckets: [...(options.latencyBuckets ?? DEFAULT_LATENCY_BUCKETS)],
    registers,
  });
  const remove = producers.onSend((e) => duration.observe({ topic: e.topic }, e.durationMs / 1000));
  return { registry, contentType: registry.contentType, text: () => registry.metrics(), close: remove };
}
