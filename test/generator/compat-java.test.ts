// The witness: Java Avro's SchemaCompatibility (org.apache.avro:avro from Maven Central, fetched by
// scripts/java/fetch-avro.sh) judges every change of fixtures/compat/changes.json, and kefgen's verdicts must be
// the same, in both directions. Needs Java 17+ and Maven, as the broker tests do.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compare } from "../../generator/compat.js";
import { changes, changesFile, repoRoot, side } from "../support/compat-table.js";

interface JavaVerdict {
  readonly change: string;
  readonly backward: { readonly compatible: boolean; readonly problems: readonly string[] };
  readonly forward: { readonly compatible: boolean; readonly problems: readonly string[] };
}

function javaVerdicts(): JavaVerdict[] {
  const script = path.join(repoRoot, "scripts/java/fetch-avro.sh");
  const jars = execFileSync("bash", [script], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] })
    .trim()
    .split("\n")
    .pop()!;
  const out = execFileSync(
    "java",
    ["-cp", `${jars}/*`, path.join(repoRoot, "scripts/java/CompatWitness.java"), changesFile],
    { encoding: "utf8", maxBuffer: 1 << 24 },
  );
  return JSON.parse(out) as JavaVerdict[];
}

describe("kefgen's verdicts equal Java Avro's SchemaCompatibility", () => {
  it("on every change of the table, BACKWARD and FORWARD", { timeout: 300_000 }, () => {
    const java = javaVerdicts();
    expect(java.map((v) => v.change)).toEqual(changes.map((c) => c.change));
    const ours = changes.map((c) => {
      const oldSide = side(c.old, "old.avsc");
      const newSide = side(c.new, "new.avsc");
      return {
        change: c.change,
        backward: compare(newSide, oldSide).length === 0,
        forward: compare(oldSide, newSide).length === 0,
      };
    });
    expect(ours).toEqual(
      java.map((v) => ({ change: v.change, backward: v.backward.compatible, forward: v.forward.compatible })),
    );
    // The table's written verdicts are Avro's too (so compat.test.ts pins Java's answers).
    expect(changes.map((c) => ({ change: c.change, backward: c.backward, forward: c.forward }))).toEqual(ours);
    // Java finds a reason for each break it reports.
    for (const v of java) {
      expect(v.backward.problems.length === 0).toBe(v.backward.compatible);
      expect(v.forward.problems.length === 0).toBe(v.forward.compatible);
    }
  });
});
