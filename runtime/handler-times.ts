// HandlerTimes: how long one topic's handler calls take — the latency metric, the recent average the dispatcher
// decides by (partitions taking turns, waiting for room: topic-channel.ts), the `handlerAttempt` event, and the
// slow-handler watchdog's reports. The channel owns which records run; this file only times them.

import { RuntimeEvents, type RuntimeEventEmitter } from "./events.js";
import type { RuntimeLogger } from "./logger.js";
import { LatencyStats, type LatencySnapshot } from "./metrics.js";
import type { ChannelRecord } from "./topic-channel.js";

/** One handler attempt on a record, for the slow-handler watchdog. */
export interface Attempt {
  startedAt: number;
  reportedSlow: boolean;
}

/** Construction parameters of {@link HandlerTimes}. */
export interface HandlerTimesOptions {
  /** The connection's name (for events). */
  readonly connection: string;
  readonly topic: string;
  readonly events: RuntimeEventEmitter;
  readonly logger: RuntimeLogger;
}

/** Weight of the newest handler duration in the recent-latency average. */
const LATENCY_SMOOTHING = 0.2;

/** The handler times of one topic; see the file header. */
export class HandlerTimes {
  private readonly latency = new LatencyStats();
  /** Exponentially weighted handler duration, `undefined` before the first call. */
  private recentLatencyMs: number | undefined;

  /** @param options see {@link HandlerTimesOptions}. */
  constructor(private readonly options: HandlerTimesOptions) {}

  /** Exponentially weighted handler duration in milliseconds, `undefined` before the first call. */
  get recentMs(): number | undefined {
    return this.recentLatencyMs;
  }

  /** Handler durations over every attempt, for the topic's metrics. */
  snapshot(): LatencySnapshot {
    return this.latency.snapshot();
  }

  /**
   * A handler attempt on `record` ended after `durationMs` (`failed` when it threw `error`): counted in the latency
   * metric and the recent average, logged when the watchdog had reported it slow, and emitted as `handlerAttempt`.
   */
  finished(record: ChannelRecord, attempt: Attempt, durationMs: number, failed: boolean, error: unknown): void {
    this.recordLatency(durationMs, attempt);
    this.reportAttempt(record, durationMs, failed, error);
  }

  /**
   * Emits `slowHandler` (and logs) for each attempt in `running` taking longer than `limitMs`, once per attempt.
   * Records for which `waiting` holds are skipped: their time is not the handler's (a registry wait).
   */
  reportSlow(
    running: ReadonlyMap<ChannelRecord, Attempt>,
    now: number,
    limitMs: number,
    waiting: (record: ChannelRecord) => boolean,
  ): void {
    for (const [record, attempt] of running) {
      if (attempt.reportedSlow || waiting(record)) continue;
      const elapsedMs = now - attempt.startedAt;
      if (elapsedMs <= limitMs) continue;
      attempt.reportedSlow = true;
      const { topic, partition, message } = record;
      this.options.logger.warn("handler running longer than maxPollIntervalMs; its partition waits for it", {
        topic,
        partition,
        offset: message.offset,
        elapsedMs,
        limitMs,
      });
      this.options.events.emit(RuntimeEvents.SLOW_HANDLER, {
        connection: this.options.connection,
        topic,
        partition,
        offset: message.offset,
        elapsedMs,
        limitMs,
      });
    }
  }

  /** Emits `handlerAttempt` (only while someone listens: no payload per record otherwise). */
  private reportAttempt(record: ChannelRecord, durationMs: number, failed: boolean, error: unknown): void {
    if (this.options.events.listenerCount(RuntimeEvents.HANDLER_ATTEMPT) === 0) return;
    this.options.events.emit(RuntimeEvents.HANDLER_ATTEMPT, {
      connection: this.options.connection,
      topic: this.options.topic,
      partition: record.partition,
      durationMs,
      failed,
      error,
    });
  }

  private recordLatency(ms: number, attempt: Attempt): void {
    this.latency.record(ms);
    this.recentLatencyMs =
      this.recentLatencyMs === undefined ? ms : this.recentLatencyMs + LATENCY_SMOOTHING * (ms - this.recentLatencyMs);
    if (attempt.reportedSlow) {
      this.options.logger.info("slow handler finished", { topic: this.options.topic, durationMs: Math.round(ms) });
    }
  }
}
