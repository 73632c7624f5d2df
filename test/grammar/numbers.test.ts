// Numbers and units as the lexer and parser see them: a word glued to a number is one quantity, whatever the word
// (the checker then names a bad unit at the literal), and a unit written apart from its number on the same line is
// kept with it — neither makes the parser fail on a later token.
import { describe, expect, it } from "vitest";
import type { SettingValue } from "../../grammar/ast.js";
import { toAst } from "../../grammar/to-ast.js";
import { parseText } from "../../grammar/parser.js";
import { kefLexer } from "../../grammar/tokens.js";
import { problemText } from "../support/syntax.js";

function tokens(text: string): string[] {
  return kefLexer.tokenize(text).tokens.map((t) => `${t.tokenType.name}(${t.image})`);
}

function values(block: string): { problems: string[]; values: (SettingValue | undefined)[] } {
  const out = parseText(`shared {\n${block}\n}`, "file");
  const shared = toAst(out.cst).declarations[0];
  return {
    problems: out.problems.map((p) => `${p.line}:${p.column} ${problemText(p)}`),
    values: shared?.$type === "Shared" ? (shared.settings?.settings ?? []).map((s) => s.value) : [],
  };
}

describe("numbers and units", () => {
  it("lexes a number with any word glued to it as one quantity", () => {
    for (const text of ["30s", "30parsecs", "30S", "1kb", "0x10", "1_000", "1e5s", "2.5min", "007", "00", "030s"])
      expect(tokens(text)).toEqual([`QuantityLiteral(${text})`]);
  });

  it("keeps numbers with exponents, signs and fractions plain numbers", () => {
    for (const text of ["1e5", "1E+5", "-1.5e-3", "1e-400", "1e400", "-0", "0.25"])
      expect(tokens(text)).toEqual([`NumberLiteral(${text})`]);
    expect(tokens("[1e5, 2]")).toEqual([
      "LSquare([)",
      "NumberLiteral(1e5)",
      "Comma(,)",
      "NumberLiteral(2)",
      "RSquare(])",
    ]);
  });

  it("parses unknown units without a syntax error, splitting number and unit", () => {
    const r = values(
      "  sessionTimeoutMs = 30parsecs\n  fetchMinBytes = 1kb\n  maxPollRecords = 0x10\n  fetchMaxWaitMs = 1e5s",
    );
    expect(r.problems).toEqual([]);
    expect(r.values.map((v) => (v?.$type === "QuantityValue" ? [v.value, v.unit, v.raw] : v))).toEqual([
      [30, "parsecs", "30parsecs"],
      [1, "kb", "1kb"],
      [0, "x10", "0x10"],
      [100000, "s", "1e5s"],
    ]);
  });

  it("keeps a unit written apart from its number on the same line with it, marking it detached", () => {
    const r = values("  fetchMaxWaitMs = 30 s\n  concurrency = 2");
    expect(r.problems).toEqual([]);
    expect(r.values[0]).toMatchObject({
      $type: "QuantityValue",
      value: 30,
      unit: "s",
      raw: "30 s",
      detached: true,
      range: { start: { line: 2, column: 20 }, end: { line: 2, column: 24 } },
    });
    expect(r.values[1]).toMatchObject({ $type: "NumberValue", value: 2 });
  });

  it("never takes the next setting's name for a unit", () => {
    // On the next line, or on the same line when an '=' follows the word.
    expect(values("  fetchMaxWaitMs = 30\n  concurrency = 2").values.map((v) => v?.$type)).toEqual([
      "NumberValue",
      "NumberValue",
    ]);
    expect(values("  fetchMaxWaitMs = 30 concurrency = 2").values.map((v) => v?.$type)).toEqual([
      "NumberValue",
      "NumberValue",
    ]);
    // A missing '=' on the next line is still reported there, not swallowed as a unit.
    expect(values("  fetchMaxWaitMs = 30\n  concurrency 2").problems).toEqual(["3:15 expected '=' but found '2'"]);
  });

  it("reports a quantity where JSON wants a value as a syntax error at the literal", () => {
    expect(parseText('{ "size": 16x }', "jsonDocument").problems.map((p) => `${p.column} ${problemText(p)}`)).toEqual([
      "11 expected '{', '[', a string, a number, 'true', 'false' or 'null' but found '16x'",
    ]);
  });
});
