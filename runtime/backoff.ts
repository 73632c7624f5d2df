// Exponential backoff shared by handler retries and consumer restarts.

/** Exponential backoff: the first retry waits `initialDelayMs`, each next one twice as long, capped at `maxDelayMs`. */
export interface BackoffSettings {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/** Handler retries: 100 ms doubling up to 30 s. */
export const DEFAULT_HANDLER_RETRY: BackoffSettings = { initialDelayMs: 100, maxDelayMs: 30_000 };

/** Delay before retry number `attempt` (1-based). */
export function backoffDelay(settings: BackoffSettings, attempt: number): number {
  const exponent = Math.max(0, attempt - 1);
  // 2^exponent overflows to Infinity long after the cap is reached; Math.min keeps it finite.
  return Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** exponent);
}
