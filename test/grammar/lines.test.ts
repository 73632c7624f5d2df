// Line breaks: "\r\n", a lone "\r" (old Mac files) and "\n" each end a line, in the lexer's positions, in the code
// frames diagnostics print, and in the formatter's layout.
import { describe, expect, it } from "vitest";
import { parseText } from "../../grammar/parser.js";
import { checkFiles } from "../../generator/program.js";
import { formatDiagnostic } from "../../generator/diagnostics.js";
import { formatKef } from "../../generator/fmt.js";
import { parse } from "../../generator/parse.js";
import { problemText } from "../support/syntax.js";

const lines = [
  'message Order avro { "type": "record", "name": "Order", "fields": [ { "name": "id", "type": "string" } ] }',
  "shared {",
  '  groupId = "shop"',
  "  concurrency = 0",
  "}",
  'topic "orders" : Ordr',
];

const endings = { LF: "\n", CRLF: "\r\n", CR: "\r" } as const;

function checkText(text: string) {
  const source = { file: "shop.kef", absolutePath: "/shop.kef", text };
  const parsed = parse(source);
  expect(parsed.diagnostics).toEqual([]);
  const host = { readFile: () => undefined, displayPath: (p: string) => p };
  return checkFiles([{ ast: parsed.value, source }], host).diagnostics;
}

describe("line breaks", () => {
  for (const [name, eol] of Object.entries(endings)) {
    it(`${name}: diagnostics name the right line and column, and the code frame shows that line`, () => {
      const text = lines.join(eol) + eol;
      const diagnostics = checkText(text);
      expect(
        diagnostics.map(
          (d) => `${d.code} ${d.range.start.line}:${d.range.start.column}-${d.range.end.line}:${d.range.end.column}`,
        ),
      ).toEqual(["KEF2011 4:17-4:18", "KEF2001 6:18-6:22"]);
      const printed = formatDiagnostic(diagnostics[1]!, new Map([["shop.kef", text]]));
      expect(printed).toBe(
        [
          'shop.kef:6:18 - error KEF2001: unknown message type "Ordr"',
          "",
          '6 topic "orders" : Ordr',
          "                   ^~~~",
          '  hint: did you mean "Order"?',
        ].join("\n"),
      );
      expect(printed).not.toContain("\r");
    });

    it(`${name}: a syntax error at the end of the file is on the last line`, () => {
      const { problems } = parseText(["shared {", '  groupId = "shop"', ""].join(eol), "file");
      expect(problems.map((p) => `${p.line}:${p.column} ${problemText(p)}`)).toEqual([
        "3:1 expected '}' but found the end of the file",
      ]);
    });

    it(`${name}: an unterminated string is marked up to its line's end only`, () => {
      const d = parse({
        file: "a.kef",
        absolutePath: "/a.kef",
        text: ["shared {", '  groupId = "shop', "}"].join(eol),
      }).diagnostics;
      expect(
        d.map(
          (x) => `${x.code} ${x.range.start.line}:${x.range.start.column}-${x.range.end.line}:${x.range.end.column}`,
        ),
      ).toEqual(["KEF1003 2:13-2:18"]);
    });

    it(`${name}: the formatter keeps own-line comments on their own line and one blank line`, () => {
      const text = ["shared {", '  groupId = "shop"', "  // own line", "", "", "  concurrency = 2", "}", ""].join(eol);
      expect(formatKef({ file: "a.kef", absolutePath: "/a.kef", text }).text).toBe(
        ["shared {", '  groupId = "shop"', "  // own line", "", "  concurrency = 2", "}", ""].join("\n"),
      );
    });
  }

  it("a block comment spanning lone-CR lines moves the following positions down", () => {
    const { problems } = parseText("/* one\rtwo\rthree */ topic 1", "file");
    expect(problems.map((p) => `${p.line}:${p.column}`)).toEqual(["3:16"]);
  });
});
