// Avro's numeric promotions when a reader resolves another writer's schema (int → long → float → double): the value
// delivered is the writer's number as Java reads it — exact for longs beyond −2^52 (avsc's own resolver turned
// −4503599627370501 into 4503599627370500) and rounded to 32 bits for a float (avsc handed over the int unrounded).
// Found by the evolution property test (test/integration/confluent-evolution.test.ts).
import { describe, expect, it } from "vitest";
import { avroCodec } from "../../runtime/avro-codec.js";

const record = (l: unknown, i: unknown, b: unknown = "long") => ({
  type: "record",
  name: "R",
  fields: [
    { name: "l", type: l },
    { name: "i", type: i },
    { name: "b", type: b },
  ],
});

describe("numeric promotions in schema resolution", () => {
  const writer = avroCodec<{ l: number; i: number; b: bigint }>(
    record("long", "int", { type: "long", "kefgen.long": "bigint" }),
  );
  const read = (reader: object, value: { l: number; i: number; b: bigint }): Record<string, number> => {
    const type = avroCodec<Record<string, number>>(reader).type;
    return type.fromBuffer(writer.encode(value), type.createResolver(writer.type)) as Record<string, number>;
  };

  it("long → double is exact within ±2^53, below −2^52 included; a 64-bit long is the nearest double", () => {
    for (const l of [-(2 ** 52) - 5, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, -1, 0, 2 ** 40 + 3]) {
      expect(read(record("double", "double", "double"), { l, i: 1, b: -(2n ** 63n) + 1n })).toEqual({
        l,
        i: 1,
        b: Number(-(2n ** 63n) + 1n),
      });
    }
    // In a union too.
    expect(read(record(["null", "double"], "int", "long"), { l: -(2 ** 52) - 5, i: 1, b: 5n })).toEqual({
      l: -(2 ** 52) - 5,
      i: 1,
      b: 5,
    });
  });

  it("int and long → float are rounded to the nearest 32-bit float, as Java's (float) does", () => {
    const got = read(record("float", "float", "float"), { l: -(2 ** 52) - 5, i: -1_773_477_179, b: 2n ** 62n + 1n });
    expect(got).toEqual({ l: Math.fround(-(2 ** 52) - 5), i: -1_773_477_120, b: 2 ** 62 });
    for (const v of Object.values(got)) expect(Math.fround(v)).toBe(v);
  });

  it("float → double and same-type reads are unchanged", () => {
    const w = avroCodec<{ f: number; d: number }>({
      type: "record",
      name: "F",
      fields: [
        { name: "f", type: "float" },
        { name: "d", type: "double" },
      ],
    });
    const r = avroCodec<{ f: number; d: number }>({
      type: "record",
      name: "F",
      fields: [
        { name: "f", type: "double" },
        { name: "d", type: "double" },
      ],
    });
    const value = { f: Math.fround(0.1), d: 0.1 };
    expect(r.type.fromBuffer(w.encode(value), r.type.createResolver(w.type))).toEqual(value);
    expect(w.decode(w.encode({ f: NaN, d: -0 }))).toEqual({ f: NaN, d: -0 });
  });
});
