// generator/codec-accepts.ts vouches for a codec schema without building its avsc type; checkCodecSchema then skips
// avsc. That is only sound if avsc accepts every schema it vouches for. Checked here on every codec schema the
// fixtures make (valid and invalid ones, recorded as the checker asks), on generated schemas that mix valid and
// invalid parts, and on hostile ones; and it must vouch for ordinary schemas, or it would save nothing.
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { avscAccepts } from "../../generator/codec-accepts.js";
import { analyse } from "../../generator/program.js";
import { avroType } from "../../runtime/avro-codec.js";
import { repoRoot } from "../../scripts/snapshots.js";

/** Every schema checkCodecSchema is asked about in this file. */
const asked: unknown[] = [];
vi.mock("../../generator/codec-accepts.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../generator/codec-accepts.js")>();
  return {
    avscAccepts: (schema: unknown) => {
      asked.push(structuredClone(schema));
      return original.avscAccepts(schema);
    },
  };
});

/** avsc's verdict on a schema built as the runtime builds it: undefined, or its error. */
function avscError(schema: unknown): string | undefined {
  try {
    avroType(structuredClone(schema));
    return undefined;
  } catch (error) {
    return `${(error as Error).constructor.name}: ${(error as Error).message}`;
  }
}

/** Asserts the one property: vouched for ⇒ avsc accepts. Returns whether it was vouched for. */
function sound(schema: unknown): boolean {
  const vouched = avscAccepts(schema);
  if (vouched) expect(avscError(schema), JSON.stringify(schema)).toBeUndefined();
  return vouched;
}

const event = (i: number) => ({
  type: "record",
  name: `Event${i}`,
  namespace: `bench.large.s${i}`,
  fields: [
    { name: "id", type: "string" },
    { name: "sequence", type: "long" },
    { name: "active", type: "boolean" },
    { name: "address", type: { type: "record", name: `Address${i}`, fields: [{ name: "street", type: "string" }] } },
    { name: "status", type: { type: "enum", name: `Status${i}`, symbols: ["PENDING", "ACTIVE", "CLOSED"] } },
    { name: "tags", type: { type: "array", items: "string" } },
    { name: "attributes", type: { type: "map", values: "long" } },
    { name: "note", type: ["null", "string"], default: null },
    { name: "amount", type: { type: "bytes", logicalType: "decimal", precision: 12, scale: 2 } },
    { name: "placedAt", type: { type: "long", logicalType: "timestamp-millis" } },
  ],
});

describe("avscAccepts", () => {
  it("vouches only for schemas avsc accepts, on every codec schema of the fixtures", () => {
    const fixtures = path.join(repoRoot, "fixtures");
    const kefs = fs
      .readdirSync(fixtures, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".kef") && !f.includes("expected"))
      .sort();
    asked.length = 0;
    for (const kef of kefs) {
      const file = path.join(fixtures, kef);
      analyse({ inputs: [path.basename(file)], cwd: path.dirname(file) });
    }
    const schemas = asked.splice(0);
    let vouched = 0;
    for (const schema of schemas) if (sound(schema)) vouched++;
    // The fixtures' schemas are mostly ordinary: most are decided here, a few (bytes and record defaults,
    // hostile names) are left to avsc.
    expect(schemas.length).toBeGreaterThan(100);
    expect(vouched).toBeGreaterThan(schemas.length / 2);
    expect(vouched).toBeLessThan(schemas.length);
  });

  it("vouches for the ordinary schemas of the benchmark's large file", () => {
    for (let i = 0; i < 5; i++) expect(sound(event(i))).toBe(true);
    const withDefaults = {
      type: "record",
      name: "D",
      fields: [
        { name: "n", type: "null", default: null },
        { name: "b", type: "boolean", default: false },
        { name: "i", type: "int", default: -7 },
        { name: "l", type: "long", default: 2 ** 53 - 1 },
        { name: "f", type: "float", default: 1.5 },
        { name: "d", type: "double", default: 1e300 },
        { name: "s", type: "string", default: "x" },
        { name: "e", type: { type: "enum", name: "E", symbols: ["A", "B"], default: "A" }, default: "B" },
        { name: "e2", type: "E", default: "A" },
        { name: "u", type: ["null", { type: "long", logicalType: "timestamp-millis" }], default: null },
        { name: "r", type: ["null", "D"], default: null, order: "ignore", doc: "self" },
      ],
    };
    expect(sound(withDefaults)).toBe(true);
  });

  it("leaves to avsc what it refuses, and what it would decide through Object.prototype", () => {
    const record = (fields: unknown[], extra: object = {}) => ({ type: "record", name: "R", fields, ...extra });
    const refused: unknown[] = [
      record([{ name: "__proto__", type: "string" }]),
      record([
        { name: "__proto__", type: "string" },
        { name: "type", type: "string" },
      ]),
      record([{ name: "constructor", type: "string" }]),
      { type: "record", name: "constructor", fields: [] },
      { type: "record", name: "int", fields: [] },
      { type: "record", name: "ns.long", fields: [] },
      { type: "record", name: ".R", fields: [] },
      { type: "record", name: "a..R", fields: [] },
      record([], { namespace: "1bad" }),
      record([], { namespace: null }),
      record([], { aliases: "A" }),
      record([], { doc: { toString: 1 } }),
      record([{ name: "a", type: { type: "enum", name: "E", symbols: ["toString"] } }]),
      record([{ name: "a", type: { type: "enum", name: "E", symbols: ["A"] }, default: "toString" }]),
      record([{ name: "a", type: { type: "enum", name: "E", symbols: ["A", "A"] } }]),
      record([{ name: "a", type: { type: "enum", name: "E", symbols: [] } }]),
      record([{ name: "a", type: { type: "enum", name: "E", symbols: ["A"], default: "B" } }]),
      record([{ name: "a", type: "toString" }]),
      record([{ name: "a", type: "R.toString" }]),
      record([{ name: "a", type: "S" }]),
      record([
        { name: "a", type: "S" },
        { name: "b", type: { type: "record", name: "S", fields: [] } },
      ]),
      record([
        { name: "a", type: { type: "fixed", name: "F", size: 2 } },
        { name: "b", type: { type: "fixed", name: "F", size: 2 } },
      ]),
      record([{ name: "a", type: { type: "fixed", name: "F", size: -1 } }]),
      record([{ name: "a", type: { type: "fixed", name: "F", size: 1.5 } }]),
      record([{ name: "a", type: { type: "fixed", name: "F", size: 2 ** 31 } }]),
      record([{ name: "a", type: [] }]),
      record([{ name: "a", type: ["null", ["string"]] }]),
      record([{ name: "a", type: ["null", "null"] }]),
      record([{ name: "a", type: ["null", { type: "long", logicalType: "timestamp-millis" }, "long"] }]),
      record([{ name: "a", type: ["long", { type: "long", "kefgen.long": "bigint" }] }]),
      record([{ name: "a", type: ["string", "null"], default: null }]),
      record([{ name: "a", type: "int", default: 2 ** 31 }]),
      record([{ name: "a", type: "int", default: 1.5 }]),
      record([{ name: "a", type: "long", default: 2 ** 53 }]),
      record([{ name: "a", type: "string", default: null }]),
      record([{ name: "a", type: "string", order: "up" }]),
      record([{ name: "a", type: { type: "array" } }]),
      record([{ name: "a", type: { type: "map", values: "" } }]),
      record([{ name: "a", type: { type: { type: "string" } } }]),
      record([{ name: "a", type: null }]),
      record([{ name: "a" }]),
      record([
        { name: "a", type: "string" },
        { name: "a", type: "int" },
      ]),
      record([null]),
      record({} as unknown[]),
      { type: "error", name: "E", fields: [] },
      { type: "nope" },
      "nope",
    ];
    for (const schema of refused) {
      // Whatever avsc says of it, it is not vouched for here.
      expect(avscAccepts(schema), JSON.stringify(schema)).toBe(false);
    }
    // And some of them avsc does accept: being left to avsc is not a verdict.
    expect(refused.filter((s) => avscError(s) === undefined).length).toBeGreaterThan(3);
  });

  it("vouches only for schemas avsc accepts, on generated ones", () => {
    const name = fc.constantFrom("A", "B", "C", "ns.A", "x.y.B", "constructor", "int", "a b", "", ".A", "B.toString");
    const namespace = fc.constantFrom(undefined, "", "ns", "x.y", "1x", "a..b", null, 3);
    const reference = fc.constantFrom("A", "B", "C", "ns.A", "x.y.B", "ns.C", "toString", "string", "ns.int");
    const doc = fc.constantFrom(undefined, "doc", 1, null, { a: 1 }, ["d"]);
    const defaultValue = fc.oneof(
      fc.constantFrom(undefined, null, 0, -1, 1.5, 2 ** 31, 2 ** 53, -(2 ** 53) + 1, "", "A", "B", true, [], {}),
      fc.constantFrom("toString", Number.POSITIVE_INFINITY, Number.NaN, "12.34", { a: 1 }, ["x"]),
    );
    const logical = fc.constantFrom<object>(
      { type: "bytes", logicalType: "decimal", precision: 12, scale: 2 },
      { type: "string", logicalType: "uuid" },
      { type: "int", logicalType: "date" },
      { type: "long", logicalType: "timestamp-millis" },
      { type: "long", logicalType: "time-micros" },
      { type: "int", logicalType: "time-millis" },
      { type: "long", logicalType: "nope" },
      { type: "fixed", name: "Dur", size: 12, logicalType: "duration" },
      { type: "fixed", name: "Id", size: 16, logicalType: "uuid" },
      { type: "long", "kefgen.long": "bigint" },
      { type: "long", "kefgen.long": "bigint", logicalType: "x" },
    );
    const { schema } = fc.letrec<{ schema: unknown; field: unknown }>((tie) => ({
      schema: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.constantFrom("null", "boolean", "int", "long", "float", "double", "bytes", "string"),
        reference,
        logical,
        fc.record(
          { type: fc.constant("record"), name, namespace, doc, fields: fc.array(tie("field"), { maxLength: 4 }) },
          { requiredKeys: ["type", "name", "fields"] },
        ),
        fc.record(
          {
            type: fc.constant("enum"),
            name,
            namespace,
            symbols: fc.array(fc.constantFrom("A", "B", "C", "toString", "1x"), { maxLength: 3 }),
            default: fc.constantFrom(undefined, "A", "Z"),
            aliases: fc.constantFrom(undefined, ["X"], "X", [".X"]),
          },
          { requiredKeys: ["type", "name", "symbols"] },
        ),
        fc.record(
          { type: fc.constant("fixed"), name, namespace, size: fc.constantFrom(0, 1, 16, -1, 2.5) },
          { requiredKeys: ["type", "name", "size"] },
        ),
        fc.record({ type: fc.constantFrom("array", "map"), items: tie("schema"), values: tie("schema") }),
        fc.array(tie("schema"), { maxLength: 3 }),
      ),
      field: fc.record(
        {
          name: fc.constantFrom("a", "b", "c", "__proto__", "type", "toString", "1x"),
          type: tie("schema"),
          default: defaultValue,
          order: fc.constantFrom(undefined, "ascending", "ignore", "up"),
          doc,
        },
        { requiredKeys: ["name", "type"] },
      ),
    }));
    let vouched = 0;
    let left = 0;
    fc.assert(
      fc.property(
        fc.record(
          {
            type: fc.constant("record"),
            name,
            namespace,
            fields: fc.array(
              schema.chain((type) =>
                fc.record(
                  { name: fc.constantFrom("a", "b", "c", "d"), type: fc.constant(type), default: defaultValue },
                  { requiredKeys: ["name", "type"] },
                ),
              ),
              { maxLength: 5 },
            ),
          },
          { requiredKeys: ["type", "name", "fields"] },
        ),
        (s) => {
          if (sound(s)) vouched++;
          else left++;
        },
      ),
      { numRuns: 4000, seed: 11 },
    );
    // Both outcomes occur often: the property is not vacuous.
    expect(vouched).toBeGreaterThan(200);
    expect(left).toBeGreaterThan(400);
  });
});
