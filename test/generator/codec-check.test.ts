// avsc's verdicts are remembered by the schema's content (generator/codec-check.ts): the same verdict every time,
// and two schemas that differ only where JSON.stringify would blur them (1e999 vs null) are kept apart.
import { describe, expect, it } from "vitest";
import { checkCodecSchema } from "../../generator/codec-check.js";

const withDefault = (value: unknown) => ({ type: "record", name: "R", fields: [{ name: "a", type: "double", default: value }] });

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
