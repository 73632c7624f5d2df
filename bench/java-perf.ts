// R9's yardstick: Kafka's own Java consumer perf tool (org.apache.kafka.tools.ConsumerPerformance, the
// `kafka-consumer-perf-test` of the Kafka distribution), from org.apache.kafka:kafka-tools of the broker's
// version (scripts/kafka/fetch-perf.sh downloads it from Maven Central and caches it). Each run is a fresh
// JVM and a fresh consumer group reading the topic from the earliest offset, with the same fetch settings as
// the Node consumers (fetch.min.bytes 1, fetch.max.wait.ms as kefgen's fetchMaxWaitMs); it reads raw bytes and
// does not decode them (the tool has no Avro), so R9 also prices kefgen's Avro decoding.
//
// Timing is the tool's own: its elapsed time runs from just before it subscribes to the last record, so
// connect, group join and the first fetch are inside it, as in the Node runs; JVM start-up is not.
// `rebalance.time.ms` (the join) stands for "first record" so that the steady figure excludes the join too.

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { RunResult, RunSpec } from "./consumers.js";

const execFileAsync = promisify(execFile);
const scriptsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "scripts", "kafka");

/** The jar directory of kafka-tools `version` (fetched and cached on first use). */
export async function ensurePerfTool(version: string, log?: (line: string) => void): Promise<string> {
  log?.(`kafka-tools ${version} (ConsumerPerformance): scripts/kafka/fetch-perf.sh`);
  const { stdout } = await execFileAsync("bash", [path.join(scriptsDir, "fetch-perf.sh"), version], {
    maxBuffer: 1 << 20,
  });
  const dir = stdout.trim().split("\n").pop();
  if (!dir) throw new Error("fetch-perf.sh printed no jar directory");
  return dir;
}

/** The figures of one ConsumerPerformance report line. */
export interface PerfReport {
  readonly records: number;
  readonly megabytes: number;
  /** start → last record, ms (includes the group join). */
  readonly elapsedMs: number;
  readonly rebalanceMs: number;
  readonly fetchMs: number;
}

/**
 * Parses the tool's report: a header line (`start.time, end.time, data.consumed.in.MB, MB.sec,
 * data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec`)
 * and one line of values. Columns are found by name, so an added column does not shift the others.
 */
export function parsePerfReport(output: string): PerfReport {
  const lines = output.split("\n").map((l) => l.trim());
  const headerAt = lines.findIndex((l) => l.startsWith("start.time"));
  if (headerAt < 0 || !lines[headerAt + 1])
    throw new Error(`no ConsumerPerformance report in:\n${output.slice(-2_000)}`);
  const names = lines[headerAt]!.split(",").map((s) => s.trim());
  const values = lines[headerAt + 1]!.split(",").map((s) => s.trim());
  const num = (name: string): number => {
    const i = names.indexOf(name);
    const value = i < 0 ? Number.NaN : Number(values[i]);
    if (!Number.isFinite(value))
      throw new Error(`ConsumerPerformance report lacks ${name}:\n${lines[headerAt]}\n${lines[headerAt + 1]}`);
    return value;
  };
  const rebalanceMs = num("rebalance.time.ms");
  const fetchMs = num("fetch.time.ms");
  return {
    records: num("data.consumed.in.nMsg"),
    megabytes: num("data.consumed.in.MB"),
    elapsedMs: rebalanceMs + fetchMs,
    rebalanceMs,
    fetchMs,
  };
}

/** Runs ConsumerPerformance once over `spec.measured.topic` until `spec.target` records (or the deadline). */
export async function runJavaPerf(jars: string, spec: RunSpec): Promise<RunResult> {
  if (spec.slow || spec.measured.framed) throw new Error("the Java perf tool reads one topic of bare records");
  const dir = mkdtempSync(path.join(os.tmpdir(), "kefgen-perf-"));
  const config = path.join(dir, "consumer.properties");
  writeFileSync(
    config,
    [`fetch.min.bytes=1`, `fetch.max.wait.ms=${spec.tuning.fetchMaxWaitMs}`, `auto.offset.reset=earliest`, ""].join(
      "\n",
    ),
  );
  const args = [
    "-Xmx512m",
    "-cp",
    `${jars}/*`,
    "org.apache.kafka.tools.ConsumerPerformance",
    "--bootstrap-server",
    spec.brokers.join(","),
    "--topic",
    spec.measured.topic,
    "--group",
    spec.groupId,
    "--messages",
    String(spec.target),
    "--consumer.config",
    config,
    // Max time between two returned records before the tool gives up; the run's deadline bounds the rest.
    "--timeout",
    String(Math.min(spec.deadlineMs, 30_000)),
  ];
  try {
    const { stdout } = await execFileAsync("java", args, { timeout: spec.deadlineMs + 60_000, maxBuffer: 4 << 20 });
    const report = parsePerfReport(stdout);
    const handled = Math.min(report.records, spec.target);
    const finished = report.records >= spec.target && report.elapsedMs <= spec.deadlineMs;
    return {
      kind: "java",
      target: spec.target,
      handled,
      finished,
      seconds: report.elapsedMs / 1000,
      firstRecordSeconds: report.rebalanceMs / 1000,
      extra: Math.max(0, report.records - spec.target),
      committedToEnd: undefined,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
