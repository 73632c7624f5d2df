import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { kafkajsTransport } from "../../runtime/transport/kafkajs.js";
import { Connection, MAX_HOLD_MS, ROOM_IDLE_MS } from "../../runtime/connection.js";
import { RuntimeEventEmitter, RuntimeEvents, type RuntimeEventMap } from "../../runtime/events.js";
import { silentLogger, type RuntimeLogger } from "../../runtime/logger.js";
import type { ConnectionSettings, TopicBinding } from "../../runtime/types.js";
import { FakeConsumer, message } from "./fake-consumer.js";
import {
  advanceUntil,
  binding,
  deferred,
  FAKE_CLOCK,
  flush,
  recordingLogger,
  settings,
  settle,
  type Deferred,
} from "./helpers.js";

type Recorded = { [E in keyof RuntimeEventMap]: RuntimeEventMap[E][] };

interface Harness {
  connection: Connection;
  consumers: FakeConsumer[];
  readonly consumer: FakeConsumer;
  events: Recorded;
}

const running: Connection[] = [];

function harness(
  topics: TopicBinding<string>[],
  overrides: Partial<ConnectionSettings> = {},
  options: {
    assignment?: Record<string, number[]> | null;
    restart?: { initialDelayMs: number; maxDelayMs: number; maxAttempts: number };
    logger?: RuntimeLogger;
    commitOnStopTimeoutMs?: number;
  } = {},
): Harness {
  const emitter = new RuntimeEventEmitter(silentLogger);
  const events = Object.fromEntries(Object.values(RuntimeEvents).map((name) => [name, []])) as unknown as Recorded;
  for (const name of Object.values(RuntimeEvents))
    emitter.on(name, ((payload: unknown) => (events[name] as unknown[]).push(payload)) as never);
  const consumers: FakeConsumer[] = [];
  const assignment =
    options.assignment === undefined ? Object.fromEntries(topics.map((t) => [t.topic, [0]])) : options.assignment;
  const connection = new Connection({
    spec: { name: "shared", kind: "shared", settings: settings(overrides), topics },
    transport: kafkajsTransport(
      { brokers: [] },
      {
        logger: silentLogger,
        createConsumer: (config) => {
          const consumer = new FakeConsumer(config);
          consumer.assignment = assignment;
          consumers.push(consumer);
          return consumer;
        },
      },
    ),
    events: emitter,
    logger: options.logger ?? silentLogger,
    handlerRetry: { initialDelayMs: 1, maxDelayMs: 1 },
    restart: options.restart ?? { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 },
    ...(options.commitOnStopTimeoutMs !== undefined ? { commitOnStopTimeoutMs: options.commitOnStopTimeoutMs } : {}),
  });
  running.push(connection);
  return {
    connection,
    consumers,
    events,
    get consumer() {
      return consumers[0]!;
    },
  };
}

/** A handler that records values and waits for `release(n)` before finishing the n-th call. */
function gatedHandler() {
  const seen: string[] = [];
  const gates: Deferred[] = [];
  const gate = (i: number): Deferred => (gates[i] ??= deferred());
  return {
    seen,
    handle: async (value: string, context: { partition: number }) => {
      const i = seen.length;
      seen.push(`${context.partition}:${value}`);
      await gate(i).promise;
    },
    release: (...indexes: number[]) => indexes.forEach((i) => gate(i).resolve()),
    releaseAll: () => {
      for (let i = 0; i < 1_000; i++) gate(i).resolve();
    },
  };
}

// Tests about time (backpressure waits, intervals, backoff, stop deadlines) run on the fake clock of
// helpers.ts (FAKE_CLOCK): on a loaded machine a handler's 1 ms sleep can last longer than ROOM_IDLE_MS,
// and the runtime then rightly pauses; on the real clock such a test measured the machine.
const commitsOf = (consumer: FakeConsumer) =>
  consumer.commits.map((c) => c.map((o) => `${o.topic}[${o.partition}]=${o.offset}`).join(","));

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(running.splice(0).map((c) => c.stop({ deadline: Date.now() + 50 })));
});

describe("Connection setup", () => {
  it("maps the resolved settings onto the kafkajs consumer and runs with manual offsets", async () => {
    const h = harness([binding("orders", () => {}), binding("payments", () => {})], {
      groupId: "g-orders",
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
      maxPollIntervalMs: 60_000,
      fetchMinBytes: 10,
      fetchMaxWaitMs: 250,
    });
    await h.connection.start();
    expect(h.consumer.config).toEqual({
      groupId: "g-orders",
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 60_000,
      minBytes: 10,
      maxWaitTimeInMs: 250,
      allowAutoTopicCreation: false,
      retry: { retries: 5, restartOnFailure: expect.any(Function) },
    });
    // kafkajs restarts a crashed consumer itself, except after a missing topic: the connection drops it.
    const restartOnFailure = h.consumer.config.retry!.restartOnFailure!;
    expect(await restartOnFailure(Object.assign(new Error("broker gone"), { retriable: true }))).toBe(true);
    const unknownTopic = Object.assign(new Error("This server does not host this topic-partition"), {
      type: "UNKNOWN_TOPIC_OR_PARTITION",
    });
    expect(await restartOnFailure(Object.assign(new Error("retries exceeded"), { cause: unknownTopic }))).toBe(false);
    expect(h.consumer.subscriptions).toEqual([{ topics: ["orders", "payments"], fromBeginning: true }]);
    expect(h.consumer.runConfig).toMatchObject({ autoCommit: false, eachBatchAutoResolve: false });
    expect(h.consumer.calls.slice(0, 3)).toEqual(["connect", "subscribe", "run"]);
    expect(h.connection.state).toBe("running");
  });

  it("subscribes from the latest offset when autoOffsetReset is latest", async () => {
    const h = harness([binding("orders", () => {})], { autoOffsetReset: "latest" });
    await h.connection.start();
    expect(h.consumer.subscriptions).toEqual([{ topics: ["orders"], fromBeginning: false }]);
  });

  it("start() resolves only once the consumer joined its group", async () => {
    const h = harness([binding("orders", () => {})], {}, { assignment: null });
    let started = false;
    const starting = h.connection.start().then(() => (started = true));
    await flush();
    expect(started).toBe(false);
    expect(h.connection.state).toBe("starting");
    h.consumer.join({ orders: [0] });
    await starting;
    expect(h.connection.state).toBe("running");
  });

  it("stop() during start() makes start() fail instead of waiting for a join forever", async () => {
    const h = harness([binding("orders", () => {})], {}, { assignment: null });
    const starting = h.connection.start();
    await flush();
    await h.connection.stop({ deadline: Date.now() + 100 });
    await expect(starting).rejects.toThrow(/stopped before it joined/);
    expect(h.connection.state).toBe("stopped");
  });

  it("start() fails when the consumer crashes for good before joining", async () => {
    const h = harness([binding("orders", () => {})], {}, { assignment: null });
    const starting = h.connection.start();
    await flush();
    const error = new Error("GROUP_AUTHORIZATION_FAILED");
    h.consumer.crash(error, false);
    await expect(starting).rejects.toBe(error);
    expect(h.connection.state).toBe("crashed");
    expect(h.events.crash).toEqual([{ connection: "shared", error, restarting: false }]);
    expect(h.consumer.calls).toContain("disconnect");
  });
});

describe("Connection routing", () => {
  it("returns from eachBatch without waiting for handlers and resolves every accepted record", async () => {
    const handler = gatedHandler();
    const h = harness([binding("orders", handler.handle)]);
    await h.connection.start();
    h.consumer.append("orders", 0, ["a", "b", "c", "d", "e"]);
    const delivery = await h.consumer.poll("orders", 0); // would hang if it awaited the gated handler
    expect(delivery.resolved).toEqual(["0", "1", "2", "3", "4"]);
    expect(h.consumer.heartbeats).toBe(1);
    await flush();
    expect(handler.seen).toEqual(["0:a"]);
    handler.releaseAll();
  });

  it("ApplyBackpressure: pauses on a full buffer, leaves the rest unresolved, resumes when drained, loses and reorders nothing", async () => {
    const handler = gatedHandler();
    const h = harness(
      [binding("orders", handler.handle, { maxBufferedMessages: 4 })],
      {},
      { assignment: { orders: [0, 1] } },
    );
    await h.connection.start();
    h.consumer.append(
      "orders",
      0,
      Array.from({ length: 10 }, (_, i) => `p0-${i}`),
    );
    h.consumer.append("orders", 1, ["p1-0", "p1-1"]);

    const first = await h.consumer.poll("orders", 0);
    // Records 0-3 filled the buffer; while the batch waited for room the dispatcher took record 0
    // (its handler never returns), which made room for record 4; record 5 met a full buffer again and
    // the handler took nothing for ROOM_IDLE_MS: paused, 5 onwards unresolved.
    expect(first.resolved).toEqual(["0", "1", "2", "3", "4"]);
    expect(h.consumer.position("orders", 0)).toBe(5);
    // Only the partition whose batch met the full buffer is paused (partition 1 may still fetch).
    expect(h.consumer.pauseCalls).toEqual([[{ topic: "orders", partitions: [0] }]]);
    expect(h.events.paused).toEqual([{ connection: "shared", topic: "orders" }]);
    expect(h.connection.metrics().topics[0]).toMatchObject({ paused: true, buffered: 4, inFlight: 1 });

    // A batch of another partition from the same fetch response meets the full buffer too: not
    // routed, not resolved, and that partition is paused on its own.
    const sameResponse = await h.consumer.deliver("orders", 1, [message(0, "p1-0"), message(1, "p1-1")]);
    expect(sameResponse).toEqual({ resolved: [], resolveCalls: 0, delivered: true });
    expect(h.consumer.pauseCalls.at(-1)).toEqual([{ topic: "orders", partitions: [1] }]);
    expect(h.events.paused).toHaveLength(1); // the topic was already (partly) paused
    // While paused, kafkajs does not fetch the topic.
    expect((await h.consumer.poll("orders", 0)).delivered).toBe(false);

    await flush();
    expect(handler.seen).toEqual(["0:p0-0"]); // one in flight, 4 buffered: above half capacity
    expect(h.events.resumed).toEqual([]);
    handler.release(0);
    await flush();
    // Taking p0-1 left 3 buffered, all of partition 0: partition 1 (none buffered, at most half its
    // share of 2) has room for its share again and is resumed; the topic is still partly paused.
    expect(h.consumer.resumeCalls).toEqual([[{ topic: "orders", partitions: [1] }]]);
    expect(h.events.resumed).toEqual([]);
    handler.release(1);
    await flush();
    // Taking p0-2 left 2 buffered = half of 4: partition 0 resumed too, and with it the topic.
    expect(h.events.resumed).toEqual([{ connection: "shared", topic: "orders" }]);
    expect(h.consumer.resumeCalls).toEqual([
      [{ topic: "orders", partitions: [1] }],
      [{ topic: "orders", partitions: [0] }],
    ]);

    handler.releaseAll();
    for (let round = 0; round < 20 && handler.seen.length < 12; round++) {
      await h.consumer.poll("orders", 0);
      await h.consumer.poll("orders", 1);
      await flush();
    }
    const p0 = handler.seen.filter((s) => s.startsWith("0:"));
    expect(p0).toEqual(Array.from({ length: 10 }, (_, i) => `0:p0-${i}`));
    expect(handler.seen.filter((s) => s.startsWith("1:"))).toEqual(["1:p1-0", "1:p1-1"]);
    await h.connection.commit();
    expect(h.consumer.committed("orders", 0)).toBe(10);
    expect(h.consumer.committed("orders", 1)).toBe(2);
  });

  it("skips records kafkajs delivers again, but resolves them so the fetch position moves on", async () => {
    const handler = gatedHandler();
    const h = harness([binding("orders", handler.handle)]);
    await h.connection.start();
    h.consumer.append("orders", 0, ["a", "b", "c", "d", "e"]);
    await h.consumer.deliver(
      "orders",
      0,
      [0, 1, 2].map((o) => message(o, "abc"[o])),
    );
    const again = await h.consumer.deliver(
      "orders",
      0,
      [1, 2, 3, 4].map((o) => message(o, "abcde"[o])),
      1,
    );
    expect(again.resolved).toEqual(["1", "2", "3", "4"]);
    handler.releaseAll();
    await flush();
    expect(handler.seen).toEqual(["0:a", "0:b", "0:c", "0:d", "0:e"]);
  });

  it("routes at most maxPollRecords records per partition and batch; the rest is fetched again", async () => {
    const h = harness([binding("orders", () => {})], { maxPollRecords: 3 });
    await h.connection.start();
    h.consumer.append("orders", 0, ["a", "b", "c", "d", "e", "f", "g"]);
    expect((await h.consumer.poll("orders", 0)).resolved).toEqual(["0", "1", "2"]);
    expect((await h.consumer.poll("orders", 0)).resolved).toEqual(["3", "4", "5"]);
    expect((await h.consumer.poll("orders", 0)).resolved).toEqual(["6"]);
  });

  it("commits the handled watermark, not the fetch position, and only when it advanced", async () => {
    const handler = gatedHandler();
    const h = harness([binding("orders", handler.handle)]);
    await h.connection.start();
    h.consumer.append("orders", 0, ["a", "b", "c", "d", "e"]);
    await h.consumer.poll("orders", 0);
    handler.release(0, 1);
    await flush();
    await h.connection.commit();
    expect(commitsOf(h.consumer)).toEqual(["orders[0]=2"]);
    expect(h.events.committed).toEqual([
      { connection: "shared", offsets: [{ topic: "orders", partition: 0, offset: "2" }] },
    ]);
    await h.connection.commit();
    expect(h.consumer.commits).toHaveLength(1);
    handler.releaseAll();
    await flush();
    await h.connection.commit();
    expect(commitsOf(h.consumer)).toEqual(["orders[0]=2", "orders[0]=5"]);
  });

  it("commits on its own every autoCommitIntervalMs", async () => {
    vi.useFakeTimers(FAKE_CLOCK);
    const h = harness([binding("orders", () => {})], { autoCommitIntervalMs: 10 });
    await settle(h.connection.start());
    h.consumer.append("orders", 0, ["a", "b"]);
    await settle(h.consumer.poll("orders", 0));
    await flush();
    expect(h.consumer.committed("orders", 0)).toBeUndefined(); // handled, but the interval has not come yet
    await advanceUntil(() => h.consumer.committed("orders", 0) !== undefined, "a commit", 10);
    expect(h.consumer.committed("orders", 0)).toBe(2);
  });

  it("with enableAutoCommit, records count as done when buffered (at-most-once)", async () => {
    const handler = gatedHandler();
    const h = harness([binding("orders", handler.handle)], { enableAutoCommit: true });
    await h.connection.start();
    h.consumer.append("orders", 0, ["a", "b", "c"]);
    await h.consumer.poll("orders", 0);
    await h.connection.commit();
    expect(commitsOf(h.consumer)).toEqual(["orders[0]=3"]);
    expect(handler.seen).toEqual(["0:a"]);
    handler.releaseAll();
  });

  it("drop modes resolve every record and the commit moves past dropped ones", async () => {
    const handler = gatedHandler();
    const h = harness([
      binding("orders", handler.handle, { maxBufferedMessages: 2, backpressure: "DropNewestMessage" }),
    ]);
    await h.connection.start();
    h.consumer.append("orders", 0, ["a", "b", "c", "d", "e"]);
    expect((await h.consumer.poll("orders", 0)).resolved).toEqual(["0", "1", "2", "3", "4"]);
    expect(h.events.dropped.map((d) => d.offset)).toEqual(["2", "3", "4"]);
    expect(h.consumer.pauseCalls).toEqual([]);
    handler.releaseAll();
    await flush();
    await h.connection.commit();
    expect(handler.seen).toEqual(["0:a", "0:b"]);
    expect(h.consumer.committed("orders", 0)).toBe(5);
    expect(h.connection.metrics().topics[0]).toMatchObject({ dropped: 3, handled: 2 });
  });

  it("onDecodeError = skip: a record that cannot be decoded is reported and does not hold the commit back", async () => {
    const h = harness([{ ...binding("orders", () => {}), failure: { onDecodeError: "skip" } }]);
    await h.connection.start();
    h.consumer.append("orders", 0, ["a", "bad", "c"]);
    await h.consumer.poll("orders", 0);
    await flush();
    await h.connection.commit();
    expect(h.events.decodeError.map((e) => e.offset)).toEqual(["1"]);
    expect(h.consumer.committed("orders", 0)).toBe(3);
  });

  it("a failing handler holds only its own topic back", async () => {
    const ok: string[] = [];
    const h = harness([
      binding("orders", () => {
        throw new Error("orders are down");
      }),
      binding("payments", (value) => {
        ok.push(value);
      }),
    ]);
    await h.connection.start();
    h.consumer.append("orders", 0, ["o1"]);
    h.consumer.append("payments", 0, ["p1", "p2"]);
    await h.consumer.poll("orders", 0);
    await h.consumer.poll("payments", 0);
    // Retried (the handler failed more than once) while the other topic went on.
    await vi.waitFor(() => expect(h.events.handlerError.length).toBeGreaterThan(1), { timeout: 10_000 });
    await vi.waitFor(() => expect(ok).toEqual(["p1", "p2"]), { timeout: 10_000 });
    await h.connection.commit();
    expect(h.consumer.committed("payments", 0)).toBe(2);
    expect(h.consumer.committed("orders", 0)).toBe(0);
  });
});

describe("Connection rebalances and crashes", () => {
  it("purges revoked partitions, never commits for them, and a late completion of one commits nothing", async () => {
    const handler = gatedHandler();
    const h = harness([binding("orders", handler.handle)], {}, { assignment: { orders: [0, 1] } });
    await h.connection.start();
    h.consumer.append("orders", 1, ["x0", "x1", "x2"]);
    h.consumer.append("orders", 0, ["y0", "y1"]);
    await h.consumer.poll("orders", 1);
    await h.consumer.poll("orders", 0);
    await flush();
    expect(handler.seen).toEqual(["1:x0"]); // in flight

    expect(h.connection.metrics().topics[0]!.buffered).toBe(4);
    h.consumer.join({ orders: [0] });
    expect(h.connection.metrics().topics[0]!.buffered).toBe(2); // x1, x2 purged
    handler.releaseAll();
    await flush();
    expect(handler.seen).toEqual(["1:x0", "0:y0", "0:y1"]);
    await h.connection.commit();
    expect(commitsOf(h.consumer)).toEqual(["orders[0]=2"]);
    expect(h.connection.metrics().lag.map((l) => `${l.topic}[${l.partition}]`)).toEqual(["orders[0]"]);
  });

  it("skips the records kafkajs refetches from the committed offset after a rejoin", async () => {
    const handler = gatedHandler();
    const h = harness([binding("orders", handler.handle)]);
    await h.connection.start();
    h.consumer.append("orders", 0, ["a", "b", "c", "d"]);
    await h.consumer.poll("orders", 0);
    handler.release(0);
    await flush();
    await h.connection.commit(); // committed 1; b, c, d are buffered or in flight
    h.consumer.join({ orders: [0] }); // kafkajs drops resolved offsets: the next fetch starts at 1
    expect(h.consumer.position("orders", 0)).toBe(1);
    const refetch = await h.consumer.poll("orders", 0);
    expect(refetch.resolved).toEqual(["1", "2", "3"]);
    handler.releaseAll();
    await flush();
    expect(handler.seen).toEqual(["0:a", "0:b", "0:c", "0:d"]);
    expect(h.events.offsetReset).toEqual([]);
  });

  it("after a rejoin, a refetch from below a commit made since the join skips the duplicates: not a reset", async () => {
    const handler = gatedHandler();
    const h = harness([binding("orders", handler.handle)]);
    await h.connection.start();
    h.consumer.append("orders", 0, ["a", "b", "c", "d"]);
    await h.consumer.poll("orders", 0);
    handler.release(0);
    await flush();
    await h.connection.commit(); // committed 1; b, c, d are buffered or in flight
    h.consumer.join({ orders: [0] }); // kafkajs reads committed offset 1 at this join
    handler.releaseAll();
    await flush();
    await h.connection.commit(); // b, c, d handled after the join: committed 4
    expect(h.consumer.committed("orders", 0)).toBe(4);
    // kafkajs's first fetch after the join still starts where it read the commit: at 1.
    const refetch = await h.consumer.deliver(
      "orders",
      0,
      [1, 2, 3].map((o) => message(o, "abcd"[o])),
      1,
    );
    expect(refetch.resolved).toEqual(["1", "2", "3"]);
    await flush();
    expect(handler.seen).toEqual(["0:a", "0:b", "0:c", "0:d"]); // nothing handled twice
    expect(h.events.offsetReset).toEqual([]);
    // Only the first batch after a join is exempt: a later fetch below the commit is a reset again.
    await h.consumer.deliver("orders", 0, [message(2, "c")], 2);
    expect(h.events.offsetReset).toHaveLength(1);
    handler.releaseAll();
  });

  it("re-applies its pause set after a rejoin that lost kafkajs pause state, and resumes topics emptied by a purge", async () => {
    const handler = gatedHandler();
    const h = harness(
      [binding("orders", handler.handle, { maxBufferedMessages: 4 })],
      {},
      { assignment: { orders: [0, 1] } },
    );
    await h.connection.start();
    h.consumer.append("orders", 1, ["a", "b", "c", "d", "e", "f"]);
    await h.consumer.poll("orders", 1);
    expect(h.consumer.pausedTopics.has("orders")).toBe(true);

    h.consumer.join({ orders: [0, 1] }, { losePauseState: true });
    expect(h.consumer.pausedTopics.has("orders")).toBe(true);
    expect(h.consumer.pauseCalls).toHaveLength(2);

    h.consumer.join({ orders: [0] }); // partition 1 revoked: its queued records go, the buffer is empty
    expect(h.consumer.pausedTopics.has("orders")).toBe(false);
    expect(h.events.resumed).toHaveLength(1);
    handler.releaseAll();
  });

  it("tries to commit when a rebalance starts and tolerates a rejected commit", async () => {
    const h = harness([binding("orders", () => {})]);
    await h.connection.start();
    h.consumer.append("orders", 0, ["a", "b"]);
    await h.consumer.poll("orders", 0);
    await flush();
    h.consumer.failCommits = true;
    h.consumer.emit(h.consumer.events.REBALANCING, { groupId: "group-1", memberId: "m1" });
    expect(h.connection.state).toBe("rebalancing");
    await flush();
    expect(h.consumer.calls.filter((c) => c === "commit")).toHaveLength(1);
    expect(h.consumer.commits).toEqual([]);
    h.consumer.failCommits = false;
    h.consumer.join({ orders: [0] });
    expect(h.connection.state).toBe("running");
    await h.connection.commit();
    expect(h.consumer.committed("orders", 0)).toBe(2);
  });

  it("a rebalance kafkajs gives up (its next fetch starts with no join) ends the hold at once, not after maxPollIntervalMs", async () => {
    const handler = gatedHandler();
    const logger = recordingLogger();
    const h = harness([binding("orders", handler.handle)], { maxPollIntervalMs: 600_000 }, { logger });
    await h.connection.start();
    h.consumer.append("orders", 0, ["a", "b", "c"]);
    await h.consumer.poll("orders", 0);
    await flush();
    expect(handler.seen).toEqual(["0:a"]);

    h.consumer.emit(h.consumer.events.REBALANCING, { groupId: "group-1", memberId: "m1" });
    expect(h.connection.state).toBe("rebalancing");
    handler.release(0);
    await flush();
    expect(handler.seen).toEqual(["0:a"]); // held: the join should come next

    // kafkajs's joinAndSync gave up (e.g. "the coordinator is loading") and its runner fetches again, same generation.
    await h.consumer.poll("orders", 0);
    await flush();
    expect(h.connection.state).toBe("running");
    expect(h.events.groupJoin).toHaveLength(1); // only the first join: none happened
    expect(logger.lines.map((l) => l.message)).toContain(
      "the group did not rebalance: handling goes on with the same partitions",
    );
    handler.releaseAll();
    await flush();
    expect(handler.seen).toEqual(["0:a", "0:b", "0:c"]);
  });

  it("a crash kafkajs restarts itself: handled offsets and buffered records are kept, committed at the rejoin before anything more is handled", async () => {
    const handler = gatedHandler();
    const h = harness([binding("orders", handler.handle)], { autoCommitIntervalMs: 600_000 });
    await h.connection.start();
    h.consumer.append("orders", 0, ["a", "b", "c"]);
    await h.consumer.poll("orders", 0);
    await flush();
    h.consumer.crash(new Error("connection lost"), true);
    expect(h.connection.state).toBe("restarting");
    expect(h.events.crash).toMatchObject([{ connection: "shared", restarting: true }]);
    expect(h.connection.metrics()).toMatchObject({ restarts: 1 });
    expect(h.connection.metrics().topics[0]).toMatchObject({ buffered: 2 }); // b and c kept
    handler.release(0); // the call in flight at the crash finishes
    await flush();
    expect(handler.seen).toEqual(["0:a"]); // held: nothing new starts while the member is out
    expect(h.consumer.commits).toEqual([]); // and nothing is committed for a partition it does not own

    h.consumer.running = true;
    h.consumer.join({ orders: [0] });
    expect(h.connection.state).toBe("running");
    expect(h.consumer.calls.filter((c) => c === "run")).toHaveLength(1); // kafkajs restarted, not us
    await flush();
    expect(handler.seen).toEqual(["0:a"]); // still held until the group's offset is known
    // The client refetches from the group's committed offset (none: 0): a is skipped as handled,
    // b and c as buffered; the watermark (1) is committed, then the buffered records are handled.
    await h.consumer.poll("orders", 0);
    await flush();
    expect(commitsOf(h.consumer)).toEqual(["orders[0]=1"]);
    handler.releaseAll();
    await flush();
    expect(handler.seen).toEqual(["0:a", "0:b", "0:c"]); // no record handled twice, none lost
  });

  it("after a crash, a partition not assigned again is purged and never committed; one the group moved past commits no lower", async () => {
    const handler = gatedHandler();
    const h = harness(
      [binding("orders", handler.handle)],
      { autoCommitIntervalMs: 600_000 },
      { assignment: { orders: [0, 1] } },
    );
    await h.connection.start();
    h.consumer.append("orders", 0, ["a", "b"]);
    h.consumer.append("orders", 1, ["x", "y", "z", "w"]);
    await h.consumer.poll("orders", 0);
    await h.consumer.poll("orders", 1);
    await flush();
    h.consumer.crash(new Error("coordinator gone"), true);
    handler.releaseAll();
    await flush();
    expect(handler.seen).toEqual(["0:a"]); // the call in flight finished, nothing new started

    // Meanwhile another member handled partition 1 up to 3 and committed it.
    h.consumer.running = true;
    await h.consumer.commitOffsets([{ topic: "orders", partition: 1, offset: "3" }]);
    h.consumer.commits.length = 0;
    h.consumer.join({ orders: [1] });
    expect(h.connection.metrics().topics[0]).toMatchObject({ buffered: 4 }); // b (partition 0) purged; x, y, z, w kept
    await h.consumer.poll("orders", 1); // from the group's offset 3: w, already buffered
    await flush();
    await flush();
    expect(commitsOf(h.consumer)).toEqual([]); // 3 is the floor: nothing of partition 1 below it, nothing of partition 0
    await flush();
    expect(handler.seen).toEqual(["0:a", "1:x", "1:y", "1:z", "1:w"]); // x, y, z once more: duplicates, never a loss
    await h.connection.commit();
    expect(commitsOf(h.consumer)).toEqual(["orders[1]=4"]);
  });

  it("restarts a consumer kafkajs gave up on, with backoff, and gives up after maxAttempts", async () => {
    vi.useFakeTimers(FAKE_CLOCK);
    const h = harness(
      [binding("orders", () => {})],
      {},
      { restart: { initialDelayMs: 5, maxDelayMs: 5, maxAttempts: 2 } },
    );
    await settle(h.connection.start());
    h.consumer.assignment = null; // the restarted consumer will not manage to join
    h.consumer.crash(new Error("fatal"), false);
    expect(h.connection.state).toBe("restarting");
    const waitForRuns = (n: number) =>
      advanceUntil(() => h.consumer.calls.filter((c) => c === "run").length >= n, `run() call ${n}`);
    await waitForRuns(2);
    expect(h.consumer.calls.slice(-3)).toEqual(["disconnect", "connect", "run"]);
    h.consumer.crash(new Error("fatal again"), false);
    await waitForRuns(3);
    expect(h.connection.metrics().restarts).toBe(2);
    h.consumer.crash(new Error("fatal for good"), false);
    expect(h.connection.state).toBe("crashed");
    expect(h.events.crash.map((c) => c.restarting)).toEqual([true, true, false]);

    // A successful join resets the attempt counter.
    const h2 = harness(
      [binding("orders", () => {})],
      {},
      { restart: { initialDelayMs: 5, maxDelayMs: 5, maxAttempts: 1 } },
    );
    await settle(h2.connection.start());
    h2.consumer.crash(new Error("once"), false);
    await advanceUntil(() => h2.connection.state !== "restarting", "the restart");
    expect(h2.connection.state).toBe("running");
    expect(h2.connection.metrics().restarts).toBe(1);
    h2.consumer.crash(new Error("twice"), false);
    expect(h2.connection.state).toBe("restarting");
  });
});

describe("Connection offset positions", () => {
  it("treats a fetch before the last commit as an offset reset and starts tracking over", async () => {
    const seen: string[] = [];
    const h = harness([binding("orders", (v) => void seen.push(v))]);
    await h.connection.start();
    h.consumer.append("orders", 0, ["a", "b", "c"]);
    await h.consumer.poll("orders", 0);
    await flush();
    await h.connection.commit();
    expect(h.consumer.committed("orders", 0)).toBe(3);
    const replay = await h.consumer.deliver("orders", 0, [message(0, "n0"), message(1, "n1")], 0);
    expect(replay.resolved).toEqual(["0", "1"]);
    expect(h.events.offsetReset).toEqual([
      {
        connection: "shared",
        topic: "orders",
        partition: 0,
        expectedOffset: "3",
        fetchedOffset: "0",
        detectedBy: "fetchPosition",
      },
    ]);
    await flush();
    expect(seen).toEqual(["a", "b", "c", "n0", "n1"]);
  });

  it("reports a reset kafkajs logged and starts the partition over on its next batch", async () => {
    const seen: string[] = [];
    const h = harness([binding("orders", (v) => void seen.push(v))]);
    await h.connection.start();
    h.consumer.append("orders", 0, ["a", "b"]);
    await h.consumer.poll("orders", 0);
    h.connection.noteOffsetReset("orders", 0);
    expect(h.events.offsetReset).toEqual([]); // kafkajs does not say where it continues: the next batch does
    await h.consumer.deliver("orders", 0, [message(1, "again")], 1); // not a duplicate any more
    await flush();
    expect(seen).toEqual(["a", "b", "again"]);
    expect(h.events.offsetReset).toEqual([
      {
        connection: "shared",
        topic: "orders",
        partition: 0,
        expectedOffset: "2",
        fetchedOffset: "1",
        detectedBy: "kafkajs",
      },
    ]);
  });

  it("reports the range a forward reset skipped (retention deleted records before they were fetched)", async () => {
    const seen: string[] = [];
    const h = harness([binding("orders", (v) => void seen.push(v))]);
    await h.connection.start();
    h.consumer.append("orders", 0, ["a", "b"]);
    await h.consumer.poll("orders", 0);
    h.connection.noteOffsetReset("orders", 0);
    await h.consumer.deliver("orders", 0, [message(7, "h")], 7);
    await flush();
    expect(seen).toEqual(["a", "b", "h"]);
    expect(h.events.offsetReset).toEqual([
      {
        connection: "shared",
        topic: "orders",
        partition: 0,
        expectedOffset: "2",
        fetchedOffset: "7",
        detectedBy: "kafkajs",
        skipped: { from: "2", to: "7", count: 5 },
      },
    ]);
  });

  it("a reset reported before anything of the partition was routed is emitted at once, without positions", async () => {
    const h = harness([binding("orders", () => {})]);
    await h.connection.start();
    h.connection.noteOffsetReset("orders", 0);
    expect(h.events.offsetReset).toEqual([
      {
        connection: "shared",
        topic: "orders",
        partition: 0,
        expectedOffset: undefined,
        fetchedOffset: undefined,
        detectedBy: "kafkajs",
      },
    ]);
  });

  it("follows kafkajs past records it filtered (transaction markers) and reports lag", async () => {
    const h = harness([binding("orders", () => {})]);
    await h.connection.start();
    await h.consumer.deliver("orders", 0, [message(0), message(1)], 0);
    await h.consumer.deliver("orders", 0, [message(5), message(6)], 5);
    await flush();
    await h.connection.commit();
    expect(h.consumer.committed("orders", 0)).toBe(7);
    expect(h.connection.metrics().lag).toEqual([
      { topic: "orders", partition: 0, committed: 7, committable: 7, position: 7, highWatermark: 7, lag: 0 },
    ]);
  });

  it("reports lag as high watermark minus the committable offset", async () => {
    const handler = gatedHandler();
    const h = harness([binding("orders", handler.handle)]);
    await h.connection.start();
    h.consumer.append(
      "orders",
      0,
      Array.from({ length: 10 }, (_, i) => `m${i}`),
    );
    await h.consumer.poll("orders", 0, 6);
    handler.release(0, 1);
    await flush();
    const metrics = h.connection.metrics();
    expect(metrics).toMatchObject({
      name: "shared",
      kind: "shared",
      groupId: "group-1",
      state: "running",
      restarts: 0,
    });
    expect(metrics.lag).toEqual([
      { topic: "orders", partition: 0, committed: null, committable: 2, position: 6, highWatermark: 10, lag: 8 },
    ]);
    handler.releaseAll();
  });
});

describe("Connection.stop", () => {
  it("stops fetching, waits for the handler in flight, commits it, then disconnects", async () => {
    const handler = gatedHandler();
    const h = harness([binding("orders", handler.handle), binding("payments", () => {})]);
    await h.connection.start();
    h.consumer.append("orders", 0, ["a", "b", "c"]);
    await h.consumer.poll("orders", 0);
    await flush();
    let stopped = false;
    const stopping = h.connection.stop({ deadline: Date.now() + 5_000 }).then(() => (stopped = true));
    expect(h.connection.state).toBe("stopping");
    expect(h.consumer.pauseCalls.at(-1)).toEqual([{ topic: "orders" }, { topic: "payments" }]);
    expect((await h.consumer.deliver("orders", 0, [message(3, "late")])).resolved).toEqual([]);
    await flush();
    expect(stopped).toBe(false);
    handler.release(0);
    await stopping;
    expect(handler.seen).toEqual(["0:a"]);
    expect(commitsOf(h.consumer)).toEqual(["orders[0]=1"]);
    const calls = h.consumer.calls;
    expect(calls.lastIndexOf("commit")).toBeLessThan(calls.lastIndexOf("disconnect"));
    expect(h.connection.state).toBe("stopped");
  });

  it("does not commit a record whose handler is still running at the deadline", async () => {
    vi.useFakeTimers(FAKE_CLOCK);
    const handler = gatedHandler();
    const h = harness([binding("orders", handler.handle)]);
    await settle(h.connection.start());
    h.consumer.append("orders", 0, ["a", "b"]);
    await settle(h.consumer.poll("orders", 0));
    await flush();
    const started = Date.now();
    await settle(h.connection.stop({ deadline: Date.now() + 50 }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(h.consumer.commits.flat().every((o) => o.offset === "0")).toBe(true);
    expect(h.consumer.calls.at(-1)).toBe("disconnect");
    handler.releaseAll();
  });
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("Connection: waiting for buffer room (ApplyBackpressure)", () => {
  beforeEach(() => {
    vi.useFakeTimers(FAKE_CLOCK);
  });

  it("a handler that keeps up gets the whole batch through a small buffer: no pause, nothing fetched twice, heartbeats go on", async () => {
    const seen: string[] = [];
    const h = harness(
      [
        binding(
          "orders",
          async (value) => {
            await sleep(1);
            seen.push(value);
          },
          { maxBufferedMessages: 4 },
        ),
      ],
      { heartbeatIntervalMs: 20 },
    );
    await settle(h.connection.start());
    const values = Array.from({ length: 60 }, (_, i) => `r${i}`);
    h.consumer.append("orders", 0, values);
    const delivery = await settle(h.consumer.poll("orders", 0));
    expect(delivery.resolved).toEqual(values.map((_, i) => String(i)));
    expect(delivery.resolveCalls).toBe(1); // once per batch: kafkajs's resolveOffset is not cheap
    expect(h.consumer.pauseCalls).toEqual([]);
    expect(h.events.paused).toEqual([]);
    expect(h.consumer.heartbeats).toBeGreaterThanOrEqual(2); // ~60 ms of waiting with a 20 ms interval
    await advanceUntil(() => seen.length === values.length, "every record handled");
    expect(seen).toEqual(values);
    expect(h.connection.metrics().topics[0]!.peakBuffered).toBe(4);
  });

  it("on a connection with several topics a batch waits at most MAX_HOLD_MS, then leaves the rest for the next fetch without pausing", async () => {
    const seen: string[] = [];
    const h = harness([
      binding(
        "orders",
        async (value) => {
          await sleep(2);
          seen.push(value);
        },
        { maxBufferedMessages: 2 },
      ),
      binding("payments", () => {}),
    ]);
    await settle(h.connection.start());
    const values = Array.from({ length: 500 }, (_, i) => `r${i}`);
    h.consumer.append("orders", 0, values);
    const started = Date.now();
    const delivery = await settle(h.consumer.poll("orders", 0, 500));
    const elapsed = Date.now() - started;
    expect(delivery.resolved.length).toBeGreaterThan(20); // it waited and routed many buffers' worth
    expect(delivery.resolved.length).toBeLessThan(500); // 500 records x 2 ms would hold the loop 1 s
    expect(elapsed).toBeGreaterThanOrEqual(MAX_HOLD_MS);
    expect(elapsed).toBeLessThan(MAX_HOLD_MS + 300);
    expect(h.events.paused).toEqual([]); // the handler keeps up: no pause, the next fetch continues
    for (let round = 0; round < 100 && seen.length < 500; round++) await settle(h.consumer.poll("orders", 0, 500));
    await advanceUntil(() => seen.length === values.length, "every record handled");
    expect(seen).toEqual(values);
    expect(h.events.paused).toEqual([]);
  });

  it("the hold budget is shared by the batches of one fetch response and renewed by the next fetch", async () => {
    const handler = async () => sleep(2);
    const h = harness([
      binding("orders", handler, { maxBufferedMessages: 2 }),
      binding("payments", handler, { maxBufferedMessages: 2 }),
    ]);
    await settle(h.connection.start());
    h.consumer.append(
      "orders",
      0,
      Array.from({ length: 500 }, (_, i) => `o${i}`),
    );
    h.consumer.append(
      "payments",
      0,
      Array.from({ length: 500 }, (_, i) => `p${i}`),
    );
    const first = await settle(h.consumer.poll("orders", 0, 500)); // a new response: spends the whole budget
    expect(first.resolved.length).toBeLessThan(500);
    // A batch of the same response (no FETCH in between): no waiting left, it yields at once.
    let started = Date.now();
    const sameResponse = await settle(
      h.consumer.deliver(
        "payments",
        0,
        Array.from({ length: 500 }, (_, i) => message(i, `p${i}`)),
        0,
      ),
    );
    expect(Date.now() - started).toBeLessThan(MAX_HOLD_MS / 2);
    expect(sameResponse.resolved.length).toBeLessThanOrEqual(4);
    // The next fetch response has a budget again.
    started = Date.now();
    const next = await settle(h.consumer.poll("payments", 0, 500));
    expect(Date.now() - started).toBeGreaterThanOrEqual(MAX_HOLD_MS);
    expect(next.resolved.length).toBeGreaterThan(20);
    expect(h.events.paused).toEqual([]);
  });

  it("pauses at once when the buffer holds at least fetchMaxWaitMs of work", async () => {
    const h = harness([binding("orders", () => sleep(3), { maxBufferedMessages: 10 })], { fetchMaxWaitMs: 10 });
    await settle(h.connection.start());
    h.consumer.append(
      "orders",
      0,
      Array.from({ length: 100 }, (_, i) => `r${i}`),
    );
    await settle(h.consumer.poll("orders", 0, 1)); // one record: learns the handler's pace
    await advanceUntil(() => h.connection.metrics().topics[0]!.handled === 1, "the first record handled");
    expect(h.connection.metrics().topics[0]!.handled).toBe(1);
    const started = performance.now();
    await settle(h.consumer.poll("orders", 0));
    expect(performance.now() - started).toBeLessThan(ROOM_IDLE_MS); // no wait: 10 x 3 ms >= 10 ms
    expect(h.events.paused).toHaveLength(1);
    expect(h.connection.metrics().topics[0]).toMatchObject({ buffered: 10, paused: true });
  });

  it("a handler known to be slow makes a full buffer pause at once", async () => {
    const h = harness([binding("orders", () => sleep(30), { maxBufferedMessages: 1 })]);
    await settle(h.connection.start());
    h.consumer.append("orders", 0, ["a", "b", "c", "d", "e"]);
    const waitStarted = Date.now();
    await settle(h.consumer.poll("orders", 0)); // nothing known yet: waits ROOM_IDLE_MS, then pauses
    expect(h.consumer.pausedTopics.has("orders")).toBe(true);
    // Paused by the idle check, before the first handler call (30 ms) ended and told its pace.
    expect(Date.now() - waitStarted).toBeGreaterThanOrEqual(ROOM_IDLE_MS);
    expect(Date.now() - waitStarted).toBeLessThan(30);
    await advanceUntil(() => h.connection.metrics().topics[0]!.handled >= 2, "two records handled");
    await advanceUntil(() => !h.consumer.pausedTopics.has("orders"), "the topic resumed");
    const started = performance.now();
    const second = await settle(h.consumer.poll("orders", 0));
    expect(second.delivered).toBe(true);
    expect(performance.now() - started).toBeLessThan(10); // no ROOM_IDLE_MS wait
    expect(h.consumer.pausedTopics.has("orders")).toBe(true);
  });

  it("a rebalance error from the heartbeat during the wait propagates and leaves the rest unresolved", async () => {
    const h = harness([binding("orders", () => sleep(1), { maxBufferedMessages: 2 })], { heartbeatIntervalMs: 5 });
    await settle(h.connection.start());
    h.consumer.append(
      "orders",
      0,
      Array.from({ length: 100 }, (_, i) => `r${i}`),
    );
    const rebalance = new Error("The group is rebalancing, so a rejoin is needed");
    setTimeout(() => (h.consumer.heartbeatError = rebalance), 15);
    await expect(settle(h.consumer.poll("orders", 0))).rejects.toBe(rebalance);
    expect(h.consumer.position("orders", 0)).toBeGreaterThan(2);
    expect(h.consumer.position("orders", 0)).toBeLessThan(100);
  });

  it("stop() ends a wait at once and the batch resolves nothing more", async () => {
    const handler = gatedHandler();
    const h = harness([binding("orders", handler.handle, { maxBufferedMessages: 2 })]);
    await settle(h.connection.start());
    h.consumer.append("orders", 0, ["a", "b", "c", "d", "e"]);
    // Warm up the latency estimate with nothing: the first full buffer waits (idle detection would end it after ROOM_IDLE_MS).
    const polling = h.consumer.poll("orders", 0);
    await flush();
    const stopping = h.connection.stop({ deadline: Date.now() + 50 });
    const delivery = await polling;
    expect(delivery.resolved).toEqual(["0", "1", "2"]);
    handler.releaseAll();
    await settle(stopping);
  });
});

describe("Connection: rebalances, warnings, supervision", () => {
  it("a rebalance holds every dispatcher until the join: only calls in flight finish; events tell the assignment", async () => {
    const handler = gatedHandler();
    const h = harness([binding("orders", handler.handle)], {}, { assignment: { orders: [0, 1] } });
    await h.connection.start();
    expect(h.events.groupJoin).toEqual([
      { connection: "shared", groupId: "group-1", assignment: { orders: [0, 1] }, revoked: [] },
    ]);
    h.consumer.append("orders", 0, ["a", "b"]);
    h.consumer.append("orders", 1, ["x", "y"]);
    await h.consumer.poll("orders", 0);
    await h.consumer.poll("orders", 1);
    await flush();
    expect(handler.seen).toEqual(["0:a"]);

    h.consumer.emit(h.consumer.events.REBALANCING, { groupId: "group-1", memberId: "m1" });
    expect(h.events.rebalancing).toEqual([{ connection: "shared" }]);
    await flush();
    expect(commitsOf(h.consumer)).toEqual(["orders[0]=0,orders[1]=0"]); // committed at once, before the in-flight record finished
    handler.release(0);
    await flush();
    expect(handler.seen).toEqual(["0:a"]); // held: b, x, y wait for the join

    h.consumer.join({ orders: [1] });
    expect(h.events.groupJoin.at(-1)).toEqual({
      connection: "shared",
      groupId: "group-1",
      assignment: { orders: [1] },
      revoked: [{ topic: "orders", partition: 0 }],
    });
    handler.releaseAll();
    await flush();
    expect(handler.seen).toEqual(["0:a", "1:x", "1:y"]); // partition 0's queued record went with the partition
  });

  it("enableAutoCommit logs its at-most-once meaning as a warning at start", async () => {
    const logger = recordingLogger();
    const h = harness([binding("orders", () => {})], { enableAutoCommit: true }, { logger });
    await h.connection.start();
    const warning = logger.lines.find((l) => l.level === "warn" && l.message.startsWith("enableAutoCommit is on"));
    expect(warning?.message).toContain("at-most-once");
    expect(warning?.fields).toMatchObject({ groupId: "group-1", namespace: "kefgen.connection.shared" });

    const quiet = recordingLogger();
    await harness([binding("orders", () => {})], {}, { logger: quiet }).connection.start();
    expect(quiet.lines.filter((l) => l.level === "warn")).toEqual([]);
  });

  it("reports a handler running longer than maxPollIntervalMs (event and warning), without interrupting it", async () => {
    const logger = recordingLogger();
    const handler = gatedHandler();
    vi.useFakeTimers(FAKE_CLOCK);
    const h = harness([binding("orders", handler.handle)], { maxPollIntervalMs: 100 }, { logger });
    await settle(h.connection.start());
    h.consumer.append("orders", 0, ["a"]);
    await settle(h.consumer.poll("orders", 0));
    await advanceUntil(() => h.events.slowHandler.length > 0, "the slowHandler event", 2_000);
    expect(h.events.slowHandler).toHaveLength(1);
    expect(h.events.slowHandler[0]).toMatchObject({
      connection: "shared",
      topic: "orders",
      partition: 0,
      offset: "0",
      limitMs: 100,
    });
    expect(
      logger.lines.some(
        (l) => l.level === "warn" && l.message.startsWith("handler running longer than maxPollIntervalMs"),
      ),
    ).toBe(true);
    handler.releaseAll();
    await flush();
    await h.connection.commit();
    expect(h.consumer.committed("orders", 0)).toBe(1);
  });

  it("shows crash supervision in metrics: last crash, next restart, and giving up", async () => {
    const h = harness(
      [binding("orders", () => {})],
      {},
      { restart: { initialDelayMs: 1_000, maxDelayMs: 1_000, maxAttempts: 1 } },
    );
    await h.connection.start();
    expect(h.connection.metrics()).toMatchObject({ lastCrash: null, nextRestartAt: null });
    const before = Date.now();
    h.consumer.crash(new Error("broker gone"), false);
    const restarting = h.connection.metrics();
    expect(restarting).toMatchObject({
      state: "restarting",
      restarts: 1,
      lastCrash: { error: "broker gone", restarting: true },
    });
    expect(restarting.nextRestartAt).toBeGreaterThanOrEqual(before + 1_000);
    h.consumer.crash(new Error("still gone"), false);
    expect(h.connection.metrics()).toMatchObject({
      state: "crashed",
      nextRestartAt: null,
      lastCrash: { error: "still gone", restarting: false },
    });
  });

  it("stop() does not wait forever for a group leave that never completes", async () => {
    vi.useFakeTimers(FAKE_CLOCK);
    const h = harness([binding("orders", () => {})], {}, { commitOnStopTimeoutMs: 100 });
    await settle(h.connection.start());
    h.consumer.disconnect = () => new Promise<void>(() => {});
    const started = Date.now();
    await settle(h.connection.stop({ deadline: Date.now() + 50 }));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(h.connection.state).toBe("stopped");
  });
});
