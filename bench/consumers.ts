// The consumers the benchmark compares. Each run uses a fresh consumer group (so it reads its topics
// from the earliest offset), counts the records of one measured topic in its handler, and ends when
// the target count was reached or at a deadline. The clock starts right before the consumer is
// created (connect, group join and first fetch are inside the measurement, as a user would see them)
// and stops when the handler counted the last record.
//
// - kefgen:  a real ConsumerRuntime with one shared ConnectionSpec (decode, route, buffer, handler,
//            commits on the interval and at stop).
// - eachBatch: the hand-written kafkajs baseline: the same avsc decode of every record, resolveOffset
//            per record, one commitOffsets per batch.
// - java:    Kafka's own Java consumer perf tool (R9's yardstick), see java-perf.ts.
// - kefgenPlatformatic: kefgen as above with client = platformatic (R1p).
// - platformatic: the hand-written @platformatic/kafka baseline: its consume() stream (mode earliest,
//            autocommit every 5 s like kefgen's autoCommitIntervalMs), the same avsc decode per record.
// - naive:   kafkajs eachMessage with default auto-commit, handlers called inline — what a user
//            without kefgen would write first. Used only for contrast in R6.

import avro from "avsc";
import { Kafka, logLevel, type Admin } from "kafkajs";
import {
  ConsumerRuntime,
  avroCodec,
  bindTopic,
  confluentFormat,
  silentLogger,
  type SchemaRegistryClient,
  type ConnectionSettings,
  type ConnectionSpec,
  type MessageHandler,
  type TopicBinding,
} from "../runtime/index.js";
import { committedToEnd, secondsSince } from "./kafka.js";
import { runJavaPerf } from "./java-perf.js";
import { startProfile } from "./profile.js";
import type { ProducerKind } from "./producers.js";

/** Which consumer a run used ("java": Kafka's ConsumerPerformance tool, bench/java-perf.ts). */
export type ConsumerKind = "kefgen" | "kefgenPlatformatic" | "eachBatch" | "platformatic" | "naive" | "java";

/** A topic a run subscribes to. */
export interface TopicUnderTest {
  readonly topic: string;
  readonly schema: object;
  /** Confluent-framed values (RF): kefgen reads them with `readerSchema` through `confluentFormat`. */
  readonly framed?: { readonly registry: SchemaRegistryClient; readonly readerSchema: object };
}

/** Settings a run may vary from kefgen's defaults (for diagnosis; the headline figures use the defaults). */
export interface Tuning {
  readonly maxBufferedMessages: number;
  readonly fetchMaxWaitMs: number;
}

/** kefgen's built-in defaults (generator/settings.ts). */
export const DEFAULT_TUNING: Tuning = { maxBufferedMessages: 1_000, fetchMaxWaitMs: 500 };

/** One run of one consumer. */
export interface RunSpec {
  readonly brokers: string[];
  readonly groupId: string;
  /** The topic whose records are counted; the run ends when `target` of them were handled. */
  readonly measured: TopicUnderTest;
  readonly target: number;
  /** A second topic on the same consumer whose handler sleeps `handlerMs` per record (R6). */
  readonly slow?: TopicUnderTest & { readonly handlerMs: number };
  /** kefgen's buffer capacity per topic (the default is 1000) and every consumer's `fetchMaxWaitMs` (kefgen's default is 500). */
  readonly tuning: Tuning;
  /** The run is cut off after this many milliseconds. */
  readonly deadlineMs: number;
  /** Admin client for the post-run commit check. */
  readonly admin: Admin;
  /** Write a CPU profile of the timed window to this directory. */
  readonly profileDir?: string;
  readonly profileName?: string;
  /** The kafka-tools jar directory (scripts/kafka/fetch-perf.sh); required for the "java" kind. */
  readonly javaPerfJars?: string;
}

/** What one run measured. */
export interface RunResult {
  /** The consumer, or for R10 the producer (bench/producers.ts), of the run. */
  readonly kind: ConsumerKind | ProducerKind;
  readonly target: number;
  /** Records of the measured topic handled when the clock stopped. */
  readonly handled: number;
  readonly finished: boolean;
  /** Start → last record handled (or → the deadline when not finished). */
  readonly seconds: number;
  /** Start → first record handled (connect, join, first fetch). */
  readonly firstRecordSeconds: number | undefined;
  /**
   * Measured-topic records handled beyond the target, counted until the consumer stopped. The measured
   * topic holds exactly `target` records in a measured run, so these are duplicates (expected: 0).
   */
  readonly extra: number;
  /** Whether the group's commits reached the end of the measured topic after the consumer stopped. */
  readonly committedToEnd: boolean | undefined;
  /** kefgen only: how often backpressure paused a topic during the run (`paused` events). */
  readonly pauses?: number;
  /** R10's Node producers: CPU time of the bench process (user + system) per record over the measured window, µs. */
  readonly cpuMicrosPerRecord?: number;
  readonly profile?: string;
  /** R10's Node producers: the error of the send that failed and ended the run (then it did not finish). */
  readonly failure?: string;
}

/** Counts handled records of the measured topic and notes when the first and the target-th arrived. */
class Progress {
  count = 0;
  first: bigint | undefined;
  last: bigint | undefined;
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    readonly started: bigint,
    readonly target: number,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** The measured handler's whole work. */
  readonly handled = (): void => {
    const count = ++this.count;
    if (count === 1) this.first = process.hrtime.bigint();
    if (count === this.target) {
      this.last = process.hrtime.bigint();
      this.resolveDone();
    }
  };

  /** Resolves `true` when the target was reached, `false` at the deadline. */
  async wait(deadlineMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), deadlineMs)));
    try {
      return await Promise.race([this.done.then(() => true as const), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  result(
    kind: ConsumerKind,
    finished: boolean,
    ended: bigint,
    extra: number,
    committed: boolean | undefined,
    more: { pauses?: number; profile?: string } = {},
  ): RunResult {
    return {
      kind,
      target: this.target,
      handled: finished ? this.target : this.count,
      finished,
      seconds: secondsSince(this.started, finished && this.last !== undefined ? this.last : ended),
      firstRecordSeconds: this.first === undefined ? undefined : secondsSince(this.started, this.first),
      extra,
      committedToEnd: committed,
      ...more,
    };
  }
}

function extraRecords(progress: Progress, finished: boolean): number {
  return finished ? progress.count - progress.target : 0;
}

/** kefgen's built-in defaults (generator/settings.ts), reading from the earliest offset. */
export function kefgenSettings(groupId: string, tuning: Tuning): ConnectionSettings {
  return {
    groupId,
    sessionTimeoutMs: 30_000,
    heartbeatIntervalMs: 3_000,
    maxPollIntervalMs: 300_000,
    enableAutoCommit: false,
    autoCommitIntervalMs: 5_000,
    autoOffsetReset: "earliest",
    fetchMinBytes: 1,
    fetchMaxWaitMs: tuning.fetchMaxWaitMs,
  };
}

/** The kafkajs consumer config matching {@link kefgenSettings}; kafkajs defaults for everything else (maxBytes, …). */
function kafkajsConsumerConfig(groupId: string, tuning: Tuning) {
  const s = kefgenSettings(groupId, tuning);
  return {
    groupId,
    sessionTimeout: s.sessionTimeoutMs,
    heartbeatInterval: s.heartbeatIntervalMs,
    rebalanceTimeout: s.maxPollIntervalMs,
    minBytes: s.fetchMinBytes,
    maxWaitTimeInMs: s.fetchMaxWaitMs,
    allowAutoTopicCreation: false,
  };
}

/** A handler that sleeps `ms` per record until the run is over (then returns at once, so stopping is quick). */
function slowHandler(ms: number, isOver: () => boolean): () => Promise<void> {
  return () => (isOver() ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms)));
}

/** Runs one consumer of `kind` as described by `spec`. */
export function runConsumer(kind: ConsumerKind, spec: RunSpec): Promise<RunResult> {
  switch (kind) {
    case "kefgen":
      return runKefgen(spec);
    case "kefgenPlatformatic":
      return runKefgen(spec, "platformatic");
    case "platformatic":
      return runPlatformatic(spec);
    case "eachBatch":
      return runEachBatch(spec);
    case "naive":
      return runNaive(spec);
    case "java":
      if (!spec.javaPerfJars) throw new Error("a java run needs javaPerfJars (scripts/kafka/fetch-perf.sh)");
      return runJavaPerf(spec.javaPerfJars, spec);
  }
}

async function runKefgen(spec: RunSpec, client: "kafkajs" | "platformatic" = "kafkajs"): Promise<RunResult> {
  let over = false;
  const profile = spec.profileDir ? await startProfile(spec.profileDir, spec.profileName ?? "kefgen") : undefined;
  const buffer = { maxBufferedMessages: spec.tuning.maxBufferedMessages, backpressure: "ApplyBackpressure" } as const;
  const progress = new Progress(process.hrtime.bigint(), spec.target);
  const measuredHandler: MessageHandler<unknown> = progress.handled;
  const topics: TopicBinding<any>[] = [measuredBinding(spec.measured, buffer, measuredHandler)];
  if (spec.slow) {
    topics.push(
      bindTopic({
        topic: spec.slow.topic,
        messageType: "bench.Slow",
        codec: avroCodec(spec.slow.schema),
        buffer,
        handler: slowHandler(spec.slow.handlerMs, () => over),
      }),
    );
  }
  const connection: ConnectionSpec = {
    name: "shared",
    kind: "shared",
    settings: kefgenSettings(spec.groupId, spec.tuning),
    topics,
  };
  const runtime = new ConsumerRuntime(
    [connection],
    { brokers: spec.brokers, clientId: "kefgen-bench" },
    { logger: silentLogger, client },
  );
  let pauses = 0;
  runtime.on(runtime.events.PAUSED, () => pauses++);
  const started = runtime.start();
  started.catch(() => {}); // a failed start shows as an unfinished run
  const finished = await progress.wait(spec.deadlineMs);
  const ended = process.hrtime.bigint();
  const profileFile = await profile?.stop();
  over = true;
  await started.catch((error: unknown) => console.error(`  kefgen start failed: ${String(error)}`));
  await runtime.stop({ timeoutMs: 10_000 });
  const committed = finished ? await committedToEnd(spec.admin, spec.groupId, spec.measured.topic) : undefined;
  return progress.result(
    client === "kafkajs" ? "kefgen" : "kefgenPlatformatic",
    finished,
    ended,
    extraRecords(progress, finished),
    committed,
    { pauses, ...(profileFile ? { profile: profileFile } : {}) },
  );
}

async function runPlatformatic(spec: RunSpec): Promise<RunResult> {
  if (spec.measured.framed || spec.slow) throw new Error("the platformatic baseline reads one bare-Avro topic only");
  const { Consumer } = await import("@platformatic/kafka");
  const type = avro.Type.forSchema(spec.measured.schema as avro.Schema);
  const profile = spec.profileDir ? await startProfile(spec.profileDir, spec.profileName ?? "platformatic") : undefined;
  const progress = new Progress(process.hrtime.bigint(), spec.target);
  const s = kefgenSettings(spec.groupId, spec.tuning);
  const consumer = new Consumer({
    clientId: "kefgen-bench-platformatic",
    bootstrapBrokers: spec.brokers,
    groupId: spec.groupId,
    sessionTimeout: s.sessionTimeoutMs,
    heartbeatInterval: s.heartbeatIntervalMs,
    rebalanceTimeout: s.maxPollIntervalMs,
    minBytes: s.fetchMinBytes,
    maxWaitTime: s.fetchMaxWaitMs,
  });
  const started = (async () => {
    const stream = await consumer.consume({
      topics: [spec.measured.topic],
      mode: "earliest",
      autocommit: s.autoCommitIntervalMs,
    });
    stream.on("data", (message) => {
      type.fromBuffer(message.value);
      progress.handled();
    });
    return stream;
  })();
  started.catch(() => {});
  const finished = await progress.wait(spec.deadlineMs);
  const ended = process.hrtime.bigint();
  const profileFile = await profile?.stop();
  const stream = await started.catch(
    (error: unknown) => void console.error(`  platformatic start failed: ${String(error)}`),
  );
  await stream?.close();
  await consumer.close(true);
  // Not checked against the end: the stream's autocommit commits what it fetched, on its own schedule.
  return progress.result(
    "platformatic",
    finished,
    ended,
    extraRecords(progress, finished),
    undefined,
    profileFile ? { profile: profileFile } : {},
  );
}

function measuredBinding(
  measured: TopicUnderTest,
  buffer: TopicBinding<unknown>["buffer"],
  handler: MessageHandler<unknown>,
): TopicBinding<unknown> {
  const codec = avroCodec(measured.framed?.readerSchema ?? measured.schema);
  const format = measured.framed
    ? confluentFormat(codec, { registry: measured.framed.registry, topic: measured.topic })
    : undefined;
  return bindTopic({
    topic: measured.topic,
    messageType: "bench.Measured",
    codec,
    ...(format ? { format } : {}),
    buffer,
    handler,
  });
}

async function runEachBatch(spec: RunSpec): Promise<RunResult> {
  if (spec.measured.framed) throw new Error("the eachBatch baseline reads bare Avro only");
  if (spec.slow) throw new Error("the eachBatch baseline runs one topic only");
  const type = avro.Type.forSchema(spec.measured.schema as avro.Schema);
  const profile = spec.profileDir ? await startProfile(spec.profileDir, spec.profileName ?? "eachBatch") : undefined;
  const progress = new Progress(process.hrtime.bigint(), spec.target);
  const handle = (_value: unknown): void => progress.handled();
  const kafka = new Kafka({ clientId: "kefgen-bench-eachbatch", brokers: spec.brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer(kafkajsConsumerConfig(spec.groupId, spec.tuning));
  const started = (async () => {
    await consumer.connect();
    await consumer.subscribe({ topics: [spec.measured.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        let last: string | undefined;
        for (const message of batch.messages) {
          handle(type.fromBuffer(message.value as Buffer));
          resolveOffset(message.offset);
          last = message.offset;
        }
        if (last !== undefined) {
          await consumer.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
          ]);
        }
        await heartbeat();
      },
    });
  })();
  started.catch(() => {});
  const finished = await progress.wait(spec.deadlineMs);
  const ended = process.hrtime.bigint();
  const profileFile = await profile?.stop();
  await started.catch((error: unknown) => console.error(`  eachBatch start failed: ${String(error)}`));
  await consumer.disconnect();
  const committed = finished ? await committedToEnd(spec.admin, spec.groupId, spec.measured.topic) : undefined;
  return progress.result(
    "eachBatch",
    finished,
    ended,
    extraRecords(progress, finished),
    committed,
    profileFile ? { profile: profileFile } : {},
  );
}

async function runNaive(spec: RunSpec): Promise<RunResult> {
  let over = false;
  const progress = new Progress(process.hrtime.bigint(), spec.target);
  const handlers = new Map<string, { type: avro.Type; handle: (value: unknown) => void | Promise<void> }>([
    [spec.measured.topic, { type: avro.Type.forSchema(spec.measured.schema as avro.Schema), handle: progress.handled }],
  ]);
  if (spec.slow) {
    handlers.set(spec.slow.topic, {
      type: avro.Type.forSchema(spec.slow.schema as avro.Schema),
      handle: slowHandler(spec.slow.handlerMs, () => over),
    });
  }
  const kafka = new Kafka({ clientId: "kefgen-bench-naive", brokers: spec.brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer(kafkajsConsumerConfig(spec.groupId, spec.tuning));
  const started = (async () => {
    await consumer.connect();
    await consumer.subscribe({ topics: [...handlers.keys()], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const handler = handlers.get(topic);
        if (handler) await handler.handle(handler.type.fromBuffer(message.value as Buffer));
      },
    });
  })();
  started.catch(() => {});
  const finished = await progress.wait(spec.deadlineMs);
  const ended = process.hrtime.bigint();
  over = true;
  await started.catch((error: unknown) => console.error(`  naive start failed: ${String(error)}`));
  await consumer.disconnect();
  return progress.result("naive", finished, ended, extraRecords(progress, finished), undefined);
}
