// BoundedBuffer: the per-topic FIFO between the Kafka fetch loop and the topic's handler.

import type { BackpressureMode } from "./types.js";

/**
 * What {@link BoundedBuffer.offer} did with an item.
 * - `accepted`: the item was appended.
 * - `full` (ApplyBackpressure only): the item was NOT stored; the caller must pause fetching and keep
 *   the item unconsumed (for Kafka: not resolve its offset) so it is delivered again later.
 * - `droppedOldest` (DropOldestMessage): the item was appended after evicting the oldest one, returned as `evicted`.
 * - `droppedNewest` (DropNewestMessage): the item itself was discarded; the buffer is unchanged.
 */
export type OfferResult<T> =
  | { readonly kind: "accepted" }
  | { readonly kind: "full" }
  | { readonly kind: "droppedOldest"; readonly evicted: T }
  | { readonly kind: "droppedNewest" };

const ACCEPTED = { kind: "accepted" } as const;
const FULL = { kind: "full" } as const;
const DROPPED_NEWEST = { kind: "droppedNewest" } as const;

/**
 * A fixed-capacity FIFO ring buffer. It never holds more than `capacity` items; what happens to an
 * item offered to a full buffer is decided by the {@link BackpressureMode}. `offer`, `shift` and
 * `peek` are O(1); `removeWhere` (used on rebalances) is O(n).
 */
export class BoundedBuffer<T> {
  private readonly slots: (T | undefined)[];
  private head = 0;
  private count = 0;
  /** Items held per key (only with a `keyOf`). */
  private readonly perKey = new Map<number, number>();

  /**
   * @param capacity the most items held at once (an integer ≥ 1).
   * @param mode what `offer` does when the buffer is full.
   * @param keyOf groups items (e.g. by partition) so that {@link countOf} can tell how many of a group are held.
   */
  constructor(
    readonly capacity: number,
    readonly mode: BackpressureMode,
    private readonly keyOf?: (item: T) => number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`buffer capacity must be an integer >= 1, got ${capacity}`);
    }
    this.slots = new Array<T | undefined>(capacity).fill(undefined);
  }

  /** Number of items held. */
  get size(): number {
    return this.count;
  }

  /** Number of items held whose key (see the constructor's `keyOf`) is `key`; 0 without a `keyOf`. */
  countOf(key: number): number {
    return this.perKey.get(key) ?? 0;
  }

  /** The keys (see the constructor's `keyOf`) of the items held, in no particular order. */
  heldKeys(): IterableIterator<number> {
    return this.perKey.keys();
  }

  /** `true` when no item is held. */
  isEmpty(): boolean {
    return this.count === 0;
  }

  /** `true` when `size === capacity`. */
  isFull(): boolean {
    return this.count === this.capacity;
  }

  /** Appends `item`, or applies the buffer's mode when it is full. See {@link OfferResult}. */
  offer(item: T): OfferResult<T> {
    if (this.count < this.capacity) {
      this.slots[(this.head + this.count) % this.capacity] = item;
      this.count++;
      this.counted(item, 1);
      return ACCEPTED;
    }
    switch (this.mode) {
      case "ApplyBackpressure":
        return FULL;
      case "DropNewestMessage":
        return DROPPED_NEWEST;
      case "DropOldestMessage": {
        // Full ring: the tail slot is the head slot. Overwrite it and advance head by one.
        const evicted = this.slots[this.head] as T;
        this.slots[this.head] = item;
        this.head = (this.head + 1) % this.capacity;
        this.counted(evicted, -1);
        this.counted(item, 1);
        return { kind: "droppedOldest", evicted };
      }
    }
  }

  /** Removes and returns the oldest item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.slots[this.head];
    this.slots[this.head] = undefined; // let the item be garbage-collected
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    this.counted(item as T, -1);
    return item;
  }

  /** Returns the oldest item without removing it. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.slots[this.head];
  }

  /**
   * Removes and returns the oldest item matching `predicate`, keeping the others in order; `undefined`
   * if none matches. O(k) for a match at position k (the items before it move up one slot), so it is
   * cheap when the match is near the front, which is the case it is used for (per-partition
   * concurrency: skip the few records of partitions whose handler is busy).
   */
  takeFirst(predicate: (item: T) => boolean): T | undefined {
    for (let i = 0; i < this.count; i++) {
      const index = (this.head + i) % this.capacity;
      const item = this.slots[index] as T;
      if (!predicate(item)) continue;
      // Close the gap from the front: move items 0..i-1 one slot towards the back, then drop the head.
      for (let j = i; j > 0; j--) {
        this.slots[(this.head + j) % this.capacity] = this.slots[(this.head + j - 1) % this.capacity];
      }
      this.slots[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.count--;
      this.counted(item, -1);
      return item;
    }
    return undefined;
  }

  /** Removes every item matching `predicate`, keeping the others in order; returns the removed ones. O(n). */
  removeWhere(predicate: (item: T) => boolean): T[] {
    const kept: T[] = [];
    const removed: T[] = [];
    for (const item of this.toArray()) (predicate(item) ? removed : kept).push(item);
    if (removed.length === 0) return removed;
    this.slots.fill(undefined);
    this.head = 0;
    this.count = kept.length;
    kept.forEach((item, index) => (this.slots[index] = item));
    for (const item of removed) this.counted(item, -1);
    return removed;
  }

  /** Removes and returns every item, oldest first. */
  clear(): T[] {
    return this.removeWhere(() => true);
  }

  /** The items, oldest first (a copy). */
  toArray(): T[] {
    const items: T[] = [];
    for (let i = 0; i < this.count; i++) items.push(this.slots[(this.head + i) % this.capacity] as T);
    return items;
  }

  private counted(item: T, delta: number): void {
    if (!this.keyOf) return;
    const key = this.keyOf(item);
    const count = (this.perKey.get(key) ?? 0) + delta;
    if (count === 0) this.perKey.delete(key);
    else this.perKey.set(key, count);
  }
}
