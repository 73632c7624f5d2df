// Exporters (Prometheus, OpenTelemetry), health/readiness and the operations HTTP server, on fake consumers.

import { afterEach, describe, expect, it, vi } from "vitest";
import type { ConsumerConfig } from "kafkajs";
import type { Attributes, Meter, MetricOptions } from "@opentelemetry/api";
import {
  ConsumerRuntime,
  serveOperations,
  silentLogger,
  type ConnectionSpec,
  type ConnectionMetrics,
} from "../../runtime/index.js";
import { prometheusMetrics, prometheusProducerMetrics } from "../../runtime/exporters/prometheus.js";
import {
  openTelemetryMetrics,
  openTelemetryProducerMetrics,
  PROCESS_DURATION_BUCKETS,
} from "../../runtime/exporters/opentelemetry.js";
import { ProducerRuntime, producersOf } from "../../runtime/producer.js";
import { avroEncoder } from "../../runtime/encoders.js";
import { avroCodec } from "../../runtime/avro-codec.js";
import { fakeTransport } from "./fake-producer.js";
import { ProgressWatch, DEFAULT_HEALTH } from "../../runtime/health.js";
import { FakeConsumer } from "./fake-consumer.js";
import { advanceUntil, binding, FAKE_CLOCK, flush, settings, settle } from "./helpers.js";

const runtimes: ConsumerRuntime[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(runtimes.splice(0).map((r) => r.stop({ timeoutMs: 0 })));
});

/** One connection "orders" (group g-orders) on topic "orders" whose handler fails on values starting with "boom". */
function ordersRuntime(overrides: Parameters<typeof settings>[0] = {}) {
  const consumers: FakeConsumer[] = [];
  const handle = (value: string) => {
    if (value.startsWith("boom")) throw new TypeError("no");
  };
  const spec: ConnectionSpec = {
    name: "orders",
    kind: "exclusive",
    settings: settings({ groupId: "g-orders", ...overrides }),
    topics: [binding("orders", handle, { maxBufferedMessages: 10 })],
  };
  const runtime = new ConsumerRuntime(
    [spec],
    { brokers: ["127.0.0.1:1"] },
    {
      logger: silentLogger,
      handlerRetry: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
      createConsumer: (config: ConsumerConfig) => {
        const consumer = new FakeConsumer(config);
        consumer.assignment = { orders: [0, 1] };
        consumers.push(consumer);
        return consumer;
      },
    },
  );
  runtimes.push(runtime);
  return { runtime, consumer: () => consumers.at(-1)! };
}

function sample(text: string, name: string, labels: string): number | undefined {
  const line = text
    .split("\n")
    .find((l) => l.startsWith(`${name}{${labels}}`) || (labels === "" && l.startsWith(`${name} `)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("prometheusMetrics", () => {
  it("reports counts, buffers, both lags per partition, state, restarts and a latency histogram", async () => {
    const { runtime, consumer } = ordersRuntime();
    const exporter = prometheusMetrics(runtime);
    await runtime.start();
    consumer().append("orders", 0, ["a", "b", "c"]);
    consumer().append("orders", 1, ["boom", "x", "y", "z"]);
    await consumer().poll("orders", 0);
    await consumer().poll("orders", 1, 1);
    await flush();
    const text = await exporter.text();
    const t = 'connection="orders",group="g-orders",topic="orders"';
    expect(sample(text, "kefgen_connections", "")).toBe(1);
    expect(sample(text, "kefgen_records_handled_total", t)).toBe(3);
    expect(sample(text, "kefgen_records_failed_total", t)).toBe(1);
    expect(sample(text, "kefgen_handler_retries_total", t)).toBe(1);
    expect(sample(text, "kefgen_buffer_capacity", t)).toBe(10);
    // The failing record waits for its retry with its partition paused, not in a handler slot.
    expect(sample(text, "kefgen_in_flight_records", t)).toBe(0);
    expect(sample(text, "kefgen_handler_duration_seconds_count", t)).toBe(4);
    expect(sample(text, "kefgen_handler_duration_seconds_bucket", `le="60",${t}`)).toBe(4);
    expect(sample(text, "kefgen_connection_state", 'connection="orders",group="g-orders",state="running"')).toBe(1);
    expect(sample(text, "kefgen_connection_state", 'connection="orders",group="g-orders",state="crashed"')).toBe(0);
    expect(sample(text, "kefgen_connection_restarts_total", 'connection="orders",group="g-orders"')).toBe(0);
    // Partition 1: 4 records, 1 fetched (position 1) and not handled, nothing committed yet.
    const p1 = `${t},partition="1"`;
    expect(sample(text, "kefgen_partition_records_lag", p1)).toBe(3);
    expect(sample(text, "kefgen_partition_unhandled_records", p1)).toBe(4);
    expect(sample(text, "kefgen_partition_records_lag", `${t},partition="0"`)).toBe(0);
    expect(sample(text, "kefgen_partition_unhandled_records", `${t},partition="0"`)).toBe(0);
    // Only bounded labels appear.
    const labelNames = new Set([...text.matchAll(/[{,]([a-z_]+)="/g)].map((m) => m[1]));
    expect([...labelNames].sort()).toEqual(["connection", "group", "le", "partition", "state", "topic"]);
    exporter.close();
  });

  it("counts committed lag once offsets are committed", async () => {
    // On the fake clock: on a loaded machine the 10 ms commit interval could fire before the first look.
    vi.useFakeTimers(FAKE_CLOCK);
    const { runtime, consumer } = ordersRuntime({ autoCommitIntervalMs: 10 });
    const exporter = prometheusMetrics(runtime);
    await settle(runtime.start());
    const startedAt = Date.now();
    consumer().append("orders", 0, ["a", "b", "c", "d"]);
    await consumer().poll("orders", 0, 2);
    await flush();
    expect(Date.now()).toBe(startedAt); // the interval has not come yet
    const before = await exporter.text();
    expect(
      sample(
        before,
        "kefgen_partition_committed_lag",
        'connection="orders",group="g-orders",topic="orders",partition="0"',
      ),
    ).toBeUndefined();
    // The commit runs on the 10 ms interval: advance the clock until it did.
    const committedLag = async () =>
      sample(
        await exporter.text(),
        "kefgen_partition_committed_lag",
        'connection="orders",group="g-orders",topic="orders",partition="0"',
      );
    await advanceUntil(async () => (await committedLag()) !== undefined, "the interval's commit", 10);
    expect(await committedLag()).toBe(2);
  });
});

interface Recorded {
  kind: string;
  name: string;
  options: MetricOptions | undefined;
  values: { value: number; attributes: Attributes | undefined }[];
  callbacks: ((result: { observe(value: number, attributes?: Attributes): void }) => void)[];
}

/** A Meter of @opentelemetry/api's interface that records every instrument and value. */
function recordingMeter(): { meter: Meter; instruments: Recorded[] } {
  const instruments: Recorded[] = [];
  const make = (kind: string) => (name: string, options?: MetricOptions) => {
    const r: Recorded = { kind, name, options, values: [], callbacks: [] };
    instruments.push(r);
    const push = (value: number, attributes?: Attributes) => void r.values.push({ value, attributes });
    return {
      add: push,
      record: push,
      addCallback: (cb: Recorded["callbacks"][number]) => void r.callbacks.push(cb),
      removeCallback: (cb: Recorded["callbacks"][number]) => void r.callbacks.splice(r.callbacks.indexOf(cb), 1),
    };
  };
  const meter = {
    createCounter: make("counter"),
    createHistogram: make("histogram"),
    createObservableGauge: make("observableGauge"),
  } as unknown as Meter;
  return { meter, instruments };
}

describe("openTelemetryMetrics", () => {
  it("records the messaging conventions: names, units, attributes, error.type and bucket advice", async () => {
    const { runtime, consumer } = ordersRuntime();
    const { meter, instruments } = recordingMeter();
    const exporter = openTelemetryMetrics(runtime, { meter });
    await runtime.start();
    consumer().append("orders", 1, ["ok", "boom"]);
    await consumer().poll("orders", 1);
    await flush();
    const byName = new Map(instruments.map((i) => [i.name, i]));
    const consumed = byName.get("messaging.client.consumed.messages")!;
    const duration = byName.get("messaging.process.duration")!;
    expect([consumed.kind, consumed.options?.unit]).toEqual(["counter", "{message}"]);
    expect([duration.kind, duration.options?.unit]).toEqual(["histogram", "s"]);
    expect(duration.options?.advice?.explicitBucketBoundaries).toEqual([
      0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
    ]);
    expect(PROCESS_DURATION_BUCKETS).toEqual(duration.options?.advice?.explicitBucketBoundaries);
    const attrs = {
      "messaging.system": "kafka",
      "messaging.operation.name": "process",
      "messaging.consumer.group.name": "g-orders",
      "messaging.destination.name": "orders",
      "messaging.destination.partition.id": "1",
    };
    expect(consumed.values).toEqual([
      { value: 1, attributes: attrs },
      { value: 1, attributes: { ...attrs, "error.type": "TypeError" } },
    ]);
    expect(duration.values.map((v) => v.attributes)).toEqual([attrs, { ...attrs, "error.type": "TypeError" }]);
    expect(duration.values.every((v) => v.value >= 0 && v.value < 1)).toBe(true);
    const observed: { value: number; attributes?: Attributes }[] = [];
    for (const cb of byName.get("kefgen.consumer.lag")!.callbacks)
      cb({ observe: (value, attributes) => void observed.push({ value, attributes }) });
    expect(observed).toEqual([{ value: 0, attributes: attrs }]);
    exporter.close();
    expect(byName.get("kefgen.consumer.lag")!.callbacks).toEqual([]);
  });
});

/** Producers of topics "orders" and "audit" on a fake transport: 3 records sent to orders, then a batch of 2 to audit that fails. */
async function producedAndFailed(exporterOf: (producers: ReturnType<typeof producersOf>) => void) {
  const { transport, producers: clients } = fakeTransport();
  const runtime = new ProducerRuntime({ brokers: [] }, { transport });
  const codec = avroCodec<{ id: string }>({ type: "record", name: "Order", fields: [{ name: "id", type: "string" }] });
  const settings = { acks: "all", idempotent: true, compression: "none", maxInFlight: 5 } as const;
  const topics = {
    orders: runtime.topic({ topic: "orders", value: avroEncoder(codec), settings }),
    audit: runtime.topic({ topic: "audit", value: avroEncoder(codec), settings }),
  };
  const producers = producersOf(runtime, topics);
  exporterOf(producers);
  await producers.start();
  await topics.orders.send({ id: "1" });
  await topics.orders.sendBatch([{ value: { id: "2" } }, { value: { id: "3" } }]);
  clients[0]!.fail = new RangeError("no leader");
  await expect(topics.audit.sendBatch([{ value: { id: "4" } }, { value: { id: "5" } }])).rejects.toThrow("no leader");
  await producers.stop();
  return producers;
}

describe("producer exporters", () => {
  it("prometheusProducerMetrics: sent and failed records and a send duration histogram, labelled by topic only", async () => {
    let exporter!: ReturnType<typeof prometheusProducerMetrics>;
    await producedAndFailed((producers) => (exporter = prometheusProducerMetrics(producers)));
    const text = await exporter.text();
    expect(sample(text, "kefgen_producer_records_sent_total", 'topic="orders"')).toBe(3);
    expect(sample(text, "kefgen_producer_records_failed_total", 'topic="orders"')).toBe(0);
    expect(sample(text, "kefgen_producer_records_sent_total", 'topic="audit"')).toBe(0);
    expect(sample(text, "kefgen_producer_records_failed_total", 'topic="audit"')).toBe(2);
    expect(sample(text, "kefgen_producer_send_duration_seconds_count", 'topic="orders"')).toBe(2);
    expect(sample(text, "kefgen_producer_send_duration_seconds_count", 'topic="audit"')).toBe(1);
    expect(sample(text, "kefgen_producer_send_duration_seconds_bucket", 'le="60",topic="orders"')).toBe(2);
    const labelNames = new Set([...text.matchAll(/[{,]([a-z_]+)="/g)].map((m) => m[1]));
    expect([...labelNames].sort()).toEqual(["le", "topic"]);
    exporter.close();
  });

  it("shares a registry with the consumers' exporter, so one /metrics serves both", async () => {
    const { runtime } = ordersRuntime();
    const consumers = prometheusMetrics(runtime);
    await producedAndFailed((producers) => void prometheusProducerMetrics(producers, { registry: consumers.registry }));
    const text = await consumers.text();
    expect(sample(text, "kefgen_connections", "")).toBe(1);
    expect(sample(text, "kefgen_producer_records_sent_total", 'topic="orders"')).toBe(3);
    consumers.close();
  });

  it("openTelemetryProducerMetrics: messaging.client.sent.messages and messaging.client.operation.duration with the send attributes", async () => {
    const { meter, instruments } = recordingMeter();
    let exporter!: ReturnType<typeof openTelemetryProducerMetrics>;
    const producers = await producedAndFailed((p) => (exporter = openTelemetryProducerMetrics(p, { meter })));
    const byName = new Map(instruments.map((i) => [i.name, i]));
    const sent = byName.get("messaging.client.sent.messages")!;
    const duration = byName.get("messaging.client.operation.duration")!;
    expect([sent.kind, sent.options?.unit]).toEqual(["counter", "{message}"]);
    expect([duration.kind, duration.options?.unit]).toEqual(["histogram", "s"]);
    expect(duration.options?.advice?.explicitBucketBoundaries).toEqual([
      0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
    ]);
    const attrs = (topic: string) => ({
      "messaging.system": "kafka",
      "messaging.operation.name": "send",
      "messaging.operation.type": "send",
      "messaging.destination.name": topic,
    });
    expect(sent.values).toEqual([
      { value: 1, attributes: attrs("orders") },
      { value: 2, attributes: attrs("orders") },
      { value: 2, attributes: { ...attrs("audit"), "error.type": "RangeError" } },
    ]);
    expect(duration.values.map((v) => v.attributes)).toEqual([
      attrs("orders"),
      attrs("orders"),
      { ...attrs("audit"), "error.type": "RangeError" },
    ]);
    expect(duration.values.every((v) => v.value >= 0 && v.value < 1)).toBe(true);
    exporter.close();
    expect(producers.metrics().topics.map((t) => [t.topic, t.sent, t.failed])).toEqual([
      ["audit", 0, 2],
      ["orders", 3, 0],
    ]);
  });
});

function metricsOf(state: ConnectionMetrics["state"], handled = 0): ConnectionMetrics {
  return {
    name: "c",
    kind: "exclusive",
    groupId: "g",
    state,
    restarts: 0,
    lastCrash: state === "crashed" ? { at: 0, error: "gone", restarting: false } : null,
    nextRestartAt: null,
    missingTopics: [],
    topicsFoundMissing: 0,
    topics: [
      {
        topic: "t",
        messageType: "m",
        buffered: 0,
        capacity: 1,
        peakBuffered: 0,
        inFlight: 0,
        inTransaction: 0,
        concurrency: 1,
        paused: false,
        missing: false,
        handled,
        dropped: 0,
        errors: 0,
        registryUnavailable: 0,
        waitingForRegistry: 0,
        handlerLatencyMs: { count: 0, mean: 0, max: 0 },
        retries: 0,
        deadLettered: 0,
        deadLetterFailures: 0,
        stoppedPartitions: 0,
        waitingForRetry: 0,
      },
    ],
    lag: [],
  };
}

describe("health", () => {
  it("is ready while fetches arrive, not ready after readyTimeoutMs, not live after liveTimeoutMs", () => {
    const watch = new ProgressWatch();
    const s = { readyTimeoutMs: 1_000, liveTimeoutMs: 5_000 };
    expect(watch.report([metricsOf("running")], s, 0)).toMatchObject({
      ready: false,
      live: true,
      connections: [{ reason: "no fetch response yet" }],
    });
    watch.fetched("c", 100);
    expect(watch.report([metricsOf("running")], s, 1_100)).toMatchObject({ ready: true, live: true });
    expect(watch.report([metricsOf("running")], s, 1_101)).toMatchObject({ ready: false, live: true });
    // Handled records are progress too (a fetch loop waiting for buffer room is not stuck).
    expect(watch.report([metricsOf("running", 5)], s, 5_000)).toMatchObject({ ready: true, live: true });
    expect(watch.report([metricsOf("running", 5)], s, 10_001)).toMatchObject({ ready: false, live: false });
    expect(watch.report([metricsOf("waiting")], s, 99_999)).toMatchObject({ ready: true, live: true });
    expect(watch.report([metricsOf("restarting")], s, 0)).toMatchObject({ ready: false, live: true });
    expect(watch.report([metricsOf("crashed")], s, 0)).toMatchObject({
      ready: false,
      live: false,
      connections: [{ reason: "crashed and gave up: gone" }],
    });
    expect(watch.report([], DEFAULT_HEALTH, 0)).toEqual({ ready: false, live: false, connections: [] });
  });

  it("follows the runtime: ready after the join and a fetch, not ready while restarting after a crash", async () => {
    const { runtime, consumer } = ordersRuntime();
    expect(runtime.health().ready).toBe(false);
    await runtime.start();
    await consumer().poll("orders", 0);
    expect(runtime.health()).toMatchObject({
      ready: true,
      live: true,
      connections: [{ name: "orders", groupId: "g-orders", state: "running", ready: true }],
    });
    consumer().crash(new Error("broker gone"), true);
    expect(runtime.health()).toMatchObject({
      ready: false,
      live: true,
      connections: [{ state: "restarting", reason: "restarting after: broker gone" }],
    });
  });

  it("serves /healthz, /readyz and /metrics", async () => {
    const { runtime, consumer } = ordersRuntime();
    const exporter = prometheusMetrics(runtime);
    const server = await serveOperations(runtime, { port: 0, host: "127.0.0.1", metrics: exporter });
    try {
      const get = async (path: string) => {
        const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
        return { status: response.status, body: await response.text() };
      };
      expect((await get("/readyz")).status).toBe(503);
      await runtime.start();
      await consumer().poll("orders", 0);
      const ready = await get("/readyz");
      expect(ready.status).toBe(200);
      expect(JSON.parse(ready.body)).toMatchObject({ ready: true, live: true });
      expect((await get("/healthz")).status).toBe(200);
      expect((await get("/metrics")).body).toContain("kefgen_connections 1");
      expect((await get("/nope")).status).toBe(404);
    } finally {
      await server.close();
      exporter.close();
    }
  });
});
