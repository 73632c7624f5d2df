// ChannelTransactions: when an exactly-once topic's transactions commit, and which of its records are handled again.
// One per exactly-once TopicChannel, which creates it and calls it. The one owner of the topic's open transactions
// (TransactionBatches: runtime/exactly-once.ts owns the batches; this is when they commit), of each owned partition's
// fence (partition-fences.ts), of the records of failed transactions to handle again, and of the commits that run
// outside a handler call. The channel keeps its buffer, its running records and its failed records
// (failed-records.ts): it asks this class which partitions must wait, hands it each handled record and lets it commit
// before a failure, at a rebalance and at stop. What it needs of the channel comes through the callbacks of
// ChannelTransactionsOptions. Split from topic-channel.ts: scheduling transactions is a job of its own, beside the
// channel's buffer and dispatcher, and each piece of its state is kept here and nowhere else.

import type { ChannelRecord } from "./topic-channel.js";
import type { FailedRecords, RetryingRecord } from "./failed-records.js";
import type { RuntimeLogger } from "./logger.js";
import type { PartitionOffsets } from "./offset-tracker.js";
import type { TransactionSettings } from "./types.js";
import { TransactionBatches, type HandledRecord, type TransactionalOutput } from "./exactly-once.js";
import { PartitionFences } from "./partition-fences.js";

/**
 * An exactly-once record to handle again (its transaction failed): with its decoded value, or `undecoded` when it
 * failed to decode (it is decoded again, and takes the poison path then).
 */
export type Replay = RetryingRecord | { readonly record: ChannelRecord; readonly undecoded: true };

/** Construction parameters of {@link ChannelTransactions}: the topic's transactions, what it needs of its channel. */
export interface ChannelTransactionsOptions {
  /** The topic's name. */
  readonly topic: string;
  /** The connection's group id (part of each transactional id). */
  readonly groupId: string;
  /** Where the transactions go (runtime/exactly-once.ts). */
  readonly output: TransactionalOutput;
  /** The binding's transaction limits; absent: the defaults. */
  readonly settings: TransactionSettings | undefined;
  readonly logger: RuntimeLogger;
  /** The channel's failed records: a failed transaction's first record takes their path; a blocked partition waits. */
  readonly failures: FailedRecords;
  /** Whether a record of `partition` is running in the channel (its handler, its retry backoff or its commit). */
  readonly isRunning: (partition: number) => boolean;
  /** Whether the channel is stopping (its stop commits every open transaction, see `commitAllOpen`). */
  readonly isStopping: () => boolean;
  /** Asks the channel to look for records to run again (a partition may go on). */
  readonly schedulePump: () => void;
  /** Counts an error in the channel's metrics (a failed transaction). */
  readonly countError: () => void;
}

/**
 * The transaction scheduling of one exactly-once topic: its open transactions (one per input partition), its
 * partitions' fences, the records of failed transactions to handle again, and the commits running outside a handler
 * call. Created by the channel for an exactly-once binding only.
 */
export class ChannelTransactions {
  /** The open transaction of each partition (runtime/exactly-once.ts). */
  private readonly batches: TransactionBatches<ChannelRecord>;
  /** Each owned partition's fence, before which none of its records runs (partition-fences.ts). */
  private readonly fences: PartitionFences;
  /**
   * Records of a failed transaction to handle again, per partition, in offset order. They go before the partition's
   * buffered records (which are later), after its failed record (which is earlier).
   */
  private readonly replays = new Map<number, Replay[]>();
  /** Partitions whose transaction is committing outside a handler call (time limit, hold). */
  private readonly committing = new Set<number>();
  /** Those commits, for stop() to wait for. */
  private readonly commits = new Set<Promise<void>>();

  /** @param options see {@link ChannelTransactionsOptions}. */
  constructor(private readonly options: ChannelTransactionsOptions) {
    const { output, groupId, topic } = options;
    this.batches = new TransactionBatches<ChannelRecord>({
      output,
      groupId,
      topic,
      settings: options.settings,
      due: (partition) => this.commitWhenIdle(partition),
    });
    this.fences = new PartitionFences({
      output,
      groupId,
      topic,
      logger: options.logger,
      fenced: (offsets) => this.fenced(offsets),
    });
  }

  /** Records held in open transactions. */
  get size(): number {
    return this.batches.size;
  }

  /** Fences the partition of `offsets` if it is new to this topic, or `again` (see {@link PartitionFences.claim}). */
  claim(offsets: PartitionOffsets, again: boolean): void {
    this.fences.claim(offsets, again);
  }

  /** Whether no record of `partition` may run now: its transaction is committing, or its fence is not up yet. */
  isHeld(partition: number): boolean {
    return this.committing.has(partition) || this.fences.pending(partition);
  }

  /**
   * Whether `partition`'s buffered records must wait: it has records of a failed transaction to handle again (which
   * come first), a transaction committing, or its fence is not up yet.
   */
  waits(partition: number): boolean {
    return this.replays.has(partition) || this.isHeld(partition);
  }

  /** Whether any partition's buffered records may have to wait (see {@link waits}). */
  anyWaiting(): boolean {
    return this.replays.size > 0 || this.committing.size > 0 || this.fences.anyPending();
  }

  /** The next record of a failed transaction to handle again, of a partition free to run it. */
  takeReplay(): Replay | undefined {
    for (const [partition, queue] of this.replays) {
      if (
        this.options.failures.isBlocked(partition) ||
        this.committing.has(partition) ||
        this.fences.pending(partition) ||
        this.options.isRunning(partition)
      )
        continue;
      const replay = queue.shift()!;
      if (queue.length === 0) this.replays.delete(partition);
      return replay;
    }
    return undefined;
  }

  /** Whether `partition` has an open transaction. */
  isOpen(partition: number): boolean {
    return this.batches.isOpen(partition);
  }

  /**
   * Adds a handled record to its partition's open transaction. Returns `true` when the transaction is to be committed
   * now (see {@link TransactionBatches.add}).
   */
  add(entry: HandledRecord<ChannelRecord>): boolean {
    return this.batches.add(entry);
  }

  /**
   * Commits `partition`'s open transaction. Called while none of its records runs: from the handler call of its last
   * record, or with the partition in {@link committing}. `false` when the transaction failed: its first record takes
   * the failure path (retried after the topic's backoff, counted against its attempts, then dead-lettered), the others
   * are handled again after it, before the partition's buffered records.
   */
  async commit(partition: number): Promise<boolean> {
    const outcome = await this.batches.commit(partition);
    if (outcome.kind !== "failed") return true;
    const [first, ...rest] = outcome.entries;
    this.options.countError();
    this.replays.set(partition, [...rest, ...(this.replays.get(partition) ?? [])]);
    this.options.failures.handlerFailed({ ...first!, attempts: first!.attempts + 1 }, outcome.error);
    return false;
  }

  /** Queues `record` to be handled again after the partition's other records to handle again. */
  replayLast(partition: number, record: Replay): void {
    const queue = this.replays.get(partition);
    if (queue) queue.push(record);
    else this.replays.set(partition, [record]);
    this.options.failures.done(record.record);
  }

  /** Commits `partition`'s transaction if it came due (see {@link commitWhenIdle}). */
  commitIfDue(partition: number): void {
    if (this.batches.isDue(partition)) this.commitWhenIdle(partition);
  }

  /** Marks every open transaction due and commits those of the partitions none of whose records runs. */
  commitAllDue(): void {
    this.batches.markAllDue();
    for (const partition of this.batches.partitions()) this.commitWhenIdle(partition);
  }

  /** Drops the open transactions and the records to handle again that `predicate` matches (revoked partitions). */
  purge(predicate: (record: ChannelRecord) => boolean): void {
    this.batches.discard(predicate);
    for (const [partition, queue] of this.replays) {
      const kept = queue.filter((r) => !predicate(r.record));
      if (kept.length === 0) this.replays.delete(partition);
      else this.replays.set(partition, kept);
    }
  }

  /** Stops the fences (no new one, no retry); the open transactions commit in {@link commitAllOpen}. */
  stopFences(): void {
    this.fences.stop();
  }

  /** At stop: waits for the commits in flight, then commits every open transaction. */
  async commitAllOpen(): Promise<void> {
    await Promise.all([...this.commits]);
    // A partition fenced anew after a crash (and not up yet) is left for its next owner: nothing of it is done.
    for (const partition of this.batches.partitions())
      if (!this.fences.pending(partition)) await this.commit(partition);
  }

  /**
   * Commits `partition`'s transaction now if none of its records runs (it waits meanwhile: {@link waits}); otherwise the
   * running record commits it (see TopicChannel.run). Nothing while stopping: TopicChannel.stop commits every open
   * transaction.
   */
  private commitWhenIdle(partition: number): void {
    // A blocked partition has no open transaction (every failure path commits it first); should one be there, it
    // commits with the partition's next record rather than beside its failed one.
    if (this.options.isStopping() || this.committing.has(partition) || this.options.isRunning(partition)) return;
    if (this.options.failures.isBlocked(partition) || this.fences.pending(partition)) return;
    if (!this.batches.isOpen(partition)) return;
    this.committing.add(partition);
    const commit = this.commit(partition)
      .then(
        () => undefined,
        (error: unknown) =>
          this.options.logger.error("committing a transaction failed", { topic: this.options.topic, error }),
      )
      .finally(() => {
        this.committing.delete(partition);
        this.commits.delete(commit);
        this.options.schedulePump();
      });
    this.commits.add(commit);
  }

  /**
   * The fence of `offsets` is up, its tracker committed at the group's offset. Only a tracker restored after a crash
   * can have handled records in an open transaction: those below that offset were handled and committed by another
   * member meanwhile (dropped, done), the others are handled again before the partition's buffered records.
   */
  private fenced(offsets: PartitionOffsets): void {
    const floor = offsets.lastCommitted;
    const open = floor === undefined ? [] : this.batches.discard((r) => r.offsets === offsets);
    const again: Replay[] = [];
    for (const entry of open) {
      if (entry.record.offset < floor!) offsets.markDone(entry.record.offset);
      else again.push({ record: entry.record, attempts: entry.attempts, value: entry.value, key: entry.key });
    }
    if (again.length > 0)
      this.replays.set(offsets.partition, [...again, ...(this.replays.get(offsets.partition) ?? [])]);
    this.options.schedulePump();
  }
}
