// The .kef grammar as one Chevrotain CstParser, created once and reused, and `parseText`, which turns its lexing and
// parsing errors into syntax problems (over 350 lines: the grammar is one class, as Chevrotain defines it).
//
//   file        := namespaceDecl? declaration*
//   declaration := messageDecl | sharedDecl | connectionDecl | topicDecl | registryDecl
//   messageDecl := "message" Word ( "from" String | "avro" jsonObject ) ( "writers" "[" ( String ( "," String )* )? "]" )?
//   sharedDecl  := "shared" settings
//   connectionDecl := "connection" Word "exclusive" settings
//   topicDecl   := "topic" String ( "as" Word )? ":" qualifiedName topicMember* topicClause* ( "{" topicBodyItem* "}" )?
//   topicMember := "|" qualifiedName                                   another message type of a multi-type topic
//   topicBodyItem := consumerClause | producerClause | setting | topicConfig `partitions = 12`, `replicationFactor = 3`
//   topicConfig := Identifier "{" topicConfigEntry* "}"                 `config { "retention.ms" = 7d }`; the
//   topicConfigEntry := String "=" ( String | Number | Quantity | "true" | "false" | Identifier )   checker names the word
//   topicClause := "key" qualifiedName | "tombstones" | Identifier     contextual words, not keywords; the checker
//                                                                      reports any other word (KEF2070)
//   consumerClause := "consumer" ( "via" Word settings? | "exclusive" settings | settings )
//   producerClause := "producer" settings                              a contextual word, not a keyword
//   registryDecl := "registry" Word settings
//   settings    := "{" setting* "}"
//   setting     := ( Identifier | "registry" ) "=" ( String | Number Identifier? | Quantity | "true" | "false" | "avro" | Identifier callArguments? )
//   callArguments := "(" ( callArgument ( "," callArgument )* )? ")"      e.g. basic(env("SR_USER"), env("SR_PASSWORD"))
//   callArgument := String | Identifier callArguments?
//   json        := jsonObject | jsonArray | String | Number | "true" | "false" | "null"
import type { CstNode, IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import type { MessageArgs, messages } from "../generator/catalogue.js";
import { CstParser } from "./chevrotain.js";
import { endPosition } from "./lines.js";
import { InlineJson, type InlineJsonPayload } from "./inline-json.js";
import * as T from "./tokens.js";

function describe(token: IToken): string {
  if (token.tokenType.name === "EOF") return "the end of the file";
  const image = token.image.length > 30 ? `${token.image.slice(0, 29)}…` : token.image;
  return `'${image.replace(/[\r\n]/g, " ")}'`;
}

function labelOf(type: TokenType): string {
  if (type.name === "EOF") return "a declaration ('message', 'shared', 'connection' or 'topic')";
  return type.LABEL ?? type.name;
}

function oneOf(labels: string[]): string {
  const unique = [...new Set(labels)];
  if (unique.length <= 1) return unique[0] ?? "something else";
  return `${unique.slice(0, -1).join(", ")} or ${unique[unique.length - 1]}`;
}

/** The catalogue (generator/catalogue.ts); syntax problems use the entries of its "Syntax" section. */
type SyntaxMessages = typeof messages;
type SyntaxMessageName = keyof SyntaxMessages;

/** A syntax problem's message: a catalogue entry and the arguments of its placeholders. */
export type SyntaxMessage = {
  [K in SyntaxMessageName]: { readonly name: K; readonly args: MessageArgs<SyntaxMessages[K]> };
}[SyntaxMessageName];

function syntaxMessage<K extends SyntaxMessageName>(name: K, args: MessageArgs<SyntaxMessages[K]>): SyntaxMessage {
  return { name, args } as SyntaxMessage;
}

/**
 * Chevrotain keeps a parse error's message as a string: the provider below writes the {@link SyntaxMessage} as JSON,
 * and `parseText` reads it back, so the text itself is made from the catalogue entry like every other diagnostic's.
 */
function encoded(message: SyntaxMessage): string {
  return JSON.stringify(message);
}

/** Messages in the project's voice: "expected ':' but found "x"". */
const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, ruleName }) {
    // In a topic's body the clauses are optional, so a misspelt or misplaced one is met where '}' is expected.
    const inTopicBody = ruleName === "topicDecl" && expected === T.RCurly && actual.tokenType.name !== "EOF";
    return encoded(
      syntaxMessage(inTopicBody ? "expectedTopicBodyItem" : "expectedButFound", {
        expected: labelOf(expected),
        found: describe(actual),
      }),
    );
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return encoded(syntaxMessage("expectedDeclaration", { found: describe(firstRedundant) }));
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual }) {
    const firsts = expectedPathsPerAlt.flatMap((paths) => paths.map((path) => labelOf(path[0]!)));
    return encoded(syntaxMessage("expectedButFound", { expected: oneOf(firsts), found: describe(actual[0]!) }));
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual }) {
    const firsts = expectedIterationPaths.map((path) => labelOf(path[0]!));
    return encoded(syntaxMessage("expectedAtLeastOne", { expected: oneOf(firsts), found: describe(actual[0]!) }));
  },
};

export class KefParser extends CstParser {
  /**
   * `validate`: run Chevrotain's checks of the grammar (ambiguities, left recursion, ...), which throw on a broken
   * one. The parser below skips them, as they cost every start of kefgen; test/grammar/definitions.test.ts runs them.
   */
  constructor(validate = false) {
    super([...T.allTokens, InlineJson], {
      recoveryEnabled: true,
      maxLookahead: 2,
      skipValidations: !validate,
      errorMessageProvider: errorMessages,
      nodeLocationTracking: "full",
    });
    this.performSelfAnalysis();
  }

  /** True while Chevrotain records the grammar (`performSelfAnalysis`), when no input is read. */
  private recording(): boolean {
    return (this as unknown as { RECORDING_PHASE: boolean }).RECORDING_PHASE;
  }

  public file = this.RULE("file", () => {
    this.OPTION(() => this.SUBRULE(this.namespaceDecl));
    this.MANY(() => this.SUBRULE(this.declaration));
  });

  public namespaceDecl = this.RULE("namespaceDecl", () => {
    this.CONSUME(T.Namespace);
    this.SUBRULE(this.qualifiedName);
  });

  public qualifiedName = this.RULE("qualifiedName", () => {
    this.CONSUME(T.AnyWord);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME2(T.AnyWord);
    });
  });

  public declaration = this.RULE("declaration", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.messageDecl) },
      { ALT: () => this.SUBRULE(this.sharedDecl) },
      { ALT: () => this.SUBRULE(this.connectionDecl) },
      { ALT: () => this.SUBRULE(this.topicDecl) },
      { ALT: () => this.SUBRULE(this.registryDecl) },
    ]);
  });

  public registryDecl = this.RULE("registryDecl", () => {
    this.CONSUME(T.Registry);
    this.CONSUME(T.AnyWord);
    this.SUBRULE(this.settings);
  });

  public messageDecl = this.RULE("messageDecl", () => {
    this.CONSUME(T.Message);
    // Any word, so that a keyword used as a name is one precise error from the checker, not a cascade here.
    this.CONSUME(T.AnyWord);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.From);
          this.CONSUME(T.StringLiteral);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Avro);
          // An object already read by the fast path (inline-json.ts). Outside the recorded grammar on purpose, so
          // that error messages and recovery are those of `jsonObject`: a file with any error is parsed without it.
          if (!this.recording() && this.LA(1).tokenType === InlineJson) this.CONSUME2(InlineJson);
          else this.SUBRULE(this.jsonObject);
        },
      },
    ]);
    // The other writer schemas of a single-object topic's records (runtime/single-object-format.ts).
    this.OPTION(() => {
      this.CONSUME(T.Writers);
      this.CONSUME(T.LSquare);
      this.MANY_SEP({ SEP: T.Comma, DEF: () => this.CONSUME2(T.StringLiteral) });
      this.CONSUME(T.RSquare);
    });
  });

  public sharedDecl = this.RULE("sharedDecl", () => {
    this.CONSUME(T.Shared);
    this.SUBRULE(this.settings);
  });

  public connectionDecl = this.RULE("connectionDecl", () => {
    this.CONSUME(T.Connection);
    this.CONSUME(T.AnyWord);
    this.CONSUME(T.Exclusive);
    this.SUBRULE(this.settings);
  });

  public topicDecl = this.RULE("topicDecl", () => {
    this.CONSUME(T.Topic);
    this.CONSUME(T.StringLiteral);
    this.OPTION(() => {
      this.CONSUME(T.As);
      this.CONSUME(T.AnyWord);
    });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.qualifiedName);
    this.MANY3(() => this.SUBRULE(this.topicMember));
    this.MANY(() => this.SUBRULE(this.topicClause));
    this.OPTION2(() => {
      this.CONSUME(T.LCurly);
      // How the topic is consumed, produced and provisioned (partitions, replicationFactor, config { }); the checker
      // reports a second consumer or producer clause or setting, so any order and repetition parses. `producer { }`
      // and `config { }` both start with a word and a brace: the word decides (producer is a contextual word).
      this.MANY2(() =>
        this.OR([
          { ALT: () => this.SUBRULE(this.consumerClause) },
          { GATE: () => this.LA(1).image === "producer", ALT: () => this.SUBRULE(this.producerClause) },
          { ALT: () => this.SUBRULE(this.setting) },
          { GATE: () => this.LA(1).image !== "producer", ALT: () => this.SUBRULE(this.topicConfig) },
        ]),
      );
      this.CONSUME(T.RCurly);
    });
  });

  /** `config { "retention.ms" = 7d "cleanup.policy" = compact }`: Kafka topic configs, checked by generator/topic-config.ts. */
  public topicConfig = this.RULE("topicConfig", () => {
    this.CONSUME(T.Identifier);
    // A block of settings (`prodcer { acks = all }`) is a misspelt producer clause or the like: it is parsed as
    // settings so the checker can name the word (KEF2142, "did you mean producer"), not fail on `acks`.
    this.OR([
      {
        GATE: () => this.LA(2).tokenType !== T.Identifier && this.LA(2).tokenType !== T.Registry,
        ALT: () => {
          this.CONSUME(T.LCurly);
          this.MANY(() => this.SUBRULE(this.topicConfigEntry));
          this.CONSUME(T.RCurly);
        },
      },
      { ALT: () => this.SUBRULE(this.settings), IGNORE_AMBIGUITIES: true },
    ]);
  });

  public topicConfigEntry = this.RULE("topicConfigEntry", () => {
    this.CONSUME(T.StringLiteral);
    this.CONSUME(T.Equals);
    this.OR([
      { ALT: () => this.CONSUME2(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.CONSUME(T.QuantityLiteral) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Identifier) },
    ]);
  });

  /** `producer { acks = all }`: the topic gets a generated producer. `producer` stays usable as a name elsewhere. */
  public producerClause = this.RULE("producerClause", () => {
    this.CONSUME(T.Identifier, { LABEL: "producerWord" });
    this.SUBRULE(this.settings);
  });

  /** `| OrderCancelled`: one more message type of a multi-type topic (generator/multi-type.ts checks them). */
  public topicMember = this.RULE("topicMember", () => {
    this.CONSUME(T.Pipe);
    this.SUBRULE(this.qualifiedName);
  });

  /**
   * `key string`, `key OrderId`, `tombstones`: words with a meaning only here, so they stay usable as names elsewhere.
   * Any word is taken (and named by the checker), so that a misspelt clause is one precise error, not a cascade.
   */
  public topicClause = this.RULE("topicClause", () => {
    this.CONSUME(T.Identifier);
    this.OPTION({ GATE: () => this.LA(0).image === "key", DEF: () => this.SUBRULE(this.qualifiedName) });
  });

  public consumerClause = this.RULE("consumerClause", () => {
    this.CONSUME(T.Consumer);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Via);
          this.CONSUME(T.AnyWord);
          this.OPTION(() => this.SUBRULE(this.settings));
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Exclusive);
          this.SUBRULE2(this.settings);
        },
      },
      { ALT: () => this.SUBRULE3(this.settings) },
    ]);
  });

  public settings = this.RULE("settings", () => {
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.setting));
    this.CONSUME(T.RCurly);
  });

  public setting = this.RULE("setting", () => {
    // `registry = main` names a registry, so that keyword may name a setting too.
    this.OR1([{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(T.Registry) }]);
    this.CONSUME(T.Equals);
    this.OR2([
      { ALT: () => this.CONSUME(T.StringLiteral) },
      {
        ALT: () => {
          this.CONSUME(T.NumberLiteral);
          // `30 s`: a unit apart from its number. Taken here (only on the number's line, and never the name of the
          // next setting) so that the checker can say "write 30s" instead of the parser failing on the next line.
          this.OPTION({
            // Nor the word of a topic's `config {` (`partitions = 2 config { ... }`).
            GATE: () =>
              this.LA(2).tokenType !== T.Equals &&
              this.LA(2).tokenType !== T.LCurly &&
              this.LA(1).startLine === this.LA(0).endLine,
            DEF: () => this.CONSUME3(T.Identifier, { LABEL: "detachedUnit" }),
          });
        },
      },
      { ALT: () => this.CONSUME(T.QuantityLiteral) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Avro) },
      {
        ALT: () => {
          this.CONSUME2(T.Identifier);
          this.OPTION2(() => this.SUBRULE(this.callArguments));
        },
      },
    ]);
  });

  public callArguments = this.RULE("callArguments", () => {
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.callArgument) });
    this.CONSUME(T.RParen);
  });

  public callArgument = this.RULE("callArgument", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.StringLiteral) },
      {
        ALT: () => {
          this.CONSUME(T.Identifier);
          this.OPTION(() => this.SUBRULE(this.callArguments));
        },
      },
    ]);
  });

  /** A whole JSON document, as found in an `.avsc` file. */
  public jsonDocument = this.RULE("jsonDocument", () => {
    this.SUBRULE(this.json);
  });

  public json = this.RULE("json", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.jsonObject) },
      { ALT: () => this.SUBRULE(this.jsonArray) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Null) },
    ]);
  });

  public jsonObject = this.RULE("jsonObject", () => {
    this.CONSUME(T.LCurly);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.jsonMember) });
    this.CONSUME(T.RCurly);
  });

  public jsonMember = this.RULE("jsonMember", () => {
    this.CONSUME(T.StringLiteral);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.json);
  });

  public jsonArray = this.RULE("jsonArray", () => {
    this.CONSUME(T.LSquare);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.json) });
    this.CONSUME(T.RSquare);
  });
}

/** The one parser instance; reset per input through `parser.input`. */
export const parser = new KefParser();

/** A lexing or parsing problem, as data. Lines and columns are 1-based; `length` is in characters. */
export interface SyntaxProblem {
  readonly kind: "lexer" | "parser" | "unterminated-string" | "unterminated-comment" | "too-deep";
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  readonly length: number;
  readonly message: SyntaxMessage;
}

export interface ParseOutput {
  readonly cst: CstNode;
  readonly comments: IToken[];
  readonly problems: SyntaxProblem[];
}

/**
 * Lexes and parses `text` with the given start rule, token by token (the CST the formatter prints). Never throws for
 * bad input. Error-free `.kef` files usually take the faster path of incremental.ts, which falls back to this one.
 */
export function parseText(text: string, rule: "file" | "jsonDocument"): ParseOutput {
  const lexed = T.kefLexer.tokenize(text);
  // A file that is mostly not .kef (a binary, another language) has a lexing error every few bytes: report the first
  // ones and one line for the rest, and do not parse it — millions of errors cost minutes and overflow the stack.
  const problems: SyntaxProblem[] = lexed.errors.slice(0, maxLexerErrors).map((e) => ({
    kind: "lexer" as const,
    offset: e.offset,
    line: e.line ?? 1,
    column: e.column ?? 1,
    length: e.length,
    message: syntaxMessage("unexpectedCharacter", { character: JSON.stringify(text.substr(e.offset, e.length)) }),
  }));
  if (lexed.errors.length > maxLexerErrors) {
    const next = lexed.errors[maxLexerErrors]!;
    problems.push({
      kind: "lexer",
      offset: next.offset,
      line: next.line ?? 1,
      column: next.column ?? 1,
      length: next.length,
      message: syntaxMessage("notAKefFile", { count: lexed.errors.length - maxLexerErrors }),
    });
    parser.input = [];
    return { cst: rule === "file" ? parser.file() : parser.jsonDocument(), comments: [], problems };
  }
  const tokens = lexed.tokens.map((token) => {
    if (token.tokenType !== T.UnterminatedString) return token;
    problems.push({
      kind: "unterminated-string",
      offset: token.startOffset,
      line: token.startLine ?? 1,
      column: token.startColumn ?? 1,
      length: token.image.length,
      message: syntaxMessage(
        token.image.endsWith('"') && token.image.length > 1 ? "invalidEscape" : "unterminatedString",
        {},
      ),
    });
    // Recover: treat it as a string so the rest of the file still parses.
    return { ...token, tokenType: T.StringLiteral, tokenTypeIdx: T.StringLiteral.tokenTypeIdx! };
  });
  const comments = (lexed.groups["comments"] ?? []) as IToken[];
  for (const comment of comments) {
    if (comment.tokenType === T.UnterminatedBlockComment) {
      problems.push({
        kind: "unterminated-comment",
        offset: comment.startOffset,
        line: comment.startLine ?? 1,
        column: comment.startColumn ?? 1,
        length: 2,
        message: syntaxMessage("unterminatedComment", {}),
      });
    }
  }
  // Brackets nested deeper than any real schema would make the recursive parser (and its error recovery)
  // overflow the stack: refuse such input with one error instead of parsing it.
  const tooDeep = firstTooDeep(tokens);
  if (tooDeep) {
    problems.push({
      kind: "too-deep",
      offset: tooDeep.startOffset,
      line: tooDeep.startLine ?? 1,
      column: tooDeep.startColumn ?? 1,
      length: 1,
      message: syntaxMessage("nestingTooDeep", { max: maxNesting }),
    });
    parser.input = [];
    return { cst: rule === "file" ? parser.file() : parser.jsonDocument(), comments, problems };
  }
  parser.input = tokens;
  const cst = rule === "file" ? parser.file() : parser.jsonDocument();
  // One typo, one error: a parse error caused by what the lexing stage already reported is dropped —
  // at the same place, later on the line of a bad character, or up to the next line after an unterminated string.
  const lexing = [...problems];
  const followsLexingProblem = (offset: number, line: number): boolean =>
    lexing.some(
      (p) =>
        p.offset === offset ||
        (p.kind === "lexer" && p.line === line && p.offset < offset) ||
        (p.kind === "unterminated-string" && p.offset < offset && line - p.line <= 1),
    );
  // One syntax error per declaration: after an error, recovery often trips again on the rest of the same
  // declaration. A later error counts only once a new declaration has begun — a declaration keyword that is
  // the first token on its line.
  const declarationStarts = tokens
    .filter((t, i) => declarationKeywords.has(t.tokenType) && (i === 0 || tokens[i - 1]!.endLine !== t.startLine))
    .map((t) => t.startOffset);
  let lastReported = -1;
  const parserErrors = [...parser.errors].sort((a, b) => errorOffset(a.token, text) - errorOffset(b.token, text));
  for (const e of parserErrors) {
    const token = e.token;
    const atEnd = token.tokenType.name === "EOF";
    const offset = errorOffset(token, text);
    const position = atEnd ? endPosition(text) : { line: token.startLine ?? 1, column: token.startColumn ?? 1 };
    if (followsLexingProblem(offset, position.line)) continue;
    if (lastReported >= 0 && !declarationStarts.some((start) => start > lastReported && start < offset)) continue;
    lastReported = offset;
    problems.push({
      kind: "parser",
      offset,
      line: position.line,
      column: position.column,
      length: atEnd ? 0 : token.image.length,
      message: JSON.parse(e.message) as SyntaxMessage,
    });
  }
  problems.sort((a, b) => a.offset - b.offset);
  return { cst, comments, problems };
}

/** Lexing errors reported one by one; past this many the file is not parsed (see `parseText`). */
export const maxLexerErrors = 100;

/** Deepest bracket nesting accepted; real Avro schemas stay far below it. */
const maxNesting = 100;

/** The first bracket (or inline JSON object) that nests deeper than {@link maxNesting}. */
export function firstTooDeep(tokens: readonly IToken[]): IToken | undefined {
  let depth = 0;
  for (const t of tokens) {
    if (t.tokenType === T.LCurly || t.tokenType === T.LSquare) {
      if (++depth > maxNesting) return t;
    } else if (t.tokenType === InlineJson) {
      // Its brackets, all closed within it.
      if (depth + (t.payload as InlineJsonPayload).depth > maxNesting) return t;
    } else if (t.tokenType === T.RCurly || t.tokenType === T.RSquare) depth = Math.max(0, depth - 1);
  }
  return undefined;
}

const declarationKeywords = new Set<TokenType>([T.Namespace, T.Message, T.Shared, T.Connection, T.Topic, T.Registry]);

function errorOffset(token: IToken, text: string): number {
  return token.tokenType.name === "EOF" ? text.length : token.startOffset;
}
