// Operations against the real broker: a Prometheus scrape of a consumer under load, checked against what the
// test produced and handled (lag rises under a slow handler and falls back to 0, buffers stay within capacity);
// and readiness with the broker stopped (a dedicated broker): false within the documented time, true after.

import { Kafka, logLevel, Partitioners } from "kafkajs";
import { afterEach, describe, expect, it } from "vitest";
import {
  bindTopic,
  ConsumerRuntime,
  serveOperations,
  type ConnectionSettings,
  type ConnectionSpec,
  type RuntimeLogger,
} from "../../runtime/index.js";
import { prometheusMetrics } from "../../runtime/exporters/prometheus.js";
import { startLocalBroker, type LocalBroker } from "../../scripts/kafka/local-broker.js";
import { TICK_TYPE, tickCodec, sleep } from "../support/ticks.js";
import { brokers, createTopic, produce, uniqueName, waitFor } from "../support/kafka.js";

const quietLogger: RuntimeLogger = { debug() {}, info() {}, warn() {}, error() {} };

function settings(groupId: string): ConnectionSettings {
  return {
    groupId,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1_000,
    maxPollIntervalMs: 30_000,
    enableAutoCommit: false,
    autoCommitIntervalMs: 200,
    autoOffsetReset: "earliest",
    maxPollRecords: 500,
    fetchMinBytes: 1,
    fetchMaxWaitMs: 100,
  };
}

/** The value of one sample line `name{labels} value` of an exposition text. */
function samples(text: string, name: string): { labels: string; value: number }[] {
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .map((l) => ({ labels: l.slice(name.length, l.lastIndexOf(" ")), value: Number(l.slice(l.lastIndexOf(" ") + 1)) }));
}
const sum = (text: string, name: string) => samples(text, name).reduce((s, x) => s + x.value, 0);

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe("Prometheus scrape under load", () => {
  it("counts what was handled, lag rises under a slow handler and falls back to 0, buffers stay within capacity", async () => {
    const topic = uniqueName("ops-metrics");
    const groupId = uniqueName("ops-metrics-group");
    await createTopic(topic, 3);
    let handled = 0;
    const spec: ConnectionSpec = {
      name: "shared",
      kind: "shared",
      settings: settings(groupId),
      topics: [
        bindTopic({
          topic,
          messageType: TICK_TYPE,
          codec: tickCodec,
          buffer: { maxBufferedMessages: 20, backpressure: "ApplyBackpressure" },
          handler: async () => {
            await sleep(2);
            handled++;
          },
        }),
      ],
    };
    const runtime = new ConsumerRuntime(
      [spec],
      { brokers: brokers(), clientId: "kefgen-ops-test" },
      { logger: quietLogger },
    );
    const exporter = prometheusMetrics(runtime);
    const server = await serveOperations(runtime, { port: 0, host: "127.0.0.1", metrics: exporter });
    cleanups.push(
      () => runtime.stop({ timeoutMs: 2_000 }),
      () => server.close(),
    );
    const scrape = async () => (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();

    let pausedEvents = 0;
    runtime.on(runtime.events.PAUSED, () => pausedEvents++);
    await runtime.start();
    const produced = 600;
    await produce(
      topic,
      Array.from({ length: produced }, (_, seq) => ({
        key: `k${seq % 9}`,
        value: tickCodec.encode({ seq, source: topic }),
      })),
    );

    // Under load: scrape repeatedly until everything is handled.
    let peakLag = 0;
    let scrapes = 0;
    for (;;) {
      const text = await scrape();
      scrapes++;
      peakLag = Math.max(peakLag, sum(text, "kefgen_partition_unhandled_records"));
      for (const b of samples(text, "kefgen_buffer_records")) expect(b.value).toBeLessThanOrEqual(20);
      if (sum(text, "kefgen_records_handled_total") >= produced) break;
      if (scrapes > 2_000)
        throw new Error(`not all handled: ${sum(text, "kefgen_records_handled_total")} of ${produced}`);
      await sleep(20);
    }
    expect(peakLag).toBeGreaterThan(0);

    // Caught up: the figures equal what was produced and handled, and both lags are 0 once committed.
    const labels = `{connection="shared",group="${groupId}",topic="${topic}"}`;
    const caughtUp = await waitFor(
      async () => {
        const text = await scrape();
        const committed = samples(text, "kefgen_partition_committed_lag");
        return committed.length === 3 && committed.every((s) => s.value === 0) ? text : undefined;
      },
      { timeoutMs: 15_000, message: "committed lag 0 on every partition" },
    );
    expect(handled).toBe(produced);
    expect(samples(caughtUp, "kefgen_records_handled_total")).toEqual([{ labels, value: produced }]);
    expect(samples(caughtUp, "kefgen_records_failed_total")).toEqual([{ labels, value: 0 }]);
    expect(samples(caughtUp, "kefgen_handler_duration_seconds_count")).toEqual([{ labels, value: produced }]);
    expect(samples(caughtUp, "kefgen_buffer_capacity")).toEqual([{ labels, value: 20 }]);
    expect(samples(caughtUp, "kefgen_buffer_peak_records")[0]!.value).toBeLessThanOrEqual(20);
    expect(samples(caughtUp, "kefgen_partition_records_lag").map((s) => s.value)).toEqual([0, 0, 0]);
    expect(samples(caughtUp, "kefgen_partition_unhandled_records").map((s) => s.value)).toEqual([0, 0, 0]);
    // Whether backpressure pauses at all depends on the machine's speed (a handler that keeps up is waited for, not
    // paused): the counter must equal the pauses the runtime reported.
    expect(sum(caughtUp, "kefgen_pauses_total")).toBe(pausedEvents);
    expect(samples(caughtUp, "kefgen_connections")).toEqual([{ labels: "", value: 1 }]);
    expect(samples(caughtUp, "kefgen_connection_state").find((s) => s.labels.includes('state="running"'))?.value).toBe(
      1,
    );

    const ready = await fetch(`http://127.0.0.1:${server.port}/readyz`);
    expect(ready.status).toBe(200);
  });
});

describe("readiness with the broker stopped", () => {
  it("turns false within readyTimeoutMs + fetchMaxWaitMs of the broker stopping, and true again after it is back", async () => {
    const broker: LocalBroker = await startLocalBroker({ logLevel: "WARN" });
    cleanups.push(() => broker.stop());
    const admin = new Kafka({ clientId: "ops-admin", brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "ops-ready", numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();

    const readyTimeoutMs = 3_000;
    const spec: ConnectionSpec = {
      name: "shared",
      kind: "shared",
      settings: { ...settings("ops-ready-group"), sessionTimeoutMs: 6_000 },
      topics: [
        bindTopic({
          topic: "ops-ready",
          messageType: TICK_TYPE,
          codec: tickCodec,
          buffer: { maxBufferedMessages: 10, backpressure: "ApplyBackpressure" },
          handler: () => {},
        }),
      ],
    };
    const runtime = new ConsumerRuntime(
      [spec],
      { brokers: broker.brokers, clientId: "kefgen-ready-test" },
      {
        logger: quietLogger,
        health: { readyTimeoutMs },
        restart: { initialDelayMs: 500, maxDelayMs: 2_000, maxAttempts: Number.POSITIVE_INFINITY },
        connectTimeoutMs: 5_000,
      },
    );
    cleanups.push(() => runtime.stop({ timeoutMs: 2_000 }));
    await runtime.start();
    await waitFor(() => runtime.health().ready, { timeoutMs: 20_000, message: "ready after start" });

    await broker.kill();
    const stoppedAt = Date.now();
    await waitFor(() => !runtime.health().ready, {
      timeoutMs: 30_000,
      intervalMs: 50,
      message: "not ready with the broker stopped",
    });
    const notReadyAfterMs = Date.now() - stoppedAt;
    // The documented bound: readyTimeoutMs after the last fetch response, which came at most fetchMaxWaitMs before the stop.
    expect(notReadyAfterMs).toBeLessThanOrEqual(readyTimeoutMs + spec.settings.fetchMaxWaitMs + 1_000);
    expect(runtime.health().live).toBe(true); // a broker outage is not a reason to restart the pod

    await broker.restart();
    await waitFor(() => runtime.health().ready, {
      timeoutMs: 90_000,
      intervalMs: 200,
      message: "ready again after the broker is back",
    });
    // And it consumes again.
    const producer = new Kafka({
      clientId: "ops-producer",
      brokers: broker.brokers,
      logLevel: logLevel.NOTHING,
    }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: "ops-ready",
      messages: [{ value: tickCodec.encode({ seq: 1, source: "ops-ready" }) }],
    });
    await producer.disconnect();
    await waitFor(() => runtime.metrics().connections[0]!.topics[0]!.handled === 1, {
      timeoutMs: 30_000,
      message: "the record after the restart handled",
    });
  }, 240_000);
});
