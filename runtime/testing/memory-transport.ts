// The in-memory Transport of kefgen/testing: the runtime's seam (runtime/transport/transport.ts) over a
// MemoryCluster, so the real ConsumerRuntime — its buffers, backpressure, retries, dead letters and commits — runs
// without a broker. One member per connection owns every partition of its topics (no rebalances); its fetch loop
// hands each partition's new records to the runtime as kafkajs would: one batch at a time, from the resolved offset.

import type { ConnectionSettings } from "../types.js";
import type { RuntimeLogger } from "../logger.js";
import type { NewTopic } from "../topic-provisioning.js";
import type {
  Assignment,
  GroupMember,
  MemberListener,
  OffsetToCommit,
  OutgoingRecord,
  PausedTopic,
  ProducedRecord,
  TransactionalProducer,
  TransactionOffsets,
  Transport,
  TransportAdmin,
  TransportProducer,
} from "../transport/transport.js";
import type { MemoryCluster } from "./memory-cluster.js";

/** Most records one fetched batch holds (kafkajs's default fetch size holds about this many small records). */
const MAX_BATCH_RECORDS = 500;
/**
 * When a fetch pass delivered nothing new (e.g. the router left a batch unresolved without pausing, waiting for room),
 * the loop fetches again after this long, or at once when the cluster or the member's pauses change.
 */
const REFETCH_MS = 5;

/** The in-memory {@link Transport} over `cluster`. Every member it creates is listed in {@link MemoryTransport.members}. */
export interface MemoryTransport extends Transport {
  readonly members: readonly MemoryMember[];
}

/** Creates the in-memory transport of `cluster`. */
export function memoryTransport(cluster: MemoryCluster): MemoryTransport {
  const members: MemoryMember[] = [];
  const admin = new MemoryAdmin(cluster);
  return {
    client: "memory",
    members,
    createMember(settings, listener, logger) {
      const member = new MemoryMember(cluster, settings, listener, logger);
      members.push(member);
      return member;
    },
    admin: () => admin,
    createProducer: () => new MemoryProducer(cluster),
    createTransactionalProducer: () => new MemoryTransactionalProducer(cluster),
  };
}

/** A group member alone in its group: it is assigned every partition of the topics it subscribed to. */
export class MemoryMember implements GroupMember {
  private topics: readonly string[] = [];
  private fromBeginning = true;
  private running = false;
  private detached = false;
  /** The next offset to fetch per "topic|partition" (kafkajs's resolved offset). */
  private readonly positions = new Map<string, number>();
  /** Paused partitions ("topic|partition", or "topic|*" for a whole topic). */
  private readonly paused = new Set<string>();
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private unwatch: (() => void) | undefined;
  /** Whether a batch is being handed to the runtime right now. */
  private delivering = false;

  constructor(
    private readonly cluster: MemoryCluster,
    readonly settings: ConnectionSettings,
    private readonly listener: MemberListener,
    private readonly logger: RuntimeLogger,
  ) {}

  async connect(): Promise<void> {}

  async subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void> {
    for (const topic of topics) this.cluster.createTopic(topic);
    this.topics = [...topics];
    this.fromBeginning = fromBeginning;
  }

  /** Joins (the listener hears the assignment before any batch) and starts the fetch loop. */
  async run(): Promise<void> {
    this.positions.clear();
    this.running = true;
    const assignment: Record<string, number[]> = {};
    for (const topic of this.topics)
      assignment[topic] = Array.from({ length: this.cluster.partitions(topic) }, (_, p) => p);
    this.call(() => this.listener.assigned(assignment as Assignment));
    this.unwatch = this.cluster.watch(() => this.poke());
    this.loop = this.fetchLoop();
  }

  async restart(proceed: () => boolean): Promise<void> {
    await this.disconnect();
    if (proceed()) await this.run();
  }

  async disconnect(): Promise<void> {
    this.running = false;
    this.unwatch?.();
    this.poke();
    await this.loop;
  }

  detach(): void {
    this.detached = true;
  }

  pause(topics: PausedTopic[]): void {
    this.requireRunning();
    for (const t of topics) for (const p of t.partitions ?? ["*"]) this.paused.add(`${t.topic}|${p}`);
  }

  resume(topics: PausedTopic[]): void {
    this.requireRunning();
    for (const t of topics) for (const p of t.partitions ?? ["*"]) this.paused.delete(`${t.topic}|${p}`);
    this.poke();
  }

  async commit(offsets: OffsetToCommit[]): Promise<void> {
    this.requireRunning();
    this.cluster.commit(this.settings.groupId, offsets);
  }

  /**
   * Whether the member has nothing to hand over: it is not delivering a batch, and every partition is paused or
   * fetched up to its end.
   */
  get caughtUp(): boolean {
    if (this.delivering) return false;
    if (!this.running) return true;
    return this.partitions().every(
      ([topic, partition]) =>
        this.isPaused(topic, partition) || this.position(topic, partition) >= this.cluster.endOffset(topic, partition),
    );
  }

  private async fetchLoop(): Promise<void> {
    while (this.running) {
      let delivered = false;
      for (const [topic, partition] of this.partitions()) {
        if (!this.running) return;
        if (this.isPaused(topic, partition)) continue;
        const from = this.position(topic, partition);
        const records = this.cluster.read(topic, partition, from, MAX_BATCH_RECORDS);
        if (records.length === 0) continue;
        this.call(() => this.listener.fetched());
        const before = this.position(topic, partition);
        this.delivering = true;
        try {
          await this.listener.batch({
            topic,
            partition,
            records,
            fetchedOffset: String(from),
            highWatermark: String(this.cluster.endOffset(topic, partition)),
            resolve: (offset) => void this.positions.set(`${topic}|${partition}`, Number(offset) + 1),
            heartbeat: async () => {},
          });
        } catch (error) {
          this.logger.error("failed to handle a fetched batch", { topic, partition, error });
        } finally {
          this.delivering = false;
        }
        if (this.position(topic, partition) > before) delivered = true;
      }
      // Nothing moved: wait for a write, a commit or a resume (or a short while, for a batch that waits for room).
      if (!delivered && this.running) await this.nextPoke(REFETCH_MS);
    }
  }

  /** Every assigned partition. */
  private partitions(): [string, number][] {
    return this.topics.flatMap((topic) =>
      Array.from({ length: this.cluster.partitions(topic) }, (_, p): [string, number] => [topic, p]),
    );
  }

  /** Like kafkajs: the resolved offset, else the group's committed one, else the start or the end of the log. */
  private position(topic: string, partition: number): number {
    const resolved = this.positions.get(`${topic}|${partition}`);
    if (resolved !== undefined) return resolved;
    const committed = this.cluster.committed(this.settings.groupId, topic, partition);
    return committed ?? (this.fromBeginning ? 0 : this.cluster.endOffset(topic, partition));
  }

  private isPaused(topic: string, partition: number): boolean {
    return this.paused.has(`${topic}|*`) || this.paused.has(`${topic}|${partition}`);
  }

  private requireRunning(): void {
    if (!this.running) throw new Error("the in-memory member is not running");
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private nextPoke(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.poke(), timeoutMs);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Calls the listener unless detached; like the kafkajs member, what it throws is logged, not propagated. */
  private call(body: () => void): void {
    if (this.detached) return;
    try {
      body();
    } catch (error) {
      this.logger.error("the connection's listener threw", { error });
    }
  }
}

/** Writes into the cluster; every send is acknowledged at once. */
class MemoryProducer implements TransportProducer {
  private connected = false;

  constructor(private readonly cluster: MemoryCluster) {}

  async connect(): Promise<void> {
    this.connected = true;
  }

  async send(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    if (!this.connected) throw new Error("the in-memory producer is not connected");
    this.cluster.append(topic, records);
  }

  async disconnect(): Promise<void> {
    this.connected = false;
  }
}

/**
 * Exactly-once handlers in memory: a transaction's records and offset are written in one synchronous step, so no one
 * sees half of it. Fencing is not modelled (a kit has one member per group).
 */
class MemoryTransactionalProducer implements TransactionalProducer {
  private connected = false;

  constructor(private readonly cluster: MemoryCluster) {}

  async connect(): Promise<void> {
    this.connected = true;
  }

  async commitTransaction(records: readonly ProducedRecord[], offsets: TransactionOffsets): Promise<void> {
    if (!this.connected) throw new Error("the in-memory transactional producer is not connected");
    // Checked before anything is written, so a failed transaction leaves nothing behind.
    for (const r of records) {
      if (r.partition !== undefined && (r.partition < 0 || r.partition >= this.cluster.partitions(r.topic))) {
        throw new RangeError(
          `topic "${r.topic}" has no partition ${r.partition} (it has ${this.cluster.partitions(r.topic)})`,
        );
      }
    }
    for (const record of records) this.cluster.append(record.topic, [record]);
    this.cluster.commit(offsets.groupId, [offsets]);
  }

  async disconnect(): Promise<void> {
    this.connected = false;
  }
}

/**
 * Answers from the cluster. Every topic exists: one it is asked about is created then, with one partition (a test
 * declares its topics by using them; TestKit.createTopic makes more partitions).
 */
class MemoryAdmin implements TransportAdmin {
  constructor(private readonly cluster: MemoryCluster) {}

  async existingTopics(topics: readonly string[]): Promise<ReadonlySet<string>> {
    for (const topic of topics) this.cluster.createTopic(topic);
    return new Set(topics);
  }

  async endOffsets(topic: string): Promise<Map<number, string>> {
    const count = this.cluster.partitions(topic);
    return new Map(Array.from({ length: count }, (_, p) => [p, String(this.cluster.endOffset(topic, p))]));
  }

  async committedOffsets(groupId: string, topic: string): Promise<Map<number, string>> {
    const result = new Map<number, string>();
    for (let p = 0; p < this.cluster.partitions(topic); p++) {
      const offset = this.cluster.committed(groupId, topic, p);
      if (offset !== undefined) result.set(p, String(offset));
    }
    return result;
  }

  async createTopics(topics: readonly NewTopic[]): Promise<void> {
    for (const t of topics) this.cluster.createTopic(t.topic, t.partitions ?? 1);
  }

  async close(): Promise<void> {}
}
