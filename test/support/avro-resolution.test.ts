// The evolution property without a broker: for every change of fixtures/compat/changes.json (the table the
// `--against` rules and the Java witness judge) and every direction Avro allows, values drawn for the writer's schema
// and read by the runtime's resolver (`readerOf`: the reader codec's type, resolving the writer's) are the drawn values mapped
// by Avro's resolution rules as test/support/avro-resolution.ts writes them out — independently of avsc. A value the
// rules give the reader but its representation cannot hold (an int beyond a Date's range read as a date) must be a
// decode error.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { avroCodec } from "../../runtime/avro-codec.js";
import { readerOf } from "../../runtime/writer-resolver.js";
import { avroArbitrary } from "./avro-arbitrary.js";
import { changes } from "./compat-table.js";
import { resolvedValue } from "./avro-resolution.js";

const SEED = Number(process.env["KEFGEN_FC_SEED"] ?? 20_261_206);

const directions = changes.flatMap((c) => [
  ...(c.backward ? [{ change: c.change, direction: "new reads old", writer: c.old, reader: c.new }] : []),
  ...(c.forward ? [{ change: c.change, direction: "old reads new", writer: c.new, reader: c.old }] : []),
]);

describe("schema resolution of drawn values, for every compatible change of the compat table", () => {
  it("covers the table", () => {
    expect(directions.length).toBe(changes.filter((c) => c.backward).length + changes.filter((c) => c.forward).length);
    expect(directions.length).toBeGreaterThanOrEqual(40);
  });

  for (const d of directions) {
    it(`${d.change} (${d.direction})`, () => {
      const writer = avroCodec<unknown>(d.writer as object);
      const reader = avroCodec<unknown>(d.reader as object);
      const resolver = readerOf(reader.type, writer.type);
      fc.assert(
        fc.property(avroArbitrary(writer.type), (value) => {
          const bytes = writer.encode(value);
          let expected: unknown;
          try {
            expected = resolvedValue(writer.type, reader.type, value);
          } catch (error) {
            if (!(error instanceof RangeError)) throw error;
            expect(() => reader.type.fromBuffer(bytes, resolver)).toThrow();
            return;
          }
          expect(reader.type.fromBuffer(bytes, resolver)).toEqual(expected);
        }),
        { seed: SEED, numRuns: 100 },
      );
    });
  }
});
