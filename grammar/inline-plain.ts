// An inline schema read with `JSON.parse` instead of the located reader (inline-json.ts): for a text where the two
// cannot differ, the checker walks plain values and locates a value only when a range is asked for
// (generator/avro-json-view.ts). The test is on the text, before parsing, and on the parse's key count after it.

const quote = 34;
const isNumberStart = (c: number): boolean => c === 45 || (c >= 48 && c <= 57);
const isNumberPart = (c: number): boolean => isNumberStart(c) || c === 43 || c === 46 || c === 69 || c === 101;
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/**
 * The value of an inline schema's text (well formed, as the fast path's lexer read it) as `JSON.parse` reads it, or
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
export function readPlainJson(text: string, maxValues: number): { readonly value: unknown } | undefined {
  if (text.includes("\\") || text.includes('"__proto__"')) return undefined;
  let values = 0;
  let keys = 0;
  const n = text.length;
  for (let i = 0; i < n;) {
    const c = text.charCodeAt(i);
    if (c === quote) {
      const close = text.indexOf('"', i + 1);
      if (close < 0) return undefined;
      values++;
      i = close + 1;
      let j = i;
      while (j < n && isSpace(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) === 58 /* : */) keys++;
    } else if (isNumberStart(c)) {
      const start = i;
      let exponent = false;
      while (i < n && isNumberPart(text.charCodeAt(i))) {
        const d = text.charCodeAt(i);
        if (d === 69 || d === 101) exponent = true;
        i++;
      }
      if (exponent || i - start > 100) return undefined;
      values++;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      values++;
      i++;
    } else if (c === 116 /* t */ || c === 102 /* f */ || c === 110 /* n */) {
      values++;
      i++;
      while (i < n && text.charCodeAt(i) >= 97 && text.charCodeAt(i) <= 122) i++;
    } else i++;
    if (values > maxValues) return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return countKeys(value) === keys ? { value } : undefined;
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
