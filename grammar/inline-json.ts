// The fast path for inline schemas (`message X avro { … }`): a well-formed JSON object right after `avro` is read
// straight from the text into the AST while lexing, as one `InlineJson` token (its payload the JSON AST), instead of
// a token per JSON value and a Chevrotain CST node per value. The reader accepts exactly the texts the lexer would
// cut into JSON tokens without a comment or an error and the `jsonObject` rule would parse; anything else (a syntax
// error, a comment, an odd number) is left to the ordinary tokens and the grammar. Only error-free files are read
// with this lexer (grammar/incremental.ts); any problem, and the file is lexed and parsed again without it
// (`parseText`): diagnostics come from one grammar.
import type { CustomPatternMatcherReturn, IToken } from "chevrotain";
import { createToken, Lexer } from "./chevrotain.js";
import type { InlineSchema, JsonMember, JsonValue, Range } from "./ast.js";
import { position, smallInteger, unquote } from "./ast.js";
import * as T from "./tokens.js";

/**
 * What an {@link InlineJson} token carries: how deep its brackets nest (the object counts 1), its text, and the
 * object. Lexing only checks the text; the AST is built when `json()` is first called (through the `InlineSchema`
 * node's `json`, see `inlineSchema`), so a declaration whose AST is reused (incremental.ts) costs a scan of its
 * schema, and one the checker reads with `JSON.parse` (inline-plain.ts) no AST unless a range in it is asked for.
 */
export interface InlineJsonPayload {
  readonly depth: number;
  /** The object's text, from `{` to `}`. */
  readonly text: string;
  /** How many values it holds, object keys counted, itself included. */
  readonly values: number;
  /** How many object keys it holds (a key written twice counted twice). */
  readonly keys: number;
  /** Whether every number is written without an exponent in at most 100 characters (grammar/inline-plain.ts). */
  readonly plainNumbers: boolean;
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
//
// The numbers are kept under symbols, which `for…in`, `Object.keys` and `JSON.stringify` pass over, so a node shows
// the grammar's keys only. Not in private fields, nor in any class field: class fields are defined by a function run
// for each node before its constructor's body, which with eight fields was a quarter of the cost of building these
// nodes. Every property is assigned in the constructor instead (`declare` keeps TypeScript from emitting a field).

const atLine = Symbol("line");
const atColumn = Symbol("column");
const atOffset = Symbol("offset");
const toLine = Symbol("endLine");
const toColumn = Symbol("endColumn");
const toOffset = Symbol("endOffset");
const cached = Symbol("range");

/** Where a node starts and ends, as numbers; its `range`, when first read. */
abstract class Located {
  declare readonly $type: JsonValue["$type"] | "String";
  declare private readonly [atLine]: number;
  declare private readonly [atColumn]: number;
  declare private readonly [atOffset]: number;
  declare private readonly [toLine]: number;
  declare private readonly [toColumn]: number;
  declare private readonly [toOffset]: number;
  declare private [cached]: Range | undefined;

  constructor(
    $type: JsonValue["$type"] | "String",
    startLine: number,
    startColumn: number,
    startOffset: number,
    lastLine: number,
    lastColumn: number,
    lastOffset: number,
  ) {
    this.$type = $type;
    this[atLine] = startLine;
    this[atColumn] = startColumn;
    this[atOffset] = startOffset;
    this[toLine] = lastLine;
    this[toColumn] = lastColumn;
    this[toOffset] = lastOffset;
    this[cached] = undefined;
  }

  get range(): Range {
    return (this[cached] ??= {
      start: position(this[atLine], this[atColumn], this[atOffset]),
      end: position(this[toLine], this[toColumn], this[toOffset]),
    });
  }
}

/** A key of an object: a string literal token. */
class LocatedKey extends Located {
  declare readonly $type: "String";
  declare readonly value: string;
  constructor(value: string, line: number, column: number, offset: number, length: number) {
    super("String", line, column, offset, line, column + length, offset + length);
    this.value = value;
  }
}

class LocatedString extends Located {
  declare readonly $type: "JsonString";
  declare readonly value: string;
  constructor(value: string, line: number, column: number, offset: number, length: number) {
    super("JsonString", line, column, offset, line, column + length, offset + length);
    this.value = value;
  }
}

class LocatedNumber extends Located {
  declare readonly $type: "JsonNumber";
  declare readonly value: number;
  declare readonly raw: string;
  constructor(value: number, raw: string, line: number, column: number, offset: number) {
    super("JsonNumber", line, column, offset, line, column + raw.length, offset + raw.length);
    this.value = value;
    this.raw = raw;
  }
}

class LocatedBoolean extends Located {
  declare readonly $type: "JsonBoolean";
  declare readonly value: boolean;
  constructor(value: boolean, line: number, column: number, offset: number) {
    const length = value ? 4 : 5;
    super("JsonBoolean", line, column, offset, line, column + length, offset + length);
    this.value = value;
  }
}

class LocatedNull extends Located {
  declare readonly $type: "JsonNull";
  constructor(line: number, column: number, offset: number) {
    super("JsonNull", line, column, offset, line, column + 4, offset + 4);
  }
}

/** Where a container starts and ends: line, column and offset of its opening bracket, then after its closing one. */
type Span = [number, number, number, number, number, number];

class LocatedObject extends Located {
  declare readonly $type: "JsonObject";
  declare readonly members: readonly JsonMember[];
  constructor(members: readonly JsonMember[], ...at: Span) {
    super("JsonObject", ...at);
    this.members = members;
  }
}

class LocatedArray extends Located {
  declare readonly $type: "JsonArray";
  declare readonly items: readonly JsonValue[];
  constructor(items: readonly JsonValue[], ...at: Span) {
    super("JsonArray", ...at);
    this.items = items;
  }
}

/** `"key": value`: from the key's start to the value's end. */
class LocatedMember {
  // Keys in the grammar's order ($type, key, value), for what serialises an AST (JSON.stringify).
  declare readonly $type: "JsonMember";
  declare readonly key: LocatedKey;
  declare readonly value: JsonValue;
  declare private [cached]: Range | undefined;

  constructor(key: LocatedKey, value: JsonValue) {
    this.$type = "JsonMember";
    this.key = key;
    this.value = value;
    this[cached] = undefined;
  }

  get range(): Range {
    return (this[cached] ??= { start: this.key.range.start, end: this.value.range.end });
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
  /** What a checking read counts for the payload (see {@link InlineJsonPayload}). */
  values = 0;
  keys = 0;
  plainNumbers = true;
  /** Where the next backslash at or after the current string is (-1: none); strings before it have no escapes. */
  private backslash = -2;

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
    this.values++;
    const c = text.charCodeAt(at);
    if (c === 123 /* { */ || c === 91 /* [ */) return this.container(c === 123);
    if (c === 34 /* " */) {
      if (!this.build) return this.match(stringPattern) ? checked : undefined;
      const value = this.string();
      return value === undefined
        ? undefined
        : new LocatedString(value, this.line, this.column(at), at, this.offset - at);
    }
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      // The lexer tries a quantity (`16x`, `007`) before a number.
      if (this.match(quantityPattern)) return undefined;
      if (!this.match(numberPattern)) return undefined;
      if (!this.build) {
        if (this.plainNumbers) this.plainNumbers = this.offset - at <= 100 && !hasExponent(text, at, this.offset);
        return checked;
      }
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
          if (this.text.charCodeAt(keyAt) !== 34) return undefined;
          const key = this.build ? this.string() : this.match(stringPattern) ? "" : undefined;
          if (key === undefined) return undefined;
          this.keys++;
          this.values++;
          const keyEnd = this.offset;
          const keyLine = this.line;
          const keyColumn = this.column(keyAt);
          this.skipSpace();
          if (this.text.charCodeAt(this.offset) !== 58 /* : */) return undefined;
          this.offset++;
          const value = this.value();
          if (!value) return undefined;
          if (this.build)
            members.push(new LocatedMember(new LocatedKey(key, keyLine, keyColumn, keyAt, keyEnd - keyAt), value));
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
    const endColumn = this.column(this.offset);
    // Copies (`slice`) the size of their contents: an array grown by `push` has room for 16 or more, and the large
    // file's 17,600 objects and arrays, kept in its AST, held ~2 MB of that room.
    return object
      ? new LocatedObject(members.slice(), openLine, openColumn, openOffset, this.line, endColumn, this.offset)
      : new LocatedArray(items.slice(), openLine, openColumn, openOffset, this.line, endColumn, this.offset);
  }

  /**
   * The value of the string token at the current offset (moving past it), or undefined if there is none. A string
   * without a backslash is its text between the quotes, found without the token's pattern: the second, building
   * read goes over a text the first one checked. Others are matched and decoded as the lexer's tokens are.
   */
  private string(): string | undefined {
    const at = this.offset;
    const close = this.text.indexOf('"', at + 1);
    if (this.backslash !== -1 && this.backslash < at) this.backslash = this.text.indexOf("\\", at);
    if (close >= 0 && (this.backslash === -1 || this.backslash > close)) {
      const value = this.text.slice(at + 1, close);
      // What the token's pattern refuses in a string without escapes: a line break.
      if (value.includes("\n") || value.includes("\r")) return undefined;
      this.offset = close + 1;
      return value;
    }
    if (!this.match(stringPattern)) return undefined;
    return unquote(this.text.slice(at, this.offset));
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

/** Whether the number written in `text` from `start` to `end` has an exponent. */
function hasExponent(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 69 /* E */ || c === 101 /* e */) return true;
  }
  return false;
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
  result.payload = {
    depth: reader.maxDepth,
    text: result[0],
    values: reader.values,
    keys: reader.keys,
    plainNumbers: reader.plainNumbers,
    json: read,
  } satisfies InlineJsonPayload;
  return result;
}

const payloadOf = Symbol("payload");

/**
 * The AST node of an inline schema the fast path read. Its `json` is built when first read: an own enumerable
 * accessor, so that the node shows the grammar's keys to `Object.keys`, `for…in` and `JSON.stringify` alike (a copy
 * holds it as data). The checker reads most schemas from their text instead (`inlineSchemaPayload`,
 * grammar/inline-plain.ts); their AST is then built only if a range in it is asked for.
 */
class FastInlineSchema {
  declare readonly $type: "InlineSchema";
  declare readonly json: JsonValue;
  declare private readonly [payloadOf]: InlineJsonPayload;

  constructor(payload: InlineJsonPayload) {
    this.$type = "InlineSchema";
    Object.defineProperty(this, "json", jsonOnRead);
    // Not enumerable: the node shows the grammar's keys only, to `for…in` and to deep equality alike.
    Object.defineProperty(this, payloadOf, { value: payload });
  }

  /** What the lexer read. */
  get payload(): InlineJsonPayload {
    return this[payloadOf];
  }
}

/** A {@link FastInlineSchema}'s `json`: the payload's AST, which the payload builds once. */
const jsonOnRead: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: FastInlineSchema): JsonValue {
    return this[payloadOf].json();
  },
};

/** The AST node of the inline schema an {@link InlineJson} token carries. */
export function inlineSchema(payload: InlineJsonPayload): InlineSchema {
  return new FastInlineSchema(payload);
}

/** What the fast path read of an inline schema; undefined for one the grammar read (or a copy of either). */
export function inlineSchemaPayload(schema: InlineSchema): InlineJsonPayload | undefined {
  return schema instanceof FastInlineSchema ? schema.payload : undefined;
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
