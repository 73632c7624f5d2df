// RestartPolicy: what a connection does after its consumer crashed and the client does not restart
// it itself (pitfall 6: a crash can otherwise stop consumption silently). Bounded exponential backoff,
// reset by a successful group join; the connection turns its decisions into state and events.

import { backoffDelay, type BackoffSettings } from "./backoff.js";
import type { CrashInfo } from "./metrics.js";

/** How a connection restarts a consumer that crashed and that the client does not restart itself. */
export interface RestartSettings extends BackoffSettings {
  /** Consecutive failed restarts before the connection gives up (state `crashed`). */
  readonly maxAttempts: number;
}

/** Restarts: 1 s doubling to 30 s, without limit (a consumer that silently stops is worse than a noisy one). */
export const DEFAULT_RESTART: RestartSettings = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxAttempts: Number.POSITIVE_INFINITY,
};

/** What {@link RestartPolicy.schedule} decided. */
export type RestartDecision =
  | { readonly kind: "restart"; readonly attempt: number; readonly delayMs: number }
  | { readonly kind: "give-up"; readonly attempts: number };

/**
 * Counts crashes and restarts of one connection and times the next restart. Owns the restart
 * counters and the last crash shown in metrics.
 */
export class RestartPolicy {
  private attempt = 0;
  private count = 0;
  private crash: CrashInfo | null = null;
  private nextAt: number | null = null;
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param settings backoff and attempt limit.
   * @param restart called when a scheduled restart is due.
   */
  constructor(
    private readonly settings: RestartSettings,
    private readonly restart: () => void,
  ) {}

  /** Restarts so far (scheduled here, or done by the client itself). */
  get restarts(): number {
    return this.count;
  }

  /** The last crash, or `null`. */
  get lastCrash(): CrashInfo | null {
    return this.crash;
  }

  /** When the scheduled restart runs (epoch ms), or `null`. */
  get nextRestartAt(): number | null {
    return this.nextAt;
  }

  /** Records a crash (shown in metrics as restarting until {@link giveUp}). */
  noteCrash(error: unknown): void {
    this.crash = { at: Date.now(), error: error instanceof Error ? error.message : String(error), restarting: true };
  }

  /** Counts a restart someone else does (the client itself, or a consumer replacement). */
  countRestart(): void {
    this.count++;
  }

  /** Marks the last crash as final: no restart follows. */
  giveUp(): void {
    this.nextAt = null;
    if (this.crash) this.crash = { ...this.crash, restarting: false };
  }

  /**
   * Schedules the next restart with backoff, or gives up after `maxAttempts` consecutive attempts.
   * A scheduled restart replaces one already pending.
   */
  schedule(): RestartDecision {
    this.attempt++;
    if (this.attempt > this.settings.maxAttempts) {
      this.giveUp();
      return { kind: "give-up", attempts: this.attempt - 1 };
    }
    const delayMs = backoffDelay(this.settings, this.attempt);
    this.count++;
    this.nextAt = Date.now() + delayMs;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.restart();
    }, delayMs);
    return { kind: "restart", attempt: this.attempt, delayMs };
  }

  /** The consumer joined its group: the next crash starts the backoff over. */
  succeeded(): void {
    this.attempt = 0;
    this.nextAt = null;
  }

  /** Cancels a pending restart (stop). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
