// An inline schema read with `JSON.parse` instead of the located reader (inline-json.ts): for a text where the two
// cannot differ, the checker walks plain values and locates a value only when a range is asked for
// (generator/avro-json-view.ts). The test is on what the fast path's lexer counted while reading the text (its
// payload), on the text, and on the parse's key count after it.
import type { InlineJsonPayload } from "./inline-json.js";

/**
 * The value of an inline schema (well formed, as the fast path's lexer read it) as `JSON.parse` reads it, or
 * undefined when reading it so could differ from the located reader or from what the checker reports of it:
 * - a backslash anywhere (escapes, lone surrogates written as `\ud800`): only strings without one are read
 *   the same by both readers, as the text between their quotes;
 * - a `"__proto__"` string (reported as a key, and `JSON.parse` makes it an own property);
 * - a number written with an exponent or longer than 100 characters (the checker reports numbers too large or too
 *   small to hold, which needs their text; a shorter one without an exponent is always held);
 * - more than `maxValues` values (keys counted), which the checker refuses at the located JSON's range;
 * - a key written twice in one object (the located reader's walk takes the first, `JSON.parse` the last);
 * - what `JSON.parse` refuses and the lexer does not (control characters in strings, byte-order marks as spaces).
 */
export function readPlainJson(
  read: Pick<InlineJsonPayload, "text" | "values" | "keys" | "plainNumbers">,
  maxValues: number,
): { readonly value: unknown } | undefined {
  const { text } = read;
  if (!read.plainNumbers || read.values > maxValues || text.includes("\\") || text.includes('"__proto__"'))
    return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return countKeys(value) === read.keys ? { value } : undefined;
}

/** The keys of every object in a plain JSON value (a key written twice in one object counts once). */
function countKeys(v: unknown): number {
  if (v === null || typeof v !== "object") return 0;
  let count = 0;
  if (Array.isArray(v)) for (const item of v) count += countKeys(item);
  else
    for (const key in v) {
      count++;
      count += countKeys((v as Record<string, unknown>)[key]);
    }
  return count;
}
