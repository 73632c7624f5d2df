// The fast path for inline schemas (`message X avro { … }`): a well-formed JSON object right after `avro` is read
// straight from the text into the AST while lexing, as one `InlineJson` token (its payload the JSON AST), instead of
// a token per JSON value and a Chevrotain CST node per value. The reader accepts exactly the texts the lexer would
// cut into JSON tokens without a comment or an error and the `jsonObject` rule would parse; anything else (a syntax
// error, a comment, an odd number) is left to the ordinary tokens and the grammar. Only error-free files are read
// with this lexer (grammar/incremental.ts); any problem, and the file is lexed and parsed again without it
// (`parseText`): diagnostics come from one grammar.
import type { CustomPatternMatcherReturn, IToken } from "chevrotain";
import { createToken, Lexer } from "./chevrotain.js";
import type { JsonMember, JsonValue, Position, Range } from "./ast.js";
import { unquote } from "./ast.js";
import * as T from "./tokens.js";

/** What an {@link InlineJson} token carries: the object, and how deep its brackets nest (the object counts 1). */
export interface InlineJsonPayload {
  readonly json: JsonValue;
  readonly depth: number;
}

/** The tokens of the lexer (tokens.ts) a reader must agree with, as sticky regular expressions. */
const stringPattern = new RegExp(T.StringLiteral.PATTERN as RegExp, "y");
const quantityPattern = new RegExp(T.QuantityLiteral.PATTERN as RegExp, "y");
const numberPattern = new RegExp(T.NumberLiteral.PATTERN as RegExp, "y");

/** Reads JSON values from a text, with the positions the lexer would give their tokens. */
class Reader {
  private depth = 0;
  maxDepth = 0;

  constructor(
    private readonly text: string,
    public offset: number,
    private line: number,
    /** The offset at which the current line starts. */
    private lineStart: number,
  ) {}

  /** Skips what the lexer skips between tokens (tokens.ts `WhiteSpace`), counting lines as it does (lines.ts). */
  private skipSpace(): void {
    const text = this.text;
    for (;;) {
      const c = text.charCodeAt(this.offset);
      if (c === 32 || c === 9 || c === 0xfeff) this.offset++;
      else if (c === 10 || c === 13) {
        this.offset += c === 13 && text.charCodeAt(this.offset + 1) === 10 ? 2 : 1;
        this.line++;
        this.lineStart = this.offset;
      } else return;
    }
  }

  private position(offset: number): Position {
    return { line: this.line, column: offset - this.lineStart + 1, offset };
  }

  /** The range of a token of `length` characters at `offset` on the current line (no token spans lines). */
  private range(offset: number, length: number): Range {
    return { start: this.position(offset), end: this.position(offset + length) };
  }

  /** Reads one value at the next token; undefined if it is not one the lexer and the grammar would agree on. */
  value(): JsonValue | undefined {
    this.skipSpace();
    const text = this.text;
    const at = this.offset;
    const c = text.charCodeAt(at);
    if (c === 123 /* { */ || c === 91 /* [ */) return this.container(c === 123);
    if (c === 34 /* " */) {
      const image = this.match(stringPattern);
      return image === undefined ? undefined : { $type: "JsonString", value: unquote(image), range: this.range(at, image.length) };
    }
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      // The lexer tries a quantity (`16x`, `007`) before a number.
      if (this.match(quantityPattern) !== undefined) return undefined;
      const image = this.match(numberPattern);
      return image === undefined ? undefined : { $type: "JsonNumber", value: Number(image), raw: image, range: this.range(at, image.length) };
    }
    if (this.word("true")) return { $type: "JsonBoolean", value: true, range: this.range(at, 4) };
    if (this.word("false")) return { $type: "JsonBoolean", value: false, range: this.range(at, 5) };
    if (this.word("null")) return { $type: "JsonNull", range: this.range(at, 4) };
    return undefined;
  }

  /** An object or array whose opening bracket is at the current offset. */
  private container(object: boolean): JsonValue | undefined {
    const open = this.position(this.offset);
    this.offset++;
    if (++this.depth > this.maxDepth) this.maxDepth = this.depth;
    // Deeper than this is refused by `parseText` anyway (maxNesting); the grammar's path reports it.
    if (this.depth > 1_000) return undefined;
    const close = object ? 125 /* } */ : 93; /* ] */
    const members: JsonMember[] = [];
    const items: JsonValue[] = [];
    this.skipSpace();
    if (this.text.charCodeAt(this.offset) !== close) {
      for (;;) {
        if (object) {
          this.skipSpace();
          const keyAt = this.offset;
          const key = this.text.charCodeAt(keyAt) === 34 ? this.match(stringPattern) : undefined;
          if (key === undefined) return undefined;
          const keyRange = this.range(keyAt, key.length);
          this.skipSpace();
          if (this.text.charCodeAt(this.offset) !== 58 /* : */) return undefined;
          this.offset++;
          const value = this.value();
          if (!value) return undefined;
          members.push({ $type: "JsonMember", key: { $type: "String", value: unquote(key), range: keyRange }, value, range: { start: keyRange.start, end: value.range.end } });
        } else {
          const item = this.value();
          if (!item) return undefined;
          items.push(item);
        }
        this.skipSpace();
        const next = this.text.charCodeAt(this.offset);
        if (next === 44 /* , */) this.offset++;
        else if (next === close) break;
        else return undefined;
      }
    }
    const range = { start: open, end: this.position(this.offset + 1) };
    this.offset++;
    this.depth--;
    return object ? { $type: "JsonObject", members, range } : { $type: "JsonArray", items, range };
  }

  /** The text a sticky pattern matches at the current offset (which then moves past it), if it does. */
  private match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.offset;
    const m = pattern.exec(this.text);
    if (!m) return undefined;
    this.offset += m[0].length;
    return m[0];
  }

  /** `word` at the current offset as the lexer reads it: a keyword, not the start of a longer name (`nullable`). */
  private word(word: string): boolean {
    if (!this.text.startsWith(word, this.offset)) return false;
    const after = this.text.charCodeAt(this.offset + word.length);
    const nameCharacter = (after >= 48 && after <= 57) || (after >= 65 && after <= 90) || (after >= 97 && after <= 122) || after === 95;
    if (nameCharacter) return false;
    this.offset += word.length;
    return true;
  }
}

/**
 * Chevrotain's custom token pattern: at a `{` right after the keyword `avro`, the whole well-formed object. The
 * position of the `{` is worked out from the `avro` token's end and the text in between (spaces and comments).
 */
function readInlineJson(text: string, offset: number, matched: IToken[]): CustomPatternMatcherReturn | null {
  if (text.charCodeAt(offset) !== 123 /* { */) return null;
  const avro = matched[matched.length - 1];
  if (avro?.tokenType !== T.Avro || avro.endOffset === undefined || avro.endLine === undefined || avro.endColumn === undefined) return null;
  let line = avro.endLine;
  let lineStart = avro.endOffset - (avro.endColumn - 1);
  for (let i = avro.endOffset + 1; i < offset; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
    if (c === 10 || c === 13) {
      line++;
      lineStart = i + 1;
    }
  }
  const reader = new Reader(text, offset, line, lineStart);
  const json = reader.value();
  if (!json) return null;
  const result: CustomPatternMatcherReturn = [text.slice(offset, reader.offset)];
  result.payload = { json, depth: reader.maxDepth } satisfies InlineJsonPayload;
  return result;
}

/** One inline JSON object, already read; its `payload` is an {@link InlineJsonPayload}. */
export const InlineJson = createToken({
  name: "InlineJson",
  pattern: { exec: readInlineJson },
  line_breaks: true,
  start_chars_hint: ["{"],
  label: "'{'",
});

/** The lexer of tokens.ts with the fast path: `InlineJson` is tried before `{`. */
export const inlineJsonLexer = new Lexer(
  T.allTokens.flatMap((t) => (t === T.LCurly ? [InlineJson, t] : [t])),
  T.lexerOptions,
);
