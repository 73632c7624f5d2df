import { afterEach, describe, expect, it, vi } from "vitest";
import { Committer, type OffsetToCommit } from "../../runtime/committer.js";
import { RuntimeEventEmitter, RuntimeEvents } from "../../runtime/events.js";
import { TransactionalOutput } from "../../runtime/exactly-once.js";
import { OffsetTracker } from "../../runtime/offset-tracker.js";
import type { TransactionalProducer, TransportAdmin } from "../../runtime/transport/transport.js";
import { silentLogger } from "../../runtime/logger.js";
import { deferred, recordingLogger } from "./helpers.js";

function setup(commit: (offsets: OffsetToCommit[]) => Promise<void>) {
  const trackers = new OffsetTracker();
  const events = new RuntimeEventEmitter(silentLogger);
  const committed: unknown[] = [];
  events.on(RuntimeEvents.COMMITTED, (e) => committed.push(e.offsets));
  const logger = recordingLogger();
  const sent: OffsetToCommit[][] = [];
  let member: { commit: (offsets: OffsetToCommit[]) => Promise<void> } | undefined = {
    commit: (offsets) => {
      sent.push(offsets);
      return commit(offsets);
    },
  };
  const committer = new Committer({ connection: "shared", trackers, member: () => member, events, logger });
  return { trackers, committer, committed, sent, logger, dropMember: () => (member = undefined) };
}

/** A partition whose records 0..n-1 were handled. */
function handled(trackers: OffsetTracker, topic: string, partition: number, n: number) {
  const offsets = trackers.getOrCreate(topic, partition, 0);
  for (let i = 0; i < n; i++) offsets.track(i);
  for (let i = 0; i < n; i++) offsets.markDone(i);
  return offsets;
}

afterEach(() => vi.useRealTimers());

describe("Committer", () => {
  it("commits the handled watermark of each advanced partition, once, and emits committed", async () => {
    const h = setup(async () => {});
    handled(h.trackers, "orders", 0, 3);
    handled(h.trackers, "orders", 1, 1);
    await h.committer.commit();
    expect(h.sent).toEqual([
      [
        { topic: "orders", partition: 0, offset: "3" },
        { topic: "orders", partition: 1, offset: "1" },
      ],
    ]);
    expect(h.committed).toHaveLength(1);
    await h.committer.commit(); // nothing advanced since
    expect(h.sent).toHaveLength(1);
  });

  it("is single flight: a commit asked for while one runs joins it", async () => {
    const gate = deferred();
    const h = setup(() => gate.promise);
    handled(h.trackers, "orders", 0, 2);
    const first = h.committer.commit();
    const second = h.committer.commit("interval");
    expect(second).toBe(first);
    gate.resolve();
    await first;
    expect(h.sent).toHaveLength(1);
  });

  it("a rebalance commit asked for while one runs follows it, with what was handled meanwhile (once, however often asked)", async () => {
    const gate = deferred();
    const h = setup(() => gate.promise);
    const offsets = handled(h.trackers, "orders", 0, 2);
    const first = h.committer.commit();
    offsets.track(2);
    offsets.markDone(2);
    const rebalance = h.committer.commit("rebalance");
    expect(rebalance).not.toBe(first);
    expect(h.committer.commit("rebalance")).toBe(rebalance);
    gate.resolve();
    await rebalance;
    expect(h.sent).toEqual([
      [{ topic: "orders", partition: 0, offset: "2" }],
      [{ topic: "orders", partition: 0, offset: "3" }],
    ]);
  });

  it("a refused commit changes nothing and is retried by the next one; a rebalance refusal is only debug", async () => {
    let refuse = true;
    const h = setup(async () => {
      if (refuse) throw new Error("REBALANCE_IN_PROGRESS");
    });
    handled(h.trackers, "orders", 0, 2);
    await h.committer.commit("rebalance");
    await h.committer.commit("interval");
    expect(h.logger.lines.map((l) => `${l.level} ${l.fields.reason}`)).toEqual(["debug rebalance", "warn interval"]);
    expect(h.committed).toEqual([]);
    refuse = false;
    await h.committer.commit();
    expect(h.sent.at(-1)).toEqual([{ topic: "orders", partition: 0, offset: "2" }]);
    expect(h.committed).toHaveLength(1);
  });

  it("commits nothing without a member", async () => {
    const h = setup(async () => {});
    handled(h.trackers, "orders", 0, 2);
    h.dropMember();
    await h.committer.commit();
    expect(h.sent).toEqual([]);
  });

  it("commitFinal waits for the commit in flight, then commits what advanced meanwhile", async () => {
    const gate = deferred();
    let calls = 0;
    const h = setup(() => (++calls === 1 ? gate.promise : Promise.resolve()));
    const offsets = handled(h.trackers, "orders", 0, 1);
    const inFlight = h.committer.commit();
    offsets.track(1);
    offsets.markDone(1);
    const final = h.committer.commitFinal();
    gate.resolve();
    await Promise.all([inFlight, final]);
    expect(h.sent.map((s) => s[0]!.offset)).toEqual(["1", "2"]);
  });

  it("commits on its interval until stopped", async () => {
    vi.useFakeTimers();
    const h = setup(async () => {});
    const offsets = handled(h.trackers, "orders", 0, 1);
    h.committer.startInterval(1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.sent).toHaveLength(1);
    offsets.track(1);
    offsets.markDone(1);
    h.committer.stopInterval();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(h.sent).toHaveLength(1);
  });
});

describe("Committer: exactly-once partitions", () => {
  it("commits them only in a transaction of their own id, ordered after the partition's transaction in flight, never below it", async () => {
    const trackers = new OffsetTracker();
    const events = new RuntimeEventEmitter(silentLogger);
    const plain: OffsetToCommit[][] = [];
    const member = { commit: async (offsets: OffsetToCommit[]) => void plain.push(offsets) };
    // The transactional producer of each id: a data transaction of partition 2 is in flight (100 records, offset 100).
    const dataGate = deferred();
    const sent: { partition: number; records: number; offset: string }[] = [];
    const transport = {
      client: "fake",
      createTransactionalProducer: (): TransactionalProducer => ({
        connect: async () => {},
        commitTransaction: async (records, offsets) => {
          if (records.length > 0) await dataGate.promise;
          sent.push({ partition: offsets.partition, records: records.length, offset: offsets.offset });
        },
        disconnect: async () => {},
      }),
      admin: () => ({}) as unknown as TransportAdmin,
    };
    const output = new TransactionalOutput(transport, silentLogger);
    const committer = new Committer({
      connection: "shared",
      trackers,
      member: () => member,
      events,
      logger: silentLogger,
      transactions: { groupId: "g", output },
    });
    // A fresh group: partition 2's tracker starts at 0 with nothing committed; its first 100 records are handled in
    // the open transaction (not done until it commits). An ordinary partition next to it.
    const eos = trackers.getOrCreate("in", 2, 0);
    eos.transactional = true;
    for (let i = 0; i < 100; i++) eos.track(i);
    handled(trackers, "other", 0, 3);
    const data = output.commit({ groupId: "g", topic: "in", partition: 2, offset: "99" }, [
      { topic: "out", value: "x" },
    ]);
    // The Committer's commit, asked for while the data transaction is in flight: a plain OffsetCommit of 0 here is
    // what moved a fresh group's offset back below a committed transaction.
    const commit = committer.commit();
    await Promise.resolve();
    dataGate.resolve();
    await data;
    for (let i = 0; i < 100; i++) eos.markDone(i);
    eos.markCommitted(100);
    await commit;
    expect(plain).toEqual([[{ topic: "other", partition: 0, offset: "3" }]]);
    // Only the data transaction for partition 2: the offsets-only one found nothing above 100 when its turn came.
    expect(sent).toEqual([{ partition: 2, records: 1, offset: "100" }]);
    // Records done outside a transaction (dead-lettered) after it: committed in an offsets-only transaction.
    eos.track(100);
    eos.markDone(100);
    await committer.commit();
    expect(sent.at(-1)).toEqual({ partition: 2, records: 0, offset: "101" });
    expect(plain).toHaveLength(1);
  });
});
