// Parsing again only the declarations an edit touched (the language server, `build --watch`): the text is lexed
// whole, cut into declarations at each declaration keyword outside brackets, and a declaration whose text did not
// change keeps its AST from the previous parse (moved to its new lines and offsets). Only error-free files take
// this path; any syntax problem, and any cut where parsing the pieces apart could differ from parsing the whole
// (see `safeCuts`), sends the file to `parseText` as before, so that diagnostics never depend on it.
import type { IToken, TokenType } from "chevrotain";
import { endOf, position, startOf, type Declaration, type KefFile, type Name } from "./ast.js";
import { inlineJsonLexer } from "./inline-json.js";
import { firstTooDeep, parser } from "./parser.js";
import { toAst } from "./to-ast.js";
import * as T from "./tokens.js";

const declarationKeywords = new Set<TokenType>([T.Namespace, T.Message, T.Shared, T.Connection, T.Topic, T.Registry]);
const opening = new Set<TokenType>([T.LCurly, T.LSquare, T.LParen]);
const closing = new Set<TokenType>([T.RCurly, T.RSquare, T.RParen]);

/** One declaration's text and what it parsed into, where it was. */
interface Piece {
  readonly offset: number;
  readonly line: number;
  readonly namespace: Name | undefined;
  readonly declarations: readonly Declaration[];
}

/** The declarations of one file's last parse, by their text; made per file and kept between edits. */
export class IncrementalParser {
  private pieces = new Map<string, Piece>();

  /** The AST of an error-free `text`, reusing unchanged declarations; undefined when `parseText` must parse it. */
  parse(text: string): KefFile | undefined {
    const lexed = inlineJsonLexer.tokenize(text);
    const tokens = lexed.tokens;
    if (lexed.errors.length > 0 || tokens.length === 0) return undefined;
    if (tokens.some((t) => t.tokenType === T.UnterminatedString)) return undefined;
    if ((lexed.groups["comments"] ?? []).some((c) => c.tokenType === T.UnterminatedBlockComment)) return undefined;
    if (firstTooDeep(tokens)) return undefined;
    const cuts = safeCuts(tokens);
    if (!cuts) return undefined;
    const next = new Map<string, Piece>();
    let namespace: Name | undefined;
    const declarations: Declaration[] = [];
    for (let i = 0; i < cuts.length; i++) {
      const first = tokens[cuts[i]!]!;
      const last = tokens[(cuts[i + 1] ?? tokens.length) - 1]!;
      // The text decides the AST, and the column where it starts (positions on its first line).
      const key = `${first.startColumn}\u0000${text.slice(first.startOffset, last.endOffset! + 1)}`;
      let piece = next.get(key) ?? this.pieces.get(key);
      if (piece) piece = moved(piece, first.startOffset, first.startLine!);
      else {
        parser.input = tokens.slice(cuts[i], cuts[i + 1] ?? tokens.length);
        const cst = parser.file();
        if (parser.errors.length > 0) return undefined;
        const ast = toAst(cst);
        piece = {
          offset: first.startOffset,
          line: first.startLine!,
          namespace: ast.namespace,
          declarations: ast.declarations,
        };
      }
      next.set(key, piece);
      namespace ??= piece.namespace;
      declarations.push(...piece.declarations);
    }
    this.pieces = next;
    const range = { start: startOf(tokens[0]!), end: endOf(tokens[tokens.length - 1]!) };
    return { $type: "File", namespace, declarations, range };
  }
}

/**
 * Where the tokens are cut: before each declaration keyword outside brackets. Undefined if parsing the pieces apart
 * could give another result than parsing the whole: a `namespace` that is not first (the whole file refuses it), a
 * piece that does not start with a declaration keyword, or one that ends in a topic's `key` clause (whose type, a
 * name, may be a keyword: the whole parse would take the next declaration's keyword as the type).
 */
function safeCuts(tokens: readonly IToken[]): number[] | undefined {
  const cuts: number[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const type = tokens[i]!.tokenType;
    if (opening.has(type)) depth++;
    else if (closing.has(type)) {
      if (--depth < 0) return undefined;
    } else if (depth === 0 && declarationKeywords.has(type)) {
      if (type === T.Namespace && i > 0) return undefined;
      if (i > 0 && tokens[i - 1]!.image === "key") return undefined;
      cuts.push(i);
    }
  }
  if (cuts[0] !== 0 || tokens[tokens.length - 1]!.image === "key") return undefined;
  return cuts;
}

/** A piece moved to start at `offset` on `line` (its column unchanged): every position in it moved as much. */
function moved(piece: Piece, offset: number, line: number): Piece {
  const lines = line - piece.line;
  const chars = offset - piece.offset;
  if (lines === 0 && chars === 0) return piece;
  const move = <V>(value: V): V => {
    if (Array.isArray(value)) return value.map(move) as V;
    if (value === null || typeof value !== "object") return value;
    const v = value as Record<string, unknown>;
    if (typeof v["line"] === "number" && typeof v["column"] === "number" && typeof v["offset"] === "number") {
      return position(v["line"] + lines, v["column"], v["offset"] + chars) as V;
    }
    const out: Record<string, unknown> = {};
    for (const k in v) out[k] = move(v[k]);
    return out as V;
  };
  return { offset, line, namespace: move(piece.namespace), declarations: move(piece.declarations) };
}
