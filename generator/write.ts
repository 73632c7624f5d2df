// Writes generated files: all or nothing, only what changed, never over a file kefgen did not generate, and
// removes files an earlier build generated that this one no longer does. `planOutput` alone is the `--check`
// mode: it reads and never writes.
//
// How a build switches the output (docs/tools.md, "How build writes"):
//   1. stage: every changed file is written (and flushed) next to its target as `<name>.<pid>.kefgen-tmp`;
//   2. journal: `.kefgen-build` is written, naming the files about to be replaced or removed;
//   3. switch: each staged file is renamed over its target, obsolete files are removed;
//   4. the journal is removed.
// A build killed in 1 leaves the old output whole plus temporary files; killed in 3 it leaves a mix of two
// builds and the journal. Both are seen by the next `planOutput`: `--check` reports them, and the next build
// removes the temporary files and, after a journal, writes every file again, so the output converges.
import fs from "node:fs";
import path from "node:path";
import { messages, type MessageArgs, type MessageDef } from "./catalogue.js";
import { diagnostic, startOfFile, type Diagnostic } from "./diagnostics.js";
import { flushDirectory, listDirectory, makeDirectory, readProjectFile, writeFlushed } from "./files.js";
import { generatedHeaderLine, type GeneratedFile } from "./generated.js";

/** The journal a build keeps in the output directory while it moves files into place. */
const journalName = ".kefgen-build";
/** The ending of a staged file's name: `<name>.<pid>.kefgen-tmp`. */
const tempSuffix = ".kefgen-tmp";
const tempPattern = /^.+\.(\d+)\.kefgen-tmp$/;
/** A temporary file or journal of a live process younger than this is taken for a build that is still running. */
const busyForMs = 60_000;

/** What interrupted builds left in the output directory. */
export interface Leftovers {
  /** The journal is there: a build was killed while switching files, so the output may be a mix of two builds. */
  readonly journal: boolean;
  /** Temporary files of interrupted builds, of any process. */
  readonly temps: readonly string[];
  /** The pid of another kefgen process that is writing into the directory right now, if any. */
  readonly busyPid?: number;
}

export interface OutputPlan {
  /** Files whose content differs from what is on disk (or that do not exist yet); every file after a journal. */
  readonly changed: readonly GeneratedFile[];
  /** Files kefgen generated earlier into this directory that are no longer generated. */
  readonly obsolete: readonly string[];
  /** Existing files this build would replace that kefgen did not generate (no generated header): refused unless forced. */
  readonly foreign: readonly string[];
  readonly leftovers: Leftovers;
}

type OnDisk = { kind: "missing" } | { kind: "other" } | { kind: "file"; text: string };

/** Generated files are read back to compare; far larger than any of them, so a huge file in the way is not read. */
const maxOutputFileBytes = 256 * 1024 * 1024;

/**
 * What is at an output path. Read through the one file policy (generator/files.ts), so a FIFO or a device in the
 * output directory is never opened for reading (that would block or read forever): it is "other", in the way.
 */
function onDisk(file: string): OnDisk {
  const read = readProjectFile(file, { maxBytes: maxOutputFileBytes });
  if ("text" in read) return { kind: "file", text: read.text };
  if (read.refused.kind === "missing") return { kind: "missing" };
  if (read.refused.kind === "unreadable") throw new Error(`cannot read "${file}": ${read.refused.reason}`);
  return { kind: "other" };
}

/** A file kefgen generated: its first line is exactly the generated header. */
function isGenerated(text: string): boolean {
  return text.split(/\r?\n/, 1)[0] === generatedHeaderLine;
}

/** Another process (not this one) that is alive and wrote `file` moments ago: a build still running. */
function busyWriter(file: string, pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    if (Date.now() - fs.statSync(file).mtimeMs > busyForMs) return false;
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function journalPid(file: string): number | undefined {
  const match = /^pid (\d+)$/m.exec(fs.readFileSync(file, "utf8"));
  return match ? Number(match[1]) : undefined;
}

/**
 * What a build would do to `outDir`, read-only: the files to write (all of them after an interrupted switch),
 * the obsolete ones to remove, the files in the way that kefgen did not generate (none with `force`), and what
 * interrupted builds left behind.
 */
export function planOutput(
  outDir: string,
  files: readonly GeneratedFile[],
  options: { force?: boolean } = {},
): OutputPlan {
  const names = new Set(files.map((f) => f.name));
  const existing = listDirectory(outDir);
  const journal = existing.includes(journalName);
  const temps = existing.filter((n) => tempPattern.test(n)).sort();
  let busyPid: number | undefined;
  for (const n of temps) {
    const pid = Number(tempPattern.exec(n)![1]);
    if (busyWriter(path.join(outDir, n), pid)) busyPid = pid;
  }
  if (journal) {
    const pid = journalPid(path.join(outDir, journalName));
    if (pid !== undefined && busyWriter(path.join(outDir, journalName), pid)) busyPid = pid;
  }
  const changed: GeneratedFile[] = [];
  const foreign: string[] = [];
  for (const f of files) {
    const current = onDisk(path.join(outDir, f.name));
    if (current.kind === "file" && current.text === f.text && !journal) continue;
    changed.push(f);
    if (current.kind === "other" || (current.kind === "file" && !isGenerated(current.text))) foreign.push(f.name);
  }
  const obsolete = existing
    .filter((n) => n.endsWith(".ts") && !names.has(n))
    .filter((n) => {
      const current = onDisk(path.join(outDir, n));
      return current.kind === "file" && isGenerated(current.text);
    })
    .sort();
  const leftovers: Leftovers = { journal, temps, ...(busyPid === undefined ? {} : { busyPid }) };
  return { changed, obsolete, foreign: options.force ? [] : foreign, leftovers };
}

/**
 * What a plan means for the user: files kefgen refuses to overwrite (KEF4010), what an interrupted build left
 * (KEF4011: an error for `--check`, a warning for a build, which cleans up), another build writing (KEF4012).
 * `show` turns an absolute path into the one printed.
 */
export function planDiagnostics(
  plan: OutputPlan,
  outDir: string,
  options: { check: boolean; show: (absolute: string) => string },
): Diagnostic[] {
  const { show, check } = options;
  const out = show(outDir);
  const at = <M extends MessageDef>(name: string, entry: M, args: MessageArgs<M>): Diagnostic =>
    diagnostic(entry, args, { file: show(path.join(outDir, name)), range: startOfFile });
  const { leftovers } = plan;
  if (leftovers.busyPid !== undefined) {
    const name = leftovers.journal ? journalName : leftovers.temps[0]!;
    return [at(name, messages.anotherWriter, { pid: leftovers.busyPid, out })];
  }
  const diagnostics = plan.foreign.map((name) =>
    at(name, messages.notGenerated, { file: show(path.join(outDir, name)), header: generatedHeaderLine }),
  );
  const n = leftovers.temps.length;
  const temps = { out, temps: `${n} temporary file${n === 1 ? "" : "s"}`, names: leftovers.temps.join(", ") };
  if (leftovers.journal) {
    if (n === 0)
      diagnostics.push(at(journalName, check ? messages.interruptedMix : messages.interruptedRewritten, { out }));
    else
      diagnostics.push(
        check
          ? at(journalName, messages.interruptedMixWithTemps, temps)
          : at(journalName, messages.interruptedRewrittenWithTemps, { out }),
      );
  } else if (n > 0) {
    diagnostics.push(at(leftovers.temps[0]!, check ? messages.leftoverTemps : messages.leftoverTempsRemoved, temps));
  }
  return diagnostics;
}

/**
 * TEST ONLY: `KEFGEN_TEST_PAUSE_AFTER=stage` (after the first staged file) or `=rename` (after the first file
 * is switched) makes the writer print a line to stderr and block forever, so a test can kill the process at
 * exactly that point (test/generator/output-safety.test.ts). Unset, it does nothing.
 */
function testPause(step: "stage" | "rename"): void {
  if (process.env["KEFGEN_TEST_PAUSE_AFTER"] !== step) return;
  fs.writeSync(2, `kefgen: test pause after the first ${step}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

/**
 * Applies a plan (see the top of this file): removes what interrupted builds left, stages every changed file,
 * writes the journal, switches the files, removes obsolete ones and then the journal. A failure while staging
 * leaves the old output intact; one while switching leaves the journal, so the next build repairs the output.
 */
export function applyOutput(outDir: string, plan: OutputPlan): void {
  if (plan.foreign.length > 0 || plan.leftovers.busyPid !== undefined)
    throw new Error("applyOutput: the plan has refused files or another writer");
  makeDirectory(outDir);
  for (const name of plan.leftovers.temps) fs.rmSync(path.join(outDir, name), { force: true });
  const journal = path.join(outDir, journalName);
  if (plan.changed.length === 0 && plan.obsolete.length === 0) return;
  const staged: { temp: string; target: string }[] = [];
  try {
    for (const f of plan.changed) {
      const target = path.join(outDir, f.name);
      const temp = `${target}.${process.pid}${tempSuffix}`;
      staged.push({ temp, target });
      writeFlushed(temp, f.text);
      testPause("stage");
    }
    const lines = [
      "# kefgen build journal. While this file exists a build is switching the files below into place;",
      "# if no build is running, one was interrupted and the output may be a mix of two builds: run kefgen build.",
      `pid ${process.pid}`,
      ...plan.changed.map((f) => `write ${f.name}`),
      ...plan.obsolete.map((n) => `remove ${n}`),
    ];
    const journalTemp = `${journal}.${process.pid}${tempSuffix}`;
    writeFlushed(journalTemp, `${lines.join("\n")}\n`);
    fs.renameSync(journalTemp, journal);
  } catch (error) {
    for (const s of staged) fs.rmSync(s.temp, { force: true });
    fs.rmSync(`${journal}.${process.pid}${tempSuffix}`, { force: true });
    throw error;
  }
  let switched = 0;
  try {
    for (const s of staged) {
      fs.renameSync(s.temp, s.target);
      switched++;
      testPause("rename");
    }
    for (const name of plan.obsolete) fs.rmSync(path.join(outDir, name), { force: true });
  } catch (error) {
    for (const s of staged.slice(switched)) fs.rmSync(s.temp, { force: true });
    // Nothing switched yet and no earlier build interrupted: the old output is whole, the journal can go.
    if (switched === 0 && !plan.leftovers.journal) fs.rmSync(journal, { force: true });
    throw error;
  }
  flushDirectory(outDir);
  fs.rmSync(journal);
  flushDirectory(outDir);
}
