// npm run bench:generator [-- options]: the generator figures of issue 11, measured side by side in one run.
//
// - Cold `kefgen build` of N generated message types (a fresh process each: wall time and peak RSS from
//   /usr/bin/time), next to @ovotech/avro-ts (TypeScript types only) and @asyncapi/modelina on the same schemas.
// - A scaling table for 50, 100, 200, 400 and 1,000 types.
// - `kefgen check` of a 9,600-line .kef (800 inline messages, 800 topics), whole process; and parse + check of it
//   in-process, warm.
// - `kefgen build --watch` on the 400-type project: time from a one-line change to the rewritten output.
//
// Each schema has 10 fields: a nested record, an enum, an array, a map, a nullable union, a decimal, a timestamp
// and three primitives; each schema has one topic. kefgen runs from dist/ (built first with `npm run build`).

import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { writeLargeKef } from "./large-kef.js";
import { codeVersion } from "./report.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const kefgenBin = path.join(root, "bin", "kefgen.js");

const { values: opts } = parseArgs({
  options: {
    sizes: { type: "string", default: "50,100,200,400,1000" },
    reps: { type: "string", default: "1" },
    peers: { type: "string", default: "avro-ts,modelina" },
    "check-reps": { type: "string", default: "11" },
    "watch-reps": { type: "string", default: "5" },
    "no-build": { type: "boolean", default: false },
    "no-write": { type: "boolean", default: false },
    results: { type: "string", default: path.join(root, "bench", "RESULTS.md") },
    note: { type: "string", default: "" },
    label: { type: "string", default: "" },
    // A directory holding an earlier kefgen's bin/ and dist/: measured in the same run, as "before".
    baseline: { type: "string", default: "" },
    "baseline-max": { type: "string", default: "400" },
  },
});
const sizes = opts.sizes.split(",").map(Number);
const reps = Number(opts.reps);
const peers = opts.peers.split(",").filter(Boolean) as Peer[];
type Peer = "avro-ts" | "modelina";

// ---------------------------------------------------------------------------------------------
// Generated projects

/** The Avro schema of message type `i`. */
export function schemaOf(i: number): object {
  return {
    type: "record",
    name: `Event${i}`,
    namespace: `bench.s${i}`,
    doc: `Generated message type ${i}.`,
    fields: [
      { name: "id", type: "string" },
      { name: "sequence", type: "long" },
      { name: "active", type: "boolean" },
      {
        name: "address",
        type: {
          type: "record",
          name: `Address${i}`,
          fields: [
            { name: "street", type: "string" },
            { name: "city", type: "string" },
            { name: "zip", type: ["null", "string"], default: null },
          ],
        },
      },
      { name: "status", type: { type: "enum", name: `Status${i}`, symbols: ["PENDING", "ACTIVE", "CLOSED"] } },
      { name: "tags", type: { type: "array", items: "string" } },
      { name: "attributes", type: { type: "map", values: "long" } },
      { name: "note", type: ["null", "string"], default: null },
      { name: "amount", type: { type: "bytes", logicalType: "decimal", precision: 12, scale: 2 } },
      { name: "placedAt", type: { type: "long", logicalType: "timestamp-millis" } },
    ],
  };
}

/** A project of `n` message types, one .avsc file and one topic each. */
function writeProject(dir: string, n: number): string {
  fs.mkdirSync(path.join(dir, "schemas"), { recursive: true });
  const lines = ["namespace bench", "", 'shared { groupId = "bench" }', ""];
  for (let i = 0; i < n; i++) {
    fs.writeFileSync(path.join(dir, "schemas", `event${i}.avsc`), JSON.stringify(schemaOf(i), null, 2));
    lines.push(`message Event${i} from "schemas/event${i}.avsc"`);
  }
  lines.push("");
  for (let i = 0; i < n; i++) lines.push(`topic "events-${i}" : Event${i}`);
  const file = path.join(dir, "bench.kef");
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

// ---------------------------------------------------------------------------------------------
// Peers: each a fresh process reading the same .avsc files and writing TypeScript.

const peerScripts: Record<Peer, string> = {
  "avro-ts": `
    import fs from "node:fs"; import path from "node:path";
    import { toTypeScript } from "@ovotech/avro-ts";
    const [dir, out] = process.argv.slice(2);
    fs.mkdirSync(out, { recursive: true });
    for (const f of fs.readdirSync(path.join(dir, "schemas")).sort()) {
      const schema = JSON.parse(fs.readFileSync(path.join(dir, "schemas", f), "utf8"));
      fs.writeFileSync(path.join(out, f.replace(/\\.avsc$/, ".ts")), toTypeScript(schema));
    }`,
  modelina: `
    import fs from "node:fs"; import path from "node:path";
    import { TypeScriptGenerator } from "@asyncapi/modelina";
    const [dir, out] = process.argv.slice(2);
    fs.mkdirSync(out, { recursive: true });
    const generator = new TypeScriptGenerator({ modelType: "interface" });
    for (const f of fs.readdirSync(path.join(dir, "schemas")).sort()) {
      const schema = JSON.parse(fs.readFileSync(path.join(dir, "schemas", f), "utf8"));
      const models = await generator.generate(schema);
      fs.writeFileSync(path.join(out, f.replace(/\\.avsc$/, ".ts")), models.map((m) => m.result).join("\\n\\n"));
    }`,
};

interface Run {
  readonly seconds: number;
  /** User + system CPU seconds of the process: what a loaded machine inflates less than wall time. */
  readonly cpuSeconds: number;
  readonly rssMb: number;
  readonly ok: boolean;
  readonly error?: string;
}

/** Runs a command in a fresh process under /usr/bin/time: wall seconds, CPU seconds and peak RSS. */
function timed(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Run {
  const stats = path.join(os.tmpdir(), `kefgen-bench-time-${process.pid}`);
  const started = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "%M %U %S", "-o", stats, command, ...args], {
    cwd,
    env,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const [rssKb, user, system] = fs.readFileSync(stats, "utf8").trim().split("\n").pop()!.split(" ").map(Number) as [
    number,
    number,
    number,
  ];
  fs.rmSync(stats, { force: true });
  const ok = r.status === 0;
  return {
    seconds,
    cpuSeconds: user + system,
    rssMb: rssKb / 1024,
    ok,
    ...(ok ? {} : { error: (r.stderr || r.stdout).slice(0, 400) }),
  };
}

function kefgenBuild(dir: string, bin = kefgenBin): Run {
  fs.rmSync(path.join(dir, "generated"), { recursive: true, force: true });
  return timed(process.execPath, [bin, "build", "bench.kef"], dir);
}

function peerRun(peer: Peer, dir: string, scripts: string): Run {
  const out = path.join(dir, `out-${peer}`);
  fs.rmSync(out, { recursive: true, force: true });
  return timed(process.execPath, [path.join(scripts, `${peer}.mjs`), dir, out], root);
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function best(runs: readonly Run[]): Run {
  const failed = runs.find((r) => !r.ok);
  if (failed) return failed;
  return {
    seconds: median(runs.map((r) => r.seconds)),
    cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    rssMb: Math.max(...runs.map((r) => r.rssMb)),
    ok: true,
  };
}

// ---------------------------------------------------------------------------------------------
// Watch: time from a one-line change of the .kef to the rewritten wiring.ts.

async function watchFigure(dir: string, repsCount: number, bin = kefgenBin): Promise<number[]> {
  const kef = path.join(dir, "bench.kef");
  const original = fs.readFileSync(kef, "utf8");
  const wiring = path.join(dir, "generated", "wiring.ts");
  const child = spawn(process.execPath, [bin, "build", "--watch", "bench.kef"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += String(d)));
  child.stderr.on("data", (d) => (output += String(d)));
  const waitFor = async (test: () => boolean, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      if (Date.now() > deadline) throw new Error(`watch: timed out; output so far:\n${output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  const times: number[] = [];
  try {
    await waitFor(() => /watching /.test(output), 300_000);
    for (let rep = 0; rep < repsCount; rep++) {
      const topic = `events-renamed-${rep}`;
      const started = process.hrtime.bigint();
      fs.writeFileSync(kef, original.replace('topic "events-0" :', `topic "${topic}" :`));
      await waitFor(() => {
        try {
          return fs.readFileSync(wiring, "utf8").includes(topic);
        } catch {
          return false;
        }
      }, 120_000);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    child.kill("SIGTERM");
    fs.writeFileSync(kef, original);
  }
  return times;
}

// ---------------------------------------------------------------------------------------------
// Main

const fmt = (n: number, digits = 2): string => n.toFixed(digits);

async function main(): Promise<void> {
  if (!opts["no-build"]) execFileSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-bench-gen-"));
  const scripts = path.join(root, "node_modules", ".cache", "kefgen-bench");
  fs.mkdirSync(scripts, { recursive: true });
  for (const [peer, text] of Object.entries(peerScripts)) fs.writeFileSync(path.join(scripts, `${peer}.mjs`), text);
  const startedAt = new Date();
  const load = os.loadavg();
  const out: string[] = [];
  const say = (line = ""): void => {
    console.log(line);
    out.push(line);
  };

  // Cold builds, interleaved per size: kefgen, then each peer, `reps` times.
  const baselineBin = opts.baseline ? path.resolve(opts.baseline, "bin", "kefgen.js") : undefined;
  const rows: { n: number; kefgen: Run; before?: Run; peers: Partial<Record<Peer, Run>> }[] = [];
  for (const n of sizes) {
    const dir = path.join(work, `p${n}`);
    writeProject(dir, n);
    const k: Run[] = [];
    const before: Run[] = [];
    const p: Partial<Record<Peer, Run[]>> = {};
    for (let rep = 0; rep < reps; rep++) {
      if (baselineBin && n <= Number(opts["baseline-max"])) before.push(kefgenBuild(dir, baselineBin));
      k.push(kefgenBuild(dir));
      for (const peer of peers) (p[peer] ??= []).push(peerRun(peer, dir, scripts));
    }
    const row = {
      n,
      kefgen: best(k),
      ...(before.length ? { before: best(before) } : {}),
      peers: Object.fromEntries(Object.entries(p).map(([peer, runs]) => [peer, best(runs)])),
    };
    rows.push(row);
    const cells = [
      ...(row.before ? [`before ${fmt(row.before.seconds)} s ${fmt(row.before.rssMb, 0)} MB`] : []),
      `kefgen ${fmt(row.kefgen.seconds)} s ${fmt(row.kefgen.rssMb, 0)} MB`,
      ...peers.map((peer) => `${peer} ${fmt(row.peers[peer]!.seconds)} s`),
    ];
    console.error(`[${n} types] ${cells.join(", ")}${row.kefgen.ok ? "" : `\n  kefgen failed: ${row.kefgen.error}`}`);
  }

  // check of the large file, whole process, and in-process warm.
  const large = writeLargeKef(path.join(work, "large"));
  // Interleaved (kefgen, then the baseline, then kefgen...), so that a slower moment of the machine weighs on both;
  // then on each other Node version scripts/node/fetch.sh has cached, as kefgen supports them all.
  const checkOn = (node: string, bin: string, env?: NodeJS.ProcessEnv): Run =>
    timed(node, [bin, "check", "large.kef"], path.dirname(large.file), env);
  // Node's own start-up (`node -e 0`) is timed alongside: it is part of every figure, and shows how fast the
  // machine is at the time (the same code varies by ±15 % between hours on a shared host).
  const nodeStart = (node: string, env?: NodeJS.ProcessEnv): Run =>
    timed(node, ["-e", "0"], path.dirname(large.file), env);
  // NODE_EXTRA_CA_CERTS (a machine-wide setting where a proxy re-signs TLS) costs Node 20 ~30 ms at every start:
  // it reads and parses the whole certificate file before running any script, which no script can avoid (Node 22
  // and 24 do not read it at start-up). When it is set, each figure is measured without it too, in the same
  // interleaved runs, so that the table shows how much of the figure is this machine's setting and how much kefgen.
  const withoutCa = process.env["NODE_EXTRA_CA_CERTS"] === undefined ? undefined : envWithout("NODE_EXTRA_CA_CERTS");
  // The figures of one Node: kefgen, the baseline and Node's start-up, interleaved run by run.
  const checkFigure = (node: string) => {
    const runs: Run[] = [];
    const before: Run[] = [];
    const starts: Run[] = [];
    const bare: Run[] = [];
    const bareStarts: Run[] = [];
    for (let rep = 0; rep < Number(opts["check-reps"]); rep++) {
      runs.push(checkOn(node, kefgenBin));
      if (baselineBin) before.push(checkOn(node, baselineBin));
      starts.push(nodeStart(node));
      if (withoutCa) {
        bare.push(checkOn(node, kefgenBin, withoutCa));
        bareStarts.push(nodeStart(node, withoutCa));
      }
    }
    return {
      run: best(runs),
      before: baselineBin ? best(before) : undefined,
      start: best(starts),
      withoutCa: withoutCa ? { run: best(bare), start: best(bareStarts) } : undefined,
    };
  };
  const check = checkFigure(process.execPath);
  const checkOtherNodes = otherNodes().map(({ version, node }) => ({ version, ...checkFigure(node) }));
  const warm = warmCheck(large.file, root);
  const warmBefore = opts.baseline ? warmCheck(large.file, path.resolve(opts.baseline)) : undefined;

  // watch on the 400-type project (or the largest one measured below it).
  const watchSize = sizes.includes(400) ? 400 : Math.max(...sizes);
  const watchTimes = await watchFigure(path.join(work, `p${watchSize}`), Number(opts["watch-reps"]));
  // The earlier kefgen rebuilds everything on each change: two changes are enough to show it.
  const watchBefore = baselineBin
    ? await watchFigure(path.join(work, `p${watchSize}`), Math.min(2, Number(opts["watch-reps"])), baselineBin)
    : undefined;

  // Report.
  const at = (n: number) => rows.find((r) => r.n === n);
  const r100 = at(100);
  const r400 = at(400);
  say(`## Generator: ${opts.label ? `${opts.label}, ` : ""}${startedAt.toISOString().replace(/\.\d+Z$/, "Z")}`);
  say();
  say(
    `- ${os.cpus()[0]?.model ?? "CPU"}, nproc ${os.availableParallelism()}; load average at start ${load.map((l) => l.toFixed(2)).join(", ")}`,
  );
  say(`- Node ${process.version}; ${codeVersion()}; ${reps} cold run(s) per cell (median time, highest RSS)`);
  if (opts.note) say(`- note: ${opts.note}`);
  say();
  const hasBefore = rows.some((r) => r.before);
  const beforeHead = hasBefore ? "before: build s | before: CPU s | before: peak RSS MB | " : "";
  say(
    `| types | ${beforeHead}kefgen build s | kefgen CPU s | kefgen peak RSS MB | ${peers.map((p) => `${p} s | ${p} CPU s | ${p} RSS MB | kefgen ÷ ${p}`).join(" | ")} |`,
  );
  say(
    `| ---: | ${hasBefore ? "---: | ---: | ---: | " : ""}---: | ---: | ---: | ${peers.map(() => "---: | ---: | ---: | ---:").join(" | ")} |`,
  );
  for (const r of rows) {
    const cells = peers.map((p) => {
      const pr = r.peers[p]!;
      return pr.ok
        ? `${fmt(pr.seconds)} | ${fmt(pr.cpuSeconds)} | ${fmt(pr.rssMb, 0)} | ${fmt(r.kefgen.seconds / pr.seconds, 1)}×`
        : "failed | | | ";
    });
    const b = !hasBefore
      ? ""
      : r.before
        ? `${r.before.ok ? fmt(r.before.seconds) : "failed"} | ${fmt(r.before.cpuSeconds)} | ${fmt(r.before.rssMb, 0)} | `
        : "not run | | | ";
    say(
      `| ${r.n} | ${b}${r.kefgen.ok ? fmt(r.kefgen.seconds) : "failed"} | ${fmt(r.kefgen.cpuSeconds)} | ${fmt(r.kefgen.rssMb, 0)} | ${cells.join(" | ")} |`,
    );
  }
  say();
  const target = (label: string, value: string, goal: string, met: boolean, was?: string): void =>
    say(`| ${label} | ${value} | ${goal} | ${met ? "met" : "**not met**"} |${hasBefore ? ` ${was ?? ""} |` : ""}`);
  const b100 = r100?.before;
  const b400 = r400?.before;
  say(`| figure | measured | target | |${hasBefore ? " before |" : ""}`);
  say(`| --- | ---: | --- | --- |${hasBefore ? " ---: |" : ""}`);
  if (r400 && r400.peers["avro-ts"]?.ok)
    target(
      "cold build of 400 types ÷ avro-ts",
      `${fmt(r400.kefgen.seconds / r400.peers["avro-ts"].seconds, 2)}×`,
      "≤ 3×",
      r400.kefgen.seconds <= 3 * r400.peers["avro-ts"].seconds,
      b400 ? `${fmt(b400.seconds / r400.peers["avro-ts"].seconds, 1)}×` : undefined,
    );
  if (r400 && r400.peers["avro-ts"]?.ok)
    target(
      "… the same in CPU time (user + system)",
      `${fmt(r400.kefgen.cpuSeconds / r400.peers["avro-ts"].cpuSeconds, 2)}×`,
      "≤ 3×",
      r400.kefgen.cpuSeconds <= 3 * r400.peers["avro-ts"].cpuSeconds,
      b400 ? `${fmt(b400.cpuSeconds / r400.peers["avro-ts"].cpuSeconds, 1)}×` : undefined,
    );
  if (r400 && r100)
    target(
      "scaling: 400 types ÷ 100 types",
      `${fmt(r400.kefgen.seconds / r100.kefgen.seconds, 2)}`,
      "≤ 4.5",
      r400.kefgen.seconds / r100.kefgen.seconds <= 4.5,
      b400 && b100 ? fmt(b400.seconds / b100.seconds, 2) : undefined,
    );
  if (r400)
    target(
      "peak RSS, 400 types",
      `${fmt(r400.kefgen.rssMb, 0)} MB`,
      "≤ 300 MB",
      r400.kefgen.rssMb <= 300,
      b400 ? `${fmt(b400.rssMb, 0)} MB` : undefined,
    );
  // One row per figure of a Node: its whole-process check and that Node's own start-up, measured alongside.
  const checkRow = (label: string, run: Run, start: Run, before?: Run): void =>
    target(
      `${label} (its own start-up ${fmt(start.seconds * 1000, 0)} ms)`,
      `${fmt(run.seconds * 1000, 0)} ms${run.ok ? "" : " (failed)"}`,
      "< 300 ms",
      run.ok && run.seconds < 0.3,
      before ? `${fmt(before.seconds * 1000, 0)} ms` : undefined,
    );
  const checkTarget = (label: string, figure: ReturnType<typeof checkFigure>): void => {
    checkRow(label, figure.run, figure.start, figure.before);
    if (figure.withoutCa)
      checkRow("… the same without this machine's NODE_EXTRA_CA_CERTS", figure.withoutCa.run, figure.withoutCa.start);
  };
  checkTarget(
    `\`kefgen check\`, ${large.lines.toLocaleString("en")}-line .kef, whole process, median of ` +
      `${Number(opts["check-reps"])}, Node ${process.version}`,
    check,
  );
  for (const other of checkOtherNodes) checkTarget(`… the same on Node ${other.version}`, other);
  target(
    "parse + check of it in-process, warm (median)",
    `${fmt(warm.medianMs, 0)} ms`,
    "< 100 ms",
    warm.medianMs < 100,
    warmBefore ? `${fmt(warmBefore.medianMs, 0)} ms` : undefined,
  );
  target(
    `\`build --watch\`, one-line change, ${watchSize} types (median of ${watchTimes.length}, incl. 100 ms debounce)`,
    `${fmt(median(watchTimes), 0)} ms`,
    "< 500 ms",
    median(watchTimes) < 500,
    watchBefore ? `${fmt(median(watchBefore), 0)} ms` : undefined,
  );
  say();
  if (!rows.every((r) => r.kefgen.ok)) say(`kefgen failed: ${rows.find((r) => !r.kefgen.ok)!.kefgen.error}`);
  if (!opts["no-write"]) writeSection(opts.results, out.join("\n"));
  fs.rmSync(work, { recursive: true, force: true });
}

/** This process's environment without `name`. */
function envWithout(name: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env[name];
  return env;
}

/** The Node versions other than this one that scripts/node/fetch.sh has cached (its KEFGEN_NODE_CACHE), oldest first. */
function otherNodes(): { version: string; node: string }[] {
  const cache = process.env["KEFGEN_NODE_CACHE"] ?? path.join(os.homedir(), ".cache", "kefgen", "node");
  if (!fs.existsSync(cache)) return [];
  return fs
    .readdirSync(cache)
    .filter((v) => /^\d+\.\d+\.\d+$/.test(v) && `v${v}` !== process.version)
    .filter((v) => fs.existsSync(path.join(cache, v, ".complete")))
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }))
    .map((version) => ({ version, node: path.join(cache, version, "bin", "node") }));
}

/** parse + check of `file` in a child process that loads only the front end: warm medians over 10 runs. */
function warmCheck(file: string, kefgenRoot: string): { medianMs: number } {
  const script = `
    import { analyse } from ${JSON.stringify(path.join(kefgenRoot, "dist", "generator", "program.js"))};
    const times = [];
    for (let i = 0; i < 15; i++) {
      const t = process.hrtime.bigint();
      const r = analyse({ inputs: [${JSON.stringify(file)}], cwd: ${JSON.stringify(path.dirname(file))} });
      if (r.diagnostics.some((d) => d.severity === "error")) throw new Error(JSON.stringify(r.diagnostics.slice(0, 3)));
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    console.log(JSON.stringify(times.slice(5)));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`warm check failed: ${r.stderr}`);
  return { medianMs: median(JSON.parse(r.stdout) as number[]) };
}

const BEGIN = "<!-- bench:generator:begin (written by `npm run bench:generator`; edit outside the markers) -->";
const END = "<!-- bench:generator:end -->";

/** Replaces the generator section of RESULTS.md (between its markers), keeping every other section. */
function writeSection(file: string, section: string): void {
  const block = `${BEGIN}\n${section.trimEnd()}\n${END}`;
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "# kefgen benchmark results\n";
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  fs.writeFileSync(
    file,
    start >= 0 && end > start
      ? text.slice(0, start) + block + text.slice(end + END.length)
      : `${text.trimEnd()}\n\n${block}\n`,
  );
}

await main();
