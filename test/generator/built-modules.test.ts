// Every module of the built package (dist/cli, the bundled command line, and dist/runtime, what generated code
// imports) loads in plain Node, as a user's installed kefgen runs: no tsx or vitest in between. Node links an ES
// module's imports when it loads it, and a named import from a CommonJS package (kafkajs) links only if Node's scan
// of that package's source finds the name; tests that run the TypeScript sources never see such a failure, since their
// loader gives CommonJS packages every export. `kefgen topics` failed so for every user while its tests passed.
// Run by the Node 22 and 24 cells of .ci/run too: each Node version scans CommonJS sources with its own lexer.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/snapshots.js";

/** Imports each module in a fresh `node`, one after another; prints what it loaded and what failed, as JSON. */
const loadEach = `
import { pathToFileURL } from "node:url";
const loaded = [];
const failed = [];
for (const file of JSON.parse(process.argv[1])) {
  try {
    await import(pathToFileURL(file).href);
    loaded.push(file);
  } catch (error) {
    failed.push(file + ": " + String(error).split("\\n")[0]);
  }
}
process.stdout.write(JSON.stringify({ loaded, failed }));
`;

function builtModules(dir: string): string[] {
  return fs
    .readdirSync(path.join(repoRoot, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".js"))
    .map((f) => path.join(repoRoot, dir, f));
}

describe("the built package", () => {
  it("loads every module of dist/cli and dist/runtime in plain Node", () => {
    const cli = builtModules("dist/cli");
    const runtime = builtModules("dist/runtime");
    // The command line is a main module and a chunk per command (bundle-cli.ts); the runtime is tsc's output.
    expect(cli).toContain(path.join(repoRoot, "dist/cli/main.js"));
    expect(cli.filter((f) => /[\\/]topics-[A-Z0-9]+\.js$/.test(f))).toHaveLength(1);
    expect(runtime).toContain(path.join(repoRoot, "dist/runtime/index.js"));
    const files = [...cli, ...runtime];
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", loadEach, JSON.stringify(files)], {
      cwd: repoRoot,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const { loaded, failed } = JSON.parse(r.stdout) as { loaded: string[]; failed: string[] };
    expect(failed).toEqual([]);
    expect(loaded).toEqual(files);
  });
});
