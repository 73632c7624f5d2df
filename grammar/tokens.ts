// Tokens of the .kef language, in the order the lexer tries them: keywords before Identifier.
import type { ILexerConfig, Lexer as ChevrotainLexer, TokenType } from "chevrotain";
import { createToken, Lexer } from "./chevrotain.js";
import { lineBreakCharacters, lineBreakPattern } from "./lines.js";

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n\uFEFF]+/, group: Lexer.SKIPPED });
export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\n\r]*/, group: "comments" });
export const BlockComment = createToken({ name: "BlockComment", pattern: /\/\*[\s\S]*?\*\//, group: "comments" });
/** A block comment that never closes; reported by the lexing stage, kept so the rest of the file still parses. */
export const UnterminatedBlockComment = createToken({
  name: "UnterminatedBlockComment",
  pattern: /\/\*[\s\S]*/,
  group: "comments",
});

/** Any word: a name or a keyword. Parts of qualified names (`namespace seed.exclusive`) may be keywords. */
export const AnyWord = createToken({ name: "AnyWord", pattern: Lexer.NA, label: "a name" });

export const Identifier = createToken({
  name: "Identifier",
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  label: "a name",
  categories: [AnyWord],
});

function keyword(word: string): TokenType {
  return createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: [AnyWord],
    label: `'${word}'`,
  });
}

export const Namespace = keyword("namespace");
export const Message = keyword("message");
export const From = keyword("from");
export const Writers = keyword("writers");
export const Avro = keyword("avro");
export const Shared = keyword("shared");
export const Connection = keyword("connection");
export const Exclusive = keyword("exclusive");
export const Topic = keyword("topic");
export const Consumer = keyword("consumer");
export const Via = keyword("via");
export const As = keyword("as");
export const True = keyword("true");
export const False = keyword("false");
export const Null = keyword("null");
export const Registry = keyword("registry");

export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: /"(?:[^"\\\n\r]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/,
  label: "a string",
});
/** A string that runs to the end of the line without a closing quote (or has a bad escape). */
export const UnterminatedString = createToken({ name: "UnterminatedString", pattern: /"(?:[^"\\\n\r]|\\.)*"?/ });
/**
 * A number with a unit, for durations and sizes in settings: `30s`, `500ms`, `2min`, `1h`, `64KiB`, `1MB`. Any word
 * glued to a number lexes as one quantity (`30parsecs`, `30S`, `0x10`), so that the checker can name the bad unit
 * at the literal instead of the parser tripping over the word later. `1e5` stays a number; `1e5s` is a quantity.
 * So is a number with leading zeros (`007`), which JSON does not allow: the checker says to write `7`.
 */
export const QuantityLiteral = createToken({
  name: "QuantityLiteral",
  pattern:
    /-?(?:0[0-9]+(?:\.[0-9]+)?(?:[A-Za-z_][A-Za-z0-9_]*)?|(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+(?=[A-Za-z_]))?(?![eE][+-]?[0-9])[A-Za-z_][A-Za-z0-9_]*)/,
  label: "a quantity",
});
export const NumberLiteral = createToken({
  name: "NumberLiteral",
  pattern: /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/,
  label: "a number",
});

export const LCurly = createToken({ name: "LCurly", pattern: /\{/, label: "'{'" });
export const RCurly = createToken({ name: "RCurly", pattern: /\}/, label: "'}'" });
export const LSquare = createToken({ name: "LSquare", pattern: /\[/, label: "'['" });
export const RSquare = createToken({ name: "RSquare", pattern: /\]/, label: "']'" });
export const Colon = createToken({ name: "Colon", pattern: /:/, label: "':'" });
export const Comma = createToken({ name: "Comma", pattern: /,/, label: "','" });
export const Equals = createToken({ name: "Equals", pattern: /=/, label: "'='" });
export const Dot = createToken({ name: "Dot", pattern: /\./, label: "'.'" });
export const LParen = createToken({ name: "LParen", pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: "RParen", pattern: /\)/, label: "')'" });
/** Between the message types of a multi-type topic: `topic "orders" : OrderCreated | OrderCancelled`. */
export const Pipe = createToken({ name: "Pipe", pattern: /\|/, label: "'|'" });

export const allTokens: TokenType[] = [
  AnyWord,
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedBlockComment,
  Namespace,
  Message,
  From,
  Writers,
  Avro,
  Shared,
  Connection,
  Exclusive,
  Topic,
  Consumer,
  Via,
  As,
  True,
  False,
  Null,
  Registry,
  Identifier,
  StringLiteral,
  UnterminatedString,
  QuantityLiteral,
  NumberLiteral,
  LCurly,
  RCurly,
  LSquare,
  RSquare,
  Colon,
  Comma,
  Equals,
  Dot,
  LParen,
  RParen,
  Pipe,
];

/** Words with a meaning in the language; they cannot name messages or connections. */
export const keywords: readonly string[] = [
  "namespace",
  "message",
  "from",
  "avro",
  "shared",
  "connection",
  "exclusive",
  "topic",
  "consumer",
  "via",
  "as",
  "true",
  "false",
  "null",
  "registry",
  "writers",
];

// Lines end at "\r\n", a lone "\r" or "\n" (grammar/lines.ts), here and in the code frames diagnostics print.
export const lexerOptions: ILexerConfig = {
  positionTracking: "full",
  ensureOptimizations: false,
  // Chevrotain's checks of the token definitions cost every start of kefgen; test/grammar/definitions.test.ts runs
  // them instead.
  skipValidations: true,
  lineTerminatorsPattern: lineBreakPattern,
  lineTerminatorCharacters: [...lineBreakCharacters],
};

let lexer: ChevrotainLexer | undefined;

/**
 * The lexer of these tokens, made when first used (~15 ms of a process's start): an error-free .kef is read by
 * inline-json.ts's lexer, and only a file with a syntax error, or a fragment, by this one.
 */
export const kefLexer: Pick<ChevrotainLexer, "tokenize"> = {
  tokenize: (text, initialMode) => (lexer ??= new Lexer(allTokens, lexerOptions)).tokenize(text, initialMode),
};
