/**
 * Helpers for integration tests against the broker provided by test/support/global-setup.ts.
 * Every test should use fresh topic and group names (`uniqueName`) and wait with `waitFor`
 * (a polled condition with a deadline), never with fixed sleeps.
 */
import { randomBytes } from "node:crypto";
import {
  Kafka,
  logLevel,
  type Admin,
  type GroupDescription,
  type KafkaMessage,
  type KafkaConfig,
  type Message,
  type RecordMetadata,
} from "kafkajs";
import { inject } from "vitest";

/** Bootstrap addresses of the test broker. */
export function brokers(): string[] {
  const list = inject("kafkaBrokers");
  if (!list || list.length === 0) {
    throw new Error("no Kafka brokers were provided: is test/support/global-setup.ts the vitest globalSetup?");
  }
  return list;
}

/** A kafkajs client for the test broker, quiet unless `KEFGEN_TEST_KAFKAJS_LOG=debug|info|warn|error`. */
export function kafka(config: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: "kefgen-test",
    brokers: brokers(),
    logLevel: testLogLevel(),
    connectionTimeout: 3_000,
    ...config,
  });
}

/** A fresh name for a topic or group: `<prefix>-<time>-<random>` (valid as a Kafka topic name). */
export function uniqueName(prefix = "test"): string {
  const clean = prefix.replace(/[^a-zA-Z0-9._-]/g, "-").slice(0, 150);
  return `${clean}-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
}

/** Run `fn` with a connected admin client, disconnecting afterwards. */
export async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Create a topic and wait until every partition has a leader. */
export async function createTopic(
  name: string,
  partitions = 1,
  configEntries: Record<string, string> = {},
): Promise<void> {
  await withAdmin(async (admin) => {
    const created = await admin.createTopics({
      topics: [
        {
          topic: name,
          numPartitions: partitions,
          replicationFactor: 1,
          configEntries: Object.entries(configEntries).map(([name, value]) => ({ name, value })),
        },
      ],
      waitForLeaders: true,
    });
    if (!created) throw new Error(`topic ${name} already exists`);
    await waitFor(
      async () => {
        const meta = await admin.fetchTopicMetadata({ topics: [name] });
        const parts = meta.topics[0]?.partitions ?? [];
        return parts.length === partitions && parts.every((p) => p.leader >= 0);
      },
      { timeoutMs: 15_000, message: `partitions of ${name} to get leaders` },
    );
  });
}

/** Produce messages (strings become values) with a short-lived producer; `acks=-1`. */
export async function produce(topic: string, messages: Array<Message | string>): Promise<RecordMetadata[]> {
  const producer = kafka().producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    return await producer.send({
      topic,
      acks: -1,
      messages: messages.map((m) => (typeof m === "string" ? { value: m } : m)),
    });
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

export interface WaitForOptions {
  /** Deadline (default 15 s); with `progress`, the longest time without progress. */
  timeoutMs?: number;
  /**
   * A measure of progress toward the condition (e.g. records handled so far). When given, the deadline
   * moves on whenever its value changes: the wait fails only when nothing moved for `timeoutMs`, so a
   * loaded machine that is slow but working does not fail it, and a stall still does.
   */
  progress?: () => number | Promise<number>;
  /** Pause between polls (default 50 ms). */
  intervalMs?: number;
  /** What is awaited, for the error message. */
  message?: string;
}

/**
 * Poll `condition` until it returns a truthy value (which is returned) or the deadline passes (with
 * `progress`: until nothing moved for `timeoutMs`). A condition that throws counts as "not yet"; the
 * last error is reported on timeout.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  { timeoutMs = 15_000, intervalMs = 50, message = "condition", progress }: WaitForOptions = {},
): Promise<Exclude<T, false | 0 | "" | null | undefined>> {
  let deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let lastProgress: number | undefined;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as Exclude<T, false | 0 | "" | null | undefined>;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (progress) {
      const now = await Promise.resolve()
        .then(progress)
        .catch(() => lastProgress);
      if (now !== lastProgress) {
        lastProgress = now;
        deadline = Date.now() + timeoutMs;
      }
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      const stalled = progress ? `without progress (stuck at ${lastProgress}) ` : "";
      throw new Error(`timed out after ${timeoutMs} ms ${stalled}waiting for ${message}${why}`);
    }
    await new Promise((res) => setTimeout(res, intervalMs));
  }
}

/** The group's state, protocol and members as the broker sees them. */
export async function describeGroup(groupId: string): Promise<GroupDescription> {
  return withAdmin(async (admin) => {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    if (!group) throw new Error(`no description for group ${groupId}`);
    return group;
  });
}

/**
 * Committed offsets of a group for a topic, by partition (-1 where nothing is committed). With `admin`
 * (connected, the caller's), no connection is opened: samplers use that to take samples every few
 * milliseconds even on a loaded machine, where connecting takes most of a sample's time.
 */
export async function committedOffsets(groupId: string, topic: string, admin?: Admin): Promise<Map<number, number>> {
  const fetch = async (client: Admin) => {
    const result = await client.fetchOffsets({ groupId, topics: [topic] });
    const out = new Map<number, number>();
    for (const p of result[0]?.partitions ?? []) out.set(p.partition, Number(p.offset));
    return out;
  };
  return admin ? fetch(admin) : withAdmin(fetch);
}

/** High watermarks of a topic, by partition. */
export async function endOffsets(topic: string): Promise<Map<number, number>> {
  return withAdmin(async (admin) => {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  });
}

function testLogLevel(): logLevel {
  switch ((process.env.KEFGEN_TEST_KAFKAJS_LOG ?? "").toLowerCase()) {
    case "debug":
      return logLevel.DEBUG;
    case "info":
      return logLevel.INFO;
    case "warn":
      return logLevel.WARN;
    case "error":
      return logLevel.ERROR;
    default:
      return logLevel.NOTHING;
  }
}

/** Every record of `topic` (all partitions), read from the start by a plain kafkajs consumer until `count` arrived. */
export async function readAll(topic: string, count: number): Promise<(KafkaMessage & { partition: number })[]> {
  const consumer = kafka().consumer({ groupId: uniqueName("reader") });
  const out: (KafkaMessage & { partition: number })[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ partition, message }) => void out.push({ ...message, partition }) });
    await waitFor(() => out.length >= count, { timeoutMs: 30_000, message: `${count} records of ${topic}` });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
