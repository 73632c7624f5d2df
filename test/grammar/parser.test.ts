import { describe, expect, it } from "vitest";
import type { TopicDecl } from "../../grammar/ast.js";
import { toAst } from "../../grammar/to-ast.js";
import { parseText } from "../../grammar/parser.js";
import { problemText } from "../support/syntax.js";

function parseFile(text: string) {
  const out = parseText(text, "file");
  return { ast: toAst(out.cst), problems: out.problems };
}

describe("parser", () => {
  it("parses every declaration form with positions", () => {
    const { ast, problems } = parseFile(
      [
        "namespace shop.events",
        'message A from "a.avsc"',
        'message B avro { "type": "record", "name": "B", "fields": [] }',
        'shared { groupId = "shop" maxBufferedMessages = 10 backpressure = DropOldestMessage enableAutoCommit = false }',
        'connection c exclusive { groupId = "c" }',
        'topic "t1" : A',
        'topic "t2" as two : B { consumer { maxBufferedMessages = 5 } }',
        'topic "t3" : A { consumer via c }',
        'topic "t4" : B { consumer exclusive { groupId = "x" } }',
      ].join("\n"),
    );
    expect(problems).toEqual([]);
    expect(ast.namespace?.text).toBe("shop.events");
    expect(ast.declarations.map((d) => d.$type)).toEqual([
      "Message",
      "Message",
      "Shared",
      "Connection",
      "Topic",
      "Topic",
      "Topic",
      "Topic",
    ]);
    const topics = ast.declarations.filter((d): d is TopicDecl => d.$type === "Topic");
    expect(topics.map((t) => t.consumer?.$type ?? "none")).toEqual([
      "none",
      "SharedConsumer",
      "ViaConsumer",
      "ExclusiveConsumer",
    ]);
    expect(topics[1]!.alias?.text).toBe("two");
    expect(topics[1]!.range.start).toEqual({ line: 7, column: 1, offset: expect.any(Number) });
    const shared = ast.declarations[2]!;
    expect(shared.$type === "Shared" && shared.settings?.settings.map((s) => [s.name.text, s.value?.$type])).toEqual([
      ["groupId", "StringValue"],
      ["maxBufferedMessages", "NumberValue"],
      ["backpressure", "IdentifierValue"],
      ["enableAutoCommit", "BooleanValue"],
    ]);
  });

  it("keeps comments out of the AST", () => {
    const { ast, problems } = parseFile('// one\n/* two */ shared { /* three */ groupId = "g" } // four');
    expect(problems).toEqual([]);
    expect(ast.declarations).toHaveLength(1);
  });

  it("decodes JSON string escapes in inline schemas", () => {
    const { ast } = parseFile(
      'message M avro { "type": "record", "name": "M", "doc": "a \\"quoted\\" \\u00e9", "fields": [] }',
    );
    const m = ast.declarations[0]!;
    if (m.$type !== "Message" || m.schema?.$type !== "InlineSchema" || m.schema.json.$type !== "JsonObject")
      throw new Error("not parsed");
    const doc = m.schema.json.members.find((x) => x.key.value === "doc")?.value;
    expect(doc).toMatchObject({ $type: "JsonString", value: 'a "quoted" é' });
  });

  it("reports errors as data with 1-based positions and recovers to parse later declarations", () => {
    const { ast, problems } = parseFile('topic "a" A\nshared { groupId = "g" }\ntopic "b" : B');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      kind: "parser",
      line: 1,
      column: 11,
      message: { name: "expectedButFound", args: { expected: "':'", found: "'A'" } },
    });
    expect(problemText(problems[0]!)).toBe("expected ':' but found 'A'");
    expect(ast.declarations.map((d) => d.$type)).toContain("Shared");
    expect(ast.declarations.filter((d) => d.$type === "Topic").map((t) => (t as TopicDecl).topic.value)).toContain("b");
  });

  it("reports an unterminated string once", () => {
    const { problems } = parseFile('shared { groupId = "g }\ntopic "b" : B');
    expect(problems.map((p) => p.kind)).toEqual(["unterminated-string"]);
  });

  it("does not mistake keywords for names or names starting with keywords for keywords", () => {
    const { ast, problems } = parseFile('message topicEvent from "x.avsc"\nmessage messages from "y.avsc"');
    expect(problems).toEqual([]);
    expect(ast.declarations.map((d) => (d.$type === "Message" ? d.name.text : ""))).toEqual(["topicEvent", "messages"]);
    // A keyword as a message name parses (the checker reports it precisely, KEF2017) instead of cascading.
    expect(parseFile('message topic from "x.avsc"\ntopic "t" : topic').problems).toEqual([]);
  });

  it("parses a JSON document", () => {
    const out = parseText('{ "a": [1, -2.5e3, true, false, null, "s"] }', "jsonDocument");
    expect(out.problems).toEqual([]);
    expect(parseText('{ "a": [1, ] }', "jsonDocument").problems).toHaveLength(1);
  });
});

describe("topic clauses (key, tombstones)", () => {
  it("parses key types and tombstones in either order, before the consumer block", () => {
    const { ast, problems } = parseFile(
      [
        'topic "a" : A key string',
        'topic "b" : A tombstones key shop.keys.UserId { consumer via c }',
        'topic "c" : A key none tombstones',
        'topic "d" : A',
      ].join("\n"),
    );
    expect(problems).toEqual([]);
    const clauses = ast.declarations.map((d) =>
      (d as TopicDecl).clauses.map((c) => (c.$type === "KeyClause" ? `key ${c.type?.text}` : c.$type)),
    );
    expect(clauses).toEqual([
      ["key string"],
      ["TombstonesClause", "key shop.keys.UserId"],
      ["key none", "TombstonesClause"],
      [],
    ]);
    expect((ast.declarations[1] as TopicDecl).consumer?.$type).toBe("ViaConsumer");
  });

  it("parses a producer block after the consumer clause, or alone; producer stays usable as a name", () => {
    const { ast, problems } = parseFile(
      [
        'message producer avro { "type": "string" }',
        'topic "a" : producer { producer { acks = all } }',
        'topic "b" : producer key string { consumer via c producer {} }',
        'topic "c" : producer { consumer { concurrency = 2 } }',
      ].join("\n"),
    );
    expect(problems).toEqual([]);
    const topics = ast.declarations.filter((d): d is TopicDecl => d.$type === "Topic");
    expect(topics.map((t) => t.producer?.settings?.settings.map((s) => s.name.text))).toEqual([
      ["acks"],
      [],
      undefined,
    ]);
    expect(topics.map((t) => t.consumer?.$type ?? "none")).toEqual(["none", "ViaConsumer", "SharedConsumer"]);
    expect(topics[0]!.producer!.keyword.start).toMatchObject({ line: 2, column: 24 });
  });

  it("keeps the words usable as names: they are not keywords", () => {
    const { ast, problems } = parseFile(
      [
        'message key avro { "type": "string" }',
        'connection tombstones exclusive { groupId = "t" }',
        'topic "k" as none : key key key { consumer via tombstones }',
      ].join("\n"),
    );
    expect(problems).toEqual([]);
    const topic = ast.declarations[2] as TopicDecl;
    expect([topic.alias?.text, topic.message?.text, topic.clauses]).toMatchObject([
      "none",
      "key",
      [{ $type: "KeyClause", type: { text: "key" } }],
    ]);
  });

  it("takes any other word as a clause for the checker to name (KEF2070), not as a syntax error", () => {
    const { ast, problems } = parseFile('topic "a" : A tombstone\ntopic "b" : A');
    expect(problems).toEqual([]);
    expect((ast.declarations[0] as TopicDecl).clauses).toMatchObject([
      { $type: "UnknownClause", word: { text: "tombstone" } },
    ]);
    expect(ast.declarations).toHaveLength(2);
  });
});
