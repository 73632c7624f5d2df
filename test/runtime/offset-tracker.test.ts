import { describe, expect, it } from "vitest";
import { OffsetTracker, PartitionOffsets, parseOffset } from "../../runtime/offset-tracker.js";

describe("parseOffset", () => {
  it("parses kafkajs offset strings", () => {
    expect(parseOffset("0")).toBe(0);
    expect(parseOffset("9007199254740991")).toBe(2 ** 53 - 1);
  });

  it("refuses offsets it cannot represent exactly, negative or malformed ones", () => {
    expect(() => parseOffset("9007199254740993")).toThrow(RangeError);
    expect(() => parseOffset("-1")).toThrow(RangeError);
    expect(() => parseOffset("12x")).toThrow(RangeError);
  });
});

describe("PartitionOffsets", () => {
  it("knows nothing before a position or record is seen, then commits the fetch position", () => {
    expect(new PartitionOffsets("t", 0).committable()).toBeUndefined();
    expect(new PartitionOffsets("t", 0).needsCommit()).toBe(false);
    const offsets = new PartitionOffsets("t", 0, 40);
    expect(offsets.committable()).toBe(40);
    expect(offsets.needsCommit()).toBe(true);
  });

  it("commits only up to the earliest record that is not done, whatever order records finish in", () => {
    const offsets = new PartitionOffsets("t", 0, 10);
    for (let o = 10; o < 15; o++) offsets.track(o);
    expect(offsets.committable()).toBe(10);
    offsets.markDone(12);
    offsets.markDone(13);
    expect(offsets.committable()).toBe(10);
    offsets.markDone(10);
    expect(offsets.committable()).toBe(11);
    offsets.markDone(11);
    expect(offsets.committable()).toBe(14);
    offsets.markDone(14);
    expect(offsets.committable()).toBe(15); // all done: the fetch position
    expect(offsets.outstanding).toBe(0);
  });

  it("never moves backwards, under random completion orders", () => {
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const offsets = new PartitionOffsets("t", 0, 0);
    const open: number[] = [];
    let next = 0;
    let previous = -1;
    for (let step = 0; step < 3_000; step++) {
      if (random() < 0.5 || open.length === 0) {
        offsets.track(next);
        open.push(next++);
      } else {
        const [done] = open.splice(Math.floor(random() * open.length), 1);
        expect(offsets.markDone(done!)).toBe(true);
      }
      const committable = offsets.committable()!;
      expect(committable).toBeGreaterThanOrEqual(previous);
      // It is exactly the earliest open offset, or the fetch position.
      expect(committable).toBe(open.length > 0 ? Math.min(...open) : next);
      previous = committable;
    }
  });

  it("records tracked as done (dropped, at-most-once) never hold the commit back", () => {
    const offsets = new PartitionOffsets("t", 0, 0);
    offsets.track(0);
    offsets.track(1, true);
    offsets.track(2, true);
    expect(offsets.committable()).toBe(0);
    offsets.markDone(0);
    expect(offsets.committable()).toBe(3);
    expect(offsets.markDone(1)).toBe(false);
  });

  it("flags records below the fetch position as duplicates and refuses to track them", () => {
    const offsets = new PartitionOffsets("t", 0, 5);
    expect(offsets.isDuplicate(4)).toBe(true);
    expect(offsets.isDuplicate(5)).toBe(false);
    offsets.track(5);
    offsets.track(6);
    expect(offsets.isDuplicate(6)).toBe(true);
    expect(offsets.isDuplicate(7)).toBe(false);
    expect(() => offsets.track(6)).toThrow(/below fetch position/);
    expect(new PartitionOffsets("t", 0).isDuplicate(0)).toBe(false);
  });

  it("markDone ignores unknown offsets and second calls", () => {
    const offsets = new PartitionOffsets("t", 0, 0);
    offsets.track(0);
    expect(offsets.markDone(3)).toBe(false);
    expect(offsets.markDone(0)).toBe(true);
    expect(offsets.markDone(0)).toBe(false);
  });

  it("needsCommit follows markCommitted, which never goes back", () => {
    const offsets = new PartitionOffsets("t", 0, 0);
    offsets.track(0);
    offsets.markDone(0);
    expect(offsets.needsCommit()).toBe(true);
    offsets.markCommitted(1);
    expect(offsets.needsCommit()).toBe(false);
    offsets.markCommitted(0);
    expect(offsets.lastCommitted).toBe(1);
    offsets.track(1);
    expect(offsets.needsCommit()).toBe(false); // 1 is outstanding: committable is still 1
    offsets.markDone(1);
    expect(offsets.needsCommit()).toBe(true);
  });

  it("skipTo only moves the fetch position forward", () => {
    const offsets = new PartitionOffsets("t", 0, 10);
    offsets.skipTo(8);
    expect(offsets.fetchPosition).toBe(10);
    offsets.skipTo(12);
    expect(offsets.fetchPosition).toBe(12);
    expect(offsets.committable()).toBe(12);
  });

  it("stays correct over many records (queue compaction)", () => {
    const offsets = new PartitionOffsets("t", 0, 0);
    for (let o = 0; o < 10_000; o++) offsets.track(o);
    offsets.markDone(0);
    for (let o = 2; o < 5_000; o++) offsets.markDone(o);
    expect(offsets.committable()).toBe(1);
    offsets.markDone(1);
    expect(offsets.committable()).toBe(5_000);
    for (let o = 5_000; o < 10_000; o++) offsets.markDone(o);
    expect(offsets.committable()).toBe(10_000);
  });
});

describe("OffsetTracker", () => {
  it("keeps one tracker per topic-partition", () => {
    const tracker = new OffsetTracker();
    const a = tracker.getOrCreate("a", 0, 5);
    expect(tracker.getOrCreate("a", 0, 99)).toBe(a);
    expect(a.fetchPosition).toBe(5);
    expect(tracker.get("a", 1)).toBeUndefined();
  });

  it("retainAssigned revokes and forgets partitions that are no longer assigned", () => {
    const tracker = new OffsetTracker();
    const a0 = tracker.getOrCreate("a", 0, 0);
    const a1 = tracker.getOrCreate("a", 1, 0);
    const b0 = tracker.getOrCreate("b", 0, 0);
    const revoked = tracker.retainAssigned({ a: [0], c: [0] });
    expect(revoked).toEqual([a1, b0]);
    expect(a1.revoked && b0.revoked).toBe(true);
    expect(a0.revoked).toBe(false);
    expect(tracker.all()).toEqual([a0]);
  });

  it("pendingCommits lists only partitions whose committable offset advanced", () => {
    const tracker = new OffsetTracker();
    const a = tracker.getOrCreate("a", 0, 0);
    const b = tracker.getOrCreate("b", 0, 3);
    b.markCommitted(3);
    a.track(0);
    a.track(1);
    a.markDone(0);
    expect(tracker.pendingCommits()).toEqual([{ offsets: a, offset: 1 }]);
    a.markCommitted(1);
    expect(tracker.pendingCommits()).toEqual([]);
  });

  it("suspendAll keeps trackers through a crash: not owned, not committed; the next join restores the assigned ones and revokes the rest", () => {
    const tracker = new OffsetTracker();
    const a0 = tracker.getOrCreate("a", 0, 0);
    const a1 = tracker.getOrCreate("a", 1, 0);
    a0.track(0);
    a0.track(1);
    a1.track(0);
    expect(tracker.suspendAll()).toEqual([a0, a1]);
    expect(tracker.get("a", 0)).toBeUndefined();
    expect(tracker.suspendedCount).toBe(2);
    a0.markDone(0); // a handler call in flight at the crash finishes
    expect(tracker.pendingCommits()).toEqual([]);

    expect(tracker.retainAssigned({ a: [0] })).toEqual([a1]);
    expect(a1.revoked).toBe(true);
    expect(a0.revoked).toBe(false);
    expect(tracker.get("a", 0)).toBe(a0);
    expect(tracker.suspendedCount).toBe(0);
    // Restored, but not committed until the first batch shows the group's offset.
    expect(tracker.awaitingGroupOffset()).toEqual([a0]);
    expect(tracker.pendingCommits()).toEqual([]);
    a0.confirmGroupOffset(0);
    expect(tracker.pendingCommits()).toEqual([{ offsets: a0, offset: 1 }]);
  });

  it("confirmGroupOffset makes a group offset ahead of the tracker the floor of its commits", () => {
    const tracker = new OffsetTracker();
    const a = tracker.getOrCreate("a", 0, 0);
    for (let o = 0; o < 4; o++) a.track(o);
    a.markDone(0);
    tracker.suspendAll();
    tracker.retainAssigned({ a: [0] });
    a.confirmGroupOffset(3); // another member handled 0..2 and committed 3 meanwhile
    expect(a.committable()).toBe(3);
    expect(tracker.pendingCommits()).toEqual([]);
    for (let o = 1; o < 4; o++) a.markDone(o);
    expect(tracker.pendingCommits()).toEqual([{ offsets: a, offset: 4 }]);
  });

  it("forgetAll revokes suspended trackers too", () => {
    const tracker = new OffsetTracker();
    const a = tracker.getOrCreate("a", 0, 0);
    tracker.suspendAll();
    expect(tracker.forgetAll()).toEqual([a]);
    expect(a.revoked).toBe(true);
    expect(tracker.suspendedCount).toBe(0);
  });

  it("detach drops a tracker from commits without revoking it; forgetAll revokes everything", () => {
    const tracker = new OffsetTracker();
    const a = tracker.getOrCreate("a", 0, 0);
    expect(tracker.detach("a", 0)).toBe(a);
    expect(a.revoked).toBe(false);
    expect(tracker.pendingCommits()).toEqual([]);
    const fresh = tracker.getOrCreate("a", 0, 7);
    expect(fresh).not.toBe(a);
    const b = tracker.getOrCreate("b", 0, 0);
    expect(tracker.forgetAll()).toEqual([fresh, b]);
    expect(fresh.revoked && b.revoked).toBe(true);
    expect(tracker.all()).toEqual([]);
  });
});
