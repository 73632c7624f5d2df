// Parsing again only what an edit touched (grammar/incremental.ts): after any sequence of edits, the AST is the one
// the grammar gives for the whole text, unchanged declarations are reused, and moved ones carry their new positions.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { IncrementalParser } from "../../grammar/incremental.js";
import { parseText } from "../../grammar/parser.js";
import { toAst } from "../../grammar/to-ast.js";
import { repoRoot } from "../../scripts/snapshots.js";
import { generatedKef } from "../support/perf-kef.js";
import { plainAst } from "../support/plain-ast.js";

/** The grammar's AST of a text, if it has no syntax problem. */
function grammarAst(text: string) {
  const out = parseText(text, "file");
  return out.problems.length === 0 ? toAst(out.cst) : undefined;
}

const examples = fs
  .readdirSync(path.join(repoRoot, "fixtures"), { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".kef") && !f.includes("expected"))
  .map((f) => fs.readFileSync(path.join(repoRoot, "fixtures", f), "utf8"));

describe("incremental parsing", () => {
  it("gives the grammar's AST after every one of a sequence of edits, on every fixture", () => {
    let seed = 3;
    const random = (n: number): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    const pieces = [
      "\n",
      " ",
      "// note\n",
      "/* a\nb */",
      "x",
      "{",
      "}",
      '"',
      "1",
      "\r\n",
      "topic",
      "key",
      "namespace n\n",
    ];
    let taken = 0;
    let edits = 0;
    for (const original of examples) {
      const parser = new IncrementalParser();
      let text = original;
      let valid = original;
      for (let i = 0; i < 25; i++) {
        const ast = parser.parse(text);
        const expected = grammarAst(text);
        if (ast) {
          taken++;
          expect(plainAst(ast)).toEqual(expected);
        }
        // After a broken text (refused or not), the next edit starts again from the last valid one.
        if (expected) valid = text;
        else text = valid;
        // An edit that leaves the file valid most of the time: lines moved, whitespace and comments added, or a
        // declaration's text changed; sometimes a broken one, which must be refused, then parsing goes on.
        const at = random(text.length + 1);
        const piece = pieces[random(pieces.length)]!;
        text = random(4) === 0 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + piece + text.slice(at);
        edits++;
      }
    }
    expect(examples.length).toBeGreaterThan(50);
    expect(edits).toBeGreaterThan(1000);
    expect(taken).toBeGreaterThan(edits / 4);
  });

  it("reuses the declarations before an edit and moves those after it", () => {
    const parser = new IncrementalParser();
    const text = generatedKef(200);
    const before = parser.parse(text)!;
    // An edit in the last declaration: every other declaration is the same object as before.
    const last = text.lastIndexOf("backpressure");
    const edited = `${text.slice(0, last)}backpressure = DropNewestMessage } }\n`;
    const after = parser.parse(edited)!;
    expect(plainAst(after)).toEqual(grammarAst(edited));
    expect(after.declarations.slice(0, -1).every((d, i) => d === before.declarations[i])).toBe(true);
    expect(after.declarations.at(-1)).not.toBe(before.declarations.at(-1));
    // Two lines added at the top: declarations are moved (new positions), equal to the grammar's.
    const moved = parser.parse(`// one\n\n${edited}`)!;
    expect(plainAst(moved)).toEqual(grammarAst(`// one\n\n${edited}`));
    expect(moved.declarations[1]!.range.start.line).toBe(after.declarations[1]!.range.start.line + 2);
  });

  it("leaves to the grammar what it cannot parse in pieces", () => {
    // A topic ending in `key`: the whole parse takes the next keyword as the key's type.
    expect(new IncrementalParser().parse('topic "t" : M key\ntopic "u" : N\n')).toBeUndefined();
    expect(grammarAst('topic "t" : M key\ntopic "u" : N\n')).toBeUndefined();
    // A namespace after a declaration, which the grammar refuses.
    expect(new IncrementalParser().parse('message A from "a.avsc"\nnamespace x\n')).toBeUndefined();
    expect(grammarAst('message A from "a.avsc"\nnamespace x\n')).toBeUndefined();
    // A message whose name is a keyword on the next line: a piece without a name is an error there too.
    expect(new IncrementalParser().parse('message\ntopic from "a.avsc"\n')).toBeUndefined();
  });
});
