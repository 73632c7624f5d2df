// TopicChannel: one topic's buffer and the dispatcher that feeds its records to the handler,
// one at a time, in buffer order (so per-partition order is kept).

import type { KafkaMessage } from "kafkajs";
import type { MessageContext, TopicBinding } from "./types.js";
import { BoundedBuffer, type OfferResult } from "./bounded-buffer.js";
import { backoffDelay, DEFAULT_HANDLER_RETRY, type BackoffSettings } from "./backoff.js";
import { DecodeError } from "./errors.js";
import { RuntimeEvents, type RuntimeEventEmitter } from "./events.js";
import type { RuntimeLogger } from "./logger.js";
import { LatencyStats, type TopicMetrics } from "./metrics.js";
import type { PartitionOffsets } from "./offset-tracker.js";

/** A fetched record waiting in (or taken from) a channel's buffer. */
export interface ChannelRecord {
  readonly topic: string;
  readonly partition: number;
  /** The record's offset as a number (see `parseOffset`). */
  readonly offset: number;
  /** The raw kafkajs message; decoded by the dispatcher right before the handler runs. */
  readonly message: KafkaMessage;
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
  /** Backoff between attempts of a failing handler (default 100 ms doubling to 30 s). */
  readonly retry?: BackoffSettings;
  /**
   * Called each time the dispatcher takes a record while the buffer holds at most
   * {@link TopicChannel.resumeThreshold} records: the connection resumes the topic if it paused it.
   */
  readonly onDrained?: (channel: TopicChannel) => void;
}

/**
 * One topic of a connection: a {@link BoundedBuffer} filled by the connection's fetch loop and a
 * dispatcher that runs the topic's handler on one record at a time (concurrency 1 per topic, which
 * keeps partition order). A slow or failing handler only holds up its own topic.
 *
 * Decisions:
 * - Records are decoded lazily, right before the handler, so the fetch loop stays cheap and records a
 *   drop mode discards are never decoded.
 * - Poison records: a value that cannot be decoded will never decode. It is counted as an error,
 *   reported as `decodeError` and marked done, so the partition moves on. (Later: dead-lettering.)
 * - A handler that throws is retried on the same record with exponential backoff, forever for now;
 *   the record is not done, so the commit stays before it. The retry loop ends when the channel stops
 *   or the record's partition is revoked; the record is then redelivered to whoever owns it next.
 */
export class TopicChannel {
  /** The topic's name. */
  readonly topic: string;
  /** The buffer size at or below which a paused topic is resumed: half the capacity (0 for capacity 1). */
  readonly resumeThreshold: number;
  /** Whether the connection paused fetching for this topic (for metrics; the connection owns the pause set). */
  paused = false;

  private readonly binding: TopicBinding<any>;
  private readonly buffer: BoundedBuffer<ChannelRecord>;
  private readonly retry: BackoffSettings;
  private readonly latency = new LatencyStats();
  private handled = 0;
  private dropped = 0;
  private errors = 0;

  private inFlight: ChannelRecord | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private endSleep: (() => void) | undefined;

  /** @param options see {@link TopicChannelOptions}. */
  constructor(private readonly options: TopicChannelOptions) {
    this.binding = options.binding;
    this.topic = options.binding.topic;
    this.buffer = new BoundedBuffer(options.binding.buffer.maxBufferedMessages, options.binding.buffer.backpressure);
    this.resumeThreshold = Math.floor(this.buffer.capacity / 2);
    this.retry = options.retry ?? DEFAULT_HANDLER_RETRY;
  }

  /** Records waiting in the buffer. */
  get size(): number {
    return this.buffer.size;
  }

  /** `true` while a handler (or its retry backoff) is working on a record. */
  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  /** `true` when the buffer holds at most {@link resumeThreshold} records. */
  isDrained(): boolean {
    return this.buffer.size <= this.resumeThreshold;
  }

  /**
   * Offers a fetched record to the buffer. Drops are counted and emitted here, and an evicted record
   * (DropOldestMessage) is marked done on its tracker; the caller tracks the offered record itself
   * (as done for `droppedNewest`) and must pause on `full`.
   *
   * Race: the dispatcher never takes a record synchronously inside `offer` (it is woken through a
   * promise, i.e. a later microtask), so the caller can track the record right after `offer` returns
   * and before any handler can mark it done.
   */
  offer(record: ChannelRecord): OfferResult<ChannelRecord> {
    const result = this.buffer.offer(record);
    switch (result.kind) {
      case "accepted":
        this.wake();
        break;
      case "droppedOldest":
        result.evicted.offsets.markDone(result.evicted.offset);
        this.reportDrop(result.evicted, "DropOldestMessage");
        this.wake();
        break;
      case "droppedNewest":
        this.reportDrop(record, "DropNewestMessage");
        break;
      case "full":
        break;
    }
    return result;
  }

  /** Removes queued records matching `predicate` (revoked partitions); they are not marked done. */
  purge(predicate: (record: ChannelRecord) => boolean): ChannelRecord[] {
    return this.buffer.removeWhere(predicate);
  }

  /** Removes every queued record without marking it done. */
  clear(): ChannelRecord[] {
    return this.buffer.clear();
  }

  /** Starts the dispatcher. Idempotent. */
  start(): void {
    if (this.loop || this.stopping) return;
    this.loop = this.dispatch();
  }

  /**
   * Stops the dispatcher: no new record is taken, a retry backoff is cut short, and the returned
   * promise resolves once the handler call in flight (if any) has returned. Queued records stay
   * in the buffer, not done.
   */
  stop(): Promise<void> {
    this.stopping = true;
    this.cancelSleep();
    this.wake();
    return this.loop ?? Promise.resolve();
  }

  /** Counters for {@link MetricsSnapshot}. */
  metrics(): TopicMetrics {
    return {
      topic: this.topic,
      messageType: this.binding.messageType,
      buffered: this.buffer.size,
      capacity: this.buffer.capacity,
      paused: this.paused,
      handled: this.handled,
      dropped: this.dropped,
      errors: this.errors,
      handlerLatencyMs: this.latency.snapshot(),
    };
  }

  private async dispatch(): Promise<void> {
    while (!this.stopping) {
      const record = this.buffer.shift();
      if (!record) {
        await new Promise<void>((resolve) => (this.wakeUp = resolve));
        this.wakeUp = undefined;
        continue;
      }
      if (this.isDrained()) this.options.onDrained?.(this);
      this.inFlight = record;
      try {
        await this.process(record);
      } catch (error) {
        // process() handles every handler/codec error; reaching this is a runtime bug. Keep dispatching.
        this.options.logger.error("dispatcher failed on a record", { topic: this.topic, offset: record.message.offset, error });
      } finally {
        this.inFlight = undefined;
      }
    }
  }

  private async process(record: ChannelRecord): Promise<void> {
    // Race: the record was taken from the buffer before a rebalance purged its partition. Its new
    // owner will read it again; handling it here would only make a duplicate.
    if (record.offsets.revoked) return;

    const { topic, partition, message } = record;
    let decoded: unknown;
    try {
      if (message.value === null) throw new DecodeError("record has no value (tombstone)");
      decoded = this.binding.codec.decode(message.value);
    } catch (cause) {
      const error = DecodeError.at(cause, { topic, partition, offset: message.offset });
      this.errors++;
      this.options.logger.warn("skipping a record that cannot be decoded", { topic, partition, offset: message.offset, error: error.message });
      this.options.events.emit(RuntimeEvents.DECODE_ERROR, { connection: this.options.connection, topic, partition, offset: message.offset, error });
      // Poison record: it will never decode, so it is done and the partition moves on.
      record.offsets.markDone(record.offset);
      return;
    }

    const context: MessageContext = {
      topic,
      partition,
      offset: message.offset,
      key: message.key,
      headers: message.headers ?? {},
      timestamp: message.timestamp,
    };
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      try {
        await this.binding.handle(decoded, context);
        this.latency.record(performance.now() - started);
        this.handled++;
        // A revoked tracker ignores this: a completion after a rebalance commits nothing.
        record.offsets.markDone(record.offset);
        return;
      } catch (error) {
        this.latency.record(performance.now() - started);
        this.errors++;
        const retryInMs = backoffDelay(this.retry, attempt);
        this.options.logger.warn("handler failed; retrying the record", { topic, partition, offset: message.offset, attempt, retryInMs, error });
        this.options.events.emit(RuntimeEvents.HANDLER_ERROR, {
          connection: this.options.connection,
          topic,
          partition,
          offset: message.offset,
          error,
          attempt,
          retryInMs,
        });
        await this.sleep(retryInMs);
        if (this.stopping || record.offsets.revoked) {
          // Not done: the commit stays before this record and it is delivered again later.
          this.options.logger.debug("abandoning retries of a record", { topic, partition, offset: message.offset, stopping: this.stopping });
          return;
        }
      }
    }
  }

  private reportDrop(record: ChannelRecord, mode: "DropOldestMessage" | "DropNewestMessage"): void {
    this.dropped++;
    this.options.events.emit(RuntimeEvents.DROPPED, {
      connection: this.options.connection,
      topic: record.topic,
      partition: record.partition,
      offset: record.message.offset,
      mode,
    });
  }

  private wake(): void {
    this.wakeUp?.();
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      this.endSleep = resolve;
      this.sleepTimer = setTimeout(() => this.cancelSleep(), ms);
    });
  }

  private cancelSleep(): void {
    clearTimeout(this.sleepTimer);
    this.sleepTimer = undefined;
    const end = this.endSleep;
    this.endSleep = undefined;
    end?.();
  }
}
