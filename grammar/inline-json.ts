// The fast path for inline schemas (`message X avro { … }`): a well-formed JSON object right after `avro` is read
// straight from the text into the AST while lexing, as one `InlineJson` token (its payload the JSON AST), instead of
// a token per JSON value and a Chevrotain CST node per value. The reader accepts exactly the texts the lexer would
// cut into JSON tokens without a comment or an error and the `jsonObject` rule would parse; anything else (a syntax
// error, a comment, an odd number) is left to the ordinary tokens and the grammar. Only error-free files are read
// with this lexer (grammar/incremental.ts); any problem, and the file is lexed and parsed again without it
// (`parseText`): diagnostics come from one grammar.
import type { CustomPatternMatcherReturn, IToken } from "chevrotain";
import { createToken, Lexer } from "./chevrotain.js";
import type { JsonMember, JsonValue, Range } from "./ast.js";
import { position, smallInteger, unquote } from "./ast.js";
import * as T from "./tokens.js";

/**
 * What an {@link InlineJson} token carries: how deep its brackets nest (the object counts 1), and the object. Lexing
 * only checks the text; the AST is built when `json()` is first called (by `toAst`), so a declaration whose AST is
 * reused (incremental.ts) costs a scan of its schema, not a new AST.
 */
export interface InlineJsonPayload {
  readonly depth: number;
  json(): JsonValue;
}

/** What a reader that only checks returns for a well-formed value. */
const checked: JsonValue = Object.freeze({
  $type: "JsonNull",
  range: Object.freeze({ start: { line: 0, column: 0, offset: 0 }, end: { line: 0, column: 0, offset: 0 } }),
});

// The AST the fast path builds. A JSON value's range is made when first asked for, from line, column and offset
// numbers kept in the node: the 9,602-line file of issue 11 has ~80,000 JSON values, and three objects per range
// (a range and its two positions) were half of what building their AST cost, for ranges that only the values a
// diagnostic, a note or the language server points at are ever read for. `range` is an enumerable accessor of the
// prototype, so that what copies a node with `for…in` (incremental.ts `moved`) copies its range as data.

/** Where a node starts and ends, as numbers; its `range`, when first read. */
abstract class Located {
  readonly #line: number;
  readonly #column: number;
  readonly #offset: number;
  readonly #endLine: number;
  readonly #endColumn: number;
  readonly #endOffset: number;
  #range: Range | undefined;

  constructor(
    readonly $type: JsonValue["$type"] | "String",
    line: number,
    column: number,
    offset: number,
    endLine: number,
    endColumn: number,
    endOffset: number,
  ) {
    this.#line = line;
    this.#column = column;
    this.#offset = offset;
    this.#endLine = endLine;
    this.#endColumn = endColumn;
    this.#endOffset = endOffset;
  }

  get range(): Range {
    return (this.#range ??= {
      start: position(this.#line, this.#column, this.#offset),
      end: position(this.#endLine, this.#endColumn, this.#endOffset),
    });
  }
}

/** A key of an object: a string literal token. */
class LocatedKey extends Located {
  declare readonly $type: "String";
  constructor(
    readonly value: string,
    line: number,
    column: number,
    offset: number,
    length: number,
  ) {
    super("String", line, column, offset, line, column + length, offset + length);
  }
}

class LocatedString extends Located {
  declare readonly $type: "JsonString";
  constructor(
    readonly value: string,
    line: number,
    column: number,
    offset: number,
    length: number,
  ) {
    super("JsonString", line, column, offset, line, column + length, offset + length);
  }
}

class LocatedNumber extends Located {
  declare readonly $type: "JsonNumber";
  constructor(
    readonly value: number,
    readonly raw: string,
    line: number,
    column: number,
    offset: number,
  ) {
    super("JsonNumber", line, column, offset, line, column + raw.length, offset + raw.length);
  }
}

class LocatedBoolean extends Located {
  declare readonly $type: "JsonBoolean";
  constructor(
    readonly value: boolean,
    line: number,
    column: number,
    offset: number,
  ) {
    const length = value ? 4 : 5;
    super("JsonBoolean", line, column, offset, line, column + length, offset + length);
  }
}

class LocatedNull extends Located {
  declare readonly $type: "JsonNull";
  constructor(line: number, column: number, offset: number) {
    super("JsonNull", line, column, offset, line, column + 4, offset + 4);
  }
}

class LocatedObject extends Located {
  declare readonly $type: "JsonObject";
  constructor(
    readonly members: readonly JsonMember[],
    ...at: [number, number, number, number, number, number]
  ) {
    super("JsonObject", ...at);
  }
}

class LocatedArray extends Located {
  declare readonly $type: "JsonArray";
  constructor(
    readonly items: readonly JsonValue[],
    ...at: [number, number, number, number, number, number]
  ) {
    super("JsonArray", ...at);
  }
}

/** `"key": value`: from the key's start to the value's end. */
class LocatedMember {
  // Keys in the grammar's order ($type, key, value), for what serialises an AST (JSON.stringify).
  readonly $type = "JsonMember";
  readonly key: LocatedKey;
  readonly value: JsonValue;
  #range: Range | undefined;

  constructor(key: LocatedKey, value: JsonValue) {
    this.key = key;
    this.value = value;
  }

  get range(): Range {
    return (this.#range ??= { start: this.key.range.start, end: this.value.range.end });
  }
}

for (const located of [Located, LocatedMember])
  Object.defineProperty(located.prototype, "range", {
    ...Object.getOwnPropertyDescriptor(located.prototype, "range"),
    enumerable: true,
  });

/** The tokens of the lexer (tokens.ts) a reader must agree with, as sticky regular expressions. */
const stringPattern = new RegExp(T.StringLiteral.PATTERN as RegExp, "y");
const quantityPattern = new RegExp(T.QuantityLiteral.PATTERN as RegExp, "y");
const numberPattern = new RegExp(T.NumberLiteral.PATTERN as RegExp, "y");

/**
 * Reads JSON values from a text, with the positions the lexer would give their tokens; or, with `build` false, only
 * checks that they are well formed (the same path, without making the AST: each value read is {@link checked}).
 */
class Reader {
  private depth = 0;
  maxDepth = 0;

  constructor(
    private readonly text: string,
    public offset: number,
    private line: number,
    /** The offset at which the current line starts. */
    private lineStart: number,
    private readonly build: boolean,
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

  /** The column of `offset`, on the current line. */
  private column(offset: number): number {
    return offset - this.lineStart + 1;
  }

  /** Reads one value at the next token; undefined if it is not one the lexer and the grammar would agree on. */
  value(): JsonValue | undefined {
    this.skipSpace();
    const text = this.text;
    const at = this.offset;
    const c = text.charCodeAt(at);
    if (c === 123 /* { */ || c === 91 /* [ */) return this.container(c === 123);
    if (c === 34 /* " */) {
      if (!this.match(stringPattern)) return undefined;
      if (!this.build) return checked;
      const image = text.slice(at, this.offset);
      return new LocatedString(unquote(image), this.line, this.column(at), at, image.length);
    }
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      // The lexer tries a quantity (`16x`, `007`) before a number.
      if (this.match(quantityPattern)) return undefined;
      if (!this.match(numberPattern)) return undefined;
      if (!this.build) return checked;
      const image = text.slice(at, this.offset);
      return new LocatedNumber(Number(image), image, this.line, this.column(at), at);
    }
    if (this.word("true")) return this.build ? new LocatedBoolean(true, this.line, this.column(at), at) : checked;
    if (this.word("false")) return this.build ? new LocatedBoolean(false, this.line, this.column(at), at) : checked;
    if (this.word("null")) return this.build ? new LocatedNull(this.line, this.column(at), at) : checked;
    return undefined;
  }

  /** An object or array whose opening bracket is at the current offset. */
  private container(object: boolean): JsonValue | undefined {
    const openOffset = this.offset;
    const openLine = this.line;
    const openColumn = this.column(openOffset);
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
          if (this.text.charCodeAt(keyAt) !== 34 || !this.match(stringPattern)) return undefined;
          const key = this.build ? this.text.slice(keyAt, this.offset) : "";
          const keyLine = this.line;
          const keyColumn = this.column(keyAt);
          this.skipSpace();
          if (this.text.charCodeAt(this.offset) !== 58 /* : */) return undefined;
          this.offset++;
          const value = this.value();
          if (!value) return undefined;
          if (this.build)
            members.push(new LocatedMember(new LocatedKey(unquote(key), keyLine, keyColumn, keyAt, key.length), value));
        } else {
          const item = this.value();
          if (!item) return undefined;
          if (this.build) items.push(item);
        }
        this.skipSpace();
        const next = this.text.charCodeAt(this.offset);
        if (next === 44 /* , */) this.offset++;
        else if (next === close) break;
        else return undefined;
      }
    }
    this.offset++;
    this.depth--;
    if (!this.build) return checked;
    const end = [openLine, openColumn, openOffset, this.line, this.column(this.offset), this.offset] as const;
    return object ? new LocatedObject(members, ...end) : new LocatedArray(items, ...end);
  }

  /** Whether a sticky pattern matches at the current offset; if it does, the offset moves past the match. */
  private match(pattern: RegExp): boolean {
    pattern.lastIndex = this.offset;
    if (!pattern.test(this.text)) return false;
    this.offset = pattern.lastIndex;
    return true;
  }

  /** `word` at the current offset as the lexer reads it: a keyword, not the start of a longer name (`nullable`). */
  private word(word: string): boolean {
    if (!this.text.startsWith(word, this.offset)) return false;
    const after = this.text.charCodeAt(this.offset + word.length);
    const nameCharacter =
      (after >= 48 && after <= 57) || (after >= 65 && after <= 90) || (after >= 97 && after <= 122) || after === 95;
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
  if (
    avro?.tokenType !== T.Avro ||
    avro.endOffset === undefined ||
    avro.endLine === undefined ||
    avro.endColumn === undefined
  )
    return null;
  // Small integers from here on (Chevrotain's are doubles): every node's numbers are then stored unboxed.
  let line = smallInteger(avro.endLine);
  let lineStart = smallInteger(avro.endOffset - (avro.endColumn - 1));
  for (let i = avro.endOffset + 1; i < offset; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
    if (c === 10 || c === 13) {
      line++;
      lineStart = i + 1;
    }
  }
  const reader = new Reader(text, offset, line, lineStart, false);
  if (!reader.value()) return null;
  const result: CustomPatternMatcherReturn = [text.slice(offset, reader.offset)];
  let json: JsonValue | undefined;
  // Read again, building the AST this time: the same path over the same text, so it is well formed.
  const read = (): JsonValue => (json ??= new Reader(text, offset, line, lineStart, true).value()!);
  result.payload = { depth: reader.maxDepth, json: read } satisfies InlineJsonPayload;
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

/** The tokens of tokens.ts with the fast path: `InlineJson` is tried before `{`. */
export const inlineJsonTokens = T.allTokens.flatMap((t) => (t === T.LCurly ? [InlineJson, t] : [t]));

/** The lexer of tokens.ts with the fast path. */
export const inlineJsonLexer = new Lexer(inlineJsonTokens, T.lexerOptions);
