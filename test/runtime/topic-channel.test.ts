import { afterEach, describe, expect, it, vi } from "vitest";
import { TopicChannel, type ChannelRecord } from "../../runtime/topic-channel.js";
import { PartitionOffsets } from "../../runtime/offset-tracker.js";
import { RuntimeEventEmitter, RuntimeEvents, type RuntimeEventMap } from "../../runtime/events.js";
import { DecodeError } from "../../runtime/errors.js";
import { silentLogger, type RuntimeLogger } from "../../runtime/logger.js";
import type { BackpressureMode, FailurePolicy, MessageContext, MessageHandler } from "../../runtime/types.js";
import type { DeadLetterSink } from "../../runtime/dead-letter-publisher.js";
import { message } from "./fake-consumer.js";
import { advanceUntil, binding, deferred, FAKE_CLOCK, flush, recordingLogger, settle } from "./helpers.js";

interface Setup {
  channel: TopicChannel;
  events: { [E in keyof RuntimeEventMap]: RuntimeEventMap[E][] };
  partitions: Map<number, PartitionOffsets>;
  offer(partition: number, offset: number, value?: string | null): ReturnType<TopicChannel["offer"]>;
  drained: number;
  /** Partitions the channel paused for a failed record. */
  pausedPartitions: Set<number>;
}

function setup(
  handle: MessageHandler<string>,
  buffer: { maxBufferedMessages?: number; backpressure?: BackpressureMode; concurrency?: number } = {},
  retry = { initialDelayMs: 100, maxDelayMs: 30_000 },
  options: {
    logger?: RuntimeLogger;
    dropLogIntervalMs?: number;
    failure?: Partial<FailurePolicy>;
    deadLetters?: DeadLetterSink;
  } = {},
): Setup {
  const emitter = new RuntimeEventEmitter(silentLogger);
  const events = Object.fromEntries(
    Object.values(RuntimeEvents).map((name) => [name, []]),
  ) as unknown as Setup["events"];
  for (const name of Object.values(RuntimeEvents))
    emitter.on(name, ((payload: unknown) => (events[name] as unknown[]).push(payload)) as never);
  const partitions = new Map<number, PartitionOffsets>();
  const result: Setup = {
    channel: undefined as unknown as TopicChannel,
    events,
    partitions,
    drained: 0,
    pausedPartitions: new Set(),
    offer(partition, offset, value = `v${offset}`) {
      let offsets = partitions.get(partition);
      if (!offsets) partitions.set(partition, (offsets = new PartitionOffsets("orders", partition, offset)));
      const record: ChannelRecord = { topic: "orders", partition, offset, message: message(offset, value), offsets };
      const outcome = result.channel.offer(record);
      if (outcome.kind !== "full") offsets.track(offset, outcome.kind === "droppedNewest");
      return outcome;
    },
  };
  result.channel = new TopicChannel({
    connection: "shared",
    binding: { ...binding("orders", handle, buffer), ...(options.failure ? { failure: options.failure } : {}) },
    events: emitter,
    groupId: "g",
    ...(options.deadLetters ? { deadLetters: options.deadLetters } : {}),
    pausePartition: (partition, paused) =>
      paused ? result.pausedPartitions.add(partition) : result.pausedPartitions.delete(partition),
    logger: options.logger ?? silentLogger,
    retry,
    ...(options.dropLogIntervalMs !== undefined ? { dropLogIntervalMs: options.dropLogIntervalMs } : {}),
    onDrained: () => result.drained++,
  });
  return result;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("TopicChannel", () => {
  it("with a slow handler the buffered partitions take turns (each in its own order); a fast one keeps buffer order", async () => {
    const order = async (delayMs: number) => {
      const seen: string[] = [];
      const t = setup(async (_value, context) => {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        seen.push(`${context.partition}:${context.offset}`);
      });
      for (const offset of [0, 1, 2, 3]) t.offer(0, offset);
      t.offer(1, 0);
      t.offer(1, 1);
      t.offer(2, 0);
      t.channel.start();
      await vi.waitFor(() => expect(seen).toHaveLength(7));
      await t.channel.stop();
      return seen;
    };
    // The first take knows nothing of the handler yet (the oldest); from then on, turns.
    expect(await order(3)).toEqual(["0:0", "1:0", "2:0", "0:1", "1:1", "0:2", "0:3"]);
    expect(await order(0)).toEqual(["0:0", "0:1", "0:2", "0:3", "1:0", "1:1", "2:0"]);
  });

  it("handles records one at a time in buffer order, with their context, and marks them done", async () => {
    const seen: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const t = setup(async (value, context) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(`${context.partition}:${context.offset}:${value}`);
      running--;
    });
    t.offer(0, 0);
    t.offer(1, 0);
    t.offer(0, 1);
    t.offer(1, 1);
    t.channel.start();
    await vi.waitFor(() => expect(seen).toHaveLength(4));
    expect(seen).toEqual(["0:0:v0", "1:0:v0", "0:1:v1", "1:1:v1"]);
    expect(maxRunning).toBe(1);
    expect(t.partitions.get(0)!.committable()).toBe(2);
    expect(t.partitions.get(1)!.committable()).toBe(2);
    expect(t.channel.metrics()).toMatchObject({
      topic: "orders",
      messageType: "test.orders",
      handled: 4,
      errors: 0,
      buffered: 0,
    });
    expect(t.channel.metrics().handlerLatencyMs.count).toBe(4);
    await t.channel.stop();
  });

  it("passes the decoded message and the record context to the handler", async () => {
    const contexts: MessageContext[] = [];
    const t = setup((_value, context) => {
      contexts.push(context);
    });
    t.offer(3, 17, "hello");
    t.channel.start();
    await vi.waitFor(() => expect(contexts).toHaveLength(1));
    expect(contexts[0]).toEqual({
      topic: "orders",
      partition: 3,
      offset: "17",
      key: null,
      headers: {},
      timestamp: "1700000000000",
    });
    await t.channel.stop();
  });

  it("retries a failing handler on the same record with exponential backoff, holding later records back", async () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    let failures = 3;
    const t = setup(async (value) => {
      calls.push(value);
      if (value === "v0" && failures-- > 0) throw new Error(`boom ${failures}`);
    });
    t.offer(0, 0);
    t.offer(0, 1);
    t.channel.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual(["v0"]);
    expect(t.events.handlerError.map((e) => [e.attempt, e.retryInMs])).toEqual([[1, 100]]);

    await vi.advanceTimersByTimeAsync(99);
    expect(calls).toEqual(["v0"]); // still backing off
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(["v0", "v0"]);
    expect(t.events.handlerError.map((e) => [e.attempt, e.retryInMs])).toEqual([
      [1, 100],
      [2, 200],
    ]);
    expect(t.partitions.get(0)!.committable()).toBe(0); // not done while failing

    await vi.advanceTimersByTimeAsync(200);
    await vi.advanceTimersByTimeAsync(400);
    expect(calls).toEqual(["v0", "v0", "v0", "v0", "v1"]);
    expect(t.events.handlerError).toHaveLength(3);
    expect(t.events.handlerError[0]).toMatchObject({
      connection: "shared",
      topic: "orders",
      partition: 0,
      offset: "0",
    });
    expect((t.events.handlerError[2]!.error as Error).message).toBe("boom 0");
    expect(t.partitions.get(0)!.committable()).toBe(2);
    expect(t.channel.metrics()).toMatchObject({ handled: 2, errors: 3 });
    await t.channel.stop();
  });

  it("caps the backoff at maxDelayMs", async () => {
    vi.useFakeTimers();
    const t = setup(
      () => {
        throw new Error("always");
      },
      {},
      { initialDelayMs: 100, maxDelayMs: 250 },
    );
    t.offer(0, 0);
    t.channel.start();
    await vi.advanceTimersByTimeAsync(100 + 200 + 250 + 250);
    expect(t.events.handlerError.map((e) => e.retryInMs)).toEqual([100, 200, 250, 250, 250]);
    await t.channel.stop();
  });

  it("onDecodeError = skip: counts a record that cannot be decoded, reports it with its position and moves past it", async () => {
    const seen: string[] = [];
    const t = setup(
      (value) => {
        seen.push(value);
      },
      {},
      undefined,
      { failure: { onDecodeError: "skip" } },
    );
    t.offer(0, 0, "bad bytes");
    t.offer(0, 1, null); // tombstone
    t.offer(0, 2, "good");
    t.channel.start();
    await vi.waitFor(() => expect(seen).toEqual(["good"]));
    expect(t.events.decodeError).toHaveLength(2);
    const [first, second] = t.events.decodeError;
    expect(first!.error).toBeInstanceOf(DecodeError);
    expect(first!.error).toMatchObject({
      topic: "orders",
      partition: 0,
      offset: "0",
      retriable: false,
      code: "KEF_DECODE_ERROR",
    });
    expect(first!.error.message).toContain("unreadable: bad bytes");
    expect(second!.error.message).toContain("tombstone");
    expect(t.events.handlerError).toHaveLength(0);
    expect(t.channel.metrics()).toMatchObject({ handled: 1, errors: 2 });
    expect(t.partitions.get(0)!.committable()).toBe(3);
    await t.channel.stop();
  });

  it("stop() cuts a retry backoff short and leaves the failing record not done", async () => {
    const t = setup(
      () => {
        throw new Error("down");
      },
      {},
      { initialDelayMs: 60_000, maxDelayMs: 60_000 },
    );
    t.offer(0, 0);
    t.channel.start();
    await vi.waitFor(() => expect(t.events.handlerError).toHaveLength(1));
    const started = Date.now();
    await t.channel.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(t.partitions.get(0)!.committable()).toBe(0);
    expect(t.channel.busy).toBe(false);
  });

  it("stop() waits for the handler call in flight and takes no further record", async () => {
    const gate = deferred();
    const seen: string[] = [];
    const t = setup(async (value) => {
      seen.push(value);
      await gate.promise;
    });
    t.offer(0, 0);
    t.offer(0, 1);
    t.channel.start();
    await vi.waitFor(() => expect(seen).toEqual(["v0"]));
    let stopped = false;
    const stopping = t.channel.stop().then(() => (stopped = true));
    await flush();
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(seen).toEqual(["v0"]);
    expect(t.partitions.get(0)!.committable()).toBe(1); // v0 done, v1 never started
    expect(t.channel.size).toBe(1);
  });

  it("abandons retries of a record whose partition was revoked, and skips queued revoked records", async () => {
    const seen: string[] = [];
    const t = setup(
      (value, context) => {
        seen.push(`${context.partition}:${value}`);
        if (context.partition === 0) throw new Error("fails");
      },
      {},
      { initialDelayMs: 5, maxDelayMs: 5 },
    );
    t.offer(0, 0);
    t.offer(1, 0);
    t.channel.start();
    await vi.waitFor(() => expect(t.events.handlerError.length).toBeGreaterThanOrEqual(1));
    t.partitions.get(0)!.revoke();
    await vi.waitFor(() => expect(seen).toContain("1:v0"));
    const attempts = t.events.handlerError.length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(t.events.handlerError.length).toBe(attempts);
    await t.channel.stop();
  });

  it("DropOldestMessage: marks the evicted record done and emits dropped", async () => {
    const gate = deferred();
    const t = setup(() => gate.promise, { maxBufferedMessages: 2, backpressure: "DropOldestMessage" });
    t.offer(0, 0);
    t.channel.start();
    await flush(); // the dispatcher holds offset 0 in flight
    expect(t.offer(0, 1).kind).toBe("accepted");
    expect(t.offer(0, 2).kind).toBe("accepted");
    expect(t.offer(0, 3)).toMatchObject({ kind: "droppedOldest" });
    expect(t.events.dropped).toEqual([
      { connection: "shared", topic: "orders", partition: 0, offset: "1", mode: "DropOldestMessage" },
    ]);
    gate.resolve();
    await vi.waitFor(() => expect(t.partitions.get(0)!.committable()).toBe(4));
    expect(t.channel.metrics()).toMatchObject({ dropped: 1, handled: 3 });
    await t.channel.stop();
  });

  it("DropNewestMessage: emits dropped for the offered record and keeps the buffer", async () => {
    const t = setup(() => {}, { maxBufferedMessages: 1, backpressure: "DropNewestMessage" });
    expect(t.offer(0, 0).kind).toBe("accepted");
    expect(t.offer(0, 1).kind).toBe("droppedNewest");
    expect(t.events.dropped).toEqual([
      { connection: "shared", topic: "orders", partition: 0, offset: "1", mode: "DropNewestMessage" },
    ]);
    expect(t.channel.metrics()).toMatchObject({ dropped: 1, buffered: 1 });
    expect(t.partitions.get(0)!.committable()).toBe(0);
  });

  it("signals drained when the dispatcher takes a record at or below half capacity", async () => {
    const gates = [deferred(), deferred(), deferred(), deferred()];
    let call = 0;
    const t = setup(() => gates[call++]!.promise, { maxBufferedMessages: 4 });
    for (let o = 0; o < 4; o++) t.offer(0, o);
    expect(t.offer(0, 4).kind).toBe("full");
    expect(t.channel.resumeThreshold).toBe(2);
    t.channel.start();
    await flush();
    expect(t.channel.size).toBe(3);
    expect(t.drained).toBe(0);
    gates[0]!.resolve();
    await flush();
    expect(t.channel.size).toBe(2);
    expect(t.drained).toBe(1);
    gates.slice(1).forEach((g) => g.resolve());
    await t.channel.stop();
  });

  it("concurrency n: up to n records at once, never two of one partition, each partition in offset order", async () => {
    const gates = new Map<string, ReturnType<typeof deferred<void>>>();
    const started: string[] = [];
    const t = setup(
      async (_value, context) => {
        const key = `${context.partition}:${context.offset}`;
        started.push(key);
        const gate = deferred();
        gates.set(key, gate);
        await gate.promise;
      },
      { maxBufferedMessages: 10, concurrency: 2 },
    );
    // Buffer order: p0 twice first, so a naive "take the next two" would run p0:0 and p0:1 together.
    t.offer(0, 0);
    t.offer(0, 1);
    t.offer(1, 0);
    t.offer(2, 0);
    t.offer(1, 1);
    t.channel.start();
    await flush();
    expect(started).toEqual(["0:0", "1:0"]); // p0:1 skipped: p0 is busy
    expect(t.channel.metrics()).toMatchObject({ inFlight: 2, concurrency: 2, buffered: 3 });

    gates.get("1:0")!.resolve();
    await flush();
    expect(started).toEqual(["0:0", "1:0", "2:0"]); // the oldest record of an idle partition
    gates.get("0:0")!.resolve();
    await flush();
    expect(started).toEqual(["0:0", "1:0", "2:0", "0:1"]);
    for (const key of ["2:0", "0:1"]) gates.get(key)!.resolve();
    await flush();
    gates.get("1:1")!.resolve();
    await flush();
    expect(started).toEqual(["0:0", "1:0", "2:0", "0:1", "1:1"]);
    expect(t.partitions.get(0)!.committable()).toBe(2);
    expect(t.partitions.get(1)!.committable()).toBe(2);
    expect(t.partitions.get(2)!.committable()).toBe(1);
    expect(t.channel.metrics()).toMatchObject({ handled: 5, inFlight: 0 });
    await t.channel.stop();
  });

  it("concurrency n: a failing record holds back only its own partition", async () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    let failures = 2;
    const t = setup(
      (value, context) => {
        calls.push(`${context.partition}:${value}`);
        if (context.partition === 0 && value === "v0" && failures-- > 0) throw new Error("boom");
      },
      { concurrency: 2 },
      { initialDelayMs: 100, maxDelayMs: 100 },
    );
    t.offer(0, 0);
    t.offer(0, 1);
    t.offer(1, 0);
    t.offer(1, 1);
    t.offer(1, 2);
    t.channel.start();
    await vi.advanceTimersByTimeAsync(0);
    // Partition 1 went on while partition 0 backs off; p0:v1 waits behind p0:v0.
    expect(calls.filter((c) => c.startsWith("1:"))).toEqual(["1:v0", "1:v1", "1:v2"]);
    expect(calls.filter((c) => c.startsWith("0:"))).toEqual(["0:v0"]);
    await vi.advanceTimersByTimeAsync(200);
    expect(calls.filter((c) => c.startsWith("0:"))).toEqual(["0:v0", "0:v0", "0:v0", "0:v1"]);
    expect(t.partitions.get(0)!.committable()).toBe(2);
    await t.channel.stop();
  });

  it("rejects a concurrency that is not a positive integer", () => {
    expect(() => setup(() => {}, { concurrency: 0 })).toThrow(RangeError);
    expect(() => setup(() => {}, { concurrency: 1.5 })).toThrow(RangeError);
  });

  it("drop modes log the drops, rate-limited: the first at once, the rest summed up per interval", async () => {
    vi.useFakeTimers();
    const logger = recordingLogger();
    const t = setup(() => {}, { maxBufferedMessages: 1, backpressure: "DropNewestMessage" }, undefined, {
      logger,
      dropLogIntervalMs: 1_000,
    });
    t.offer(0, 0);
    for (let offset = 1; offset <= 5; offset++) t.offer(0, offset); // 5 drops within one interval
    const warnings = () =>
      logger.lines.filter((l) => l.level === "warn" && l.message === "buffer full: dropping records");
    expect(warnings().map((l) => l.fields)).toEqual([
      { topic: "orders", mode: "DropNewestMessage", partition: 0, offset: "1", totalDropped: 1, count: 1 },
    ]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(warnings().map((l) => l.fields.count)).toEqual([1, 4]);
    expect(warnings()[1]!.fields).toMatchObject({ offset: "5", totalDropped: 5 });
    expect(t.events.dropped).toHaveLength(5);
    expect(t.channel.metrics()).toMatchObject({ dropped: 5, peakBuffered: 1, capacity: 1 });
    // Quiet after a burst: no further line without further drops.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(warnings()).toHaveLength(2);
    await t.channel.stop();
  });

  it("reports a handler attempt running longer than the limit once, as an event and a warning", async () => {
    const logger = recordingLogger();
    const gate = deferred();
    const t = setup(() => gate.promise, {}, undefined, { logger });
    t.offer(0, 0);
    t.channel.start();
    await flush();
    const startedAt = Date.now();
    t.channel.reportSlowHandlers(startedAt + 50, 100);
    expect(t.events.slowHandler).toEqual([]);
    t.channel.reportSlowHandlers(startedAt + 1_000, 100);
    t.channel.reportSlowHandlers(startedAt + 2_000, 100);
    expect(t.events.slowHandler).toHaveLength(1);
    expect(t.events.slowHandler[0]).toMatchObject({
      connection: "shared",
      topic: "orders",
      partition: 0,
      offset: "0",
      limitMs: 100,
    });
    expect(t.events.slowHandler[0]!.elapsedMs).toBeGreaterThan(100);
    expect(
      logger.lines.filter((l) => l.message.startsWith("handler running longer than maxPollIntervalMs")),
    ).toHaveLength(1);
    gate.resolve();
    await flush();
    expect(logger.lines.some((l) => l.message === "slow handler finished")).toBe(true);
    await t.channel.stop();
  });

  it("hold() stops taking records until release(); calls in flight go on", async () => {
    const seen: string[] = [];
    const gate = deferred();
    const t = setup(async (value) => {
      seen.push(value);
      if (value === "v0") await gate.promise;
    });
    t.offer(0, 0);
    t.offer(0, 1);
    t.channel.start();
    await flush();
    t.channel.hold();
    gate.resolve();
    await flush();
    expect(seen).toEqual(["v0"]);
    expect(t.partitions.get(0)!.committable()).toBe(1); // the call in flight completed
    t.channel.release();
    await flush();
    expect(seen).toEqual(["v0", "v1"]);
    await t.channel.stop();
  });

  it('waitForRoom: "room" when a working handler drains to the threshold, "idle" when it takes nothing, "stopped" on stop', async () => {
    // A handler that takes 1 ms per record drains 4 → 2 well within a 20 ms idle window (on the fake
    // clock: on a loaded machine a real 1 ms timer can fire after more than 20 ms).
    vi.useFakeTimers(FAKE_CLOCK);
    const fast = setup(() => new Promise((resolve) => setTimeout(resolve, 1)), { maxBufferedMessages: 4 });
    for (let offset = 0; offset < 4; offset++) fast.offer(0, offset);
    expect(fast.channel.isFull()).toBe(true);
    fast.channel.start();
    expect(await settle(fast.channel.waitForRoom(20, Date.now() + 5_000))).toBe("room");
    expect(fast.channel.shouldWaitForRoom(20, 500)).toBe(true); // 4 records x ~1 ms < 500 ms
    await settle(fast.channel.stop());

    const gate = deferred();
    const stuck = setup(() => gate.promise, { maxBufferedMessages: 2 });
    stuck.offer(0, 0);
    stuck.channel.start();
    await flush(); // 0 in flight
    stuck.offer(0, 1);
    stuck.offer(0, 2);
    expect(stuck.channel.isFull()).toBe(true); // one in flight, two buffered
    expect(await settle(stuck.channel.waitForRoom(20, Date.now() + 5_000))).toBe("idle");
    const waiting = stuck.channel.waitForRoom(1_000, Date.now() + 5_000);
    const stopping = stuck.channel.stop();
    expect(await waiting).toBe("stopped");
    gate.resolve();
    await stopping;
  });

  it("shouldWaitForRoom: not for a handler slower than the idle window, nor when the buffer holds a fetch wait of work", async () => {
    // On the fake clock: a handler's sleep(2) takes 2 ms, where a loaded machine made it 15 ms and more.
    vi.useFakeTimers(FAKE_CLOCK);
    const slow = setup(() => new Promise((resolve) => setTimeout(resolve, 30)));
    slow.offer(0, 0);
    slow.channel.start();
    expect(slow.channel.shouldWaitForRoom(10, 500)).toBe(true); // nothing known yet
    await advanceUntil(() => slow.channel.metrics().handled === 1, "the slow record handled");
    expect(slow.channel.shouldWaitForRoom(10, 500)).toBe(false); // 30 ms per record > 10 ms
    await slow.channel.stop();

    // 2 ms per record (a sleep(2) handler): a 10-record buffer holds 20 ms of work, so against a 15 ms
    // fetch wait pausing is free; with 10 slots it holds one record's time per slot, < 15 ms, so
    // waiting pays off; against a 500 ms fetch wait waiting pays off anyway.
    const medium = setup(() => new Promise((resolve) => setTimeout(resolve, 2)), { maxBufferedMessages: 10 });
    const mediumWide = setup(() => new Promise((resolve) => setTimeout(resolve, 2)), {
      maxBufferedMessages: 10,
      concurrency: 10,
    });
    for (const t of [medium, mediumWide]) {
      t.offer(0, 0);
      t.channel.start();
      await advanceUntil(() => t.channel.metrics().handled === 1, "the first record handled");
    }
    expect(medium.channel.shouldWaitForRoom(25, 500)).toBe(true);
    expect(medium.channel.shouldWaitForRoom(25, 15)).toBe(false);
    expect(mediumWide.channel.shouldWaitForRoom(25, 15)).toBe(true);
    await medium.channel.stop();
    await mediumWide.channel.stop();
  });
});

describe("TopicChannel failure handling", () => {
  /** A dead-letter sink that records what it was given; `fail` makes the next writes reject. */
  function sink() {
    const written: { topic: string; offset: string; attempts: number; error: unknown }[] = [];
    const state = { failures: 0, gate: undefined as Promise<void> | undefined };
    const deadLetters: DeadLetterSink = {
      async publish(topic, cause) {
        if (state.failures > 0) {
          state.failures--;
          throw new Error("dead-letter topic unavailable");
        }
        if (state.gate) await state.gate;
        written.push({ topic, offset: cause.record.offset, attempts: cause.attempts, error: cause.error });
      },
    };
    return { deadLetters, written, state };
  }
  const fast = { initialDelayMs: 1, maxDelayMs: 1 };

  it("retries only the failing partition: its record waits with the partition paused, the other partitions go on, then it is dead-lettered", async () => {
    const calls: string[] = [];
    const dlt = sink();
    const t = setup(
      (value, context) => {
        calls.push(`${context.partition}:${value}`);
        if (value === "poison-handler") throw new Error("always fails");
      },
      {},
      { initialDelayMs: 30, maxDelayMs: 30 },
      { failure: { attempts: 3, deadLetter: "orders-dlt" }, deadLetters: dlt.deadLetters },
    );
    t.offer(0, 0, "poison-handler");
    t.offer(0, 1, "after");
    for (let offset = 0; offset < 5; offset++) t.offer(1, offset, `p1-${offset}`);
    t.channel.start();
    // Concurrency 1, yet partition 1 is handled entirely while partition 0 waits between attempts.
    await vi.waitFor(() => expect(calls.filter((c) => c.startsWith("1:"))).toHaveLength(5));
    expect(calls.filter((c) => c === "0:poison-handler").length).toBeLessThan(3);
    expect(t.pausedPartitions.has(0)).toBe(true);
    expect(t.partitions.get(0)!.committable()).toBe(0);
    await vi.waitFor(() => expect(dlt.written).toHaveLength(1));
    expect(dlt.written[0]).toMatchObject({ topic: "orders-dlt", offset: "0", attempts: 3 });
    expect(calls.filter((c) => c === "0:poison-handler")).toHaveLength(3);
    await vi.waitFor(() => expect(calls).toContain("0:after"));
    expect(t.pausedPartitions.has(0)).toBe(false);
    expect(t.partitions.get(0)!.committable()).toBe(2);
    expect(t.events.handlerError.map((e) => e.next)).toEqual(["retry", "retry", "deadLetter"]);
    expect(t.events.deadLettered).toMatchObject([
      { partition: 0, offset: "0", deadLetterTopic: "orders-dlt", attempts: 3 },
    ]);
    expect(t.channel.metrics()).toMatchObject({
      retries: 2,
      deadLettered: 1,
      deadLetterFailures: 0,
      stoppedPartitions: 0,
    });
    await t.channel.stop();
  });

  it("commits past a dead-lettered record only once the write is acknowledged; a failed write is retried, its partition waiting", async () => {
    const dlt = sink();
    dlt.state.failures = 2;
    const gate = deferred();
    dlt.state.gate = gate.promise;
    const t = setup(
      () => {
        throw new Error("down");
      },
      {},
      fast,
      { failure: { attempts: 1, deadLetter: "orders-dlt" }, deadLetters: dlt.deadLetters },
    );
    t.offer(0, 0);
    t.channel.start();
    await vi.waitFor(() => expect(t.events.deadLetterFailed).toHaveLength(2));
    expect(t.partitions.get(0)!.committable()).toBe(0);
    expect(t.pausedPartitions.has(0)).toBe(true);
    // The third write is in flight (held by the gate): still not committable.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(t.partitions.get(0)!.committable()).toBe(0);
    gate.resolve();
    await vi.waitFor(() => expect(dlt.written).toHaveLength(1));
    expect(t.partitions.get(0)!.committable()).toBe(1);
    expect(t.events.deadLetterFailed.map((e) => e.failures)).toEqual([1, 2]);
    expect(t.channel.metrics()).toMatchObject({ deadLettered: 1, deadLetterFailures: 2 });
    await t.channel.stop();
  });

  it("without a dead-letter topic, a record that fails every attempt stops its partition; the others go on", async () => {
    const calls: string[] = [];
    const t = setup(
      (value, context) => {
        calls.push(`${context.partition}:${value}`);
        if (value === "fail-handler") throw new Error("always fails");
      },
      {},
      fast,
      { failure: { attempts: 2 } },
    );
    t.offer(0, 0, "fail-handler");
    t.offer(0, 1, "never");
    t.offer(1, 0, "ok");
    t.channel.start();
    await vi.waitFor(() => expect(t.events.partitionStopped).toHaveLength(1));
    await vi.waitFor(() => expect(calls).toContain("1:ok"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).not.toContain("0:never");
    expect(t.events.partitionStopped[0]).toMatchObject({ partition: 0, offset: "0", reason: "attempts" });
    expect(t.pausedPartitions.has(0)).toBe(true);
    expect(t.partitions.get(0)!.committable()).toBe(0);
    expect(t.channel.metrics()).toMatchObject({ stoppedPartitions: 1 });
    // A rebalance that takes the partition away ends the stop: the next owner tries again.
    t.channel.purge((r) => r.partition === 0);
    expect(t.pausedPartitions.has(0)).toBe(false);
    expect(t.channel.metrics()).toMatchObject({ stoppedPartitions: 0 });
    await t.channel.stop();
  });

  it("a poison record goes to the dead-letter topic on the first attempt, never to the handler; the records after it are handled", async () => {
    const seen: string[] = [];
    const dlt = sink();
    const t = setup((value) => void seen.push(value), {}, fast, {
      failure: { deadLetter: "orders-dlt" },
      deadLetters: dlt.deadLetters,
    });
    t.offer(0, 0, "a");
    t.offer(0, 1, "bad bytes");
    t.offer(0, 2, null); // a tombstone where the topic does not take them
    t.offer(0, 3, "c");
    t.channel.start();
    await vi.waitFor(() => expect(seen).toEqual(["a", "c"]));
    expect(dlt.written.map((w) => [w.offset, w.attempts])).toEqual([
      ["1", 0],
      ["2", 0],
    ]);
    expect(dlt.written[0]!.error).toBeInstanceOf(DecodeError);
    expect(t.events.decodeError.map((e) => e.action)).toEqual(["deadLetter", "deadLetter"]);
    expect(t.events.handlerError).toHaveLength(0);
    expect(t.partitions.get(0)!.committable()).toBe(4);
    await t.channel.stop();
  });

  it("onDecodeError = stop: a poison record stops its partition and is not committed past", async () => {
    const seen: string[] = [];
    const t = setup((value) => void seen.push(value), {}, fast, { failure: { onDecodeError: "stop" } });
    t.offer(0, 0, "bad bytes");
    t.offer(0, 1, "b");
    t.offer(1, 0, "other");
    t.channel.start();
    await vi.waitFor(() => expect(seen).toEqual(["other"]));
    expect(t.events.partitionStopped).toMatchObject([{ partition: 0, offset: "0", reason: "decodeError" }]);
    expect(t.events.decodeError.map((e) => e.action)).toEqual(["stop"]);
    expect(t.partitions.get(0)!.committable()).toBe(0);
    await t.channel.stop();
  });

  it("a record that succeeds on a later attempt resumes its partition; a revoked partition drops its pending retry", async () => {
    let failures = 1;
    const calls: string[] = [];
    const t = setup(
      (value, context) => {
        calls.push(`${context.partition}:${value}`);
        if (value === "flaky" && failures-- > 0) throw new Error("once");
        if (value === "stuck") throw new Error("always");
      },
      {},
      { initialDelayMs: 5, maxDelayMs: 5 },
      { failure: { attempts: "unlimited" } },
    );
    t.offer(0, 0, "flaky");
    t.offer(0, 1, "next");
    t.channel.start();
    await vi.waitFor(() => expect(calls).toEqual(["0:flaky", "0:flaky", "0:next"]));
    expect(t.pausedPartitions.has(0)).toBe(false);
    expect(t.partitions.get(0)!.committable()).toBe(2);

    const retry = setup(
      () => {
        throw new Error("always");
      },
      {},
      { initialDelayMs: 60_000, maxDelayMs: 60_000 },
      { failure: { attempts: "unlimited" } },
    );
    retry.offer(3, 0, "stuck");
    retry.channel.start();
    await vi.waitFor(() => expect(retry.events.handlerError).toHaveLength(1));
    expect(retry.pausedPartitions.has(3)).toBe(true);
    retry.channel.purge((r) => r.partition === 3);
    expect(retry.pausedPartitions.has(3)).toBe(false);
    await retry.channel.stop();
    expect(retry.events.handlerError).toHaveLength(1);
    await t.channel.stop();
  });
});
