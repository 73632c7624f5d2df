// R10's yardstick: Kafka's own Java producer perf tool (org.apache.kafka.tools.ProducerPerformance, the
// `kafka-producer-perf-test` of the Kafka distribution), from the same kafka-tools jars as R9's consumer tool
// (scripts/kafka/fetch-perf.sh, bench/java-perf.ts ensurePerfTool). Each run is a fresh JVM writing `target`
// records of `recordBytes` bytes (the tool's own payloads: it has no Avro, so it neither encodes nor sends our
// values) to a fresh topic, unthrottled, with R10's settings (acks, idempotence, requests in flight,
// compression); the Java client's batching (batch.size, linger.ms) keeps its defaults.
//
// Timing is the tool's own: records ÷ its final records/sec, from just before the first send to the last
// acknowledgement (JVM start-up and the producer's construction are outside it).

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { RunResult } from "./consumers.js";

const execFileAsync = promisify(execFile);

/** The figures of ProducerPerformance's final summary line. */
export interface ProducerPerfReport {
  readonly records: number;
  readonly recordsPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly avgLatencyMs: number;
  readonly maxLatencyMs: number;
  /** records ÷ records/sec. */
  readonly elapsedMs: number;
}

/**
 * Parses the tool's output: progress lines every few seconds and a final summary,
 * `N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, p50 ms 50th, … 99.9th.`
 * The summary is the last line with percentiles (the progress lines have none).
 */
export function parseProducerPerfReport(output: string): ProducerPerfReport {
  const line = output
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /records sent/.test(l) && /50th/.test(l))
    .pop();
  const match = line?.match(
    /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency/,
  );
  if (!match) throw new Error(`no ProducerPerformance summary in:\n${output.slice(-2_000)}`);
  const [records, recordsPerSecond, megabytesPerSecond, avgLatencyMs, maxLatencyMs] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  if (!(recordsPerSecond > 0)) throw new Error(`ProducerPerformance reported no throughput: ${line}`);
  return {
    records,
    recordsPerSecond,
    megabytesPerSecond,
    avgLatencyMs,
    maxLatencyMs,
    elapsedMs: (records / recordsPerSecond) * 1000,
  };
}

/** Producer settings as the Java client names them. */
export function javaProducerProps(
  brokers: readonly string[],
  settings: { acks: "all" | "leader" | "none"; idempotent: boolean; compression: "none" | "gzip"; maxInFlight: number },
): string[] {
  return [
    `bootstrap.servers=${brokers.join(",")}`,
    `acks=${{ all: "all", leader: "1", none: "0" }[settings.acks]}`,
    `enable.idempotence=${settings.idempotent}`,
    `max.in.flight.requests.per.connection=${settings.maxInFlight}`,
    `compression.type=${settings.compression}`,
  ];
}

/** Runs ProducerPerformance once: `spec.target` records of `spec.recordBytes` bytes to `spec.topic`. */
export async function runJavaProducerPerf(
  jars: string,
  spec: { brokers: string[]; topic: string; target: number; recordBytes: number; deadlineMs: number },
  settings: Parameters<typeof javaProducerProps>[1],
): Promise<RunResult> {
  const args = [
    "-Xmx512m",
    "-cp",
    `${jars}/*`,
    "org.apache.kafka.tools.ProducerPerformance",
    "--topic",
    spec.topic,
    "--num-records",
    String(spec.target),
    "--record-size",
    String(Math.max(1, Math.round(spec.recordBytes))),
    "--throughput",
    "-1",
    "--producer-props",
    ...javaProducerProps(spec.brokers, settings),
  ];
  const { stdout } = await execFileAsync("java", args, { timeout: spec.deadlineMs + 60_000, maxBuffer: 4 << 20 });
  const report = parseProducerPerfReport(stdout);
  return {
    kind: "java-producer",
    target: spec.target,
    handled: Math.min(report.records, spec.target),
    finished: report.records >= spec.target && report.elapsedMs <= spec.deadlineMs,
    seconds: report.elapsedMs / 1000,
    firstRecordSeconds: undefined,
    extra: 0,
    committedToEnd: undefined,
  };
}
