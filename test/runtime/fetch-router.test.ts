// FetchRouter on its own: batches into channels, resolving, tracking and pausing. Routing through a
// whole Connection (joins, rebalances, the fetch loop's waits) is in connection.test.ts.

import { afterEach, describe, expect, it } from "vitest";
import { FetchRouter } from "../../runtime/fetch-router.js";
import { RuntimeEventEmitter, RuntimeEvents } from "../../runtime/events.js";
import { silentLogger } from "../../runtime/logger.js";
import { OffsetTracker } from "../../runtime/offset-tracker.js";
import { PauseSet, type PausedTopic } from "../../runtime/pause-set.js";
import { TopicChannel } from "../../runtime/topic-channel.js";
import type { FetchedBatch } from "../../runtime/transport/records.js";
import type { MessageHandler } from "../../runtime/types.js";
import { message } from "./fake-consumer.js";
import { binding, deferred, flush, settings } from "./helpers.js";

const channels: TopicChannel[] = [];
afterEach(async () => {
  await Promise.all(channels.splice(0).map((c) => c.stop()));
});

function setup(handle: MessageHandler<string>, buffer: { maxBufferedMessages?: number } = {}, overrides = {}) {
  const events = new RuntimeEventEmitter(silentLogger);
  const flow: string[] = [];
  events.on(RuntimeEvents.PAUSED, (e) => flow.push(`paused ${e.topic}`));
  events.on(RuntimeEvents.RESUMED, (e) => flow.push(`resumed ${e.topic}`));
  const memberCalls: string[] = [];
  const member = {
    pause: (t: PausedTopic[]) => void memberCalls.push(`pause ${JSON.stringify(t)}`),
    resume: (t: PausedTopic[]) => void memberCalls.push(`resume ${JSON.stringify(t)}`),
  };
  const pauses = new PauseSet(() => member, silentLogger);
  const trackers = new OffsetTracker();
  let stopping = false;
  const map = new Map<string, TopicChannel>();
  let router: FetchRouter;
  const channel = new TopicChannel({
    connection: "shared",
    binding: binding("orders", handle, buffer),
    events,
    logger: silentLogger,
    onTaken: (c) => router.resumeIfRoom(c),
  });
  channels.push(channel);
  map.set("orders", channel);
  router = new FetchRouter({
    connection: "shared",
    settings: settings({ fetchMaxWaitMs: 1, ...overrides }),
    channels: map,
    trackers,
    pauses,
    stopping: () => stopping,
    events,
    logger: silentLogger,
  });
  channel.start();
  return {
    router,
    channel,
    trackers,
    pauses,
    flow,
    memberCalls,
    stop: () => (stopping = true),
  };
}

function batch(partition: number, from: number, count: number, topic = "orders") {
  const resolved: string[] = [];
  let heartbeats = 0;
  const records = Array.from({ length: count }, (_, i) => message(from + i));
  const b: FetchedBatch = {
    topic,
    partition,
    records,
    fetchedOffset: String(from),
    highWatermark: String(from + count),
    resolve: (offset) => void resolved.push(offset),
    heartbeat: async () => void heartbeats++,
  };
  return { batch: b, resolved, heartbeats: () => heartbeats };
}

describe("FetchRouter", () => {
  it("routes a batch into its channel, resolves the last record once, tracks every record and heartbeats", async () => {
    const seen: string[] = [];
    const h = setup((v, c) => void seen.push(`${c.partition}:${v}`));
    const b = batch(0, 0, 3);
    await h.router.route(b.batch);
    expect(b.resolved).toEqual(["2"]);
    expect(b.heartbeats()).toBe(1);
    await flush();
    expect(seen).toEqual(["0:v0", "0:v1", "0:v2"]);
    expect(h.trackers.get("orders", 0)?.committable()).toBe(3);
    expect(h.trackers.get("orders", 0)?.highWatermark).toBe(3);
  });

  it("skips records it already accepted (a refetch) but resolves them", async () => {
    const seen: string[] = [];
    const h = setup((v) => void seen.push(v));
    await h.router.route(batch(0, 0, 2).batch);
    const again = batch(0, 0, 3);
    await h.router.route(again.batch);
    await flush();
    expect(again.resolved).toEqual(["2"]);
    expect(seen).toEqual(["v0", "v1", "v2"]);
  });

  it("a full buffer with a slow handler pauses, leaves the rest unresolved, and resumes once drained", async () => {
    const gate = deferred();
    const h = setup(() => gate.promise, { maxBufferedMessages: 2 });
    const b = batch(0, 0, 5);
    await h.router.route(b.batch);
    // record 0 is in the handler, 1 and 2 fill the buffer; 3 met the full buffer.
    expect(b.resolved).toEqual(["2"]);
    expect(h.flow).toEqual(["paused orders"]);
    expect(h.pauses.isTopicPaused("orders")).toBe(true);
    // While paused, a batch of the same response is refused whole (nothing resolved).
    const late = batch(0, 3, 2);
    await h.router.route(late.batch);
    expect(late.resolved).toEqual([]);
    gate.resolve();
    await flush();
    expect(h.flow).toEqual(["paused orders", "resumed orders"]);
    expect(h.memberCalls).toEqual([
      'pause [{"topic":"orders","partitions":[0]}]',
      'resume [{"topic":"orders","partitions":[0]}]',
    ]);
  });

  it("maxPollRecords: the rest of the batch stays unresolved", async () => {
    const h = setup(() => {}, {}, { maxPollRecords: 2 });
    const b = batch(0, 0, 5);
    await h.router.route(b.batch);
    expect(b.resolved).toEqual(["1"]);
  });

  it("routes nothing once the connection is stopping, and nothing of a topic it does not consume", async () => {
    const h = setup(() => {});
    const other = batch(0, 0, 2, "payments");
    await h.router.route(other.batch);
    expect(other.resolved).toEqual([]);
    h.stop();
    const b = batch(0, 0, 2);
    await h.router.route(b.batch);
    expect(b.resolved).toEqual([]);
  });

  it("a fetch that continues before the last commit is treated as an offset reset", async () => {
    const h = setup(() => {});
    await h.router.route(batch(0, 0, 3).batch);
    await flush();
    const offsets = h.trackers.get("orders", 0)!;
    offsets.markCommitted(3);
    await h.router.route(batch(0, 1, 1).batch);
    expect(h.trackers.get("orders", 0)).not.toBe(offsets);
  });

  it("fair share: under sustained backpressure a partition holding its share is paused on its own, and resumed at half of it", async () => {
    const gates: (() => void)[] = [];
    let released = false;
    const h = setup(
      () => (released ? undefined : new Promise<void>((resolve) => gates.push(resolve))),
      { maxBufferedMessages: 8 },
      { fetchMaxWaitMs: 1 },
    );
    try {
      h.router.assign({ orders: [0, 1, 2, 3] });
      expect(h.router.share(h.channel)).toBe(2);
      // Learn the handler's pace: a 30 ms record, slower than the idle window: sustained backpressure.
      await h.router.route(batch(0, 0, 1).batch);
      await flush();
      await new Promise((resolve) => setTimeout(resolve, 30));
      gates.shift()!();
      await flush();
      const b0 = batch(0, 1, 10);
      await h.router.route(b0.batch);
      // Partition 0 routed its share (records 1 and 2), then was paused with the rest unresolved,
      // though the buffer had room for 6 more.
      expect(b0.resolved).toEqual(["2"]);
      // The dispatcher took record 1 meanwhile: partition 0 is down to half its share, with room: resumed.
      expect(h.memberCalls).toEqual([
        'pause [{"topic":"orders","partitions":[0]}]',
        'resume [{"topic":"orders","partitions":[0]}]',
      ]);
      expect(h.flow).toEqual(["paused orders", "resumed orders"]);
      expect(h.channel.bufferedOf(0)).toBe(1);
      expect(h.pauses.pausedPartitions("orders")).toEqual([]);
      // The other partitions get their share of the same buffer too, none of them more.
      const others = [1, 2, 3].map((p) => batch(p, 0, 10));
      for (const b of others) await h.router.route(b.batch);
      expect(others.map((b) => b.resolved)).toEqual([["1"], ["1"], ["1"]]);
      expect([1, 2, 3].map((p) => h.channel.bufferedOf(p))).toEqual([2, 2, 2]);
      expect(h.pauses.pausedPartitions("orders")).toEqual([1, 2, 3]);
      // Partition 0 fetches again and tops up to its share, which fills the buffer exactly.
      const again = batch(0, 3, 10);
      await h.router.route(again.batch);
      expect(again.resolved).toEqual(["3"]);
      expect(h.channel.size).toBe(8);
    } finally {
      released = true;
      for (const g of gates.splice(0)) g();
    }
  });

  it("a partition no longer assigned is no longer paused (resumed on the member; the topic resumed once none is)", async () => {
    const gate = deferred();
    const h = setup(() => gate.promise, { maxBufferedMessages: 2 });
    h.router.assign({ orders: [0, 1] });
    await h.router.route(batch(1, 0, 5).batch);
    expect(h.pauses.pausedPartitions("orders")).toEqual([1]);
    h.router.assign({ orders: [0] });
    expect(h.pauses.isTopicPaused("orders")).toBe(false);
    expect(h.memberCalls.at(-1)).toBe('resume [{"topic":"orders","partitions":[1]}]');
    expect(h.flow).toEqual(["paused orders", "resumed orders"]);
    gate.resolve();
  });

  it("a partition whose first batch routed nothing (full buffer) gets no tracker: nothing to commit for it", async () => {
    const gate = deferred();
    const h = setup(() => gate.promise, { maxBufferedMessages: 2 });
    h.router.assign({ orders: [0, 1] });
    await h.router.route(batch(0, 0, 5).batch);
    const refused = batch(1, 0, 5);
    await h.router.route(refused.batch);
    expect(refused.resolved).toEqual([]);
    expect(h.trackers.get("orders", 1)).toBeUndefined();
    expect(h.trackers.pendingCommits().map((p) => p.offsets.partition)).toEqual([0]);
    gate.resolve();
  });
});
