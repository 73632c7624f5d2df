// Summaries of the runs (median and spread), the printed table, the machine description and
// bench/RESULTS.md (only the part between the markers is rewritten; notes around it are kept).

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import type { RunResult } from "./consumers.js";

/** The runs of one consumer in one case. */
export interface Series {
  /** e.g. "R1 small". */
  readonly caseName: string;
  /** e.g. "kefgen shared connection". */
  readonly consumer: string;
  readonly records: number;
  /** Mean encoded Avro value size in bytes. */
  readonly recordBytes: number;
  readonly runs: RunResult[];
}

/** A ratio between two series' median throughputs. */
export interface Ratio {
  readonly name: string;
  readonly numerator: Series;
  readonly denominator: Series;
  readonly target?: number;
  readonly note?: string;
}

/** Throughput of one run: records handled per second of its measured window. */
export function throughput(run: RunResult): number {
  return run.seconds > 0 ? run.handled / run.seconds : 0;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Median and range of a series. */
export function summarize(series: Series) {
  const rates = series.runs.map(throughput);
  const firsts = series.runs.map((r) => r.firstRecordSeconds).filter((s): s is number => s !== undefined);
  return {
    rate: median(rates),
    minRate: Math.min(...rates),
    maxRate: Math.max(...rates),
    seconds: median(series.runs.map((r) => r.seconds)),
    firstRecordSeconds: firsts.length > 0 ? median(firsts) : undefined,
    finished: series.runs.every((r) => r.finished),
    handled: median(series.runs.map((r) => r.handled)),
    extra: series.runs.reduce((sum, r) => sum + r.extra, 0),
    pauses: series.runs.some((r) => r.pauses === undefined) ? undefined : series.runs.map((r) => r.pauses ?? 0),
    committedToEnd: series.runs.some((r) => r.committedToEnd === undefined)
      ? undefined
      : series.runs.every((r) => r.committedToEnd),
  };
}

/**
 * Throughput between the first and the last record handled: without connect, group join and the
 * first fetch, which weigh more the shorter the run.
 */
export function steadyThroughput(run: RunResult): number {
  if (run.firstRecordSeconds === undefined || run.handled < 2) return 0;
  const seconds = run.seconds - run.firstRecordSeconds;
  return seconds > 0 ? (run.handled - 1) / seconds : 0;
}

/** The ratio of medians, and the range of the ratios of runs paired in the order they ran. */
export function ratioValue(ratio: Ratio): { value: number; pairMin: number; pairMax: number; steady: number } {
  const value = summarize(ratio.numerator).rate / summarize(ratio.denominator).rate;
  const steady =
    median(ratio.numerator.runs.map(steadyThroughput)) / median(ratio.denominator.runs.map(steadyThroughput));
  const pairs = ratio.numerator.runs
    .map((run, i) => {
      const other = ratio.denominator.runs[i];
      return other ? throughput(run) / throughput(other) : undefined;
    })
    .filter((r): r is number => r !== undefined);
  return { value, pairMin: Math.min(...pairs), pairMax: Math.max(...pairs), steady };
}

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : "–");

/** The median number of pauses, and their range when the runs differ (a bimodal case shows here). */
function pausesCell(pauses: readonly number[]): string {
  const min = Math.min(...pauses);
  const max = Math.max(...pauses);
  return min === max ? int(min) : `${int(median(pauses))} (${int(min)}–${int(max)})`;
}

/** One row of the results table per series. */
function rows(series: readonly Series[], ratios: readonly Ratio[]): string[][] {
  return series.map((s) => {
    const sum = summarize(s);
    const own = ratios.filter((r) => r.numerator === s);
    const ratioText =
      own.length > 0
        ? own.map((r) => `${r.name} = ${fixed(ratioValue(r).value, 3)}`).join("; ")
        : ratios.some((r) => r.denominator === s)
          ? "(baseline)"
          : "";
    const seconds = sum.finished
      ? fixed(sum.seconds, 2)
      : `did not finish: ${int(sum.handled)} of ${int(s.records)} in ${fixed(sum.seconds, 0)} s`;
    return [
      s.caseName,
      s.consumer,
      int(s.records),
      `${fixed(s.recordBytes, 0)} B`,
      String(s.runs.length),
      seconds,
      int(sum.rate),
      s.runs.length > 1 ? `${int(sum.minRate)}–${int(sum.maxRate)}` : "",
      sum.firstRecordSeconds === undefined ? "–" : fixed(sum.firstRecordSeconds, 2),
      sum.pauses === undefined ? "–" : pausesCell(sum.pauses),
      ratioText,
    ];
  });
}

const HEADER = [
  "case",
  "consumer",
  "records",
  "record size",
  "runs",
  "seconds (median)",
  "records/s (median)",
  "records/s (min–max)",
  "first record s",
  "pauses",
  "ratio",
];

/** The results as an aligned plain-text table. */
export function textTable(series: readonly Series[], ratios: readonly Ratio[]): string {
  const table = [HEADER, ...rows(series, ratios)];
  const widths = HEADER.map((_, c) => Math.max(...table.map((row) => (row[c] ?? "").length)));
  const line = (row: string[]) =>
    row
      .map((cell, c) => (c >= 2 && c <= 9 ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(table[0] as string[]), widths.map((w) => "-".repeat(w)).join("  "), ...table.slice(1).map(line)].join(
    "\n",
  );
}

/** The results as a Markdown table. */
export function markdownTable(series: readonly Series[], ratios: readonly Ratio[]): string {
  const escape = (cell: string) => cell.replace(/\|/g, "\\|");
  const body = rows(series, ratios).map((row) => `| ${row.map(escape).join(" | ")} |`);
  return [
    `| ${HEADER.join(" | ")} |`,
    `|${HEADER.map((_, c) => (c >= 2 && c <= 9 ? " ---: " : " --- ")).join("|")}|`,
    ...body,
  ].join("\n");
}

/** One line per ratio: value, paired range, target and verdict. */
export function ratioLines(ratios: readonly Ratio[]): string[] {
  return ratios.map((ratio) => {
    const { value, pairMin, pairMax, steady } = ratioValue(ratio);
    const pairs =
      Number.isFinite(pairMin) && ratio.numerator.runs.length > 1
        ? `run pairs ${fixed(pairMin, 3)}–${fixed(pairMax, 3)}, `
        : "";
    const detail = ` (${pairs}first → last record only: ${fixed(steady, 3)})`;
    const target =
      ratio.target === undefined ? "" : `, target ≥ ${ratio.target}: ${value >= ratio.target ? "met" : "NOT met"}`;
    return `${ratio.name} = ${fixed(value, 3)}${detail}${target}${ratio.note ? ` — ${ratio.note}` : ""}`;
  });
}

/** Problems the runs showed (unfinished kefgen/baseline runs, duplicates, commits short of the end). */
export function anomalies(series: readonly Series[]): string[] {
  const out: string[] = [];
  for (const s of series) {
    const sum = summarize(s);
    if (sum.extra > 0) out.push(`${s.caseName} / ${s.consumer}: ${sum.extra} records handled more than once`);
    if (sum.committedToEnd === false)
      out.push(`${s.caseName} / ${s.consumer}: commits did not reach the end of the topic after stop`);
  }
  return out;
}

/** The commit the benchmark ran on, and whether runtime/ (what it measures) had uncommitted changes. */
export function codeVersion(): string {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "runtime"], { encoding: "utf8" }).trim() !== "";
    return `kefgen commit ${commit}${dirty ? ", with uncommitted changes in runtime/" : ""}`;
  } catch {
    return "kefgen commit unknown (not a git checkout)";
  }
}

/** nproc, CPU model, memory, load, Node, kafkajs/avsc and Kafka versions. */
export function machineDescription(kafkaVersion: string, loadAverage: readonly number[] = os.loadavg()): string[] {
  const cpuModel = (() => {
    try {
      const line = readFileSync("/proc/cpuinfo", "utf8")
        .split("\n")
        .find((l) => l.startsWith("model name"));
      return line?.split(":")[1]?.trim() ?? os.cpus()[0]?.model ?? "unknown";
    } catch {
      return os.cpus()[0]?.model ?? "unknown";
    }
  })();
  const nproc = (() => {
    try {
      return execFileSync("nproc", { encoding: "utf8" }).trim();
    } catch {
      return String(os.availableParallelism());
    }
  })();
  const load = loadAverage.map((l) => l.toFixed(2)).join(", ");
  const require = createRequire(import.meta.url);
  const version = (pkg: string) => {
    try {
      return (require(`${pkg}/package.json`) as { version: string }).version;
    } catch {
      return "unknown";
    }
  };
  return [
    `CPU: ${cpuModel}, nproc ${nproc}`,
    `memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `OS: ${os.type()} ${os.release()} (${os.arch()})`,
    `load average when the run started: ${load}`,
    `Node ${process.version}, kafkajs ${version("kafkajs")}, avsc ${version("avsc")}`,
    `Kafka: ${kafkaVersion}`,
  ];
}

/** Replaces the generated section `block` of `file` (or creates the file with a title and the section). */
export function writeResults(file: string, section: string, blockName = "results"): void {
  const BEGIN = `<!-- bench:${blockName}:begin (written by \`npm run bench\`; edit outside the markers) -->`;
  const END = `<!-- bench:${blockName}:end -->`;
  const block = `${BEGIN}\n${section.trimEnd()}\n${END}`;
  if (!existsSync(file)) {
    writeFileSync(file, `# kefgen benchmark results\n\n${block}\n`);
    return;
  }
  const text = readFileSync(file, "utf8");
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  const updated =
    start >= 0 && end > start
      ? text.slice(0, start) + block + text.slice(end + END.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, updated);
}
