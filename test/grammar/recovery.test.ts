// One typo, one error: each single mistake in the seed example yields exactly one syntax diagnostic, at the mistake.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "../../generator/parse.js";
import { maxLexerErrors } from "../../grammar/parser.js";
import { repoRoot } from "../../scripts/snapshots.js";

const seed = fs.readFileSync(path.join(repoRoot, "fixtures/valid/seed/seed.kef"), "utf8");

const typos: { name: string; from: string; to: string; at: string; message: RegExp }[] = [
  {
    name: "missing colon",
    from: 'topic "order-events" : OrderCreated',
    to: 'topic "order-events" OrderCreated',
    at: "37:22",
    message: /expected ':'/,
  },
  {
    name: "misspelled keyword",
    from: 'topic "order-events" : OrderCreated',
    to: 'topc "order-events" : OrderCreated',
    at: "37:1",
    message: /expected a declaration/,
  },
  { name: "missing '='", from: '  groupId = "shop"', to: '  groupId "shop"', at: "23:11", message: /expected '='/ },
  {
    name: "unterminated string",
    from: '  groupId = "shop"',
    to: '  groupId = "shop',
    at: "23:13",
    message: /unterminated string/,
  },
  {
    name: "missing '}'",
    from: "consumer via criticalAlerts }",
    to: "consumer via criticalAlerts",
    at: "42:1",
    message: /expected '}'/,
  },
  {
    name: "misspelled 'exclusive'",
    from: "connection criticalAlerts exclusive {",
    to: "connection criticalAlerts exclusiv {",
    at: "29:27",
    message: /expected 'exclusive'/,
  },
  {
    name: "misspelled 'from'",
    from: "message CriticalAlert from",
    to: "message CriticalAlert form",
    at: "18:23",
    message: /expected 'from' or 'avro'/,
  },
  {
    name: "missing comma in a JSON array",
    from: '{ "name": "orderId", "type": "string" },',
    to: '{ "name": "orderId", "type": "string" }',
    at: "14:5",
    message: /expected '\]'/,
  },
  {
    name: "missing comma in a JSON object",
    from: '{ "name": "orderId", "type": "string" },',
    to: '{ "name": "orderId" "type": "string" },',
    at: "13:25",
    message: /expected '\}'/,
  },
  { name: "missing '{' of a block", from: "shared {", to: "shared", at: "23:3", message: /expected '\{'/ },
  {
    name: "missing value",
    from: "  maxBufferedMessages = 1000",
    to: "  maxBufferedMessages = ",
    at: "25:16",
    message: /expected/,
  },
  {
    name: "doubled brace",
    from: 'topic "payments" : PaymentProcessed {',
    to: 'topic "payments" : PaymentProcessed {{',
    at: "38:38",
    message: /expected '\}'/,
  },
];

describe("error recovery", () => {
  for (const t of typos) {
    it(`${t.name}: one error, at the mistake`, () => {
      expect(seed).toContain(t.from);
      const r = parse({ file: "seed.kef", absolutePath: "/seed.kef", text: seed.replace(t.from, t.to) });
      expect(r.diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column}`)).toEqual([t.at]);
      expect(r.diagnostics[0]!.message).toMatch(t.message);
    });
  }

  it("a bad unit, a non-decimal number or a unit apart is no syntax error: the checker names it at the literal", () => {
    expect(seed).toContain("  maxBufferedMessages = 1000\n");
    for (const value of ["30parsecs", "30S", "1kb", "0x10", "1_000", "30 s", "30 parsecs"]) {
      const r = parse({
        file: "seed.kef",
        absolutePath: "/seed.kef",
        text: seed.replace("  maxBufferedMessages = 1000\n", `  maxBufferedMessages = ${value}\n`),
      });
      expect(r.diagnostics, value).toEqual([]);
    }
  });

  it("still reports two mistakes in two declarations", () => {
    const text = seed
      .replace('topic "order-events" : OrderCreated', 'topic "order-events" OrderCreated')
      .replace("consumer via criticalAlerts }", "consumer via criticalAlerts");
    expect(parse({ file: "seed.kef", absolutePath: "/seed.kef", text }).diagnostics).toHaveLength(2);
  });
});

describe("a file that is not .kef", () => {
  it("reports its first 100 unexpected characters and one line for the rest, and is not parsed", () => {
    // 200,000 lexing errors: before the cap, each became a diagnostic, and a 4 MiB file of them overflowed the stack.
    const text = 'message A avro "string"\n' + "@ ".repeat(200_000);
    const r = parse({ file: "junk.kef", absolutePath: "/junk.kef", text });
    expect(r.diagnostics).toHaveLength(maxLexerErrors + 1);
    expect(r.diagnostics.every((d) => d.code === "KEF1001")).toBe(true);
    expect(r.diagnostics[0]!.range.start).toMatchObject({ line: 2, column: 1 });
    expect(r.diagnostics.at(-1)!.message).toBe(
      `${200_000 - maxLexerErrors} more unexpected characters: this does not look like a .kef file, so it was not parsed`,
    );
    expect(r.diagnostics.at(-1)!.range.start).toMatchObject({ line: 2, column: 2 * maxLexerErrors + 1 });
  }, 60_000);
});
