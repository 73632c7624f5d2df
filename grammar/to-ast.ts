// CST → AST: a Chevrotain CST visitor with one method per grammar rule (grammar/parser.ts), checked against the
// grammar when the module loads (`validateVisitor`), so a rule added to the parser without a mapping here fails at
// start-up instead of being skipped. Each method gets its rule's children by label and the node itself (for its
// range). Partial nodes left by error recovery are tolerated: a node without its name is dropped or left undefined.
// Over 350 lines on purpose: one class with a method per grammar rule is what `validateVisitor` checks.
import type { CstElement, CstNode, IToken } from "chevrotain";
import {
  endOf,
  position,
  startOf,
  tokenRange,
  unquote,
  type CallArgument,
  type CallValue,
  type ConsumerClause,
  type Declaration,
  type JsonMember,
  type JsonValue,
  type KefFile,
  type MessageDecl,
  type Name,
  type Position,
  type ProducerClause,
  type Range,
  type Setting,
  type SettingsBlock,
  type SettingValue,
  type StringLiteral,
  type TopicClause,
  type TopicConfigBlock,
  type TopicConfigEntry,
  type TopicDecl,
} from "./ast.js";
import { inlineSchema, type InlineJsonPayload } from "./inline-json.js";
import { parser } from "./parser.js";

/** A CST node's children by label (a token type's name, a rule's name, or a `LABEL` given in the grammar). */
type Children = Record<string, CstElement[] | undefined>;

function isToken(element: CstElement | undefined): element is IToken {
  return element !== undefined && "image" in element;
}

function isReal(t: IToken): boolean {
  return !Number.isNaN(t.startOffset) && !t.isInsertedInRecovery;
}

function tokens(children: Children, label: string): IToken[] {
  return (children[label] ?? []).filter((el): el is IToken => isToken(el) && isReal(el));
}

function token(children: Children, label: string, index = 0): IToken | undefined {
  // As `tokens(children, label)[index]`, without building the lists: called for every node of a large file.
  let seen = 0;
  for (const el of children[label] ?? []) {
    if (isToken(el) && isReal(el) && seen++ === index) return el;
  }
  return undefined;
}

function nodes(children: Children, label: string): CstNode[] {
  return (children[label] ?? []).filter((c): c is CstNode => !isToken(c));
}

function node(children: Children, label: string): CstNode | undefined {
  for (const el of children[label] ?? []) if (!isToken(el)) return el;
  return undefined;
}

/** All real tokens below a CST node, in source order. */
function allTokensOf(n: CstNode): IToken[] {
  const out: IToken[] = [];
  const walk = (c: CstNode): void => {
    for (const list of Object.values(c.children)) {
      for (const el of list ?? []) {
        if (isToken(el)) {
          if (isReal(el)) out.push(el);
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
  if (
    l &&
    Number.isFinite(l.startOffset) &&
    Number.isFinite(l.endOffset ?? NaN) &&
    l.startLine !== undefined &&
    l.endLine !== undefined
  ) {
    return {
      start: position(l.startLine, l.startColumn ?? 1, l.startOffset),
      end: position(l.endLine, (l.endColumn ?? 0) + 1, l.endOffset! + 1),
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

function stringOf(t: IToken): StringLiteral {
  return { $type: "String", value: unquote(t.image), range: tokenRange(t) };
}

/** A value of a `setting` or a `topicConfigEntry`: the same tokens, read the same way. */
function settingValue(c: Children, identifier: IToken | undefined): SettingValue | undefined {
  const str = token(c, "StringLiteral");
  if (str) return { $type: "StringValue", value: unquote(str.image), range: tokenRange(str) };
  const num = token(c, "NumberLiteral");
  const detachedUnit = token(c, "detachedUnit");
  if (num && detachedUnit) {
    const range = { start: startOf(num), end: endOf(detachedUnit) };
    return {
      $type: "QuantityValue",
      value: Number(num.image),
      unit: detachedUnit.image,
      raw: `${num.image} ${detachedUnit.image}`,
      detached: true,
      range,
    };
  }
  if (num) return { $type: "NumberValue", value: Number(num.image), raw: num.image, range: tokenRange(num) };
  const quantity = token(c, "QuantityLiteral");
  if (quantity) {
    const [, number, unit] = /^(-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)(.*)$/.exec(quantity.image) ?? [];
    return {
      $type: "QuantityValue",
      value: Number(number),
      unit: unit ?? "",
      raw: quantity.image,
      range: tokenRange(quantity),
    };
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

const Visitor = parser.getBaseCstVisitorConstructor();

/**
 * One method per grammar rule, named as the rule, taking the rule's children and its node. Methods call each
 * other directly (their results have different types); `validateVisitor` checks that none is missing.
 */
export class AstBuilder extends Visitor {
  constructor() {
    super();
    this.validateVisitor();
  }

  file(c: Children, n: CstNode): KefFile {
    const ns = node(c, "namespaceDecl");
    const declarations: Declaration[] = [];
    for (const d of nodes(c, "declaration")) {
      const declaration = this.declaration(d.children, d);
      if (declaration) declarations.push(declaration);
    }
    return {
      $type: "File",
      namespace: ns ? this.namespaceDecl(ns.children, ns) : undefined,
      declarations,
      range: rangeOf(n),
    };
  }

  namespaceDecl(c: Children, _n: CstNode): Name | undefined {
    const name = node(c, "qualifiedName");
    return name ? this.qualifiedName(name.children, name) : undefined;
  }

  qualifiedName(c: Children, n: CstNode): Name | undefined {
    const parts = tokens(c, "AnyWord");
    if (parts.length === 0) return undefined;
    return { $type: "Name", text: parts.map((p) => p.image).join("."), range: rangeOf(n) };
  }

  declaration(c: Children, _n: CstNode): Declaration | undefined {
    // One alternative per declaration kind; its node is labelled with its rule's name.
    const message = node(c, "messageDecl");
    if (message) return this.messageDecl(message.children, message);
    const shared = node(c, "sharedDecl");
    if (shared) return this.sharedDecl(shared.children, shared);
    const connection = node(c, "connectionDecl");
    if (connection) return this.connectionDecl(connection.children, connection);
    const topic = node(c, "topicDecl");
    if (topic) return this.topicDecl(topic.children, topic);
    const registry = node(c, "registryDecl");
    if (registry) return this.registryDecl(registry.children, registry);
    return undefined;
  }

  registryDecl(c: Children, n: CstNode): Declaration | undefined {
    const name = token(c, "AnyWord");
    if (!name) return undefined;
    return { $type: "Registry", name: nameOf(name), settings: this.settingsIn(c), range: rangeOf(n) };
  }

  messageDecl(c: Children, n: CstNode): MessageDecl | undefined {
    const name = token(c, "AnyWord");
    if (!name) return undefined;
    const path = token(c, "From") ? token(c, "StringLiteral") : undefined;
    const json = node(c, "jsonObject");
    // Read by the fast path (inline-json.ts): the token carries the JSON, its AST built when first read.
    const inline = token(c, "InlineJson");
    const jsonAst = !inline && json ? this.jsonObject(json.children, json) : undefined;
    const schema = path
      ? { $type: "SchemaFile" as const, path: stringOf(path) }
      : inline
        ? inlineSchema(inline.payload as InlineJsonPayload)
        : jsonAst
          ? { $type: "InlineSchema" as const, json: jsonAst }
          : undefined;
    const writersKeyword = token(c, "Writers");
    const writers = writersKeyword
      ? {
          keyword: tokenRange(writersKeyword),
          files: tokens(c, "StringLiteral")
            .slice(path ? 1 : 0)
            .map(stringOf),
        }
      : undefined;
    return { $type: "Message", name: nameOf(name), schema, ...(writers ? { writers } : {}), range: rangeOf(n) };
  }

  sharedDecl(c: Children, n: CstNode): Declaration {
    const keyword = token(c, "Shared");
    const range = rangeOf(n);
    return { $type: "Shared", keyword: keyword ? tokenRange(keyword) : range, settings: this.settingsIn(c), range };
  }

  connectionDecl(c: Children, n: CstNode): Declaration | undefined {
    const name = token(c, "AnyWord");
    if (!name) return undefined;
    return { $type: "Connection", name: nameOf(name), settings: this.settingsIn(c), range: rangeOf(n) };
  }

  topicDecl(c: Children, n: CstNode): TopicDecl | undefined {
    const topic = token(c, "StringLiteral");
    if (!topic) return undefined;
    const alias = token(c, "AnyWord");
    const message = node(c, "qualifiedName");
    const consumer = node(c, "consumerClause");
    const body = this.topicBody(c);
    const producer = body.find((item): item is ProducerClause => item.$type === "ProducerClause");
    const members: Name[] = [];
    for (const member of nodes(c, "topicMember")) {
      const read = this.topicMember(member.children, member);
      if (read) members.push(read);
    }
    const clauses: TopicClause[] = [];
    for (const clause of nodes(c, "topicClause")) {
      const read = this.topicClause(clause.children, clause);
      if (read) clauses.push(read);
    }
    return {
      $type: "Topic",
      topic: stringOf(topic),
      alias: alias ? nameOf(alias) : undefined,
      message: message ? this.qualifiedName(message.children, message) : undefined,
      ...(members.length > 0 ? { members } : {}),
      clauses,
      consumer: consumer ? this.consumerClause(consumer.children, consumer) : undefined,
      ...(producer ? { producer } : {}),
      body,
      range: rangeOf(n),
    };
  }

  /** The parts of a topic's `{ }`, in source order. */
  private topicBody(c: Children): (ConsumerClause | ProducerClause | Setting | TopicConfigBlock)[] {
    const parts: { offset: number; item: ConsumerClause | ProducerClause | Setting | TopicConfigBlock | undefined }[] =
      [
        ...nodes(c, "consumerClause").map((n) => ({
          offset: rangeOf(n).start.offset,
          item: this.consumerClause(n.children, n),
        })),
        ...nodes(c, "producerClause").map((n) => ({
          offset: rangeOf(n).start.offset,
          item: this.producerClause(n.children, n),
        })),
        ...nodes(c, "setting").map((n) => ({ offset: rangeOf(n).start.offset, item: this.setting(n.children, n) })),
        ...nodes(c, "topicConfig").map((n) => ({
          offset: rangeOf(n).start.offset,
          item: this.topicConfig(n.children, n),
        })),
      ];
    return parts.sort((a, b) => a.offset - b.offset).flatMap((p) => (p.item ? [p.item] : []));
  }

  topicConfig(c: Children, n: CstNode): TopicConfigBlock | undefined {
    const word = token(c, "Identifier");
    if (!word) return undefined;
    const entries: TopicConfigEntry[] = [];
    for (const e of nodes(c, "topicConfigEntry")) {
      const entry = this.topicConfigEntry(e.children, e);
      if (entry) entries.push(entry);
    }
    return { $type: "TopicConfig", word: nameOf(word), entries, range: rangeOf(n) };
  }

  topicConfigEntry(c: Children, n: CstNode): TopicConfigEntry | undefined {
    const [key, valueString] = tokens(c, "StringLiteral");
    if (!key) return undefined;
    // The key is the entry's first string; the value's tokens are the rest (a string value is the second string).
    const valueChildren: Children = { ...c, StringLiteral: valueString ? [valueString] : [] };
    return {
      $type: "TopicConfigEntry",
      key: stringOf(key),
      value: settingValue(valueChildren, token(c, "Identifier")),
      range: rangeOf(n),
    };
  }

  producerClause(c: Children, n: CstNode): ProducerClause {
    const word = token(c, "producerWord");
    return {
      $type: "ProducerClause",
      keyword: word ? tokenRange(word) : rangeOf(n),
      settings: this.settingsIn(c),
      range: rangeOf(n),
    };
  }

  topicMember(c: Children, _n: CstNode): Name | undefined {
    const name = node(c, "qualifiedName");
    return name ? this.qualifiedName(name.children, name) : undefined;
  }

  topicClause(c: Children, n: CstNode): TopicClause | undefined {
    const word = token(c, "Identifier");
    if (!word) return undefined;
    const range = rangeOf(n);
    if (word.image === "key") {
      const type = node(c, "qualifiedName");
      return {
        $type: "KeyClause",
        keyword: tokenRange(word),
        type: type ? this.qualifiedName(type.children, type) : undefined,
        range,
      };
    }
    if (word.image === "tombstones") return { $type: "TombstonesClause", range };
    return { $type: "UnknownClause", word: nameOf(word), range };
  }

  consumerClause(c: Children, n: CstNode): ConsumerClause {
    const range = rangeOf(n);
    const settings = this.settingsIn(c);
    const via = token(c, "Via");
    if (via) {
      const conn = token(c, "AnyWord");
      const connection = conn ? nameOf(conn) : { $type: "Name" as const, text: "", range: tokenRange(via) };
      return { $type: "ViaConsumer", connection, settings, range };
    }
    if (token(c, "Exclusive")) return { $type: "ExclusiveConsumer", settings, range };
    return { $type: "SharedConsumer", settings, range };
  }

  /** The `settings` child of a declaration or clause, if recovery left one. */
  private settingsIn(c: Children): SettingsBlock | undefined {
    const n = node(c, "settings");
    return n ? this.settings(n.children, n) : undefined;
  }

  settings(c: Children, n: CstNode): SettingsBlock {
    const settings: Setting[] = [];
    for (const s of nodes(c, "setting")) {
      const setting = this.setting(s.children, s);
      if (setting) settings.push(setting);
    }
    return { $type: "Settings", settings, range: rangeOf(n) };
  }

  setting(c: Children, n: CstNode): Setting | undefined {
    const ids = tokens(c, "Identifier");
    const keyword = token(c, "Registry");
    const nameToken = keyword ?? ids[0];
    if (!nameToken) return undefined;
    const identifier = keyword ? ids[0] : ids[1];
    const call = node(c, "callArguments");
    const value = identifier && call ? this.callValue(identifier, call, rangeOf(n)) : settingValue(c, identifier);
    return { $type: "Setting", name: nameOf(nameToken), value, range: rangeOf(n) };
  }

  /** `callee(args…)`: a call's value is its callee token (from the enclosing rule) and its `callArguments` node. */
  private callValue(callee: IToken, args: CstNode, fallback: Range): CallValue {
    const list = this.callArguments(args.children, args);
    const range = { start: startOf(callee), end: rangeOf(args, fallback).end };
    const text = `${callee.image}(${list.map((a) => (a.$type === "StringValue" ? JSON.stringify(a.value) : a.value)).join(", ")})`;
    return { $type: "CallValue", callee: nameOf(callee), args: list, value: text, range };
  }

  callArguments(c: Children, _n: CstNode): CallArgument[] {
    const list: CallArgument[] = [];
    for (const a of nodes(c, "callArgument")) {
      const argument = this.callArgument(a.children, a);
      if (argument) list.push(argument);
    }
    return list;
  }

  callArgument(c: Children, _n: CstNode): CallArgument | undefined {
    const str = token(c, "StringLiteral");
    const id = token(c, "Identifier");
    const inner = node(c, "callArguments");
    if (str) return { $type: "StringValue", value: unquote(str.image), range: tokenRange(str) };
    if (id && inner) return this.callValue(id, inner, tokenRange(id));
    if (id) return { $type: "IdentifierValue", value: id.image, range: tokenRange(id) };
    return undefined;
  }

  jsonDocument(c: Children, _n: CstNode): JsonValue | undefined {
    const json = node(c, "json");
    return json ? this.json(json.children, json) : undefined;
  }

  json(c: Children, _n: CstNode): JsonValue | undefined {
    const obj = node(c, "jsonObject");
    if (obj) return this.jsonObject(obj.children, obj);
    const arr = node(c, "jsonArray");
    if (arr) return this.jsonArray(arr.children, arr);
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

  jsonObject(c: Children, n: CstNode): JsonValue {
    const members: JsonMember[] = [];
    for (const m of nodes(c, "jsonMember")) {
      const member = this.jsonMember(m.children, m);
      if (member) members.push(member);
    }
    return { $type: "JsonObject", members, range: rangeOf(n) };
  }

  jsonMember(c: Children, n: CstNode): JsonMember | undefined {
    const key = token(c, "StringLiteral");
    if (!key) return undefined;
    const value = node(c, "json");
    return {
      $type: "JsonMember",
      key: stringOf(key),
      value: value ? this.json(value.children, value) : undefined,
      range: rangeOf(n),
    };
  }

  jsonArray(c: Children, n: CstNode): JsonValue {
    const items: JsonValue[] = [];
    for (const i of nodes(c, "json")) {
      const item = this.json(i.children, i);
      if (item) items.push(item);
    }
    return { $type: "JsonArray", items, range: rangeOf(n) };
  }
}

/** The one builder; made when the module loads, so a grammar rule without a mapping fails at start-up. */
const builder = new AstBuilder();

/** Converts the CST of a whole `.kef` file. */
export function toAst(cst: CstNode): KefFile {
  return builder.file(cst.children, cst);
}

/** Converts the CST of a JSON document (an `.avsc` file). */
export function toJsonAst(cst: CstNode): JsonValue | undefined {
  return builder.jsonDocument(cst.children, cst);
}
