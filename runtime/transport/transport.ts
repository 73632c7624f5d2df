// The transport seam: everything the runtime needs from a Kafka client, and nothing else. The
// runtime's parts (Connection, FetchRouter, PauseSet, Committer, ConsumerReplacement) talk only to
// these interfaces; runtime/transport/kafkajs.ts implements them over kafkajs, runtime/transport/platformatic.ts
// over @platformatic/kafka (chosen per connection, runtime/transport/clients.ts). See docs/runtime.md,
// "The transport seam".

import type { NewTopic } from "../topic-provisioning.js";
import type { SettingsShape } from "../settings-declaration.js";
import type { ConnectionSettings } from "../types.js";
import type { RuntimeLogger } from "../logger.js";
import type { CommitPort } from "../committer.js";
import type { PausePort } from "../pause-set.js";
import type { FetchedBatch, RecordHeaders } from "./records.js";

export type { FetchedBatch, FetchedRecord, RecordHeaders } from "./records.js";
export type { OffsetToCommit } from "../committer.js";
export type { PausedTopic } from "../pause-set.js";

/** Partitions per topic, as a group assigns them to a member. */
export type Assignment = Readonly<Record<string, number[]>>;

/**
 * What a group member tells its connection. The transport calls these synchronously from its own
 * join/fetch code, before it fetches again, so what the connection does in them (purging revoked
 * partitions, re-applying pauses) is in place before the next batch.
 */
export interface MemberListener {
  /** The member joined its group (first join, after a rebalance, after a restart) with this assignment. */
  assigned(assignment: Assignment): void;
  /** A rebalance started: the partitions are still owned until the next {@link assigned}. */
  rebalancing(): void;
  /**
   * The rebalance announced by {@link rebalancing} will not come: the member gave up its rejoin and fetches again with
   * the partitions it had (kafkajs does when the coordinator answers the JoinGroup with an error it does not retry
   * there, such as "the coordinator is loading" after a broker stall). No {@link assigned} follows.
   */
  rebalanceAbandoned(): void;
  /**
   * The member crashed and left the group. `restarting`: the client restarts it itself; otherwise
   * the connection decides (restart with backoff, or fail).
   */
  crashed(error: unknown, restarting: boolean): void;
  /** A fetch response arrived; its batches follow. */
  fetched(): void;
  /** The client reset a partition's position because its offset was out of range. */
  offsetReset(topic: string, partition: number): void;
  /** One partition's fetched records. Returns without waiting for handlers (see FetchRouter). */
  batch(batch: FetchedBatch): Promise<void>;
}

/**
 * One consumer group member. Fetching is manual-offset only: nothing is committed unless
 * {@link CommitPort.commit} is called, and a batch's position moves only by `FetchedBatch.resolve`.
 * `pause`/`resume` are per partition and throw while the member is not running.
 */
export interface GroupMember extends PausePort, CommitPort {
  /** Connects to the cluster. Rejects when no broker can be reached. */
  connect(): Promise<void>;
  /** Subscribes to `topics`, starting at the earliest or latest offset where the group has none. Rejects on a missing topic. */
  subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void>;
  /** Joins the group and starts fetching; resolves after the first join, or after a crash reported to the listener. */
  run(): Promise<void>;
  /**
   * Restarts a member that crashed and was not restarted by the client: disconnect, connect, and
   * (unless `proceed()` says no by then, e.g. the connection is stopping) run again.
   */
  restart(proceed: () => boolean): Promise<void>;
  /** Leaves the group and closes the member's connections. The listener keeps being called until {@link detach}. */
  disconnect(): Promise<void>;
  /** Stops calling the listener, for good. */
  detach(): void;
}

/** One record to produce. */
export interface OutgoingRecord {
  readonly key?: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers?: RecordHeaders;
  /** Absent: the client's partitioner chooses. */
  readonly partition?: number;
  /** Epoch milliseconds in decimal; absent: the time of sending. */
  readonly timestamp?: string;
}

/**
 * How a producer writes (a topic's `producer { }` settings, resolved; runtime/settings-declaration.ts). Absent:
 * idempotent, acks = all, no compression. `autoRegister` is the encoder's (see encoders.ts), not the client's.
 */
export type ProducerSettings = Readonly<Omit<SettingsShape<"producer", "runtime">, "autoRegister">>;

/** Produces records (for dead letters and producers). */
export interface TransportProducer {
  connect(): Promise<void>;
  /** Sends records to one topic, acknowledged as its settings say (default: every in-sync replica). Rejects when they were not written. */
  send(topic: string, records: readonly OutgoingRecord[]): Promise<void>;
  disconnect(): Promise<void>;
}

/** One record to produce within a transaction: an {@link OutgoingRecord} and its topic. */
export interface ProducedRecord extends OutgoingRecord {
  readonly topic: string;
}

/** The consumed position a transaction commits for a group: the next record the group reads on that partition. */
export interface TransactionOffsets {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  /** Kafka's int64 in decimal: the handled record's offset + 1. */
  readonly offset: string;
}

/**
 * A transactional producer (one transactional id) for exactly-once handlers (runtime/exactly-once.ts). One
 * transaction at a time. Connecting registers the transactional id with its coordinator (InitProducerId), which
 * fences every older producer of the same id and finishes its open transaction (aborted, or committed when its
 * commit had begun); runtime/exactly-once.ts relies on that after a failed commit.
 */
export interface TransactionalProducer {
  connect(): Promise<void>;
  /**
   * In one transaction: sends `records` and commits `offsets` for their group, then commits the transaction.
   * Rejects when it did not commit; it then tried to abort, and this producer must not be used again (disconnect it).
   */
  commitTransaction(records: readonly ProducedRecord[], offsets: TransactionOffsets): Promise<void>;
  disconnect(): Promise<void>;
}

/** The cluster questions behind topic existence, lag and readiness. */
export interface TransportAdmin {
  /** The names among `topics` that exist on the cluster now. Rejects when the cluster cannot be asked. */
  existingTopics(topics: readonly string[]): Promise<ReadonlySet<string>>;
  /** Each partition's end offset (the next offset to be written), in decimal. */
  endOffsets(topic: string): Promise<Map<number, string>>;
  /** The group's committed offset per partition of `topic` (absent: none committed), in decimal. */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, string>>;
  /**
   * Creates `topics` and waits until their partitions have leaders. A topic that exists by then (another process
   * created it first) is not an error. Rejects with the broker's reasons otherwise.
   */
  createTopics(topics: readonly NewTopic[]): Promise<void>;
  /** Releases the admin connection. */
  close(): Promise<void>;
}

/** A Kafka client behind the runtime. */
export interface Transport {
  /** The client's name, for logs and errors (`"kafkajs"`, `"platformatic"`). */
  readonly client: string;
  /**
   * Loads what the client needs before any connection starts (platformatic: the optional peer
   * dependency). Rejects with a clear error when the client cannot run here. Absent: nothing to load.
   */
  prepare?(): Promise<void>;
  /** Creates a group member for one connection with these (resolved) settings; `logger` gets what the listener threw. */
  createMember(settings: ConnectionSettings, listener: MemberListener, logger: RuntimeLogger): GroupMember;
  /** The admin client, created at the first use and shared. */
  admin(): TransportAdmin;
  /** Creates a producer; without settings: idempotent, acks = all, no compression. */
  createProducer(settings?: ProducerSettings): TransportProducer;
  /** Creates a transactional producer with this transactional id (exactly-once handlers). Absent: the client cannot. */
  createTransactionalProducer?(transactionalId: string): TransactionalProducer;
}
