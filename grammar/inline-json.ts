// The fast path for inline schemas (`message X avro { … }`): a well-formed JSON object is read straight from its
// tokens into the AST and handed to the parser as one `InlineJson` token, instead of Chevrotain building a CST node
// per JSON value. Anything this reader does not accept (a syntax error, an unterminated string) is left to the
// Chevrotain grammar, and so is every file the parser then finds an error in (see `parseText`): diagnostics come
// from one grammar only.
import type { IToken, TokenType } from "chevrotain";
import { createToken, Lexer } from "./chevrotain.js";
import { tokenRange, unquote, type JsonMember, type JsonValue } from "./ast.js";
import { Avro, Colon, Comma, False, LCurly, LSquare, Null, NumberLiteral, RCurly, RSquare, StringLiteral, True } from "./tokens.js";

/** One inline JSON object, already read; its `payload` is the {@link JsonValue}. Never produced by the lexer. */
export const InlineJson = createToken({ name: "InlineJson", pattern: Lexer.NA, label: "'{'" });

/** Reads one JSON value at `tokens[i]`; returns it and the index after it, or undefined if it is not well formed. */
function readValue(tokens: readonly IToken[], i: number): [JsonValue, number] | undefined {
  const t = tokens[i];
  if (!t) return undefined;
  const type: TokenType = t.tokenType;
  if (type === LCurly) {
    const members: JsonMember[] = [];
    let j = i + 1;
    if (tokens[j]?.tokenType === RCurly) return [{ $type: "JsonObject", members, range: span(t, tokens[j]!) }, j + 1];
    for (;;) {
      const key = tokens[j];
      if (key?.tokenType !== StringLiteral || tokens[j + 1]?.tokenType !== Colon) return undefined;
      const value = readValue(tokens, j + 2);
      if (!value) return undefined;
      j = value[1];
      members.push({ $type: "JsonMember", key: { $type: "String", value: unquote(key.image), range: tokenRange(key) }, value: value[0], range: span(key, tokens[j - 1]!) });
      const next = tokens[j]?.tokenType;
      if (next === Comma) j++;
      else if (next === RCurly) return [{ $type: "JsonObject", members, range: span(t, tokens[j]!) }, j + 1];
      else return undefined;
    }
  }
  if (type === LSquare) {
    const items: JsonValue[] = [];
    let j = i + 1;
    if (tokens[j]?.tokenType === RSquare) return [{ $type: "JsonArray", items, range: span(t, tokens[j]!) }, j + 1];
    for (;;) {
      const item = readValue(tokens, j);
      if (!item) return undefined;
      items.push(item[0]);
      j = item[1];
      const next = tokens[j]?.tokenType;
      if (next === Comma) j++;
      else if (next === RSquare) return [{ $type: "JsonArray", items, range: span(t, tokens[j]!) }, j + 1];
      else return undefined;
    }
  }
  if (type === StringLiteral) return [{ $type: "JsonString", value: unquote(t.image), range: tokenRange(t) }, i + 1];
  if (type === NumberLiteral) return [{ $type: "JsonNumber", value: Number(t.image), raw: t.image, range: tokenRange(t) }, i + 1];
  if (type === True) return [{ $type: "JsonBoolean", value: true, range: tokenRange(t) }, i + 1];
  if (type === False) return [{ $type: "JsonBoolean", value: false, range: tokenRange(t) }, i + 1];
  if (type === Null) return [{ $type: "JsonNull", range: tokenRange(t) }, i + 1];
  return undefined;
}

/** The range from the start of `first` to the end of `last`, as the CST → AST conversion computes it. */
function span(first: IToken, last: IToken): JsonValue["range"] {
  return { start: tokenRange(first).start, end: tokenRange(last).end };
}

/**
 * The tokens with each well-formed JSON object that follows `avro` replaced by one {@link InlineJson} token
 * spanning it; undefined when there is none.
 */
export function collapseInlineJson(tokens: readonly IToken[]): IToken[] | undefined {
  const out: IToken[] = [];
  let collapsed = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    out.push(t);
    if (t.tokenType !== Avro || tokens[i + 1]?.tokenType !== LCurly) continue;
    const read = readValue(tokens, i + 1);
    if (!read) continue;
    const [value, next] = read;
    const first = tokens[i + 1]!;
    const last = tokens[next - 1]!;
    out.push({
      image: "{…}",
      startOffset: first.startOffset,
      startLine: first.startLine,
      startColumn: first.startColumn,
      endOffset: last.endOffset,
      endLine: last.endLine,
      endColumn: last.endColumn,
      tokenType: InlineJson,
      tokenTypeIdx: InlineJson.tokenTypeIdx!,
      payload: value,
    });
    collapsed = true;
    i = next - 1;
  }
  return collapsed ? out : undefined;
}
