// TopicChannel: one topic's buffer and the dispatcher that feeds its records to the handler, at most
// `concurrency` at a time and never two of one partition at once (so per-partition order is kept).
// Why it is over ~350 lines: the buffer's consumer side (taking, purging, holding, stopping) shares one set of
// in-flight records; its race comments need both sides in view. Moved out: failed records (failed-records.ts), the
// decode path and its registry waits (record-decoder.ts), handler timing and slow-handler reports (handler-times.ts),
// an exactly-once topic's transaction scheduling: its open transactions, fences, records to handle again and when
// they commit (channel-transactions.ts).

import type { FetchedRecord } from "./transport/records.js";
import type { BackpressureMode, MessageContext, TopicBinding } from "./types.js";
import { BoundedBuffer, type OfferResult } from "./bounded-buffer.js";
import type { DecodeError } from "./errors.js";
import type { BackoffSettings } from "./backoff.js";
import { FailedRecords, type RetryingRecord } from "./failed-records.js";
import type { DeadLetterSink } from "./dead-letter-publisher.js";
import { failurePolicyOf, type FailurePolicy } from "./types.js";
import { settingsDeclaration } from "./settings-declaration.js";
import { RuntimeEvents, type RuntimeEventEmitter } from "./events.js";
import { RateLimitedLog, type RuntimeLogger } from "./logger.js";
import type { TopicMetrics } from "./metrics.js";
import type { PartitionOffsets } from "./offset-tracker.js";
import { systemRetryTimers, type RetryTimers } from "./retry-timers.js";
import { producedRecords, type HandledRecord, type TransactionalOutput } from "./exactly-once.js";
import { ChannelTransactions } from "./channel-transactions.js";
import { RecordDecoder } from "./record-decoder.js";
import { HandlerTimes, type Attempt } from "./handler-times.js";

/** A fetched record waiting in (or taken from) a channel's buffer. */
export interface ChannelRecord {
  readonly topic: string;
  readonly partition: number;
  /** The record's offset as a number (see `parseOffset`). */
  readonly offset: number;
  /** The raw fetched record; decoded by the dispatcher right before the handler runs. */
  readonly message: FetchedRecord;
  /**
   * The tracker of the partition *at the time the record was accepted*. Completion is reported to
   * this object, not looked up by name: if the partition was revoked (and maybe re-assigned) in the
   * meantime, this tracker is revoked and the completion cannot commit anything for the new owner.
   */
  readonly offsets: PartitionOffsets;
}

/** Construction parameters of a {@link TopicChannel}. */
export interface TopicChannelOptions {
  /** The connection's name (for events). */
  readonly connection: string;
  // `any`: a channel serves one binding of whatever message type, like ConnectionSpec.topics.
  readonly binding: TopicBinding<any>;
  readonly events: RuntimeEventEmitter;
  readonly logger: RuntimeLogger;
  /**
   * Overrides the binding's retry waits: `initialDelayMs` doubling to `maxDelayMs`, no jitter (the runtime option
   * `handlerRetry`, for tests and operators). Attempts and dead letters stay the binding's.
   */
  readonly retry?: BackoffSettings;
  /** The connection's group id (a dead-letter header). */
  readonly groupId?: string;
  /** Where retry waits are scheduled (default: the system's timers). */
  readonly retryTimers?: RetryTimers;
  /** Where dead letters are written; absent: writing one fails, and is retried. */
  readonly deadLetters?: DeadLetterSink;
  /** Where an exactly-once binding's transactions go (runtime/exactly-once.ts); required by such a binding. */
  readonly transactions?: TransactionalOutput;
  /** Pauses (`true`) or resumes a partition while one of its records failed (see failed-records.ts). */
  readonly pausePartition?: (partition: number, paused: boolean) => void;
  /** Least time between two "dropping records" log lines of this topic (default 10 s). */
  readonly dropLogIntervalMs?: number;
  /**
   * Called each time the dispatcher takes a record while the buffer holds at most
   * {@link TopicChannel.resumeThreshold} records: the connection resumes the topic if it paused it.
   */
  readonly onDrained?: (channel: TopicChannel) => void;
  /** Called each time the dispatcher takes a record: the connection resumes partitions that have room again. */
  readonly onTaken?: (channel: TopicChannel) => void;
}

/** How a {@link TopicChannel.waitForRoom} ended. */
export type RoomWait =
  /** The buffer drained to the resume threshold. */
  | "room"
  /** The handler took no record for a whole idle interval: it is slow (or retrying). */
  | "idle"
  /** The deadline passed while the handler was still making progress. */
  | "deadline"
  /** The channel stopped or holds its dispatcher (rebalance). */
  | "stopped";

const DEFAULT_DROP_LOG_INTERVAL_MS = 10_000;
/** Handler duration from which the partitions of a topic take turns (see TopicChannel.takeNext). */
const TURNS_MIN_LATENCY_MS = 1;

/**
 * One topic of a connection: a {@link BoundedBuffer} filled by the connection's fetch loop and a
 * dispatcher that runs the topic's handler. A slow or failing handler only holds up its own topic.
 *
 * Decisions:
 * - Concurrency 1 (default): one record at a time, in buffer order (partitions take turns when the
 *   handler is slow, see takeNext). Concurrency n: up to n records at
 *   once, each the oldest buffered record of a partition that has no record in flight, so records of
 *   one partition are still handled one after the other, in offset order.
 * - Records are decoded lazily, right before the handler, so the fetch loop stays cheap and records a
 *   drop mode discards are never decoded.
 * - Failures (see failed-records.ts, which owns them): a record whose handler throws is retried after a
 *   backoff, up to the binding's attempts, then written to the dead-letter topic (or, with none, its
 *   partition stops). A poison record (it will never decode) is dead-lettered at once, skipped, or stops its
 *   partition (`onDecodeError`). Meanwhile only its partition waits (paused, no other record of it taken);
 *   the handler slot goes to other partitions. The record is done only once handled or its dead letter
 *   acknowledged, so the commit never passes it before. A revoked partition's pending retry is dropped.
 * - Dispatching is started from a microtask, never synchronously inside `offer`, so the connection can
 *   track an offered record before any handler can complete it.
 */
export class TopicChannel {
  /** The topic's name. */
  readonly topic: string;
  /** The buffer size at or below which a paused topic is resumed: half the capacity (0 for capacity 1). */
  readonly resumeThreshold: number;
  /** Handler calls allowed at once. */
  readonly concurrency: number;

  private readonly binding: TopicBinding<any>;
  private readonly buffer: BoundedBuffer<ChannelRecord>;
  private readonly failures: FailedRecords;
  private readonly decoder: RecordDecoder;
  private readonly times: HandlerTimes;
  private readonly dropLog: RateLimitedLog;
  private handled = 0;
  private dropped = 0;
  private errors = 0;
  private peakBuffered = 0;
  /** The partition of the record taken last (for partitions taking turns, see takeNext). */
  private lastTaken = -1;
  /** Records taken from the buffer so far: the progress counter {@link waitForRoom} watches. */
  private taken = 0;

  /** Exactly-once topics: transactions, fences, records to handle again and commits (channel-transactions.ts). */
  private readonly transactions: ChannelTransactions | undefined;
  /** Records whose handler (or retry backoff) is running. */
  private readonly running = new Map<ChannelRecord, Attempt>();
  /** Partitions with a record in `running` (only kept for concurrency > 1). */
  private readonly busyPartitions = new Set<number>();
  private started = false;
  private stopping = false;
  private held = false;
  private pumpScheduled = false;
  private idle: (() => void) | undefined;
  private idlePromise: Promise<void> | undefined;
  private roomWaiter: ((result: RoomWait) => void) | undefined;

  /** @param options see {@link TopicChannelOptions}. */
  constructor(private readonly options: TopicChannelOptions) {
    this.binding = options.binding;
    this.topic = options.binding.topic;
    this.buffer = new BoundedBuffer<ChannelRecord>(
      options.binding.buffer.maxBufferedMessages,
      options.binding.buffer.backpressure,
      (r) => r.partition,
    );
    this.resumeThreshold = Math.floor(this.buffer.capacity / 2);
    const concurrency = options.binding.buffer.concurrency ?? settingsDeclaration.concurrency.default;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`handler concurrency of topic "${this.topic}" must be an integer >= 1, got ${concurrency}`);
    }
    this.concurrency = concurrency;
    const policy: FailurePolicy = failurePolicyOf(options.binding.failure);
    if (options.retry)
      Object.assign(policy, {
        backoffMs: options.retry.initialDelayMs,
        maxBackoffMs: options.retry.maxDelayMs,
        multiplier: 2,
        jitterPercent: 0,
      });
    this.failures = new FailedRecords({
      connection: options.connection,
      topic: this.topic,
      groupId: options.groupId ?? "",
      policy,
      events: options.events,
      logger: options.logger,
      deadLetters: options.deadLetters,
      pause: (partition, paused) => options.pausePartition?.(partition, paused),
      wake: () => this.schedulePump(),
      timers: options.retryTimers ?? systemRetryTimers,
    });
    if (options.binding.exactlyOnce) {
      if (!options.transactions)
        throw new Error(`topic "${this.topic}" is exactly-once but its connection has no transactional producers`);
      // A drop mode marks records done unhandled; the Committer would then commit past them outside any transaction.
      if (options.binding.buffer.backpressure !== "ApplyBackpressure")
        throw new RangeError(
          `exactly-once topic "${this.topic}" needs backpressure = ApplyBackpressure, got ${options.binding.buffer.backpressure}`,
        );
      this.transactions = new ChannelTransactions({
        topic: this.topic,
        groupId: options.groupId ?? "",
        output: options.transactions,
        settings: options.binding.transaction,
        logger: options.logger,
        failures: this.failures,
        isRunning: (partition) => this.isRunning(partition),
        isStopping: () => this.stopping,
        schedulePump: () => this.schedulePump(),
        countError: () => {
          this.errors++;
        },
      });
    }
    const { connection, events, logger } = options;
    this.decoder = new RecordDecoder({ connection, binding: options.binding, events, logger });
    this.times = new HandlerTimes({ connection, topic: this.topic, events, logger });
    this.dropLog = new RateLimitedLog(
      (message, fields) => options.logger.warn(message, fields),
      "buffer full: dropping records",
      options.dropLogIntervalMs ?? DEFAULT_DROP_LOG_INTERVAL_MS,
    );
  }

  /** Records waiting in the buffer. */
  get size(): number {
    return this.buffer.size;
  }

  /** `true` while a handler (or its retry backoff) is working on a record. */
  get busy(): boolean {
    return this.running.size > 0;
  }

  /** `true` when the buffer holds at most {@link resumeThreshold} records. */
  isDrained(): boolean {
    return this.buffer.size <= this.resumeThreshold;
  }

  /** Records of `partition` waiting in the buffer. */
  bufferedOf(partition: number): number {
    return this.buffer.countOf(partition);
  }

  /** What the buffer does when it is full. */
  get backpressure(): BackpressureMode {
    return this.buffer.mode;
  }

  /** The buffer's capacity, in records. */
  get capacity(): number {
    return this.buffer.capacity;
  }

  /** `true` when the buffer holds `capacity` records. */
  isFull(): boolean {
    return this.buffer.isFull();
  }

  /**
   * Whether a batch that meets the full buffer should wait for room rather than pause the topic.
   * Pausing costs nothing when the buffer holds at least `refillMs` of work at the handler's recent
   * pace (a resumed topic is fetched again within `refillMs`, so the handler never runs dry), and
   * waiting is pointless when one record takes longer than `idleMs`. Before the first handler call
   * nothing is known: wait (the wait itself gives up after `idleMs` without progress).
   */
  shouldWaitForRoom(idleMs: number, refillMs: number): boolean {
    const recentMs = this.times.recentMs;
    if (recentMs === undefined) return true;
    const perSlotMs = recentMs / this.concurrency;
    return perSlotMs <= idleMs && this.buffer.capacity * perSlotMs < refillMs;
  }

  /**
   * Offers a fetched record to the buffer. Drops are counted, emitted and logged (rate-limited) here,
   * and an evicted record (DropOldestMessage) is marked done on its tracker; the caller tracks the
   * offered record itself (as done for `droppedNewest`) and must pause on `full`.
   *
   * Race: the dispatcher never takes a record synchronously inside `offer` (it is started from a
   * microtask), so the caller can track the record right after `offer` returns and before any
   * handler can mark it done.
   */
  offer(record: ChannelRecord): OfferResult<ChannelRecord> {
    const result = this.buffer.offer(record);
    switch (result.kind) {
      case "accepted":
        if (this.buffer.size > this.peakBuffered) this.peakBuffered = this.buffer.size;
        this.schedulePump();
        break;
      case "droppedOldest":
        result.evicted.offsets.markDone(result.evicted.offset);
        this.reportDrop(result.evicted, "DropOldestMessage");
        this.schedulePump();
        break;
      case "droppedNewest":
        this.reportDrop(record, "DropNewestMessage");
        break;
      case "full":
        break;
    }
    return result;
  }

  /**
   * The router met a batch of the tracker `offsets` (before offering its records): an exactly-once topic fences the
   * partition of a tracker it has not seen, or of one restored after a crash (`again`), see partition-fences.ts.
   * Nothing for other topics.
   */
  claim(offsets: PartitionOffsets, again: boolean): void {
    this.transactions?.claim(offsets, again);
  }

  /**
   * Waits until the dispatcher drained the buffer to {@link resumeThreshold} ("room"), giving up when
   * the handler took no record during a whole `idleMs` interval ("idle"), when `deadline` (epoch ms)
   * passes ("deadline", checked every `idleMs`) or when the channel stops or is held ("stopped").
   * Used by the fetch loop under ApplyBackpressure so a fast handler never causes a pause (kafkajs
   * only fetches a resumed topic after its next fetch wait, which can be `fetchMaxWaitMs` long).
   * At most one wait at a time (the fetch loop is sequential); a new one ends the previous one.
   */
  waitForRoom(idleMs: number, deadline: number): Promise<RoomWait> {
    if (this.isDrained()) return Promise.resolve("room");
    if (this.stopping || this.held || !this.started) return Promise.resolve("stopped");
    this.roomWaiter?.("stopped");
    return new Promise<RoomWait>((resolve) => {
      let seen = this.taken;
      const timer = setInterval(() => {
        if (this.taken === seen) finish("idle");
        else if (Date.now() >= deadline) finish("deadline");
        else seen = this.taken;
      }, idleMs);
      const finish = (result: RoomWait): void => {
        clearInterval(timer);
        if (this.roomWaiter === finish) this.roomWaiter = undefined;
        resolve(result);
      };
      this.roomWaiter = finish;
    });
  }

  /**
   * Removes queued records matching `predicate` (revoked partitions); they are not marked done. A
   * retry backoff of a matching record in flight is cut short (its retries are abandoned).
   */
  purge(predicate: (record: ChannelRecord) => boolean): ChannelRecord[] {
    this.failures.purge(predicate);
    this.decoder.cutShort(predicate);
    // Exactly-once: a revoked partition's open transaction and records to handle again are its next owner's.
    this.transactions?.purge(predicate);
    return this.buffer.removeWhere(predicate);
  }

  /** Removes every queued record without marking it done. */
  clear(): ChannelRecord[] {
    return this.buffer.clear();
  }

  /** Starts the dispatcher. Idempotent. */
  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    this.schedulePump();
  }

  /**
   * Holds the dispatcher: no new record is taken until {@link release}. Calls in flight go on.
   * Used while the group rebalances, so that only records already in flight can be handled twice.
   */
  hold(): void {
    this.held = true;
    this.roomWaiter?.("stopped");
    // Exactly-once: commit what was handled, as the Committer does at a rebalance (a partition whose record is running
    // commits once that record is added).
    this.transactions?.commitAllDue();
  }

  /** Ends a {@link hold}. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    this.schedulePump();
  }

  /**
   * Stops the dispatcher: no new record is taken, retry backoffs are cut short, and the returned
   * promise resolves once the handler calls in flight (if any) have returned. Queued records stay
   * in the buffer, not done.
   */
  stop(): Promise<void> {
    this.stopping = true;
    this.roomWaiter?.("stopped");
    this.decoder.stop();
    this.dropLog.flush();
    this.transactions?.stopFences();
    const failures = this.failures.stop();
    // Exactly-once: once no handler runs, the open transactions commit what was handled (records to handle again
    // are left for the next owner: not done, so not committed).
    const commitOpen = (): Promise<void> => (this.transactions ? this.transactions.commitAllOpen() : Promise.resolve());
    if (this.running.size === 0) return failures.then(commitOpen);
    this.idlePromise ??= new Promise<void>((resolve) => (this.idle = resolve));
    return Promise.all([this.idlePromise, failures]).then(commitOpen);
  }

  /**
   * Emits `slowHandler` (and logs) for each handler attempt running longer than `limitMs`, once per
   * attempt. Called periodically by the connection's watchdog.
   */
  reportSlowHandlers(now: number, limitMs: number): void {
    this.times.reportSlow(this.running, now, limitMs, (record) => this.decoder.isWaiting(record));
  }

  /** Counters for {@link MetricsSnapshot} (the connection adds `missing` and `paused`: their owners are elsewhere). */
  metrics(): Omit<TopicMetrics, "missing" | "paused"> {
    return {
      topic: this.topic,
      messageType: this.binding.messageType,
      buffered: this.buffer.size,
      capacity: this.buffer.capacity,
      peakBuffered: this.peakBuffered,
      inFlight: this.running.size,
      inTransaction: this.transactions?.size ?? 0,
      concurrency: this.concurrency,
      handled: this.handled,
      dropped: this.dropped,
      errors: this.errors,
      registryUnavailable: this.decoder.registryUnavailable,
      waitingForRegistry: this.decoder.waitingForRegistry,
      handlerLatencyMs: this.times.snapshot(),
      ...this.failures.metrics(),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Dispatching

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Starts handler calls while a slot is free and an eligible record is buffered. */
  private pump(): void {
    if (!this.started || this.stopping || this.held) return;
    while (this.running.size < this.concurrency) {
      // A failed record whose next attempt is due goes first: its partition has waited for it.
      const retry =
        this.failures.takeReady(
          (partition) => !this.busyPartitions.has(partition) && this.transactions?.isHeld(partition) !== true,
        ) ?? this.transactions?.takeReplay();
      if (retry) {
        void this.run(retry.record, "undecoded" in retry ? undefined : retry);
        continue;
      }
      const record = this.takeNext();
      if (!record) return;
      this.taken++;
      if (this.isDrained()) {
        this.roomWaiter?.("room");
        this.options.onDrained?.(this);
      }
      this.options.onTaken?.(this);
      void this.run(record);
    }
  }

  /**
   * The next record to hand to the handler. Concurrency 1: the oldest, except for a slow handler
   * (at least {@link TURNS_MIN_LATENCY_MS} per record) with several partitions buffered: then the
   * partitions take turns (the oldest record of the next partition in order), so that their fair
   * shares of the buffer (FetchRouter) become fair shares of the handler whatever order their
   * records arrived in. Per-partition order holds either way. A fast handler keeps the O(1) take.
   */
  private takeNext(): ChannelRecord | undefined {
    const blocked = this.failures.size > 0 || this.transactions?.anyWaiting() === true;
    if (this.concurrency > 1)
      return this.buffer.takeFirst((r) => !this.busyPartitions.has(r.partition) && !this.waits(r.partition));
    const recentMs = this.times.recentMs;
    if (recentMs === undefined || recentMs < TURNS_MIN_LATENCY_MS) {
      return this.remember(blocked ? this.buffer.takeFirst((r) => !this.waits(r.partition)) : this.buffer.shift());
    }
    let first: number | undefined;
    let next: number | undefined;
    for (const partition of this.buffer.heldKeys()) {
      if (blocked && this.waits(partition)) continue;
      if (first === undefined || partition < first) first = partition;
      if (partition > this.lastTaken && (next === undefined || partition < next)) next = partition;
    }
    const turn = next ?? first;
    return this.remember(turn === undefined ? undefined : this.buffer.takeFirst((r) => r.partition === turn));
  }

  /**
   * Whether `partition`'s buffered records must wait: it has a failed record, records of a failed transaction to
   * handle again (which come first), a transaction committing, or its fence is not up yet.
   */
  private waits(partition: number): boolean {
    return this.failures.isBlocked(partition) || this.transactions?.waits(partition) === true;
  }

  /** Whether a record of `partition` is running (its handler, its retry backoff or its commit). */
  private isRunning(partition: number): boolean {
    if (this.concurrency > 1) return this.busyPartitions.has(partition);
    for (const record of this.running.keys()) if (record.partition === partition) return true;
    return false;
  }

  private remember(record: ChannelRecord | undefined): ChannelRecord | undefined {
    if (record) this.lastTaken = record.partition;
    return record;
  }

  private async run(record: ChannelRecord, retry?: RetryingRecord): Promise<void> {
    const attempt: Attempt = { startedAt: Date.now(), reportedSlow: false };
    this.running.set(record, attempt);
    if (this.concurrency > 1) this.busyPartitions.add(record.partition);
    try {
      await this.process(record, attempt, retry);
    } catch (error) {
      // process() handles every handler/codec error; reaching this is a runtime bug. Keep dispatching.
      this.options.logger.error("dispatcher failed on a record", {
        topic: this.topic,
        offset: record.message.offset,
        error,
      });
    } finally {
      this.running.delete(record);
      if (this.concurrency > 1) this.busyPartitions.delete(record.partition);
      // Exactly-once: the partition's transaction came due while this record ran, and nothing committed it since.
      this.transactions?.commitIfDue(record.partition);
      if (this.stopping) {
        if (this.running.size === 0) this.idle?.();
      } else {
        this.pump();
      }
    }
  }

  private async process(record: ChannelRecord, attempt: Attempt, retry: RetryingRecord | undefined): Promise<void> {
    // Race: the record was taken from the buffer before a rebalance purged its partition. Its new
    // owner will read it again; handling it here would only make a duplicate.
    if (record.offsets.revoked) {
      this.failures.done(record);
      return;
    }
    // Exactly-once: the client fetched from below the offset the partition's fence read; the previous owner committed
    // this record (its output is written), so it is done here without a handler call.
    if (this.transactions && record.offset < (record.offsets.lastCommitted ?? 0)) {
      record.offsets.markDone(record.offset);
      this.failures.done(record);
      return;
    }
    // Decoded right before the handler (record-decoder.ts); `undefined`: its wait for the registry was abandoned.
    const decoded = retry ? { value: retry.value, key: retry.key } : await this.decoder.decode(record);
    if (!decoded) return;
    if (decoded.error !== undefined) return this.decodeFailed(record, decoded.error);

    const { topic, partition, message } = record;
    const context: MessageContext<unknown> = {
      topic,
      partition,
      offset: message.offset,
      key: decoded.key,
      headers: message.headers ?? {},
      timestamp: message.timestamp,
    };
    attempt.startedAt = Date.now();
    attempt.reportedSlow = false;
    const started = performance.now();
    let produced: HandledRecord<ChannelRecord>["produced"] = [];
    try {
      const returned: unknown = await this.binding.handle(decoded.value, context);
      // Exactly-once: what the handler returned must be records; they wait in the partition's open transaction.
      if (this.transactions) produced = producedRecords(topic, returned);
    } catch (error) {
      this.times.finished(record, attempt, performance.now() - started, true, error);
      this.errors++;
      const failed = { record, attempts: (retry?.attempts ?? 0) + 1, value: decoded.value, key: decoded.key };
      // Exactly-once: the records handled before this one commit first, so that retrying it (or dead-lettering it)
      // does not make them run again. If that transaction fails, they and this record are handled again instead.
      if (this.transactions?.isOpen(partition) && !(await this.transactions.commit(partition))) {
        this.transactions.replayLast(partition, { ...failed, attempts: retry?.attempts ?? 0 });
        return;
      }
      // Not done: the commit stays before this record until it is handled or its dead letter is acknowledged.
      this.failures.handlerFailed(failed, error);
      return;
    }
    this.times.finished(record, attempt, performance.now() - started, false, undefined);
    this.handled++;
    if (this.transactions) {
      // Race: the partition was revoked while the handler ran. Its new owner handles the record again; committing it
      // here could only duplicate the output (fencing stops it only once the new owner has registered the id).
      if (record.offsets.revoked) return this.failures.done(record);
      const full = this.transactions.add({
        record,
        produced,
        value: decoded.value,
        key: decoded.key,
        attempts: retry?.attempts ?? 0,
      });
      // Not done yet: the transaction that commits it marks it done. Its partition goes on meanwhile.
      this.failures.done(record);
      if (full) await this.transactions.commit(partition);
      return;
    }
    // A revoked tracker ignores this: a completion after a rebalance commits nothing.
    record.offsets.markDone(record.offset);
    this.failures.done(record);
  }

  /**
   * A record that cannot be decoded is not handled: it is handed to {@link FailedRecords} (and marked done when its
   * topic skips such records).
   */
  private async decodeFailed(record: ChannelRecord, error: DecodeError): Promise<void> {
    const { partition } = record;
    this.errors++;
    // Exactly-once: the records before it commit first, as before a failing handler's retry, so that its partition
    // never waits on a failed record with a transaction open. If that fails, it is read again after them.
    if (this.transactions?.isOpen(partition) && !(await this.transactions.commit(partition))) {
      this.transactions.replayLast(partition, { record, undecoded: true });
      return;
    }
    // Poison record: it will never decode, so it is never retried.
    if (this.failures.decodeFailed(record, error)) record.offsets.markDone(record.offset);
  }

  private reportDrop(record: ChannelRecord, mode: "DropOldestMessage" | "DropNewestMessage"): void {
    this.dropped++;
    this.dropLog.note({
      topic: record.topic,
      mode,
      partition: record.partition,
      offset: record.message.offset,
      totalDropped: this.dropped,
    });
    this.options.events.emit(RuntimeEvents.DROPPED, {
      connection: this.options.connection,
      topic: record.topic,
      partition: record.partition,
      offset: record.message.offset,
      mode,
    });
  }
}
