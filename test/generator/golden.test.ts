// Every valid fixture builds to exactly its committed expected output; every invalid fixture prints exactly its
// baseline and writes nothing. Regenerate both with `npm run snapshots:update` and review the diff.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { projectOptions } from "../../generator/config.js";
import { build } from "../../generator/program.js";
import {
  baselineText,
  invalidBaseline,
  invalidCases,
  repoRoot,
  runCli,
  validCases,
  type ValidCase,
} from "../../scripts/snapshots.js";

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** What `build --check` prints for a valid case whose committed output is current. */
function upToDate(c: ValidCase): string {
  return `${c.expected} is up to date (${fs.readdirSync(path.join(repoRoot, c.expected)).length} files)`;
}

describe("golden output", () => {
  for (const c of validCases()) {
    it(`${c.name} matches ${c.expected}/ byte for byte`, async () => {
      const files = c.args[0] === "--config" ? [] : [c.args[0]!];
      const project = projectOptions({ cwd: repoRoot }, files, c.args[0] === "--config" ? { config: c.args[1]! } : {});
      if (!("inputs" in project)) throw new Error(`cannot load ${c.name}: ${JSON.stringify(project)}`);
      const result = await build({ ...project, outDir: path.join(repoRoot, c.expected), check: true });
      expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const expectedDir = path.join(repoRoot, c.expected);
      const committed = fs.readdirSync(expectedDir).sort();
      expect(result.files.map((f) => f.name)).toEqual(committed);
      for (const f of result.files) {
        expect(f.text, `${c.expected}/${f.name} is stale: run npm run snapshots:update`).toBe(
          fs.readFileSync(path.join(expectedDir, f.name), "utf8"),
        );
      }
    });
  }
});

describe("examples", () => {
  it("examples/shop/generated is what kefgen generates from examples/shop/shop.kef", async () => {
    expect(await runCli(["build", "examples/shop/shop.kef", "--check"])).toEqual({
      exitCode: 0,
      output: "examples/shop/generated is up to date (6 files)\n",
    });
  });
});

describe("a one-shot kefgen build", () => {
  // A fresh process, as `kefgen build` runs: its first build sets V8's --liftoff-only before dprint's WebAssembly
  // is compiled (generator/cli/build.ts), so every fixture below is formatted by the code a user's build runs.
  it("writes every valid fixture byte for byte as committed (build --check in one CLI process)", () => {
    const script = `
      import { main } from ${JSON.stringify(path.join(repoRoot, "generator/cli/main.ts"))};
      const sink = { write: (s) => (process.stdout.write(s), true), isTTY: false };
      for (const args of ${JSON.stringify(validCases().map((c) => c.args))}) {
        const code = await main(["build", ...args, "--check"], { cwd: ${JSON.stringify(repoRoot)}, env: { NO_COLOR: "1" }, stdout: sink, stderr: sink });
        process.stdout.write(\`exit \${code}\\n\`);
      }`;
    const r = spawnSync(process.execPath, ["--import", tsxLoader, "--input-type=module", "-e", script], {
      cwd: repoRoot,
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toEqual(validCases().flatMap((c) => [upToDate(c), "exit 0"]));
  });
});

describe("the built CLI", () => {
  // What bin/kefgen.js runs: dist/cli/, the bundle of the command line (scripts/bundle-cli.ts), in one process.
  it("builds every valid fixture as committed and prints every invalid fixture's baseline", () => {
    const script = `
      import { main } from ${JSON.stringify(pathToFileURL(path.join(repoRoot, "dist/cli/main.js")).href)};
      let output = "";
      const sink = { write: (s) => ((output += s), true), isTTY: false };
      const run = async (args) => {
        output = "";
        const code = await main(args, { cwd: ${JSON.stringify(repoRoot)}, env: { NO_COLOR: "1" }, stdout: sink, stderr: sink });
        return { code, output };
      };
      const results = { valid: [], invalid: [] };
      for (const args of ${JSON.stringify(validCases().map((c) => c.args))}) results.valid.push(await run(["build", ...args, "--check"]));
      for (const inputs of ${JSON.stringify(invalidCases().map((c) => c.inputs))}) results.invalid.push(await run(["check", ...inputs]));
      process.stdout.write(JSON.stringify(results));`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: repoRoot,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(r.stderr).toBe("");
    type Printed = { code: number; output: string };
    const results = JSON.parse(r.stdout) as { valid: Printed[]; invalid: Printed[] };
    expect(results.valid).toEqual(validCases().map((c) => ({ code: 0, output: `${upToDate(c)}\n` })));
    expect(results.invalid.map((p) => baselineText(p.code, p.output))).toEqual(
      invalidCases().map((c) => fs.readFileSync(path.join(repoRoot, c.baseline), "utf8")),
    );
  });
});

describe("invalid fixtures", () => {
  for (const c of invalidCases()) {
    it(`${c.inputs.join(" ")} prints its baseline`, async () => {
      expect(await invalidBaseline(c)).toBe(fs.readFileSync(path.join(repoRoot, c.baseline), "utf8"));
    });
  }

  it("build writes nothing for any fixture with errors", async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-invalid-"));
    for (const c of invalidCases()) {
      const target = path.join(out, c.name);
      const { exitCode, output } = await runCli(["build", ...c.inputs, "--out", target]);
      if (output.includes(" - error ")) {
        expect(exitCode, c.name).toBe(1);
        expect(fs.existsSync(target), `${c.name} created ${target}`).toBe(false);
      } else {
        expect(exitCode, c.name).toBe(0);
      }
    }
    fs.rmSync(out, { recursive: true, force: true });
  });
});
