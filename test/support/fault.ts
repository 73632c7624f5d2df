/**
 * Runs test/fault/consumer-process.ts as a child process (with tsx) and reads its log, for the
 * process-level guarantee tests (SIGKILL, SIGTERM).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FaultConsumerConfig } from "../fault/consumer-process.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const script = fileURLToPath(new URL("../fault/consumer-process.ts", import.meta.url));

/** A running consumer process. */
export interface FaultConsumer {
  readonly child: ChildProcess;
  /** Resolves when the process ended, with when it did. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** What it wrote to stderr so far (for failure messages). */
  stderr(): string;
}

/**
 * Starts a consumer process; its log goes to `config.log`. The process is node itself with tsx's
 * loader (`node --import tsx`), not the `tsx` command: that one runs the script in a second process
 * and a SIGKILL sent to it would leave the consumer running as an orphan.
 */
export function spawnConsumer(config: FaultConsumerConfig): FaultConsumer {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: root,
    env: { ...process.env, KEFGEN_FAULT_CONFIG: JSON.stringify(config) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { child, exited, stderr: () => stderr };
}

/** One parsed log line of the consumer process (see test/fault/consumer-process.ts). */
export type FaultLogLine =
  | { kind: "READY" | "T" | "X"; at: number }
  | { kind: "S" | "H"; at: number; partition: number; offset: number }
  | { kind: "C"; at: number; offsets: Map<number, number> };

/** Reads and parses a consumer process's log (a missing file reads as empty). */
export function readFaultLog(path: string): FaultLogLine[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  const lines: FaultLogLine[] = [];
  // A SIGKILL can cut the last line short: only complete lines count.
  for (const line of text.split("\n").slice(0, -1)) {
    const [kind, at, a, b] = line.split(" ");
    switch (kind) {
      case "READY":
      case "T":
      case "X":
        lines.push({ kind, at: Number(at) });
        break;
      case "S":
      case "H":
        lines.push({ kind, at: Number(at), partition: Number(a), offset: Number(b) });
        break;
      case "C":
        lines.push({
          kind,
          at: Number(at),
          offsets: new Map(a!.split(",").map((pair) => pair.split(":").map(Number) as [number, number])),
        });
        break;
      default:
        throw new Error(`unexpected line in ${path}: ${line}`);
    }
  }
  return lines;
}

/** An `S` or `H` line: a handler call starting or finishing. */
export type FaultCallLine = Extract<FaultLogLine, { partition: number }>;

/** The `H` lines of a log. */
export function handledLines(lines: readonly FaultLogLine[]): FaultCallLine[] {
  return lines.filter((l): l is FaultCallLine => l.kind === "H");
}

/** The `S` lines of a log. */
export function startedLines(lines: readonly FaultLogLine[]): FaultCallLine[] {
  return lines.filter((l): l is FaultCallLine => l.kind === "S");
}
