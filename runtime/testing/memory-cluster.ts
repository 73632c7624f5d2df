// MemoryCluster: the broker side of kefgen/testing. Topics are logs per partition held in memory, groups keep
// committed offsets; nothing is ever deleted. It is the one owner of those facts: the members and producers of the
// in-memory transport (memory-transport.ts) read and write only through it.

import type { FetchedRecord, OutgoingRecord } from "../transport/transport.js";

/** One record written to the in-memory cluster, by a feed, a typed producer or a dead-letter write. */
export interface StoredRecord extends FetchedRecord {
  readonly topic: string;
  readonly partition: number;
}

/**
 * Kafka's topics and group offsets, in memory. A topic written or subscribed to before it was created is created
 * then, with one partition; {@link createTopic} makes more.
 */
export class MemoryCluster {
  /** topic → partition → log. */
  private readonly logs = new Map<string, StoredRecord[][]>();
  /** group → "topic|partition" → next offset to read. */
  private readonly commits = new Map<string, Map<string, number>>();
  private readonly watchers = new Set<() => void>();
  /** Round robin of records without key and partition, per topic. */
  private readonly nextPartition = new Map<string, number>();

  /** Creates `topic` with `partitions` partitions; an existing topic keeps its partitions. */
  createTopic(topic: string, partitions = 1): void {
    if (!Number.isInteger(partitions) || partitions < 1)
      throw new RangeError(`topic "${topic}": partitions must be a positive integer, got ${partitions}`);
    if (!this.logs.has(topic))
      this.logs.set(
        topic,
        Array.from({ length: partitions }, () => []),
      );
  }

  /** Whether `topic` exists. */
  hasTopic(topic: string): boolean {
    return this.logs.has(topic);
  }

  /** The number of partitions of `topic` (creating it with one). */
  partitions(topic: string): number {
    return this.partitionLogs(topic).length;
  }

  /**
   * Appends records to `topic` and returns them as stored. The partition is the record's own, else one chosen by the
   * key's bytes (a stable hash, not Kafka's murmur2), else round robin.
   */
  append(topic: string, records: readonly OutgoingRecord[]): StoredRecord[] {
    const logs = this.partitionLogs(topic);
    const stored = records.map((record) => {
      const partition = this.choosePartition(topic, logs.length, record);
      const log = logs[partition];
      if (!log) throw new RangeError(`topic "${topic}" has no partition ${partition} (it has ${logs.length})`);
      const entry: StoredRecord = {
        topic,
        partition,
        offset: String(log.length),
        key: record.key === undefined || record.key === null ? null : Buffer.from(record.key),
        value: record.value === null ? null : Buffer.from(record.value),
        timestamp: record.timestamp ?? String(Date.now()),
        headers: { ...record.headers },
      };
      log.push(entry);
      return entry;
    });
    this.notify();
    return stored;
  }

  /** Every record of `topic` (every partition, each in offset order), in the order they were written per partition. */
  records(topic: string): StoredRecord[] {
    return (this.logs.get(topic) ?? []).flat();
  }

  /** The records of one partition from `offset` on, at most `max`. */
  read(topic: string, partition: number, offset: number, max: number): StoredRecord[] {
    return (this.logs.get(topic)?.[partition] ?? []).slice(offset, offset + max);
  }

  /** The next offset to be written to a partition. */
  endOffset(topic: string, partition: number): number {
    return this.logs.get(topic)?.[partition]?.length ?? 0;
  }

  /** Stores a group's offsets (the next record the group reads). */
  commit(groupId: string, offsets: readonly { topic: string; partition: number; offset: string }[]): void {
    let group = this.commits.get(groupId);
    if (!group) this.commits.set(groupId, (group = new Map()));
    for (const o of offsets) group.set(`${o.topic}|${o.partition}`, Number(o.offset));
    this.notify();
  }

  /** A group's committed offset of a partition; `undefined` when it has none. */
  committed(groupId: string, topic: string, partition: number): number | undefined {
    return this.commits.get(groupId)?.get(`${topic}|${partition}`);
  }

  /** Calls `watcher` after every write and commit until the returned function is called. */
  watch(watcher: () => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  private partitionLogs(topic: string): StoredRecord[][] {
    this.createTopic(topic);
    return this.logs.get(topic)!;
  }

  private choosePartition(topic: string, count: number, record: OutgoingRecord): number {
    if (record.partition !== undefined) return record.partition;
    if (record.key !== undefined && record.key !== null) {
      let hash = 0;
      for (const byte of Buffer.from(record.key)) hash = (hash * 31 + byte) >>> 0;
      return hash % count;
    }
    const next = this.nextPartition.get(topic) ?? 0;
    this.nextPartition.set(topic, next + 1);
    return next % count;
  }

  private notify(): void {
    for (const watcher of [...this.watchers]) watcher();
  }
}
