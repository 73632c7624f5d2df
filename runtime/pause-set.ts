// PauseSet: what a connection paused for backpressure, and the only place that says so. The client's
// own pause state is lost or wrong across rejoins and restarts (pitfall 4), so this set is the truth:
// it is re-applied after every group join, and a channel's metrics read it from here.

import type { RuntimeLogger } from "./logger.js";

/** A topic, or some of its partitions, as the client's pause()/resume() take them. */
export interface PausedTopic {
  readonly topic: string;
  /** Absent: every partition of the topic. */
  readonly partitions?: number[];
}

/** The part of a group member that pausing uses. Both calls throw while the member is not running. */
export interface PausePort {
  pause(topics: PausedTopic[]): void;
  resume(topics: PausedTopic[]): void;
}

/** The partition number that stands for every partition of a topic (a topic-level pause). */
export const WHOLE_TOPIC = -1;

/**
 * Why a partition is paused: its topic's buffer is full (`backpressure`), or one of its records waits for a retry,
 * a dead-letter write, or was given up with nowhere to go (`failure`, see topic-channel.ts). A partition paused for
 * both reasons resumes only when neither holds.
 */
export type PauseReason = "backpressure" | "failure";

/**
 * The partitions a connection paused, each with its reason. Pausing and resuming go through here; the
 * member's own pause()/resume() are called as a side effect, and a failure there (the member is not
 * running: a restart or rejoin is in progress) is harmless because {@link reapply} runs after the
 * next join.
 */
export class PauseSet {
  /** topic → partition → reasons (never empty). */
  private readonly paused = new Map<string, Map<number, Set<PauseReason>>>();

  /**
   * @param member the current group member, or `undefined` when there is none.
   * @param logger where deferred pauses/resumes are logged (debug).
   */
  constructor(
    private readonly member: () => PausePort | undefined,
    private readonly logger: RuntimeLogger,
  ) {}

  /**
   * Pauses one partition ({@link WHOLE_TOPIC}: the whole topic) for `reason`. Returns `true` when no partition of
   * the topic was paused for that reason before (for the `paused` event).
   */
  pause(topic: string, partition: number, reason: PauseReason = "backpressure"): boolean {
    let partitions = this.paused.get(topic);
    const first = !this.anyFor(topic, reason);
    const reasons = partitions?.get(partition);
    if (reasons) {
      if (reasons.has(reason)) return false;
      reasons.add(reason);
      return first;
    }
    if (!partitions) this.paused.set(topic, (partitions = new Map()));
    partitions.set(partition, new Set([reason]));
    this.call("pause", [target(topic, partition)]);
    return first;
  }

  /**
   * Ends one reason of a partition's pause; the partition resumes when no reason is left. `fetch: false` only
   * forgets it (the member stays paused, e.g. while stopping). Returns `true` when it was the topic's last paused
   * partition (for the `resumed` event).
   */
  resume(topic: string, partition: number, fetch = true, reason: PauseReason = "backpressure"): boolean {
    const partitions = this.paused.get(topic);
    const reasons = partitions?.get(partition);
    if (!partitions || !reasons?.delete(reason)) return false;
    if (reasons.size === 0) {
      partitions.delete(partition);
      if (partitions.size === 0) this.paused.delete(topic);
      if (fetch) this.call("resume", [target(topic, partition)]);
    }
    return !this.anyFor(topic, reason);
  }

  /** Whether some partition of `topic` is paused for `reason`. */
  private anyFor(topic: string, reason: PauseReason): boolean {
    for (const reasons of this.paused.get(topic)?.values() ?? []) if (reasons.has(reason)) return true;
    return false;
  }

  /** Whether `topic`'s `partition` is paused (itself, or by a whole-topic pause). */
  isPaused(topic: string, partition: number): boolean {
    const partitions = this.paused.get(topic);
    return partitions !== undefined && (partitions.has(partition) || partitions.has(WHOLE_TOPIC));
  }

  /** Whether `topic`'s `partition` is paused for `reason` (itself, not by a whole-topic pause). */
  isPausedFor(topic: string, partition: number, reason: PauseReason): boolean {
    return this.paused.get(topic)?.get(partition)?.has(reason) ?? false;
  }

  /** Whether any partition of `topic` is paused. */
  isTopicPaused(topic: string): boolean {
    return (this.paused.get(topic)?.size ?? 0) > 0;
  }

  /** The paused partitions of `topic`, ascending ({@link WHOLE_TOPIC} first if the whole topic is). */
  pausedPartitions(topic: string): number[] {
    return [...(this.paused.get(topic)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /** Every paused topic and its partitions, as the member's pause() takes them. */
  entries(): PausedTopic[] {
    return [...this.paused.keys()].map((topic) => {
      const partitions = this.pausedPartitions(topic);
      return partitions[0] === WHOLE_TOPIC ? { topic } : { topic, partitions };
    });
  }

  /**
   * Forgets paused partitions that are no longer assigned, and resumes them on the member: the
   * client keeps its own pause state per partition across assignments, so a partition assigned back
   * later would otherwise stay paused with nothing buffered to resume it.
   */
  retainAssigned(assignment: Readonly<Record<string, readonly number[]>>): void {
    const dropped: PausedTopic[] = [];
    for (const [topic, partitions] of this.paused) {
      const assigned = new Set(assignment[topic] ?? []);
      const gone = [...partitions.keys()].filter((partition) => partition !== WHOLE_TOPIC && !assigned.has(partition));
      for (const partition of gone) partitions.delete(partition);
      if (gone.length > 0) dropped.push({ topic, partitions: gone });
      if (partitions.size === 0) this.paused.delete(topic);
    }
    if (dropped.length > 0) this.call("resume", dropped);
  }

  /** Forgets every paused partition (the member left the group: nothing is assigned any more). */
  clear(): void {
    this.paused.clear();
  }

  /**
   * After a group join: pauses the member again on everything in the set, or on `everything` (the
   * connection's topics) while stopping.
   */
  reapply(everything?: readonly string[]): void {
    const topics: PausedTopic[] = everything ? everything.map((topic) => ({ topic })) : this.entries();
    if (topics.length === 0) return;
    this.call("pause", topics, "could not re-apply paused partitions after joining");
  }

  private call(what: "pause" | "resume", topics: PausedTopic[], failure?: string): void {
    try {
      this.member()?.[what](topics);
    } catch (error) {
      // Not running (restart in progress): the pause set is re-applied on the next group join.
      if (failure) this.logger.warn(failure, { topics, error });
      else this.logger.debug(`${what} deferred to the next group join`, { topics, error });
    }
  }
}

function target(topic: string, partition: number): PausedTopic {
  return partition === WHOLE_TOPIC ? { topic } : { topic, partitions: [partition] };
}
