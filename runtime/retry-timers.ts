// The timers that schedule a failed record's next attempt (handler retries and dead-letter write retries).
// The runtime uses the system's; `kefgen/testing` passes a fake one so a test can step through a retry schedule
// (`kit.clock.advance(ms)`) without waiting for it.

/** A scheduled callback, as returned by {@link RetryTimers.set} (a Node.js `Timeout`, or a fake clock's handle). */
export type RetryTimer = object;

/** Where retry waits are scheduled. */
export interface RetryTimers {
  /** Runs `callback` once, `ms` milliseconds from now. */
  set(callback: () => void, ms: number): RetryTimer;
  /** Cancels a timer that has not run yet; a timer that ran, or `undefined`, is ignored. */
  clear(timer: RetryTimer | undefined): void;
}

/** The system's timers. */
export const systemRetryTimers: RetryTimers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (timer) => clearTimeout(timer as NodeJS.Timeout | undefined),
};
