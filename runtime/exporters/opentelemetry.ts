// OpenTelemetry exporter ("kefgen/runtime/opentelemetry") on @opentelemetry/api, an optional peer
// dependency: only this module imports it. Names and attributes follow the messaging semantic
// conventions (https://opentelemetry.io/docs/specs/semconv/messaging/messaging-metrics/).

import { metrics, type Attributes, type Meter, type ObservableResult } from "@opentelemetry/api";
import { RuntimeEvents, type HandlerAttemptEvent } from "../events.js";
import type { ConsumerRuntime } from "../runtime.js";
import type { ProducerMetricsSource, SendEvent } from "../producer-metrics.js";

/** The conventions' bucket boundaries of `messaging.process.duration`, in seconds. */
export const PROCESS_DURATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

/** The conventions' bucket boundaries of `messaging.client.operation.duration`, in seconds (the same as processing's). */
export const OPERATION_DURATION_BUCKETS: readonly number[] = PROCESS_DURATION_BUCKETS;

/** Options of {@link openTelemetryMetrics} and {@link openTelemetryProducerMetrics}. */
export interface OpenTelemetryOptions {
  /** The meter to record with (default: `metrics.getMeter("kefgen")` from the global MeterProvider). */
  readonly meter?: Meter;
}

/** What {@link openTelemetryMetrics} returns. */
export interface OpenTelemetryExporter {
  /** Stops recording (removes the event listeners and the observable callbacks). */
  close(): void;
}

/**
 * Records a {@link ConsumerRuntime}'s consumption with OpenTelemetry:
 * - `messaging.client.consumed.messages` (counter, `{message}`): one per handler attempt;
 * - `messaging.process.duration` (histogram, `s`, the conventions' buckets as advice): each attempt's duration;
 * - `kefgen.consumer.lag` (observable gauge, `{message}`): high watermark minus fetch position, per partition;
 * - `kefgen.consumer.buffer.records` / `kefgen.consumer.buffer.capacity` (observable gauges) per topic;
 * - `kefgen.consumer.dead_lettered` / `kefgen.consumer.dead_letter.failures` (counters, `{message}`): records written
 *   to the dead-letter topic, and failed writes (each retried), per partition.
 *
 * Attributes: `messaging.system` = `kafka`, `messaging.operation.name` = `process`,
 * `messaging.consumer.group.name`, `messaging.destination.name`, `messaging.destination.partition.id`,
 * and `error.type` (the thrown error's `name`, `_OTHER` for a non-Error) on failed attempts.
 */
export function openTelemetryMetrics(
  runtime: ConsumerRuntime,
  options: OpenTelemetryOptions = {},
): OpenTelemetryExporter {
  const meter = options.meter ?? metrics.getMeter("kefgen");
  const consumed = meter.createCounter("messaging.client.consumed.messages", {
    description: "Number of messages that were delivered to the application.",
    unit: "{message}",
  });
  const duration = meter.createHistogram("messaging.process.duration", {
    description: "Duration of processing operation.",
    unit: "s",
    advice: { explicitBucketBoundaries: [...PROCESS_DURATION_BUCKETS] },
  });
  const lag = meter.createObservableGauge("kefgen.consumer.lag", {
    description: "High watermark minus the fetch position of a partition (like Kafka's records-lag).",
    unit: "{message}",
  });
  const buffered = meter.createObservableGauge("kefgen.consumer.buffer.records", {
    description: "Records waiting in a topic's buffer.",
    unit: "{message}",
  });
  const capacity = meter.createObservableGauge("kefgen.consumer.buffer.capacity", {
    description: "Capacity of a topic's buffer.",
    unit: "{message}",
  });

  const deadLettered = meter.createCounter("kefgen.consumer.dead_lettered", {
    description: "Records written to the dead-letter topic.",
    unit: "{message}",
  });
  const deadLetterFailures = meter.createCounter("kefgen.consumer.dead_letter.failures", {
    description: "Failed writes to the dead-letter topic (each retried while the partition waits).",
    unit: "{message}",
  });

  const groups = new Map<string, string>();
  const groupOf = (connection: string): string => {
    if (!groups.has(connection)) for (const c of runtime.metrics().connections) groups.set(c.name, c.groupId);
    return groups.get(connection) ?? "";
  };
  const base = (group: string, topic: string): Attributes => ({
    "messaging.system": "kafka",
    "messaging.operation.name": "process",
    "messaging.consumer.group.name": group,
    "messaging.destination.name": topic,
  });

  const onAttempt = (e: HandlerAttemptEvent): void => {
    const attributes: Attributes = {
      ...base(groupOf(e.connection), e.topic),
      "messaging.destination.partition.id": String(e.partition),
    };
    if (e.failed) attributes["error.type"] = errorType(e.error);
    consumed.add(1, attributes);
    duration.record(e.durationMs / 1000, attributes);
  };
  const observeLag = (result: ObservableResult): void => {
    for (const c of runtime.metrics().connections) {
      for (const l of c.lag) {
        if (l.highWatermark === null || l.position === null) continue;
        result.observe(Math.max(0, l.highWatermark - l.position), {
          ...base(c.groupId, l.topic),
          "messaging.destination.partition.id": String(l.partition),
        });
      }
    }
  };
  const observeBuffers = (which: "buffered" | "capacity") => (result: ObservableResult) => {
    for (const c of runtime.metrics().connections)
      for (const t of c.topics) result.observe(t[which], base(c.groupId, t.topic));
  };
  const onBuffered = observeBuffers("buffered");
  const onCapacity = observeBuffers("capacity");
  lag.addCallback(observeLag);
  buffered.addCallback(onBuffered);
  capacity.addCallback(onCapacity);
  const partitionOf = (e: { connection: string; topic: string; partition: number }): Attributes => ({
    ...base(groupOf(e.connection), e.topic),
    "messaging.destination.partition.id": String(e.partition),
  });
  const removers = [
    runtime.on(RuntimeEvents.HANDLER_ATTEMPT, onAttempt),
    runtime.on(RuntimeEvents.DEAD_LETTERED, (e) => deadLettered.add(1, partitionOf(e))),
    runtime.on(RuntimeEvents.DEAD_LETTER_FAILED, (e) => deadLetterFailures.add(1, partitionOf(e))),
  ];
  return {
    close: () => {
      for (const remove of removers) remove();
      lag.removeCallback(observeLag);
      buffered.removeCallback(onBuffered);
      capacity.removeCallback(onCapacity);
    },
  };
}

/** The conventions' `error.type`: the error's `name`, `_OTHER` for a non-Error. */
function errorType(error: unknown): string {
  return error instanceof Error && error.name ? error.name : "_OTHER";
}

/**
 * Records the typed producers' sends (a generated `create<Api>Producers` result) with OpenTelemetry:
 * - `messaging.client.sent.messages` (counter, `{message}`): the records of every send, acknowledged or failed;
 * - `messaging.client.operation.duration` (histogram, `s`, the conventions' buckets as advice): each `send`/`sendBatch`.
 *
 * Attributes: `messaging.system` = `kafka`, `messaging.operation.name` = `send`, `messaging.operation.type` = `send`,
 * `messaging.destination.name`, and `error.type` (the error's `name`, `_OTHER` for a non-Error) on failed sends.
 */
export function openTelemetryProducerMetrics(
  producers: ProducerMetricsSource,
  options: OpenTelemetryOptions = {},
): OpenTelemetryExporter {
  const meter = options.meter ?? metrics.getMeter("kefgen");
  const sent = meter.createCounter("messaging.client.sent.messages", {
    description: "Number of messages producer attempted to send to the broker.",
    unit: "{message}",
  });
  const duration = meter.createHistogram("messaging.client.operation.duration", {
    description: "Duration of messaging operation initiated by a producer or consumer client.",
    unit: "s",
    advice: { explicitBucketBoundaries: [...OPERATION_DURATION_BUCKETS] },
  });
  const onSend = (e: SendEvent): void => {
    const attributes: Attributes = {
      "messaging.system": "kafka",
      "messaging.operation.name": "send",
      "messaging.operation.type": "send",
      "messaging.destination.name": e.topic,
    };
    if (e.error !== undefined) attributes["error.type"] = errorType(e.error);
    sent.add(e.records, attributes);
    duration.record(e.durationMs / 1000, attributes);
  };
  return { close: producers.onSend(onSend) };
}
