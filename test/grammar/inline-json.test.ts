// The fast path of error-free files (grammar/incremental.ts, with inline schemas read from the text while lexing by
// grammar/inline-json.ts) must give exactly the AST of the Chevrotain grammar, and be left for every file the grammar
// finds a problem in: on every .kef in the repository, on mutations of them, and on edge cases.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { IncrementalParser } from "../../grammar/incremental.js";
import { InlineJson, inlineJsonLexer } from "../../grammar/inline-json.js";
import { toAst } from "../../grammar/to-ast.js";
import { parseText } from "../../grammar/parser.js";
import { repoRoot } from "../../scripts/snapshots.js";
import { plainAst } from "../support/plain-ast.js";

function kefFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name === "expected" ? [] : kefFiles(p);
    return p.endsWith(".kef") ? [p] : [];
  });
}

/**
 * AST and problems as generator/parse.ts gets them (the fast path, else the grammar) and from the grammar alone;
 * `inline`: how many inline schemas the fast path read as one token (0 when it was not taken).
 */
function both(text: string) {
  const slow = parseText(text, "file");
  const fastAst = new IncrementalParser().parse(text);
  const fast = fastAst
    ? { ast: plainAst(fastAst), problems: [] }
    : { ast: toAst(parseText(text, "file").cst), problems: slow.problems };
  const inline = fastAst ? inlineJsonLexer.tokenize(text).tokens.filter((t) => t.tokenType === InlineJson).length : 0;
  return { fast, slow: { ast: toAst(slow.cst), problems: slow.problems }, inline };
}

const files = [...kefFiles(path.join(repoRoot, "fixtures")), ...kefFiles(path.join(repoRoot, "examples"))];
const withInline = files.filter((f) => fs.readFileSync(f, "utf8").includes("avro {"));

describe("inline JSON fast path", () => {
  it("gives the grammar's AST and problems for every fixture and example", () => {
    expect(withInline.length).toBeGreaterThan(10);
    let taken = 0;
    for (const file of files) {
      const r = both(fs.readFileSync(file, "utf8"));
      expect(r.fast, file).toEqual(r.slow);
      if (r.inline > 0) taken++;
    }
    // It is taken: most files with inline schemas have no syntax error.
    expect(taken).toBeGreaterThan(withInline.length / 2);
  });

  it("gives the grammar's AST and problems for 1,500 random edits of them", () => {
    let seed = 7;
    const random = (n: number): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    const pieces = ["{", "}", "[", "]", ",", ":", '"', "avro", "1", "x", " ", "\n", "null", "-", "\\", "//", "/*"];
    for (let i = 0; i < 1500; i++) {
      const file = withInline[random(withInline.length)]!;
      const text = fs.readFileSync(file, "utf8");
      const at = random(text.length);
      const piece = pieces[random(pieces.length)]!;
      const edits = [
        text.slice(0, at) + text.slice(at + 1 + random(3)),
        text.slice(0, at) + piece + text.slice(at),
        text.slice(0, at) + piece + text.slice(at + 1),
      ];
      const edited = edits[random(edits.length)]!;
      const r = both(edited);
      expect(r.fast, `${file}, edit ${i}`).toEqual(r.slow);
    }
  });

  it("reads a well-formed schema into one token, with the ranges of the grammar", () => {
    const text =
      'message A avro { "type": "record", "name": "A", "fields": [ { "name": "x", "type": ["null", "long"], "default": null } ], "n": -1.5e3, "t": true }\n';
    const r = both(text);
    expect(r.inline).toBe(1);
    expect(r.fast).toEqual(r.slow);
    expect(r.fast.problems).toEqual([]);
  });

  it("reads what the lexer reads: line breaks of every kind, comments, odd numbers and words, deep nesting", () => {
    const body = (inner: string) =>
      `namespace n\nmessage A avro /* before */ {\r\n "type": "record", "name": "A", ${inner} }\ntopic "t" : A\n`;
    const cases = [
      body('"fields": [\r { "name": "x",\r\n"type": "long" }\n]'),
      body('"fields": [], "doc": "\uFEFF\u2028 a \\" \\u00e9"'),
      body('"fields": [], /* inside */ "doc": "x"'),
      body('"fields": [], // inside\n "doc": "x"'),
      body('"fields": [], "n": nullable'),
      body('"fields": [], "n": 16x'),
      body('"fields": [], "n": 007'),
      body('"fields": [], "n": -0.5e-3, "m": 1e5s'),
      body('"fields": [], "n": 1.'),
      body('"fields": [], "n": true_'),
      body(`"fields": [], "deep": ${"[".repeat(99)}${"]".repeat(99)}`),
      body(`"fields": [], "deep": ${"[".repeat(100)}${"]".repeat(100)}`),
      '\uFEFFmessage A avro\r\n\r\n\t{ "type": "string" }\rmessage B avro {}',
      // Strings with and without escapes around each other, in keys and values: the building read takes a string
      // without a backslash as the text between its quotes.
      body('"fields": [], "a\\"b": "c", "d": "e\\\\", "f": "\\u0041", "g": "h", "\\/": "i\\n\\"", "j": ""'),
    ];
    for (const text of cases) {
      const r = both(text);
      expect(r.fast, JSON.stringify(text)).toEqual(r.slow);
    }
    // Read by the fast path: line breaks of every kind, a byte-order mark, nesting up to the limit.
    expect(both(cases[0]!).inline).toBe(1);
    expect(both(cases[10]!).inline).toBe(1);
    expect(both(cases[12]!).inline).toBe(2);
    expect(both(cases[13]!).inline).toBe(1);
    // Over the limit (the schema's object counts one level): reported by the grammar's path, as before.
    expect(both(cases[11]!).fast.problems.map((p) => p.kind)).toEqual(["too-deep"]);
    // A comment inside is left to the grammar, but the file parses.
    expect(both(cases[2]!)).toMatchObject({ inline: 0, fast: { problems: [] } });
  });

  it("moves a reused declaration's inline schema with its ranges (incremental.ts)", () => {
    const text = fs.readFileSync(withInline[0]!, "utf8");
    const parser = new IncrementalParser();
    expect(parser.parse(text)).toBeDefined();
    for (const edited of [`\n\n${text}`, `// a comment\r\n${text}`, text.replace(/\n/, "\n\n")]) {
      const slow = toAst(parseText(edited, "file").cst);
      expect(plainAst(parser.parse(edited)), JSON.stringify(edited.slice(0, 40))).toEqual(slow);
    }
  });

  it("hands malformed JSON and files with syntax errors to the grammar", () => {
    // A trailing comma: not read by the fast path; the grammar reports it.
    const trailing = both('message A avro { "type": "record", }\n');
    expect(trailing.inline).toBe(0);
    expect(trailing.fast).toEqual(trailing.slow);
    expect(trailing.fast.problems.length).toBeGreaterThan(0);
    // Well-formed JSON, but an error elsewhere in the file: parsed again without the fast path.
    const elsewhere = both('message A avro { "type": "string" }\ntopic "t" : A {\n');
    expect(elsewhere.inline).toBe(0);
    expect(elsewhere.fast).toEqual(elsewhere.slow);
    expect(elsewhere.fast.problems.length).toBeGreaterThan(0);
  });
});
