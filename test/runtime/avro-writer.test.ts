// runtime/avro-writer.ts writes exactly avsc's bytes: for values of any schema (drawn by test/support/avro-arbitrary.ts
// over schemas drawn here, the fixtures' message types and the benchmark's records), at any offset, into buffers too
// small (the same missing count as avsc's encode), with defaults left out, and for values that do not fit the schema
// (avsc's own error). The Java and fastavro witnesses (test/integration/interop-bare.test.ts, single-object-java,
// confluent-python, producers) decode codec.encode's bytes, which this writer now produces.
import fs from "node:fs";
import path from "node:path";
import avro from "avsc";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { avroCodec, avroType, avroWriter, type AvroCodec } from "../../runtime/avro-codec.js";
import { repoRoot } from "../../scripts/snapshots.js";
import { largeOrderSchema, smallEventSchema, valuePool } from "../../bench/records.js";
import { avroArbitrary, avroString } from "../support/avro-arbitrary.js";

/** What avsc writes for `value`, or the message it throws. */
function avsc(type: avro.Type, value: unknown): Buffer | string {
  try {
    return type.toBuffer(value);
  } catch (error) {
    return (error as Error).message;
  }
}

/** What the writer writes for `value` at `offset` of a roomy buffer, or the message it throws. */
function ours(type: avro.Type, value: unknown, offset = 0): Buffer | string {
  const buf = Buffer.alloc(offset + 256 * 1024, 0xaa);
  try {
    const end = avroWriter(type)(value, buf, offset);
    if (end < 0) throw new Error(`missing ${-end} bytes`);
    return buf.subarray(offset, end);
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Checks one value: the same bytes as avsc at an offset, in a buffer of exactly its size, and in every buffer too
 * small the same answer as avsc's encode.
 */
function checkValue(type: avro.Type, value: unknown, offset: number): void {
  const expected = type.toBuffer(value);
  expect(ours(type, value, offset)).toEqual(expected);
  const write = avroWriter(type);
  const exact = Buffer.alloc(offset + expected.length);
  expect(write(value, exact, offset)).toBe(exact.length);
  expect(exact.subarray(offset)).toEqual(expected);
  for (const size of new Set([0, 1, expected.length >> 1, expected.length - 1].filter((n) => n >= 0))) {
    if (size >= expected.length) continue;
    const mine = Buffer.alloc(size);
    const theirs = Buffer.alloc(size);
    expect(write(value, mine, 0)).toBe(type.encode(value, theirs, 0));
  }
}

const name = fc.constantFrom("A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L");
const fieldName = fc.constantFrom("a", "b", "c", "id", "value", "type", "constructor", "toString");
const logical = fc.constantFrom(
  { type: "bytes", logicalType: "decimal", precision: 9, scale: 2 },
  { type: "fixed", name: "Dec", size: 8, logicalType: "decimal", precision: 12, scale: 3 },
  { type: "string", logicalType: "uuid" },
  { type: "int", logicalType: "date" },
  { type: "long", logicalType: "timestamp-millis" },
  { type: "long", logicalType: "timestamp-micros" },
  { type: "int", logicalType: "time-millis" },
  { type: "fixed", name: "Dur", size: 12, logicalType: "duration" },
  { type: "long", "kefgen.long": "bigint" },
);
/** Avro schemas of every kind; the invalid ones (duplicate names, ambiguous unions) are left out by `built`. */
const { schema: anySchema } = fc.letrec<{ schema: unknown }>((tie) => ({
  schema: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom("null", "boolean", "int", "long", "float", "double", "bytes", "string"),
    logical,
    fc.record({
      type: fc.constant("record"),
      name,
      fields: fc.uniqueArray(fc.record({ name: fieldName, type: tie("schema") }), {
        maxLength: 4,
        selector: (f) => f.name,
      }),
    }),
    fc.record({ type: fc.constant("enum"), name, symbols: fc.uniqueArray(name, { minLength: 1, maxLength: 4 }) }),
    fc.record({ type: fc.constant("fixed"), name, size: fc.constantFrom(0, 1, 16) }),
    fc.record({ type: fc.constant("array"), items: tie("schema") }),
    fc.record({ type: fc.constant("map"), values: tie("schema") }),
    fc.array(tie("schema"), { minLength: 1, maxLength: 4 }),
  ),
}));

/** The avsc type of a schema, or undefined when avsc refuses it or no value of it fits the arbitrary's depth. */
function built(schema: unknown): { type: avro.Type; values: fc.Arbitrary<unknown> } | undefined {
  try {
    const type = avroType(schema);
    return { type, values: avroArbitrary(type, { maxDepth: 4 }) };
  } catch {
    return undefined;
  }
}

describe("avroWriter writes exactly avsc's bytes", () => {
  it("for values of any schema, at any offset, and answers a too small buffer as avsc does", () => {
    let checked = 0;
    fc.assert(
      fc.property(
        anySchema.map(built).filter((b) => b !== undefined),
        fc.nat({ max: 20 }),
        fc.infiniteStream(fc.nat()),
        (b, offset, seeds) => {
          const { type, values } = b!;
          for (const value of fc.sample(values, { numRuns: 5, seed: seeds.next().value })) {
            checkValue(type, value, offset);
            checked++;
          }
        },
      ),
      { numRuns: 400, seed: 12 },
    );
    expect(checked).toBe(2000);
  });

  it("for every message type of the fixtures", async () => {
    const fixtures = fs.readdirSync(path.join(repoRoot, "fixtures/valid"));
    let types = 0;
    for (const fixture of fixtures) {
      const file = path.join(repoRoot, "fixtures/valid", fixture, "expected/codecs.ts");
      if (!fs.existsSync(file)) continue;
      const module = (await import(file)) as Record<string, unknown>;
      for (const codec of Object.values(module)) {
        const type = (codec as Partial<AvroCodec<unknown>>).type;
        if (!type || !avro.Type.isType(type)) continue;
        types++;
        const values = fc.sample(avroArbitrary(type), { numRuns: 40, seed: 13 + types });
        for (const value of values) {
          checkValue(type, value, 5);
          // The codec's encode (what consumers' tests and the witnesses use) is this writer, with avsc's bytes.
          expect((codec as AvroCodec<unknown>).encode(value)).toEqual(type.toBuffer(value));
        }
      }
    }
    expect(types).toBeGreaterThan(20);
  });

  it("for the benchmark's records", () => {
    for (const schema of [smallEventSchema, largeOrderSchema]) {
      const type = avroType(schema);
      const size = schema === smallEventSchema ? "small" : "large";
      for (const value of valuePool(size, 200)) checkValue(type, value, 0);
    }
  });

  it("for strings of any length and any code points (the ASCII fast path, varints of 1 to 3 bytes, reserved and moved)", () => {
    const type = avroType("string");
    const lengths = fc.oneof(fc.nat({ max: 80 }), fc.integer({ min: 2_700, max: 2_800 }), fc.constant(6_000));
    const strings = fc.oneof(
      avroString,
      lengths.chain((n) => fc.string({ unit: "binary", minLength: n, maxLength: n })),
      lengths.chain((n) =>
        fc.string({ unit: fc.constantFrom("a", "é", "€", "\u{1F600}"), minLength: n, maxLength: n }),
      ),
      lengths.map((n) => "x".repeat(n)),
    );
    fc.assert(
      fc.property(strings, fc.nat({ max: 9 }), (s, offset) => checkValue(type, s, offset)),
      { numRuns: 300, seed: 14 },
    );
    // Map keys are strings too.
    const map = avroType({ type: "map", values: "int" });
    fc.assert(
      fc.property(
        fc.dictionary(fc.oneof(avroString, fc.string({ unit: "binary", maxLength: 80 })), fc.integer()),
        (value) => checkValue(map, value, 0),
      ),
      { numRuns: 100, seed: 15 },
    );
  });

  it("writes a field's default when the value leaves it out, as avsc does", () => {
    const inner = { type: "record", name: "In", fields: [{ name: "a", type: "int" }] };
    const type = avroType({
      type: "record",
      name: "R",
      fields: [
        { name: "s", type: "string", default: "héllo" },
        { name: "n", type: "long", default: -7 },
        { name: "u", type: ["null", "string"], default: null },
        { name: "r", type: inner, default: { a: 3 } },
        { name: "e", type: { type: "enum", name: "E", symbols: ["X", "Y"] }, default: "Y" },
        { name: "arr", type: { type: "array", items: "double" }, default: [1.5] },
        { name: "req", type: "int" },
      ],
    });
    for (const value of [{ req: 1 }, { req: 2, s: "given", u: "x" }, { req: 3, r: { a: 9 }, arr: [] }])
      checkValue(type, value, 3);
  });

  it("fails on a value that does not fit the schema with avsc's error, and leaves what avsc tolerates as it was", () => {
    const type = avroType({
      type: "record",
      name: "R",
      fields: [
        { name: "s", type: "string" },
        { name: "i", type: "int" },
        { name: "l", type: "long" },
        { name: "e", type: { type: "enum", name: "E", symbols: ["X", "Y"] } },
        { name: "a", type: { type: "array", items: "string" } },
        { name: "m", type: { type: "map", values: "boolean" } },
        { name: "u", type: ["null", "string", "int"] },
        { name: "w", type: ["null", "int", "long"] },
        { name: "f", type: { type: "fixed", name: "F", size: 2 } },
      ],
    });
    const good = {
      s: "x",
      i: 1,
      l: 2,
      e: "X",
      a: ["y"],
      m: { k: true },
      u: null,
      w: { long: 5 },
      f: Buffer.from("ab"),
    };
    expect(ours(type, good)).toEqual(type.toBuffer(good));
    const bad: Record<string, unknown>[] = [
      { s: 1 },
      { i: 1.5 },
      { i: 2 ** 31 },
      { l: 2 ** 53 },
      { l: "2" },
      { e: "Z" },
      { e: "toString" },
      { a: "y" },
      { a: [1] },
      { m: [] },
      { m: { k: 1 } },
      { u: 1.5 },
      { u: true },
      { w: 5 },
      { w: { double: 5 } },
      { w: { int: 1, long: 2 } },
      { f: Buffer.from("abc") },
      { s: undefined },
    ];
    for (const change of bad) {
      const value = { ...good, ...change };
      expect(ours(type, value), JSON.stringify(change)).toEqual(avsc(type, value));
    }
    expect(ours(type, null)).toEqual(avsc(type, null));
    expect(typeof avsc(type, { ...good, s: 1 })).toBe("string");
  });

  it("at the edges of the straight-line writer: string lengths around the one-byte varint, long strings", () => {
    const type = avroType("string");
    const units = ["a", "é", "€", "\u{1F600}"];
    for (const n of [0, 1, 21, 22, 42, 43, 62, 63, 64, 65, 127, 128, 8191, 8192]) {
      for (const unit of units) {
        checkValue(type, unit.repeat(n), 0);
        // ASCII up to the last unit: the loop writes almost all of it before it hands the string on.
        if (n > 0) checkValue(type, "x".repeat(n - 1) + unit, 1);
      }
      // A lone surrogate is written as U+FFFD (the one deliberate difference from avsc, see avro-writer.ts).
      const lone = "x".repeat(n) + "\uD800";
      expect(ours(type, lone)).toEqual(type.toBuffer(Buffer.from(lone).toString()));
    }
  });

  it("for large arrays and maps (counts of several varint bytes) and long unions and enums", () => {
    checkValue(
      avroType({ type: "array", items: "int" }),
      Array.from({ length: 70_000 }, (_, i) => i * 31 - 9_000),
      2,
    );
    checkValue(
      avroType({ type: "map", values: "string" }),
      Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, "v".repeat(i % 70)])),
      0,
    );
    const symbols = Array.from({ length: 70 }, (_, i) => `S${i}`);
    const enumType = avroType({ type: "enum", name: "Big", symbols });
    for (const symbol of symbols) checkValue(enumType, symbol, 0);
    const small = avroType({ type: "enum", name: "Small", symbols: symbols.slice(0, 20) });
    for (const symbol of symbols.slice(0, 20)) checkValue(small, symbol, 0);
    // 70 record branches: the union's index is a two-byte varint from the 64th branch on.
    const records = Array.from({ length: 70 }, (_, i) => ({
      type: "record",
      name: `R${i}`,
      fields: [{ name: "n", type: "int" }],
    }));
    const union = avroType(records);
    for (let i = 0; i < 70; i++) checkValue(union, { [`R${i}`]: { n: i } }, 0);
  });

  it("for unions with every kind of branch, bare and wrapped", () => {
    const bare = avroType([
      "null",
      "boolean",
      "int",
      "string",
      "bytes",
      { type: "array", items: "long" },
      { type: "map", values: "double" },
    ]);
    for (const value of [null, true, false, -5, "é", Buffer.from([1, 2]), [1, -(2 ** 40)], { a: 1.5 }])
      checkValue(bare, value, 1);
    const wrapped = avroType([
      "null",
      "int",
      "long",
      "float",
      "double",
      "string",
      { type: "enum", name: "E", symbols: ["A", "B"] },
      { type: "fixed", name: "F", size: 2 },
      "bytes",
      { type: "record", name: "R", fields: [{ name: "s", type: "string" }] },
    ]);
    const values = [
      null,
      { int: 7 },
      { long: 2 ** 50 },
      { float: 1.25 },
      { double: -0.1 },
      { string: "x" },
      { E: "B" },
      { F: Buffer.from("ab") },
      { bytes: Buffer.from("xyz") },
      { R: { s: "in a record" } },
    ];
    for (const value of values) checkValue(wrapped, value, 0);
  });

  it("for nested and recursive records, and records past the inlining budget (called, not inlined)", () => {
    const list = avroType({
      type: "record",
      name: "Node",
      fields: [
        { name: "value", type: "string" },
        { name: "next", type: ["null", "Node"] },
      ],
    });
    let value: unknown = null;
    for (let i = 0; i < 50; i++) value = { value: `n${i}`, next: value };
    checkValue(list, value, 3);
    // 30 nested records of 20 fields each: more than one function inlines.
    let schema: object = { type: "record", name: "L0", fields: [{ name: "s", type: "string" }] };
    let nested: Record<string, unknown> = { s: "leaf" };
    for (let level = 1; level < 30; level++) {
      const fields: object[] = Array.from({ length: 19 }, (_, i) => ({ name: `f${i}`, type: "long" }));
      schema = { type: "record", name: `L${level}`, fields: [...fields, { name: "inner", type: schema }] };
      nested = { ...Object.fromEntries(fields.map((_, i) => [`f${i}`, level * 1000 + i])), inner: nested };
    }
    checkValue(avroType(schema), nested, 0);
  });

  it("is what avroCodec encodes with", () => {
    const codec = avroCodec<{ s: string }>({ type: "record", name: "R", fields: [{ name: "s", type: "string" }] });
    expect(codec.encode({ s: "a".repeat(5000) })).toEqual(codec.type.toBuffer({ s: "a".repeat(5000) }));
    // A value it cannot write is left to avsc, whose error is the cause of the one avroCodec throws.
    const thrown = (() => {
      try {
        codec.encode({ s: 1 } as never);
      } catch (error) {
        return error as Error;
      }
      return undefined;
    })();
    expect(thrown?.message).toBe("cannot encode R: s is 1, not a string");
    expect((thrown?.cause as Error | undefined)?.message).toMatch(/^invalid "string": 1$/);
  });

  it("encodes values larger than its scratch buffer, and past the size it grows to, each into a buffer of its own", () => {
    const codec = avroCodec<{ s: string }>({ type: "record", name: "R", fields: [{ name: "s", type: "string" }] });
    // 5 KB grows the scratch buffer, 3 MB goes past its 1 MiB limit, then sizes within it, then back to small.
    const values = [10, 5_000, 3_000_000, 6_000, 600_000, 4, 9_000].map((n, i) => ({ s: String(i).repeat(n) }));
    const outputs = values.map((v) => codec.encode(v));
    // Checked after every value was encoded: a later value never wrote over an earlier one's bytes.
    values.forEach((v, i) => expect(outputs[i]!.equals(codec.type.toBuffer(v))).toBe(true));
  });
});
