// FailedRecords: one topic's records that failed — waiting for their next handler attempt, being written to the
// dead-letter topic, or given up with nowhere to go — and the partitions they block. The one owner of that state;
// the channel (topic-channel.ts) asks it which partitions may give it records and hands it every failure.
//
// A failed record blocks its partition, and only its partition: the partition is paused (through the connection's
// pause set, reason "failure"), its buffered records wait behind it, and the handler slot is free for the topic's
// other partitions. The block ends when the record is done (handled, dead-lettered and acknowledged, or skipped), or
// when its partition is revoked (its pending retry is dropped; the next owner starts over), or at stop.

import type { ChannelRecord } from "./topic-channel.js";
import type { DecodeError } from "./errors.js";
import type { DeadLetterSink } from "./dead-letter-publisher.js";
import { RuntimeEvents, type RuntimeEventEmitter } from "./events.js";
import type { RuntimeLogger } from "./logger.js";
import { retryDelay } from "./backoff.js";
import type { FailurePolicy } from "./types.js";
import type { RetryTimer, RetryTimers } from "./retry-timers.js";

/** A record that gets another handler attempt: what was decoded, and how many attempts it had. */
export interface RetryingRecord {
  readonly record: ChannelRecord;
  /** Handler calls made so far. */
  readonly attempts: number;
  readonly value: unknown;
  readonly key: unknown;
}

/** Why a partition is blocked. */
type Blocked =
  /** Waiting for its next attempt (`timer`), or due (`ready`), or running it. */
  | { readonly kind: "retry"; readonly retry: RetryingRecord; timer?: RetryTimer; ready?: boolean }
  /** Being written to the dead-letter topic, or waiting to try that again (`timer`). */
  | { readonly kind: "deadLetter"; readonly record: ChannelRecord; timer?: RetryTimer; failures: number }
  /** Given up with nowhere to go: stays until the partition is revoked. */
  | { readonly kind: "stopped"; readonly record: ChannelRecord };

/** Construction parameters of {@link FailedRecords}. */
export interface FailedRecordsOptions {
  readonly connection: string;
  readonly topic: string;
  /** The connection's group id (a dead-letter header). */
  readonly groupId: string;
  readonly policy: FailurePolicy;
  readonly events: RuntimeEventEmitter;
  readonly logger: RuntimeLogger;
  /** Where dead letters go; absent: every write fails (and is retried) — only hand-made connections lack one. */
  readonly deadLetters: DeadLetterSink | undefined;
  /** Pauses (`true`) or resumes (`false`) a partition's fetching, for reason "failure". */
  readonly pause: (partition: number, paused: boolean) => void;
  /** A retry became due: the dispatcher should look for work. */
  readonly wake: () => void;
  /** Where retry waits are scheduled (the system's timers, or a test kit's fake clock). */
  readonly timers: RetryTimers;
}

/** See the file comment. */
export class FailedRecords {
  private readonly blocked = new Map<number, Blocked>();
  private readonly writes = new Set<Promise<void>>();
  private stopping = false;
  private retries = 0;
  private deadLettered = 0;
  private deadLetterFailures = 0;

  /** @param options see {@link FailedRecordsOptions}. */
  constructor(private readonly options: FailedRecordsOptions) {}

  /** Whether `partition` has a failed record: none of its other records may be taken. */
  isBlocked(partition: number): boolean {
    return this.blocked.has(partition);
  }

  /** How many partitions are blocked. */
  get size(): number {
    return this.blocked.size;
  }

  /** A record whose next attempt is due, of a partition `eligible` accepts; it is then running. */
  takeReady(eligible: (partition: number) => boolean): RetryingRecord | undefined {
    for (const [partition, b] of this.blocked) {
      if (b.kind !== "retry" || !b.ready || !eligible(partition)) continue;
      b.ready = false;
      return b.retry;
    }
    return undefined;
  }

  /** The record's handler succeeded (or its partition was revoked meanwhile): its partition goes on. */
  done(record: ChannelRecord): void {
    const b = this.blocked.get(record.partition);
    if (b && recordOf(b) === record) this.unblock(record.partition, b);
  }

  /**
   * A handler attempt failed (`retry.attempts` counts it). Schedules the next attempt, or writes the record to the
   * dead-letter topic, or stops its partition.
   */
  handlerFailed(retry: RetryingRecord, error: unknown): void {
    const { record, attempts } = retry;
    const policy = this.options.policy;
    const more = policy.attempts === "unlimited" || attempts < policy.attempts;
    const next = more ? "retry" : policy.deadLetter !== undefined ? "deadLetter" : "stop";
    const retryInMs = more ? retryDelay(policy, attempts) : 0;
    this.options.logger.warn(more ? "handler failed; retrying the record" : "handler failed its last attempt", {
      topic: record.topic,
      partition: record.partition,
      offset: record.message.offset,
      attempt: attempts,
      ...(more ? { retryInMs } : { next }),
      error,
    });
    this.options.events.emit(RuntimeEvents.HANDLER_ERROR, {
      connection: this.options.connection,
      topic: record.topic,
      partition: record.partition,
      offset: record.message.offset,
      error,
      attempt: attempts,
      retryInMs,
      next,
    });
    if (this.stopping || record.offsets.revoked) return this.done(record);
    if (next === "retry") {
      this.retries++;
      const b: Blocked = { kind: "retry", retry };
      this.block(record.partition, b);
      b.timer = this.options.timers.set(() => {
        b.timer = undefined;
        b.ready = true;
        this.options.wake();
      }, retryInMs);
    } else if (next === "deadLetter") this.deadLetter(record, error, attempts);
    else this.giveUp(record, "attempts", error);
  }

  /**
   * A record cannot be decoded: per `onDecodeError`, written to the dead-letter topic at once (never retried),
   * skipped (returns `true`: the caller marks it done), or its partition stops.
   */
  decodeFailed(record: ChannelRecord, error: DecodeError): boolean {
    const action =
      this.options.policy.onDecodeError === "deadLetter" && this.options.policy.deadLetter === undefined
        ? "stop"
        : this.options.policy.onDecodeError;
    const { topic, partition, message } = record;
    this.options.logger.warn(
      action === "skip"
        ? "skipping a record that cannot be decoded"
        : action === "deadLetter"
          ? "dead-lettering a record that cannot be decoded"
          : "a record cannot be decoded: its partition stops",
      { topic, partition, offset: message.offset, error: error.message },
    );
    this.options.events.emit(RuntimeEvents.DECODE_ERROR, {
      connection: this.options.connection,
      topic,
      partition,
      offset: message.offset,
      error,
      action,
    });
    if (action === "skip") return true;
    if (this.stopping || record.offsets.revoked) return false;
    if (action === "deadLetter") this.deadLetter(record, error, 0);
    else this.giveUp(record, "decodeError", error);
    return false;
  }

  /** Drops the failed records `predicate` matches (revoked partitions): timers cancelled, partitions unblocked. */
  purge(predicate: (record: ChannelRecord) => boolean): void {
    for (const [partition, b] of [...this.blocked]) if (predicate(recordOf(b))) this.unblock(partition, b);
  }

  /** Cancels every pending retry and waits for the dead-letter writes in flight (their records are done or not). */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const b of this.blocked.values()) if (b.kind !== "stopped") this.options.timers.clear(b.timer);
    await Promise.all([...this.writes]);
  }

  /** Counters for the topic's metrics. */
  metrics(): {
    retries: number;
    deadLettered: number;
    deadLetterFailures: number;
    stoppedPartitions: number;
    waitingForRetry: number;
  } {
    let stopped = 0;
    let waiting = 0;
    for (const b of this.blocked.values()) {
      if (b.kind === "stopped") stopped++;
      else if (b.timer !== undefined) waiting++;
    }
    return {
      retries: this.retries,
      deadLettered: this.deadLettered,
      deadLetterFailures: this.deadLetterFailures,
      stoppedPartitions: stopped,
      waitingForRetry: waiting,
    };
  }

  // ---------------------------------------------------------------------------------------------

  private block(partition: number, b: Blocked): void {
    const had = this.blocked.has(partition);
    this.blocked.set(partition, b);
    if (!had) this.options.pause(partition, true);
  }

  private unblock(partition: number, b: Blocked): void {
    if (b.kind !== "stopped") this.options.timers.clear(b.timer);
    if (this.blocked.get(partition) !== b) return;
    this.blocked.delete(partition);
    this.options.pause(partition, false);
    this.options.wake();
  }

  private giveUp(record: ChannelRecord, reason: "attempts" | "decodeError", error: unknown): void {
    this.block(record.partition, { kind: "stopped", record });
    const { topic, partition, message } = record;
    this.options.logger.error(
      "record given up with no dead-letter topic: its partition stops until it is assigned again",
      { topic, partition, offset: message.offset, reason, error },
    );
    this.options.events.emit(RuntimeEvents.PARTITION_STOPPED, {
      connection: this.options.connection,
      topic,
      partition,
      offset: message.offset,
      reason,
      error,
    });
  }

  /**
   * Writes `record` to the dead-letter topic; marks it done only once the write is acknowledged, so the commit never
   * passes it before. A failed write (missing topic, not authorised, broker down) is tried again after a backoff,
   * its partition blocked meanwhile: nothing is skipped, nothing committed past it.
   */
  private deadLetter(record: ChannelRecord, error: unknown, attempts: number): void {
    const deadLetterTopic = this.options.policy.deadLetter!;
    const b: Blocked = { kind: "deadLetter", record, failures: 0 };
    this.block(record.partition, b);
    const write = async (): Promise<void> => {
      const { topic, partition, message } = record;
      try {
        if (!this.options.deadLetters)
          throw new Error("no dead-letter producer: the connection was created without one");
        await this.options.deadLetters.publish(deadLetterTopic, {
          topic,
          partition,
          record: message,
          groupId: this.options.groupId,
          error,
          attempts,
        });
      } catch (failure) {
        if (this.blocked.get(partition) !== b) return; // revoked meanwhile: the next owner handles it
        b.failures++;
        this.deadLetterFailures++;
        const retryInMs = retryDelay(this.options.policy, b.failures);
        this.options.logger.warn("could not write a dead letter; its partition waits and tries again", {
          topic,
          partition,
          offset: message.offset,
          deadLetterTopic,
          retryInMs,
          error: failure,
        });
        this.options.events.emit(RuntimeEvents.DEAD_LETTER_FAILED, {
          connection: this.options.connection,
          topic,
          partition,
          offset: message.offset,
          deadLetterTopic,
          error: failure,
          failures: b.failures,
          retryInMs,
        });
        if (this.stopping) return;
        b.timer = this.options.timers.set(() => {
          b.timer = undefined;
          if (!this.stopping && this.blocked.get(partition) === b) this.track(write());
        }, retryInMs);
        return;
      }
      this.deadLettered++;
      // A revoked tracker ignores this: the next owner dead-letters the record again (at least once).
      record.offsets.markDone(record.offset);
      this.options.logger.info("record written to the dead-letter topic", {
        topic,
        partition,
        offset: message.offset,
        deadLetterTopic,
        attempts,
      });
      this.options.events.emit(RuntimeEvents.DEAD_LETTERED, {
        connection: this.options.connection,
        topic,
        partition,
        offset: message.offset,
        deadLetterTopic,
        attempts,
        error,
      });
      this.unblock(partition, b);
    };
    this.track(write());
  }

  private track(write: Promise<void>): void {
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
  }
}

function recordOf(b: Blocked): ChannelRecord {
  return b.kind === "retry" ? b.retry.record : b.record;
}
