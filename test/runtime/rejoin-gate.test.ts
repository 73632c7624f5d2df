import { describe, expect, it } from "vitest";
import { silentLogger } from "../../runtime/logger.js";
import { OffsetTracker } from "../../runtime/offset-tracker.js";
import { RejoinGate } from "../../runtime/rejoin-gate.js";

function setup(waitMs = 1_000) {
  const trackers = new OffsetTracker();
  const calls: string[] = [];
  let finishCommit: () => void = () => {};
  const gate = new RejoinGate({
    trackers,
    hold: () => void calls.push("hold"),
    release: () => void calls.push("release"),
    commit: () => {
      calls.push("commit");
      return new Promise<void>((resolve) => (finishCommit = resolve));
    },
    logger: silentLogger,
    waitMs,
  });
  return { trackers, calls, gate, finishCommit: () => finishCommit() };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("RejoinGate", () => {
  it("holds from the crash; after the join, waits for the restored partitions, commits, then releases", async () => {
    const { trackers, calls, gate, finishCommit } = setup();
    const a = trackers.getOrCreate("a", 0, 0);
    a.track(0);
    a.track(1);
    a.markDone(0);
    gate.crashed();
    expect(calls).toEqual(["hold"]);
    trackers.retainAssigned({ a: [0] });
    expect(gate.joined()).toBe(true); // a holds work: wait for its first batch
    gate.confirmed(); // not yet: a still awaits its group offset
    expect(calls).toEqual(["hold"]);
    a.confirmGroupOffset(0);
    gate.confirmed();
    expect(calls).toEqual(["hold", "commit"]);
    finishCommit();
    await tick();
    expect(calls).toEqual(["hold", "commit", "release"]);
  });

  it("does not wait when no restored partition holds work", () => {
    const { trackers, gate } = setup();
    const a = trackers.getOrCreate("a", 0, 5);
    a.markCommitted(5);
    gate.crashed();
    trackers.retainAssigned({ a: [0] });
    expect(gate.joined()).toBe(false);
  });

  it("goes on after waitMs when a restored partition fetched nothing", async () => {
    const { trackers, calls, gate, finishCommit } = setup(10);
    trackers.getOrCreate("a", 0, 0).track(0);
    gate.crashed();
    trackers.retainAssigned({ a: [0] });
    expect(gate.joined()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(calls).toEqual(["hold", "commit"]);
    finishCommit();
    await tick();
    expect(calls).toEqual(["hold", "commit", "release"]);
  });

  it("a new crash while the rejoin commit is in flight keeps the handlers held", async () => {
    const { trackers, calls, gate, finishCommit } = setup();
    const a = trackers.getOrCreate("a", 0, 0);
    a.track(0);
    gate.crashed();
    trackers.retainAssigned({ a: [0] });
    gate.joined();
    a.confirmGroupOffset(0);
    gate.confirmed();
    gate.crashed();
    finishCommit();
    await tick();
    expect(calls).toEqual(["hold", "commit", "hold"]);
  });
});
