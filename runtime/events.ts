// The runtime's events: names as constants (like kafkajs's `consumer.events`), one payload type per
// event, and a small typed emitter whose listeners can never break consumption.

import type { BackpressureMode } from "./types.js";
import type { DecodeError } from "./errors.js";
import type { RuntimeLogger } from "./logger.js";

/** Event names of {@link RuntimeEventEmitter}, e.g. `runtime.on(RuntimeEvents.HANDLER_ERROR, …)`. */
export const RuntimeEvents = {
  /** A handler threw; the record is retried after a backoff, dead-lettered, or its partition stops (`next`). */
  HANDLER_ERROR: "handlerError",
  /** A record could not be decoded (poison record); `action` says what happens to it (the topic's `onDecodeError`). */
  DECODE_ERROR: "decodeError",
  /** A record was written to its dead-letter topic (and acknowledged); its offset may now be committed. */
  DEAD_LETTERED: "deadLettered",
  /** Writing a record to its dead-letter topic failed; its partition waits and the write is tried again. */
  DEAD_LETTER_FAILED: "deadLetterFailed",
  /** A record was given up with nowhere to go: its partition stays paused, nothing after it is handled or committed. */
  PARTITION_STOPPED: "partitionStopped",
  /** A full buffer in a drop mode discarded a record. */
  DROPPED: "dropped",
  /** A topic's buffer filled up (ApplyBackpressure) and fetching from the topic was paused. */
  PAUSED: "paused",
  /** A paused topic's buffer drained and fetching resumed. */
  RESUMED: "resumed",
  /** Offsets were committed to Kafka. */
  COMMITTED: "committed",
  /** A Kafka consumer crashed. */
  CRASH: "crash",
  /** Kafka reset a partition's position (offset out of range, topic recreated). */
  OFFSET_RESET: "offsetReset",
  /** A handler call has been running longer than the connection's `maxPollIntervalMs`. */
  SLOW_HANDLER: "slowHandler",
  /** The group started rebalancing: handled offsets are committed and no new handler call starts until the join. */
  REBALANCING: "rebalancing",
  /** A record's writer schema could not be fetched: its partition waits and retries (nothing is skipped). */
  REGISTRY_UNAVAILABLE: "registryUnavailable",
  /** The consumer joined its group (first start, after a rebalance or a restart) with this assignment. */
  GROUP_JOIN: "groupJoin",
  /** A topic of the connection does not exist (at start, or deleted while consumed); its partitions are dropped. */
  TOPIC_MISSING: "topicMissing",
  /** A missing topic exists again; the connection subscribes to it again (a rejoin of its group). */
  TOPIC_RETURNED: "topicReturned",
  /** A handler attempt ended (success or failure), with its duration: what latency histograms are built from. */
  HANDLER_ATTEMPT: "handlerAttempt",
} as const;

/** One of the values of {@link RuntimeEvents}. */
export type RuntimeEventName = (typeof RuntimeEvents)[keyof typeof RuntimeEvents];

/** Payload of `handlerError`. */
export interface HandlerErrorEvent {
  readonly connection: string;
  readonly topic: string;
  readonly partition: number;
  /** Kafka's int64 offset in decimal. */
  readonly offset: string;
  readonly error: unknown;
  /** 1 for the first failure of this record, then 2, 3, … */
  readonly attempt: number;
  /** How long the runtime waits before the next attempt (0 when there is none). */
  readonly retryInMs: number;
  /** What happens next: another attempt, the dead-letter topic, or the partition stops (no attempt and no dead-letter topic left). */
  readonly next: "retry" | "deadLetter" | "stop";
}

/** Payload of `deadLettered`. */
export interface DeadLetteredEvent {
  readonly connection: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly deadLetterTopic: string;
  /** Handler calls the record got (0: it could not be decoded). */
  readonly attempts: number;
  readonly error: unknown;
}

/** Payload of `deadLetterFailed`. The record stays uncommitted; its partition waits `retryInMs` and tries again. */
export interface DeadLetterFailedEvent {
  readonly connection: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly deadLetterTopic: string;
  /** Why the write failed (missing topic, not authorised, broker down, …). */
  readonly error: unknown;
  /** 1 for the first failed write of this record, then 2, 3, … */
  readonly failures: number;
  readonly retryInMs: number;
}

/** Payload of `partitionStopped`. The partition resumes only when it is assigned again (rebalance, restart). */
export interface PartitionStoppedEvent {
  readonly connection: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** `attempts`: the handler failed every attempt; `decodeError`: the record cannot be decoded (`onDecodeError = stop`). */
  readonly reason: "attempts" | "decodeError";
  readonly error: unknown;
}

/** Payload of `decodeError`. */
export interface DecodeErrorEvent {
  readonly connection: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly error: DecodeError;
  /** What happens to the record: written to the dead-letter topic, skipped (committed past, lost), or its partition stops. */
  readonly action: "deadLetter" | "skip" | "stop";
}

/** Payload of `registryUnavailable`. The record is retried after `retryInMs`; its partition waits. */
export interface RegistryUnavailableEvent {
  readonly connection: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly error: Error;
  /** 1 for the first failed attempt of this record, then 2, 3, … */
  readonly attempt: number;
  readonly retryInMs: number;
}

/** Payload of `dropped`. */
export interface DroppedEvent {
  readonly connection: string;
  readonly topic: string;
  readonly partition: number;
  /** Offset of the record that was discarded (the evicted one for DropOldestMessage). */
  readonly offset: string;
  readonly mode: Exclude<BackpressureMode, "ApplyBackpressure">;
}

/** Payload of `paused` and `resumed`. */
export interface TopicFlowEvent {
  readonly connection: string;
  readonly topic: string;
}

/** One committed position: the offset of the next record the group will read. */
export interface CommittedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** Payload of `committed`. */
export interface CommittedEvent {
  readonly connection: string;
  readonly offsets: readonly CommittedOffset[];
}

/** Payload of `crash`. */
export interface CrashEvent {
  readonly connection: string;
  readonly error: unknown;
  /** `true` when kafkajs or the runtime will restart the consumer; `false` when the connection gave up. */
  readonly restarting: boolean;
}

/** Payload of `offsetReset`. */
export interface OffsetResetEvent {
  readonly connection: string;
  readonly topic: string;
  readonly partition: number;
  /** Where the runtime expected to read next, if it knew. */
  readonly expectedOffset: string | undefined;
  /** Where Kafka actually continued. */
  readonly fetchedOffset: string | undefined;
  /** What told the runtime: kafkajs's log line, or a fetch position before the last commit. */
  readonly detectedBy: "kafkajs" | "fetchPosition";
  /**
   * The records the reset jumped over, when it moved forward (e.g. retention deleted them before
   * they were fetched): offsets `from` (inclusive, where the runtime expected to read next; every
   * record below it was handled or is still buffered) to `to` (exclusive, where Kafka continued).
   * They were never handled and are not in Kafka any more. Absent when the reset moved backwards
   * (records are read again) or a position is unknown.
   */
  readonly skipped?: { readonly from: string; readonly to: string; readonly count: number };
}

/** Payload of `slowHandler`. Emitted once per handler attempt; the call is not interrupted. */
export interface SlowHandlerEvent {
  readonly connection: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** How long the attempt has been running when it was reported, in milliseconds. */
  readonly elapsedMs: number;
  /** The connection's `maxPollIntervalMs`. */
  readonly limitMs: number;
}

/** Payload of `rebalancing`. */
export interface RebalancingEvent {
  readonly connection: string;
}

/** One topic-partition. */
export interface TopicPartitionRef {
  readonly topic: string;
  readonly partition: number;
}

/** Payload of `groupJoin`. */
export interface GroupJoinEvent {
  readonly connection: string;
  readonly groupId: string;
  /** Partitions assigned to this member now, by topic. */
  readonly assignment: Readonly<Record<string, readonly number[]>>;
  /** Partitions this member owned before the join and no longer owns (their queued records were discarded). */
  readonly revoked: readonly TopicPartitionRef[];
}

/** Payload type of each runtime event. */
export interface RuntimeEventMap {
  handlerError: HandlerErrorEvent;
  decodeError: DecodeErrorEvent;
  deadLettered: DeadLetteredEvent;
  deadLetterFailed: DeadLetterFailedEvent;
  partitionStopped: PartitionStoppedEvent;
  registryUnavailable: RegistryUnavailableEvent;
  dropped: DroppedEvent;
  paused: TopicFlowEvent;
  resumed: TopicFlowEvent;
  committed: CommittedEvent;
  crash: CrashEvent;
  offsetReset: OffsetResetEvent;
  slowHandler: SlowHandlerEvent;
  rebalancing: RebalancingEvent;
  groupJoin: GroupJoinEvent;
  topicMissing: TopicMissingEvent;
  topicReturned: TopicReturnedEvent;
  handlerAttempt: HandlerAttemptEvent;
}

/**
 * Payload of `handlerAttempt`: one handler call ended. Emitted only while someone listens (the
 * exporters do), so a runtime without exporters builds no payloads.
 */
export interface HandlerAttemptEvent {
  readonly connection: string;
  readonly topic: string;
  readonly partition: number;
  /** How long the handler call took, in milliseconds. */
  readonly durationMs: number;
  /** `undefined` when the handler returned; what it threw otherwise (the record will be retried). */
  readonly error: unknown;
  /** Whether the handler threw (a handler may throw `undefined`). */
  readonly failed: boolean;
}

/** Payload of `topicMissing`. */
export interface TopicMissingEvent {
  readonly connection: string;
  readonly topic: string;
  /** `"start"`: it did not exist when the connection started; `"running"`: it disappeared while consumed. */
  readonly when: "start" | "running";
  /**
   * `true`: the other topics go on, and the connection looks for this one every `checkIntervalMs` and
   * consumes it again once it exists (nothing to do but create it). `false`: `start()` fails
   * (`missingTopics = fail`): create the topic, or set `missingTopics = wait`.
   */
  readonly waiting: boolean;
  /** How often the connection checks whether the topic exists again. */
  readonly checkIntervalMs: number;
}

/** Payload of `topicReturned`. */
export interface TopicReturnedEvent {
  readonly connection: string;
  readonly topic: string;
  /** How long the topic was missing, as far as the connection saw. */
  readonly missingForMs: number;
}

/** A listener of event `E`. */
export type RuntimeListener<E extends RuntimeEventName> = (payload: RuntimeEventMap[E]) => void;

/**
 * A typed, synchronous event emitter. A listener that throws is logged and skipped: observability
 * code must never stop a consumer.
 */
export class RuntimeEventEmitter {
  private readonly listeners = new Map<RuntimeEventName, Set<(payload: never) => void>>();

  /** @param logger where listener failures are reported. */
  constructor(private readonly logger: RuntimeLogger) {}

  /** Adds a listener; returns a function that removes it. */
  on<E extends RuntimeEventName>(event: E, listener: RuntimeListener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  /** Removes a listener added with {@link on}. */
  off<E extends RuntimeEventName>(event: E, listener: RuntimeListener<E>): void {
    this.listeners.get(event)?.delete(listener);
  }

  /** Number of listeners of `event`. */
  listenerCount(event: RuntimeEventName): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  /** Calls every listener of `event` with `payload`, in the order they were added. */
  emit<E extends RuntimeEventName>(event: E, payload: RuntimeEventMap[E]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set] as RuntimeListener<E>[]) {
      try {
        listener(payload);
      } catch (error) {
        this.logger.error(`a "${event}" listener threw`, { error });
      }
    }
  }
}
