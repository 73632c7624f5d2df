// A fake clock for the waits before a failed record's next attempt: the runtime schedules its retry timers here
// (ConsumerRuntimeOptions.retryTimers) and a test moves time forward with advance(), so a backoff schedule of
// seconds or minutes is stepped through at once, and exactly: nothing fires before its time.

import type { RetryTimer, RetryTimers } from "../retry-timers.js";

interface Scheduled {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/** Retry timers on a clock that moves only when {@link advance} is called. Time starts at 0. */
export class FakeClock implements RetryTimers {
  private time = 0;
  private seq = 0;
  private readonly scheduled = new Map<RetryTimer, Scheduled>();

  /** Milliseconds since the clock was made, as far as it was advanced. */
  get now(): number {
    return this.time;
  }

  /** How many timers wait to fire. */
  get pending(): number {
    return this.scheduled.size;
  }

  /** When the next timer fires (in {@link now}'s terms), or `undefined` when none waits. */
  get nextAt(): number | undefined {
    let next: number | undefined;
    for (const s of this.scheduled.values()) if (next === undefined || s.at < next) next = s.at;
    return next;
  }

  set(callback: () => void, ms: number): RetryTimer {
    const handle = {};
    this.scheduled.set(handle, { at: this.time + Math.max(0, ms), seq: this.seq++, callback });
    return handle;
  }

  clear(timer: RetryTimer | undefined): void {
    if (timer !== undefined) this.scheduled.delete(timer);
  }

  /**
   * Moves time forward by `ms`, running every timer due by then in the order of their times (then of their
   * scheduling), each with {@link now} at its own time. A timer set by a callback runs too if it falls due within
   * the same advance; what the runtime does asynchronously after a timer fired (the next attempt) happens after
   * this returns, so its own next timer is set relative to the new {@link now}.
   */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance takes a duration of 0 ms or more, not ${ms}`);
    const target = this.time + ms;
    for (;;) {
      let first: [RetryTimer, Scheduled] | undefined;
      for (const entry of this.scheduled) {
        const s = entry[1];
        if (
          s.at <= target &&
          (first === undefined || s.at < first[1].at || (s.at === first[1].at && s.seq < first[1].seq))
        )
          first = entry;
      }
      if (!first) break;
      this.scheduled.delete(first[0]);
      this.time = first[1].at;
      first[1].callback();
    }
    this.time = target;
  }
}
