// The test kit's fake clock: timers fire in time order, each at its own time, only when the clock is advanced.
import { describe, expect, it } from "vitest";
import { FakeClock } from "kefgen/testing";

describe("FakeClock", () => {
  it("runs due timers in order of time, then of scheduling, each with now at its time", () => {
    const clock = new FakeClock();
    const fired: [string, number][] = [];
    clock.set(() => fired.push(["b", clock.now]), 200);
    clock.set(() => fired.push(["a", clock.now]), 100);
    clock.set(() => fired.push(["a2", clock.now]), 100);
    clock.set(() => fired.push(["late", clock.now]), 1_000);
    expect(clock.nextAt).toBe(100);
    clock.advance(99);
    expect(fired).toEqual([]);
    clock.advance(150);
    expect(fired).toEqual([
      ["a", 100],
      ["a2", 100],
      ["b", 200],
    ]);
    expect(clock.now).toBe(249);
    expect(clock.pending).toBe(1);
  });

  it("a cleared timer never fires; a timer set by a callback fires within the same advance when due", () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    const cleared = clock.set(() => fired.push(-1), 10);
    clock.clear(cleared);
    clock.clear(undefined);
    clock.set(() => {
      fired.push(clock.now);
      clock.set(() => fired.push(clock.now), 30);
    }, 20);
    clock.advance(100);
    expect(fired).toEqual([20, 50]);
    expect(clock.pending).toBe(0);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });
});
