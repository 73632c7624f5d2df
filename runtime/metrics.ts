// Metrics: a plain-data snapshot of every connection, topic and owned partition.

/** Lifecycle of one connection's Kafka consumer. */
/** `waiting`: none of the connection's topics exists; it checks for them every `missingTopicCheckMs`. */
export type ConnectionState =
  "starting" | "running" | "rebalancing" | "restarting" | "waiting" | "stopping" | "stopped" | "crashed";

/** Handler durations in milliseconds, over every attempt (failed ones included). */
export interface LatencySnapshot {
  readonly count: number;
  readonly mean: number;
  readonly max: number;
}

/** Per-topic counters of one connection. */
export interface TopicMetrics {
  readonly topic: string;
  readonly messageType: string;
  /** Records waiting in the buffer (not counting the ones being handled). */
  readonly buffered: number;
  readonly capacity: number;
  /**
   * The most records the buffer held at any time since start. Under ApplyBackpressure and in the drop
   * modes it never exceeds `capacity`.
   */
  readonly peakBuffered: number;
  /** Records taken from the buffer whose handler (or retry backoff) is running. At most `concurrency`. */
  readonly inFlight: number;
  /**
   * Exactly-once topics: records handled whose transaction has not committed yet (held with their output until it
   * does, see docs/runtime.md, "Exactly-once handlers"). 0 for other topics.
   */
  readonly inTransaction: number;
  /** Handler calls allowed at once (records of one partition never run at the same time). */
  readonly concurrency: number;
  /** Fetching paused by backpressure. */
  readonly paused: boolean;
  /** The topic does not exist on the cluster: not subscribed, checked for periodically (see `topicMissing`). */
  readonly missing: boolean;
  /** Records handled successfully. */
  readonly handled: number;
  /** Records discarded by a full buffer in a drop mode. */
  readonly dropped: number;
  /** Failed handler attempts plus records that could not be decoded. */
  readonly errors: number;
  /** Failed attempts to fetch a writer schema from an unreachable registry (each one made a record wait). */
  readonly registryUnavailable: number;
  /** Records waiting right now for an unreachable registry. */
  readonly waitingForRegistry: number;
  /** Retries scheduled after a failed handler attempt. */
  readonly retries: number;
  /** Records written to the dead-letter topic (acknowledged). */
  readonly deadLettered: number;
  /** Failed attempts to write a dead letter (each made the record's partition wait). */
  readonly deadLetterFailures: number;
  /** Partitions stopped right now by a record given up with nowhere to go. */
  readonly stoppedPartitions: number;
  /** Partitions whose failed record waits right now for its next attempt (a handler retry or a dead-letter write). */
  readonly waitingForRetry: number;
  readonly handlerLatencyMs: LatencySnapshot;
}

/** Position and lag of one owned partition. Offsets are `null` until known. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** Last offset committed by this runtime. */
  readonly committed: number | null;
  /** What would be committed now (earliest unhandled accepted record, else `position`). */
  readonly committable: number | null;
  /** Next offset to fetch (after the last accepted record). */
  readonly position: number | null;
  /** High watermark seen in the last fetched batch. */
  readonly highWatermark: number | null;
  /** `highWatermark - committable`: records not handled yet, buffered ones included. */
  readonly lag: number | null;
}

/** What is known about a consumer crash. */
export interface CrashInfo {
  /** When it crashed (epoch ms). */
  readonly at: number;
  /** The error's message. */
  readonly error: string;
  /** `false` when the connection gave up (state `crashed`). */
  readonly restarting: boolean;
}

/** One connection (one Kafka consumer). */
export interface ConnectionMetrics {
  readonly name: string;
  readonly kind: "shared" | "exclusive";
  readonly groupId: string;
  readonly state: ConnectionState;
  /** How often the consumer was restarted after a crash (by kafkajs or by the runtime). */
  readonly restarts: number;
  /** The last crash of the consumer, or `null` if it never crashed. */
  readonly lastCrash: CrashInfo | null;
  /** When the runtime will try the next restart (epoch ms), while state is `restarting` and it scheduled one. */
  readonly nextRestartAt: number | null;
  /** Topics of the connection that do not exist on the cluster now (not subscribed; checked for periodically). */
  readonly missingTopics: readonly string[];
  /** How often a topic of the connection was found missing since start (each was a `topicMissing` event). */
  readonly topicsFoundMissing: number;
  readonly topics: readonly TopicMetrics[];
  readonly lag: readonly PartitionLag[];
}

/** Everything {@link ConsumerRuntime.metrics} returns. Plain data: safe to serialise. */
export interface MetricsSnapshot {
  readonly connections: readonly ConnectionMetrics[];
  readonly connectionCount: number;
}

/** Running count / mean / max of durations; O(1) memory. */
export class LatencyStats {
  private count = 0;
  private total = 0;
  private max = 0;

  /** Adds one duration in milliseconds. */
  record(ms: number): void {
    this.count++;
    this.total += ms;
    if (ms > this.max) this.max = ms;
  }

  /** The current values. */
  snapshot(): LatencySnapshot {
    return { count: this.count, mean: this.count === 0 ? 0 : this.total / this.count, max: this.max };
  }
}
