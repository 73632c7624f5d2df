import { afterEach, describe, expect, it, vi } from "vitest";
import { Committer, type OffsetToCommit } from "../../runtime/committer.js";
import { RuntimeEventEmitter, RuntimeEvents } from "../../runtime/events.js";
import { OffsetTracker } from "../../runtime/offset-tracker.js";
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
