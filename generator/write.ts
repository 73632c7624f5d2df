// Writes generated files: all or nothing, only what changed, and removes files an earlier build generated
// that this one no longer does. `planOutput` alone is the `--check` mode: it reads and never writes.
import fs from "node:fs";
import path from "node:path";
import { generatedHeaderLine, type GeneratedFile } from "./emit.js";

export interface OutputPlan {
  /** Files whose content differs from what is on disk (or that do not exist yet). */
  readonly changed: readonly GeneratedFile[];
  /** Files kefgen generated earlier into this directory that are no longer generated. */
  readonly obsolete: readonly string[];
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
}

export function planOutput(outDir: string, files: readonly GeneratedFile[]): OutputPlan {
  const changed = files.filter((f) => readIfExists(path.join(outDir, f.name)) !== f.text);
  const names = new Set(files.map((f) => f.name));
  let existing: string[] = [];
  try {
    existing = fs.readdirSync(outDir).filter((n) => n.endsWith(".ts"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
  }
  const obsolete = existing
    .filter((n) => !names.has(n))
    .filter((n) => (readIfExists(path.join(outDir, n)) ?? "").startsWith(generatedHeaderLine))
    .sort();
  return { changed, obsolete };
}

/**
 * Applies a plan. Every changed file is first written next to its target under a temporary name;
 * only when all are written are they renamed into place, so a failure leaves the old output intact.
 */
export function applyOutput(outDir: string, plan: OutputPlan): void {
  fs.mkdirSync(outDir, { recursive: true });
  const staged: { temp: string; target: string }[] = [];
  try {
    for (const f of plan.changed) {
      const target = path.join(outDir, f.name);
      const temp = `${target}.${process.pid}.kefgen-tmp`;
      fs.writeFileSync(temp, f.text);
      staged.push({ temp, target });
    }
  } catch (error) {
    for (const s of staged) fs.rmSync(s.temp, { force: true });
    throw error;
  }
  for (const s of staged) fs.renameSync(s.temp, s.target);
  for (const name of plan.obsolete) fs.rmSync(path.join(outDir, name), { force: true });
}
