import { describe, expect, it } from "vitest";
import { BoundedBuffer } from "../../runtime/bounded-buffer.js";
import type { BackpressureMode } from "../../runtime/types.js";

const MODES: BackpressureMode[] = ["ApplyBackpressure", "DropOldestMessage", "DropNewestMessage"];

function filled(capacity: number, mode: BackpressureMode, items: number[]): BoundedBuffer<number> {
  const buffer = new BoundedBuffer<number>(capacity, mode);
  for (const item of items) buffer.offer(item);
  return buffer;
}

describe("BoundedBuffer", () => {
  it("rejects a capacity that is not a positive integer", () => {
    expect(() => new BoundedBuffer(0, "ApplyBackpressure")).toThrow(RangeError);
    expect(() => new BoundedBuffer(1.5, "ApplyBackpressure")).toThrow(RangeError);
  });

  it.each(MODES)("accepts up to capacity and hands items out in FIFO order (%s)", (mode) => {
    const buffer = new BoundedBuffer<number>(3, mode);
    expect(buffer.offer(1)).toEqual({ kind: "accepted" });
    expect(buffer.offer(2)).toEqual({ kind: "accepted" });
    expect(buffer.offer(3)).toEqual({ kind: "accepted" });
    expect(buffer.isFull()).toBe(true);
    expect(buffer.peek()).toBe(1);
    expect([buffer.shift(), buffer.shift(), buffer.shift(), buffer.shift()]).toEqual([1, 2, 3, undefined]);
    expect(buffer.isEmpty()).toBe(true);
  });

  it("ApplyBackpressure: a full buffer refuses the item and stays unchanged", () => {
    const buffer = filled(2, "ApplyBackpressure", [1, 2]);
    expect(buffer.offer(3)).toEqual({ kind: "full" });
    expect(buffer.size).toBe(2);
    expect(buffer.toArray()).toEqual([1, 2]);
    buffer.shift();
    expect(buffer.offer(3)).toEqual({ kind: "accepted" });
    expect(buffer.toArray()).toEqual([2, 3]);
  });

  it("DropOldestMessage: a full buffer evicts and returns the oldest item, keeping FIFO order", () => {
    const buffer = filled(3, "DropOldestMessage", [1, 2, 3]);
    expect(buffer.offer(4)).toEqual({ kind: "droppedOldest", evicted: 1 });
    expect(buffer.offer(5)).toEqual({ kind: "droppedOldest", evicted: 2 });
    expect(buffer.size).toBe(3);
    expect(buffer.toArray()).toEqual([3, 4, 5]);
    expect(buffer.shift()).toBe(3);
    expect(buffer.offer(6)).toEqual({ kind: "accepted" });
    expect(buffer.offer(7)).toEqual({ kind: "droppedOldest", evicted: 4 });
    expect(buffer.toArray()).toEqual([5, 6, 7]);
  });

  it("DropNewestMessage: a full buffer discards the offered item", () => {
    const buffer = filled(2, "DropNewestMessage", [1, 2]);
    expect(buffer.offer(3)).toEqual({ kind: "droppedNewest" });
    expect(buffer.toArray()).toEqual([1, 2]);
  });

  it("capacity 1 works in every mode", () => {
    expect(filled(1, "ApplyBackpressure", [1]).offer(2)).toEqual({ kind: "full" });
    expect(filled(1, "DropOldestMessage", [1]).offer(2)).toEqual({ kind: "droppedOldest", evicted: 1 });
    expect(filled(1, "DropNewestMessage", [1]).offer(2)).toEqual({ kind: "droppedNewest" });
  });

  it.each(MODES)("never holds more than capacity and matches a reference queue under random use (%s)", (mode) => {
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const capacity = 5;
    const buffer = new BoundedBuffer<number>(capacity, mode);
    const model: number[] = [];
    for (let i = 0; i < 5_000; i++) {
      if (random() < 0.6) {
        const result = buffer.offer(i);
        if (model.length < capacity) {
          expect(result.kind).toBe("accepted");
          model.push(i);
        } else if (mode === "DropOldestMessage") {
          expect(result).toEqual({ kind: "droppedOldest", evicted: model.shift() });
          model.push(i);
        } else {
          expect(result.kind).toBe(mode === "ApplyBackpressure" ? "full" : "droppedNewest");
        }
      } else {
        expect(buffer.shift()).toBe(model.shift());
      }
      expect(buffer.size).toBe(model.length);
      expect(buffer.size).toBeLessThanOrEqual(capacity);
    }
    expect(buffer.toArray()).toEqual(model);
  });

  it("removeWhere removes matching items (also across the ring wrap) and keeps the rest in order", () => {
    const buffer = filled(4, "DropOldestMessage", [1, 2, 3, 4, 5, 6]); // wrapped: holds 3,4,5,6
    expect(buffer.removeWhere((n) => n % 2 === 0)).toEqual([4, 6]);
    expect(buffer.toArray()).toEqual([3, 5]);
    expect(buffer.offer(7)).toEqual({ kind: "accepted" });
    expect(buffer.offer(8)).toEqual({ kind: "accepted" });
    expect(buffer.offer(9)).toEqual({ kind: "droppedOldest", evicted: 3 });
    expect(buffer.toArray()).toEqual([5, 7, 8, 9]);
    expect(buffer.clear()).toEqual([5, 7, 8, 9]);
    expect(buffer.isEmpty()).toBe(true);
  });

  it("takeFirst removes the oldest matching item and keeps the others in order, also across the ring edge", () => {
    const buffer = new BoundedBuffer<number>(4, "ApplyBackpressure");
    for (const item of [1, 2, 3, 4]) buffer.offer(item);
    buffer.shift();
    buffer.shift();
    buffer.offer(5);
    buffer.offer(6); // the ring now wraps: [3, 4, 5, 6] with head at index 2
    expect(buffer.takeFirst((n) => n % 2 === 1 && n > 3)).toBe(5);
    expect(buffer.toArray()).toEqual([3, 4, 6]);
    expect(buffer.takeFirst((n) => n > 10)).toBeUndefined();
    expect(buffer.takeFirst((n) => n === 3)).toBe(3);
    expect(buffer.toArray()).toEqual([4, 6]);
    buffer.offer(7);
    buffer.offer(8);
    expect(buffer.isFull()).toBe(true);
    expect(buffer.takeFirst((n) => n === 8)).toBe(8);
    expect([buffer.shift(), buffer.shift(), buffer.shift(), buffer.shift()]).toEqual([4, 6, 7, undefined]);
  });

  it("takeFirst matches a reference queue under random use", () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const buffer = new BoundedBuffer<number>(5, "ApplyBackpressure");
    const reference: number[] = [];
    for (let step = 0, next = 0; step < 5_000; step++) {
      const roll = random();
      if (roll < 0.5) {
        if (buffer.offer(next).kind === "accepted") reference.push(next);
        next++;
      } else {
        const modulus = 1 + Math.floor(random() * 3);
        const index = reference.findIndex((n) => n % modulus === 0);
        const expected = index < 0 ? undefined : reference.splice(index, 1)[0];
        expect(buffer.takeFirst((n) => n % modulus === 0)).toBe(expected);
      }
      expect(buffer.toArray()).toEqual(reference);
    }
  });

  it("counts items per key through offer, shift, takeFirst, eviction and removal", () => {
    const buffer = new BoundedBuffer<{ p: number; n: number }>(3, "DropOldestMessage", (item) => item.p);
    buffer.offer({ p: 0, n: 0 });
    buffer.offer({ p: 1, n: 1 });
    buffer.offer({ p: 0, n: 2 });
    expect([buffer.countOf(0), buffer.countOf(1), buffer.countOf(2)]).toEqual([2, 1, 0]);
    buffer.offer({ p: 2, n: 3 }); // evicts n0 (partition 0)
    expect([buffer.countOf(0), buffer.countOf(2)]).toEqual([1, 1]);
    buffer.shift(); // n1
    expect(buffer.countOf(1)).toBe(0);
    buffer.takeFirst((item) => item.p === 2);
    expect(buffer.countOf(2)).toBe(0);
    buffer.removeWhere(() => true);
    expect(buffer.countOf(0)).toBe(0);
    expect(new BoundedBuffer<number>(2, "ApplyBackpressure").countOf(0)).toBe(0);
  });
});
