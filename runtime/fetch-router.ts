// FetchRouter: routes each fetched batch (one partition) into its topic's channel and returns
// without waiting for a handler. The client heartbeats only between batches and fetches one response
// at a time (pitfalls 1 and 2), so a batch never waits for a handler; it may only wait, bounded, for
// room in a full buffer. Offsets are resolved when a record is *accepted* (that is the fetch
// position) and committed when it is *handled* (see Committer).

import { RuntimeEvents, type RuntimeEventEmitter } from "./events.js";
import type { RuntimeLogger } from "./logger.js";
import { parseOffset, type OffsetTracker, type PartitionOffsets } from "./offset-tracker.js";
import type { PauseSet } from "./pause-set.js";
import type { TopicChannel } from "./topic-channel.js";
import type { ConnectionSettings } from "./types.js";
import type { FetchedBatch } from "./transport/records.js";

/**
 * Under ApplyBackpressure a batch that meets a full buffer waits for room only while the handler
 * takes a record at least every this many milliseconds; otherwise the topic is paused.
 */
export const ROOM_IDLE_MS = 25;
/**
 * On a connection with several topics, the longest the batches of one fetch response wait for room,
 * all together. Past it a batch that meets a full buffer leaves its rest for the next fetch (without
 * pausing), so the batches of the other topics get their turn: one topic delays the others by at most
 * this much per fetch. A connection with one topic waits as long as its handler keeps taking records
 * (it delays nobody).
 */
export const MAX_HOLD_MS = 200;

/** What a batch that met a full buffer does next (see FetchRouter.waitForRoom). */
type RoomDecision = "room" | "pause" | "yield";

/** Construction parameters of a {@link FetchRouter}. */
export interface FetchRouterOptions {
  readonly connection: string;
  readonly settings: ConnectionSettings;
  readonly channels: ReadonlyMap<string, TopicChannel>;
  readonly trackers: OffsetTracker;
  readonly pauses: PauseSet;
  /** `true` once the connection is stopping: nothing more is routed. */
  readonly stopping: () => boolean;
  readonly events: RuntimeEventEmitter;
  readonly logger: RuntimeLogger;
  /**
   * A tracker restored after a crash met its first batch, which showed the group's committed offset
   * (see PartitionOffsets.awaitingGroupOffset). The connection commits the restored watermarks.
   */
  readonly onGroupOffsetConfirmed?: () => void;
}

/**
 * Routes batches into channels, tracks every accepted record, and pauses and resumes fetching for
 * backpressure (through the {@link PauseSet}, which owns what is paused).
 *
 * Fair share: under sustained backpressure (the handler is too slow for a batch to wait for room,
 * see TopicChannel.shouldWaitForRoom) each assigned partition of a topic may hold at most
 * {@link share} records of its buffer; a partition that has its share is paused on its own, and
 * resumed once it is down to three quarters of it. Without shares the first batch of every fetch response
 * would refill the whole buffer and the topic's other partitions would starve. Pauses are per
 * partition for the same reason.
 */
export class FetchRouter {
  /** Assigned partitions per topic, from the last group join (for {@link share}). */
  private readonly assigned = new Map<string, number>();
  /**
   * When the batches of the current fetch response must stop waiting for room (several topics only).
   * Set by the first batch that waits, cleared by {@link newResponse}.
   */
  private responseHoldUntil: number | undefined;

  /** @param options see {@link FetchRouterOptions}. */
  constructor(private readonly options: FetchRouterOptions) {}

  /**
   * The member's assignment changed (a join; `{}` when it left the group): the fair shares follow it,
   * and partitions no longer assigned are no longer paused (`resumed` for a topic left unpaused).
   */
  assign(assignment: Readonly<Record<string, readonly number[]>>): void {
    this.assigned.clear();
    for (const [topic, partitions] of Object.entries(assignment)) this.assigned.set(topic, partitions.length);
    const pauses = this.options.pauses;
    const before = [...this.options.channels.keys()].filter((topic) => pauses.isTopicPaused(topic));
    pauses.retainAssigned(assignment);
    for (const topic of before) {
      if (pauses.isTopicPaused(topic) || this.options.stopping()) continue;
      this.options.logger.info("partitions revoked: resumed fetching", { topic });
      this.options.events.emit(RuntimeEvents.RESUMED, { connection: this.options.connection, topic });
    }
  }

  /** The most records one partition of `channel`'s topic may hold under sustained backpressure. */
  share(channel: TopicChannel): number {
    return Math.ceil(channel.capacity / Math.max(1, this.assigned.get(channel.topic) ?? 1));
  }

  /** A new fetch response arrived (before its batches are handed over): a new hold budget. */
  newResponse(): void {
    this.responseHoldUntil = undefined;
  }

  /**
   * Routes one fetched batch (one partition) into its topic's buffer and returns without waiting
   * for any handler to finish. Per record, in batch order:
   * - already accepted (offset < fetch position): resolve and skip (the client redelivers after pause
   *   and from the committed offset after a rejoin);
   * - past `maxPollRecords` routed records: stop, unresolved (fetched again);
   * - buffer full under ApplyBackpressure: wait for room while the handler keeps taking records (see
   *   {@link waitForRoom}); if it does not, pause and stop, leaving this record and the rest
   *   unresolved: the client fetches them again from the resolved offset after resume, so nothing is
   *   lost or reordered, and the buffer never holds more than its capacity;
   * - otherwise: track and resolve (records a drop mode discarded are tracked as done).
   */
  async route(batch: FetchedBatch): Promise<void> {
    // Stopping: resolve nothing, the records go to the next owner of the partition.
    if (this.options.stopping()) return;
    const channel = this.options.channels.get(batch.topic);
    if (!channel) {
      this.options.logger.warn("received a batch of a topic this connection does not consume", { topic: batch.topic });
      return;
    }
    // Race: one fetch response holds batches of several partitions, and the client hands all of them
    // over even if an earlier batch of the same response paused the topic. Routing nothing and
    // resolving nothing leaves the client's position untouched; the batch is fetched again after resume.
    if (this.options.pauses.isPaused(batch.topic, batch.partition)) return;

    const settings = this.options.settings;
    const before = this.options.trackers.get(batch.topic, batch.partition);
    const known = before !== undefined;
    const restored = before?.awaitingGroupOffset === true;
    const offsets = this.offsetsFor(batch);
    // Exactly-once: a tracker new to the channel (or restored after a crash) waits for its partition's fence.
    channel.claim(offsets, restored);
    const atMostOnce = settings.enableAutoCommit;
    const maxRecords = settings.maxPollRecords ?? Number.POSITIVE_INFINITY;
    // The hold budget is per fetch response, not per batch: a response holds one batch per partition.
    const holdUntil =
      this.options.channels.size > 1 ? (this.responseHoldUntil ??= Date.now() + MAX_HOLD_MS) : Number.POSITIVE_INFINITY;
    const beat = new Heartbeat(() => batch.heartbeat(), settings.heartbeatIntervalMs);
    const share = channel.backpressure === "ApplyBackpressure" ? this.share(channel) : Number.POSITIVE_INFINITY;
    let routed = 0;
    // The client's resolve is called once, for the last record routed or skipped, when the loop ends
    // (also by an exception: then the client rejoins or retries and the runtime skips what it has).
    let resolveUpTo: string | undefined;
    try {
      for (const message of batch.records) {
        const offset = parseOffset(message.offset);
        if (offsets.isDuplicate(offset)) {
          resolveUpTo = message.offset;
          continue;
        }
        if (routed >= maxRecords) break;
        // Sustained backpressure and this partition holds its share: pause it, the others get theirs.
        // (With one partition the share is the whole buffer: the full-buffer path below decides.)
        if (
          share < channel.capacity &&
          channel.bufferedOf(batch.partition) >= share &&
          !channel.shouldWaitForRoom(ROOM_IDLE_MS, settings.fetchMaxWaitMs)
        ) {
          this.pause(channel, batch.partition);
          break;
        }
        const record = { topic: batch.topic, partition: batch.partition, offset, message, offsets };
        let result = channel.offer(record);
        if (result.kind === "full") {
          const decision = await this.waitForRoom(channel, holdUntil, beat);
          // Race: stop() ran during the wait. Route nothing more; shutdown pauses every topic.
          if (this.options.stopping()) return;
          // Offer again whatever the decision: the dispatcher may have made room since it was taken.
          // Pausing only while the buffer is full right now (synchronously) is what guarantees that a
          // later take drains it to the resume threshold and resumes the topic.
          result = channel.offer(record);
          if (result.kind === "full") {
            if (decision !== "yield") this.pause(channel, batch.partition);
            break;
          }
        }
        routed++;
        // Safe to track after offer(): the dispatcher cannot take the record before this synchronous step ends.
        offsets.track(offset, atMostOnce || result.kind === "droppedNewest");
        resolveUpTo = message.offset;
      }
    } finally {
      if (resolveUpTo !== undefined) batch.resolve(resolveUpTo);
      // A partition whose first batch met a full buffer has nothing to commit yet: no tracker, as if
      // it had not been fetched (a commit of its fetch offset would claim a position nobody handled).
      else if (!known) this.options.trackers.detach(batch.topic, batch.partition);
    }
    // A rebalance error thrown here is what makes the client rejoin; let it propagate.
    await batch.heartbeat();
  }

  /**
   * Resumes the partitions of `channel` paused for backpressure that have room again: the whole
   * buffer is drained to its resume threshold, or (several partitions) the partition is down to three
   * quarters of its {@link share} and the buffer has room for the rest of it. Called after every take and every purge.
   * Race: this runs from the dispatcher, between batches; the client picks a resumed partition up at
   * its next fetch, from the resolved offset, which is exactly where routing stopped.
   */
  resumeIfRoom(channel: TopicChannel): void {
    const pauses = this.options.pauses;
    if (!pauses.isTopicPaused(channel.topic)) return;
    const share = this.share(channel);
    const drained = channel.isDrained();
    // Resumed while it still holds three quarters of its share: its records last ~that many turns
    // of every partition, long enough for its next fetch to arrive before it runs dry.
    const level = Math.floor((share * 3) / 4);
    const room = share < channel.capacity && channel.capacity - channel.size >= share - level;
    // Everything stays paused while stopping: forget the pause without resuming the member.
    const stopping = this.options.stopping();
    for (const partition of pauses.pausedPartitions(channel.topic)) {
      if (!drained && !(room && channel.bufferedOf(partition) <= level)) continue;
      const last = pauses.resume(channel.topic, partition, !stopping);
      if (stopping) continue;
      this.options.logger.debug("partition has room: resumed fetching", { topic: channel.topic, partition });
      if (!last) continue;
      this.options.logger.info("buffer drained: resumed fetching", { topic: channel.topic });
      this.options.events.emit(RuntimeEvents.RESUMED, { connection: this.options.connection, topic: channel.topic });
    }
  }

  /**
   * Called when the client reported that a partition's offset was out of range and reset (silently
   * otherwise, pitfall 7). The client does not say where it continues: the partition's next batch
   * does, so that batch emits `offsetReset` with the range skipped and starts a new tracker. Without
   * a tracker (nothing of the partition routed yet) the event goes out at once, without positions.
   */
  noteOffsetReset(topic: string, partition: number): void {
    if (!this.options.channels.has(topic)) return;
    const offsets = this.options.trackers.get(topic, partition);
    this.options.logger.warn("kafkajs reset a partition's offset (offset out of range)", {
      topic,
      partition,
      expectedOffset: offsets?.fetchPosition,
    });
    if (offsets?.fetchPosition !== undefined) {
      offsets.resetPending = true;
      return;
    }
    this.emitReset(topic, partition, undefined, undefined, "kafkajs");
  }

  /** Emits `offsetReset` with the range a forward reset skipped (see OffsetResetEvent.skipped). */
  private emitReset(
    topic: string,
    partition: number,
    expected: number | undefined,
    fetched: number | undefined,
    detectedBy: "kafkajs" | "fetchPosition",
  ): void {
    const skipped =
      expected !== undefined && fetched !== undefined && fetched > expected
        ? { from: String(expected), to: String(fetched), count: fetched - expected }
        : undefined;
    if (skipped)
      this.options.logger.warn("offset reset skipped records that were never handled", {
        topic,
        partition,
        ...skipped,
      });
    this.options.events.emit(RuntimeEvents.OFFSET_RESET, {
      connection: this.options.connection,
      topic,
      partition,
      expectedOffset: expected === undefined ? undefined : String(expected),
      fetchedOffset: fetched === undefined ? undefined : String(fetched),
      detectedBy,
      ...(skipped ? { skipped } : {}),
    });
  }

  /** Pauses one partition; the topic's first paused partition emits `paused`. */
  private pause(channel: TopicChannel, partition: number): void {
    const first = this.options.pauses.pause(channel.topic, partition);
    this.options.logger.debug("partition has its share of the buffer: paused fetching", {
      topic: channel.topic,
      partition,
    });
    if (!first) return;
    this.options.logger.info("buffer full: paused fetching", { topic: channel.topic, capacity: channel.capacity });
    this.options.events.emit(RuntimeEvents.PAUSED, { connection: this.options.connection, topic: channel.topic });
  }

  /**
   * Decides what a batch does when `channel`'s buffer is full, waiting inside the batch callback for
   * the dispatcher to drain it when that pays off:
   * - "pause" at once when the buffer holds at least `fetchMaxWaitMs` of work at the handler's pace,
   *   or the handler is slower than {@link ROOM_IDLE_MS} per record (see TopicChannel.shouldWaitForRoom);
   *   "pause" too when the handler takes no record for {@link ROOM_IDLE_MS} during the wait;
   * - "room" once the buffer drained to its resume threshold;
   * - "yield" when the hold budget `holdUntil` of the fetch response is spent (it may already be on
   *   entry) while the handler still makes progress: the rest of the batch is left unresolved without
   *   pausing (fetched again right away).
   *
   * Why wait at all: kafkajs picks up a resumed topic only at its next fetch, and with every
   * assigned partition paused it first sleeps `fetchMaxWaitMs` (consumerGroup.fetch), so pausing a
   * buffer whose handler drains it in less than that leaves the handler idle at every pause, and the
   * rest of the batch is fetched and decoded again.
   * The client sends no heartbeat while this callback runs (pitfall 1), so `beat` heartbeats every
   * `heartbeatIntervalMs`; a rebalance error from it propagates and the client rejoins.
   */
  private async waitForRoom(channel: TopicChannel, holdUntil: number, beat: Heartbeat): Promise<RoomDecision> {
    if (!channel.shouldWaitForRoom(ROOM_IDLE_MS, this.options.settings.fetchMaxWaitMs)) return "pause";
    for (;;) {
      if (Date.now() >= holdUntil) return "yield";
      const result = await channel.waitForRoom(ROOM_IDLE_MS, Math.min(holdUntil, beat.due()));
      if (this.options.stopping()) return "pause";
      await beat.ifDue();
      if (result === "room") return "room";
      if (result !== "deadline") return "pause";
    }
  }

  /**
   * The tracker of the batch's partition, created at the batch's fetch offset if new. Compares the
   * fetch offset with the tracker's fetch position:
   * - below it: normal refetch (duplicates are skipped record by record), unless it is also below the
   *   last commit, which only a reset can explain, except in the first batch after a group join
   *   (see PartitionOffsets.rejoined);
   * - above it: the client skipped records the runtime never saw (transaction markers, aborted records);
   * - the client reported a reset: start over.
   * On a reset the old tracker is replaced (not revoked): records already buffered are still handled,
   * but their completion can no longer commit into the new position.
   */
  private offsetsFor(batch: FetchedBatch): PartitionOffsets {
    const { topic, partition } = batch;
    const trackers = this.options.trackers;
    const rawFetched = batch.fetchedOffset ?? batch.records[0]?.offset;
    const fetched = rawFetched === undefined ? undefined : parseOffset(rawFetched);
    let offsets = trackers.get(topic, partition);
    const restored = offsets?.awaitingGroupOffset === true;
    if (offsets && fetched !== undefined && offsets.fetchPosition !== undefined) {
      const expected = offsets.fetchPosition;
      // (Below the fetch position too: an exactly-once tracker's commit can be ahead of where the client fetches, at
      // the offset its partition's fence read, see partition-fences.ts.)
      const belowCommit =
        !offsets.rejoined &&
        offsets.lastCommitted !== undefined &&
        fetched < offsets.lastCommitted &&
        fetched < expected;
      if (offsets.resetPending || belowCommit) {
        if (!offsets.resetPending)
          this.options.logger.warn("partition continues before its last commit; treating it as an offset reset", {
            topic,
            partition,
            expected,
            fetched,
          });
        this.emitReset(topic, partition, expected, fetched, offsets.resetPending ? "kafkajs" : "fetchPosition");
        trackers.detach(topic, partition);
        offsets = undefined;
      } else if (fetched > expected) {
        offsets.skipTo(fetched);
      }
    }
    if (offsets) offsets.rejoined = false;
    // After a rejoin the client fetches from the group's committed offset: what the restored tracker
    // may not commit below (another member may have committed further while this one was out).
    if (offsets && restored) offsets.confirmGroupOffset(fetched ?? offsets.lastCommitted ?? 0);
    offsets ??= trackers.getOrCreate(topic, partition, fetched);
    if (restored) this.options.onGroupOffsetConfirmed?.();
    const highWatermark = Number(batch.highWatermark);
    if (Number.isSafeInteger(highWatermark) && highWatermark >= 0) offsets.highWatermark = highWatermark;
    return offsets;
  }
}

/** The batch's heartbeat, called at most once per interval while the batch waits for room. */
class Heartbeat {
  private last = Date.now();

  constructor(
    private readonly send: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  /** When the next heartbeat is due (epoch ms). */
  due(): number {
    return this.last + this.intervalMs;
  }

  /** Sends a heartbeat if one is due. Rejects with the client's rebalance error when the group rebalances. */
  async ifDue(): Promise<void> {
    if (Date.now() < this.due()) return;
    this.last = Date.now();
    await this.send();
  }
}
