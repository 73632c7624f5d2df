// kefgen/testing: the real ConsumerRuntime on the in-memory transport. Each test proves one outcome a user reads
// back — handled, retried, dropped, dead-lettered, stopped, committed — through the kit's public entry.

import { afterEach, describe, expect, it } from "vitest";
import {
  ConsumerRuntime,
  DeadLetterHeaders,
  type BackpressureMode,
  type ConnectionSpec,
  type FailurePolicy,
  type MessageHandler,
} from "kefgen/runtime";
import { TestKit } from "kefgen/testing";
import { deferred, settings, textCodec } from "./helpers.js";

const kits: TestKit[] = [];

afterEach(async () => {
  await Promise.all(kits.splice(0).map((kit) => kit.stop()));
});

interface TopicOptions {
  maxBufferedMessages?: number;
  backpressure?: BackpressureMode;
  failure?: Partial<FailurePolicy>;
}

/** One shared connection consuming `topic` (strings; values starting with "bad" cannot be decoded). */
function runtimeOn(
  kit: TestKit,
  topic: string,
  handle: MessageHandler<string>,
  options: TopicOptions = {},
): ConsumerRuntime {
  const spec: ConnectionSpec = {
    name: "shared",
    kind: "shared",
    settings: settings({ groupId: `g-${topic}`, autoCommitIntervalMs: 20 }),
    topics: [
      {
        topic,
        messageType: `test.${topic}`,
        codec: textCodec,
        buffer: {
          maxBufferedMessages: options.maxBufferedMessages ?? 100,
          backpressure: options.backpressure ?? "ApplyBackpressure",
        },
        failure: { attempts: 3, backoffMs: 60_000, maxBackoffMs: 60_000, onDecodeError: "stop", ...options.failure },
        handle,
      },
    ],
  };
  return new ConsumerRuntime([spec], kit.kafka, kit.options());
}

function newKit(): TestKit {
  const kit = new TestKit();
  kits.push(kit);
  return kit;
}

describe("kefgen/testing", () => {
  it("hands typed records to the handler in order, counts them and commits them", async () => {
    const kit = newKit();
    const seen: string[] = [];
    await kit.start(runtimeOn(kit, "orders", (value, context) => void seen.push(`${value}@${context.offset}`)));
    kit.feed("orders", textCodec, ["a", "b", "c"], { key: "k1" });
    await kit.idle({ committed: true });
    expect(seen).toEqual(["a@0", "b@1", "c@2"]);
    expect(kit.outcome("orders").handled).toBe(3);
    expect(kit.committed("g-orders", "orders")).toBe(3);
    expect(kit.transport.client).toBe("memory");
  });

  it("a record that cannot be decoded goes to the dead-letter topic; the rest are handled and committed past it", async () => {
    const kit = newKit();
    const seen: string[] = [];
    await kit.start(
      runtimeOn(kit, "pay", (value) => void seen.push(value), {
        failure: { deadLetter: "pay.dlq", onDecodeError: "deadLetter" },
      }),
    );
    kit.feedRaw("pay", ["ok1", "bad-bytes", "ok2"]);
    await kit.idle({ committed: true });
    expect(seen).toEqual(["ok1", "ok2"]);
    const outcome = kit.outcome("pay");
    expect(outcome.decodeErrors.map((e) => [e.offset, e.action])).toEqual([["1", "deadLetter"]]);
    expect(outcome.deadLettered.map((e) => [e.offset, e.attempts])).toEqual([["1", 0]]);
    const [letter, ...more] = kit.records("pay.dlq");
    expect(more).toHaveLength(0);
    expect(letter!.value?.toString()).toBe("bad-bytes");
    expect(String(letter!.headers?.[DeadLetterHeaders.ORIGINAL_TOPIC])).toBe("pay");
    expect(kit.committed("g-pay", "pay")).toBe(3);
  });

  it("onDecodeError = stop: the partition stops at the bad record and nothing past it is handled or committed", async () => {
    const kit = newKit();
    const seen: string[] = [];
    await kit.start(runtimeOn(kit, "stops", (value) => void seen.push(value)));
    kit.feedRaw("stops", ["ok1", "bad", "ok2"]);
    await kit.idle({ committed: true });
    expect(seen).toEqual(["ok1"]);
    expect(kit.outcome("stops").partitionsStopped.map((e) => [e.offset, e.reason])).toEqual([["1", "decodeError"]]);
    expect(kit.committed("g-stops", "stops")).toBe(1);
  });

  it("a failing handler is retried at once (no 60 s backoff), then dead-lettered after its last attempt", async () => {
    const kit = newKit();
    let calls = 0;
    await kit.start(
      runtimeOn(
        kit,
        "jobs",
        (value) => {
          calls++;
          if (value === "boom") throw new Error("handler failed");
        },
        { failure: { deadLetter: "jobs.dlq" } },
      ),
    );
    kit.feedRaw("jobs", ["boom", "fine"]);
    await kit.idle({ committed: true });
    const outcome = kit.outcome("jobs");
    expect(outcome.handlerErrors.map((e) => [e.attempt, e.next])).toEqual([
      [1, "retry"],
      [2, "retry"],
      [3, "deadLetter"],
    ]);
    expect(outcome.retries).toBe(2);
    expect(outcome.handled).toBe(1);
    expect(calls).toBe(4);
    expect(outcome.deadLettered.map((e) => [e.offset, e.attempts])).toEqual([["0", 3]]);
    expect(kit.records("jobs.dlq").map((r) => r.value?.toString())).toEqual(["boom"]);
    expect(kit.committed("g-jobs", "jobs")).toBe(2);
  });

  it('retryWaits "fake": each retry waits exactly its backoff on the kit\'s clock, and nothing behind it comes early', async () => {
    const kit = new TestKit({ retryWaits: "fake" });
    kits.push(kit);
    const attempts = new Map<string, number>();
    await kit.start(
      runtimeOn(
        kit,
        "retries",
        (value) => {
          const n = (attempts.get(value) ?? 0) + 1;
          attempts.set(value, n);
          if (value === "flaky" && n < 3) throw new Error(`attempt ${n} failed`);
        },
        { failure: { attempts: 5, backoffMs: 1_000, multiplier: 3, maxBackoffMs: 60_000, jitterPercent: 0 } },
      ),
    );
    kit.feedRaw("retries", ["flaky", "behind"]);
    await kit.idle();
    const errors = () => kit.outcome("retries").handlerErrors.map((e) => [e.attempt, e.next, e.retryInMs]);
    expect(errors()).toEqual([[1, "retry", 1_000]]);
    expect(kit.clock.nextAt).toBe(1_000);

    await kit.advance(999);
    expect(errors()).toEqual([[1, "retry", 1_000]]);
    expect(kit.outcome("retries").handled).toBe(0);

    await kit.advance(1); // t = 1000: the second attempt, which fails; the next wait is 1000 × 3
    expect(errors()).toEqual([
      [1, "retry", 1_000],
      [2, "retry", 3_000],
    ]);
    expect(kit.clock.nextAt).toBe(4_000);

    await kit.advance(2_999);
    expect(attempts.get("flaky")).toBe(2);
    expect(attempts.get("behind")).toBeUndefined();

    await kit.advance(1); // t = 4000: the third attempt succeeds, then the record behind it
    await kit.idle({ committed: true });
    expect(attempts).toEqual(
      new Map([
        ["flaky", 3],
        ["behind", 1],
      ]),
    );
    expect(kit.outcome("retries")).toMatchObject({ handled: 2, retries: 2 });
    expect(kit.committed("g-retries", "retries")).toBe(2);
    expect(kit.clock.pending).toBe(0);
  });

  it("advance() needs the fake clock", async () => {
    const kit = newKit();
    await expect(kit.advance(1_000)).rejects.toThrow(/retryWaits: "fake"/);
  });

  it("DropNewestMessage: a full buffer drops records, each one counted, and every record is handled or dropped and committed", async () => {
    const kit = newKit();
    const gate = deferred();
    const seen: string[] = [];
    await kit.start(
      runtimeOn(
        kit,
        "ticks",
        async (value) => {
          await gate.promise;
          seen.push(value);
        },
        { maxBufferedMessages: 2, backpressure: "DropNewestMessage" },
      ),
    );
    kit.feedRaw("ticks", ["t0", "t1", "t2", "t3", "t4", "t5"]);
    // The first handler call waits on the gate: the buffer (2) fills and the later records are dropped.
    await expect(kit.idle({ timeoutMs: 200 })).rejects.toThrow(/in flight/);
    gate.resolve();
    await kit.idle({ committed: true });
    const outcome = kit.outcome("ticks");
    expect(outcome.dropped.length).toBeGreaterThan(0);
    expect(outcome.dropped.every((e) => e.mode === "DropNewestMessage")).toBe(true);
    expect(outcome.handled + outcome.dropped.length).toBe(6);
    expect(seen).toHaveLength(outcome.handled);
    expect(kit.committed("g-ticks", "ticks")).toBe(6);
  });

  it("ApplyBackpressure: the buffer never holds more than its capacity and every record is handled in order", async () => {
    const kit = newKit();
    const seen: string[] = [];
    const runtime = await kit.start(
      runtimeOn(
        kit,
        "slow",
        async (value) => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          seen.push(value);
        },
        { maxBufferedMessages: 3 },
      ),
    );
    const values = Array.from({ length: 40 }, (_, i) => `r${i}`);
    kit.feedRaw("slow", values);
    await kit.idle({ committed: true });
    expect(seen).toEqual(values);
    const topic = runtime.metrics().connections[0]!.topics[0]!;
    expect(topic.peakBuffered).toBeLessThanOrEqual(3);
    expect(topic.dropped).toBe(0);
    expect(kit.committed("g-slow", "slow")).toBe(40);
  });

  it("spreads keyed records over the partitions of a created topic, and each partition is committed on its own", async () => {
    const kit = newKit();
    kit.createTopic("multi", 3);
    const seen: number[] = [];
    await kit.start(runtimeOn(kit, "multi", (_value, context) => void seen.push(context.partition)));
    kit.feedRaw("multi", ["a", "b"], { partition: 2 });
    kit.feedRaw("multi", ["c"], { partition: 0 });
    await kit.idle({ committed: true });
    expect(seen.sort()).toEqual([0, 2, 2]);
    expect([0, 1, 2].map((p) => kit.committed("g-multi", "multi", p))).toEqual([1, undefined, 2]);
  });
});
