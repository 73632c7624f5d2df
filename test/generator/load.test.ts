// generator/load.ts loads tinyglobby only for an input that may be a pattern: one holding a character of
// `patternCharacters`. Every input tinyglobby takes for a pattern must hold one, or it would be read as a path.
import { isDynamicPattern } from "tinyglobby";
import { describe, expect, it } from "vitest";
import { patternCharacters } from "../../generator/load.js";

describe("load: which inputs are patterns", () => {
  it("an input tinyglobby reads as a pattern holds one of patternCharacters", () => {
    const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
    const inputs = printable.flatMap((c) =>
      printable.flatMap((d) => [`${c}${d}`, `a${c}b${d}`, `dir/${c}x${d}.kef`, `${c}(a|b)${d}`, `${c}${d}(x)`]),
    );
    let patterns = 0;
    for (const input of inputs) {
      if (!isDynamicPattern(input)) continue;
      patterns++;
      expect(patternCharacters.test(input), input).toBe(true);
    }
    expect(patterns).toBeGreaterThan(1000);
    expect(isDynamicPattern("src/**/*.kef")).toBe(true);
    expect(patternCharacters.test("fixtures/valid/seed/seed.kef")).toBe(false);
  });
});
