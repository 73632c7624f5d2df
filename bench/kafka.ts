// Topic set-up for the benchmark: fresh topics, a fast producer (pre-encoded values, explicit
// partitions, several requests in flight, no compression) and the offsets used to check a run.

import { CompressionTypes, Kafka, logLevel, type Admin, type Producer } from "kafkajs";

/** A kafkajs client for set-up and checks (the consumers under test create their own). */
export function setupClient(brokers: string[]): Kafka {
  return new Kafka({ clientId: "kefgen-bench-setup", brokers, logLevel: logLevel.NOTHING, connectionTimeout: 5_000 });
}

/** Creates a topic with `partitions` partitions (replication 1) and waits for its leaders. */
export async function createTopic(admin: Admin, topic: string, partitions: number): Promise<void> {
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  if (!created) throw new Error(`topic ${topic} already exists`);
}

/** What {@link produceRecords} wrote. */
export interface Produced {
  readonly topic: string;
  readonly records: number;
  readonly bytes: number;
  readonly seconds: number;
}

/**
 * Writes `count` records to `topic`, cycling through `pool` and spreading them round-robin over the
 * partitions. Requests of about `requestBytes` each, up to `inFlight` at a time, acks=1, no
 * compression. Resolves once every request was acknowledged.
 */
export async function produceRecords(
  producer: Producer,
  topic: string,
  partitions: number,
  pool: readonly Buffer[],
  count: number,
  { requestBytes = 512 * 1024, inFlight = 4 }: { requestBytes?: number; inFlight?: number } = {},
): Promise<Produced> {
  const started = process.hrtime.bigint();
  let next = 0;
  let bytes = 0;
  const takeRequest = () => {
    const messages: { value: Buffer; partition: number }[] = [];
    let size = 0;
    while (next < count && size < requestBytes) {
      const value = pool[next % pool.length] as Buffer;
      messages.push({ value, partition: next % partitions });
      size += value.length;
      next++;
    }
    bytes += size;
    return messages;
  };
  const worker = async (): Promise<void> => {
    for (let messages = takeRequest(); messages.length > 0; messages = takeRequest()) {
      await producer.send({ topic, acks: 1, compression: CompressionTypes.None, messages });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { topic, records: count, bytes, seconds: secondsSince(started) };
}

/** The end offset (high watermark) of every partition of a topic. */
export async function endOffsets(admin: Admin, topic: string): Promise<Map<number, number>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
}

/** The offsets a group committed for a topic (-1 where it committed nothing). */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, number>> {
  const result = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((result[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

/** Whether the group's committed offsets reached the end of every partition of the topic. */
export async function committedToEnd(admin: Admin, groupId: string, topic: string): Promise<boolean> {
  const [end, committed] = await Promise.all([endOffsets(admin, topic), committedOffsets(admin, groupId, topic)]);
  return [...end].every(([partition, high]) => committed.get(partition) === high);
}

/** Seconds since `started` (a `process.hrtime.bigint()` value). */
export function secondsSince(started: bigint, now: bigint = process.hrtime.bigint()): number {
  return Number(now - started) / 1e9;
}
