// The .kef AST: every node has a `$type` discriminant and the source range it came from.
// `toAst` (to-ast.ts) turns the parser's CST into it, tolerating the partial nodes that error recovery leaves.
import type { IToken } from "chevrotain";

/** A point in a source text. `line` and `column` are 1-based; `offset` is 0-based, in UTF-16 units. */
export interface Position {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

/** A span of source text; `end` is exclusive. */
export interface Range {
  readonly start: Position;
  readonly end: Position;
}

export interface Name {
  readonly $type: "Name";
  readonly text: string;
  readonly range: Range;
}

export interface StringLiteral {
  readonly $type: "String";
  readonly value: string;
  readonly range: Range;
}

export type SettingValue =
  | { readonly $type: "StringValue"; readonly value: string; readonly range: Range }
  | { readonly $type: "NumberValue"; readonly value: number; readonly raw: string; readonly range: Range }
  /**
   * A number with a unit: `30s`, `64KiB`. `value` is the number as written, before conversion. `unit` is any word
   * written against the number (the checker knows which are units); `detached`: written apart from it, `30 s`.
   */
  | {
      readonly $type: "QuantityValue";
      readonly value: number;
      readonly unit: string;
      readonly raw: string;
      readonly detached?: true;
      readonly range: Range;
    }
  | { readonly $type: "BooleanValue"; readonly value: boolean; readonly range: Range }
  | { readonly $type: "IdentifierValue"; readonly value: string; readonly range: Range }
  | CallValue;

/** A setting value as the user wrote it, for messages and hovers: strings quoted, numbers and quantities as written. */
export function settingValueText(v: SettingValue): string {
  switch (v.$type) {
    case "StringValue":
      return JSON.stringify(v.value);
    case "NumberValue":
    case "QuantityValue":
      return v.raw;
    case "BooleanValue":
      return String(v.value);
    default:
      return v.value;
  }
}

/** A call such as `env("SR_PASSWORD")` or `basic(env("U"), env("P"))`; `value` is its source text. */
export interface CallValue {
  readonly $type: "CallValue";
  readonly callee: Name;
  readonly args: readonly CallArgument[];
  readonly value: string;
  readonly range: Range;
}

/** An argument of a {@link CallValue}. */
export type CallArgument =
  | { readonly $type: "StringValue"; readonly value: string; readonly range: Range }
  | { readonly $type: "IdentifierValue"; readonly value: string; readonly range: Range }
  | CallValue;

export interface Setting {
  readonly $type: "Setting";
  readonly name: Name;
  /** Missing only when the parser recovered from an error in this setting. */
  readonly value: SettingValue | undefined;
  readonly range: Range;
}

export interface SettingsBlock {
  readonly $type: "Settings";
  readonly settings: readonly Setting[];
  readonly range: Range;
}

export type JsonValue =
  | { readonly $type: "JsonObject"; readonly members: readonly JsonMember[]; readonly range: Range }
  | { readonly $type: "JsonArray"; readonly items: readonly JsonValue[]; readonly range: Range }
  | { readonly $type: "JsonString"; readonly value: string; readonly range: Range }
  | { readonly $type: "JsonNumber"; readonly value: number; readonly raw: string; readonly range: Range }
  | { readonly $type: "JsonBoolean"; readonly value: boolean; readonly range: Range }
  | { readonly $type: "JsonNull"; readonly range: Range };

export interface JsonMember {
  readonly $type: "JsonMember";
  readonly key: StringLiteral;
  readonly value: JsonValue | undefined;
  readonly range: Range;
}

/** `message X avro { … }`: the schema written in the .kef. */
export interface InlineSchema {
  readonly $type: "InlineSchema";
  readonly json: JsonValue;
}

export interface MessageDecl {
  readonly $type: "Message";
  readonly name: Name;
  readonly schema: { readonly $type: "SchemaFile"; readonly path: StringLiteral } | InlineSchema | undefined;
  /** `writers ["order.v1.avsc", …]`: the other writer schemas of its single-object records. */
  readonly writers?: { readonly keyword: Range; readonly files: readonly StringLiteral[] };
  readonly range: Range;
}

export interface SharedDecl {
  readonly $type: "Shared";
  readonly keyword: Range;
  readonly settings: SettingsBlock | undefined;
  readonly range: Range;
}

export interface ConnectionDecl {
  readonly $type: "Connection";
  readonly name: Name;
  readonly settings: SettingsBlock | undefined;
  readonly range: Range;
}

/** How a topic is consumed: on the shared connection, via a named connection, or on its own exclusive one. */
export type ConsumerClause =
  | { readonly $type: "SharedConsumer"; readonly settings: SettingsBlock | undefined; readonly range: Range }
  | {
      readonly $type: "ViaConsumer";
      readonly connection: Name;
      readonly settings: SettingsBlock | undefined;
      readonly range: Range;
    }
  | { readonly $type: "ExclusiveConsumer"; readonly settings: SettingsBlock | undefined; readonly range: Range };

/**
 * What follows a topic's message type: `key string` (the key's type: `string`, `bytes`, `none` or a message),
 * `tombstones` (null values reach the handler), or a word the checker does not know.
 */
export type TopicClause =
  | { readonly $type: "KeyClause"; readonly keyword: Range; readonly type: Name | undefined; readonly range: Range }
  | { readonly $type: "TombstonesClause"; readonly range: Range }
  | { readonly $type: "UnknownClause"; readonly word: Name; readonly range: Range };

export interface TopicDecl {
  readonly $type: "Topic";
  readonly topic: StringLiteral;
  readonly alias: Name | undefined;
  readonly message: Name | undefined;
  /**
   * `| OrderCancelled | OrderShipped`: the other message types of a multi-type topic (`message` is the first), in
   * source order; absent on a topic of one message type.
   */
  readonly members?: readonly Name[];
  /** The clauses after the message type, in source order. */
  readonly clauses: readonly TopicClause[];
  /** The first consumer clause in the topic's `{ }`; later ones are in `body` (the checker reports them). */
  readonly consumer: ConsumerClause | undefined;
  /** The first `producer { ... }` in the topic's `{ }`: generate a producer for this topic, with these producer settings. */
  readonly producer?: ProducerClause;
  /**
   * Everything in the topic's `{ }`, in source order: consumer and producer clauses, provisioning settings
   * (`partitions = 12`, `replicationFactor = 3`) and `config { }` blocks (generator/topic-config.ts checks them and
   * reports a second consumer or producer clause).
   */
  readonly body: readonly (ConsumerClause | ProducerClause | Setting | TopicConfigBlock)[];
  readonly range: Range;
}

/** `producer { acks = all }` in a topic's body. */
export interface ProducerClause {
  readonly $type: "ProducerClause";
  readonly keyword: Range;
  readonly settings: SettingsBlock | undefined;
  readonly range: Range;
}

/** `config { "retention.ms" = 7d }` in a topic's `{ }`: Kafka topic configs. `word` is `config` unless misspelt. */
export interface TopicConfigBlock {
  readonly $type: "TopicConfig";
  readonly word: Name;
  readonly entries: readonly TopicConfigEntry[];
  readonly range: Range;
}

/** `"retention.ms" = 7d`: one Kafka topic config. */
export interface TopicConfigEntry {
  readonly $type: "TopicConfigEntry";
  readonly key: StringLiteral;
  /** Missing only when the parser recovered from an error in this entry. */
  readonly value: SettingValue | undefined;
  readonly range: Range;
}

/** `registry main { url = "…" auth = basic(env("U"), env("P")) }`: a schema registry, named. */
export interface RegistryDecl {
  readonly $type: "Registry";
  readonly name: Name;
  readonly settings: SettingsBlock | undefined;
  readonly range: Range;
}

export type Declaration = MessageDecl | SharedDecl | ConnectionDecl | TopicDecl | RegistryDecl;

export interface KefFile {
  readonly $type: "File";
  readonly namespace: Name | undefined;
  readonly declarations: readonly Declaration[];
  readonly range: Range;
}

// ---------------------------------------------------------------------------------------------
// Token positions and values, shared by the CST → AST conversion (to-ast.ts) and the inline JSON fast path

/**
 * A position, its whole numbers stored as small integers. Chevrotain keeps a token's numbers as doubles (its
 * placeholders are NaN), and once one double is stored in a position, V8 stores the numbers of every position as
 * boxed doubles: four allocations a position instead of one, for the ~100,000 positions of a large file's AST.
 */
export function position(line: number, column: number, offset: number): Position {
  return { line: smallInteger(line), column: smallInteger(column), offset: smallInteger(offset) };
}

/** `n`, as a small integer when it is one (`| 0` makes it so; NaN and others are returned as they are). */
export function smallInteger(n: number): number {
  return (n | 0) === n ? n | 0 : n;
}

export function startOf(t: IToken): Position {
  return position(t.startLine ?? 1, t.startColumn ?? 1, t.startOffset);
}

export function endOf(t: IToken): Position {
  return position(
    t.endLine ?? t.startLine ?? 1,
    (t.endColumn ?? t.startColumn ?? 1) + 1,
    (t.endOffset ?? t.startOffset) + 1,
  );
}

export function tokenRange(t: IToken): Range {
  return { start: startOf(t), end: endOf(t) };
}

/** Decodes a JSON string token; the lexer only accepts valid escapes, recovered tokens fall back to raw text. */
export function unquote(image: string): string {
  // Without a backslash the text between the quotes is the value (JSON.parse would refuse control characters, and
  // the fallback below returns the same text then).
  if (image.length >= 2 && image.startsWith('"') && image.endsWith('"') && !image.includes("\\"))
    return image.slice(1, -1);
  try {
    return JSON.parse(image) as string;
  } catch {
    return image.replace(/^"/, "").replace(/"$/, "");
  }
}
