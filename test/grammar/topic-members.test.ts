// The members of a multi-type topic in the grammar: `topic "t" : A | shop.B | C` (topicMember rule, '|' token) and
// what the AST keeps of them; a '|' without a type after it is one syntax error.
import { describe, expect, it } from "vitest";
import type { TopicDecl } from "../../grammar/ast.js";
import { parseText } from "../../grammar/parser.js";
import { toAst } from "../../grammar/to-ast.js";

function topic(text: string): { decl: TopicDecl | undefined; problems: ReturnType<typeof parseText>["problems"] } {
  const { cst, problems } = parseText(text, "file");
  return { decl: toAst(cst).declarations.find((d): d is TopicDecl => d.$type === "Topic"), problems };
}

describe("multi-type topics in the grammar", () => {
  it("keeps the first type as the message and the others, in order, as members, before the clauses", () => {
    const text =
      'topic "orders" as o : OrderCreated |shop.OrderCancelled|  OrderShipped key string tombstones { route = schema }';
    const { decl, problems } = topic(text);
    expect(problems).toEqual([]);
    expect(decl!.message!.text).toBe("OrderCreated");
    expect(decl!.members!.map((m) => m.text)).toEqual(["shop.OrderCancelled", "OrderShipped"]);
    expect(decl!.members!.map((m) => text.slice(m.range.start.offset, m.range.end.offset))).toEqual([
      "shop.OrderCancelled",
      "OrderShipped",
    ]);
    expect(decl!.clauses.map((c) => c.$type)).toEqual(["KeyClause", "TombstonesClause"]);
    expect(decl!.body.map((b) => (b.$type === "Setting" ? b.name.text : b.$type))).toEqual(["route"]);
  });

  it("leaves members out on a topic of one type", () => {
    expect(topic('topic "orders" : OrderCreated').decl!.members).toBeUndefined();
  });

  it("reports a '|' with no type after it once, at what follows it", () => {
    const { problems } = topic('topic "orders" : OrderCreated | { route = schema }');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: "parser", column: 33, message: { args: { expected: "a name" } } });
  });
});
