// The .kef AST: every node has a `$type` discriminant and the source range it came from.
// `toAst` turns the parser's CST into it, tolerating the partial nodes that error recovery leaves.
import type { CstElement, CstNode, IToken } from "chevrotain";

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
  | { readonly $type: "QuantityValue"; readonly value: number; readonly unit: string; readonly raw: string; readonly detached?: true; readonly range: Range }
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

export interface MessageDecl {
  readonly $type: "Message";
  readonly name: Name;
  readonly schema:
    | { readonly $type: "SchemaFile"; readonly path: StringLiteral }
    | { readonly $type: "InlineSchema"; readonly json: JsonValue }
    | undefined;
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
  | { readonly $type: "ViaConsumer"; readonly connection: Name; readonly settings: SettingsBlock | undefined; readonly range: Range }
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
// CST → AST

type Children = Record<string, CstElement[] | undefined>;

function isToken(element: CstElement | undefined): element is IToken {
  return element !== undefined && "image" in element;
}

function tokens(children: Children, key: string): IToken[] {
  return (children[key] ?? []).filter(isToken).filter((t) => !Number.isNaN(t.startOffset) && !t.isInsertedInRecovery);
}

function token(children: Children, key: string, index = 0): IToken | undefined {
  // As `tokens(children, key)[index]`, without building the lists: called for every node of a large file.
  let seen = 0;
  for (const el of children[key] ?? []) {
    if (isToken(el) && !Number.isNaN(el.startOffset) && !el.isInsertedInRecovery && seen++ === index) return el;
  }
  return undefined;
}

function nodes(children: Children, key: string): CstNode[] {
  return (children[key] ?? []).filter((c): c is CstNode => !isToken(c));
}

function node(children: Children, key: string): CstNode | undefined {
  for (const el of children[key] ?? []) if (!isToken(el)) return el;
  return undefined;
}

function startOf(t: IToken): Position {
  return { line: t.startLine ?? 1, column: t.startColumn ?? 1, offset: t.startOffset };
}

function endOf(t: IToken): Position {
  return { line: t.endLine ?? t.startLine ?? 1, column: (t.endColumn ?? t.startColumn ?? 1) + 1, offset: (t.endOffset ?? t.startOffset) + 1 };
}

export function tokenRange(t: IToken): Range {
  return { start: startOf(t), end: endOf(t) };
}

/** All real tokens below a CST node, in source order. */
function allTokensOf(n: CstNode): IToken[] {
  const out: IToken[] = [];
  const walk = (c: CstNode): void => {
    for (const list of Object.values(c.children)) {
      for (const el of list ?? []) {
        if (isToken(el)) {
          if (!Number.isNaN(el.startOffset) && !el.isInsertedInRecovery) out.push(el);
        } else walk(el);
      }
    }
  };
  walk(n);
  return out.sort((a, b) => a.startOffset - b.startOffset);
}

const emptyPosition: Position = { line: 1, column: 1, offset: 0 };

function rangeOf(n: CstNode, fallback?: Range): Range {
  // Chevrotain tracks each node's first and last token; only nodes touched by error recovery need a walk.
  const l = n.location;
  if (l && Number.isFinite(l.startOffset) && Number.isFinite(l.endOffset ?? NaN) && l.startLine !== undefined && l.endLine !== undefined) {
    return {
      start: { line: l.startLine, column: l.startColumn ?? 1, offset: l.startOffset },
      end: { line: l.endLine, column: (l.endColumn ?? 0) + 1, offset: l.endOffset! + 1 },
    };
  }
  const all = allTokensOf(n);
  const first = all[0];
  const last = all[all.length - 1];
  if (!first || !last) return fallback ?? { start: emptyPosition, end: emptyPosition };
  return { start: startOf(first), end: endOf(last) };
}

function nameOf(t: IToken): Name {
  return { $type: "Name", text: t.image, range: tokenRange(t) };
}

/** Decodes a JSON string token; the lexer only accepts valid escapes, recovered tokens fall back to raw text. */
export function unquote(image: string): string {
  // Without a backslash the text between the quotes is the value (JSON.parse would refuse control characters, and
  // the fallback below returns the same text then).
  if (image.length >= 2 && image.startsWith('"') && image.endsWith('"') && !image.includes("\\")) return image.slice(1, -1);
  try {
    return JSON.parse(image) as string;
  } catch {
    return image.replace(/^"/, "").replace(/"$/, "");
  }
}

function stringOf(t: IToken): StringLiteral {
  return { $type: "String", value: unquote(t.image), range: tokenRange(t) };
}

function qualifiedName(n: CstNode): Name | undefined {
  const parts = tokens(n.children, "AnyWord");
  if (parts.length === 0) return undefined;
  const range = rangeOf(n);
  return { $type: "Name", text: parts.map((p) => p.image).join("."), range };
}

function settingsBlock(n: CstNode | undefined): SettingsBlock | undefined {
  if (!n) return undefined;
  const settings = nodes(n.children, "setting")
    .map(settingOf)
    .filter((s): s is Setting => s !== undefined);
  return { $type: "Settings", settings, range: rangeOf(n) };
}

function settingOf(s: CstNode): Setting | undefined {
  const ids = tokens(s.children, "Identifier");
  const keyword = token(s.children, "Registry");
  const nameToken = keyword ?? ids[0];
  if (!nameToken) return undefined;
  const identifier = keyword ? ids[0] : ids[1];
  const call = node(s.children, "callArguments");
  const value = identifier && call ? callValue(identifier, call, rangeOf(s)) : settingValue(s.children, identifier);
  return { $type: "Setting", name: nameOf(nameToken), value, range: rangeOf(s) };
}

function topicConfigBlock(n: CstNode): TopicConfigBlock | undefined {
  const word = token(n.children, "Identifier");
  if (!word) return undefined;
  const entries: TopicConfigEntry[] = [];
  for (const e of nodes(n.children, "topicConfigEntry")) {
    const [key, valueString] = tokens(e.children, "StringLiteral");
    if (!key) continue;
    // The key is the entry's first string; the value's tokens are the rest (a string value is the second string).
    const valueChildren: Children = { ...e.children, StringLiteral: valueString ? [valueString] : [] };
    entries.push({ $type: "TopicConfigEntry", key: stringOf(key), value: settingValue(valueChildren, token(e.children, "Identifier")), range: rangeOf(e) });
  }
  return { $type: "TopicConfig", word: nameOf(word), entries, range: rangeOf(n) };
}

/** The parts of a topic's `{ }`, in source order. */
function topicBody(c: Children): (ConsumerClause | ProducerClause | Setting | TopicConfigBlock)[] {
  const parts: { offset: number; item: ConsumerClause | ProducerClause | Setting | TopicConfigBlock | undefined }[] = [
    ...nodes(c, "consumerClause").map((n) => ({ offset: rangeOf(n).start.offset, item: consumerClause(n) })),
    ...nodes(c, "producerClause").map((n) => ({ offset: rangeOf(n).start.offset, item: producerClause(n) })),
    ...nodes(c, "setting").map((n) => ({ offset: rangeOf(n).start.offset, item: settingOf(n) })),
    ...nodes(c, "topicConfig").map((n) => ({ offset: rangeOf(n).start.offset, item: topicConfigBlock(n) })),
  ];
  return parts
    .sort((a, b) => a.offset - b.offset)
    .flatMap((p) => (p.item ? [p.item] : []));
}

function producerClause(n: CstNode): ProducerClause {
  const word = token(n.children, "producerWord");
  return { $type: "ProducerClause", keyword: word ? tokenRange(word) : rangeOf(n), settings: settingsBlock(node(n.children, "settings")), range: rangeOf(n) };
}

function callValue(callee: IToken, args: CstNode, fallback: Range): CallValue {
  const list: CallArgument[] = [];
  for (const a of nodes(args.children, "callArgument")) {
    const str = token(a.children, "StringLiteral");
    const id = token(a.children, "Identifier");
    const inner = node(a.children, "callArguments");
    if (str) list.push({ $type: "StringValue", value: unquote(str.image), range: tokenRange(str) });
    else if (id && inner) list.push(callValue(id, inner, tokenRange(id)));
    else if (id) list.push({ $type: "IdentifierValue", value: id.image, range: tokenRange(id) });
  }
  const end = rangeOf(args, fallback).end;
  const range = { start: startOf(callee), end };
  const text = `${callee.image}(${list.map((a) => (a.$type === "StringValue" ? JSON.stringify(a.value) : a.value)).join(", ")})`;
  return { $type: "CallValue", callee: nameOf(callee), args: list, value: text, range };
}

function settingValue(c: Children, identifier: IToken | undefined): SettingValue | undefined {
  const str = token(c, "StringLiteral");
  if (str) return { $type: "StringValue", value: unquote(str.image), range: tokenRange(str) };
  const num = token(c, "NumberLiteral");
  const detachedUnit = token(c, "detachedUnit");
  if (num && detachedUnit) {
    const range = { start: startOf(num), end: endOf(detachedUnit) };
    return { $type: "QuantityValue", value: Number(num.image), unit: detachedUnit.image, raw: `${num.image} ${detachedUnit.image}`, detached: true, range };
  }
  if (num) return { $type: "NumberValue", value: Number(num.image), raw: num.image, range: tokenRange(num) };
  const quantity = token(c, "QuantityLiteral");
  if (quantity) {
    const [, number, unit] = /^(-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)(.*)$/.exec(quantity.image) ?? [];
    return { $type: "QuantityValue", value: Number(number), unit: unit ?? "", raw: quantity.image, range: tokenRange(quantity) };
  }
  const t = token(c, "True");
  if (t) return { $type: "BooleanValue", value: true, range: tokenRange(t) };
  const f = token(c, "False");
  if (f) return { $type: "BooleanValue", value: false, range: tokenRange(f) };
  const avro = token(c, "Avro");
  if (avro) return { $type: "IdentifierValue", value: avro.image, range: tokenRange(avro) };
  if (identifier) return { $type: "IdentifierValue", value: identifier.image, range: tokenRange(identifier) };
  return undefined;
}

/** Converts a `json` (or `jsonObject` / `jsonArray`) CST node. */
function jsonValue(n: CstNode): JsonValue | undefined {
  const c = n.children;
  if (n.name === "jsonObject") {
    const members: JsonMember[] = [];
    for (const m of nodes(c, "jsonMember")) {
      const key = token(m.children, "StringLiteral");
      if (!key) continue;
      const valueNode = node(m.children, "json");
      members.push({ $type: "JsonMember", key: stringOf(key), value: valueNode ? jsonValue(valueNode) : undefined, range: rangeOf(m) });
    }
    return { $type: "JsonObject", members, range: rangeOf(n) };
  }
  if (n.name === "jsonArray") {
    const items = nodes(c, "json").map(jsonValue).filter((v): v is JsonValue => v !== undefined);
    return { $type: "JsonArray", items, range: rangeOf(n) };
  }
  const obj = node(c, "jsonObject");
  if (obj) return jsonValue(obj);
  const arr = node(c, "jsonArray");
  if (arr) return jsonValue(arr);
  const str = token(c, "StringLiteral");
  if (str) return { $type: "JsonString", value: unquote(str.image), range: tokenRange(str) };
  const num = token(c, "NumberLiteral");
  if (num) return { $type: "JsonNumber", value: Number(num.image), raw: num.image, range: tokenRange(num) };
  const t = token(c, "True");
  if (t) return { $type: "JsonBoolean", value: true, range: tokenRange(t) };
  const f = token(c, "False");
  if (f) return { $type: "JsonBoolean", value: false, range: tokenRange(f) };
  const nul = token(c, "Null");
  if (nul) return { $type: "JsonNull", range: tokenRange(nul) };
  return undefined;
}

function messageDecl(n: CstNode): MessageDecl | undefined {
  const c = n.children;
  const name = token(c, "AnyWord");
  if (!name) return undefined;
  const path = token(c, "From") ? token(c, "StringLiteral") : undefined;
  const json = node(c, "jsonObject");
  // Read by the fast path (inline-json.ts): the token carries the JSON AST.
  const inline = token(c, "InlineJson");
  const jsonAst = inline ? (inline.payload as JsonValue) : json ? jsonValue(json) : undefined;
  const schema = path
    ? { $type: "SchemaFile" as const, path: stringOf(path) }
    : jsonAst
      ? { $type: "InlineSchema" as const, json: jsonAst }
      : undefined;
  const writersKeyword = token(c, "Writers");
  const writers = writersKeyword ? { keyword: tokenRange(writersKeyword), files: tokens(c, "StringLiteral").slice(path ? 1 : 0).map(stringOf) } : undefined;
  return { $type: "Message", name: nameOf(name), schema, ...(writers ? { writers } : {}), range: rangeOf(n) };
}

function consumerClause(n: CstNode): ConsumerClause {
  const c = n.children;
  const range = rangeOf(n);
  const settings = settingsBlock(node(c, "settings"));
  const via = token(c, "Via");
  if (via) {
    const conn = token(c, "AnyWord");
    const connection = conn ? nameOf(conn) : { $type: "Name" as const, text: "", range: tokenRange(via) };
    return { $type: "ViaConsumer", connection, settings, range };
  }
  if (token(c, "Exclusive")) return { $type: "ExclusiveConsumer", settings, range };
  return { $type: "SharedConsumer", settings, range };
}

function topicClause(n: CstNode): TopicClause | undefined {
  const c = n.children;
  const word = token(c, "Identifier");
  if (!word) return undefined;
  const range = rangeOf(n);
  if (word.image === "key") {
    const type = node(c, "qualifiedName");
    return { $type: "KeyClause", keyword: tokenRange(word), type: type ? qualifiedName(type) : undefined, range };
  }
  if (word.image === "tombstones") return { $type: "TombstonesClause", range };
  return { $type: "UnknownClause", word: nameOf(word), range };
}

function topicDecl(n: CstNode): TopicDecl | undefined {
  const c = n.children;
  const topic = token(c, "StringLiteral");
  if (!topic) return undefined;
  const alias = token(c, "AnyWord");
  const message = node(c, "qualifiedName");
  const consumer = node(c, "consumerClause");
  const body = topicBody(c);
  const producer = body.find((item): item is ProducerClause => item.$type === "ProducerClause");
  return {
    $type: "Topic",
    topic: stringOf(topic),
    alias: alias ? nameOf(alias) : undefined,
    message: message ? qualifiedName(message) : undefined,
    clauses: nodes(c, "topicClause")
      .map(topicClause)
      .filter((clause): clause is TopicClause => clause !== undefined),
    consumer: consumer ? consumerClause(consumer) : undefined,
    ...(producer ? { producer } : {}),
    body,
    range: rangeOf(n),
  };
}

function declaration(n: CstNode): Declaration | undefined {
  const c = n.children;
  const message = node(c, "messageDecl");
  if (message) return messageDecl(message);
  const shared = node(c, "sharedDecl");
  if (shared) {
    const keyword = token(shared.children, "Shared");
    const range = rangeOf(shared);
    return { $type: "Shared", keyword: keyword ? tokenRange(keyword) : range, settings: settingsBlock(node(shared.children, "settings")), range };
  }
  const connection = node(c, "connectionDecl");
  if (connection) {
    const name = token(connection.children, "AnyWord");
    if (!name) return undefined;
    return { $type: "Connection", name: nameOf(name), settings: settingsBlock(node(connection.children, "settings")), range: rangeOf(connection) };
  }
  const topic = node(c, "topicDecl");
  if (topic) return topicDecl(topic);
  const registry = node(c, "registryDecl");
  if (registry) {
    const name = token(registry.children, "AnyWord");
    if (!name) return undefined;
    return { $type: "Registry", name: nameOf(name), settings: settingsBlock(node(registry.children, "settings")), range: rangeOf(registry) };
  }
  return undefined;
}

/** Converts the CST of a whole `.kef` file. */
export function toAst(cst: CstNode): KefFile {
  const c = cst.children;
  const ns = node(c, "namespaceDecl");
  const nsName = ns ? node(ns.children, "qualifiedName") : undefined;
  const declarations = nodes(c, "declaration")
    .map(declaration)
    .filter((d): d is Declaration => d !== undefined);
  return { $type: "File", namespace: nsName ? qualifiedName(nsName) : undefined, declarations, range: rangeOf(cst) };
}

/** Converts the CST of a JSON document (an `.avsc` file). */
export function toJsonAst(cst: CstNode): JsonValue | undefined {
  const json = node(cst.children, "json");
  return json ? jsonValue(json) : undefined;
}
