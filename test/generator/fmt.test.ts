// kefgen fmt: idempotent over every fixture and example, never changes the AST, keeps every comment;
// exact layouts for the cases that define it; the command formats atomically, refuses files with syntax errors,
// and --check writes nothing.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KefFile } from "../../grammar/ast.js";
import { toAst } from "../../grammar/to-ast.js";
import { parseText } from "../../grammar/parser.js";
import { formatKef } from "../../generator/fmt.js";
import { repoRoot } from "../../scripts/snapshots.js";
import { runKefgen } from "../support/cli.js";

function fmt(text: string): string {
  const result = formatKef({ file: "test.kef", absolutePath: "/test.kef", text });
  if (result.text === undefined)
    throw new Error(`syntax errors: ${result.diagnostics.map((d) => d.message).join("; ")}`);
  return result.text;
}

/** The AST as JSON, positions left out: what formatting must not change. */
function meaning(text: string): string {
  const ast: KefFile = toAst(parseText(text, "file").cst);
  return JSON.stringify(ast, (key, value: unknown) => (key === "range" || key === "keyword" ? undefined : value));
}

function comments(text: string): string[] {
  return parseText(text, "file").comments.map((c) => c.image.trimEnd());
}

function kefFiles(dir: string): string[] {
  return (fs.readdirSync(path.join(repoRoot, dir), { recursive: true }) as string[])
    .filter((f) => f.endsWith(".kef"))
    .map((f) => path.join(dir, f).split(path.sep).join("/"))
    .sort();
}

describe("formatting every fixture and example", () => {
  const files = [...kefFiles("fixtures"), ...kefFiles("examples")];

  it("covers the fixtures: at least 40 files, most of them free of syntax errors", () => {
    const clean = files.filter(
      (f) => parseText(fs.readFileSync(path.join(repoRoot, f), "utf8"), "file").problems.length === 0,
    );
    expect(files.length).toBeGreaterThanOrEqual(40);
    expect(clean.length).toBeGreaterThanOrEqual(30);
  });

  for (const file of files) {
    it(file, () => {
      const text = fs.readFileSync(path.join(repoRoot, file), "utf8");
      const syntaxProblems = parseText(text, "file").problems;
      const result = formatKef({ file, absolutePath: path.join(repoRoot, file), text });
      if (syntaxProblems.length > 0) {
        // Not formatted: the diagnostics say why, all syntax codes.
        expect(result.text).toBeUndefined();
        expect(result.diagnostics.length).toBeGreaterThan(0);
        for (const d of result.diagnostics) expect(d.code).toMatch(/^KEF1\d{3}$/);
        return;
      }
      const once = result.text!;
      expect(fmt(once), "formatting the formatted text changes it").toBe(once);
      expect(meaning(once)).toBe(meaning(text));
      expect(comments(once)).toEqual(comments(text));
      expect(once.endsWith("\n") && !once.endsWith("\n\n")).toBe(true);
      for (const line of once.split("\n")) expect(line, "trailing whitespace").toBe(line.trimEnd());
    });
  }
});

describe("layout", () => {
  it("prints a topic's key and tombstones clauses with single spaces, in the order written", () => {
    const before =
      'message A avro { "type": "string" }\ntopic "users"  :  A   tombstones\n   key  shop.UserId{consumer via c}\ntopic "o":A key string\n';
    expect(fmt(before)).toBe(
      'message A avro { "type": "string" }\ntopic "users" : A tombstones key shop.UserId { consumer via c }\ntopic "o" : A key string\n',
    );
  });

  it("puts a producer block after the consumer clause on its own lines; an empty one stays on the topic's line", () => {
    const before =
      'message A avro { "type": "string" }\ntopic "o":A{producer{}}\ntopic "p" : A {consumer via c producer { acks=all  maxInFlight = 1 }}\n';
    expect(fmt(before)).toBe(
      'message A avro { "type": "string" }\ntopic "o" : A { producer {} }\ntopic "p" : A {\n  consumer via c\n  producer {\n    acks = all\n    maxInFlight = 1\n  }\n}\n',
    );
  });

  it("puts settings one per line, keeps short JSON on one line and breaks long JSON", () => {
    const before = [
      'namespace   shop.events   message Order avro {"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"total","type":"long"},{"name":"currency","type":{"type":"enum","name":"Currency","symbols":["EUR","USD"]}}]}',
      'shared{groupId="shop" maxBufferedMessages=1000}',
      'connection audit exclusive { groupId = "audit" }',
      'topic "orders":Order',
      'topic "audit" as auditTrail : shop . events . Order{consumer via audit}',
      'topic "payments" : Order { consumer { maxBufferedMessages = 10 backpressure = DropOldestMessage } }',
      'topic "empty" : Order { }',
    ].join("\n");
    expect(fmt(before)).toBe(
      [
        "namespace shop.events",
        "message Order avro {",
        '  "type": "record",',
        '  "name": "Order",',
        '  "fields": [',
        '    { "name": "id", "type": "string" },',
        '    { "name": "total", "type": "long" },',
        '    { "name": "currency", "type": { "type": "enum", "name": "Currency", "symbols": ["EUR", "USD"] } }',
        "  ]",
        "}",
        "shared {",
        '  groupId = "shop"',
        "  maxBufferedMessages = 1000",
        "}",
        "connection audit exclusive {",
        '  groupId = "audit"',
        "}",
        'topic "orders" : Order',
        'topic "audit" as auditTrail : shop.events.Order { consumer via audit }',
        'topic "payments" : Order {',
        "  consumer {",
        "    maxBufferedMessages = 10",
        "    backpressure = DropOldestMessage",
        "  }",
        "}",
        'topic "empty" : Order {}',
        "",
      ].join("\n"),
    );
  });

  it("keeps one blank line where there were several, none at the start or end, and empty blocks as {}", () => {
    const before = '\n\n\nmessage A from "a.avsc"\n\n\n\nmessage B from "b.avsc"\nshared {\n\n}\n\n\n';
    expect(fmt(before)).toBe('message A from "a.avsc"\n\nmessage B from "b.avsc"\nshared {}\n');
  });

  it("lays out a message's writers list like a JSON array on one line, after a file or an inline schema", () => {
    const before =
      'message A from "a.avsc"   writers[ "a.v1.avsc" ,"a.v0.avsc" ]\nmessage B avro { "type": "string" } writers [\n]\n';
    const after =
      'message A from "a.avsc" writers ["a.v1.avsc", "a.v0.avsc"]\nmessage B avro { "type": "string" } writers []\n';
    expect(fmt(before)).toBe(after);
    expect(meaning(after)).toBe(meaning(before));
    const b = toAst(parseText(after, "file").cst).declarations[1];
    expect(b?.$type === "Message" && b.schema?.$type).toBe("InlineSchema");
  });

  it("keeps blank lines between settings, at most one", () => {
    expect(fmt('shared {\n  groupId = "g"\n\n\n  maxPollRecords = 10\n}\n')).toBe(
      'shared {\n  groupId = "g"\n\n  maxPollRecords = 10\n}\n',
    );
  });

  it("keeps line comments, block comments, comments between settings and at line ends", () => {
    const before = [
      "/* header",
      "   block */",
      "namespace   a.b // trailing",
      "",
      "",
      "// own line",
      'message A avro { "type": "record", // after a comma',
      '  "name": "A" /* inline */, "fields": [] }',
      "shared { // after the brace",
      "  // before a setting",
      '  groupId = /* mid */ "g" // trailing',
      "",
      "  maxPollRecords = 10",
      "  /* last */",
      "}",
      'topic "t" : A { consumer via c } // after the topic',
      "// at the end",
    ].join("\n");
    const after = [
      "/* header",
      "   block */",
      "namespace a.b // trailing",
      "",
      "// own line",
      "message A avro {",
      '  "type": "record", // after a comma',
      '  "name": "A" /* inline */,',
      '  "fields": []',
      "}",
      "shared { // after the brace",
      "  // before a setting",
      '  groupId = /* mid */ "g" // trailing',
      "",
      "  maxPollRecords = 10",
      "  /* last */",
      "}",
      'topic "t" : A { consumer via c } // after the topic',
      "// at the end",
      "",
    ].join("\n");
    expect(fmt(before)).toBe(after);
    expect(fmt(after)).toBe(after);
  });

  it("moves a comment that sits inside a one-line construct onto its own line, and stays stable", () => {
    const before = 'topic "t" : A { // why\n  consumer via c }\ntopic "u"\n// odd place\n: A\n';
    const once = fmt(before);
    expect(once).toBe('topic "t" : A { // why\n  consumer via c\n}\ntopic "u"\n  // odd place\n  : A\n');
    expect(fmt(once)).toBe(once);
    expect(comments(once)).toEqual(comments(before));
  });

  it("prints strings and numbers exactly as written", () => {
    const before =
      'message A avro { "type": "record", "name": "A", "doc": "a\\u00e9\\/b", "x": 1.50e+3, "fields": [] }\n';
    expect(fmt(before)).toContain('"doc": "a\\u00e9\\/b", "x": 1.50e+3,');
  });

  it("formats an empty file or one with only comments", () => {
    expect(fmt("")).toBe("");
    expect(fmt("  \n\n")).toBe("");
    expect(fmt("// only\n\n\n/* comments */  ")).toBe("// only\n\n/* comments */\n");
  });

  it("does not format a file with syntax errors", () => {
    const result = formatKef({ file: "bad.kef", absolutePath: "/bad.kef", text: 'topic "x" Order\n' });
    expect(result.text).toBeUndefined();
    expect(
      result.diagnostics.map((d) => `${d.code} ${d.range.start.line}:${d.range.start.column} ${d.message}`),
    ).toEqual(["KEF1002 1:11 expected ':' but found 'Order'"]);
  });
});

describe("kefgen fmt", () => {
  let dir: string;

  async function kefgen(...args: string[]) {
    return runKefgen(dir, args);
  }

  const messy = 'shared{groupId="shop"}\ntopic "orders":Order\n';
  const tidy = 'shared {\n  groupId = "shop"\n}\ntopic "orders" : Order\n';

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-fmt-"));
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("rewrites files in place, keeping their mode, leaving no temporary file; a second run changes nothing", async () => {
    fs.writeFileSync(path.join(dir, "a.kef"), messy, { mode: 0o640 });
    fs.writeFileSync(path.join(dir, "b.kef"), tidy);
    const first = await kefgen("fmt", "a.kef", "b.kef");
    expect(first).toEqual({ exitCode: 0, stdout: "formatted a.kef\n", stderr: "" });
    expect(fs.readFileSync(path.join(dir, "a.kef"), "utf8")).toBe(tidy);
    expect(fs.statSync(path.join(dir, "a.kef")).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(dir).sort()).toEqual(["a.kef", "b.kef"]);
    const mtime = fs.statSync(path.join(dir, "b.kef")).mtimeMs;
    expect(await kefgen("fmt", "*.kef")).toEqual({ exitCode: 0, stdout: "2 files already formatted\n", stderr: "" });
    expect(fs.statSync(path.join(dir, "b.kef")).mtimeMs).toBe(mtime);
  });

  it("--check writes nothing and exits 1 listing the files that would change", async () => {
    fs.writeFileSync(path.join(dir, "a.kef"), messy);
    fs.writeFileSync(path.join(dir, "b.kef"), tidy);
    const r = await kefgen("fmt", "--check", "a.kef", "b.kef");
    expect(r).toEqual({ exitCode: 1, stdout: "", stderr: "not formatted:\n  a.kef\nrun: kefgen fmt a.kef\n" });
    expect(fs.readFileSync(path.join(dir, "a.kef"), "utf8")).toBe(messy);
    expect(await kefgen("fmt", "--check", "b.kef")).toEqual({ exitCode: 0, stdout: "1 file formatted\n", stderr: "" });
  });

  it("leaves a file with syntax errors untouched, prints its diagnostics and exits 1; other files are still formatted", async () => {
    fs.writeFileSync(path.join(dir, "bad.kef"), 'topic "x" Order\n');
    fs.writeFileSync(path.join(dir, "good.kef"), messy);
    const r = await kefgen("fmt", "bad.kef", "good.kef", "missing.kef");
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("bad.kef:1:11 - error KEF1002: expected ':' but found 'Order'");
    expect(r.stderr).toContain('missing.kef:1:1 - error KEF4001: cannot read "missing.kef": no such file');
    expect(r.stdout).toBe("formatted good.kef\n");
    expect(fs.readFileSync(path.join(dir, "bad.kef"), "utf8")).toBe('topic "x" Order\n');
    expect(fs.readFileSync(path.join(dir, "good.kef"), "utf8")).toBe(tidy);
  });

  it("--format json prints one document with the diagnostics and what happened to each file", async () => {
    fs.writeFileSync(path.join(dir, "bad.kef"), 'topic "x" Order\n');
    fs.writeFileSync(path.join(dir, "good.kef"), messy);
    const r = await kefgen("fmt", "--check", "--format", "json", "bad.kef", "good.kef");
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout) as { diagnostics: { code: string; file: string }[]; files: unknown[] };
    expect(out.diagnostics.map((d) => [d.code, d.file])).toEqual([["KEF1002", "bad.kef"]]);
    expect(out.files).toEqual([{ file: "good.kef", changed: true, written: false }]);
  });

  it("formats the files of kefgen.config.json when none are given", async () => {
    fs.mkdirSync(path.join(dir, "kef"));
    fs.writeFileSync(path.join(dir, "kef", "a.kef"), messy);
    fs.writeFileSync(path.join(dir, "kefgen.config.json"), JSON.stringify({ files: ["kef/*.kef"] }));
    expect(await kefgen("fmt")).toEqual({ exitCode: 0, stdout: "formatted kef/a.kef\n", stderr: "" });
  });
});
