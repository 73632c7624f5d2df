// npm run bench [-- options]: the two headline ratios of issue 4, measured side by side in one run on
// one broker (KAFKA_BROKERS when set, else a local single-node Kafka started here).
//
//   R1 = kefgen shared-connection throughput ÷ a hand-written kafkajs eachBatch consumer (target ≥ 0.95),
//        for ~100-byte and ~1 KB Avro records.
//   RF = kefgen reading Confluent-framed records ÷ kefgen reading the same records bare (target ≥ 0.95), with
//        the writer schema equal to the reader's and with a reader that has one more (defaulted) field, so that
//        every record goes through the cached avsc resolver.
//   R6 = a fast type's throughput while another type's handler takes 50 ms per record ÷ its throughput
//        alone, both on kefgen's shared connection (target ≥ 0.90); plain kafkajs alongside, for contrast.
//   R1p = R1 on the platformatic transport: kefgen with client = platformatic ÷ a hand-written
//        @platformatic/kafka consumer (its consume() stream), same topics (needs Node ≥ 22.22 / 24.6).
//        `--case r1p,r9` also gives R9p (kefgen on platformatic ÷ ConsumerPerformance), alternating with R1p's runs.
//   R9 = kefgen shared-connection throughput ÷ Kafka's own Java consumer perf tool (ConsumerPerformance from
//        org.apache.kafka:kafka-tools of the broker's version; bench/java-perf.ts), on R1's topics and sizes,
//        the runs alternating with R1's (goal ≥ 0.5). `--case r1,r9` measures both in one run.
//   R10 = kefgen's typed producer (encode + send, batches of 100) ÷ kafkajs sending the same records
//        pre-encoded with the same settings (target ≥ 0.90), runs alternating, each to a fresh topic; Kafka's
//        own Java ProducerPerformance (same kafka-tools jars as R9) alongside as a yardstick (bench/producers.ts).
//
// Every topic is fresh and filled before any consumer is timed; every consumer run uses a fresh group
// reading from the earliest offset. `--help` lists the options (each also an environment variable).

import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { resolveBrokers } from "../scripts/kafka/local-broker.js";
import { DEFAULT_KAFKA_VERSION } from "../scripts/kafka/local-broker.js";
import { ensurePerfTool } from "./java-perf.js";
import {
  DEFAULT_TUNING,
  runConsumer,
  type ConsumerKind,
  type RunResult,
  type RunSpec,
  type TopicUnderTest,
} from "./consumers.js";
import { createTopic, produceRecords, setupClient, type Produced } from "./kafka.js";
import {
  anomalies,
  codeVersion,
  machineDescription,
  markdownTable,
  median,
  ratioLines,
  ratioValue,
  textTable,
  throughput,
  writeResults,
  type Ratio,
  type Series,
} from "./report.js";
import { encodedPool, RECORD_SIZES, schemaOf, valuePool, type RecordSize } from "./records.js";
import { runProducer, type ProducerKind, type ProducerRunSpec } from "./producers.js";
import { startDevRegistry } from "../scripts/registry/server.js";
import { SchemaRegistryClient } from "../runtime/index.js";

process.env["KAFKAJS_NO_PARTITIONER_WARNING"] ??= "1";

// ---------------------------------------------------------------------------------------------
// Options

const OPTIONS = {
  case: {
    env: "BENCH_CASE",
    default: "all",
    help: "all | r1 | r1p | rf | r6 | r9 | r10, or a comma list (e.g. r1,r9); all = r1,rf,r6 (r9 and r10 need Java, r1p Node ≥ 22.22)",
  },
  "r10-records": { env: "BENCH_R10_RECORDS", default: "100000", help: "records per R10 producer run" },
  "r10-batch": { env: "BENCH_R10_BATCH", default: "100", help: "records per send of R10's Node producers" },
  "r10-in-flight": { env: "BENCH_R10_IN_FLIGHT", default: "5", help: "concurrent sends of R10's Node producers" },
  "r10-baseline": {
    env: "BENCH_R10_BASELINE",
    default: "",
    help: "another checkout of kefgen (e.g. main's): its typed producer also runs in every R10 round, side by side (before/after)",
  },
  sizes: {
    env: "BENCH_SIZES",
    default: "small,large",
    help: "record sizes for R1/RF/R9: small (~100 B), large (~1 KB)",
  },
  records: { env: "BENCH_RECORDS", default: "200000", help: "records per R1/R9 topic" },
  reps: { env: "BENCH_REPS", default: "5", help: "timed runs per consumer (R1 and kefgen's R6), alternating" },
  partitions: { env: "BENCH_PARTITIONS", default: "3", help: "partitions per topic" },
  "r6-fast-records": { env: "BENCH_R6_FAST_RECORDS", default: "200000", help: "records of R6's fast topic" },
  "r6-slow-records": { env: "BENCH_R6_SLOW_RECORDS", default: "3000", help: "backlog of R6's slow topic" },
  "r6-slow-ms": { env: "BENCH_R6_SLOW_MS", default: "50", help: "the slow handler's time per record" },
  "r6-size": { env: "BENCH_R6_SIZE", default: "small", help: "record size of both R6 topics" },
  "naive-reps": {
    env: "BENCH_NAIVE_REPS",
    default: "1",
    help: "runs of the plain-kafkajs R6 contrast (each up to its deadline)",
  },
  "naive-deadline-s": { env: "BENCH_NAIVE_DEADLINE_S", default: "60", help: "deadline of a plain-kafkajs R6 run" },
  "deadline-s": {
    env: "BENCH_DEADLINE_S",
    default: "30",
    help: "deadline of every other run (an unfinished run reports what it handled by then)",
  },
  buffer: {
    env: "BENCH_BUFFER",
    default: String(DEFAULT_TUNING.maxBufferedMessages),
    help: "kefgen's maxBufferedMessages per topic (diagnosis; the targets are for 1000)",
  },
  "fetch-max-wait-ms": {
    env: "BENCH_FETCH_MAX_WAIT_MS",
    default: String(DEFAULT_TUNING.fetchMaxWaitMs),
    help: "fetchMaxWaitMs / maxWaitTimeInMs of every consumer (diagnosis; kefgen's default is 500)",
  },
  warmup: {
    env: "BENCH_WARMUP",
    default: "20000",
    help: "records of the untimed warm-up run of each consumer (0: none)",
  },
  profile: {
    env: "BENCH_PROFILE",
    default: "",
    help: "directory for CPU profiles of the timed kefgen and eachBatch windows (timings are then not representative)",
  },
  results: { env: "BENCH_RESULTS", default: "", help: "where to write the results (default bench/RESULTS.md)" },
  "no-write": { env: "BENCH_NO_WRITE", default: "", help: "do not write the results file (any non-empty value)" },
  note: {
    env: "BENCH_NOTE",
    default: "",
    help: "a remark recorded with the results, e.g. 'preliminary: busy machine'",
  },
} as const;
type OptionName = keyof typeof OPTIONS;

function usage(): string {
  const lines = Object.entries(OPTIONS).map(
    ([name, o]) => `  --${name.padEnd(18)} ${o.env.padEnd(24)} ${o.help}${o.default ? ` (default ${o.default})` : ""}`,
  );
  return ["usage: npm run bench -- [options]   (or the environment variables)", ...lines, "  --help"].join("\n");
}

const parsed = parseArgs({
  options: {
    ...Object.fromEntries(
      Object.keys(OPTIONS).map((name) => [
        name,
        { type: name === "no-write" ? ("boolean" as const) : ("string" as const) },
      ]),
    ),
    help: { type: "boolean" },
  },
  strict: true,
});
if (parsed.values.help) {
  console.log(usage());
  process.exit(0);
}

function option(name: OptionName): string {
  const flag = (parsed.values as Record<string, string | boolean | undefined>)[name];
  if (typeof flag === "string") return flag;
  if (flag === true) return "1";
  return process.env[OPTIONS[name].env] ?? OPTIONS[name].default;
}

function count(name: OptionName, min: number): number {
  const value = Number(option(name).replace(/_/g, ""));
  if (!Number.isSafeInteger(value) || value < min) {
    console.error(`--${name} must be an integer ≥ ${min} (got "${option(name)}")\n${usage()}`);
    process.exit(2);
  }
  return value;
}

function size(text: string): RecordSize {
  if ((RECORD_SIZES as readonly string[]).includes(text)) return text as RecordSize;
  console.error(`unknown record size "${text}" (small, large)`);
  process.exit(2);
}

const caseName = option("case").toLowerCase().replace(/\s+/g, "");
const cases = new Set(caseName.split(",").flatMap((c) => (c === "all" ? ["r1", "rf", "r6"] : [c])));
if (cases.size === 0 || [...cases].some((c) => !["r1", "r1p", "rf", "r6", "r9", "r10"].includes(c))) {
  console.error(`--case must be all, r1, r1p, rf, r6, r9, r10 or a comma list of them\n${usage()}`);
  process.exit(2);
}
const settings = {
  runR1: cases.has("r1"),
  runR1P: cases.has("r1p"),
  runRF: cases.has("rf"),
  runR6: cases.has("r6"),
  runR9: cases.has("r9"),
  runR10: cases.has("r10"),
  r10Records: count("r10-records", 1),
  r10Batch: count("r10-batch", 1),
  r10InFlight: count("r10-in-flight", 1),
  r10Baseline: option("r10-baseline") || undefined,
  sizes: option("sizes")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map(size),
  records: count("records", 1),
  reps: count("reps", 1),
  partitions: count("partitions", 1),
  r6FastRecords: count("r6-fast-records", 1),
  r6SlowRecords: count("r6-slow-records", 1),
  r6SlowMs: count("r6-slow-ms", 0),
  r6Size: size(option("r6-size")),
  naiveReps: count("naive-reps", 0),
  naiveDeadlineMs: count("naive-deadline-s", 1) * 1000,
  deadlineMs: count("deadline-s", 1) * 1000,
  warmup: count("warmup", 0),
  tuning: { maxBufferedMessages: count("buffer", 1), fetchMaxWaitMs: count("fetch-max-wait-ms", 0) },
  profileDir: option("profile") || undefined,
  resultsFile: option("results") || path.join(path.dirname(fileURLToPath(import.meta.url)), "RESULTS.md"),
  write: option("no-write") === "",
  note: option("note"),
};

// ---------------------------------------------------------------------------------------------
// Set-up: broker, topics, data (nothing here is timed)

const say = (line: string) => process.stdout.write(`${line}\n`);
const defaultTuning =
  settings.tuning.maxBufferedMessages === DEFAULT_TUNING.maxBufferedMessages &&
  settings.tuning.fetchMaxWaitMs === DEFAULT_TUNING.fetchMaxWaitMs;
if (!defaultTuning)
  say(`NOTE: non-default tuning ${JSON.stringify(settings.tuning)}: the figures are for diagnosis, not the targets`);
const loadAtStart = os.loadavg(); // before the broker starts
const { brokers, broker } = await resolveBrokers({ log: (line) => say(`[kafka] ${line}`) });
const kafkaVersion = broker
  ? `${broker.version} (local single-node KRaft broker started by the benchmark)`
  : `external cluster KAFKA_BROKERS=${brokers.join(",")}${process.env["KAFKA_VERSION"] ? `, KAFKA_VERSION=${process.env["KAFKA_VERSION"]}` : ""}`;
const machine = [...machineDescription(kafkaVersion, loadAtStart), codeVersion()];

const setup = setupClient(brokers);
const admin = setup.admin();
await admin.connect();
const producer = setup.producer({ allowAutoTopicCreation: false, idempotent: false });
await producer.connect();

const runId = `kefgen-bench-${Date.now().toString(36)}`;
const createdTopics: string[] = [];
const pools = new Map<RecordSize, Buffer[]>();
const meanSize = new Map<RecordSize, number>();

async function fill(topic: string, recordSize: RecordSize, records: number): Promise<Produced> {
  let pool = pools.get(recordSize);
  if (!pool) {
    pool = encodedPool(recordSize, 4_096);
    pools.set(recordSize, pool);
  }
  await createTopic(admin, topic, settings.partitions);
  createdTopics.push(topic);
  const produced = await produceRecords(producer, topic, settings.partitions, pool, records);
  meanSize.set(recordSize, produced.bytes / produced.records); // the pool is cycled, so this is the mean of what was written
  say(
    `  ${topic}: ${produced.records.toLocaleString("en-US")} records, mean ${(produced.bytes / produced.records).toFixed(1)} B, ${(produced.bytes / 2 ** 20 / produced.seconds).toFixed(1)} MiB/s (${produced.seconds.toFixed(1)} s)`,
  );
  return produced;
}

say(`producing (acks=1, no compression, ${settings.partitions} partitions per topic)…`);
const r1Topics = new Map<RecordSize, TopicUnderTest>();
if (settings.runR1 || settings.runR1P || settings.runR9) {
  for (const recordSize of settings.sizes) {
    const topic = `${runId}.r1-${recordSize}`;
    await fill(topic, recordSize, settings.records);
    r1Topics.set(recordSize, { topic, schema: schemaOf(recordSize) });
  }
}
// RF: the same payloads behind a Confluent header (magic byte 0, the writer schema's id), registered in the
// development registry; the bare topic is R1's when R1 runs too.
const devRegistry = settings.runRF ? await startDevRegistry() : undefined;
const rfTopics = new Map<RecordSize, { bare: TopicUnderTest; framed: TopicUnderTest; evolved: TopicUnderTest }>();
if (devRegistry) {
  const client = new SchemaRegistryClient({ name: "bench", url: devRegistry.url });
  for (const recordSize of settings.sizes) {
    const schema = schemaOf(recordSize);
    let bare = r1Topics.get(recordSize);
    if (!bare) {
      bare = { topic: `${runId}.rf-bare-${recordSize}`, schema };
      await fill(bare.topic, recordSize, settings.records);
    }
    const topic = `${runId}.rf-framed-${recordSize}`;
    const { id } = devRegistry.store.register(`${topic}-value`, JSON.stringify(schema));
    const header = Buffer.alloc(5);
    header.writeUInt32BE(id, 1);
    if (!pools.has(recordSize)) pools.set(recordSize, encodedPool(recordSize, 4_096));
    const framedPool = pools.get(recordSize)!.map((payload) => Buffer.concat([header, payload]));
    await createTopic(admin, topic, settings.partitions);
    createdTopics.push(topic);
    const produced = await produceRecords(producer, topic, settings.partitions, framedPool, settings.records);
    say(
      `  ${topic}: ${produced.records.toLocaleString("en-US")} Confluent-framed records (schema id ${id}), mean ${(produced.bytes / produced.records).toFixed(1)} B`,
    );
    const s = schema as { fields: object[] };
    const evolvedReader = { ...s, fields: [...s.fields, { name: "addedByReader", type: "string", default: "" }] };
    rfTopics.set(recordSize, {
      bare,
      framed: { topic, schema, framed: { registry: client, readerSchema: schema } },
      evolved: { topic, schema, framed: { registry: client, readerSchema: evolvedReader } },
    });
  }
}
const r6 = settings.runR6
  ? {
      fast: { topic: `${runId}.r6-fast`, schema: schemaOf(settings.r6Size) },
      slow: { topic: `${runId}.r6-slow`, schema: schemaOf(settings.r6Size), handlerMs: settings.r6SlowMs },
    }
  : undefined;
if (r6) {
  await fill(r6.fast.topic, settings.r6Size, settings.r6FastRecords);
  await fill(r6.slow.topic, settings.r6Size, settings.r6SlowRecords);
}
await producer.disconnect();

// ---------------------------------------------------------------------------------------------
// Runs

let groupCounter = 0;
// R9's yardstick: kafka-tools of the broker's version (an external cluster: KAFKA_VERSION, else the default).
const javaPerfJars =
  settings.runR9 || settings.runR10
    ? await ensurePerfTool(broker?.version ?? (process.env["KAFKA_VERSION"] || DEFAULT_KAFKA_VERSION), say)
    : undefined;

function spec(measured: TopicUnderTest, target: number, extra: Partial<RunSpec> = {}): RunSpec {
  return {
    brokers,
    groupId: `${runId}.group-${++groupCounter}`,
    measured,
    target,
    tuning: settings.tuning,
    deadlineMs: settings.deadlineMs,
    admin,
    ...(javaPerfJars ? { javaPerfJars } : {}),
    ...extra,
  };
}

async function timed(label: string, kind: ConsumerKind, runSpec: RunSpec): Promise<RunResult> {
  const result = await runConsumer(kind, runSpec);
  const rate = Math.round(throughput(result)).toLocaleString("en-US");
  const first =
    result.firstRecordSeconds === undefined
      ? "no record"
      : `first record after ${result.firstRecordSeconds.toFixed(2)} s`;
  const outcome = result.finished
    ? `${result.handled.toLocaleString("en-US")} in ${result.seconds.toFixed(2)} s = ${rate} records/s`
    : `did not finish: ${result.handled.toLocaleString("en-US")} of ${result.target.toLocaleString("en-US")} in ${result.seconds.toFixed(0)} s = ${rate} records/s`;
  const checks = [
    result.pauses ? `paused ${result.pauses}×` : "",
    result.extra > 0 ? `${result.extra} duplicates` : "",
    result.committedToEnd === false ? "commits short of the end" : "",
  ].filter(Boolean);
  say(
    `  ${label.padEnd(34)} ${outcome} (${first})${checks.length ? ` — ${checks.join(", ")}` : ""}${result.profile ? ` [profile ${result.profile}]` : ""}`,
  );
  return result;
}

async function warmUp(measured: TopicUnderTest, kinds: readonly ConsumerKind[]): Promise<void> {
  if (settings.warmup === 0) return;
  for (const kind of kinds) {
    const result = await runConsumer(kind, spec(measured, settings.warmup));
    say(
      `  warm-up ${kind}: ${result.handled.toLocaleString("en-US")} records in ${result.seconds.toFixed(2)} s (not counted)`,
    );
  }
}

const series: Series[] = [];
const ratios: Ratio[] = [];
/** Lines that go with the ratios in the results (R10's CPU time per record). */
const resultLines: string[] = [];
const sizeLabel = (recordSize: RecordSize) => (recordSize === "small" ? "~100 B" : "~1 KB");

// With r1p, R9 is measured against kefgen on the platformatic transport (below) unless r1 is asked for too.
const r9OnKafkajs = settings.runR9 && (settings.runR1 || !settings.runR1P);
for (const [recordSize, measured] of settings.runR1 || r9OnKafkajs ? r1Topics : []) {
  const against = [
    settings.runR1 ? "hand-written kafkajs eachBatch" : "",
    r9OnKafkajs ? "Kafka's Java ConsumerPerformance" : "",
  ]
    .filter(Boolean)
    .join(" and ");
  const label = [settings.runR1 ? "R1" : "", r9OnKafkajs ? "R9" : ""].filter(Boolean).join("/");
  say(
    `\n${label}, ${sizeLabel(recordSize)} records: kefgen shared connection vs ${against}, ${settings.reps} runs each, alternating`,
  );
  await warmUp(measured, [
    "kefgen",
    ...(settings.runR1 ? (["eachBatch"] as const) : []),
    ...(r9OnKafkajs ? (["java"] as const) : []),
  ]);
  const bytes = meanSize.get(recordSize) ?? 0;
  const kefgen: Series = {
    caseName: `${label} ${recordSize}`,
    consumer: "kefgen shared connection (kafkajs transport)",
    records: settings.records,
    recordBytes: bytes,
    runs: [],
  };
  const raw: Series = {
    caseName: `R1 ${recordSize}`,
    consumer: "kafkajs eachBatch (hand-written)",
    records: settings.records,
    recordBytes: bytes,
    runs: [],
  };
  const java: Series = {
    caseName: `R9 ${recordSize}`,
    consumer: "Java ConsumerPerformance (kafka-tools, raw bytes)",
    records: settings.records,
    recordBytes: bytes,
    runs: [],
  };
  for (let rep = 1; rep <= settings.reps; rep++) {
    const profile = (name: string) =>
      settings.profileDir
        ? { profileDir: settings.profileDir, profileName: `${runId}-r1-${recordSize}-${name}-${rep}` }
        : {};
    kefgen.runs.push(await timed(`kefgen #${rep}`, "kefgen", spec(measured, settings.records, profile("kefgen"))));
    if (settings.runR1)
      raw.runs.push(
        await timed(`eachBatch #${rep}`, "eachBatch", spec(measured, settings.records, profile("eachBatch"))),
      );
    if (r9OnKafkajs)
      java.runs.push(await timed(`java ConsumerPerformance #${rep}`, "java", spec(measured, settings.records)));
  }
  series.push(kefgen);
  if (settings.runR1) {
    series.push(raw);
    ratios.push({ name: `R1 ${recordSize}`, numerator: kefgen, denominator: raw, target: 0.95 });
  }
  if (r9OnKafkajs) {
    series.push(java);
    ratios.push({ name: `R9 ${recordSize}`, numerator: kefgen, denominator: java, target: 0.5 });
  }
}

for (const [recordSize, measured] of settings.runR1P ? r1Topics : []) {
  say(
    `\nR1p, ${sizeLabel(recordSize)} records: kefgen on the platformatic transport vs a hand-written @platformatic/kafka consumer, ${settings.reps} runs each, alternating`,
  );
  await warmUp(measured, ["kefgenPlatformatic", "platformatic", ...(settings.runR9 ? (["java"] as const) : [])]);
  const bytes = meanSize.get(recordSize) ?? 0;
  const kefgen: Series = {
    caseName: `R1p ${recordSize}`,
    consumer: "kefgen shared connection (platformatic transport)",
    records: settings.records,
    recordBytes: bytes,
    runs: [],
  };
  const raw: Series = {
    caseName: `R1p ${recordSize}`,
    consumer: "@platformatic/kafka consume() stream (hand-written)",
    records: settings.records,
    recordBytes: bytes,
    runs: [],
  };
  const java: Series = {
    caseName: `R9p ${recordSize}`,
    consumer: "Java ConsumerPerformance (kafka-tools, raw bytes)",
    records: settings.records,
    recordBytes: bytes,
    runs: [],
  };
  for (let rep = 1; rep <= settings.reps; rep++) {
    const profile = (name: string) =>
      settings.profileDir
        ? { profileDir: settings.profileDir, profileName: `${runId}-r1p-${recordSize}-${name}-${rep}` }
        : {};
    kefgen.runs.push(
      await timed(
        `kefgen (platformatic) #${rep}`,
        "kefgenPlatformatic",
        spec(measured, settings.records, profile("kefgen")),
      ),
    );
    raw.runs.push(
      await timed(
        `platformatic stream #${rep}`,
        "platformatic",
        spec(measured, settings.records, profile("platformatic")),
      ),
    );
    if (settings.runR9)
      java.runs.push(await timed(`java ConsumerPerformance #${rep}`, "java", spec(measured, settings.records)));
  }
  series.push(kefgen, raw);
  ratios.push({ name: `R1p ${recordSize}`, numerator: kefgen, denominator: raw, target: 0.95 });
  if (settings.runR9) {
    series.push(java);
    ratios.push({ name: `R9p ${recordSize}`, numerator: kefgen, denominator: java, target: 0.5 });
  }
}

for (const [recordSize, topics] of rfTopics) {
  say(
    `\nRF, ${sizeLabel(recordSize)} records: kefgen on Confluent-framed records vs the same records bare, ${settings.reps} runs each, alternating`,
  );
  await warmUp(topics.framed, ["kefgen"]);
  const bytes = meanSize.get(recordSize) ?? 0;
  const make = (consumer: string): Series => ({
    caseName: `RF ${recordSize}`,
    consumer,
    records: settings.records,
    recordBytes: bytes,
    runs: [],
  });
  const bare = make("kefgen, bare Avro");
  const same = make("kefgen, confluent framing, writer = reader");
  const evolved = make("kefgen, confluent framing, writer ≠ reader (resolver)");
  for (let rep = 1; rep <= settings.reps; rep++) {
    const profile = (name: string) =>
      settings.profileDir
        ? { profileDir: settings.profileDir, profileName: `${runId}-rf-${recordSize}-${name}-${rep}` }
        : {};
    bare.runs.push(await timed(`bare #${rep}`, "kefgen", spec(topics.bare, settings.records, profile("bare"))));
    same.runs.push(
      await timed(
        `framed, writer = reader #${rep}`,
        "kefgen",
        spec(topics.framed, settings.records, profile("framed")),
      ),
    );
    evolved.runs.push(
      await timed(
        `framed, writer ≠ reader #${rep}`,
        "kefgen",
        spec(topics.evolved, settings.records, profile("evolved")),
      ),
    );
  }
  series.push(bare, same, evolved);
  ratios.push({ name: `RF ${recordSize} (writer = reader)`, numerator: same, denominator: bare, target: 0.95 });
  ratios.push({ name: `RF ${recordSize} (writer ≠ reader)`, numerator: evolved, denominator: bare, target: 0.95 });
}

if (r6) {
  say(
    `\nR6: fast topic alone vs next to a topic whose handler takes ${settings.r6SlowMs} ms per record (slow backlog ${settings.r6SlowRecords.toLocaleString("en-US")})`,
  );
  if (r1Topics.size === 0) await warmUp(r6.fast, ["kefgen"]);
  const bytes = meanSize.get(settings.r6Size) ?? 0;
  const make = (consumer: string): Series => ({
    caseName: "R6",
    consumer,
    records: settings.r6FastRecords,
    recordBytes: bytes,
    runs: [],
  });
  const alone = make("kefgen: fast topic alone");
  const contended = make(`kefgen: fast topic + slow topic (${settings.r6SlowMs} ms/record), one shared connection`);
  for (let rep = 1; rep <= settings.reps; rep++) {
    const profile = (name: string) =>
      settings.profileDir ? { profileDir: settings.profileDir, profileName: `${runId}-r6-${name}-${rep}` } : {};
    alone.runs.push(
      await timed(`kefgen alone #${rep}`, "kefgen", spec(r6.fast, settings.r6FastRecords, profile("alone"))),
    );
    contended.runs.push(
      await timed(
        `kefgen with slow topic #${rep}`,
        "kefgen",
        spec(r6.fast, settings.r6FastRecords, { slow: r6.slow, ...profile("contended") }),
      ),
    );
  }
  series.push(alone, contended);
  ratios.push({ name: "R6 kefgen", numerator: contended, denominator: alone, target: 0.9 });

  if (settings.naiveReps > 0) {
    const naiveAlone = make("plain kafkajs eachMessage: fast topic alone");
    const naiveContended = make(`plain kafkajs eachMessage: fast + slow topic in one consumer, slow handler inline`);
    for (let rep = 1; rep <= settings.naiveReps; rep++) {
      naiveAlone.runs.push(await timed(`kafkajs alone #${rep}`, "naive", spec(r6.fast, settings.r6FastRecords)));
      naiveContended.runs.push(
        await timed(
          `kafkajs with slow topic #${rep}`,
          "naive",
          spec(r6.fast, settings.r6FastRecords, { slow: r6.slow, deadlineMs: settings.naiveDeadlineMs }),
        ),
      );
    }
    series.push(naiveAlone, naiveContended);
    const unfinished = naiveContended.runs.some((r) => !r.finished);
    ratios.push({
      name: "R6 plain kafkajs (contrast)",
      numerator: naiveContended,
      denominator: naiveAlone,
      ...(unfinished
        ? { note: `an upper bound: the run was cut off at its ${settings.naiveDeadlineMs / 1000} s deadline` }
        : {}),
    });
  }
}

if (settings.runR10) {
  for (const recordSize of settings.sizes) {
    say(
      `\nR10, ${sizeLabel(recordSize)} records: typed producer vs kafkajs pre-encoded vs Java ProducerPerformance, ${settings.reps} runs each, alternating, batches of ${settings.r10Batch}, ${settings.r10InFlight} in flight`,
    );
    const values = valuePool(recordSize, 4_096);
    const encoded = encodedPool(recordSize, 4_096);
    const bytes = encoded.reduce((sum, b) => sum + b.length, 0) / encoded.length;
    const make = (consumer: string): Series => ({
      caseName: `R10 ${recordSize}`,
      consumer,
      records: settings.r10Records,
      recordBytes: bytes,
      runs: [],
    });
    const typed = make("kefgen typed producer (encode + send)");
    const raw = make("kafkajs producer, pre-encoded");
    const java = make("Java ProducerPerformance (kafka-tools, fixed-size payloads)");
    const baseline = settings.r10Baseline
      ? make(`kefgen typed producer of the baseline (${settings.r10Baseline})`)
      : undefined;
    let topicCounter = 0;
    const producerSpec = async (kind: ProducerKind, target: number, rep: number): Promise<ProducerRunSpec> => {
      const topic = `${runId}.r10-${recordSize}-${++topicCounter}`;
      await createTopic(admin, topic, settings.partitions);
      createdTopics.push(topic);
      return {
        brokers,
        admin,
        topic,
        schema: schemaOf(recordSize),
        values,
        encoded,
        recordBytes: bytes,
        target,
        batch: settings.r10Batch,
        inFlight: settings.r10InFlight,
        deadlineMs: settings.deadlineMs,
        ...(javaPerfJars ? { javaPerfJars } : {}),
        ...(settings.r10Baseline ? { baselineDir: settings.r10Baseline } : {}),
        ...(settings.profileDir && kind !== "java-producer"
          ? { profileDir: settings.profileDir, profileName: `${runId}-r10-${recordSize}-${kind}-${rep}` }
          : {}),
      };
    };
    if (settings.warmup > 0) {
      for (const kind of baseline
        ? (["typed", "kafkajs", "typed-baseline"] as const)
        : (["typed", "kafkajs"] as const)) {
        const result = await runProducer(kind, {
          ...(await producerSpec(kind, settings.warmup, 0)),
          profileDir: undefined,
        });
        say(
          `  warm-up ${kind}: ${result.handled.toLocaleString("en-US")} records in ${result.seconds.toFixed(2)} s (not counted)`,
        );
      }
    }
    const timedProducer = async (label: string, kind: ProducerKind, rep: number): Promise<RunResult> => {
      const result = await runProducer(kind, await producerSpec(kind, settings.r10Records, rep));
      const rate = Math.round(throughput(result)).toLocaleString("en-US");
      const checks = [
        result.finished ? "" : "did not finish",
        result.failure ? `a send failed: ${result.failure}` : "",
        result.extra > 0 ? `${result.extra} records more than sent on the topic` : "",
      ].filter(Boolean);
      const cpu =
        result.cpuMicrosPerRecord === undefined ? "" : `, CPU ${result.cpuMicrosPerRecord.toFixed(1)} µs/record`;
      say(
        `  ${label.padEnd(34)} ${result.handled.toLocaleString("en-US")} in ${result.seconds.toFixed(2)} s = ${rate} records/s${cpu}${checks.length ? ` — ${checks.join(", ")}` : ""}${result.profile ? ` [profile ${result.profile}]` : ""}`,
      );
      return result;
    };
    // The two Node producers take turns going first (odd runs: typed first), so that neither always follows the
    // JVM run, after which the broker and the machine are busiest.
    // With a baseline, the three take turns going first.
    for (let rep = 1; rep <= settings.reps; rep++) {
      const typedRun = async () => typed.runs.push(await timedProducer(`typed producer #${rep}`, "typed", rep));
      const rawRun = async () => raw.runs.push(await timedProducer(`kafkajs pre-encoded #${rep}`, "kafkajs", rep));
      const baselineRun = async () =>
        baseline!.runs.push(await timedProducer(`baseline typed producer #${rep}`, "typed-baseline", rep));
      if (baseline) {
        const order = [typedRun, rawRun, baselineRun];
        for (let k = 0; k < 3; k++) await order[(rep - 1 + k) % 3]!();
      } else if (rep % 2 === 1) {
        await typedRun();
        await rawRun();
      } else {
        await rawRun();
        await typedRun();
      }
      java.runs.push(await timedProducer(`java ProducerPerformance #${rep}`, "java-producer", rep));
    }
    series.push(typed, raw, java, ...(baseline ? [baseline] : []));
    const cpuMedian = (s: Series) => median(s.runs.map((r) => r.cpuMicrosPerRecord ?? NaN));
    const baselineCpu = baseline
      ? `; baseline typed ${cpuMedian(baseline).toFixed(1)} µs, kafkajs ÷ baseline typed = ${(cpuMedian(raw) / cpuMedian(baseline)).toFixed(3)}`
      : "";
    const cpuLine = `R10 ${recordSize} by CPU time per record (bench process, median): typed ${cpuMedian(typed).toFixed(1)} µs, kafkajs ${cpuMedian(raw).toFixed(1)} µs; kafkajs ÷ typed = ${(cpuMedian(raw) / cpuMedian(typed)).toFixed(3)}${baselineCpu}`;
    say(`  ${cpuLine}`);
    resultLines.push(cpuLine);
    ratios.push({ name: `R10 ${recordSize}`, numerator: typed, denominator: raw, target: 0.9 });
    if (baseline) {
      ratios.push({
        name: `R10 ${recordSize} of the baseline`,
        numerator: baseline,
        denominator: raw,
        note: "the same ratio for the baseline's typed producer (before)",
      });
    }
    ratios.push({
      name: `R10 ${recordSize} typed ÷ Java`,
      numerator: typed,
      denominator: java,
      note: "yardstick, no target",
    });
    ratios.push({
      name: `R10 ${recordSize} kafkajs ÷ Java`,
      numerator: raw,
      denominator: java,
      note: "yardstick, no target",
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Results

await admin.deleteTopics({ topics: createdTopics }).catch(() => undefined);
await admin.disconnect();
await broker?.stop();
await devRegistry?.stop();

const table = textTable(series, ratios);
const problems = anomalies(series);
say(`\n${table}\n`);
for (const line of ratioLines(ratios)) say(line);
for (const ratio of ratios.filter((r) => r.name.startsWith("RF ")))
  say(`RF = ${ratioValue(ratio).value.toFixed(3)} (${ratio.name.slice(3)})`);
for (const ratio of ratios.filter((r) => /^R10 \w+$/.test(r.name)))
  say(`R10 = ${ratioValue(ratio).value.toFixed(3)} (${sizeLabel(ratio.name.slice(4) as RecordSize)} records)`);
for (const ratio of ratios.filter((r) => r.name.startsWith("R9 ")))
  say(`R9 = ${ratioValue(ratio).value.toFixed(3)} (${sizeLabel(ratio.name.slice(3) as RecordSize)} records)`);
for (const line of problems) say(`WARNING: ${line}`);

if (settings.profileDir) {
  say(
    `\nprofiles in ${settings.profileDir}; summarize with: npx tsx bench/profile.ts ${settings.profileDir}/*.cpuprofile`,
  );
  say("(timings of profiled runs are not representative; results file not written)");
} else if (settings.write && series.length > 0) {
  const parameters = [
    `case ${caseName}`,
    settings.runR1
      ? `R1 ${settings.records.toLocaleString("en-US")} records × ${settings.sizes.join("+")}, ${settings.reps} runs per consumer`
      : "",
    settings.runR1P
      ? `R1p ${settings.records.toLocaleString("en-US")} records × ${settings.sizes.join("+")}, ${settings.reps} runs per consumer, on Node.js ${process.versions.node} (the hand-written consumer: @platformatic/kafka consume(), mode earliest, autocommit every 5 s, the same avsc decode)`
      : "",
    settings.runR9
      ? `R9 ${settings.records.toLocaleString("en-US")} records × ${settings.sizes.join("+")}, ${settings.reps} runs of kefgen and of ConsumerPerformance (a fresh JVM each, -Xmx512m, fetch.min.bytes 1, fetch.max.wait.ms ${settings.tuning.fetchMaxWaitMs}, tool defaults otherwise)`
      : "",
    settings.runR10
      ? `R10 ${settings.r10Records.toLocaleString("en-US")} records per run × ${settings.sizes.join("+")}, ${settings.reps} runs each of the typed producer, kafkajs pre-encoded and ProducerPerformance (a fresh JVM each, -Xmx512m, --throughput -1, Java client batching defaults), each run to a fresh topic; Node producers send batches of ${settings.r10Batch}, ${settings.r10InFlight} in flight, taking turns going first${settings.r10Baseline ? `; with the typed producer of the baseline ${settings.r10Baseline} in every round (the three Node producers rotate which goes first)` : ""}; all with acks all, idempotence, max in flight 5, no compression, no key`
      : "",
    settings.runRF
      ? `RF ${settings.records.toLocaleString("en-US")} Confluent-framed records × ${settings.sizes.join("+")} against the same records bare, ${settings.reps} runs per case`
      : "",
    settings.runR6
      ? `R6 ${settings.r6FastRecords.toLocaleString("en-US")} fast + ${settings.r6SlowRecords.toLocaleString("en-US")} slow ${settings.r6Size} records, slow handler ${settings.r6SlowMs} ms, ${settings.reps} kefgen runs, ${settings.naiveReps} plain-kafkajs run(s) with a ${settings.naiveDeadlineMs / 1000} s deadline`
      : "",
    `${settings.partitions} partitions per topic`,
    `kefgen maxBufferedMessages ${settings.tuning.maxBufferedMessages} (ApplyBackpressure), fetchMaxWaitMs ${settings.tuning.fetchMaxWaitMs} and fetchMinBytes 1 for every consumer, kafkajs defaults otherwise`,
    settings.warmup > 0
      ? `untimed warm-up of ${settings.warmup.toLocaleString("en-US")} records per consumer`
      : "no warm-up",
  ].filter(Boolean);
  const section = [
    `## Latest run: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`,
    "",
    ...(settings.note ? [`**${settings.note}**`, ""] : []),
    ...(defaultTuning
      ? []
      : [
          `**Non-default tuning (${JSON.stringify(settings.tuning)}): figures for diagnosis, not for the targets.**`,
          "",
        ]),
    ...machine.map((line) => `- ${line}`),
    `- parameters: ${parameters.join("; ")}`,
    "",
    markdownTable(series, ratios),
    "",
    ...ratioLines(ratios).map((line) => `- ${line}`),
    ...resultLines.map((line) => `- ${line}`),
    ...problems.map((line) => `- WARNING: ${line}`),
    "",
    "Columns: *seconds* = consumer start (before connect) → the last record handled, median over the runs (an",
    "unfinished run is cut off at its deadline and counts what it handled by then); *records/s* = records ÷ seconds;",
    "*first record s* = start → first record handled (connect, group join, first fetch); *pauses* = kefgen",
    "backpressure pauses per run (median, and range). Ratios are ratios of the medians; *run pairs* are the ratios of runs made",
    "back to back (A, B, A, B, …). After every finished kefgen and eachBatch run the group's committed offsets were",
    "checked against the topic's end offsets, and duplicates were counted (warnings below if any).",
    "",
    `Reproduce: \`npm run bench${caseName === "all" ? "" : ` -- --case ${caseName}`}\` (options: \`npm run bench -- --help\`).`,
  ].join("\n");
  // `all` owns the main block; another case list writes its own block (e.g. `results-r1-r9`), so a partial run
  // does not replace the full one.
  writeResults(
    settings.resultsFile,
    section,
    caseName === "all" ? "results" : `results-${[...cases].sort().join("-")}`,
  );
  say(`\nwrote ${path.relative(process.cwd(), settings.resultsFile)}`);
}
