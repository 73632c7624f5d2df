// Missing topics with the in-process fake consumer: a connection runs its consumer only on the topics
// that exist, drops one kafkajs reports missing (a new consumer: kafkajs cannot unsubscribe), and
// subscribes again once it exists. The broker-level proof is test/integration/topics-missing.test.ts.

import { afterEach, describe, expect, it } from "vitest";
import type { Admin } from "kafkajs";
import { kafkajsTransport } from "../../runtime/transport/kafkajs.js";
import { Connection } from "../../runtime/connection.js";
import { TopicMissingError } from "../../runtime/errors.js";
import { RuntimeEventEmitter, RuntimeEvents, type RuntimeEventMap } from "../../runtime/events.js";
import { silentLogger } from "../../runtime/logger.js";
import { adminTopicDirectory, TopicAvailability, type TopicDirectory } from "../../runtime/topic-availability.js";
import type { MissingTopicsMode } from "../../runtime/types.js";
import { FakeConsumer } from "./fake-consumer.js";
import { binding, flush, settings } from "./helpers.js";

type Recorded = { [E in keyof RuntimeEventMap]: RuntimeEventMap[E][] };

/** kafkajs's error for a topic the broker does not have, wrapped like its retrier does. */
function unknownTopicError(): Error {
  const protocol = Object.assign(new Error("This server does not host this topic-partition"), {
    type: "UNKNOWN_TOPIC_OR_PARTITION",
    retriable: true,
  });
  return Object.assign(new Error("This server does not host this topic-partition"), {
    name: "KafkaJSNumberOfRetriesExceeded",
    cause: protocol,
  });
}

/** The cluster's topics, as the fake directory and the fake consumers see them. */
class FakeCluster implements TopicDirectory {
  readonly topics = new Set<string>();
  questions = 0;
  failing = false;
  async existing(topics: readonly string[]): Promise<ReadonlySet<string>> {
    this.questions++;
    if (this.failing) throw new Error("cluster unavailable");
    return new Set(topics.filter((t) => this.topics.has(t)));
  }
  async close(): Promise<void> {}
}

const running: Connection[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop({ deadline: Date.now() + 50 })));
});

function harness(topics: string[], existing: string[], missingTopics: MissingTopicsMode) {
  const cluster = new FakeCluster();
  for (const t of existing) cluster.topics.add(t);
  const emitter = new RuntimeEventEmitter(silentLogger);
  const events = Object.fromEntries(Object.values(RuntimeEvents).map((name) => [name, []])) as unknown as Recorded;
  for (const name of Object.values(RuntimeEvents))
    emitter.on(name, ((payload: unknown) => (events[name] as unknown[]).push(payload)) as never);
  const consumers: FakeConsumer[] = [];
  const handled: string[] = [];
  const connection = new Connection({
    spec: {
      name: "shared",
      kind: "shared",
      settings: settings({ missingTopics }),
      topics: topics.map((t) => binding(t, (v) => void handled.push(`${t}:${v}`))),
    },
    transport: kafkajsTransport(
      { brokers: [] },
      {
        logger: silentLogger,
        createConsumer: (config) => {
          const consumer = new FakeConsumer(config);
          // Like kafkajs: subscribe() fails on a topic the broker does not have; the join assigns the rest.
          const subscribe = consumer.subscribe.bind(consumer);
          consumer.subscribe = async (subscription) => {
            await subscribe(subscription);
            const wanted = "topics" in subscription ? (subscription.topics as string[]) : [];
            if (wanted.some((t) => !cluster.topics.has(t))) throw unknownTopicError();
            consumer.assignment = Object.fromEntries(wanted.map((t) => [t, [0]]));
          };
          consumers.push(consumer);
          return consumer;
        },
      },
    ),
    events: emitter,
    logger: silentLogger,
    restart: { initialDelayMs: 5, maxDelayMs: 5, maxAttempts: 3 },
    topicDirectory: cluster,
    missingTopicCheckMs: 10,
  });
  running.push(connection);
  return { connection, cluster, consumers, events, handled, last: () => consumers.at(-1)! };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const subscribed = (consumer: FakeConsumer) =>
  consumer.subscriptions.map((s) => ("topics" in s ? s.topics : [s.topic]));

describe("TopicAvailability", () => {
  it("reports each topic once when it goes missing and once when it returns, and keeps declaration order", async () => {
    const cluster = new FakeCluster();
    cluster.topics.add("b");
    const emitter = new RuntimeEventEmitter(silentLogger);
    const seen: string[] = [];
    emitter.on(RuntimeEvents.TOPIC_MISSING, (e) => void seen.push(`missing ${e.topic} ${e.when} ${e.waiting}`));
    emitter.on(RuntimeEvents.TOPIC_RETURNED, (e) => void seen.push(`returned ${e.topic}`));
    const availability = new TopicAvailability({
      connection: "c",
      topics: ["a", "b", "c"],
      directory: cluster,
      events: emitter,
      logger: silentLogger,
      checkIntervalMs: 10,
      onReturned: () => {},
    });
    expect(await availability.check("start", true)).toEqual({ newlyMissing: ["a", "c"], returned: [] });
    expect(await availability.check("running", true)).toEqual({ newlyMissing: [], returned: [] });
    expect(availability.present()).toEqual(["b"]);
    cluster.topics.add("c");
    expect(await availability.check("running", true)).toEqual({ newlyMissing: [], returned: ["c"] });
    expect(availability.present()).toEqual(["b", "c"]);
    expect(availability.missingTopics()).toEqual(["a"]);
    expect(availability.timesMissing).toBe(2);
    expect(seen).toEqual(["missing a start true", "missing c start true", "returned c"]);
  });

  it("a directory that cannot answer changes nothing", async () => {
    const cluster = new FakeCluster();
    cluster.failing = true;
    const availability = new TopicAvailability({
      connection: "c",
      topics: ["a"],
      directory: cluster,
      events: new RuntimeEventEmitter(silentLogger),
      logger: silentLogger,
      checkIntervalMs: 10,
      onReturned: () => {},
    });
    await expect(availability.check("start", true)).rejects.toThrow("cluster unavailable");
    expect(availability.present()).toEqual(["a"]);
  });
});

describe("Connection: missing topics at start", () => {
  it("missingTopics = fail: start() rejects with a TopicMissingError naming the topics and the connection", async () => {
    const h = harness(["orders", "payments", "refunds"], ["payments"], "fail");
    const error = await h.connection.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TopicMissingError);
    expect(error).toMatchObject({ connection: "shared", topics: ["orders", "refunds"], client: "kafkajs" });
    expect((error as Error).message).toContain(
      'connection "shared": topics "orders", "refunds" do not exist on the cluster; hint: create them (kefgen topics apply, or the runtime option ensureTopics: true; the runtime\'s kafkajs consumer never creates topics by itself)',
    );
    expect((error as Error).cause).toMatchObject({ name: "KafkaJSNumberOfRetriesExceeded" });
    expect(h.connection.state).toBe("crashed");
    expect(h.events.topicMissing.map((e) => [e.topic, e.when, e.waiting])).toEqual([
      ["orders", "start", false],
      ["refunds", "start", false],
    ]);
  });

  it("missingTopics = wait: consumes the topics that exist, then subscribes again with the missing one once it exists", async () => {
    const h = harness(["orders", "payments"], ["payments"], "wait");
    await h.connection.start();
    expect(h.connection.state).toBe("running");
    expect(h.consumers.map(subscribed)).toEqual([[["orders", "payments"]], [["payments"]]]);
    expect(h.consumers[0]!.calls.at(-1)).toBe("disconnect"); // the consumer that failed to subscribe is closed
    expect(h.connection.metrics()).toMatchObject({ missingTopics: ["orders"], topicsFoundMissing: 1 });
    h.last().append("payments", 0, ["p0"]);
    await h.last().poll("payments", 0);
    await until(() => h.handled.length === 1, "the existing topic to be handled");

    h.cluster.topics.add("orders");
    await until(() => h.consumers.length === 3 && h.connection.state === "running", "a consumer with every topic");
    expect(subscribed(h.last())).toEqual([["orders", "payments"]]);
    expect(h.consumers[1]!.commits.flat()).toEqual([{ topic: "payments", partition: 0, offset: "1" }]); // committed before leaving
    expect(h.events.topicReturned).toMatchObject([{ connection: "shared", topic: "orders" }]);
    expect(h.connection.metrics()).toMatchObject({ missingTopics: [], topicsFoundMissing: 1 });
    expect(h.connection.metrics().topics.map((t) => t.missing)).toEqual([false, false]);
  });

  it('missingTopics = wait with no topic at all: start() resolves in state "waiting", without a consumer', async () => {
    const h = harness(["orders"], [], "wait");
    await h.connection.start();
    expect(h.connection.state).toBe("waiting");
    expect(h.consumers).toHaveLength(1); // only the one whose subscribe failed
    h.cluster.topics.add("orders");
    await until(() => h.connection.state === "running", "the topic to be picked up");
    expect(subscribed(h.last())).toEqual([["orders"]]);
  });
});

describe("Connection: a topic deleted while consumed", () => {
  it("drops it (new consumer on the others, event, metric) instead of letting kafkajs restart with it", async () => {
    const h = harness(["orders", "payments"], ["orders", "payments"], "fail");
    await h.connection.start();
    h.cluster.topics.delete("orders");
    h.last().crash(unknownTopicError(), false);
    await until(
      () => h.consumers.length === 2 && h.connection.state === "running",
      "a consumer on the remaining topic",
    );
    expect(subscribed(h.last())).toEqual([["payments"]]);
    expect(h.events.topicMissing).toEqual([
      { connection: "shared", topic: "orders", when: "running", waiting: true, checkIntervalMs: 10 },
    ]);
    expect(h.events.crash).toMatchObject([{ connection: "shared", restarting: true }]);
    expect(h.connection.metrics()).toMatchObject({ restarts: 1, missingTopics: ["orders"], topicsFoundMissing: 1 });
    h.last().append("payments", 0, ["p0"]);
    await h.last().poll("payments", 0);
    await until(() => h.handled.includes("payments:p0"), "the other topic to go on");
  });

  it("when the cluster says every topic exists after all, it is an ordinary restart with backoff", async () => {
    const h = harness(["orders"], ["orders"], "fail");
    await h.connection.start();
    h.last().crash(unknownTopicError(), false);
    await until(() => h.last().calls.filter((c) => c === "run").length === 2, "the restart");
    expect(h.consumers).toHaveLength(1);
    expect(h.events.topicMissing).toEqual([]);
  });

  it("when the cluster cannot be asked, it is an ordinary restart too", async () => {
    const h = harness(["orders"], ["orders"], "fail");
    await h.connection.start();
    h.cluster.failing = true;
    h.last().crash(unknownTopicError(), false);
    await until(() => h.last().calls.filter((c) => c === "run").length === 2, "the restart");
    expect(h.connection.metrics().missingTopics).toEqual([]);
  });
});

describe("adminTopicDirectory", () => {
  it("connects at the first question, reconnects after a failure, and disconnects on close", async () => {
    const calls: string[] = [];
    let fail = false;
    const admin = () =>
      ({
        connect: async () => void calls.push("connect"),
        disconnect: async () => void calls.push("disconnect"),
        listTopics: async () => {
          calls.push("list");
          if (fail) throw new Error("broker gone");
          return ["a", "b"];
        },
      }) as unknown as Admin;
    const directory = adminTopicDirectory(admin);
    expect(calls).toEqual([]);
    expect([...(await directory.existing(["a", "c"]))]).toEqual(["a"]);
    expect([...(await directory.existing(["b"]))]).toEqual(["b"]);
    fail = true;
    await expect(directory.existing(["a"])).rejects.toThrow("broker gone");
    fail = false;
    expect([...(await directory.existing(["a"]))]).toEqual(["a"]);
    await directory.close();
    expect(calls).toEqual(["connect", "list", "list", "list", "disconnect", "connect", "list", "disconnect"]);
    await flush();
  });
});
