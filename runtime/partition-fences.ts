// PartitionFences: an exactly-once topic's partitions wait, from the first batch of each new owner, until the
// partition's transactional id is registered anew and the group's committed offset read after that registration
// (TransactionalOutput.fence; runtime/exactly-once.ts says which race this order closes). Then the tracker starts at
// that offset: records below it were committed by the previous owner and are skipped, never handled again.
//
// Race: the client fetched from the offset it read at the join, which may be older than the previous owner's last
// transaction. Nothing of the partition is handled (TopicChannel.waits) or committed (PartitionOffsets.fencePending,
// which the Committer skips: committing the older offset would move the group back) until the fence is up; a record
// fetched from below the fence's offset is done without a handler call (TopicChannel.process). A partition revoked
// while its fence runs keeps nothing of it: the fence belongs to its tracker, and a revoked tracker's fence is
// forgotten when it completes.

import { backoffDelay, type BackoffSettings } from "./backoff.js";
import type { TransactionalOutput } from "./exactly-once.js";
import type { RuntimeLogger } from "./logger.js";
import { parseOffset, type PartitionOffsets } from "./offset-tracker.js";

/** Waits between two attempts of a failed fence (the broker or its transaction coordinator unreachable). */
const FENCE_RETRY: BackoffSettings = { initialDelayMs: 200, maxDelayMs: 10_000 };

/** Construction parameters of {@link PartitionFences}. */
export interface PartitionFencesOptions {
  readonly output: Pick<TransactionalOutput, "fence">;
  readonly groupId: string;
  readonly topic: string;
  readonly logger: RuntimeLogger;
  /** The fence of `offsets` is up (its tracker starts at the group's offset): the partition's records may go on. */
  readonly fenced: (offsets: PartitionOffsets) => void;
  /** Waits between attempts (default 200 ms doubling to 10 s). */
  readonly retry?: BackoffSettings;
}

interface Fence {
  readonly offsets: PartitionOffsets;
  up: boolean;
  attempts: number;
  timer: NodeJS.Timeout | undefined;
}

/** The fences of one exactly-once topic's partitions, one per owned tracker. */
export class PartitionFences {
  private readonly fences = new Map<number, Fence>();
  private stopped = false;

  /** @param options see {@link PartitionFencesOptions}. */
  constructor(private readonly options: PartitionFencesOptions) {}

  /**
   * Fences the partition of `offsets` unless this tracker was fenced already; `again`: fence it anyway (a tracker
   * kept through a crash of the member and restored: another member may have owned the partition meanwhile).
   * Called synchronously when the tracker meets a batch, before any of its records is buffered.
   */
  claim(offsets: PartitionOffsets, again = false): void {
    if (this.stopped) return;
    const current = this.fences.get(offsets.partition);
    if (current?.offsets === offsets && !again) return;
    if (current) clearTimeout(current.timer);
    const fence: Fence = { offsets, up: false, attempts: 0, timer: undefined };
    this.fences.set(offsets.partition, fence);
    offsets.fencePending = true;
    offsets.transactional = true;
    this.attempt(fence);
  }

  /** Whether `partition`'s records wait for its fence. */
  pending(partition: number): boolean {
    const fence = this.fences.get(partition);
    return fence !== undefined && !fence.up;
  }

  /** Whether some partition's records wait for its fence. */
  anyPending(): boolean {
    for (const fence of this.fences.values()) if (!fence.up) return true;
    return false;
  }

  /** Ends every retry wait; fences completing after this change nothing. */
  stop(): void {
    this.stopped = true;
    for (const fence of this.fences.values()) clearTimeout(fence.timer);
  }

  private attempt(fence: Fence): void {
    fence.timer = undefined;
    const { groupId, topic } = this.options;
    const partition = fence.offsets.partition;
    this.options.output.fence({ groupId, topic, partition }).then(
      (offset) => {
        if (!this.isCurrent(fence)) return;
        fence.up = true;
        fence.offsets.fenced(offset === undefined ? undefined : parseOffset(offset));
        this.options.fenced(fence.offsets);
      },
      (error: unknown) => {
        if (!this.isCurrent(fence)) return;
        fence.attempts++;
        const retryInMs = backoffDelay(this.options.retry ?? FENCE_RETRY, fence.attempts);
        this.options.logger.warn("could not register the transactional id of a partition; its records wait", {
          topic,
          partition,
          attempt: fence.attempts,
          retryInMs,
          error,
        });
        fence.timer = setTimeout(() => this.attempt(fence), retryInMs);
      },
    );
  }

  private isCurrent(fence: Fence): boolean {
    return !this.stopped && !fence.offsets.revoked && this.fences.get(fence.offsets.partition) === fence;
  }
}
