// Metrics: a plain-data snapshot of every connection, topic and owned partition.

/** Lifecycle of one connection's Kafka consumer. */
export type ConnectionState = "starting" | "running" | "rebalancing" | "restarting" | "stopping" | "stopped" | "crashed";

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
  /** Records waiting in the buffer (not counting the one being handled). */
  readonly buffered: number;
  readonly capacity: number;
  /** Fetching paused by backpressure. */
  readonly paused: boolean;
  /** Records handled successfully. */
  readonly handled: number;
  /** Records discarded by a full buffer in a drop mode. */
  readonly dropped: number;
  /** Failed handler attempts plus records that could not be decoded. */
  readonly errors: number;
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

/** One connection (one Kafka consumer). */
export interface ConnectionMetrics {
  readonly name: string;
  readonly kind: "shared" | "exclusive";
  readonly groupId: string;
  readonly state: ConnectionState;
  /** How often the consumer was restarted after a crash. */
  readonly restarts: number;
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
