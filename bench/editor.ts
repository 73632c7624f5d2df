// npm run bench:editor [-- --baseline <dir>]: the front end's figures (issues 11 and 14), before and after side by
// side in one run, interleaved round by round so that both see the same machine load.
//
// - `kefgen lsp` edit-to-diagnostics on the generated 1,000- and 10,000-line files of test/lsp/performance.test.ts:
//   from sending a whole-text `didChange` (break a connection reference, then fix it) to the diagnostics published
//   for the file, the server's debounce (generator/lsp/server.ts `debounceMs`) included; median of the warm edits.
// - `kefgen check` of the 9,600-line .kef of bench/generator.ts, a fresh process: wall time, and CPU time
//   (user + system, from /usr/bin/time), which a busy machine inflates less.
// - parse + check of it in-process, warm (`analyse()` in a process that loads only the front end): wall and CPU.
//
// Each kefgen runs from its dist/ (`bin/kefgen.js`); `--baseline` names a directory holding an earlier kefgen's
// bin/ and dist/ (e.g. a copy made before a change). This checkout is built first unless --no-build.

import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { brokenKef, generatedKef } from "../test/support/perf-kef.js";
import { startServer } from "../test/support/lsp.js";
import { writeLargeKef } from "./large-kef.js";
import { codeVersion, median, writeResults } from "./report.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const { values: opts } = parseArgs({
  options: {
    baseline: { type: "string", default: "" },
    rounds: { type: "string", default: "3" },
    edits: { type: "string", default: "6" },
    "no-build": { type: "boolean", default: false },
    "no-write": { type: "boolean", default: false },
    results: { type: "string", default: path.join(root, "bench", "RESULTS.md") },
    note: { type: "string", default: "" },
  },
});

interface Kefgen {
  readonly label: string;
  readonly dir: string;
}

/** Warm edit-to-diagnostics times (ms) of `edits` break/fix pairs on a `lines`-line file; the first two are cold. */
async function editTimes(k: Kefgen, work: string, lines: number, edits: number): Promise<number[]> {
  const client = await startServer(undefined, [path.join(k.dir, "bin", "kefgen.js"), "lsp", "--stdio"]);
  try {
    const file = path.join(work, `${k.label}-${lines}.kef`);
    const text = generatedKef(lines);
    const broken = brokenKef(text);
    if ((await client.open(file, text)).length !== 0)
      throw new Error(`${k.label}: the ${lines}-line file has diagnostics`);
    const times: number[] = [];
    for (let i = 0; i < edits; i++) {
      let started = performance.now();
      const bad = await client.change(file, broken);
      times.push(performance.now() - started);
      if (!bad.some((d) => d.code === "KEF2002")) throw new Error(`${k.label}: the broken reference was not reported`);
      started = performance.now();
      if ((await client.change(file, text)).length !== 0)
        throw new Error(`${k.label}: the fixed file still has diagnostics`);
      times.push(performance.now() - started);
    }
    return times.slice(2);
  } finally {
    await client.close();
  }
}

/** `kefgen check` of `file` in a fresh process: wall and CPU milliseconds. */
function checkProcess(k: Kefgen, file: string): { wallMs: number; cpuMs: number } {
  const stats = path.join(os.tmpdir(), `kefgen-bench-editor-time-${process.pid}`);
  const started = performance.now();
  const r = spawnSync(
    "/usr/bin/time",
    ["-f", "%U %S", "-o", stats, process.execPath, path.join(k.dir, "bin", "kefgen.js"), "check", path.basename(file)],
    { cwd: path.dirname(file), encoding: "utf8" },
  );
  const wallMs = performance.now() - started;
  if (r.status !== 0) throw new Error(`${k.label}: kefgen check failed: ${r.stdout}${r.stderr}`);
  const [user, system] = fs.readFileSync(stats, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
  return { wallMs, cpuMs: (user! + system!) * 1000 };
}

/** parse + check of `file` in-process, warm: medians of runs 6-15 in a process that loads only the front end. */
function warmCheck(k: Kefgen, file: string): { wallMs: number; cpuMs: number } {
  const script = `
    import { analyse } from ${JSON.stringify(path.join(k.dir, "dist", "generator", "program.js"))};
    const wall = [], cpu = [];
    for (let i = 0; i < 15; i++) {
      const t = performance.now(), c = process.cpuUsage();
      const r = analyse({ inputs: [${JSON.stringify(file)}], cwd: ${JSON.stringify(path.dirname(file))} });
      if (r.diagnostics.length > 0) throw new Error(JSON.stringify(r.diagnostics.slice(0, 3)));
      const used = process.cpuUsage(c);
      wall.push(performance.now() - t);
      cpu.push((used.user + used.system) / 1000);
    }
    console.log(JSON.stringify({ wall: wall.slice(5), cpu: cpu.slice(5) }));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${k.label}: warm check failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { wall: number[]; cpu: number[] };
  return { wallMs: median(out.wall), cpuMs: median(out.cpu) };
}

interface Figures {
  edits1k: number[];
  edits10k: number[];
  checkWall: number[];
  checkCpu: number[];
  warmWall: number[];
  warmCpu: number[];
}

async function main(): Promise<void> {
  if (!opts["no-build"]) execFileSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });
  const kefgens: Kefgen[] = [
    ...(opts.baseline ? [{ label: "before", dir: path.resolve(opts.baseline) }] : []),
    { label: "after", dir: root },
  ];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-bench-editor-"));
  const large = writeLargeKef(path.join(work, "large"));
  const startedAt = new Date();
  const loadAtStart = os.loadavg();
  const loads: number[] = [loadAtStart[0]!];
  const figures = new Map<string, Figures>(
    kefgens.map((k) => [
      k.label,
      { edits1k: [], edits10k: [], checkWall: [], checkCpu: [], warmWall: [], warmCpu: [] },
    ]),
  );
  try {
    for (let round = 0; round < Number(opts.rounds); round++) {
      for (const k of kefgens) {
        const f = figures.get(k.label)!;
        f.edits1k.push(...(await editTimes(k, work, 1_000, Number(opts.edits))));
        f.edits10k.push(...(await editTimes(k, work, 10_000, Number(opts.edits))));
        const c = checkProcess(k, large.file);
        f.checkWall.push(c.wallMs);
        f.checkCpu.push(c.cpuMs);
        const w = warmCheck(k, large.file);
        f.warmWall.push(w.wallMs);
        f.warmCpu.push(w.cpuMs);
        loads.push(os.loadavg()[0]!);
        console.error(
          `[round ${round + 1}, ${k.label}] 10,000-line edit ${median(f.edits10k).toFixed(0)} ms, check ${c.wallMs.toFixed(0)} ms, warm ${w.wallMs.toFixed(0)} ms`,
        );
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }

  const out: string[] = [];
  const say = (line = ""): void => {
    console.log(line);
    out.push(line);
  };
  const ms = (values: readonly number[]): string => `${median(values).toFixed(0)} ms`;
  say(
    `## Editor front end: ${kefgens.map((k) => k.label).join(" and ")}, one run, ${startedAt.toISOString().replace(/\.\d+Z$/, "Z")}`,
  );
  say();
  say(
    `- ${os.cpus()[0]?.model ?? "CPU"}, nproc ${os.availableParallelism()}; load average at start ${loadAtStart.map((l) => l.toFixed(2)).join(", ")}; 1-minute load during the run ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
  );
  say(
    `- Node ${process.version}; ${codeVersion()}; ${opts.rounds} interleaved round(s); medians (edits: of ${2 * Number(opts.edits) - 2} warm edits per round)`,
  );
  if (opts.note) say(`- note: ${opts.note}`);
  say();
  say(`| figure | target | ${kefgens.map((k) => k.label).join(" | ")} |`);
  say(`| --- | --- | ${kefgens.map(() => "---:").join(" | ")} |`);
  const row = (label: string, target: string, pick: (f: Figures) => string): void =>
    say(`| ${label} | ${target} | ${kefgens.map((k) => pick(figures.get(k.label)!)).join(" | ")} |`);
  row("`kefgen lsp` edit-to-diagnostics, 1,000 lines", "", (f) => ms(f.edits1k));
  row("`kefgen lsp` edit-to-diagnostics, 10,000 lines", "< 150 ms", (f) => ms(f.edits10k));
  row(`\`kefgen check\`, ${large.lines.toLocaleString("en")}-line .kef, whole process, wall`, "< 300 ms", (f) =>
    ms(f.checkWall),
  );
  row("the same, CPU (user + system)", "", (f) => ms(f.checkCpu));
  row("parse + check of it in-process, warm, wall", "< 100 ms", (f) => ms(f.warmWall));
  row("the same, CPU", "", (f) => ms(f.warmCpu));
  if (!opts["no-write"]) writeResults(opts.results, out.join("\n"), "editor");
}

await main();
