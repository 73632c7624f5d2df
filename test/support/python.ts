/**
 * The Python witness environment (scripts/python/setup.sh): a virtual environment with confluent-kafka's
 * AvroSerializer and fastavro, so that tests read records written by a real producer library. It is created on
 * first use (and by .ci/run). Never skipped: when it cannot be had, the tests that need it fail and say why.
 */
import { execFile, spawnSync } from "node:child_process";
import path from "node:path";
import { repoRoot } from "../../scripts/snapshots.js";

let cached: string | undefined;

/** The venv's python executable, creating the venv if needed. Throws (loudly, also under CI=true) when it cannot. */
export function witnessPython(): string {
  if (cached) return cached;
  const setup = spawnSync("bash", [path.join(repoRoot, "scripts/python/setup.sh")], {
    encoding: "utf8",
    timeout: 600_000,
  });
  if (setup.status !== 0) {
    throw new Error(
      `the Python witness environment could not be set up (scripts/python/setup.sh exited ${setup.status}${setup.error ? `: ${setup.error.message}` : ""}):\n${setup.stderr}`,
    );
  }
  const venv = setup.stdout.trim().split("\n").pop()!;
  cached = path.join(venv, "bin", "python");
  return cached;
}

/**
 * Runs one of scripts/python/*.py with the witness python; rejects with its stderr when it fails. Asynchronous on
 * purpose: the development registry the script talks to runs in the test's own event loop.
 */
export function runWitness(script: string, args: readonly string[], timeoutMs = 300_000): Promise<string> {
  const python = witnessPython();
  return new Promise((resolve, reject) => {
    execFile(
      python,
      [path.join(repoRoot, "scripts/python", script), ...args],
      { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${script} failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/**
 * The values (UTF-8) of every record of `topic`, read from the start with read_committed by librdkafka
 * (scripts/python/read_committed.py), once at least `count` arrived and every partition is at its end.
 */
export async function readCommittedValues(brokers: readonly string[], topic: string, count: number): Promise<string[]> {
  const out = await runWitness("read_committed.py", [
    "--brokers",
    brokers.join(","),
    "--topic",
    topic,
    "--count",
    String(count),
  ]);
  return JSON.parse(out) as string[];
}
