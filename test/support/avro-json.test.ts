// avroJsonText, the witnesses' input, against avsc's own reading of Avro's JSON encoding: for values drawn for every
// valid fixture's message types, a plain avsc type (no logical types, unions wrapped) reads the text and writes the
// bytes the generated codec writes. avsc's plain long is not exact beyond 2^52, its JSON has no NaN or Infinity, and
// it loses a map key "__proto__" (pitfalls.md, avsc 3): values whose text holds those are left to the witness tests
// (counted here, so that the comparison still covers most values).
import fs from "node:fs";
import path from "node:path";
import avro from "avsc";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AvroCodec } from "../../runtime/avro-codec.js";
import { repoRoot, validCases } from "../../scripts/snapshots.js";
import { avroArbitrary } from "./avro-arbitrary.js";
import { avroJsonText } from "./avro-json.js";

describe("avroJsonText", () => {
  it("writes Avro's JSON encoding of the underlying value, as avsc reads it, for every valid fixture's message types", async () => {
    let compared = 0;
    let skipped = 0;
    for (const c of validCases()) {
      const file = path.join(repoRoot, c.expected, "codecs.ts");
      if (!fs.existsSync(file)) continue;
      const module = (await import(file)) as Record<string, AvroCodec<unknown>>;
      for (const [name, codec] of Object.entries(module)) {
        const plain = avro.Type.forSchema(codec.schema as avro.Schema, { wrapUnions: true });
        for (const value of fc.sample(avroArbitrary(codec.type), { numRuns: 50, seed: 1 })) {
          const text = avroJsonText(codec.type, value);
          JSON.parse(text);
          if (/"(NaN|-?Infinity)"|\d{16,}|-0\.0|"__proto__":/.test(text)) {
            skipped++;
            continue;
          }
          expect(
            plain.toBuffer(plain.fromString(text)).toString("hex"),
            `${c.name} ${name}: ${text.slice(0, 300)}`,
          ).toBe(codec.encode(value).toString("hex"));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(2 * skipped);
  });
});
