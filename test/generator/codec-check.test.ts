// avsc's verdicts are remembered by the schema's content (generator/codec-check.ts): the same verdict every time,
// and two schemas that differ only where JSON.stringify would blur them (1e999 vs null) are kept apart.
import avro from "avsc";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkCodecSchema } from "../../generator/codec-check.js";
import { avroType } from "../../runtime/avro-codec.js";

const withDefault = (value: unknown) => ({
  type: "record",
  name: "R",
  fields: [{ name: "a", type: "double", default: value }],
});

describe("checkCodecSchema", () => {
  it("accepts a valid schema, and again", () => {
    expect(() => checkCodecSchema({ type: "record", name: "Ok", fields: [{ name: "a", type: "long" }] })).not.toThrow();
    expect(() => checkCodecSchema({ type: "record", name: "Ok", fields: [{ name: "a", type: "long" }] })).not.toThrow();
  });

  it("throws avsc's own error for an invalid schema, the same one each time", () => {
    const bad = { type: "record", name: "Bad", fields: [{ name: "a", type: "nope" }] };
    let first: unknown;
    try {
      checkCodecSchema(bad);
    } catch (error) {
      first = error;
    }
    expect(first).toBeInstanceOf(Error);
    expect((first as Error).message).toMatch(/nope/);
    expect(() => checkCodecSchema(bad)).toThrow(first as Error);
  });

  it("keeps a non-finite default apart from null", () => {
    // A double's default of Infinity (JSON 1e999) is valid; null is not. Either order gives both verdicts.
    expect(() => checkCodecSchema(withDefault(Number.POSITIVE_INFINITY))).not.toThrow();
    expect(() => checkCodecSchema(withDefault(null))).toThrow(/default/);
    expect(() => checkCodecSchema(withDefault(Number.POSITIVE_INFINITY))).not.toThrow();
  });
});

/** What avsc itself says of a schema, built the way the runtime builds it: undefined, or the error's class and text. */
function avscVerdict(schema: unknown): string | undefined {
  try {
    avroType(schema);
    return undefined;
  } catch (error) {
    return `${(error as Error).constructor.name}: ${(error as Error).message}`;
  }
}

function checkVerdict(schema: unknown): string | undefined {
  try {
    checkCodecSchema(schema);
    return undefined;
  } catch (error) {
    return `${(error as Error).constructor.name}: ${(error as Error).message}`;
  }
}

const name = fc.oneof(
  fc.constantFrom(
    "A",
    "B",
    "a_1",
    "x",
    "Order",
    "constructor",
    "__proto__",
    "class",
    "function",
    "1bad",
    "a-b",
    "",
    "ns.Rec",
  ),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/),
);
const defaultValue = fc.oneof(
  fc.constantFrom(
    null,
    0,
    -1,
    1.5,
    2 ** 40,
    "",
    "abc",
    "\u00ff\u0000",
    true,
    false,
    [],
    {},
    { a: 1 },
    ["x"],
    Number.POSITIVE_INFINITY,
    Number.NaN,
    "12.34",
    "PENDING",
  ),
  fc.integer(),
  fc.string({ maxLength: 4 }),
);
const logical = fc.constantFrom<object>(
  { type: "bytes", logicalType: "decimal", precision: 12, scale: 2 },
  { type: "bytes", logicalType: "decimal", precision: 2, scale: 5 },
  { type: "string", logicalType: "uuid" },
  { type: "int", logicalType: "date" },
  { type: "long", logicalType: "timestamp-millis" },
  { type: "long", logicalType: "timestamp-micros" },
  { type: "int", logicalType: "time-millis" },
  { type: "fixed", name: "Dur", size: 12, logicalType: "duration" },
  { type: "long", "kefgen.long": "bigint" },
);
/** Avro schemas, valid or not: any type at any place, odd names, defaults of any kind. */
const { schema: anySchema } = fc.letrec<{ schema: unknown; field: unknown }>((tie) => ({
  schema: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom("null", "boolean", "int", "long", "float", "double", "bytes", "string", "nope"),
    logical,
    fc.record({ type: fc.constant("record"), name, fields: fc.array(tie("field"), { maxLength: 4 }) }),
    fc.record({ type: fc.constant("error"), name, fields: fc.array(tie("field"), { maxLength: 2 }) }),
    fc.record(
      { type: fc.constant("enum"), name, symbols: fc.array(name, { maxLength: 3 }) },
      { requiredKeys: ["type", "name", "symbols"] },
    ),
    fc.record({ type: fc.constant("fixed"), name, size: fc.constantFrom(0, 1, 16, -1) }),
    fc.record({ type: fc.constant("array"), items: tie("schema") }),
    fc.record({ type: fc.constant("map"), values: tie("schema") }),
    fc.array(tie("schema"), { maxLength: 3 }),
  ),
  field: fc.record({ name, type: tie("schema"), default: defaultValue }, { requiredKeys: ["name", "type"] }),
}));

describe("checkCodecSchema compiles less, and agrees with avsc", () => {
  it("accepts and refuses exactly the schemas avsc does, with avsc's error", () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.record({
          type: fc.constant("record"),
          name: fc.constant("Top"),
          fields: fc.array(
            anySchema.chain((type) =>
              fc.record({ name, type: fc.constant(type), default: defaultValue }, { requiredKeys: ["name", "type"] }),
            ),
            { maxLength: 5 },
          ),
        }),
        (schema) => {
          const expected = avscVerdict(schema);
          expect(checkVerdict(schema)).toBe(expected);
          if (expected === undefined) accepted++;
          else refused++;
        },
      ),
      { numRuns: 1500, seed: 11 },
    );
    // Both outcomes are exercised, not only one.
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });

  it("agrees on schemas whose defaults need avsc's compiled checker and writer", () => {
    const nested = { type: "record", name: "In", fields: [{ name: "a", type: "int" }] };
    const schemas = [
      { type: "record", name: "R", fields: [{ name: "n", type: nested, default: { a: 1 } }] },
      { type: "record", name: "R", fields: [{ name: "n", type: nested, default: { a: "x" } }] },
      { type: "record", name: "R", fields: [{ name: "n", type: nested, default: {} }] },
      { type: "record", name: "R", fields: [{ name: "u", type: [nested, "null"], default: { a: 2 } }] },
      { type: "record", name: "R", fields: [{ name: "u", type: ["null", nested], default: { a: 2 } }] },
      { type: "record", name: "R", fields: [{ name: "u", type: ["string", "int", nested], default: "s" }] },
      {
        type: "record",
        name: "R",
        fields: [
          { name: "d", type: { type: "bytes", logicalType: "decimal", precision: 4, scale: 2 }, default: "123.45" },
        ],
      },
      {
        type: "record",
        name: "R",
        fields: [
          { name: "d", type: { type: "bytes", logicalType: "decimal", precision: 4, scale: 2 }, default: "1.5" },
        ],
      },
      {
        type: "record",
        name: "R",
        // The literal a user would write in a schema; JavaScript reads it as 2^53, which is the point.
        // eslint-disable-next-line no-loss-of-precision
        fields: [{ name: "l", type: { type: "long", "kefgen.long": "bigint" }, default: 9007199254740993 }],
      },
      {
        type: "record",
        name: "R",
        fields: [{ name: "m", type: { type: "map", values: nested }, default: { k: { a: 1 } } }],
      },
      { type: "record", name: "R", fields: [{ name: "r", type: ["null", "R"], default: null }] },
      { type: "error", name: "E", fields: [{ name: "stack", type: "string" }] },
    ];
    for (const schema of schemas) expect(checkVerdict(schema), JSON.stringify(schema)).toBe(avscVerdict(schema));
  });

  it("leaves avsc as it was, after an accepted and after a refused schema", () => {
    const prototype = avro.types.RecordType.prototype as unknown as Record<string, unknown>;
    const before = ["_createReader", "_createSkipper", "_createChecker", "_createWriter"].map((k) => prototype[k]);
    const branch = (avro.Type.prototype as unknown as Record<string, unknown>)["_createBranchConstructor"];
    checkCodecSchema({ type: "record", name: "Left1", fields: [{ name: "a", type: ["null", "long"] }] });
    expect(() => checkCodecSchema({ type: "record", name: "Left2", fields: [{ name: "a", type: "nope" }] })).toThrow();
    expect(["_createReader", "_createSkipper", "_createChecker", "_createWriter"].map((k) => prototype[k])).toEqual(
      before,
    );
    expect((avro.Type.prototype as unknown as Record<string, unknown>)["_createBranchConstructor"]).toBe(branch);
    // And a codec built afterwards reads and writes.
    const type = avroType({ type: "record", name: "Left3", fields: [{ name: "a", type: ["null", "string"] }] });
    expect(type.fromBuffer(type.toBuffer({ a: "x" }))).toEqual({ a: "x" });
  });
});
