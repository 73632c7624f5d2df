// The invariant checker must be able to fail: each invariant is broken on purpose with scripted
// samples (no broker), and finish() must reject naming it.
import { describe, expect, it } from "vitest";
import { InvariantChecker, key, type Sample } from "./invariants.js";

const T = "t";
/** A handling time before every sample (the first sample is taken as the checker is created). */
const EARLIER = Date.now() - 60_000;
const k0 = key(T, 0);

/** A checker whose samples come from `script` (one per call, the last one repeated). */
function checker(script: (now: number) => Array<{ committed: number; end: number }>) {
  const taken: Sample[] = [];
  let i = 0;
  const list = script(Date.now());
  const c = new InvariantChecker("self-test", [], "g", [T], 5, async () => {
    const entry = list[Math.min(i++, list.length - 1)]!;
    const sample = { at: Date.now(), committed: new Map([[k0, entry.committed]]), ends: new Map([[k0, entry.end]]) };
    taken.push(sample);
    return sample;
  });
  return {
    c,
    taken,
    sampled: (n: number) =>
      new Promise<void>((resolve) => {
        const poll = () => (taken.length >= n ? resolve() : setTimeout(poll, 2));
        poll();
      }),
  };
}

describe("InvariantChecker", () => {
  it("passes a clean run and reports its figures", async () => {
    const { c, sampled } = checker(() => [
      { committed: -1, end: 3 },
      { committed: 3, end: 3 },
    ]);
    c.ackedUpTo(T, new Map([[0, 3]]));
    for (let o = 0; o < 3; o++) c.handled(T, 0, o, EARLIER);
    const healed = c.fault("nothing");
    healed();
    await sampled(3);
    const figures = await c.finish();
    expect(figures).toMatchObject({ produced: 3, handled: 3, duplicates: 0, maxLag: 3 });
    expect(figures.recoverMs).not.toBeNull();
  });

  it("I1: an acknowledged record never handled", async () => {
    const { c, sampled } = checker(() => [{ committed: 0, end: 2 }]);
    c.ackedUpTo(T, new Map([[0, 2]]));
    c.handled(T, 0, 0, EARLIER);
    await sampled(1);
    await expect(c.finish()).rejects.toThrow(/I1/);
  });

  it("I2: a commit reported before the records below it were handled", async () => {
    const { c, sampled } = checker(() => [{ committed: 2, end: 2 }]);
    await sampled(1);
    c.handled(T, 0, 0, Date.now() + 1_000);
    c.handled(T, 0, 1, Date.now() + 1_000); // handled after the broker already showed the commit
    await expect(c.finish()).rejects.toThrow(/I2/);
  });

  it("I4: a committed offset that went backwards", async () => {
    const { c, sampled } = checker(() => [
      { committed: 2, end: 2 },
      { committed: 1, end: 2 },
    ]);
    c.handled(T, 0, 0, EARLIER);
    c.handled(T, 0, 1, EARLIER);
    await sampled(2);
    await expect(c.finish()).rejects.toThrow(/I4/);
  });

  it("I4: a negative sentinel (kafkajs commits -2 when it resets an out-of-range offset) is counted, not compared", async () => {
    const { c, sampled } = checker(() => [
      { committed: 2, end: 2 },
      { committed: -2, end: 2 },
      { committed: 2, end: 2 },
    ]);
    c.handled(T, 0, 0, EARLIER);
    c.handled(T, 0, 1, EARLIER);
    await sampled(3);
    expect((await c.finish()).sentinelCommits).toBe(1);
  });

  it("I3: a duplicate outside every fault window", async () => {
    const { c, sampled } = checker(() => [{ committed: 1, end: 1 }]);
    c.handled(T, 0, 0, EARLIER);
    c.handled(T, 0, 0, EARLIER);
    await sampled(1);
    await expect(c.finish()).rejects.toThrow(/I3/);
  });

  it("I5: lag that never returns to 0 after the fault healed", async () => {
    const { c, sampled } = checker(() => [{ committed: 0, end: 1 }]);
    c.fault("stuck")();
    await sampled(2);
    await expect(c.finish()).rejects.toThrow(/I5/);
  });

  it("a sample that never comes back fails after sampleTimeoutMs, and sampling goes on", async () => {
    let calls = 0;
    const c = new InvariantChecker(
      "self-test",
      [],
      "g",
      [T],
      5,
      () => {
        // The first sample hangs, like a kafkajs request on a connection a fault broke.
        if (calls++ === 0) return new Promise<Sample>(() => undefined);
        return Promise.resolve({ at: Date.now(), committed: new Map([[k0, 1]]), ends: new Map([[k0, 1]]) });
      },
      50,
    );
    c.ackedUpTo(T, new Map([[0, 1]]));
    c.handled(T, 0, 0, EARLIER);
    c.fault("hang")();
    await c.waitForZeroLag(5_000);
    const figures = await c.finish();
    expect(figures.failedSamples).toBe(1);
    expect(figures.samples).toBeGreaterThan(0);
  });

  it("a wait for lag 0 that times out says whether the handlers or the sampling stalled", async () => {
    const { c, sampled } = checker(() => [{ committed: 1, end: 3 }]);
    c.ackedUpTo(T, new Map([[0, 3]]));
    c.handled(T, 0, 0, EARLIER);
    c.fault("stuck")();
    c.handled(T, 0, 1);
    await sampled(2);
    await expect(c.waitForZeroLag(20)).rejects.toThrow(
      /lag did not return to 0 within 20 ms \(last sample \d+ ms ago: t\[0\] 1\/3; failed samples 0, the last never; records handled since the fault healed: 1; handler calls in all: 2\)/,
    );
    await expect(c.finish()).rejects.toThrow(/I1/);
  });
});
