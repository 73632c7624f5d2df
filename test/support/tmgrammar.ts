// Runs vscode-tmgrammar-test with the extension's TextMate grammar on token test files.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { repoRoot } from "../../scripts/snapshots.js";

const grammar = path.join(repoRoot, "editors/vscode/syntaxes/kef.tmLanguage.json");
const tmgrammarTest = path.join(repoRoot, "node_modules/.bin/vscode-tmgrammar-test");

/** The runner's exit status and what it printed, for `files` (`*.test.kef` in its syntax). */
export function runGrammarTests(files: readonly string[]): { status: number | null; output: string } {
  const r = spawnSync(tmgrammarTest, ["-g", grammar, ...files], { cwd: repoRoot, encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}
