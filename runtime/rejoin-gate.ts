// RejoinGate: what a connection keeps through a crash of its group member (a broker restart, a
// coordinator failure, a network outage), and when its handlers go on after the member rejoined.
//
// Before: a crash forgot every partition's offsets and dropped the buffered records, so after the
// rejoin the client fetched again from the last commit and every record handled since (while the
// broker was away nothing could be committed) was handled a second time: about one buffer per topic.
// Now: the offsets are suspended, not forgotten, and the buffers are kept and held. At the next join
// the partitions assigned again get their offsets back (the others are revoked and purged as before);
// each waits for its first batch, whose fetch offset is the group's committed offset, then the
// handled watermarks are committed, and only then do the handlers take records again.
//
// Why keeping is safe (the race: while this member was out, the group may have given a partition to
// another member, which handled records and committed):
// - a partition not assigned again is revoked at the join: its buffered records are purged and no
//   commit is sent for it, exactly as after a rebalance;
// - a partition assigned again may have been handled further by the other member: its first batch
//   shows the group's offset, which becomes the floor of what this member commits
//   (PartitionOffsets.confirmGroupOffset), so a commit never moves the group backwards and never
//   passes a record this member did not handle or see committed; buffered records below that offset
//   are handled once more (a duplicate, never a loss);
// - the client refetches from the group's offset; records below the kept fetch position were
//   buffered or handled already and are skipped by the router, records above it are new.
// Handler calls in flight at the crash finish and mark their records done on the suspended offsets;
// that work is committed after the rejoin instead of being redone. The hold of the handlers is the
// connection's rebalance hold, so an outage longer than `maxPollIntervalMs` ends it: the buffered
// records are then handled while the member is out (marked done the same way; if the partition goes
// to another member meanwhile, it handles them again: duplicates, never a loss).

import type { RuntimeLogger } from "./logger.js";
import type { OffsetTracker } from "./offset-tracker.js";

/** How long handlers stay held after a rejoin waiting for the restored partitions' first batches. */
const REJOIN_COMMIT_WAIT_MS = 5_000;

/** Construction parameters of a {@link RejoinGate}. */
export interface RejoinGateOptions {
  readonly trackers: OffsetTracker;
  /** Holds every dispatcher of the connection (no new handler call starts). */
  readonly hold: () => void;
  /** Ends the hold. */
  readonly release: () => void;
  /** Commits what was handled (after a commit in flight, if any). */
  readonly commit: () => Promise<void>;
  readonly logger: RuntimeLogger;
  readonly waitMs?: number;
}

/** Keeps offsets and buffers through a crash; commits the handled watermarks before handling resumes. */
export class RejoinGate {
  private isWaiting = false;
  private timer: NodeJS.Timeout | undefined;

  /** `true` while the gate holds the handlers after a rejoin, until the restored partitions' commit (it releases them). */
  get waiting(): boolean {
    return this.isWaiting;
  }

  /** @param options see {@link RejoinGateOptions}. */
  constructor(private readonly options: RejoinGateOptions) {}

  /** The member crashed and left its group: suspend the offsets, hold the handlers until the rejoin. */
  crashed(): void {
    this.cancel();
    const kept = this.options.trackers.suspendAll();
    this.options.hold();
    if (kept.length > 0)
      this.options.logger.info("member left its group: keeping handled offsets and buffered records until it rejoins", {
        partitions: kept.length,
      });
  }

  /**
   * The member joined (after `retainAssigned`). Returns `true` when the gate keeps the handlers held
   * until the restored partitions' commit (it releases them itself), `false` when there is nothing to wait for.
   */
  joined(): boolean {
    this.cancel();
    if (this.pending() === 0) return false;
    this.isWaiting = true;
    this.timer = setTimeout(() => {
      this.options.logger.debug("restored partitions fetched nothing yet; handling resumes before their commit", {
        waitMs: this.options.waitMs ?? REJOIN_COMMIT_WAIT_MS,
      });
      this.settle();
    }, this.options.waitMs ?? REJOIN_COMMIT_WAIT_MS);
    return true;
  }

  /** A restored partition's first batch arrived: once every one has, commit and release. */
  confirmed(): void {
    if (this.isWaiting && this.pending() === 0) this.settle();
  }

  /** Forgets a wait in progress (a new crash, or shutdown). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.isWaiting = false;
  }

  /** Restored partitions still waiting for their first batch that hold work (outstanding records or an uncommitted watermark). */
  private pending(): number {
    return this.options.trackers
      .awaitingGroupOffset()
      .filter((offsets) => offsets.outstanding > 0 || offsets.needsCommit()).length;
  }

  private settle(): void {
    if (!this.isWaiting) return;
    this.cancel();
    void this.options.commit().finally(() => {
      // Race: a new crash while the commit was in flight holds again; do not release that hold.
      if (!this.isWaiting && this.options.trackers.suspendedCount === 0) this.options.release();
    });
  }
}
