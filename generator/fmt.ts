// The layout of `kefgen fmt` (the command is generator/cli/fmt.ts): one canonical layout for .kef files, built as a
// prettier document (prettier/doc) from the CST and the comment tokens the lexer keeps, so every token is printed
// exactly as written and only whitespace changes.
//
//   namespace shop                              declarations one per line; blank lines between them kept, at most one
//   message A avro { "type": "record", ... }    inline JSON: 2-space indent, a group on one line when it fits in 120
//   shared {                                    settings: one per line in every block; an empty block is `{}`
//     groupId = "shop" // trailing comment      comments stay where they were: at the end of a line, or on their own
//   }
//   topic "t" : A { consumer via c }            a topic's `{ consumer ... }` stays on one line when it has no settings
//   topic "t" : A {                             a topic's `config { }`: one entry per line, like settings
//     config {
//       "retention.ms" = 7d
//     }
//   }
import type { CstElement, CstNode, IToken } from "chevrotain";
import { builders as b, printer, type builders } from "prettier/doc";
import type { KefFile } from "../grammar/ast.js";
import { toAst } from "../grammar/to-ast.js";
import { countLineBreaks, hasLineBreak } from "../grammar/lines.js";
import { parseText } from "../grammar/parser.js";
import type { Diagnostic } from "./diagnostics.js";
import { parse, type SourceText } from "./parse.js";

type Doc = builders.Doc;

/** The line width the layout aims for; JSON groups longer than this are broken over lines. */
const printWidth = 120;

function isToken(element: CstElement): element is IToken {
  return "image" in element;
}

function isReal(element: CstElement): boolean {
  return !isToken(element) || (!Number.isNaN(element.startOffset) && !element.isInsertedInRecovery);
}

/** The comments that belong to a token: own-line ones printed before it, same-line ones printed after it. */
interface Attached {
  readonly leading: IToken[];
  readonly trailing: IToken[];
}

class KefPrinter {
  private readonly attached = new Map<IToken, Attached>();
  /** Own-line comments after the last token. */
  private readonly endComments: IToken[] = [];
  /** Tokens and comments preceded by an empty line in the source. */
  private readonly blankBefore = new Set<IToken>();
  private readonly firstTokens = new Map<CstNode, IToken | undefined>();

  constructor(
    private readonly text: string,
    tokens: readonly IToken[],
    comments: readonly IToken[],
  ) {
    const all = [...tokens.map((t) => ({ t, comment: false })), ...comments.map((t) => ({ t, comment: true }))].sort(
      (x, y) => x.t.startOffset - y.t.startOffset,
    );
    let previous: { t: IToken; comment: boolean; trailing: boolean } | undefined;
    let lastToken: IToken | undefined;
    let pending: IToken[] = [];
    for (const { t, comment } of all) {
      const gap = previous ? text.slice(previous.t.endOffset! + 1, t.startOffset) : "";
      if (previous && countLineBreaks(gap) >= 2) this.blankBefore.add(t);
      if (!comment) {
        this.slot(t).leading.push(...pending);
        pending = [];
        lastToken = t;
        previous = { t, comment, trailing: true };
        continue;
      }
      // A comment on the same line as the token before it (or as that token's trailing comments) trails it.
      const trailing = previous !== undefined && previous.trailing && lastToken !== undefined && !hasLineBreak(gap);
      if (trailing) this.slot(lastToken!).trailing.push(t);
      else pending.push(t);
      previous = { t, comment, trailing };
    }
    this.endComments.push(...pending);
  }

  private slot(t: IToken): Attached {
    let a = this.attached.get(t);
    if (!a) {
      a = { leading: [], trailing: [] };
      this.attached.set(t, a);
    }
    return a;
  }

  private comments(t: IToken): Attached {
    return this.attached.get(t) ?? { leading: [], trailing: [] };
  }

  // -------------------------------------------------------------------------------------------
  // Tokens and their comments

  private comment(c: IToken): Doc {
    const image = c.tokenType.name === "LineComment" ? c.image.trimEnd() : c.image;
    return hasLineBreak(image) ? [image, b.breakParent] : image;
  }

  /** Own-line comments, one per line, with the empty lines between them kept (at most one). No line break after the last. */
  private commentBlock(list: readonly IToken[]): Doc[] {
    return list.map((c, i) => [
      i === 0 ? "" : [b.hardline, this.blankBefore.has(c) ? b.hardline : ""],
      this.comment(c),
    ]);
  }

  private leading(t: IToken, atLineStart: boolean): Doc {
    const { leading } = this.comments(t);
    if (leading.length === 0) return "";
    if (atLineStart) return [this.commentBlock(leading), b.hardline, this.blankBefore.has(t) ? b.hardline : ""];
    // Not at the start of a line: the comments go on lines of their own, and the token after them, indented.
    return b.indent([b.hardline, this.commentBlock(leading), b.hardline]);
  }

  private trailing(t: IToken): Doc {
    return this.comments(t).trailing.map((c) =>
      c.tokenType.name === "LineComment"
        ? [b.lineSuffix([" ", this.comment(c)]), b.breakParent]
        : [" ", this.comment(c)],
    );
  }

  /** A token with its comments. `atLineStart`: the layout puts it at the start of a line (or breaks before it). */
  private tok(t: IToken, atLineStart = false): Doc {
    return [this.leading(t, atLineStart), t.image, this.trailing(t)];
  }

  /** Where an item starts, counting its own-line comments: for the empty line before it. */
  private startsAfterBlank(first: IToken | undefined): boolean {
    if (!first) return false;
    const lead = this.comments(first).leading[0];
    return this.blankBefore.has(lead ?? first);
  }

  // -------------------------------------------------------------------------------------------
  // CST

  private elements(n: CstNode): CstElement[] {
    return Object.values(n.children)
      .flatMap((list) => list ?? [])
      .filter(isReal)
      .filter((e) => isToken(e) || this.firstToken(e) !== undefined)
      .sort((x, y) => this.offset(x) - this.offset(y));
  }

  private offset(e: CstElement): number {
    return isToken(e) ? e.startOffset : this.firstToken(e)!.startOffset;
  }

  private firstToken(n: CstNode): IToken | undefined {
    if (this.firstTokens.has(n)) return this.firstTokens.get(n);
    let first: IToken | undefined;
    for (const list of Object.values(n.children)) {
      for (const e of list ?? []) {
        if (!isReal(e)) continue;
        const t = isToken(e) ? e : this.firstToken(e);
        if (t && (!first || t.startOffset < first.startOffset)) first = t;
      }
    }
    this.firstTokens.set(n, first);
    return first;
  }

  private firstOf(e: CstElement): IToken | undefined {
    return isToken(e) ? e : this.firstToken(e);
  }

  /** The document for a whole file. */
  document(cst: CstNode): Doc {
    return this.print(cst, true);
  }

  private print(e: CstElement, atLineStart = false): Doc {
    if (isToken(e)) return this.tok(e, atLineStart);
    switch (e.name) {
      case "file":
        return this.file(e);
      case "qualifiedName":
        return this.elements(e).map((x, i) => this.print(x, i === 0 && atLineStart));
      case "declaration":
      case "json":
        return this.elements(e).map((x, i) => this.print(x, i === 0 && atLineStart));
      case "topicDecl":
        return this.topicDecl(e, atLineStart);
      case "settings":
        return this.settings(e, atLineStart);
      case "topicConfig": {
        const parts = this.elements(e);
        // `word { settings }` (a misspelt clause the checker reports) is printed like any settings block.
        if (parts.length === 2 && !isToken(parts[1]!))
          return [this.print(parts[0]!, atLineStart), " ", this.print(parts[1]!)];
        return [this.print(parts[0]!, atLineStart), " ", this.block(parts.slice(1), { alwaysBreak: true })];
      }
      case "jsonObject":
      case "jsonArray":
        return this.jsonList(e, atLineStart);
      case "jsonMember":
        return this.spaced(e, atLineStart, (x) => !(isToken(x) && x.tokenType.name === "Colon"));
      case "setting":
      case "callArgument":
        // `auth = basic(env("U"), env("P"))`: a call's arguments follow its name without a space.
        return this.spaced(e, atLineStart, (x) => isToken(x) || x.name !== "callArguments");
      case "callArguments":
        return this.elements(e).map((x, i, all) => [
          i > 1 && i < all.length - 1 && isToken(all[i - 1]!) && (all[i - 1] as IToken).tokenType.name === "Comma"
            ? " "
            : "",
          this.print(x),
        ]);
      case "messageDecl": {
        // `writers ["a.avsc", "b.avsc"]`: a list laid out like a JSON array on one line.
        const kind = (x: CstElement | undefined): string | undefined =>
          x && isToken(x) ? x.tokenType.name : undefined;
        return this.elements(e).map((x, i, all) => [
          i > 0 && !["Comma", "RSquare"].includes(kind(x) ?? "") && kind(all[i - 1]) !== "LSquare" ? " " : "",
          this.print(x, i === 0 && atLineStart),
        ]);
      }
      default:
        // namespaceDecl, messageDecl, sharedDecl, connectionDecl, consumerClause, setting — and any rule added
        // later: its parts separated by single spaces, which never changes how the text lexes.
        return this.spaced(e, atLineStart);
    }
  }

  /** The node's parts separated by one space; `spaceBefore` says where (default: everywhere). */
  private spaced(n: CstNode, atLineStart: boolean, spaceBefore: (e: CstElement) => boolean = () => true): Doc {
    return this.elements(n).map((e, i) => [i > 0 && spaceBefore(e) ? " " : "", this.print(e, i === 0 && atLineStart)]);
  }

  private file(n: CstNode): Doc {
    const items = this.elements(n);
    const out: Doc[] = [];
    items.forEach((e, i) => {
      if (i > 0) out.push(b.hardline, this.startsAfterBlank(this.firstOf(e)) ? b.hardline : "");
      out.push(this.print(e, true));
    });
    if (this.endComments.length > 0) {
      if (items.length > 0) out.push(b.hardline, this.blankBefore.has(this.endComments[0]!) ? b.hardline : "");
      out.push(this.commentBlock(this.endComments), b.hardline);
    } else if (items.length > 0) out.push(b.hardline);
    return out;
  }

  private topicDecl(n: CstNode, atLineStart: boolean): Doc {
    const parts = this.elements(n);
    const open = parts.findIndex((e) => isToken(e) && e.tokenType.name === "LCurly");
    if (open < 0) return this.spaced(n, atLineStart);
    const head = parts.slice(0, open).map((e, i) => [i > 0 ? " " : "", this.print(e, i === 0 && atLineStart)]);
    const body = this.block(parts.slice(open), { alwaysBreak: false });
    return [head, " ", body];
  }

  private settings(n: CstNode, atLineStart: boolean): Doc {
    return this.block(this.elements(n), { alwaysBreak: true, atLineStart });
  }

  private jsonList(n: CstNode, atLineStart: boolean): Doc {
    const isArray = n.name === "jsonArray";
    return this.block(this.elements(n), { alwaysBreak: false, padded: !isArray, atLineStart });
  }

  /**
   * A bracketed list: `{` items `}`. Settings always break (one per line); other lists stay on one line when they
   * fit and hold no line comment. JSON items keep their commas; settings are separated by line breaks only.
   */
  private block(
    parts: readonly CstElement[],
    o: { alwaysBreak: boolean; padded?: boolean; atLineStart?: boolean },
  ): Doc {
    const open = parts[0] as IToken;
    const close = parts[parts.length - 1] as IToken;
    const inner = parts.slice(1, -1);
    const items: { element: CstElement; comma: IToken | undefined }[] = [];
    for (const e of inner) {
      if (isToken(e) && e.tokenType.name === "Comma") {
        const last = items[items.length - 1];
        if (last && !last.comma) last.comma = e;
        continue;
      }
      items.push({ element: e, comma: undefined });
    }
    const openDoc = this.tok(open, o.atLineStart === true);
    const closeComments = this.comments(close).leading;
    const closeDoc = [close.image];
    const after = this.trailing(close);
    const padded = o.padded !== false;
    if (items.length === 0 && closeComments.length === 0) {
      const empty =
        this.comments(open).trailing.length > 0 ? b.group([openDoc, b.line, closeDoc]) : [openDoc, closeDoc];
      return [empty, after];
    }
    const body: Doc[] = [];
    items.forEach((item, i) => {
      if (i > 0) {
        const blank = this.startsAfterBlank(this.firstOf(item.element));
        body.push(blank ? b.ifBreak(b.hardlineWithoutBreakParent, "") : "", b.line);
      }
      body.push(this.print(item.element, true), item.comma ? this.tok(item.comma) : "");
    });
    const closing: Doc[] = [];
    if (closeComments.length > 0) {
      const blank = items.length > 0 && this.blankBefore.has(closeComments[0]!);
      closing.push(b.indent([b.hardline, blank ? b.hardline : "", this.commentBlock(closeComments)]), b.hardline);
    }
    const edge = padded ? b.line : b.softline;
    const group = b.group([openDoc, b.indent([edge, body]), closing.length > 0 ? closing : edge, closeDoc], {
      shouldBreak: o.alwaysBreak,
    });
    return [group, after];
  }
}

/** All real tokens below a CST node, in source order. */
function tokensOf(n: CstNode): IToken[] {
  const out: IToken[] = [];
  const walk = (c: CstNode): void => {
    for (const list of Object.values(c.children)) {
      for (const e of list ?? []) {
        if (!isReal(e)) continue;
        if (isToken(e)) out.push(e);
        else walk(e);
      }
    }
  };
  walk(n);
  return out.sort((a, b) => a.startOffset - b.startOffset);
}

export interface FormatResult {
  /** The formatted text; undefined when the file has syntax errors (see `diagnostics`). */
  readonly text: string | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

/** Formats one .kef text. A file with syntax errors is not formatted: its diagnostics are returned instead. */
export function formatKef(source: SourceText): FormatResult {
  const parsed = parseText(source.text, "file");
  if (parsed.problems.length > 0) return { text: undefined, diagnostics: parse(source).diagnostics };
  const tokens = tokensOf(parsed.cst);
  const kef = new KefPrinter(source.text, tokens, parsed.comments);
  const text = printer.printDocToString(kef.document(parsed.cst), {
    printWidth,
    tabWidth: 2,
    useTabs: false,
  }).formatted;
  assertSameMeaning(source, { cst: parsed.cst, tokens, comments: parsed.comments }, text);
  return { text, diagnostics: [] };
}

/** An AST without source positions, as JSON: what must not change when a file is formatted. */
function astWithoutRanges(file: KefFile): string {
  return JSON.stringify(file, (key, value: unknown) => (key === "range" || key === "keyword" ? undefined : value));
}

/**
 * The formatter only moves whitespace and comments. Checking that on every run costs one more parse and means a
 * formatter bug can never rewrite a user's file into something that means something else.
 */
function assertSameMeaning(
  source: SourceText,
  before: { cst: CstNode; tokens: readonly IToken[]; comments: readonly IToken[] },
  formatted: string,
): void {
  const again = parseText(formatted, "file");
  const images = (tokens: readonly IToken[]) => tokens.map((t) => t.image).join("\u0000");
  const same =
    again.problems.length === 0 &&
    images(tokensOf(again.cst)) === images(before.tokens) &&
    images(again.comments.map((c) => ({ ...c, image: c.image.trimEnd() }))) ===
      images(before.comments.map((c) => ({ ...c, image: c.image.trimEnd() }))) &&
    astWithoutRanges(toAst(again.cst)) === astWithoutRanges(toAst(before.cst));
  if (!same) throw new Error(`kefgen fmt would change the meaning of ${source.file}; the file was left as it was`);
}
