// The packaged VS Code extension: scripts/vscode/package.sh builds the .vsix with @vscode/vsce, and the package
// holds what VS Code needs — a manifest that activates on .kef, the entry point and its language client, the
// grammar, snippets and language configuration — and not the grammar's token tests. The .vsix is a zip; Python's
// zipfile (Python is already needed by the witness tests) reads it, so the check is independent of vsce.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/snapshots.js";

let dir: string;
let vsix: string;

/** The names in the zip and the text of the entries asked for. */
function readZip(file: string, entries: string[]): { names: string[]; texts: Record<string, string> } {
  const script = [
    "import json, sys, zipfile",
    "z = zipfile.ZipFile(sys.argv[1])",
    "print(json.dumps({'names': z.namelist(), 'texts': {n: z.read(n).decode('utf-8') for n in sys.argv[2:]}}))",
  ].join("\n");
  const r = spawnSync("python3", ["-c", script, file, ...entries], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`reading ${file} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { names: string[]; texts: Record<string, string> };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-vsix-test-"));
  vsix = path.join(dir, "kefgen.vsix");
  const r = spawnSync("bash", [path.join(repoRoot, "scripts/vscode/package.sh"), vsix], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`scripts/vscode/package.sh failed (${r.status}):\n${r.stdout}${r.stderr}`);
}, 180_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("the packaged .vsix", () => {
  it("has a manifest that activates on .kef and whose referenced files are inside", () => {
    const { names, texts } = readZip(vsix, ["extension/package.json", "extension.vsixmanifest"]);
    const manifest = JSON.parse(texts["extension/package.json"]!) as {
      name: string;
      main: string;
      activationEvents: string[];
      contributes: {
        languages: { id: string; extensions: string[]; configuration: string }[];
        grammars: { path: string }[];
        snippets: { path: string }[];
      };
    };
    expect(manifest.name).toBe("kefgen-vscode");
    expect(manifest.activationEvents).toContain("onLanguage:kef");
    expect(manifest.contributes.languages.find((l) => l.id === "kef")!.extensions).toEqual([".kef"]);
    const inside = (p: string) => names.includes(path.posix.join("extension", path.posix.normalize(p)));
    expect(inside(manifest.main)).toBe(true);
    expect(inside(manifest.contributes.languages[0]!.configuration)).toBe(true);
    expect(inside(manifest.contributes.grammars[0]!.path)).toBe(true);
    expect(inside(manifest.contributes.snippets[0]!.path)).toBe(true);
    // The VSIX manifest VS Code reads on install names the extension.
    expect(texts["extension.vsixmanifest"]).toContain('Id="kefgen-vscode"');
  });

  it("carries the language client the entry point requires, and leaves the token tests out", () => {
    const { names } = readZip(vsix, []);
    expect(names).toContain("extension/node_modules/vscode-languageclient/package.json");
    // `require("vscode-languageclient/node")` resolves through the package's exports to lib/node/main.js.
    expect(names).toContain("extension/node_modules/vscode-languageclient/lib/node/main.js");
    expect(names).toContain("extension/node_modules/vscode-jsonrpc/package.json");
    expect(names.filter((n) => n.startsWith("extension/test/"))).toEqual([]);
  });
});
