// What the consumer processes that tests run with tsx share (test/fault/consumer-process.ts,
// test/integration/exactly-once-process.ts): their configuration from an environment variable, a log file written
// synchronously so every line before a SIGKILL survives it, a logger to stderr, and the start/stop protocol the
// parent reads: `READY <ms>` once started (exit 2 when start fails), exit 0 after a clean stop on SIGTERM (1 when
// stopping fails).

import { closeSync, openSync, writeSync } from "node:fs";
import type { RuntimeLogger } from "../../runtime/index.js";

/** The JSON configuration the parent put in `variable`; exits with code 2 when it is missing. */
export function configFromEnv<T>(variable: string): T {
  const config = JSON.parse(process.env[variable] ?? "null") as T | null;
  if (!config) {
    process.stderr.write(`${variable} is not set\n`);
    process.exit(2);
  }
  return config;
}

/** A log file appended line by line with synchronous writes. */
export interface SyncLog {
  write(line: string): void;
  close(): void;
}

export function syncLog(file: string): SyncLog {
  const fd = openSync(file, "a");
  return { write: (line) => void writeSync(fd, `${line}\n`), close: () => closeSync(fd) };
}

/** Warnings and errors to stderr (the parent shows them when a test fails); nothing else. */
export const stderrLogger: RuntimeLogger = {
  debug() {},
  info() {},
  warn: (message, fields) => process.stderr.write(`warn: ${message} ${safeJson(fields)}\n`),
  error: (message, fields) => process.stderr.write(`error: ${message} ${safeJson(fields)}\n`),
};

/**
 * Starts `runtime` and writes `READY <ms>`; on SIGTERM runs `onSigterm`, stops the runtime, runs `afterStop`, closes
 * the log and exits 0.
 */
export async function serve(
  runtime: { start(): Promise<unknown>; stop(): Promise<unknown> },
  log: SyncLog,
  hooks: { onSigterm?: () => void; afterStop?: () => unknown } = {},
): Promise<void> {
  process.once("SIGTERM", () => {
    hooks.onSigterm?.();
    void runtime
      .stop()
      .then(() => hooks.afterStop?.())
      .then(
        () => {
          log.close();
          process.exit(0);
        },
        (error: unknown) => {
          process.stderr.write(`stop failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
  });
  try {
    await runtime.start();
    log.write(`READY ${Date.now()}`);
  } catch (error) {
    process.stderr.write(`start failed: ${String(error)}\n`);
    process.exit(2);
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (v instanceof Error ? v.message : v));
  } catch {
    return String(value);
  }
}
