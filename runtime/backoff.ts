// Exponential backoff shared by handler retries and consumer restarts.

/** Exponential backoff: the first retry waits `initialDelayMs`, each next one twice as long, capped at `maxDelayMs`. */
export interface BackoffSettings {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * @deprecated Handler retries follow each topic's failure policy now (`FailurePolicy`, default 200 ms doubling to
 * 30 s with jitter); this old default (100 ms doubling to 30 s) is no longer used by the runtime.
 */
export const DEFAULT_HANDLER_RETRY: BackoffSettings = { initialDelayMs: 100, maxDelayMs: 30_000 };

/** Delay before retry number `attempt` (1-based). */
export function backoffDelay(settings: BackoffSettings, attempt: number): number {
  const exponent = Math.max(0, attempt - 1);
  // 2^exponent overflows to Infinity long after the cap is reached; Math.min keeps it finite.
  return Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** exponent);
}

/** A failing record's retries: `backoffMs × multiplier^(attempt-1)`, capped at `maxBackoffMs`, with ± `jitterPercent` %. */
export interface RetryBackoff {
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly multiplier: number;
  readonly jitterPercent: number;
}

/**
 * Wait before retry number `attempt` (1-based) of a failing record. Jitter spreads partitions that failed together
 * (a downstream outage) so they do not retry in step; the result stays within [0, maxBackoffMs].
 * `random` is for tests.
 */
export function retryDelay(settings: RetryBackoff, attempt: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(settings.maxBackoffMs, settings.backoffMs * settings.multiplier ** exponent);
  const spread = (base * settings.jitterPercent) / 100;
  return Math.round(Math.min(settings.maxBackoffMs, Math.max(0, base + spread * (2 * random() - 1))));
}
