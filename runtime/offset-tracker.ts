// OffsetTracker: which offsets are safe to commit, per topic-partition, and which fetched records are
// duplicates of ones already accepted.
//
// Offsets are JS numbers parsed from kafkajs's decimal strings. They are exact up to 2^53 - 1
// (≈ 9.007e15): a partition written at one million records per second reaches that after ~285 years,
// so the runtime assumes offsets stay below it and `parseOffset` throws (a broken invariant, not a
// user mistake) if one does not.

/** Parses a kafkajs offset string; throws if it is not a safe non-negative integer (see file comment). */
export function parseOffset(offset: string): number {
  const value = Number(offset);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`offset ${offset} is not a non-negative integer below 2^53; kefgen assumes it is`);
  }
  return value;
}

interface Outstanding {
  readonly offset: number;
  done: boolean;
}

/**
 * Offsets of one topic-partition, from the moment a record is accepted (buffered, or dropped by the
 * buffer) until it is done (handled, skipped as poison, or dropped).
 *
 * - `fetchPosition`: the offset after the last accepted record. A fetched record below it was already
 *   accepted once; kafkajs redelivers such records after pause/resume and after rebalances, and the
 *   connection skips them.
 * - `committable()`: the offset of the earliest accepted record that is not done yet, or `fetchPosition`
 *   when every accepted record is done. Committing it never skips an unhandled record. It never moves
 *   backwards: outstanding offsets are appended in increasing order and only removed from the front.
 */
export class PartitionOffsets {
  /** Not-done offsets in increasing order; done ones are popped from the front. Array + head index = O(1) amortised. */
  private readonly queue: Outstanding[] = [];
  private queueHead = 0;
  private readonly byOffset = new Map<number, Outstanding>();
  private position: number | undefined;
  private committed: number | undefined;
  private isRevoked = false;

  /** The partition's high watermark as last seen in a fetched batch (for lag). */
  highWatermark: number | undefined;
  /** Set when kafkajs reported an offset reset for this partition; consumed by the next batch. */
  resetPending = false;
  /**
   * Set at every group join this partition survived; consumed by its next batch. kafkajs forgets its
   * fetch positions on a join and fetches a retained partition again from the committed offset it
   * read at that join, which can be below what this tracker committed since (records buffered before
   * the join were handled and committed after it): that batch is a refetch, not a reset.
   */
  rejoined = false;
  /**
   * Set on a tracker kept through a crash of its member and restored at the next join (see
   * {@link OffsetTracker.suspendAll}); cleared by the partition's first batch after that join, whose
   * fetch offset is the group's committed offset. Until then the tracker is not committed: another
   * member may have owned the partition meanwhile and committed further, and committing this
   * tracker's lower watermark would move the group's offset backwards.
   */
  awaitingGroupOffset = false;
  /**
   * Exactly-once partitions: set from the first batch of an owner until the partition's transactional id is
   * registered anew and the group's offset read after it (runtime/partition-fences.ts). Nothing of the tracker is
   * committed meanwhile: the offset the client fetched from may be older than the previous owner's last transaction,
   * and committing it would move the group's offset back.
   */
  fencePending = false;
  /**
   * Exactly-once partitions (set with the first fence, never cleared): their offsets are committed only inside
   * transactions of the partition's transactional id, so that no plain OffsetCommit can land after a transaction's
   * and move the group's offset back (see Committer).
   */
  transactional = false;

  /**
   * @param topic the topic.
   * @param partition the partition.
   * @param fetchPosition where fetching starts, if known (the first batch's fetch offset).
   */
  constructor(
    readonly topic: string,
    readonly partition: number,
    fetchPosition?: number,
  ) {
    this.position = fetchPosition;
  }

  /** The offset after the last accepted record (the next offset to fetch), if any is known. */
  get fetchPosition(): number | undefined {
    return this.position;
  }

  /** The last offset committed for this partition by this tracker. */
  get lastCommitted(): number | undefined {
    return this.committed;
  }

  /**
   * `true` once the partition was taken away (rebalance, crash, reset). Records still referring to
   * this tracker may finish, but nothing of it is committed any more.
   */
  get revoked(): boolean {
    return this.isRevoked;
  }

  /** Number of accepted records that are not done yet. */
  get outstanding(): number {
    return this.byOffset.size;
  }

  /** `true` when a record at `offset` was already accepted (it is below the fetch position). */
  isDuplicate(offset: number): boolean {
    return this.position !== undefined && offset < this.position;
  }

  /**
   * Records that the record at `offset` was accepted. `done: true` for records that need no handling
   * any more (dropped by the buffer, or at-most-once mode). Offsets must be tracked in increasing order.
   */
  track(offset: number, done = false): void {
    if (this.position !== undefined && offset < this.position) {
      throw new Error(
        `offset ${offset} of ${this.topic}[${this.partition}] tracked below fetch position ${this.position}`,
      );
    }
    this.position = offset + 1;
    if (done) return; // a done record never holds the commit back, so it needs no entry
    const entry: Outstanding = { offset, done: false };
    this.queue.push(entry);
    this.byOffset.set(offset, entry);
  }

  /**
   * Marks the record at `offset` done (handled, poison, or dropped). Returns `false` if the offset is
   * not outstanding here (never tracked, already done, or tracked as done).
   */
  markDone(offset: number): boolean {
    const entry = this.byOffset.get(offset);
    if (!entry) return false;
    this.byOffset.delete(offset);
    entry.done = true;
    while (this.queueHead < this.queue.length && this.queue[this.queueHead]!.done) this.queueHead++;
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    return true;
  }

  /**
   * Moves the fetch position forward to `position` when kafkajs continued past records the runtime
   * never saw (transaction control records and aborted records are filtered out by kafkajs). Never
   * moves it backwards.
   */
  skipTo(position: number): void {
    if (this.position === undefined || position > this.position) this.position = position;
  }

  /** The offset to commit: earliest not-done accepted record, else the fetch position. `undefined` before anything is known. */
  committable(): number | undefined {
    const head = this.queue[this.queueHead];
    const value = head ? head.offset : this.position;
    if (value === undefined) return undefined;
    // Structurally monotonic (see class comment); the guard keeps a commit from ever regressing.
    return this.committed !== undefined && value < this.committed ? this.committed : value;
  }

  /** `true` when `committable()` is ahead of the last commit. */
  needsCommit(): boolean {
    const value = this.committable();
    return value !== undefined && (this.committed === undefined || value > this.committed);
  }

  /** Records a successful commit of `offset`. */
  markCommitted(offset: number): void {
    if (this.committed === undefined || offset > this.committed) this.committed = offset;
  }

  /**
   * The group's committed offset, as the first batch after a rejoin shows it (see
   * {@link awaitingGroupOffset}). When it is ahead of this tracker (another member handled and
   * committed those records while this one was out), it becomes the floor of what this tracker
   * commits, so its commits never move the group's offset backwards.
   */
  confirmGroupOffset(groupOffset: number): void {
    this.awaitingGroupOffset = false;
    this.markCommitted(groupOffset);
  }

  /**
   * The partition's fence is up (see {@link fencePending}); `groupOffset` is the group's committed offset read after
   * it, if the group has one. Records below it were committed by the previous owner: this tracker commits from there
   * on (its commits never go below it), and the channel skips those records.
   */
  fenced(groupOffset: number | undefined): void {
    this.fencePending = false;
    if (groupOffset !== undefined) this.markCommitted(groupOffset);
  }

  /** Marks the tracker revoked (see {@link revoked}). */
  revoke(): void {
    this.isRevoked = true;
  }
}

/** An offset ready to be committed, and the tracker to update once the commit succeeded. */
export interface PendingCommit {
  readonly offsets: PartitionOffsets;
  readonly offset: number;
}

/** The {@link PartitionOffsets} of every topic-partition a connection currently owns. */
export class OffsetTracker {
  private readonly byKey = new Map<string, PartitionOffsets>();
  /** Trackers kept through a crash of the member, until the next join decides (see {@link suspendAll}). */
  private readonly suspended = new Map<string, PartitionOffsets>();

  /** The tracker of a partition, if owned. */
  get(topic: string, partition: number): PartitionOffsets | undefined {
    return this.byKey.get(key(topic, partition));
  }

  /** The tracker of a partition, created at `fetchPosition` if it does not exist yet. */
  getOrCreate(topic: string, partition: number, fetchPosition?: number): PartitionOffsets {
    const k = key(topic, partition);
    let offsets = this.byKey.get(k);
    if (!offsets) {
      offsets = new PartitionOffsets(topic, partition, fetchPosition);
      this.byKey.set(k, offsets);
    }
    return offsets;
  }

  /** Revokes and removes a partition's tracker, returning it. */
  forget(topic: string, partition: number): PartitionOffsets | undefined {
    const k = key(topic, partition);
    const offsets = this.byKey.get(k);
    if (!offsets) return undefined;
    offsets.revoke();
    this.byKey.delete(k);
    return offsets;
  }

  /**
   * Removes a partition's tracker *without* revoking it (offset reset): records that refer to it are
   * still handled, but it is no longer committed. The next `getOrCreate` starts a new one.
   */
  detach(topic: string, partition: number): PartitionOffsets | undefined {
    const k = key(topic, partition);
    const offsets = this.byKey.get(k);
    this.byKey.delete(k);
    return offsets;
  }

  /**
   * The member crashed (it left its group): keep every tracker, without revoking it, until the next
   * join. Suspended trackers are not owned: `get` does not find them and nothing of them is
   * committed, but records that refer to them may still be marked done. The next
   * {@link retainAssigned} restores those whose partition is assigned again and revokes the others.
   */
  suspendAll(): PartitionOffsets[] {
    for (const [k, offsets] of this.byKey) this.suspended.set(k, offsets);
    this.byKey.clear();
    return [...this.suspended.values()];
  }

  /** Trackers suspended by a crash and not yet restored or revoked. */
  get suspendedCount(): number {
    return this.suspended.size;
  }

  /**
   * Forgets every partition not in `assignment` (kafkajs's `memberAssignment`); returns the revoked
   * trackers. Trackers suspended by a crash come back for the partitions assigned again (marked
   * {@link PartitionOffsets.awaitingGroupOffset}) and are revoked for the others.
   */
  retainAssigned(assignment: Readonly<Record<string, readonly number[]>>): PartitionOffsets[] {
    const revoked: PartitionOffsets[] = [];
    for (const [k, offsets] of this.suspended) {
      if ((assignment[offsets.topic] ?? []).includes(offsets.partition) && !this.byKey.has(k)) {
        offsets.awaitingGroupOffset = true;
        this.byKey.set(k, offsets);
      } else {
        offsets.revoke();
        revoked.push(offsets);
      }
    }
    this.suspended.clear();
    for (const offsets of [...this.byKey.values()]) {
      if (!(assignment[offsets.topic] ?? []).includes(offsets.partition)) {
        this.forget(offsets.topic, offsets.partition);
        revoked.push(offsets);
      }
    }
    return revoked;
  }

  /** Forgets every partition; returns the revoked trackers. */
  forgetAll(): PartitionOffsets[] {
    const all = [...this.byKey.values(), ...this.suspended.values()];
    for (const offsets of all) offsets.revoke();
    this.byKey.clear();
    this.suspended.clear();
    return all;
  }

  /** Owned trackers restored after a crash whose group offset is not known yet. */
  awaitingGroupOffset(): PartitionOffsets[] {
    return [...this.byKey.values()].filter((offsets) => offsets.awaitingGroupOffset);
  }

  /** Every owned partition's tracker. */
  all(): PartitionOffsets[] {
    return [...this.byKey.values()];
  }

  /** The partitions whose committable offset advanced since their last commit. */
  pendingCommits(): PendingCommit[] {
    const pending: PendingCommit[] = [];
    for (const offsets of this.byKey.values()) {
      if (offsets.awaitingGroupOffset || offsets.fencePending) continue;
      const offset = offsets.committable();
      if (offset !== undefined && offsets.needsCommit()) pending.push({ offsets, offset });
    }
    return pending;
  }
}

function key(topic: string, partition: number): string {
  // Topic names cannot contain NUL, so the key is unambiguous.
  return `${topic}\u0000${partition}`;
}
