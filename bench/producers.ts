// The producers R10 compares (issue 12). Each run writes `target` records to a fresh topic in batches of
// `batch` records, `inFlight` batches at a time, and ends when every batch was acknowledged. The clock starts
// right before the first send (connect is outside it: both Node producers connect first) and stops when the
// last batch was acknowledged; the process's CPU time over the same window is reported per record (on a loaded
// machine the wall-clock throughput follows the CPU share the process gets, its CPU time per record much less so). After the run the topic's end offsets are summed: exactly `target` records
// must be there (more are counted as `extra`, fewer make the run unfinished).
//
// - typed:   kefgen's ProducerRuntime / TopicProducer.sendBatch with avroEncoder(avroCodec(schema)): it gets
//            the values as objects and encodes every record itself.
// - typed-baseline: the same, with the runtime of another checkout (bench --r10-baseline), for before/after.
// - kafkajs: a kafkajs producer sending the same values pre-encoded (encoded before the clock starts), with
//            the same settings (acks all, idempotent, 5 requests in flight, no compression, no key).
// - java:    Kafka's own ProducerPerformance (bench/java-producer-perf.ts), R10's yardstick.

import { CompressionTypes, Kafka, logLevel, type Admin } from "kafkajs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import * as kefgenRuntime from "../runtime/index.js";
import type { RunResult } from "./consumers.js";
import { endOffsets, secondsSince } from "./kafka.js";
import { runJavaProducerPerf } from "./java-producer-perf.js";
import { startProfile } from "./profile.js";

/** Which producer a run used. */
export type ProducerKind = "typed" | "typed-baseline" | "kafkajs" | "java-producer";

/** The producer settings of every R10 run (the typed producer's, kafkajs's and the Java tool's). */
export const R10_SETTINGS = { acks: "all", idempotent: true, compression: "none", maxInFlight: 5 } as const;

/** One producer run. */
export interface ProducerRunSpec {
  readonly brokers: string[];
  readonly admin: Admin;
  /** A fresh topic (created by the caller). */
  readonly topic: string;
  readonly schema: object;
  /** The values the typed producer encodes, cycled. */
  readonly values: readonly Record<string, unknown>[];
  /** The same values encoded, cycled by the kafkajs baseline. */
  readonly encoded: readonly Buffer[];
  /** The Java tool's payload size (it sends fixed-size payloads of its own). */
  readonly recordBytes: number;
  readonly target: number;
  readonly batch: number;
  readonly inFlight: number;
  readonly deadlineMs: number;
  readonly javaPerfJars?: string;
  /** Another checkout of kefgen, whose runtime the "typed-baseline" producer uses (bench --r10-baseline). */
  readonly baselineDir?: string;
  readonly profileDir?: string;
  readonly profileName?: string;
}

export async function runProducer(kind: ProducerKind, spec: ProducerRunSpec): Promise<RunResult> {
  if (kind === "java-producer") {
    if (!spec.javaPerfJars) throw new Error("the Java producer perf tool needs its jars");
    const result = await runJavaProducerPerf(spec.javaPerfJars, spec, R10_SETTINGS);
    return withTopicCheck(spec, result);
  }
  const send =
    kind === "typed"
      ? await typedSender(spec, kefgenRuntime)
      : kind === "typed-baseline"
        ? await typedSender(spec, await baselineRuntime(spec))
        : await kafkajsSender(spec);
  try {
    const profile = spec.profileDir
      ? await startProfile(spec.profileDir, spec.profileName ?? `${kind}-${Date.now()}`)
      : undefined;
    const cpuAtStart = process.cpuUsage();
    const started = process.hrtime.bigint();
    const deadline = started + BigInt(spec.deadlineMs) * 1_000_000n;
    let next = 0;
    let acknowledged = 0;
    let first: bigint | undefined;
    let failure: string | undefined;
    const worker = async (): Promise<void> => {
      while (next < spec.target && process.hrtime.bigint() < deadline && failure === undefined) {
        const from = next;
        const to = Math.min(spec.target, from + spec.batch);
        next = to;
        try {
          await send(from, to);
        } catch (error) {
          // A failed send ends the run, reported as unfinished with the error, not the whole benchmark.
          failure ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          return;
        }
        acknowledged += to - from;
        first ??= process.hrtime.bigint();
      }
    };
    await Promise.all(Array.from({ length: spec.inFlight }, worker));
    const ended = process.hrtime.bigint();
    const cpu = process.cpuUsage(cpuAtStart);
    const profileFile = await profile?.stop();
    return withTopicCheck(spec, {
      kind,
      target: spec.target,
      handled: acknowledged,
      finished: acknowledged >= spec.target && failure === undefined,
      seconds: secondsSince(started, ended),
      firstRecordSeconds: first === undefined ? undefined : secondsSince(started, first),
      extra: 0,
      committedToEnd: undefined,
      ...(acknowledged > 0 ? { cpuMicrosPerRecord: (cpu.user + cpu.system) / acknowledged } : {}),
      ...(profileFile ? { profile: profileFile } : {}),
      ...(failure ? { failure } : {}),
    });
  } finally {
    await send.close();
  }
}

/** Checks the topic holds exactly what the run says it wrote: fewer is unfinished, more is `extra`. */
async function withTopicCheck(spec: ProducerRunSpec, result: RunResult): Promise<RunResult> {
  const written = [...(await endOffsets(spec.admin, spec.topic)).values()].reduce((a, b) => a + b, 0);
  return { ...result, finished: result.finished && written >= spec.target, extra: Math.max(0, written - spec.target) };
}

type Sender = ((from: number, to: number) => Promise<void>) & { close(): Promise<void> };

/** What the typed sender uses of a kefgen runtime (this checkout's, or the baseline's). */
type Runtime = Pick<typeof kefgenRuntime, "ProducerRuntime" | "avroCodec" | "avroEncoder" | "silentLogger">;

async function baselineRuntime(spec: ProducerRunSpec): Promise<Runtime> {
  if (!spec.baselineDir) throw new Error("the baseline typed producer needs --r10-baseline");
  const entry = path.resolve(spec.baselineDir, "runtime/index.ts");
  return (await import(pathToFileURL(entry).href)) as Runtime;
}

async function typedSender(spec: ProducerRunSpec, kefgen: Runtime): Promise<Sender> {
  const { ProducerRuntime, avroCodec, avroEncoder, silentLogger } = kefgen;
  const runtime = new ProducerRuntime(
    { brokers: spec.brokers, clientId: "kefgen-bench-typed" },
    { logger: silentLogger },
  );
  const producer = runtime.topic<Record<string, unknown>, never>({
    topic: spec.topic,
    value: avroEncoder(avroCodec(spec.schema)),
    settings: R10_SETTINGS,
  });
  await runtime.start();
  const { values } = spec;
  const send = (from: number, to: number) => {
    const records = [];
    for (let i = from; i < to; i++) records.push({ value: values[i % values.length]! });
    return producer.sendBatch(records);
  };
  return Object.assign(send, { close: () => runtime.stop() });
}

async function kafkajsSender(spec: ProducerRunSpec): Promise<Sender> {
  const kafka = new Kafka({ clientId: "kefgen-bench-kafkajs", brokers: spec.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: R10_SETTINGS.idempotent,
    maxInFlightRequests: R10_SETTINGS.maxInFlight,
  });
  await producer.connect();
  const { encoded } = spec;
  const send = async (from: number, to: number) => {
    const messages = [];
    for (let i = from; i < to; i++) messages.push({ value: encoded[i % encoded.length]! });
    await producer.send({ topic: spec.topic, acks: -1, compression: CompressionTypes.None, messages });
  };
  return Object.assign(send, { close: () => producer.disconnect() });
}
