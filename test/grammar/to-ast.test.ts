// The CST → AST visitor (grammar/to-ast.ts) is checked against the grammar when it is made: a rule of the parser
// without a method is refused at start-up, not skipped when a file happens to use it.
import { describe, expect, it } from "vitest";
import { parser } from "../../grammar/parser.js";
import { AstBuilder } from "../../grammar/to-ast.js";

describe("CST → AST visitor", () => {
  it("has a method for every rule of the grammar", () => {
    const rules = parser.getGAstProductions();
    expect(Object.keys(rules).length).toBeGreaterThan(20);
    const builder = new AstBuilder() as unknown as Record<string, unknown>;
    for (const rule of Object.keys(rules)) expect(typeof builder[rule], rule).toBe("function");
  });

  it("refuses a visitor that misses a rule", () => {
    class WithoutTopicConfig extends AstBuilder {}
    // As if the method had never been written: the prototype chain has no function under the rule's name.
    Object.defineProperty(WithoutTopicConfig.prototype, "topicConfig", { value: undefined });
    expect(() => new WithoutTopicConfig()).toThrow(/topicConfig/);
    expect(() => new AstBuilder()).not.toThrow();
  });
});
