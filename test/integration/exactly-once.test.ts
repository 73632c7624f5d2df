// Exactly-once handlers against the real broker (issue 12): a consume → transform → produce process
// (exactly-once-process.ts) is SIGKILLed mid-stream and restarted; the output, read with read_committed, holds
// every input number exactly once. The same run with exactly-once off (at-least-once) is the control: its
// duplicates are counted and reported, not asserted (they depend on where the kill lands).

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { brokers, committedOffsets, createTopic, kafka, produce, uniqueName, waitFor } from "../support/kafka.js";
import { transactionalIdOf } from "../../runtime/index.js";
import type { ExactlyOnceProcessConfig } from "./exactly-once-process.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const script = fileURLToPath(new URL("./exactly-once-process.ts", import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), "kefgen-eos-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PARTITIONS = 3;
const N = 1_200;

interface Child {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}
const children: Child[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill("SIGKILL");
    await c.exited;
  }
});

/** node with tsx's loader, not the `tsx` command: a SIGKILL must reach the consumer itself (see test/support/fault.ts). */
function spawnProcess(config: ExactlyOnceProcessConfig): Child {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: root,
    env: { ...process.env, KEFGEN_EOS_CONFIG: JSON.stringify(config) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const started = { child, exited, stderr: () => stderr };
  children.push(started);
  return started;
}

/** Handler calls a process logged: `H <ms> <partition> <offset>` lines (a SIGKILL may cut the last one short). */
function handled(log: string): { at: number }[] {
  let text: string;
  try {
    text = readFileSync(log, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .slice(0, -1)
    .filter((line) => line.startsWith("H "))
    .map((line) => ({ at: Number(line.split(" ")[1]) }));
}

/** Input numbers found in the output more than once, and those missing (of 1..n). */
export function duplicatesAndGaps(numbers: readonly number[], n: number): { duplicates: number[]; gaps: number[] } {
  const seen = new Map<number, number>();
  for (const x of numbers) seen.set(x, (seen.get(x) ?? 0) + 1);
  const duplicates = [...seen].filter(([, count]) => count > 1).map(([x]) => x);
  const gaps: number[] = [];
  for (let i = 1; i <= n; i++) if (!seen.has(i)) gaps.push(i);
  return { duplicates: duplicates.sort((a, b) => a - b), gaps };
}

/** Every record of `topic`, read from the start with read_committed until at least `n` arrived and none came for 2 s. */
async function readCommitted(topic: string, n: number): Promise<number[]> {
  const consumer = kafka().consumer({ groupId: uniqueName("eos-reader"), readUncommitted: false });
  const out: number[] = [];
  let lastAt = Date.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        out.push(Number(message.value!.toString("utf8")));
        lastAt = Date.now();
      },
    });
    await waitFor(() => out.length >= n && Date.now() - lastAt > 2_000, {
      timeoutMs: 60_000,
      message: `${n} committed records of ${topic} (have ${out.length})`,
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

function figure(name: string, values: Record<string, unknown>): void {
  process.stdout.write(`[figures] ${name} ${JSON.stringify(values)}\n`);
}

/** Records per second of a process's handler calls, from its first to its last logged call. */
function rate(calls: readonly { at: number }[]): number {
  if (calls.length < 2) return 0;
  const ms = calls[calls.length - 1]!.at - calls[0]!.at;
  return ms > 0 ? Math.round((calls.length - 1) / (ms / 1000)) : 0;
}

/** Runs the input through a process killed with SIGKILL after a quarter is committed, then a second one to the end. */
async function killedRun(exactlyOnce: boolean): Promise<{ output: number[]; firstRate: number; secondRate: number }> {
  const name = exactlyOnce ? "eos" : "alo";
  const input = uniqueName(`${name}-in`);
  const output = uniqueName(`${name}-out`);
  const groupId = uniqueName(`${name}-group`);
  await createTopic(input, PARTITIONS);
  await createTopic(output, PARTITIONS);
  // Numbers 1..N round-robin over the partitions.
  await produce(
    input,
    Array.from({ length: N }, (_, i) => ({ value: String(i + 1), partition: i % PARTITIONS })),
  );
  const committed = async () =>
    [...(await committedOffsets(groupId, input)).values()].reduce((sum, o) => sum + Math.max(o, 0), 0);
  const config = (log: string): ExactlyOnceProcessConfig => ({
    brokers: brokers(),
    groupId,
    input,
    output,
    log,
    exactlyOnce,
    handlerDelayMs: 2,
    autoCommitIntervalMs: 1_000,
  });

  const log1 = path.join(dir, `${input}-1.log`);
  const first = spawnProcess(config(log1));
  await waitFor(async () => (await committed()) >= N / 4, {
    timeoutMs: 60_000,
    message: `a quarter of the input committed; stderr: ${first.stderr()}`,
  });
  first.child.kill("SIGKILL");
  expect((await first.exited).signal).toBe("SIGKILL");
  const atKill = await committed();
  expect(atKill, "killed mid-stream, not after the end").toBeLessThan(N);

  const log2 = path.join(dir, `${input}-2.log`);
  const second = spawnProcess(config(log2));
  await waitFor(async () => (await committed()) === N, {
    timeoutMs: 90_000,
    message: `the restarted process to commit the whole input; stderr: ${second.stderr()}`,
  });
  second.child.kill("SIGTERM");
  expect((await second.exited).code).toBe(0);
  return { output: await readCommitted(output, N), firstRate: rate(handled(log1)), secondRate: rate(handled(log2)) };
}

describe("duplicatesAndGaps (the check the broker test relies on)", () => {
  it("finds a duplicate and a gap", () => {
    expect(duplicatesAndGaps([1, 2, 2, 4], 4)).toEqual({ duplicates: [2], gaps: [3] });
    expect(duplicatesAndGaps([3, 1, 2], 3)).toEqual({ duplicates: [], gaps: [] });
  });

  it("names the transactional id of an input partition after group, topic and partition", () => {
    expect(transactionalIdOf({ groupId: "g", topic: "orders", partition: 2 })).toBe("g.orders.2");
  });
});

describe("exactly-once handlers: a process SIGKILLed mid-stream", () => {
  it("with exactlyOnce the read_committed output holds each input number once: no duplicate, no gap", async () => {
    const run = await killedRun(true);
    const { duplicates, gaps } = duplicatesAndGaps(run.output, N);
    figure("exactly-once", {
      records: N,
      output: run.output.length,
      duplicates: duplicates.length,
      gaps: gaps.length,
      firstProcessRecordsPerSecond: run.firstRate,
      secondProcessRecordsPerSecond: run.secondRate,
    });
    expect(gaps).toEqual([]);
    expect(duplicates).toEqual([]);
    expect(run.output).toHaveLength(N);
  });

  it("control: at-least-once (produce, then commit) loses nothing; its duplicates are reported", async () => {
    const run = await killedRun(false);
    const { duplicates, gaps } = duplicatesAndGaps(run.output, N);
    figure("at-least-once control", {
      records: N,
      output: run.output.length,
      duplicates: duplicates.length,
      gaps: gaps.length,
      firstProcessRecordsPerSecond: run.firstRate,
      secondProcessRecordsPerSecond: run.secondRate,
    });
    expect(gaps).toEqual([]);
  });
});
