// The TextMate grammar colours every token kind of the .kef lexer. The kinds are enumerated from the lexer's own list
// (grammar/tokens.ts `allTokens`, and the inline schema token of grammar/inline-json.ts), so a new token kind fails
// this test until it has a sample here. Each sample is a line that the lexer reads with that kind of token at the
// place given, and the scopes vscode-tmgrammar-test must find there (written into a generated token test file).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inlineJsonLexer, inlineJsonTokens } from "../../grammar/inline-json.js";
import { allTokens } from "../../grammar/tokens.js";
import { runGrammarTests } from "../support/tmgrammar.js";

interface Sample {
  /** A line of .kef. */
  readonly line: string;
  /** The token's text in it (its first occurrence, or the `nth`). */
  readonly token: string;
  readonly nth?: number;
  /** The scopes within the token: the text of a part (the whole token when absent) and its scope. */
  readonly scopes: readonly { readonly part?: string; readonly scope: string }[];
}

const topic = 'topic "orders" as orderEvents : Order | Refund { consumer via critical }';
const writers = 'message Order from "order.avsc" writers ["old.avsc", "older.avsc"]';
const registry = 'registry main { auth = basic(env("U"), env("P")) }';
const one = (scope: string) => [{ scope }];

/** Token kinds without a colour: the category every word is in (never produced itself), and skipped whitespace. */
const uncoloured = new Set(["AnyWord", "WhiteSpace"]);

const samples: Record<string, Sample> = {
  LineComment: { line: "shared { } // a note", token: "// a note", scopes: one("comment.line.double-slash.kef") },
  BlockComment: { line: "/* a block */ shared { }", token: "/* a block */", scopes: one("comment.block.kef") },
  UnterminatedBlockComment: {
    line: "shared { } /* never closed",
    token: "/* never closed",
    scopes: one("comment.block.kef"),
  },
  Namespace: { line: "namespace shop.orders", token: "namespace", scopes: one("keyword.control.kef") },
  Message: { line: writers, token: "message", scopes: one("keyword.control.kef") },
  From: { line: writers, token: "from", scopes: one("keyword.other.kef") },
  Writers: { line: writers, token: "writers", scopes: one("keyword.other.kef") },
  Avro: { line: 'message Note avro { "type": "string" }', token: "avro", scopes: one("keyword.other.kef") },
  Shared: { line: 'shared { groupId = "g" }', token: "shared", scopes: one("keyword.control.kef") },
  Connection: {
    line: 'connection critical exclusive { groupId = "c" }',
    token: "connection",
    scopes: one("keyword.control.kef"),
  },
  Exclusive: {
    line: 'connection critical exclusive { groupId = "c" }',
    token: "exclusive",
    scopes: one("keyword.other.kef"),
  },
  Topic: { line: topic, token: "topic", scopes: one("keyword.control.kef") },
  Consumer: { line: topic, token: "consumer", scopes: one("keyword.control.kef") },
  Via: { line: topic, token: "via", scopes: one("keyword.other.kef") },
  As: { line: topic, token: "as", scopes: one("keyword.other.kef") },
  True: { line: "shared { enableAutoCommit = true }", token: "true", scopes: one("constant.language.kef") },
  False: { line: "shared { enableAutoCommit = false }", token: "false", scopes: one("constant.language.kef") },
  Null: { line: "shared { groupInstanceId = null }", token: "null", scopes: one("constant.language.kef") },
  Registry: { line: registry, token: "registry", scopes: one("keyword.control.kef") },
  Identifier: { line: topic, token: "Refund", scopes: one("variable.other.kef") },
  StringLiteral: { line: topic, token: '"orders"', scopes: one("string.quoted.double.kef") },
  UnterminatedString: {
    line: 'shared { groupId = "never closed',
    token: '"never closed',
    scopes: one("string.quoted.double.kef"),
  },
  QuantityLiteral: {
    line: "shared { sessionTimeoutMs = 30s }",
    token: "30s",
    scopes: [
      { part: "30", scope: "constant.numeric.kef" },
      { part: "s", scope: "keyword.other.unit.kef" },
    ],
  },
  NumberLiteral: { line: "shared { maxBufferedMessages = 500 }", token: "500", scopes: one("constant.numeric.kef") },
  LCurly: { line: topic, token: "{", scopes: one("punctuation.section.braces.begin.kef") },
  RCurly: { line: topic, token: "}", scopes: one("punctuation.section.braces.end.kef") },
  LSquare: { line: writers, token: "[", scopes: one("punctuation.section.brackets.begin.kef") },
  RSquare: { line: writers, token: "]", scopes: one("punctuation.section.brackets.end.kef") },
  Colon: { line: topic, token: ":", scopes: one("punctuation.separator.colon.kef") },
  Comma: { line: registry, token: ",", scopes: one("punctuation.separator.comma.kef") },
  Equals: {
    line: 'topic "t" : Order { config { "retention.ms" = 7d } }',
    token: "=",
    scopes: one("keyword.operator.assignment.kef"),
  },
  Dot: { line: "namespace shop.orders", token: ".", scopes: one("punctuation.accessor.kef") },
  LParen: { line: registry, token: "(", scopes: one("punctuation.section.parens.kef") },
  RParen: { line: registry, token: ")", scopes: one("punctuation.section.parens.kef") },
  Pipe: { line: topic, token: "|", scopes: one("punctuation.separator.pipe.kef") },
  InlineJson: {
    line: 'message Note avro { "type": "enum", "symbols": ["A"] }',
    token: '{ "type": "enum", "symbols": ["A"] }',
    scopes: [
      { part: "{", scope: "punctuation.section.braces.begin.kef" },
      { part: '"type"', scope: "meta.embedded.json.kef support.type.property-name.json.kef" },
      { part: '"enum"', scope: "meta.embedded.json.kef string.quoted.double.kef" },
      { part: "[", scope: "meta.embedded.json.kef punctuation.definition.array.begin.json.kef" },
      { part: "}", scope: "punctuation.section.braces.end.kef" },
    ],
  },
};

/** Where the sample's token starts in its line. */
function tokenStart(s: Sample): number {
  let index = -1;
  for (let i = 0; i <= (s.nth ?? 0); i++) index = s.line.indexOf(s.token, index + 1);
  if (index < 0) throw new Error(`"${s.token}" is not in ${s.line}`);
  return index;
}

/** The sample's line and one assertion line per scope, in vscode-tmgrammar-test's syntax. */
function assertions(s: Sample): string {
  const start = tokenStart(s);
  const lines = [s.line];
  for (const { part, scope } of s.scopes) {
    const column = part === undefined ? start : start + s.token.indexOf(part);
    const length = (part ?? s.token).length;
    // `// <---` marks from column 0; `//   ^^^` from a column after the comment's two slashes.
    lines.push(
      column < 2 ? `// <${"-".repeat(length)} ${scope}` : `//${" ".repeat(column - 2)}${"^".repeat(length)} ${scope}`,
    );
  }
  return lines.join("\n");
}

describe("the TextMate grammar colours every token kind", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-tm-tokens-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const kinds = [...new Set([...allTokens, ...inlineJsonTokens].map((t) => t.name))].filter((n) => !uncoloured.has(n));

  it("has a sample for each token kind of the lexer, and no other", () => {
    expect(Object.keys(samples).sort()).toEqual([...kinds].sort());
  });

  it.each(kinds)("%s: the lexer reads the sample's token as that kind", (kind) => {
    const s = samples[kind]!;
    const lexed = inlineJsonLexer.tokenize(s.line);
    const start = tokenStart(s);
    // Comments are lexed into a group of their own.
    const token = [...lexed.tokens, ...(lexed.groups.comments ?? [])].find((t) => t.startOffset === start);
    expect(token?.image).toBe(s.token);
    expect(token?.tokenType.name).toBe(kind);
  });

  it("vscode-tmgrammar-test finds each sample's scopes", () => {
    // The unterminated block comment runs to the end of its file: each sample gets a file of its own.
    const files = Object.entries(samples).map(([kind, s]) => {
      const file = path.join(dir, `${kind}.test.kef`);
      fs.writeFileSync(file, `// SYNTAX TEST "source.kef" "${kind}"\n${assertions(s)}\n`);
      return file;
    });
    const r = runGrammarTests(files);
    expect(r.output).not.toContain("failed");
    expect(r.status, r.output).toBe(0);
  });
});
