// Golden files: each fixtures/valid/<case>/<case>.kef has its generated output committed in expected/,
// and each fixtures/invalid/<name>.kef has <name>.errors.txt holding exactly what `kefgen check` prints.
// `npm run snapshots:update` rewrites them; the tests compare against them byte for byte.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../generator/cli/main.js";
import { codesTable, settingsTable, withTable } from "./reference-docs.js";

/** The repository root (this file is scripts/snapshots.ts, or dist/scripts/snapshots.js once built). */
export const repoRoot = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
  return dir;
})();

export interface ValidCase {
  readonly name: string;
  /** What to build, as `kefgen build` arguments relative to the repository root: the case's .kef file, or its config. */
  readonly args: readonly string[];
  /** Directory of the committed expected output, relative to the repository root. */
  readonly expected: string;
}

/** fixtures/valid/<case>/ holds either <case>.kef or a kefgen.config.json (a multi-file project). */
export function validCases(): ValidCase[] {
  const dir = path.join(repoRoot, "fixtures", "valid");
  return fs
    .readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const base = `fixtures/valid/${name}`;
      const expected = `${base}/expected`;
      if (fs.existsSync(path.join(dir, name, "kefgen.config.json")))
        return [{ name, args: ["--config", `${base}/kefgen.config.json`, "--out", expected], expected }];
      if (fs.existsSync(path.join(dir, name, `${name}.kef`)))
        return [{ name, args: [`${base}/${name}.kef`, "--out", expected], expected }];
      return [];
    });
}

/** `kefgen graph` of a valid case: its inputs (the build arguments without --out), and the committed diagram. */
export function graphCase(c: ValidCase): { args: string[]; file: string } {
  const args = c.args.filter((arg, i, all) => arg !== "--out" && all[i - 1] !== "--out");
  return { args, file: `${path.posix.dirname(c.expected)}/${c.name}.graph.md` };
}

export interface InvalidCase {
  readonly name: string;
  /** What the commands are given: the .kef file, or `--config <dir>/kefgen.config.json` for a project case. */
  readonly inputs: readonly string[];
  readonly baseline: string;
}

/** fixtures/invalid/<name>.kef, and fixtures/invalid/<name>/kefgen.config.json for problems of a project config. */
export function invalidCases(): InvalidCase[] {
  const dir = path.join(repoRoot, "fixtures", "invalid");
  return fs
    .readdirSync(dir)
    .sort()
    .flatMap((f) => {
      if (f.endsWith(".kef")) {
        const name = f.slice(0, -4);
        return [{ name, inputs: [`fixtures/invalid/${f}`], baseline: `fixtures/invalid/${name}.errors.txt` }];
      }
      if (fs.existsSync(path.join(dir, f, "kefgen.config.json"))) {
        return [
          {
            name: f,
            inputs: ["--config", `fixtures/invalid/${f}/kefgen.config.json`],
            baseline: `fixtures/invalid/${f}.errors.txt`,
          },
        ];
      }
      return [];
    });
}

/** Runs the CLI in-process from the repository root, without colour, and captures everything it prints. */
export async function runCli(args: readonly string[]): Promise<{ exitCode: number; output: string }> {
  let output = "";
  const sink = { write: (s: string) => ((output += s), true), isTTY: false };
  const exitCode = await main(args, { cwd: repoRoot, env: { NO_COLOR: "1" }, stdout: sink, stderr: sink });
  return { exitCode, output };
}

/** What the baseline of an invalid fixture holds: the exit code, then the output. */
export async function invalidBaseline(c: InvalidCase): Promise<string> {
  const { exitCode, output } = await runCli(["check", ...c.inputs]);
  return baselineText(exitCode, output);
}

/** A baseline's text: what `kefgen check` of an invalid fixture exited with and printed. */
export function baselineText(exitCode: number, output: string): string {
  return `exit code: ${exitCode}\n\n${output}`;
}

export async function updateSnapshots(): Promise<void> {
  for (const c of validCases()) {
    const { exitCode, output } = await runCli(["build", ...c.args]);
    if (exitCode !== 0) throw new Error(`${c.name} did not build:\n${output}`);
    console.log(`${c.expected}: ${output.trim()}`);
    const graph = graphCase(c);
    const drawn = await runCli(["graph", ...graph.args, "--out", graph.file]);
    if (drawn.exitCode !== 0) throw new Error(`${c.name}: kefgen graph failed:\n${drawn.output}`);
    console.log(graph.file);
  }
  const example = await runCli(["build", "examples/shop/shop.kef"]);
  if (example.exitCode !== 0) throw new Error(`examples/shop/shop.kef did not build:\n${example.output}`);
  console.log(example.output.trim());
  for (const [doc, text] of referenceDocs()) {
    fs.writeFileSync(path.join(repoRoot, doc), text);
    console.log(doc);
  }
  for (const c of invalidCases()) {
    fs.writeFileSync(path.join(repoRoot, c.baseline), await invalidBaseline(c));
    console.log(`${c.baseline}`);
  }
}

/** The generated reference documents: path → what it must contain. */
export function referenceDocs(): Map<string, string> {
  const read = (p: string) => fs.readFileSync(path.join(repoRoot, p), "utf8");
  return new Map([
    ["docs/settings.md", withTable(read("docs/settings.md"), settingsTable())],
    ["docs/diagnostics.md", withTable(read("docs/diagnostics.md"), codesTable())],
  ]);
}
