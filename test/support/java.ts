// Runs the Java Avro witnesses of scripts/java (Java Avro from Maven Central, fetched once by
// scripts/java/fetch-avro.sh into ~/.cache/kefgen/java). Needs Java 17+ and Maven, as the broker tests do.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "../../scripts/snapshots.js";

let jars: string | undefined;

/** The directory of Java Avro's jars (downloaded on first use). */
export function avroJars(): string {
  jars ??= execFileSync("bash", [path.join(repoRoot, "scripts/java/fetch-avro.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  })
    .trim()
    .split("\n")
    .pop()!;
  return jars;
}

/** Runs `scripts/java/<program>` with `input` written as a JSON file after `args`; returns its JSON output. */
export function runJavaWitness<T>(program: string, args: readonly string[], input: unknown): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-java-"));
  const file = path.join(dir, "input.json");
  fs.writeFileSync(file, JSON.stringify(input));
  try {
    const out = execFileSync(
      "java",
      ["-cp", `${avroJars()}/*`, path.join(repoRoot, "scripts/java", program), ...args, file],
      { encoding: "utf8", maxBuffer: 1 << 26 },
    );
    return JSON.parse(out) as T;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
