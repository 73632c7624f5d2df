// The only ways a string from a .kef file, an Avro schema or the project config reaches generated code:
//
//   in a comment   `doc\`Topic ${name}\``, then `jsDoc(...)` for a structure's `docs`    → commentText
//                  `lineComment(text)` for a `//` line (the header's `// source:`)
//   in code        `str(text)`: a string literal;  `jsonLiteral(value)`: literal data (a codec's schema)
//                  `propertyName(name)`: an object key, bare only when it is an identifier
//
// Nothing else may paste user text into an emitter's output (test/generator/escape.test.ts reads the emitters'
// sources to hold them to that; test/generator/hostile-strings.test.ts proves it on hostile input). What the
// escaping guarantees:
//   - a comment cannot be ended early (`*/` is written `*\/`) and cannot grow JSDoc tags (`@deprecated`,
//     `{@link …}` written by a user become `\@deprecated`, `{\@link …}`);
//   - a string literal holds exactly the user's text, whatever it contains;
//   - no character that is invisible or changes how the text around it is displayed goes out raw: controls
//     (C0 but tab and line feed, DEL, C1), format characters (bidi embeddings, overrides and isolates U+202A–U+202E,
//     U+2066–U+2069, marks U+200E/U+200F/U+061C, zero-width characters, the BOM), the line and paragraph separators
//     U+2028/U+2029, and unpaired surrogates. In comments they are shown as `\u{202E}`; in literals they become
//     `\u202e` escapes, so the value is unchanged (Trojan Source, CVE-2021-42574). JSON.stringify alone escapes
//     none of the format characters or separators, which is why `str` is more than JSON.stringify.

/** The code points that never go out raw (line feed and tab are allowed where the context allows them). */
const unsafe = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/** True when `text` holds a character that must not appear raw in generated code. */
export function hasUnsafeCharacters(text: string, allowed: "none" | "newlines" = "none"): boolean {
  for (const match of text.matchAll(unsafe))
    if (!(allowed === "newlines" && (match[0] === "\n" || match[0] === "\t"))) return true;
  return false;
}

/** `text` with every unsafe character (line feeds and tabs included) replaced: for outputs that are not TypeScript. */
export function replaceUnsafeCharacters(text: string, replacement: string): string {
  return text.replace(unsafe, replacement);
}

function visible(ch: string): string {
  return `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase()}}`;
}

/**
 * User text made safe inside a block or doc comment: line breaks are kept (CR LF and CR become LF) unless
 * `oneLine`, every other unsafe character is shown as `\u{…}`, a comment terminator is broken up and `@` cannot
 * start a JSDoc tag (an `@` after a letter or digit, as in an e-mail address, is kept).
 */
export function commentText(text: string, oneLine = false): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(unsafe, (ch) => (!oneLine && (ch === "\n" || ch === "\t") ? ch : visible(ch)))
    .replace(/\*\//g, "*\\/")
    .replace(/(?<![A-Za-z0-9])@/g, "\\@");
}

/** User text for a `//` comment: one line, nothing raw (see `commentText`). */
export function lineComment(text: string): string {
  return commentText(text, true);
}

/** `\uXXXX` escapes of each UTF-16 unit of a character (a surrogate pair for one beyond U+FFFF). */
function literalEscape(ch: string): string {
  let out = "";
  for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, "0")}`;
  return out;
}

/**
 * JSON text that is also a safe JavaScript literal: JSON.stringify, then every unsafe character still raw (they
 * can only be inside strings) as a `\uXXXX` escape. Reads back as exactly `value`.
 */
export function jsonLiteral(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new Error("internal: jsonLiteral of a value JSON cannot hold");
  return json.replace(unsafe, literalEscape);
}

/**
 * jsonLiteral for a literal in generated code that the formatter lays out (a codec's schema, provisioning): the
 * same text, plus the one line break a formatter is not left to decide. An array of two or more objects with two or
 * more properties each (or of two or more such arrays) starts its first element on a new line, so each element gets
 * a line of its own however short they are: prettier's rule for such arrays, which generated code has always
 * followed (the Avro `fields` of a record, one per line); dprint keeps a bracket's first line break as it finds it.
 */
export function jsonCodeLiteral(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new Error("internal: jsonCodeLiteral of a value JSON cannot hold");
  // JSON.stringify never leaves a line feed raw, so every one in the text is a break of ours; the rest is escaped
  // once, as jsonLiteral escapes it.
  return laidOut(JSON.parse(json) as unknown).replace(unsafeButLineFeed, literalEscape);
}

const unsafeButLineFeed = /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

function laidOut(value: unknown): string {
  if (Array.isArray(value)) {
    const items = value.map(laidOut);
    const many = (v: unknown) =>
      Array.isArray(v) ? v.length > 1 : typeof v === "object" && v !== null && Object.keys(v).length > 1;
    const oneEach =
      value.length > 1 &&
      (value.every((v) => Array.isArray(v) && many(v)) || value.every((v) => !Array.isArray(v) && many(v)));
    return oneEach ? `[\n${items.join(",\n")}]` : `[${items.join(",")}]`;
  }
  if (typeof value === "object" && value !== null)
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${laidOut(v)}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

/** A string literal in generated code. Every string from a .kef, a schema or the config goes through here. */
export function str(value: string): string {
  return jsonLiteral(value);
}

/** An object property name: bare when it is an identifier, quoted otherwise. */
export function propertyName(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) && name !== "__proto__" ? name : str(name);
}

// ---------------------------------------------------------------------------------------------
// Doc comments

const docBrand: unique symbol = Symbol("DocText");

/** Text for a doc comment, built by `doc`: kefgen's own words, with every interpolated string escaped. */
export interface DocText {
  readonly [docBrand]: string;
}

/**
 * A piece of a doc comment. The template's literal parts are kefgen's own (and may hold inline link tags); every
 * interpolated string is user text and goes through `commentText`; numbers are written as they are, and an
 * interpolated `DocText` is already escaped.
 */
export function doc(strings: TemplateStringsArray, ...values: readonly (string | number | DocText)[]): DocText {
  let text = strings[0]!;
  values.forEach((value, i) => {
    text +=
      (typeof value === "string" ? commentText(value) : typeof value === "number" ? String(value) : value[docBrand]) +
      strings[i + 1]!;
  });
  return { [docBrand]: text };
}

/** The escaped text of a doc piece. */
export function docString(piece: DocText): string {
  return piece[docBrand];
}

/**
 * The `docs` of a ts-morph structure: the non-empty paragraphs, blank-line separated, as one JSDoc comment.
 * The only way emitters give a structure docs (spread it: `...jsDoc(doc\`…\`)`).
 */
export function jsDoc(...paragraphs: readonly (DocText | undefined)[]): { docs?: string[] } {
  const text = paragraphs
    .map((p) => (p === undefined ? "" : p[docBrand].trim()))
    .filter((p) => p !== "")
    .join("\n\n")
    // A user string that ends in `*` next to kefgen's `/` would still close the comment; none of kefgen's own
    // words holds `*/`, so breaking up every one in the whole text is always right.
    .replace(/\*\//g, "*\\/");
  return text ? { docs: [text] } : {};
}
