// Typed producers against the real broker (issue 12): the generated producers of fixtures/valid/producers write
// bare Avro, Confluent-framed (schema registered on first send, or only looked up: autoRegister = false) and
// single-object records with typed keys, and the same fixture's generated consumers read every one back exactly.
// The topics have the fixture's fixed names: each test deletes and re-creates them, so a rerun starts clean.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ConsumerRuntime,
  ProducerStoppedError,
  type AvroCodec,
  SchemaNotRegisteredError,
  SchemaRegistryClient,
  silentLogger,
  type ConnectionSpec,
  type MessageContext,
} from "kefgen/runtime";
import {
  createShopProducersProducers,
  shopProducersConnections,
  type Order,
  type OrderId,
  type ShopProducersHandlers,
} from "../../fixtures/valid/producers/expected/index.js";
import { orderCodec, orderIdCodec } from "../../fixtures/valid/producers/expected/codecs.js";
import { startDevRegistry, type DevRegistry } from "../../scripts/registry/server.js";
import { prometheusProducerMetrics } from "../../runtime/exporters/prometheus.js";
import { brokers, createTopic, kafka, uniqueName, waitFor, withAdmin } from "../support/kafka.js";
import { runWitness } from "../support/python.js";

const topics = [
  "producers-orders",
  "producers-blobs",
  "producers-anonymous",
  "producers-framed",
  "producers-framed-auto",
  "producers-single",
  "producers-audit",
];

let registry: DevRegistry;
beforeAll(async () => {
  registry = await startDevRegistry();
  process.env["KEFGEN_PRODUCERS_REGISTRY_URL"] = registry.url;
});
afterAll(async () => {
  delete process.env["KEFGEN_PRODUCERS_REGISTRY_URL"];
  await registry.stop();
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * Every topic of the fixture, empty from where a reader starts: created the first time, afterwards truncated to its
 * end (DeleteRecords moves each partition's log start there). Deleting and re-creating the topics between tests,
 * as this file did, raced with the broker finishing the deletion under load ("already exists", "does not host this
 * topic-partition"); a truncated topic keeps its partitions and leaders.
 */
async function freshTopics(): Promise<void> {
  const existing = new Set(await withAdmin((admin) => admin.listTopics()));
  for (const t of topics) {
    if (!existing.has(t)) {
      await createTopic(t, 2);
      continue;
    }
    await withAdmin(async (admin) => {
      const ends = await admin.fetchTopicOffsets(t);
      await admin.deleteTopicRecords({
        topic: t,
        partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
      });
    });
  }
}

interface Received<T, K> {
  readonly value: T;
  readonly key: K;
  readonly context: MessageContext<any>;
}

/** Starts the generated consumers (fresh group, from the earliest offset) and collects what each handler gets. */
async function consumeAll(): Promise<Record<keyof ShopProducersHandlers, Received<unknown, unknown>[]>> {
  const seen = {
    orders: [],
    orderBlobs: [],
    anonymousOrders: [],
    framedOrders: [],
    framedAuto: [],
    singleOrders: [],
    audit: [],
  } as Record<keyof ShopProducersHandlers, Received<unknown, unknown>[]>;
  const collect = (name: keyof ShopProducersHandlers) => (value: unknown, context: MessageContext<any>) =>
    void seen[name].push({ value, key: context.key, context });
  const handlers: ShopProducersHandlers = {
    orders: collect("orders"),
    orderBlobs: collect("orderBlobs"),
    anonymousOrders: collect("anonymousOrders"),
    framedOrders: collect("framedOrders"),
    framedAuto: collect("framedAuto"),
    singleOrders: collect("singleOrders"),
    audit: collect("audit"),
  };
  const group = uniqueName("producers-group");
  const specs: ConnectionSpec[] = shopProducersConnections(handlers).map((c) => ({
    ...c,
    settings: { ...c.settings, groupId: group, autoOffsetReset: "earliest", fetchMaxWaitMs: 100 },
  }));
  const runtime = new ConsumerRuntime(specs, { brokers: brokers() }, { logger: silentLogger });
  await runtime.start();
  cleanups.push(() => runtime.stop({ timeoutMs: 10_000 }));
  return seen;
}

const order = (i: number): Order => ({ id: `o-${i}`, total: i * 100 - 50, note: i % 2 ? null : `note ${i} ✓` });

describe("generated producers on a real broker", () => {
  it("write bare, Confluent-framed and single-object records with typed keys that the generated consumers read back exactly", async () => {
    await freshTopics();
    const producers = createShopProducersProducers({ brokers: brokers() }, { logger: silentLogger });
    await producers.start();
    cleanups.push(() => producers.stop());
    const p = producers.topics;
    const n = 20;
    const orders = Array.from({ length: n }, (_, i) => order(i));

    // The framed topic with autoRegister = false: its schemas must be registered first.
    const client = new SchemaRegistryClient({ name: "test", url: registry.url });
    await client.register(
      "producers-framed-value",
      JSON.stringify((orderCodec as AvroCodec<Order>).type.schema({ exportAttrs: true })),
    );
    await client.register(
      "producers-framed-key",
      JSON.stringify((orderIdCodec as AvroCodec<OrderId>).type.schema({ exportAttrs: true })),
    );

    const timestamp = 1_700_000_000_000;
    await Promise.all(
      orders.map((o, i) =>
        p.orders.send(o, { key: o.id, headers: { "x-index": String(i) }, timestamp: timestamp + i }),
      ),
    );
    await p.orderBlobs.sendBatch(orders.map((o) => ({ value: o, key: Buffer.from([0, 255, orders.indexOf(o)]) })));
    await p.anonymousOrders.sendBatch(orders.map((o) => ({ value: o })));
    await p.framedOrders.sendBatch(orders.map((o) => ({ value: o, key: { id: o.id } satisfies OrderId })));
    await p.framedOrders.send(null, { key: { id: "o-3" } });
    await Promise.all(orders.map((o) => p.framedAuto.send(o, { key: o.id, partition: 1 })));
    await p.singleOrders.sendBatch(orders.map((o) => ({ value: o })));

    const seen = await consumeAll();
    await waitFor(
      () =>
        seen.orders.length === n &&
        seen.orderBlobs.length === n &&
        seen.anonymousOrders.length === n &&
        seen.framedOrders.length === n + 1 &&
        seen.framedAuto.length === n &&
        seen.singleOrders.length === n,
      { timeoutMs: 60_000, message: "every produced record consumed" },
    );
    // The producers' counts equal what was sent and consumed, per topic.
    expect(Object.fromEntries(producers.metrics().topics.map((t) => [t.topic, [t.sent, t.failed]]))).toEqual({
      "producers-orders": [n, 0],
      "producers-blobs": [n, 0],
      "producers-anonymous": [n, 0],
      "producers-framed": [n + 1, 0],
      "producers-framed-auto": [n, 0],
      "producers-single": [n, 0],
    });
    const byId = (list: Received<unknown, unknown>[]) =>
      [...list].sort((a, b) => ((a.value as Order).id < (b.value as Order).id ? -1 : 1));
    const sortedOrders = [...orders].sort((a, b) => (a.id < b.id ? -1 : 1));

    expect(byId(seen.orders).map((r) => r.value)).toEqual(sortedOrders);
    expect(byId(seen.orders).map((r) => r.key)).toEqual(sortedOrders.map((o) => o.id));
    for (const r of seen.orders) {
      const i = orders.findIndex((o) => o.id === (r.value as Order).id);
      expect(r.context.timestamp).toBe(String(timestamp + i));
      expect(String(r.context.headers?.["x-index"])).toBe(String(i));
    }
    expect(byId(seen.orderBlobs).map((r) => r.value)).toEqual(sortedOrders);
    for (const r of seen.orderBlobs)
      expect(r.key).toEqual(Buffer.from([0, 255, orders.findIndex((o) => o.id === (r.value as Order).id)]));
    expect(byId(seen.anonymousOrders).map((r) => r.value)).toEqual(sortedOrders);
    expect(seen.anonymousOrders.every((r) => r.key === null)).toBe(true);

    const framed = seen.framedOrders.filter((r) => r.value !== null);
    expect(byId(framed).map((r) => r.value)).toEqual(sortedOrders);
    expect(byId(framed).map((r) => r.key)).toEqual(sortedOrders.map((o) => ({ id: o.id })));
    expect(seen.framedOrders.filter((r) => r.value === null).map((r) => r.key)).toEqual([{ id: "o-3" }]);

    expect(byId(seen.framedAuto).map((r) => r.value)).toEqual(sortedOrders);
    expect(seen.framedAuto.every((r) => r.context.partition === 1)).toBe(true);
    // Registered on first use, once, under the topic strategy's subject.
    expect((await client.latestVersion("producers-framed-auto-value"))?.version).toBe(1);

    expect(byId(seen.singleOrders).map((r) => r.value)).toEqual(sortedOrders);
    expect(seen.audit).toEqual([]);

    // The framing is really Confluent's and single-object's: read the raw bytes of one record each.
    const raw = await rawFirstValues(["producers-framed-auto", "producers-single"]);
    expect(raw.get("producers-framed-auto")![0]).toBe(0);
    expect(raw.get("producers-single")!.subarray(0, 2).toString("hex")).toBe("c301");
  });

  it("Confluent-framed records written by the generated producer are read by Python confluent-kafka's AvroDeserializer", async () => {
    await freshTopics();
    const producers = createShopProducersProducers({ brokers: brokers() }, { logger: silentLogger });
    await producers.start();
    cleanups.push(() => producers.stop());
    const orders = Array.from({ length: 10 }, (_, i) => order(i));
    await producers.topics.framedAuto.sendBatch(orders.map((o) => ({ value: o, key: o.id, partition: 0 })));
    const read = JSON.parse(
      await runWitness("consume.py", [
        "--brokers",
        brokers().join(","),
        "--registry",
        registry.url,
        "--topic",
        "producers-framed-auto",
        "--count",
        "10",
      ]),
    ) as { key: string; value: Order }[];
    expect(read).toEqual(orders.map((o) => ({ key: o.id, value: o })));
  });

  it("autoRegister = false: a send whose schema is not registered fails clearly and writes nothing", async () => {
    await freshTopics();
    const fresh = await startDevRegistry();
    process.env["KEFGEN_PRODUCERS_REGISTRY_URL"] = fresh.url;
    const producers = createShopProducersProducers({ brokers: brokers() }, { logger: silentLogger });
    process.env["KEFGEN_PRODUCERS_REGISTRY_URL"] = registry.url;
    cleanups.push(() => fresh.stop());
    await producers.start();
    cleanups.push(() => producers.stop());
    const error = await producers.topics.framedOrders.send(order(1), { key: { id: "o-1" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaNotRegisteredError);
    expect((error as Error).message).toMatch(
      /not registered under subject "producers-framed-value" in registry "main".*autoRegister = false/,
    );
    expect(await endOffsetSum("producers-framed")).toBe(0);
    // The refused send is counted as one failed record, none sent.
    expect(producers.metrics().topics.map(({ topic, sent, failed }) => ({ topic, sent, failed }))).toEqual([
      { topic: "producers-framed", sent: 0, failed: 1 },
    ]);
  });

  it("stop() waits for the sends already made; a send after stop (or before start) rejects clearly", async () => {
    await freshTopics();
    const producers = createShopProducersProducers({ brokers: brokers() }, { logger: silentLogger });
    const exporter = prometheusProducerMetrics(producers);
    const early = await producers.topics.orders.send(order(0), { key: "o-0" }).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(ProducerStoppedError);
    expect((early as Error).message).toMatch(/call start\(\) first/);
    await producers.start();
    const pending = Array.from({ length: 50 }, (_, i) => producers.topics.orders.send(order(i), { key: `o-${i}` }));
    await producers.stop();
    // Every send accepted before stop() was acknowledged by the time stop() resolved.
    const results = await Promise.allSettled(pending);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(50);
    expect(await endOffsetSum("producers-orders")).toBe(50);
    // The counts equal what the broker holds; the sends refused before start and after stop are not among them.
    const scrape = await exporter.text();
    expect(scrape).toContain('kefgen_producer_records_sent_total{topic="producers-orders"} 50\n');
    expect(scrape).toContain('kefgen_producer_records_failed_total{topic="producers-orders"} 0\n');
    expect(scrape).toContain('kefgen_producer_send_duration_seconds_count{topic="producers-orders"} 50\n');
    const late = await producers.topics.orders.send(order(99), { key: "o-99" }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(ProducerStoppedError);
    expect((late as Error).message).toMatch(/not running \(they were stopped/);
    expect(await endOffsetSum("producers-orders")).toBe(50);
    expect(producers.metrics().topics).toMatchObject([
      { topic: "producers-orders", sent: 50, failed: 0, sendLatencyMs: { count: 50 } },
    ]);
    exporter.close();
  });
});

/** How many records `topic` holds from its log start (what this test wrote: freshTopics truncates). */
async function endOffsetSum(topic: string): Promise<number> {
  return withAdmin(async (admin) =>
    (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0),
  );
}

/** The value bytes of the first record of each topic, read with a plain kafkajs consumer. */
async function rawFirstValues(names: readonly string[]): Promise<Map<string, Buffer>> {
  const consumer = kafka().consumer({ groupId: uniqueName("producers-raw") });
  const out = new Map<string, Buffer>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...names], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (!out.has(topic) && message.value) out.set(topic, message.value);
      },
    });
    await waitFor(() => out.size === names.length, { timeoutMs: 30_000, message: "a record of each topic" });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
