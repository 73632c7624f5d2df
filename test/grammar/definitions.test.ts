// The lexers and the parser skip Chevrotain's checks of their definitions at start-up (tokens.ts `lexerOptions`,
// parser.ts `KefParser`): they cost every `kefgen` process. Run here instead, so that a grammar or token change
// that Chevrotain would refuse (an ambiguous alternative, left recursion, a token that matches nothing) fails.
import { describe, expect, it } from "vitest";
import { createToken, CstParser, Lexer } from "../../grammar/chevrotain.js";
import { inlineJsonTokens } from "../../grammar/inline-json.js";
import { KefParser } from "../../grammar/parser.js";
import * as T from "../../grammar/tokens.js";

const validated = { ...T.lexerOptions, skipValidations: false };

describe("grammar definitions, validated", () => {
  it("the lexers' tokens pass Chevrotain's checks", () => {
    for (const tokens of [T.allTokens, inlineJsonTokens]) {
      const lexer = new Lexer(tokens, validated);
      expect(lexer.lexerDefinitionErrors).toEqual([]);
    }
  });

  it("the grammar passes Chevrotain's checks (which throw on a broken one, see below)", () => {
    expect(() => new KefParser(true)).not.toThrow();
  });

  it("the checks do run: a broken lexer and a broken grammar are refused", () => {
    const empty = createToken({ name: "Empty", pattern: /a*/ });
    expect(() => new Lexer([empty], validated)).toThrow(/empty string/);

    const word = createToken({ name: "Word", pattern: /[a-z]+/ });
    class Ambiguous extends CstParser {
      constructor() {
        super([word], { skipValidations: false });
        this.performSelfAnalysis();
      }
      public rule = this.RULE("rule", () => {
        this.OR([{ ALT: () => this.CONSUME(word) }, { ALT: () => this.CONSUME2(word) }]);
      });
    }
    expect(() => new Ambiguous()).toThrow(/Ambiguous/i);
  });
});
