import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { codes as catalogue } from "../../generator/catalogue.js";
import { settingsCatalogue } from "../../generator/settings.js";
import { invalidCases, referenceDocs, repoRoot } from "../../scripts/snapshots.js";

describe("diagnostic catalogue", () => {
  const codes = Object.keys(catalogue);

  it("has well-formed codes, banded by stage, and unique titles", () => {
    for (const code of codes) expect(code).toMatch(/^KEF[1-4]\d{3}$/);
    expect(new Set(Object.values(catalogue)).size).toBe(codes.length);
  });

  it("uses every code: each appears in an invalid fixture's baseline or in the CLI, project and schema-files tests", () => {
    const baselines = invalidCases().map((c) => fs.readFileSync(path.join(repoRoot, c.baseline), "utf8")).join("\n");
    // Codes that need files too big to commit, a git history, or a live process are pinned by these tests instead.
    const pinningTests = ["cli", "project", "schema-files", "against", "plan", "registry-check"].map((t) => fs.readFileSync(path.join(repoRoot, `test/generator/${t}.test.ts`), "utf8")).join("\n");
    const used = (text: string, code: string) => new RegExp(`(error|warning) ${code}:`).test(text);
    const unused = codes.filter((code) => !used(baselines, code) && !used(pinningTests, code));
    expect(unused).toEqual([]);
  });

  it("is used only through the catalogue: every code the sources mention exists", () => {
    const sources = ["generator", "grammar"].flatMap((dir) =>
      // Subdirectories too (generator/lsp/).
      fs
        .readdirSync(path.join(repoRoot, dir), { recursive: true, encoding: "utf8" })
        .filter((f) => fs.statSync(path.join(repoRoot, dir, f)).isFile())
        .map((f) => fs.readFileSync(path.join(repoRoot, dir, f), "utf8")),
    );
    const mentioned = new Set(sources.join("\n").match(/KEF\d{4}/g));
    expect([...mentioned].filter((c) => !(c in catalogue))).toEqual([]);
  });
});

describe("reference docs", () => {
  for (const [doc, expected] of referenceDocs()) {
    it(`${doc} has the current generated table`, () => {
      expect(fs.readFileSync(path.join(repoRoot, doc), "utf8")).toBe(expected);
    });
  }

  it("docs/settings.md lists every setting", () => {
    const text = fs.readFileSync(path.join(repoRoot, "docs/settings.md"), "utf8");
    for (const s of settingsCatalogue) expect(text).toContain(`| \`${s.name}\` |`);
  });
});
