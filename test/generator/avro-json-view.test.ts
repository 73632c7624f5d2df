// An inline schema read with `JSON.parse` (grammar/inline-plain.ts) and walked as plain values, its ranges located
// when read (generator/avro-json-view.ts), must give exactly what the located reader gives: the same Avro model, every
// range included (read here, so made), and the same diagnostics; and a text where the two readers could differ must
// be left to the located reader. On every inline schema of the fixtures and examples, on generated schemas (valid,
// invalid, with every kind of number and string), and on hostile texts.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { JsonValue } from "../../grammar/ast.js";
import { InlineJson, inlineJsonLexer, type InlineJsonPayload } from "../../grammar/inline-json.js";
import { readPlainJson } from "../../grammar/inline-plain.js";
import { readSchema } from "../../generator/avro-read.js";
import { jsonNumberProblems } from "../../generator/check-literals.js";
import { countJsonNodes, maxSchemaValues } from "../../generator/schema-limits.js";
import { repoRoot } from "../../scripts/snapshots.js";

/** The inline schemas' texts the fast path reads in `text` (whatever else the file holds). */
function inlineTexts(text: string): string[] {
  return inlineJsonLexer
    .tokenize(text)
    .tokens.filter((t) => t.tokenType === InlineJson)
    .map((t) => (t.payload as InlineJsonPayload).text);
}

/** What the fast path reads of `body` (anew each call), or undefined when it does not read it. */
function payloadOf(body: string, prefix = "message M avro "): InlineJsonPayload | undefined {
  const token = inlineJsonLexer.tokenize(prefix + body).tokens.find((t) => t.tokenType === InlineJson);
  const payload = token?.payload as InlineJsonPayload | undefined;
  return payload?.text === body ? payload : undefined;
}

/** `body`'s located JSON as the fast path builds it (a new one each call), or undefined when it does not read it. */
function located(body: string, prefix?: string): JsonValue | undefined {
  return payloadOf(body, prefix)?.json();
}

/** `body` read with `JSON.parse`, when the checker would (body: one the fast path reads). */
function plainOf(body: string, maxValues = maxSchemaValues): { readonly value: unknown } | undefined {
  return readPlainJson(payloadOf(body)!, maxValues);
}

/**
 * Reads `body` both ways and compares them; returns whether the plain path took it. The located side is read from a
 * JSON AST of its own, so the plain side's ranges are found in another tree than the one they are compared with.
 */
function compare(body: string, what: string, prefix?: string): boolean {
  const tree = located(body, prefix);
  expect(tree, what).toBeDefined();
  const plain = plainOf(body);
  if (!plain) return false;
  // What the checker skips for a text taken: the size limit and the number checks, which need the located JSON.
  expect(countJsonNodes(tree!), what).toBeLessThanOrEqual(maxSchemaValues);
  expect(jsonNumberProblems(tree!), what).toEqual([]);
  const file = "schemas.kef";
  const byLocated = readSchema({ file, json: tree!, namespace: undefined });
  let built = 0;
  const byPlain = readSchema({
    file,
    json: { value: plain.value, located: () => (built++, located(body, prefix)!) },
    namespace: undefined,
  });
  expect(byPlain, what).toEqual(byLocated);
  // Ranges were made from a located JSON built once, and only when one was asked for.
  expect(built, what).toBeLessThanOrEqual(1);
  return true;
}

/** The .kef files below `dir` (expected output left out). */
function kefFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".kef") && !f.includes("expected") && !f.includes("node_modules"))
    .map((f) => path.join(dir, f));
}

/** A seeded random text generator of schema-like JSON: valid and invalid Avro, odd numbers and strings, keys twice. */
function generator(seed: number) {
  const random = (n: number): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  const pick = <T>(xs: readonly T[]): T => xs[random(xs.length)]!;
  const space = () => pick(["", " ", "\n  ", "\t", "\r\n"]);
  const names = ["A", "B", "com.acme.C", "int", "1bad", "constructor", "a..b", "", "Rec", "E", "F", "toString"];
  const strings = ['"x"', '"PENDING"', '"a\\"b"', '"\\u00e9"', '"\\ud800"', '"é"', '"\u2028"', '"tab\\t"', '"null"'];
  const numbers = ["0", "-0", "1", "-7", "12", "1.5", "-0.0", "1e3", "2E-2", "9007199254740993", "0.1", "1e400", "4"];
  const scalar = () => pick([...strings, ...numbers, "true", "false", "null"]);
  const object = (members: [string, string][]): string => {
    const list = members.map(([k, v]) => `${space()}"${k}"${space()}:${space()}${v}`);
    // A key twice, with another value (which reader takes which one matters) or the same.
    if (random(12) === 0 && members.length > 0) {
      const [key, value] = members[random(members.length)]!;
      list.push(`"${key}":${random(2) === 0 ? value : pick(['"enum"', '"x"', "1", "[]", '"long"'])}`);
    }
    return `{${list.join(",")}${space()}}`;
  };
  const schema = (depth: number): string => {
    if (depth > 3) return pick(['"string"', '"long"', `"${pick(names)}"`, '{"type":"int"}']);
    switch (random(9)) {
      case 0:
        return object([
          ["type", pick(['"record"', '"error"', '"record"'])],
          ["name", `"${pick(names)}${random(50)}"`],
          ...(random(4) === 0 ? [["namespace", `"${pick(["ns", "", "1x", "a.b"])}"`] as [string, string]] : []),
          ...(random(3) === 0 ? [["doc", scalar()] as [string, string]] : []),
          [
            "fields",
            `[${Array.from({ length: random(4) }, () =>
              random(10) === 0
                ? scalar()
                : object([
                    ["name", `"${pick(["id", "x", "y", "__proto__", "1f", "id"])}"`],
                    ["type", schema(depth + 1)],
                    ...(random(3) === 0 ? [["default", scalar()] as [string, string]] : []),
                  ]),
            ).join(",")}]`,
          ],
        ]);
      case 1:
        return object([
          ["type", '"enum"'],
          ["name", `"${pick(names)}${random(50)}"`],
          [
            "symbols",
            `[${Array.from({ length: random(4) }, () => pick(['"A"', '"B"', '"A"', '"1x"', "3", '"toString"'])).join(",")}]`,
          ],
          ...(random(2) === 0 ? [["default", pick(['"A"', '"Z"', "1"])] as [string, string]] : []),
        ]);
      case 2:
        return object([
          ["type", '"fixed"'],
          ["name", `"F${random(50)}"`],
          ["size", pick(["16", "-1", "1.5", '"4"', "0", "1e1"])],
          ...(random(2) === 0 ? [["logicalType", pick(['"decimal"', '"duration"'])] as [string, string]] : []),
          ...(random(2) === 0 ? [["precision", pick(numbers)] as [string, string]] : []),
        ]);
      case 3:
        return object([
          ["type", '"array"'],
          ["items", schema(depth + 1)],
        ]);
      case 4:
        return object([
          ["type", '"map"'],
          ["values", schema(depth + 1)],
        ]);
      case 5:
        return `[${Array.from({ length: random(4) }, () => schema(depth + 1)).join(",")}]`;
      case 6:
        return object([
          ["type", pick(['"long"', '"bytes"', '"int"', '"string"'])],
          ...(random(2) === 0
            ? [["logicalType", pick(['"timestamp-millis"', '"decimal"', '"uuid"', '"date"'])] as [string, string]]
            : []),
          ...(random(3) === 0 ? [["precision", pick(numbers)] as [string, string]] : []),
          ...(random(3) === 0 ? [["kefgen.long", pick(['"bigint"', '"number"', "1"])] as [string, string]] : []),
        ]);
      case 7:
        return object([["type", pick([scalar(), `"${pick(names)}"`])]]);
      default:
        return pick(['"string"', `"${pick(names)}"`, scalar(), "{}"]);
    }
  };
  return () => {
    const body = schema(0);
    return body.startsWith("{") ? body : `{"type":"array","items":${body}}`;
  };
}

describe("inline schemas read as plain values", () => {
  it("give the located reader's model, ranges and diagnostics for every inline schema of the fixtures and examples", () => {
    const files = [...kefFiles(path.join(repoRoot, "fixtures")), ...kefFiles(path.join(repoRoot, "examples"))];
    let bodies = 0;
    let taken = 0;
    for (const file of files) {
      const text = fs.readFileSync(file, "utf8");
      for (const body of inlineTexts(text)) {
        bodies++;
        if (compare(body, file)) taken++;
      }
    }
    expect(bodies).toBeGreaterThan(100);
    // Most are taken; the ones with escapes, duplicate keys, exponents or `__proto__` are not.
    expect(taken).toBeGreaterThan(bodies / 2);
    expect(taken).toBeLessThan(bodies);
  });

  it("give the located reader's model, ranges and diagnostics for 3,000 generated schemas", () => {
    const next = generator(11);
    let taken = 0;
    let withDiagnostics = 0;
    for (let i = 0; i < 3000; i++) {
      const body = next();
      if (compare(body, `generated ${i}: ${body}`)) {
        taken++;
        const file = "schemas.kef";
        const read = readSchema({ file, json: located(body)!, namespace: undefined });
        if (read.diagnostics.length > 0) withDiagnostics++;
      }
    }
    expect(taken).toBeGreaterThan(1000);
    expect(withDiagnostics).toBeGreaterThan(300);
  });

  it("leaves to the located reader every text where the two readers could differ", () => {
    const record = (fields: string) => `{"type":"record","name":"R","fields":[${fields}]}`;
    const left = [
      // A key twice: the located walk takes the first, JSON.parse the last.
      '{"type":"record","type":"enum","name":"R","fields":[]}',
      record('{"name":"a","type":"int","name":"b"}'),
      // Escapes, lone surrogates.
      record('{"name":"a\\u0062","type":"int"}'),
      record('{"name":"a","type":"int","doc":"\\ud800"}'),
      record('{"name":"a","type":"string","default":"\\n"}'),
      // __proto__, as a key or anywhere.
      record('{"name":"a","type":"int","__proto__":1}'),
      '{"__proto__":{"type":"int"},"type":"record","name":"R","fields":[]}',
      record('{"name":"__proto__","type":"int"}'),
      // Numbers whose text the checker reads.
      record('{"name":"a","type":"double","default":1e400}'),
      record('{"name":"a","type":"double","default":1e-400}'),
      record('{"name":"a","type":"double","default":1E3}'),
      record(`{"name":"a","type":"double","default":${"9".repeat(400)}}`),
      record(`{"name":"a","type":"double","default":0.${"0".repeat(400)}1}`),
      // What JSON.parse refuses and the lexer reads: a tab in a string, a byte-order mark as a space.
      record('{"name":"a\tb","type":"int"}'),
      `{\ufeff"type":"record","name":"R","fields":[]}`,
    ];
    for (const body of left) {
      expect(located(body), body).toBeDefined();
      expect(plainOf(body), body).toBeUndefined();
      compare(body, body);
    }
    // Beyond the size limit (the checker reports it at the located JSON's range).
    const large = `{"type":"enum","name":"E","symbols":[${Array.from({ length: 200 }, (_, i) => `"S${i}"`).join(",")}]}`;
    expect(plainOf(large, 150)).toBeUndefined();
    expect(plainOf(large, 250)).toBeDefined();
    // Taken: what reads the same, with the places of another prefix and line breaks of every kind.
    const taken = [
      record('{"name":"a","type":"double","default":-0}'),
      record('{"name":"a","type":"double","default":-0.0}'),
      record('{"name":"a","type":"long","default":9007199254740993}'),
      record('{"name":"a","type":"string","default":"é\u2028😀"}'),
      '{\r\n"type":\t"record",\r"name":"R",\n"fields":[{"name":"constructor","type":"int"}]}',
      '{"type":"enum","name":"E","symbols":["A","B","A"],"default":"C","constructor":{"toString":1}}',
    ];
    for (const body of taken) {
      expect(compare(body, body), body).toBe(true);
      expect(compare(body, body, "namespace x\n\n  message LongerName   avro\n  "), body).toBe(true);
    }
  });
});
