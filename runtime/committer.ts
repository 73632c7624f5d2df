// Committer: turns the handled watermarks of a connection's partitions into offset commits, on an
// interval, before a rebalance and at shutdown. Never the client's auto-commit (pitfall 3): that
// commits what was fetched, not what was handled.

import { RuntimeEvents, type RuntimeEventEmitter } from "./events.js";
import type { RuntimeLogger } from "./logger.js";
import type { TransactionalOutput } from "./exactly-once.js";
import type { OffsetTracker, PendingCommit } from "./offset-tracker.js";

/** Why a commit is sent (for logs; a failed rebalance commit is expected and logged at debug). */
export type CommitReason = "interval" | "rebalance" | "rejoin" | "stop";

/** One explicit offset to commit: the next record the group reads on that partition. */
export interface OffsetToCommit {
  readonly topic: string;
  readonly partition: number;
  /** Kafka's int64 in decimal. */
  readonly offset: string;
}

/** The part of a group member that committing uses. */
export interface CommitPort {
  /** Commits these offsets for the member's group. Rejects when the coordinator refuses them. */
  commit(offsets: OffsetToCommit[]): Promise<void>;
}

/** Construction parameters of a {@link Committer}. */
export interface CommitterOptions {
  readonly connection: string;
  readonly trackers: OffsetTracker;
  /** The current group member, or `undefined` when there is none (then nothing is committed). */
  readonly member: () => CommitPort | undefined;
  readonly events: RuntimeEventEmitter;
  readonly logger: RuntimeLogger;
  /** Where exactly-once partitions are committed: in transactions of `groupId` (TransactionalOutput.commitOffsets). */
  readonly transactions?: { readonly groupId: string; readonly output: Pick<TransactionalOutput, "commitOffsets"> };
}

/**
 * Commits every partition whose handled position advanced. One commit at a time: a commit asked for
 * while one is in flight joins it. The interval loop is started and stopped by the connection.
 */
export class Committer {
  private inFlight: Promise<void> | undefined;
  /** A rebalance commit queued behind the one in flight. */
  private rebalanceAfter: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** @param options see {@link CommitterOptions}. */
  constructor(private readonly options: CommitterOptions) {}

  /** Commits what advanced. Single flight: joins a commit already running. */
  commit(reason: CommitReason = "interval"): Promise<void> {
    // A rebalance commit must also carry what was handled after the commit in flight was computed:
    // the member may rejoin as soon as its commits are answered (platformatic waits for exactly that).
    if (this.inFlight && reason === "rebalance")
      return (this.rebalanceAfter ??= this.inFlight.then(
        () => ((this.rebalanceAfter = undefined), this.commit("rebalance")),
      ));
    if (this.inFlight) return this.inFlight;
    const member = this.options.member();
    const pending = this.options.trackers.pendingCommits();
    if (!member || pending.length === 0) return Promise.resolve();
    this.inFlight = this.send(member, pending, reason).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Waits for the commit in flight (if any), then commits what is left: the final commit of a shutdown. */
  commitFinal(): Promise<void> {
    return this.commitAfterInFlight("stop");
  }

  /** Waits for the commit in flight (if any, computed before what is to be committed now), then commits what is left. */
  async commitAfterInFlight(reason: CommitReason): Promise<void> {
    await this.inFlight;
    await this.commit(reason);
  }

  /** Commits every `intervalMs` until {@link stopInterval}. */
  startInterval(intervalMs: number): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.commit("interval"), intervalMs);
  }

  /** Ends the interval loop. Idempotent. */
  stopInterval(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Exactly-once partitions are committed in transactions of their own id, in order with the partition's other
   * transactions (see TransactionalOutput.commitOffsets for the race a plain commit would lose); the others in one
   * plain commit.
   */
  private async send(member: CommitPort, all: readonly PendingCommit[], reason: CommitReason): Promise<void> {
    await Promise.all([
      this.sendPlain(
        member,
        all.filter((p) => !p.offsets.transactional),
        reason,
      ),
      ...all.filter((p) => p.offsets.transactional).map((p) => this.sendTransactional(p, reason)),
    ]);
  }

  private async sendTransactional({ offsets }: PendingCommit, reason: CommitReason): Promise<void> {
    const { transactions } = this.options;
    // A transactional tracker is made by an exactly-once channel, which the connection only builds with transactions.
    if (!transactions)
      throw new Error(`exactly-once partition ${offsets.topic}[${offsets.partition}] without transactions`);
    const partition = { topic: offsets.topic, partition: offsets.partition };
    let committed: number | undefined;
    try {
      committed = await transactions.output.commitOffsets({ groupId: transactions.groupId, ...partition }, () =>
        offsets.revoked || !offsets.needsCommit() ? undefined : offsets.committable(),
      );
    } catch (error) {
      return this.failed(reason, [partition], error);
    }
    if (committed === undefined) return;
    offsets.markCommitted(committed);
    this.succeeded(reason, [{ ...partition, offset: String(committed) }]);
  }

  /**
   * Race: the offsets were computed from partitions owned at the time; if a rebalance revokes one
   * while the commit is in flight, the value is still a handled watermark (committing it cannot skip
   * an unhandled record) and the coordinator rejects commits from an old generation anyway.
   */
  private async sendPlain(member: CommitPort, pending: readonly PendingCommit[], reason: CommitReason): Promise<void> {
    if (pending.length === 0) return;
    const offsets = pending.map((p) => ({
      topic: p.offsets.topic,
      partition: p.offsets.partition,
      offset: String(p.offset),
    }));
    try {
      await member.commit(offsets);
    } catch (error) {
      return this.failed(reason, offsets, error);
    }
    for (const p of pending) p.offsets.markCommitted(p.offset);
    this.succeeded(reason, offsets);
  }

  private failed(reason: CommitReason, offsets: readonly object[], error: unknown): void {
    this.options.logger[reason === "rebalance" ? "debug" : "warn"]("commit failed; will retry with the next commit", {
      reason,
      offsets,
      error,
    });
  }

  private succeeded(reason: CommitReason, offsets: OffsetToCommit[]): void {
    this.options.logger.debug("committed", { reason, offsets });
    this.options.events.emit(RuntimeEvents.COMMITTED, { connection: this.options.connection, offsets });
  }
}
