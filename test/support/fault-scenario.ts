/**
 * One fault-matrix scenario run in this process: topics of ticks with a backlog on the given
 * brokers, a ConsumerRuntime whose handlers report to an {@link InvariantChecker}, and a record of
 * the runtime events a fault provokes (crashes, joins, offset resets).
 */
import { existsSync, readFileSync } from "node:fs";
import { Kafka, logLevel } from "kafkajs";
import {
  ConsumerRuntime,
  RuntimeEvents,
  type ConnectionSettings,
  type OffsetResetEvent,
  type RuntimeLogger,
} from "../../runtime/index.js";
import { testSettings, tickTopic } from "./guarantees.js";
import { InvariantChecker } from "./invariants.js";
import { sleep, tickCodec } from "./ticks.js";
import { uniqueName, waitFor } from "./kafka.js";

/** Parameters of {@link startScenario}. */
export interface ScenarioOptions {
  name: string;
  brokers: string[];
  /** Topics created (fresh names), each with this many partitions. */
  topics: number;
  partitions: number;
  /** Records written to each partition before the consumer starts. */
  backlogPerPartition: number;
  concurrency: number;
  capacity: number;
  handlerDelayMs: number;
  /** Replication factor of the topics (default 1). */
  replicationFactor?: number;
  topicConfig?: Record<string, string>;
  settings?: Partial<ConnectionSettings>;
  /** Awaited by every handler call before its work (e.g. to hold a partition paused). */
  gate?: () => Promise<void>;
}

/** A running scenario. */
export interface Scenario {
  readonly name: string;
  readonly topics: string[];
  readonly groupId: string;
  readonly checker: InvariantChecker;
  readonly runtime: ConsumerRuntime;
  /** Runtime events seen: crashes, joins, rebalances, offset resets (with their payloads). */
  readonly events: { crashes: number; joins: number; rebalances: number; offsetResets: OffsetResetEvent[] };
  /** The runtime's info, warn and error log lines (the newest), for {@link explainFailure}. */
  readonly log: readonly string[];
  /** Kafka client for the scenario's brokers (admin, producers). */
  readonly kafka: Kafka;
  /** Another member of the group with the same topics and handlers (not started; the caller stops it). */
  createMember(): ConsumerRuntime;
  stop(): Promise<void>;
}

/** Lines of the runtime's log kept for {@link explainFailure} (the newest). */
const LOG_LINES = 300;

/** A logger that keeps the runtime's info, warn and error lines (not debug: a commit every 100 ms) in `lines`. */
function keptLog(lines: string[]): RuntimeLogger {
  const keep = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    const shown = JSON.stringify(fields ?? {}, (_, v: unknown) => (v instanceof Error ? String(v) : v));
    lines.push(`${new Date().toISOString()} ${level} ${message} ${shown.slice(0, 400)}`);
    if (lines.length > LOG_LINES) lines.splice(0, lines.length - LOG_LINES);
  };
  return { debug() {}, info: keep("info"), warn: keep("warn"), error: keep("error") };
}

/**
 * Runs `check` (the waits and checks of a scenario); when it fails, prints what a CI log needs to tell a stalled
 * consumer from a stalled broker or checker: the runtime's log lines and the last lines of each of `logFiles` (the
 * scenario's brokers' logs), then rethrows.
 */
export async function explainFailure<T>(
  scenario: Pick<Scenario, "name" | "log">,
  logFiles: readonly string[],
  check: () => Promise<T>,
): Promise<T> {
  try {
    return await check();
  } catch (error) {
    const out = [`[fault-matrix] ${scenario.name} failed; the runtime's log (newest ${LOG_LINES} lines):`];
    out.push(...scenario.log);
    for (const file of logFiles) {
      const text = existsSync(file) ? readFileSync(file, "utf8") : "(no log file)";
      out.push(`[fault-matrix] the last lines of ${file}:`, ...text.split("\n").slice(-60));
    }
    process.stdout.write(out.join("\n") + "\n");
    throw error;
  }
}

/** Creates the topics, writes the backlog, starts the consumer and the checker's sampling. */
export async function startScenario(o: ScenarioOptions): Promise<Scenario> {
  const kafka = new Kafka({
    clientId: "kefgen-fault-matrix",
    brokers: o.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
  });
  const topics = Array.from({ length: o.topics }, (_, i) => uniqueName(`${o.name}-t${i}`));
  const groupId = uniqueName(`${o.name}-group`);
  const admin = kafka.admin();
  await admin.connect();
  try {
    // kafkajs's waitForLeaders fails on a fresh multi-node cluster whose nodes do not all know the
    // topic yet ("This server does not host this topic-partition"): poll the metadata instead.
    await admin.createTopics({
      waitForLeaders: false,
      topics: topics.map((topic) => ({
        topic,
        numPartitions: o.partitions,
        replicationFactor: o.replicationFactor ?? 1,
        configEntries: Object.entries(o.topicConfig ?? {}).map(([name, value]) => ({ name, value })),
      })),
    });
    await waitFor(
      async () => {
        const { topics: found } = await admin.fetchTopicMetadata({ topics });
        return (
          found.length === topics.length &&
          found.every((t) => t.partitions.length === o.partitions && t.partitions.every((p) => p.leader >= 0))
        );
      },
      { timeoutMs: 30_000, intervalMs: 200, message: `leaders of ${topics.join(", ")}` },
    );
  } finally {
    await admin.disconnect();
  }
  const checker = new InvariantChecker(o.name, o.brokers, groupId, topics);
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  for (const topic of topics) {
    for (let partition = 0; partition < o.partitions; partition++) {
      for (let from = 0; from < o.backlogPerPartition; from += 2_000) {
        const count = Math.min(2_000, o.backlogPerPartition - from);
        await producer.send({
          topic,
          acks: -1,
          messages: Array.from({ length: count }, (_, i) => ({
            partition,
            value: tickCodec.encode({ seq: from + i, source: topic }),
          })),
        });
      }
    }
    checker.ackedUpTo(topic, new Map(Array.from({ length: o.partitions }, (_, p) => [p, o.backlogPerPartition])));
  }
  await producer.disconnect();

  const settings = testSettings(groupId, o.settings);
  const log: string[] = [];
  const createRuntime = (): ConsumerRuntime =>
    new ConsumerRuntime(
      [
        {
          name: "shared",
          kind: "shared",
          settings,
          topics: topics.map((topic) =>
            tickTopic(
              topic,
              { maxBufferedMessages: o.capacity, backpressure: "ApplyBackpressure", concurrency: o.concurrency },
              async (_m, context) => {
                if (o.gate) await o.gate();
                if (o.handlerDelayMs > 0) await sleep(o.handlerDelayMs);
                checker.handled(context.topic, context.partition, Number(context.offset));
              },
            ),
          ),
        },
      ],
      { brokers: o.brokers, clientId: "kefgen-fault-matrix" },
      { logger: keptLog(log), stopTimeoutMs: 5_000 },
    );
  const runtime = createRuntime();
  const events = { crashes: 0, joins: 0, rebalances: 0, offsetResets: [] as OffsetResetEvent[] };
  runtime.on(RuntimeEvents.CRASH, () => void events.crashes++);
  runtime.on(RuntimeEvents.GROUP_JOIN, () => void events.joins++);
  runtime.on(RuntimeEvents.REBALANCING, () => void events.rebalances++);
  runtime.on(RuntimeEvents.OFFSET_RESET, (event) => void events.offsetResets.push(event));
  await runtime.start();
  return {
    name: o.name,
    topics,
    groupId,
    log,
    checker,
    runtime,
    events,
    kafka,
    createMember: createRuntime,
    stop: () => runtime.stop({ timeoutMs: 5_000 }),
  };
}
