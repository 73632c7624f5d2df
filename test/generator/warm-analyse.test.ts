// Reuse across `analyse()` calls in one process (the language server, `--watch`): the parser keeps unchanged
// declarations' ASTs (grammar/incremental.ts), and what was read from them is kept by those ASTs (message-schemas.ts
// inline schemas, avro-link.ts definition keys). After any sequence of edits, a warm analysis must give the
// diagnostics and the model a cold one gives for the same text.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readProjectFile, type FileAccess, type FileRead } from "../../generator/files.js";
import { analyse, type AnalyseResult } from "../../generator/program.js";
import { repoRoot } from "../../scripts/snapshots.js";
import { generatedKef } from "../support/perf-kef.js";

const fixtures = path.join(repoRoot, "fixtures");
const examples = fs
  .readdirSync(fixtures, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".kef") && !f.includes("expected"))
  .sort();

/** Where the project seems to be: a directory of its own per analysis, so that no parse of one is reused by another. */
const virtualRoot = path.join(repoRoot, "..", "kefgen-warm-analyse-virtual");

/**
 * Analyses `text` as the fixture `rel`, placed under `base` (a directory that does not exist): the .kef is read from
 * memory, every other file from the fixtures, so diagnostics and model name the same displayed files either way.
 */
function analyseAt(base: string, rel: string, text: string): AnalyseResult {
  const kef = path.join(base, rel);
  const real = (p: string): string => (p.startsWith(base + path.sep) ? path.join(fixtures, path.relative(base, p)) : p);
  const readFile = (p: string, access?: FileAccess): FileRead => {
    if (p === kef) return { text };
    return readProjectFile(real(p), access?.roots ? { ...access, roots: access.roots.map(real) } : access);
  };
  return analyse({ inputs: [path.basename(kef)], cwd: path.dirname(kef), readFile });
}

/** What a caller sees of a result: diagnostics, sources and the model (schema files' absolute paths left out). */
function seen(r: AnalyseResult): unknown {
  return { diagnostics: r.diagnostics, sources: r.sources, model: r.model };
}

describe("analyse() reusing the last analysis", () => {
  it("gives a cold analysis's diagnostics and model after every one of a sequence of edits, on every fixture", () => {
    let seed = 11;
    const random = (n: number): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    const pieces = [
      "\n",
      " ",
      "// note\n",
      "x",
      "{",
      "}",
      '"',
      "1",
      "0",
      ",",
      ":",
      "topic",
      "namespace n\n",
      '"string"',
      "null",
    ];
    let cold = 0;
    let reused = 0;
    let couldReuse = 0;
    let compared = 0;
    // Every fixture, and the editor's generated file (many inline schemas).
    const projects = [
      ...examples.map((rel) => ({ rel, original: fs.readFileSync(path.join(fixtures, rel), "utf8") })),
      { rel: "perf.kef", original: generatedKef(300) },
    ];
    for (const { rel, original } of projects) {
      const warmBase = path.join(virtualRoot, "warm");
      let text = original;
      let valid = original;
      let previous: AnalyseResult | undefined;
      for (let i = 0; i < (rel === "perf.kef" ? 60 : 12); i++) {
        const warm = analyseAt(warmBase, rel, text);
        const expected = analyseAt(path.join(virtualRoot, `cold-${cold++}`), rel, text);
        expect(seen(warm), `${rel} after ${i} edit(s):\n${text}`).toEqual(seen(expected));
        compared++;
        // A message whose schema was read before is the same read schema (kept, not read again).
        const before = new Map(previous?.model?.messages.map((m) => [m.name, m.schema]));
        if (before.size > 0 && warm.model?.messages.some((m) => m.schema.file.endsWith(".kef"))) couldReuse++;
        if (warm.model?.messages.some((m) => before.get(m.name) === m.schema)) reused++;
        previous = warm;
        // After a syntax error the next edit starts again from the last text without one.
        if (warm.diagnostics.some((d) => d.code.startsWith("KEF1"))) text = valid;
        else valid = text;
        const at = random(text.length + 1);
        const piece = pieces[random(pieces.length)]!;
        text = random(4) === 0 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + piece + text.slice(at);
      }
    }
    expect(examples.length).toBeGreaterThan(50);
    expect(compared).toBeGreaterThan(1000);
    // The reuse is taken often enough for the comparison to mean something.
    expect(reused).toBeGreaterThan(couldReuse / 3);
  }, 300_000);

  it("keeps an unchanged message's read schema, and reads an edited or moved one again", () => {
    const rel = "inline.kef";
    const text = [
      "namespace warm",
      'message A avro { "type": "record", "name": "A", "fields": [ { "name": "x", "type": "long" } ] }',
      'message B avro { "type": "enum", "name": "B", "symbols": ["X", "Y"] }',
      'shared { groupId = "g" }',
      'topic "a" : A',
      'topic "b" : B',
      "",
    ].join("\n");
    const base = path.join(virtualRoot, "same");
    const first = analyseAt(base, rel, text).model!;
    const second = analyseAt(base, rel, text).model!;
    expect(second.messages.length).toBe(2);
    second.messages.forEach((m, i) => expect(m.schema).toBe(first.messages[i]!.schema));
    // Two lines added at the top: every declaration moved, so its schema is read again, at its new place.
    const moved = analyseAt(base, rel, `// one\n\n${text}`).model!;
    expect(moved.messages.length).toBe(2);
    moved.messages.forEach((m, i) => {
      expect(m.schema).not.toBe(second.messages[i]!.schema);
      expect(m.schema.range.start.line).toBe(second.messages[i]!.schema.range.start.line + 2);
    });
  });

  it("keeps the schemas read from an unchanged schema file", () => {
    const rel = "valid/avro-types/avro-types.kef";
    const text = fs.readFileSync(path.join(fixtures, rel), "utf8");
    const base = path.join(virtualRoot, "files");
    const first = analyseAt(base, rel, text).model!;
    const second = analyseAt(base, rel, text).model!;
    const fromFiles = second.messages.filter((m) => m.schema.file.endsWith(".avsc"));
    expect(fromFiles.length).toBeGreaterThan(1);
    for (const m of fromFiles) expect(m.schema).toBe(first.messages.find((x) => x.name === m.name)!.schema);
  });

  it("reads a schema file again when its text changed", () => {
    const kef = 'namespace warm\nmessage A from "a.avsc"\nshared { groupId = "g" }\ntopic "a" : A\n';
    const avsc = (type: string): string =>
      `{ "type": "record", "name": "A", "fields": [ { "name": "x", "type": ${type} } ] }\n`;
    const run = (dir: string, schema: string): AnalyseResult => {
      const base = path.join(virtualRoot, dir);
      const files = new Map([
        [path.join(base, "a.kef"), kef],
        [path.join(base, "a.avsc"), schema],
      ]);
      const readFile = (p: string): FileRead =>
        files.has(p) ? { text: files.get(p)! } : { refused: { kind: "missing" } };
      return analyse({ inputs: ["a.kef"], cwd: base, readFile });
    };
    const valid = run("edited-schema", avsc('"long"'));
    expect(valid.diagnostics).toEqual([]);
    for (const [i, schema] of [avsc('"lng"'), avsc('"long"'), avsc('"string"'), avsc("[")].entries()) {
      const warm = run("edited-schema", schema);
      expect(seen(warm)).toEqual(seen(run(`edited-schema-cold-${i}`, schema)));
      expect(warm.model?.messages[0]!.schema).not.toBe(valid.model?.messages[0]!.schema);
    }
    expect(seen(run("edited-schema", avsc('"long"')))).toEqual(seen(valid));
  });

  it("checks an unchanged message's codec again when a type it takes from another message changed", () => {
    const text = (symbols: string): string =>
      [
        "namespace warm",
        'message A avro { "type": "record", "name": "A", "namespace": "warm", "fields": [ { "name": "b", "type": "B", "default": "Z" } ] }',
        `message B avro { "type": "enum", "name": "B", "namespace": "warm", "symbols": ${symbols} }`,
        'shared { groupId = "g" }',
        'topic "a" : A',
        'topic "b" : B',
        "",
      ].join("\n");
    const base = path.join(virtualRoot, "codec");
    const valid = analyseAt(base, "codec.kef", text('["X", "Z"]'));
    expect(valid.diagnostics).toEqual([]);
    // Only B's text changes (same length: A is not moved, its read schema is kept), and A's default is no longer one
    // of B's symbols: avsc refuses A's codec schema, as in a cold analysis.
    const warm = analyseAt(base, "codec.kef", text('["X", "Y"]'));
    expect(warm.model).toBeUndefined();
    expect(warm.diagnostics.map((d) => d.code)).toEqual(["KEF3001"]);
    expect(seen(warm)).toEqual(seen(analyseAt(path.join(virtualRoot, "codec-cold"), "codec.kef", text('["X", "Y"]'))));
    expect(seen(analyseAt(base, "codec.kef", text('["X", "Z"]')))).toEqual(seen(valid));
  });
});
