import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { codes, messages, notes, type MessageDef, type NoteDef } from "../../generator/catalogue.js";
import { placeholders } from "../../generator/diagnostics.js";
import { settingsCatalogue } from "../../generator/settings.js";
import { invalidCases, referenceDocs, repoRoot } from "../../scripts/snapshots.js";

/** Every source file of the front end and the commands (generator/ with its subfolders, grammar/). */
function sources(): { file: string; text: string }[] {
  return ["generator", "grammar"].flatMap((dir) =>
    fs
      .readdirSync(path.join(repoRoot, dir), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts") && fs.statSync(path.join(repoRoot, dir, f)).isFile())
      .map((f) => ({ file: `${dir}/${f}`, text: fs.readFileSync(path.join(repoRoot, dir, f), "utf8") })),
  );
}

/**
 * Names of `table`'s entries that no source outside catalogue.ts uses as `<table>.<name>`. The grammar names its
 * syntax messages by key instead (`syntaxMessage("expectedButFound", ...)`, typed `keyof typeof messages`; it does
 * not import the generator at run time), so a quoted name in a grammar/ source counts as a use too.
 */
function unusedEntries(
  table: "messages" | "notes",
  names: readonly string[],
  files: readonly { file: string; text: string }[],
): string[] {
  const others = files.filter((s) => s.file !== "generator/catalogue.ts");
  const text = others.map((s) => s.text).join("\n");
  const grammar = others
    .filter((s) => s.file.startsWith("grammar/"))
    .map((s) => s.text)
    .join("\n");
  return names.filter(
    (name) =>
      !new RegExp(`\\b${table}\\.${name}\\b`).test(text) && !(table === "messages" && grammar.includes(`"${name}"`)),
  );
}

/**
 * The `{...}` of a template that are neither a placeholder nor code shown to the user (`{ ... }`, `{"type": ...}`,
 * which open with a space or a quote): a typo like `{na me}` or `{name }` would be printed as text.
 */
function strayBraces(template: string): string[] {
  return [...template.matchAll(/\{[^{}]*\}/g)]
    .map((m) => m[0])
    .filter((b) => !/^\{[A-Za-z_]\w*\}$/.test(b) && !/^\{[\s"]/.test(b));
}

describe("diagnostic catalogue", () => {
  const codeList = Object.keys(codes);
  const entries = Object.entries(messages) as [string, MessageDef][];
  const noteEntries = Object.entries(notes) as [string, NoteDef][];

  it("has well-formed codes, banded by stage, and unique titles", () => {
    for (const code of codeList) expect(code).toMatch(/^KEF[1-4]\d{3}$/);
    expect(new Set(Object.values(codes)).size).toBe(codeList.length);
  });

  it("gives every message a code of the catalogue, a severity and a text; no two messages say the same", () => {
    for (const [name, entry] of entries) {
      expect(codeList, name).toContain(entry.code);
      expect(["error", "warning"], name).toContain(entry.severity);
      expect(entry.text.trim().length, name).toBeGreaterThan(0);
      for (const text of [entry.text, entry.hint ?? ""]) expect(strayBraces(text), name).toEqual([]);
    }
    const said = entries.map(([, e]) => `${e.code} ${e.text} ${e.hint ?? ""}`);
    expect(said.filter((s, i) => said.indexOf(s) !== i)).toEqual([]);
  });

  it("gives every related-location note a text; no two notes say the same", () => {
    for (const [name, entry] of noteEntries) {
      expect(entry.text.trim().length, name).toBeGreaterThan(0);
      expect(strayBraces(entry.text), name).toEqual([]);
    }
    const said = noteEntries.map(([, e]) => e.text);
    expect(said.filter((s, i) => said.indexOf(s) !== i)).toEqual([]);
  });

  it("tells a placeholder from a typo and from code shown to the user", () => {
    expect(strayBraces('"{name}" is set twice, as in { groupId = "g" } and {"type": ...}')).toEqual([]);
    expect(strayBraces("{na me} and {name } and {na-me}")).toEqual(["{na me}", "{name }", "{na-me}"]);
    expect(placeholders('"{name}" in { } and {other}')).toEqual(["name", "other"]);
  });

  it("reports every code through at least one message", () => {
    const reported = new Set<string>(entries.map(([, e]) => e.code));
    expect(codeList.filter((code) => !reported.has(code))).toEqual([]);
  });

  it("is used only through its entries: every message and note is used somewhere, and no source spells a code", () => {
    const all = sources();
    expect(
      unusedEntries(
        "messages",
        entries.map(([name]) => name),
        all,
      ),
    ).toEqual([]);
    expect(
      unusedEntries(
        "notes",
        noteEntries.map(([name]) => name),
        all,
      ),
    ).toEqual([]);
    const spelled = all
      .filter((s) => s.file !== "generator/catalogue.ts")
      .flatMap((s) => [...s.text.matchAll(/["'`]KEF\d{4}["'`]/g)].map((m) => `${s.file}: ${m[0]}`));
    expect(spelled).toEqual([]);
  });

  it("finds an entry no source uses, and one a source uses", () => {
    const files = [
      {
        file: "generator/x.ts",
        text: 'c.accept(messages.unknownSetting, range, { name });\nmessages.settingTwiceOver;\n"unknownConnection"',
      },
      { file: "grammar/y.ts", text: 'syntaxMessage("unexpectedCharacter", { character })' },
    ];
    expect(
      unusedEntries("messages", ["unknownSetting", "settingTwice", "unknownConnection", "unexpectedCharacter"], files),
    ).toEqual(["settingTwice", "unknownConnection"]);
    expect(unusedEntries("notes", ["firstSet"], [{ file: "grammar/y.ts", text: '"firstSet"' }])).toEqual(["firstSet"]);
  });

  it("is pinned by tests: every code appears in an invalid fixture's baseline or in the CLI, project and schema-files tests", () => {
    const baselines = invalidCases()
      .map((c) => fs.readFileSync(path.join(repoRoot, c.baseline), "utf8"))
      .join("\n");
    // Codes that need files too big to commit, a git history, or a live process are pinned by these tests instead.
    const pinningTests = ["cli", "project", "schema-files", "against", "plan", "registry-check"]
      .map((t) => fs.readFileSync(path.join(repoRoot, `test/generator/${t}.test.ts`), "utf8"))
      .join("\n");
    const used = (text: string, code: string) => new RegExp(`(error|warning) ${code}:`).test(text);
    expect(codeList.filter((code) => !used(baselines, code) && !used(pinningTests, code))).toEqual([]);
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
