// `kefgen dlq inspect <topic>` and `kefgen dlq replay <topic>`: the dead letters of a topic, listed, and written back
// to where they came from. The record format is the runtime's (runtime/dead-letter.ts); this only reads and writes it.
// Talks to Kafka with kafkajs; loaded only by these commands. kafkajs-aborted.ts first: it replaces kafkajs's
// read_committed filter, which lets records of some aborted transactions through, before kafkajs loads.
import "../../runtime/transport/kafkajs-aborted.js";
import { Kafka, logLevel, type KafkaMessage } from "kafkajs";
import { randomBytes } from "node:crypto";
import { readDeadLetterHeaders, type DeadLetterInfo } from "../../runtime/dead-letter.js";
import type { CommandIo } from "./output.js";

/** Options both commands take. */
export interface DlqOptions {
  /** Bootstrap brokers. */
  readonly brokers: readonly string[];
  readonly format: "text" | "json";
  /** How long to wait for the cluster (connect, reading to the end). */
  readonly timeoutMs?: number;
}

/** Which dead letters `replay` takes: dead-letter offsets `from`..`to` (inclusive, on every partition), and an error text. */
export interface ReplayFilter {
  readonly from?: number;
  readonly to?: number;
  /** Only dead letters whose error class or message contains this text. */
  readonly whereError?: string;
  /** List what would be written, write nothing. */
  readonly dryRun?: boolean;
}

/** One record of a dead-letter topic as read: where it is, and what its headers say (undefined: not a dead letter). */
interface Letter {
  readonly partition: number;
  readonly offset: string;
  readonly message: KafkaMessage;
  readonly info: DeadLetterInfo | undefined;
}

/** Reads every record of `topic` present now (from each partition's start to its end offset). */
async function readTopic(kafka: Kafka, topic: string, options: DlqOptions): Promise<Letter[]> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  // A client of its own with few retries, as kefgen topics: an unreachable cluster is reported within seconds, not
  // after kafkajs's default retries (~10 s). The consumer below keeps the defaults: a new group may wait for its
  // coordinator.
  const admin = client(options, { retries: 2 }).admin();
  let ends: { partition: number; low: string; high: string }[];
  try {
    await admin.connect();
    ends = await admin.fetchTopicOffsets(topic);
  } catch (error) {
    // kafkajs's message alone names neither the topic nor the cluster ("Connection error: connect ECONNREFUSED").
    throw new Error(`cannot read "${topic}" from ${options.brokers.join(",")}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    await admin.disconnect();
  }
  const remaining = new Map(
    ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => [e.partition, BigInt(e.high)]),
  );
  const letters: Letter[] = [];
  if (remaining.size === 0) return letters;
  // A throwaway group that never commits: reading a dead-letter topic changes nothing on the cluster.
  const consumer = kafka.consumer({
    groupId: `kefgen-dlq-${randomBytes(6).toString("hex")}`,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  try {
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const end = remaining.get(partition);
        if (end === undefined) return;
        letters.push({ partition, offset: message.offset, message, info: readDeadLetterHeaders(message.headers) });
        if (BigInt(message.offset) + 1n >= end) remaining.delete(partition);
        if (remaining.size === 0) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`could not read "${topic}" to its end within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([finished, timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await consumer.disconnect();
  }
  return letters.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

function client(options: DlqOptions, retry?: { retries: number }): Kafka {
  return new Kafka({
    clientId: "kefgen-dlq",
    brokers: [...options.brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5_000,
    ...(retry ? { retry } : {}),
  });
}

/** A key as text when it is printable UTF-8, else as hex. */
function shownKey(key: Buffer | null): string {
  if (key === null) return "(none)";
  const text = key.toString("utf8");
  return /^[\x20-\x7e]*$/.test(text) && Buffer.from(text, "utf8").equals(key)
    ? JSON.stringify(text)
    : `0x${key.toString("hex")}`;
}

function age(timestamp: string, now: number): string {
  const s = Math.max(0, Math.round((now - Number(timestamp)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7_200) return `${Math.round(s / 60)}min`;
  if (s < 172_800) return `${Math.round(s / 3_600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

/** `kefgen dlq inspect <topic>`: one line per dead letter (position, origin, age, error, key). Returns the exit code. */
export async function dlqInspect(io: CommandIo, topic: string, options: DlqOptions): Promise<number> {
  const letters = await readTopic(client(options), topic, options);
  const now = Date.now();
  if (options.format === "json") {
    const rows = letters.map((l) => ({
      partition: l.partition,
      offset: l.offset,
      deadLetteredAt: l.message.timestamp,
      key: l.message.key === null ? null : l.message.key.toString("base64"),
      ...(l.info ? { ...l.info, stacktrace: undefined } : { notADeadLetter: true }),
    }));
    io.stdout.write(`${JSON.stringify({ topic, deadLetters: rows }, null, 2)}\n`);
    return 0;
  }
  for (const l of letters) {
    const where = `${topic}[${l.partition}]@${l.offset}`;
    if (!l.info) {
      io.stdout.write(`${where}  not a dead letter (no kafka_dlt-original-topic header)\n`);
      continue;
    }
    const i = l.info;
    const attempts = i.attempts === undefined ? "" : `, ${i.attempts} attempt${i.attempts === 1 ? "" : "s"}`;
    io.stdout.write(
      `${where}  from ${i.originalTopic}[${i.originalPartition}]@${i.originalOffset}  ${age(i.originalTimestamp || l.message.timestamp, now)} old${attempts}  ${i.errorClass}: ${i.errorMessage.split("\n")[0]}  key ${shownKey(l.message.key)}\n`,
    );
  }
  io.stdout.write(`${letters.length} record${letters.length === 1 ? "" : "s"} in ${topic}\n`);
  return 0;
}

/**
 * `kefgen dlq replay <topic>`: writes the chosen dead letters back to their original topics — same key, value and
 * original headers (the dead-letter ones removed), same partition — acknowledged by every in-sync replica. A dead
 * letter stays in its topic (Kafka deletes nothing): replaying twice writes twice. Returns the exit code.
 */
export async function dlqReplay(
  io: CommandIo,
  topic: string,
  filter: ReplayFilter,
  options: DlqOptions,
): Promise<number> {
  const kafka = client(options);
  const letters = await readTopic(kafka, topic, options);
  const wanted = (l: Letter): l is Letter & { info: DeadLetterInfo } => {
    if (!l.info) return false;
    const offset = Number(l.offset);
    if (filter.from !== undefined && offset < filter.from) return false;
    if (filter.to !== undefined && offset > filter.to) return false;
    if (filter.whereError !== undefined && !`${l.info.errorClass}: ${l.info.errorMessage}`.includes(filter.whereError))
      return false;
    return true;
  };
  const chosen = letters.filter(wanted);
  const byTopic = new Map<string, (typeof chosen)[number][]>();
  for (const l of chosen) byTopic.set(l.info.originalTopic, [...(byTopic.get(l.info.originalTopic) ?? []), l]);
  if (!filter.dryRun && chosen.length > 0) {
    const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true });
    await producer.connect();
    try {
      for (const [original, list] of byTopic) {
        await producer.send({
          topic: original,
          acks: -1,
          messages: list.map((l) => ({
            key: l.message.key,
            value: l.message.value,
            partition: l.info.originalPartition,
            headers: Object.fromEntries(
              Object.entries(l.message.headers ?? {}).filter(
                ([name]) => !name.startsWith("kafka_dlt-") && !name.startsWith("kefgen_dlt-"),
              ),
            ),
          })),
        });
      }
    } finally {
      await producer.disconnect();
    }
  }
  const summary = {
    topic,
    read: letters.length,
    replayed: filter.dryRun ? 0 : chosen.length,
    matched: chosen.length,
    to: Object.fromEntries([...byTopic].map(([t, l]) => [t, l.length])),
  };
  if (options.format === "json") {
    io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return 0;
  }
  const targets = [...byTopic].map(([t, l]) => `${l.length} to ${t}`).join(", ");
  io.stdout.write(
    filter.dryRun
      ? `would replay ${chosen.length} of ${letters.length} records of ${topic}${targets ? ` (${targets})` : ""}; wrote nothing (--dry-run)\n`
      : `replayed ${chosen.length} of ${letters.length} records of ${topic}${targets ? ` (${targets})` : ""}\n`,
  );
  return 0;
}
