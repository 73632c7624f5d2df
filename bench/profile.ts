// CPU profiles of one timed window (not of the whole process, which would mostly show producing and
// broker set-up), written as .cpuprofile files (Chrome DevTools format), and a summary of where the
// time went: self time by function and by file.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** A started profile; `stop` writes it and returns the file path. */
export interface RunningProfile {
  stop(): Promise<string>;
}

/** Starts the V8 CPU profiler in this process; the profile is written to `<dir>/<name>.cpuprofile`. */
export async function startProfile(dir: string, name: string): Promise<RunningProfile> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 250 });
  await session.post("Profiler.start");
  return {
    async stop() {
      const { profile } = await session.post("Profiler.stop");
      session.disconnect();
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${name}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

/** One line of a {@link summarizeProfile} table. */
export interface ProfileShare {
  readonly name: string;
  readonly share: number;
}

/**
 * Self time by function (`file:function:line`) and by file, and total time (self + callees) by
 * function, as shares of all samples (idle included).
 */
export function summarizeProfile(
  file: string,
  top = 25,
): { functions: ProfileShare[]; files: ProfileShare[]; inclusive: ProfileShare[]; idle: number; totalMs: number } {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const selfTime = new Map<number, number>();
  let total = 0;
  samples.forEach((id, i) => {
    const dt = Math.max(0, deltas[i] ?? 0);
    selfTime.set(id, (selfTime.get(id) ?? 0) + dt);
    total += dt;
  });
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const functionKey = (id: number): string | undefined => {
    const frame = byId.get(id)?.callFrame;
    if (!frame) return undefined;
    const where = shortUrl(frame.url);
    const fn = frame.functionName || "(anonymous)";
    return where ? `${where}:${fn}:${frame.lineNumber + 1}` : fn;
  };
  const inclusive = new Map<string, number>();
  for (const [id, time] of selfTime) {
    const seen = new Set<string>();
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
      const key = functionKey(node);
      if (key === undefined || seen.has(key) || key === "(root)") continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + time);
    }
  }
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  let idle = 0;
  for (const [id, time] of selfTime) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const where = shortUrl(frame.url);
    const fn = frame.functionName || "(anonymous)";
    if (fn === "(idle)") idle += time;
    const key = functionKey(id) as string;
    functions.set(key, (functions.get(key) ?? 0) + time);
    const fileKey = where || fn;
    files.set(fileKey, (files.get(fileKey) ?? 0) + time);
  }
  const rank = (map: Map<string, number>): ProfileShare[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, time]) => ({ name, share: total === 0 ? 0 : time / total }));
  return {
    functions: rank(functions),
    files: rank(files),
    inclusive: rank(inclusive),
    idle: total === 0 ? 0 : idle / total,
    totalMs: total / 1000,
  };
}

/** `node_modules/kafkajs/src/…` and `runtime/…` instead of absolute file URLs. */
function shortUrl(url: string): string {
  if (!url) return "";
  const clean = url.replace(/^file:\/\//, "");
  const modules = clean.lastIndexOf("node_modules/");
  if (modules >= 0) return clean.slice(modules);
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  return clean.startsWith(root) ? path.relative(root, clean) : clean;
}

// `tsx bench/profile.ts <file.cpuprofile>…` prints the summaries.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const file of process.argv.slice(2)) {
    const { functions, files, inclusive, idle, totalMs } = summarizeProfile(file);
    console.log(`\n${file} (${totalMs.toFixed(0)} ms sampled, idle ${(idle * 100).toFixed(1)} %)`);
    console.log("  self time by file:");
    for (const f of files.slice(0, 15)) console.log(`    ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.name}`);
    console.log("  self time by function:");
    for (const f of functions) console.log(`    ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.name}`);
    console.log("  total time (self + callees) by function:");
    for (const f of inclusive) console.log(`    ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.name}`);
  }
}
