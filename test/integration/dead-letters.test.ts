// Failure handling against the real broker (issue 10, scenarios 9, 10 and 6): a handler that always throws for one
// record, a poison record mid-partition, and poison records while the dead-letter topic does not exist. Fresh
// topics and groups per test; every wait is on a condition.
import { afterEach, describe, expect, it } from "vitest";
import {
  bindTopic,
  DeadLetterHeaders,
  readDeadLetterHeaders,
  RuntimeEvents,
  type Codec,
  type DeadLetteredEvent,
  type DeadLetterFailedEvent,
  type FailurePolicy,
  type HandlerErrorEvent,
  type MessageContext,
} from "kefgen/runtime";
import { Runtimes, Sampler, testSettings } from "../support/guarantees.js";
import { committedOffsets, createTopic, produce, readAll, uniqueName, waitFor } from "../support/kafka.js";

/** UTF-8 strings; a value starting with "bad" cannot be decoded (a poison record). */
const textCodec: Codec<string> = {
  decode(value) {
    const text = value.toString("utf8");
    if (text.startsWith("bad")) throw new Error(`unreadable value: ${text}`);
    return text;
  },
  encode: (value) => Buffer.from(value, "utf8"),
};

const runtimes = new Runtimes();
afterEach(() => runtimes.stopAll());

interface Handled {
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
  readonly at: number;
}

/** One runtime consuming `topic` with `failure`; records what the handler saw and the failure events. */
function consume(
  topic: string,
  groupId: string,
  failure: Partial<FailurePolicy>,
  handle: (value: string, context: MessageContext) => void = () => {},
) {
  const handled: Handled[] = [];
  const calls: Handled[] = [];
  const runtime = runtimes.create([
    {
      name: "shared",
      kind: "shared",
      settings: testSettings(groupId),
      topics: [
        bindTopic({
          topic,
          messageType: "test.Text",
          codec: textCodec,
          buffer: { maxBufferedMessages: 100, backpressure: "ApplyBackpressure" },
          failure,
          handler: (value: string, context: MessageContext) => {
            const seen = { partition: context.partition, offset: Number(context.offset), value, at: Date.now() };
            calls.push(seen);
            handle(value, context);
            handled.push(seen);
          },
        }),
      ],
    },
  ]);
  const handlerErrors: HandlerErrorEvent[] = [];
  const deadLettered: (DeadLetteredEvent & { at: number })[] = [];
  const deadLetterFailed: DeadLetterFailedEvent[] = [];
  runtime.on(RuntimeEvents.HANDLER_ERROR, (e) => void handlerErrors.push(e));
  runtime.on(RuntimeEvents.DEAD_LETTERED, (e) => void deadLettered.push({ ...e, at: Date.now() }));
  runtime.on(RuntimeEvents.DEAD_LETTER_FAILED, (e) => void deadLetterFailed.push(e));
  return { runtime, handled, calls, handlerErrors, deadLettered, deadLetterFailed };
}

const int32 = (n: number) => Buffer.from([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const int64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
};

describe("dead letters on the real broker", () => {
  it("scenario 9: a record whose handler always throws is dead-lettered after its attempts with Spring's headers; only its partition waited", async () => {
    const topic = uniqueName("dlt-s9");
    const deadLetterTopic = `${topic}-dlt`;
    const groupId = uniqueName("dlt-s9-group");
    await createTopic(topic, 3);
    await createTopic(deadLetterTopic, 3);
    // Partition 1: ten records, the fourth always fails. Partitions 0 and 2 are written only once the failing record
    // had its first failure: they must all be handled while it waits for its retries.
    const timestamp = "1700000000123";
    await produce(topic, [
      ...[0, 1, 2].map((i) => ({ partition: 1, value: `p1-${i}` })),
      {
        partition: 1,
        key: Buffer.from([0, 255, 1]),
        value: "fail-me",
        timestamp,
        headers: { trace: Buffer.from([1, 2, 3]), text: "hello" },
      },
      ...[4, 5, 6, 7, 8, 9].map((i) => ({ partition: 1, value: `p1-${i}` })),
    ]);
    const c = consume(
      topic,
      groupId,
      { attempts: 3, backoffMs: 6_000, maxBackoffMs: 6_000, jitterPercent: 0, deadLetter: deadLetterTopic },
      (value) => {
        if (value === "fail-me") throw new TypeError("cannot ship order: warehouse refused");
      },
    );
    await c.runtime.start();
    await waitFor(() => c.handlerErrors.length >= 1, { timeoutMs: 30_000, message: "the first failure" });
    const firstFailureAt = Date.now();
    await produce(
      topic,
      [0, 2].flatMap((partition) => Array.from({ length: 20 }, (_, i) => ({ partition, value: `p${partition}-${i}` }))),
    );

    await waitFor(() => c.deadLettered.length === 1 && c.handled.filter((h) => h.partition === 1).length === 9, {
      timeoutMs: 60_000,
      message: "the dead letter and the rest of partition 1",
    });
    await waitFor(() => c.handled.length === 49, { timeoutMs: 30_000, message: "every other record handled" });
    const dead = c.deadLettered[0]!;
    // The other partitions were never held up: all their 40 records were handled while the record waited.
    const others = c.handled.filter((h) => h.partition !== 1);
    expect(others).toHaveLength(40);
    expect(Math.max(...others.map((h) => h.at))).toBeLessThan(dead.at);
    expect(others.every((h) => h.at >= firstFailureAt - 1)).toBe(true);
    // Partition 1 kept its order: nothing after the failing record before its dead letter.
    const after = c.handled.filter((h) => h.partition === 1 && h.offset > 3);
    expect(after.map((h) => h.offset)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(after.every((h) => h.at >= dead.at)).toBe(true);
    expect(c.calls.filter((h) => h.value === "fail-me")).toHaveLength(3);
    expect(c.handlerErrors.map((e) => [e.attempt, e.next])).toEqual([
      [1, "retry"],
      [2, "retry"],
      [3, "deadLetter"],
    ]);
    expect(dead).toMatchObject({ partition: 1, offset: "3", deadLetterTopic, attempts: 3 });

    // The dead letter, byte for byte: same partition number (the dead-letter topic has 3), key, value, headers.
    const [letter] = await readAll(deadLetterTopic, 1);
    expect(letter!.partition).toBe(1);
    expect(letter!.key).toEqual(Buffer.from([0, 255, 1]));
    expect(letter!.value).toEqual(Buffer.from("fail-me"));
    expect(letter!.timestamp).not.toBe("");
    const h = letter!.headers!;
    expect(h.trace).toEqual(Buffer.from([1, 2, 3]));
    expect(h.text).toEqual(Buffer.from("hello"));
    expect(h[DeadLetterHeaders.ORIGINAL_TOPIC]).toEqual(Buffer.from(topic));
    expect(h[DeadLetterHeaders.ORIGINAL_PARTITION]).toEqual(int32(1));
    expect(h[DeadLetterHeaders.ORIGINAL_OFFSET]).toEqual(int64(3n));
    expect(h[DeadLetterHeaders.ORIGINAL_TIMESTAMP]).toEqual(int64(BigInt(timestamp)));
    expect(h[DeadLetterHeaders.ORIGINAL_TIMESTAMP_TYPE]).toEqual(Buffer.from("CreateTime"));
    expect(h[DeadLetterHeaders.ORIGINAL_CONSUMER_GROUP]).toEqual(Buffer.from(groupId));
    expect(h[DeadLetterHeaders.EXCEPTION_FQCN]).toEqual(Buffer.from("TypeError"));
    expect(h[DeadLetterHeaders.EXCEPTION_MESSAGE]).toEqual(Buffer.from("cannot ship order: warehouse refused"));
    expect(String(h[DeadLetterHeaders.EXCEPTION_STACKTRACE])).toMatch(
      /^TypeError: cannot ship order: warehouse refused\n\s+at /,
    );
    expect(h[DeadLetterHeaders.ATTEMPTS]).toEqual(Buffer.from("3"));
    expect(readDeadLetterHeaders(h)).toMatchObject({
      originalTopic: topic,
      originalPartition: 1,
      originalOffset: "3",
      originalTimestamp: timestamp,
      consumerGroup: groupId,
      attempts: 3,
    });

    // Everything is committed, the dead-lettered record included.
    await waitFor(
      async () => {
        const committed = await committedOffsets(groupId, topic);
        return committed.get(0) === 20 && committed.get(1) === 10 && committed.get(2) === 20;
      },
      { timeoutMs: 30_000, message: "commits past every record" },
    );
  });

  it("across a rebalance: a pending retry goes on where the partition stays, is dropped where it leaves, and the record is dead-lettered", async () => {
    const topic = uniqueName("dlt-rebalance");
    const deadLetterTopic = `${topic}-dlt`;
    const groupId = uniqueName("dlt-rebalance-group");
    await createTopic(topic, 2);
    await createTopic(deadLetterTopic, 2);
    await produce(topic, [
      { partition: 0, value: "fail-me" },
      ...Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: `p0-${i}` })),
      ...Array.from({ length: 5 }, (_, i) => ({ partition: 1, value: `p1-${i}` })),
    ]);
    const failure = {
      attempts: 4,
      backoffMs: 2_000,
      maxBackoffMs: 2_000,
      jitterPercent: 0,
      deadLetter: deadLetterTopic,
    };
    const fail = (value: string) => {
      if (value === "fail-me") throw new Error("always");
    };
    const a = consume(topic, groupId, failure, fail);
    const owned = { a: [] as number[], b: [] as number[] };
    const joinsOfA: number[][] = [];
    a.runtime.on(RuntimeEvents.GROUP_JOIN, (e) => {
      owned.a = [...(e.assignment[topic] ?? [])];
      joinsOfA.push(owned.a);
    });
    await a.runtime.start();
    await waitFor(() => a.handlerErrors.length >= 1, {
      timeoutMs: 30_000,
      message: "the first failure on the first member",
    });
    // A second member joins while the record waits for its retry: the group rebalances.
    const b = consume(topic, groupId, failure, fail);
    b.runtime.on(RuntimeEvents.GROUP_JOIN, (e) => void (owned.b = [...(e.assignment[topic] ?? [])]));
    await b.runtime.start();
    const rebalancedAt = Date.now();
    await waitFor(() => a.deadLettered.length + b.deadLettered.length >= 1, {
      timeoutMs: 60_000,
      message: "the record dead-lettered by its owner",
    });
    const owner = owned.a.includes(0) ? a : b;
    const other = owner === a ? b : a;
    await waitFor(
      () => new Set([...a.handled, ...b.handled].filter((h) => h.partition === 0).map((h) => h.offset)).size === 5,
      { timeoutMs: 30_000, message: "the rest of partition 0" },
    );
    expect(owner.deadLettered).toMatchObject([{ partition: 0, offset: "0", deadLetterTopic }]);
    expect(other.deadLettered).toEqual([]);
    if (owner === b) {
      // The partition moved: the first member dropped its pending retry (no attempt after the rebalance), the new
      // owner started its attempts over.
      expect(a.calls.filter((c) => c.value === "fail-me" && c.at > rebalancedAt + 500)).toEqual([]);
      expect(b.calls.filter((c) => c.value === "fail-me")).toHaveLength(4);
    } else {
      // The partition stayed: its retries went on (the pause re-applied after the join), 4 attempts in all.
      expect(a.calls.filter((c) => c.value === "fail-me")).toHaveLength(4);
    }
    expect(joinsOfA.length).toBeGreaterThanOrEqual(2);
    const letters = await readAll(deadLetterTopic, 1);
    expect(letters.map((l) => String(l.value))).toEqual(["fail-me"]);
    await waitFor(
      async () => {
        const committed = await committedOffsets(groupId, topic);
        return committed.get(0) === 6 && committed.get(1) === 5;
      },
      { timeoutMs: 30_000, message: "commits past everything" },
    );
  });

  it("scenario 10: a poison record mid-partition is dead-lettered on the first attempt; every record after it is handled", async () => {
    const topic = uniqueName("dlt-s10");
    const deadLetterTopic = `${topic}-dlt`;
    const groupId = uniqueName("dlt-s10-group");
    await createTopic(topic, 1);
    await createTopic(deadLetterTopic, 1);
    await produce(topic, [
      ...Array.from({ length: 10 }, (_, i) => `good-${i}`),
      { key: "poison-key", value: "bad bytes", headers: { origin: "test" } },
      ...Array.from({ length: 10 }, (_, i) => `good-${i + 10}`),
    ]);
    const c = consume(topic, groupId, { deadLetter: deadLetterTopic });
    const decodeErrors: string[] = [];
    c.runtime.on(RuntimeEvents.DECODE_ERROR, (e) => void decodeErrors.push(`${e.offset}:${e.action}`));
    await c.runtime.start();
    await waitFor(() => c.handled.length === 20 && c.deadLettered.length === 1, {
      timeoutMs: 60_000,
      message: "20 handled and one dead letter",
    });
    expect(c.handled.map((h) => h.offset)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => i),
      ...Array.from({ length: 10 }, (_, i) => i + 11),
    ]);
    expect(c.calls.some((h) => h.value.startsWith("bad"))).toBe(false);
    expect(decodeErrors).toEqual(["10:deadLetter"]);
    expect(c.handlerErrors).toEqual([]);
    expect(c.deadLettered[0]).toMatchObject({ offset: "10", attempts: 0 });

    const [letter] = await readAll(deadLetterTopic, 1);
    expect(letter!.key).toEqual(Buffer.from("poison-key"));
    expect(letter!.value).toEqual(Buffer.from("bad bytes"));
    expect(letter!.headers!.origin).toEqual(Buffer.from("test"));
    const info = readDeadLetterHeaders(letter!.headers)!;
    expect(info).toMatchObject({
      originalTopic: topic,
      originalPartition: 0,
      originalOffset: "10",
      errorClass: "DecodeError",
      attempts: 0,
      consumerGroup: groupId,
    });
    expect(info.errorMessage).toContain("unreadable value: bad bytes");
    await waitFor(async () => (await committedOffsets(groupId, topic)).get(0) === 21, {
      timeoutMs: 30_000,
      message: "commit past the poison record",
    });
  });

  it("scenario 6: while the dead-letter topic is missing the partition waits and nothing is committed past the poison record; once it exists, everything goes through", async () => {
    const topic = uniqueName("dlt-s6");
    const deadLetterTopic = `${topic}-dlt`;
    const groupId = uniqueName("dlt-s6-group");
    await createTopic(topic, 1);
    await produce(topic, [
      ...Array.from({ length: 5 }, (_, i) => `good-${i}`),
      "bad-1",
      ...Array.from({ length: 5 }, (_, i) => `good-${i + 6}`),
      "bad-2",
      "good-12",
    ]);
    const c = consume(topic, groupId, { deadLetter: deadLetterTopic, backoffMs: 200, maxBackoffMs: 1_000 });
    await c.runtime.start();
    // The group's committed offset, sampled with the admin client while the dead-letter topic is missing.
    const sampler = new Sampler(async () => (await committedOffsets(groupId, topic)).get(0) ?? -1, 100);
    await waitFor(() => c.deadLetterFailed.length >= 2, {
      timeoutMs: 90_000,
      message: "two failed dead-letter writes",
    });
    expect(c.handled.map((h) => h.offset)).toEqual([0, 1, 2, 3, 4]);
    await waitFor(() => sampler.samples.some((offset) => offset === 5), {
      timeoutMs: 30_000,
      message: "the records before the poison one committed",
    });
    await sampler.stop();
    expect(sampler.samples.length).toBeGreaterThan(0);
    expect(Math.max(...sampler.samples)).toBe(5);
    expect(c.deadLettered).toEqual([]);
    expect(c.deadLetterFailed.every((e) => e.offset === "5" && e.deadLetterTopic === deadLetterTopic)).toBe(true);
    expect(c.runtime.metrics().connections[0]!.topics[0]).toMatchObject({ paused: true, deadLettered: 0 });

    await createTopic(deadLetterTopic, 1);
    await waitFor(() => c.deadLettered.length === 2 && c.handled.length === 11, {
      timeoutMs: 90_000,
      message: "both poison records dead-lettered, the rest handled",
    });
    expect(c.handled.map((h) => h.offset)).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 12]);
    expect(c.deadLettered.map((e) => e.offset)).toEqual(["5", "11"]);
    const letters = await readAll(deadLetterTopic, 2);
    expect(letters.map((l) => String(l.value))).toEqual(["bad-1", "bad-2"]);
    await waitFor(async () => (await committedOffsets(groupId, topic)).get(0) === 13, {
      timeoutMs: 30_000,
      message: "commit past everything",
    });
  });
});
