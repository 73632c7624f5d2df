// Multi-type topics against the real broker (issue 12), on the generated code of fixtures/valid/multi-type: the
// generated producer writes every member (setting the type header itself, or registering each member's schema under
// <topic>-<full name>) and the generated consumers hand each record to the right handler — one per member, or one
// of the { type, value } union. A record with an unknown $type, one without the header, and (route = schema) one framed
// with the schema id of a record that is no member go to the dead-letter topic, beside a record whose handler failed.
// The generated dead-letter readers (shopMultiDeadLetters) read them back: the failed record decoded as its member
// ({ type, value }, by its $type header or its writer schema), the others raw with the route's reason. The topics
// have the fixture's names: they are deleted and re-created once, so a rerun starts clean; the two tests write
// different topics.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ConsumerRuntime,
  DeadLetterHeaders,
  SchemaRegistryClient,
  silentLogger,
  type AvroCodec,
  type ConnectionSpec,
  type DeadLetter,
  type MessageContext,
  type OneOf,
  type TopicBinding,
} from "kefgen/runtime";
import {
  createShopMultiProducers,
  shopMultiConnections,
  shopMultiDeadLetters,
  type OrderCancelled,
  type OrderCreated,
  type OrderShipped,
  type ShopMultiHandlers,
} from "../../fixtures/valid/multi-type/expected/index.js";
import {
  orderCancelledCodec,
  orderCreatedCodec,
  orderShippedCodec,
} from "../../fixtures/valid/multi-type/expected/codecs.js";
import { startDevRegistry, type DevRegistry } from "../../scripts/registry/server.js";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { brokers, createTopic, produce, readAll, uniqueName, waitFor, withAdmin } from "../support/kafka.js";
import { runWitness } from "../support/python.js";
import { testSettings } from "../support/guarantees.js";

const topics = [
  "multi-orders",
  "multi-orders-dlt",
  "multi-order-events",
  "multi-orders-framed",
  "multi-orders-framed-dlt",
];

let registry: DevRegistry;
beforeAll(async () => {
  registry = await startDevRegistry();
  process.env["KEFGEN_MULTI_TYPE_REGISTRY_URL"] = registry.url;
  await freshTopics();
}, 120_000);
afterAll(async () => {
  delete process.env["KEFGEN_MULTI_TYPE_REGISTRY_URL"];
  await registry.stop();
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function freshTopics(): Promise<void> {
  await withAdmin(async (admin) => {
    const existing = new Set(await admin.listTopics());
    const old = topics.filter((t) => existing.has(t));
    if (old.length > 0) await admin.deleteTopics({ topics: old, timeout: 30_000 });
    await waitFor(async () => !(await admin.listTopics()).some((t) => old.includes(t)), {
      timeoutMs: 30_000,
      message: "old multi-type topics deleted",
    });
  });
  for (const t of topics) await createTopic(t, 2);
}

type Seen = { handler: string; type?: string; value: unknown; context: MessageContext<any> };

/** Starts the generated consumers (fresh group, from the earliest offset) with the given handlers. */
async function consume(handlers: ShopMultiHandlers): Promise<void> {
  const group = uniqueName("multi-type-group");
  const specs: ConnectionSpec[] = shopMultiConnections(handlers).map((c) => ({
    ...c,
    settings: { ...c.settings, groupId: group, autoOffsetReset: "earliest", fetchMaxWaitMs: 100 },
  }));
  const runtime = new ConsumerRuntime(specs, { brokers: brokers() }, { logger: silentLogger });
  await runtime.start();
  cleanups.push(() => runtime.stop({ timeoutMs: 10_000 }));
}

/** Reads a dead-letter topic from its start with a generated reader, on a connection of its own. */
async function readDeadLetters(binding: TopicBinding<any>): Promise<void> {
  const runtime = new ConsumerRuntime(
    [
      {
        name: "dead-letters",
        kind: "exclusive",
        settings: testSettings(uniqueName("multi-dlt-group")),
        topics: [binding],
      },
    ],
    { brokers: brokers() },
    { logger: silentLogger },
  );
  await runtime.start();
  cleanups.push(() => runtime.stop({ timeoutMs: 10_000 }));
}

type Orders = OneOf<{
  "shop.orders.OrderCreated": OrderCreated;
  "shop.orders.OrderCancelled": OrderCancelled;
  "shop.orders.OrderShipped": OrderShipped;
}>;

/** The reason a letter was not decoded, or fails the test when it was. */
function rawReason(letter: DeadLetter<Orders>): string {
  if (letter.value.decoded) throw new Error(`${letter.position.offset} was decoded: ${JSON.stringify(letter.value)}`);
  return letter.value.error.message;
}

const created: OrderCreated = { orderId: "o-1", total: 1250 };
const cancelled: OrderCancelled = { orderId: "o-2", reason: "out of stock" };
const shipped: OrderShipped = { orderId: "o-3", carrier: "dhl ✓" };
/** Its handler throws: it is dead-lettered after its one attempt, a valid member value with its $type header. */
const refused: OrderShipped = { orderId: "o-4", carrier: "refused" };

describe("multi-type topics on a real broker", () => {
  it("route by the $type header: each member reaches its handler; an unknown $type and a missing header are dead-lettered, and the typed reader decodes the failed one", async () => {
    const producers = createShopMultiProducers({ brokers: brokers() }, { logger: silentLogger });
    await producers.start();
    cleanups.push(() => producers.stop());
    const p = producers.topics;
    await p.orders.send({ type: "shop.orders.OrderCreated", value: created }, { key: "o-1" });
    await p.orders.sendBatch([
      { value: { type: "shop.orders.OrderCancelled", value: cancelled }, key: "o-2", headers: { trace: "t-2" } },
      { value: { type: "shop.orders.OrderShipped", value: shipped }, key: "o-3" },
      { value: { type: "shop.orders.OrderShipped", value: refused }, key: "o-4" },
    ]);
    await p.orderEvents.sendBatch([
      { value: { type: "shop.orders.OrderShipped", value: shipped } },
      { value: { type: "shop.orders.OrderCreated", value: created } },
    ]);
    // Written by hand: a type no member has, and no header at all (the bytes are a valid OrderCreated either way).
    const bytes = orderCreatedCodec.encode(created);
    await produce("multi-orders", [
      { key: "bad-1", value: bytes, headers: { $type: "shop.orders.OrderReturned" } },
      { key: "bad-2", value: bytes },
    ]);

    const seen: Seen[] = [];
    const member =
      (handler: string) =>
      (value: unknown, context: MessageContext<any>): void =>
        void seen.push({ handler, value, context });
    await consume({
      orders: {
        OrderCreated: member("created"),
        OrderCancelled: member("cancelled"),
        OrderShipped: (value, context) => {
          if (value.carrier === refused.carrier) throw new Error("the warehouse refused o-4");
          member("shipped")(value, context);
        },
      },
      orderEvents: (message, context) =>
        void seen.push({ handler: "events", type: message.type, value: message.value, context }),
      framedOrders: () => {
        throw new Error("nothing is written to multi-orders-framed in this test");
      },
    });
    await waitFor(() => seen.length === 5, { timeoutMs: 60_000, message: "five records handled" });
    const orders = seen.filter((s) => s.handler !== "events");
    expect(Object.fromEntries(orders.map((s) => [s.handler, s.value]))).toEqual({
      created,
      cancelled,
      shipped,
    });
    // The producer set the header itself, beside the caller's own headers, and kept the keys.
    for (const s of orders) {
      expect(String(s.context.headers["$type"])).toBe(
        `shop.orders.Order${s.handler[0]!.toUpperCase()}${s.handler.slice(1)}`,
      );
      expect(s.context.key).toBe((s.value as { orderId: string }).orderId);
    }
    expect(String(orders.find((s) => s.handler === "cancelled")!.context.headers["trace"])).toBe("t-2");
    // Another header name: event-type, not $type.
    const events = seen.filter((s) => s.handler === "events");
    expect(events.map((s) => [s.type, s.value]).sort()).toEqual(
      [
        ["shop.orders.OrderCreated", created],
        ["shop.orders.OrderShipped", shipped],
      ].sort(),
    );
    for (const s of events) {
      expect(String(s.context.headers["event-type"])).toBe(s.type);
      expect(s.context.headers["$type"]).toBeUndefined();
    }

    const letters = await readAll("multi-orders-dlt", 3);
    expect(letters.map((l) => l.key?.toString()).sort()).toEqual(["bad-1", "bad-2", "o-4"]);
    for (const letter of letters.filter((l) => l.key?.toString() !== "o-4")) {
      expect(letter.value).toEqual(bytes);
      const message = letter.headers?.[DeadLetterHeaders.EXCEPTION_MESSAGE]?.toString() ?? "";
      expect(message).toMatch(
        letter.key?.toString() === "bad-1"
          ? /"\$type" header "shop.orders.OrderReturned" is not a type of topic "multi-orders"/
          : /has no "\$type" header naming its type/,
      );
    }

    // The generated dead-letter reader: the failed record decoded as its member, the undecodable ones raw with why.
    const read: DeadLetter<Orders>[] = [];
    await readDeadLetters(shopMultiDeadLetters.orders((letter) => void read.push(letter)));
    await waitFor(() => read.length === 3, { timeoutMs: 60_000, message: "three dead letters read" });
    const byKey = new Map(read.map((l) => [l.key?.toString(), l]));
    expect(byKey.get("o-4")!.value).toEqual({
      decoded: true,
      message: { type: "shop.orders.OrderShipped", value: refused },
    });
    expect(byKey.get("o-4")).toMatchObject({
      originalTopic: "multi-orders",
      errorMessage: "the warehouse refused o-4",
      attempts: 1,
    });
    expect(String(byKey.get("o-4")!.headers["$type"])).toBe("shop.orders.OrderShipped");
    expect(rawReason(byKey.get("bad-1")!)).toMatch(
      /"\$type" header "shop.orders.OrderReturned" is not a type of topic "multi-orders"/,
    );
    expect(rawReason(byKey.get("bad-2")!)).toMatch(/has no "\$type" header naming its type/);
    for (const key of ["bad-1", "bad-2"]) {
      expect(byKey.get(key)!.value).toMatchObject({ decoded: false, bytes: bytes });
      expect(byKey.get(key)!.errorClass).toBe("DecodeError");
    }
  });

  it("route by the writer schema: each member's schema registered under <topic>-<full name> routes its records; another record's is dead-lettered, and the typed reader decodes a failed one through the registry", async () => {
    const producers = createShopMultiProducers({ brokers: brokers() }, { logger: silentLogger });
    await producers.start();
    cleanups.push(() => producers.stop());
    await producers.topics.framedOrders.sendBatch([
      { value: { type: "shop.orders.OrderCreated", value: created } },
      { value: { type: "shop.orders.OrderCancelled", value: cancelled } },
      { value: { type: "shop.orders.OrderShipped", value: shipped } },
    ]);
    // Each member registered under TopicRecordNameStrategy's subject, once.
    const client = new SchemaRegistryClient({ name: "test", url: registry.url });
    for (const name of ["OrderCreated", "OrderCancelled", "OrderShipped"])
      expect((await client.latestVersion(`multi-orders-framed-shop.orders.${name}`))?.version).toBe(1);
    // Framed by hand with the id of a record that is no member (and the bytes of a valid OrderCreated after it).
    const otherId = await client.register(
      "multi-orders-framed-shop.orders.OrderReturned",
      JSON.stringify({
        type: "record",
        name: "OrderReturned",
        namespace: "shop.orders",
        fields: [{ name: "orderId", type: "string" }],
      }),
    );
    const header = Buffer.alloc(5);
    header.writeUInt32BE(otherId, 1);
    const foreign = Buffer.concat([header, orderCreatedCodec.encode(created)]);
    await produce("multi-orders-framed", [{ key: "bad", value: foreign }]);

    const seen: Seen[] = [];
    await consume({
      orders: { OrderCreated: () => undefined, OrderCancelled: () => undefined, OrderShipped: () => undefined },
      orderEvents: () => undefined,
      framedOrders: (message, context) => {
        if (message.type === "shop.orders.OrderCancelled") throw new Error("cancellations are refused here");
        seen.push({ handler: "framed", type: message.type, value: message.value, context });
      },
    });
    await waitFor(() => seen.length === 2, { timeoutMs: 60_000, message: "two framed records handled" });
    expect(seen.map((s) => [s.type, s.value]).sort()).toEqual(
      [
        ["shop.orders.OrderCreated", created],
        ["shop.orders.OrderShipped", shipped],
      ].sort(),
    );
    // No header was needed (or set): the schema id decides.
    for (const s of seen) expect(s.context.headers["$type"]).toBeUndefined();
    const letters = await readAll("multi-orders-framed-dlt", 2);
    const letter = letters.find((l) => l.key?.toString() === "bad");
    expect(letter!.value).toEqual(foreign);
    expect(letter!.headers?.[DeadLetterHeaders.EXCEPTION_MESSAGE]?.toString()).toMatch(
      /is the record shop.orders.OrderReturned, not a type of topic "multi-orders-framed"/,
    );

    // The generated reader asks the registry for each letter's writer schema, as the topic's consumer does.
    const read: DeadLetter<Orders>[] = [];
    await readDeadLetters(shopMultiDeadLetters.framedOrders((letter) => void read.push(letter)));
    await waitFor(() => read.length === 2, { timeoutMs: 60_000, message: "two framed dead letters read" });
    const failed = read.find((l) => l.key === null)!;
    expect(failed.value).toEqual({ decoded: true, message: { type: "shop.orders.OrderCancelled", value: cancelled } });
    expect(failed.errorMessage).toBe("cancellations are refused here");
    const other = read.find((l) => l.key?.toString() === "bad")!;
    expect(other.value).toMatchObject({ decoded: false, bytes: foreign });
    expect(rawReason(other)).toMatch(
      /writer schema id \d+ is the record shop.orders.OrderReturned, not a type of topic "multi-orders-framed"/,
    );
  });

  it("route by the writer schema: records written by Python confluent-kafka with TopicRecordNameStrategy are routed to their types", async () => {
    // Its own topic, not the fixture's: the generated wiring is pointed at it (same route, same members).
    const topic = uniqueName("multi-python");
    await createTopic(topic, 1);
    const schemaOf = (codec: unknown) => (codec as AvroCodec<unknown>).type.schema({ exportAttrs: true });
    const jobs = [
      { topic, schema: schemaOf(orderShippedCodec), values: [shipped], strategy: "topic_record" },
      { topic, schema: schemaOf(orderCreatedCodec), values: [created], strategy: "topic_record" },
      { topic, schema: schemaOf(orderCancelledCodec), values: [cancelled], strategy: "topic_record" },
    ];
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-multi-python-"));
    cleanups.push(async () => fs.rmSync(out, { recursive: true, force: true }));
    fs.writeFileSync(path.join(out, "jobs.json"), JSON.stringify(jobs));
    await runWitness("produce.py", [
      "--brokers",
      brokers().join(","),
      "--registry",
      registry.url,
      "--jobs",
      path.join(out, "jobs.json"),
      "--out",
      out,
    ]);
    expect(JSON.parse(fs.readFileSync(path.join(out, "results.json"), "utf8"))).toEqual({ [topic]: { written: 3 } });
    // confluent-kafka registered each schema under its own subject: <topic>-<record full name>.
    const client = new SchemaRegistryClient({ name: "test", url: registry.url });
    for (const name of ["OrderCreated", "OrderCancelled", "OrderShipped"])
      expect((await client.latestVersion(`${topic}-shop.orders.${name}`))?.version).toBe(1);

    const seen: Seen[] = [];
    const handlers: ShopMultiHandlers = {
      orders: { OrderCreated: () => undefined, OrderCancelled: () => undefined, OrderShipped: () => undefined },
      orderEvents: () => undefined,
      framedOrders: (message, context) =>
        void seen.push({ handler: "python", type: message.type, value: message.value, context }),
    };
    const group = uniqueName("multi-python-group");
    const [framed] = shopMultiConnections(handlers)
      .flatMap((c) => c.topics)
      .filter((t) => t.topic === "multi-orders-framed");
    const runtime = new ConsumerRuntime(
      [
        {
          name: "python",
          kind: "exclusive",
          settings: {
            ...shopMultiConnections(handlers)[0]!.settings,
            groupId: group,
            autoOffsetReset: "earliest",
            fetchMaxWaitMs: 100,
          },
          topics: [
            { ...framed!, topic, failure: { ...framed!.failure, deadLetter: undefined, onDecodeError: "stop" } },
          ],
        },
      ],
      { brokers: brokers() },
      { logger: silentLogger },
    );
    await runtime.start();
    cleanups.push(() => runtime.stop({ timeoutMs: 10_000 }));
    await waitFor(() => seen.length === 3, { timeoutMs: 60_000, message: "three Python records handled" });
    // In the order written, one partition: each routed to its type by the schema id alone.
    expect(seen.map((s) => [s.type, s.value])).toEqual([
      ["shop.orders.OrderShipped", shipped],
      ["shop.orders.OrderCreated", created],
      ["shop.orders.OrderCancelled", cancelled],
    ]);
  });
});
