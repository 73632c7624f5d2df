// The shape of fetched records as every part of the runtime sees them, whatever the Kafka client.

/** Headers of a record: a value, several values, or none per name. */
export type RecordHeaders = Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;

/** One fetched record. */
export interface FetchedRecord {
  /** Kafka's int64 offset in decimal. */
  readonly offset: string;
  readonly key: Buffer | null;
  /** `null` for a tombstone. */
  readonly value: Buffer | null;
  /** Epoch milliseconds in decimal. */
  readonly timestamp: string;
  readonly headers?: RecordHeaders;
}

/**
 * The records fetched for one partition, handed to the runtime's fetch router. The router resolves
 * the records it took (the next fetch of the partition starts after the last resolved one) and
 * leaves the rest unresolved, to be fetched again.
 */
export interface FetchedBatch {
  readonly topic: string;
  readonly partition: number;
  /** In offset order. */
  readonly records: readonly FetchedRecord[];
  /** The offset the fetch started from, when the client tells it (else the first record's). */
  readonly fetchedOffset: string | undefined;
  /** The partition's high watermark at fetch time, in decimal. */
  readonly highWatermark: string;
  /** Marks every record up to and including `offset` as taken: the partition's next fetch starts after it. */
  resolve(offset: string): void;
  /**
   * Keeps the group membership alive while the router waits inside the batch. Rejects when the group
   * rebalances; the router lets that propagate so the client rejoins.
   */
  heartbeat(): Promise<void>;
}
