// The checker: validates a parsed .kef file and resolves it into the Model the emitters write from.
// Every user mistake becomes a Diagnostic; the model is only meaningful when there are no errors.
import path from "node:path";
import type {
  ConnectionDecl,
  JsonValue,
  SharedDecl,
  KefFile,
  MessageDecl,
  Name,
  StringLiteral,
  Range,
  TopicDecl,
} from "../grammar/ast.js";
import { keywords } from "../grammar/tokens.js";
import {
  bufferSettingsModel,
  checkSettings,
  connectionSettingsModel,
  inheritable,
  onlyBuffer,
  reportProblem,
  resolveConnectionSettings,
  unsupportedOnClient,
  type CheckedSettings,
} from "./check-settings.js";
import { readSchema, type AvroSchema } from "./avro.js";
import { describeFileProblem, type FileRefusal } from "./files.js";
import { countJsonNodes, countJsonValues, maxSchemaValues, schemaTooLarge } from "./schema-limits.js";
import { internalTopicProblem, jsonNumberProblems, metricNameCollisions, type ValueProblem } from "./check-literals.js";
import { messages, type MessageArgs, type MessageDef } from "./catalogue.js";
import { diagnostic, didYouMean, type Diagnostic, type DiagnosticCode, type RelatedLocation, type Result } from "./diagnostics.js";
import {
  camelCase,
  isReservedTypeName,
  pascalCase,
  type ConnectionModel,
  type MessageModel,
  type Model,
  type TopicModel,
} from "./model.js";
import { checkNames, codecNameOf, consumerClassNameOf, handlerKeyOf, nameOrigins, reservedHandlerKey } from "./names.js";
import { parseJsonDocument, type SourceText } from "./parse.js";
import { nameTypes } from "./type-names.js";
import { topicProducer } from "./producer.js";
import { settingsByName } from "./settings.js";
import { checkRegistries, reportUnusedRegistries, topicFormat } from "./registries.js";
import { topicClauses } from "./topic-clauses.js";
import { topicFailure } from "./failure.js";
import { topicProvisioning } from "./topic-config.js";
import { settingOrigins } from "./origins.js";
import { messageWriters, reportUnusedWriters } from "./writers.js";

/** How the checker reaches the file system (schema files); tests may supply their own. */
export interface CheckHost {
  /** Returns the file's text, `undefined` when it does not exist, or why it was not read (see files.ts). */
  readFile(absolutePath: string): string | undefined | FileRefusal;
  /** How a path is shown in diagnostics. */
  displayPath(absolutePath: string): string;
}

/** A schema file as read: its parsed JSON (undefined after syntax errors), or why it could not be read. */
type SchemaFile = { readonly display: string } & ({ readonly json: JsonValue | undefined } | { readonly missing: true } | { readonly error: string } | FileRefusal | { readonly tooLarge: true });

class Checker {
  readonly diagnostics: Diagnostic[] = [];
  readonly sources = new Map<string, string>();
  private readonly schemaFiles = new Map<string, SchemaFile>();

  /** The file whose declarations are being checked: diagnostics point into it unless told otherwise. */
  source: SourceText;

  constructor(
    first: SourceText,
    readonly host: CheckHost,
  ) {
    this.source = first;
  }

  /** Reports a catalogue entry at `range` in the current file (or `extra.file`), its placeholders filled from `args`. */
  accept<M extends MessageDef>(entry: M, range: Range, args: MessageArgs<M>, extra: { hint?: string | undefined; related?: RelatedLocation[]; file?: string } = {}): void {
    const d = diagnostic(entry, args, { file: extra.file ?? this.source.file, range, hint: extra.hint, related: extra.related });
    this.report(d.code, range, d.message, { ...extra, ...(d.hint ? { hint: d.hint } : {}), severity: d.severity });
  }

  report(code: DiagnosticCode, range: Range, message: string, extra: { hint?: string | undefined; related?: RelatedLocation[]; file?: string; severity?: "error" | "warning" } = {}): void {
    const file = extra.file ?? this.source.file;
    // A setting inherited by several connections is checked once per connection: report it once.
    if (this.diagnostics.some((d) => d.code === code && d.file === file && d.range.start.offset === range.start.offset && d.message === message)) return;
    this.diagnostics.push({
      code,
      severity: extra.severity ?? "error",
      message,
      file: extra.file ?? this.source.file,
      range,
      ...(extra.hint ? { hint: extra.hint } : {}),
      ...(extra.related?.length ? { related: extra.related } : {}),
    });
  }

  /**
   * Registers a declaration under its name in the current file. When the name is taken, reports `code` at this
   * declaration's name, pointing at the first one, and returns false.
   */
  claim<T>(seen: Map<string, Located<T>>, what: string, name: string, decl: T, nameNode: (d: T) => { range: Range }, entry: Twice): boolean {
    const first = seen.get(name);
    if (first) {
      this.accept(entry, nameNode(decl).range, { name }, { related: [this.firstDeclared(what, { node: nameNode(first.node), file: first.file })] });
      return false;
    }
    seen.set(name, { node: decl, file: this.source.file });
    return true;
  }

  firstDeclared(what: string, at: Located<{ range: Range }>): RelatedLocation {
    return { message: `${what} is first declared here`, file: at.file, range: at.node.range };
  }

  // -------------------------------------------------------------------------------------------
  // Settings

  /** Reports `p` (when there is one) at `range`; true when it did. */
  problem(p: ValueProblem | undefined, range: Range): boolean {
    return reportProblem(this, p, range);
  }

  // -------------------------------------------------------------------------------------------
  // Messages

  message(decl: MessageDecl): AvroSchema | undefined {
    const schema = decl.schema;
    if (!schema) return undefined;
    if (schema.$type === "InlineSchema") {
      if (countJsonNodes(schema.json) > maxSchemaValues) return this.refuse(schemaTooLarge(`the schema of message "${decl.name.text}"`), schema.json.range);
      for (const { range, problem } of jsonNumberProblems(schema.json)) this.problem(problem, range);
      return this.avro(readSchema({ file: this.source.file, json: schema.json, namespace: undefined }));
    }
    return this.schemaFromFile(schema.path);
  }

  /** Reads the schema a path literal names, e.g. "types.avsc#com.acme.Order"; reports its problems. */
  schemaFromFile(pathLiteral: StringLiteral): AvroSchema | undefined {
    const schema = { path: pathLiteral };
    // "types.avsc#com.acme.Order": the named type com.acme.Order of types.avsc is the message's type.
    const hash = schema.path.value.lastIndexOf("#");
    const filePath = hash >= 0 ? schema.path.value.slice(0, hash) : schema.path.value;
    const select = hash >= 0 ? { name: schema.path.value.slice(hash + 1), file: this.source.file, range: schema.path.range } : undefined;
    const absolute = path.resolve(path.dirname(this.source.absolutePath), filePath);
    const file = this.schemaFile(absolute);
    if ("refused" in file) return this.refuse(describeFileProblem(file.refused, `schema file "${filePath}"`, this.host.displayPath), schema.path.range);
    if ("tooLarge" in file) return this.refuse(schemaTooLarge(`schema file "${filePath}"`), schema.path.range);
    if ("error" in file) {
      this.accept(messages.cannotReadSchemaFile, schema.path.range, { path: filePath, reason: file.error });
      return undefined;
    }
    if ("missing" in file) {
      this.accept(messages.schemaFileNotFound, schema.path.range, { path: filePath, shown: file.display });
      return undefined;
    }
    if (!file.json) return undefined; // its syntax errors were reported when it was first read
    return this.avro(readSchema({ file: file.display, json: file.json, namespace: undefined, ...(select ? { select } : {}) }));
  }

  /** Reads and parses a schema file once, however many messages take a type from it. */
  private schemaFile(absolute: string): SchemaFile {
    const cached = this.schemaFiles.get(absolute);
    if (cached) return cached;
    const display = this.host.displayPath(absolute);
    let file: SchemaFile;
    try {
      const text = this.host.readFile(absolute);
      if (text === undefined || (typeof text !== "string" && text.refused.kind === "missing")) file = { display, missing: true };
      else if (typeof text !== "string") file = { display, ...text };
      // Refused before parsing: parsing costs time in proportion to the values.
      else if (countJsonValues(text) > maxSchemaValues) file = { display, tooLarge: true };
      else {
        this.sources.set(display, text);
        const parsed = parseJsonDocument({ file: display, absolutePath: absolute, text });
        this.diagnostics.push(...parsed.diagnostics);
        for (const { range, problem } of parsed.value ? jsonNumberProblems(parsed.value) : []) this.report(problem.code, range, problem.message, { hint: problem.hint, file: display });
        file = { display, json: parsed.diagnostics.length > 0 ? undefined : parsed.value };
      }
    } catch (error) {
      file = { display, error: (error as Error).message };
    }
    this.schemaFiles.set(absolute, file);
    return file;
  }

  /** Reports a schema that is not read (see files.ts, schema-limits.ts); returns no schema. */
  refuse(problem: { code: DiagnosticCode; message: string; hint?: string | undefined }, range: Range): undefined {
    this.report(problem.code, range, problem.message, { hint: problem.hint });
    return undefined;
  }

  avro(result: { schema: AvroSchema | undefined; diagnostics: Diagnostic[] }): AvroSchema | undefined {
    this.diagnostics.push(...result.diagnostics);
    return result.schema;
  }
}

// ---------------------------------------------------------------------------------------------

/** The "declared twice" messages, each with the declaration's name. */
type Twice = typeof messages.messageTwice | typeof messages.connectionTwice | typeof messages.topicTwice;

/** A node and the file it was written in. */
interface Located<T> {
  readonly node: T;
  readonly file: string;
}

interface ConnectionDraft {
  readonly name: string;
  readonly kind: "shared" | "exclusive";
  /** Where to point diagnostics about the connection as a whole. */
  readonly at: Located<{ range: Range }>;
  readonly own: CheckedSettings;
  readonly topics: TopicModel[];
}

/** One parsed .kef file of a project. */
export interface ParsedFile {
  readonly ast: KefFile;
  readonly source: SourceText;
}

/** Project-wide choices that do not come from the .kef files. */
export interface ProjectOptions {
  /** Base of the generated API names; default: the first namespace declared, else the first file's name. */
  readonly name?: string;
}

/**
 * Checks the files of one project and resolves them into one model. Names (messages, connections, topics) are
 * global to the project; each diagnostic points into the file it concerns. `value` is undefined on errors.
 */
export function check(files: readonly ParsedFile[], host: CheckHost, options: ProjectOptions = {}): Result<Model | undefined> & { sources: Map<string, string> } {
  if (files.length === 0) throw new Error("internal: check() needs at least one file");
  const c = new Checker(files[0]!.source, host);
  const decls = files.flatMap((f) => f.ast.declarations.map((node) => ({ node, source: f.source, ast: f.ast })));
  const namespaceOf = new Map(files.map((f) => [f.source.file, f.ast.namespace?.text]));

  // Messages: names unique across the project, schemas valid.
  const messageModels = new Map<string, MessageModel>();
  const messageDecls = new Map<string, Located<MessageDecl>>();
  for (const { node: decl, source } of decls) {
    if (decl.$type !== "Message") continue;
    c.source = source;
    const name = decl.name.text;
    if (!c.claim(messageDecls, `message "${name}"`, name, decl, (d) => d.name, messages.messageTwice)) continue;
    if (keywords.includes(name)) {
      c.accept(messages.keywordMessageName, decl.name.range, { name, capitalized: `${name[0]!.toUpperCase()}${name.slice(1)}` });
    } else if (isReservedTypeName(name)) {
      c.accept(messages.reservedMessageName, decl.name.range, { name });
    }
    const schema = c.message(decl);
    if (schema) {
      const ns = namespaceOf.get(source.file);
      messageModels.set(name, {
        name,
        fullName: ns ? `${ns}.${name}` : name,
        schema,
        codecName: codecNameOf(name),
        range: decl.range,
      });
    }
  }

  // Writer schemas of single-object records (generator/writers.ts).
  const pool = new Map([...messageModels.values()].flatMap((m) => m.schema.named.map((t) => [t.fullName, t] as const)));
  for (const [name, m] of messageModels) {
    const located = messageDecls.get(name)!;
    c.source = files.find((f) => f.source.file === located.file)!.source;
    const writers = messageWriters(c, located.node, m, pool);
    if (writers) messageModels.set(name, { ...m, writers });
  }

  // The shared block: at most one in the project.
  const sharedDecls = decls.filter((d): d is typeof d & { node: SharedDecl } => d.node.$type === "Shared");
  const firstShared = sharedDecls[0];
  for (const extra of sharedDecls.slice(1)) {
    c.source = extra.source;
    c.accept(messages.sharedTwice, extra.node.keyword, {}, {
      related: [c.firstDeclared("the shared block", { node: { range: firstShared!.node.keyword }, file: firstShared!.source.file })],
    });
  }
  if (firstShared) c.source = firstShared.source;
  const shared = checkSettings(c, firstShared?.node.settings, "shared", "in the shared block");

  // Named connections.
  const connectionDecls = new Map<string, Located<ConnectionDecl>>();
  const connections = new Map<string, ConnectionDraft>();
  for (const { node: decl, source } of decls) {
    if (decl.$type !== "Connection") continue;
    c.source = source;
    const name = decl.name.text;
    if (!c.claim(connectionDecls, `connection "${name}"`, name, decl, (d) => d.name, messages.connectionTwice)) continue;
    if (keywords.includes(name)) c.accept(messages.keywordConnectionName, decl.name.range, { name });
    connections.set(name, { name, kind: "exclusive", at: { node: decl.name, file: source.file }, own: checkSettings(c, decl.settings, "all", "on a connection"), topics: [] });
  }

  // Schema registries (used by format = confluent topics).
  const sourceOf = (file: string): SourceText => files.find((f) => f.source.file === file)!.source;
  const registries = checkRegistries(c, decls.flatMap((d) => (d.node.$type === "Registry" ? [{ node: d.node, source: d.source }] : [])));

  // Topics.
  const sharedDraft: ConnectionDraft = {
    name: "shared",
    kind: "shared",
    at: firstShared ? { node: { range: firstShared.node.keyword }, file: firstShared.source.file } : { node: files[0]!.ast, file: files[0]!.source.file },
    own: shared,
    topics: [],
  };
  const anonymous: ConnectionDraft[] = [];
  const topicDecls = new Map<string, Located<TopicDecl>>();
  const topics: TopicModel[] = [];
  const messageNames = new Set(messageDecls.keys()); // once, not per topic (that was topics × messages)
  for (const { node: decl, source } of decls) {
    if (decl.$type !== "Topic") continue;
    c.source = source;
    const topicName = decl.topic.value;
    if (!c.claim(topicDecls, `topic "${topicName}"`, topicName, decl, (d) => d.topic, messages.topicTwice)) continue;
    const topicProblem = kafkaTopicProblem(topicName);
    if (topicProblem) c.accept(messages.invalidTopicName, decl.topic.range, { name: topicName, problem: topicProblem });
    else c.problem(internalTopicProblem(topicName), decl.topic.range);

    const handlerKey = handlerKeyOf(topicName, decl.alias?.text);
    const reserved = reservedHandlerKey(handlerKey);
    if (handlerKey.length === 0) {
      c.accept(messages.topicWithoutHandlerName, decl.topic.range, { name: topicName });
    } else if (reserved) {
      c.accept(messages.reservedHandlerName, (decl.alias ?? decl.topic).range, { key: handlerKey, reason: reserved, topic: topicName, suggestion: camelCase(handlerKey) || "someName" });
    }

    const message = resolveMessage(c, decl.message, messageDecls, messageModels);
    const clauses = topicClauses(c, decl, (ref) => resolveMessage(c, ref, messageDecls, messageModels), messageNames);
    const provisioning = topicProvisioning(c, decl);
    const clause = decl.consumer;
    let draft: ConnectionDraft | undefined;
    let topicLayer: CheckedSettings = { values: new Map() };
    if (!clause || clause.$type === "SharedConsumer") {
      draft = sharedDraft;
      topicLayer = checkSettings(c, clause?.settings, "buffer", "on a topic of the shared connection");
    } else if (clause.$type === "ViaConsumer") {
      draft = connections.get(clause.connection.text);
      if (!draft && clause.connection.text) {
        const name = clause.connection.text;
        if (connections.size === 0) c.accept(messages.unknownConnectionNoneDeclared, clause.connection.range, { name });
        else c.accept(messages.unknownConnection, clause.connection.range, { name }, { hint: didYouMean(name, connections.keys()) });
      }
      topicLayer = checkSettings(c, clause.settings, "buffer", `on a topic of connection "${clause.connection.text}"`);
    } else {
      const own = checkSettings(c, clause.settings, "all", "on an exclusive consumer");
      const connectionOnly = new Map([...own.values].filter(([k]) => settingsByName.get(k)?.scope === "connection"));
      draft = { name: handlerKey, kind: "exclusive", at: { node: decl.topic, file: source.file }, own: { ...own, values: connectionOnly }, topics: [] };
      topicLayer = onlyBuffer(own);
      anonymous.push(draft);
    }
    const producerLayer = decl.producer ? checkSettings(c, decl.producer.settings, "producer", "in a producer block") : { values: new Map() };
    if (!message || !draft) continue;
    const bufferValues = resolveConnectionSettings(
      draft.kind === "shared" ? [onlyBuffer(shared), topicLayer] : [onlyBuffer(inheritable(shared)), onlyBuffer(draft.own), topicLayer],
    );
    const formatLayers = draft.kind === "shared" ? [shared, topicLayer] : [shared, draft.own, topicLayer];
    const format = topicFormat(c, { name: topicName, range: decl.range, file: source.file }, formatLayers, registries);
    const failure = topicFailure(c, { name: topicName, range: decl.topic.range, file: source.file }, formatLayers);
    c.source = source;
    const producer = topicProducer(c, { name: topicName, range: decl.topic.range, file: source.file }, [shared, producerLayer], decl.producer !== undefined);
    c.source = source;
    const topic: TopicModel = {
      topic: topicName,
      handlerKey,
      className: consumerClassNameOf(handlerKey),
      message,
      connection: draft.name,
      buffer: bufferSettingsModel(bufferValues),
      ...(format ? { format } : {}),
      ...clauses,
      failure,
      ...(provisioning ? { provisioning } : {}),
      ...(producer ? { producer, producerOrigins: settingOrigins([["shared", shared], ["topic", producerLayer]], "producer", source.file) } : {}),
      range: decl.range,
      bufferOrigins: settingOrigins(draft.kind === "shared" ? [["shared", onlyBuffer(shared)], ["topic", topicLayer]] : [["shared", onlyBuffer(inheritable(shared))], ["connection", onlyBuffer(draft.own)], ["topic", topicLayer]], "buffer", source.file),
    };
    draft.topics.push(topic);
    topics.push(topic);
  }

  for (const { topic, first } of metricNameCollisions([...topicDecls.values()].map((t) => ({ name: t.node.topic.value, file: t.file, range: t.node.topic.range })))) {
    c.accept(messages.metricNameCollision, topic.range, { name: topic.name, other: first.name }, {
      file: topic.file,
      related: [{ message: `topic "${first.name}" is here`, file: first.file, range: first.range }],
    });
  }

  // Connections: resolve settings, check group ids and cross-setting constraints.
  const resolved: ConnectionModel[] = [];
  const groupIds = new Map<string, ConnectionDraft>();
  const reportedUnsupported = new Set<string>();
  const allDrafts = [sharedDraft, ...connections.values(), ...anonymous];
  // After an unknown connection name (a typo), "unused" would only repeat that error.
  const typo = c.diagnostics.some((d) => d.code === messages.unknownConnection.code);
  for (const draft of allDrafts) {
    const inFile = (file: string) => files.find((f) => f.source.file === file)!.source;
    c.source = inFile(draft.at.file);
    if (draft.topics.length === 0) {
      if (draft.kind === "exclusive" && connectionDecls.has(draft.name) && !anonymous.includes(draft) && !typo) {
        c.accept(messages.unusedConnection, draft.at.node.range, { name: draft.name });
      }
      continue;
    }
    const layers = draft.kind === "shared" ? [draft.own] : [inheritable(shared), draft.own];
    const values = resolveConnectionSettings(layers);
    const groupIdAt = draft.own.values.get("groupId");
    const groupId = groupIdAt?.value as string | undefined;
    if (groupId === undefined && !draft.own.written?.has("groupId")) {
      const firstTopic = draft.kind === "shared" ? topicDecls.get(draft.topics[0]!.topic)! : undefined;
      if (firstTopic) c.source = inFile(firstTopic.file);
      const range = firstTopic ? firstTopic.node.range : draft.at.node.range;
      if (draft.kind === "shared") c.accept(messages.sharedWithoutGroupId, range, {});
      else if (anonymous.includes(draft)) c.accept(messages.exclusiveConsumerWithoutGroupId, range, { topic: draft.topics[0]!.topic });
      else c.accept(messages.connectionWithoutGroupId, range, { name: draft.name });
    } else if (groupId !== undefined) {
      const other = groupIds.get(groupId);
      if (other) {
        c.source = inFile(draft.own.file ?? draft.at.file);
        const entry = other.kind === "shared" ? messages.groupIdOfShared : messages.groupIdOfConnection;
        c.accept(entry, groupIdAt!.range, { groupId, other: other.name }, {
          related: [{ message: "used here", file: other.own.file ?? other.at.file, range: other.own.values.get("groupId")!.range }],
        });
      }
      groupIds.set(groupId, draft);
    }
    unsupportedOnClient(c, draft, shared, values, inFile, reportedUnsupported);
    const session = values.get("sessionTimeoutMs") as number;
    const heartbeat = values.get("heartbeatIntervalMs") as number;
    if (heartbeat >= session) {
      const own = draft.own.values.get("heartbeatIntervalMs") ?? draft.own.values.get("sessionTimeoutMs");
      const at = own ?? shared.values.get("heartbeatIntervalMs") ?? shared.values.get("sessionTimeoutMs");
      c.source = inFile((own ? draft.own.file : shared.file) ?? draft.at.file);
      c.accept(messages.heartbeatNotBelowSession, at?.range ?? draft.at.node.range, { heartbeat, session });
    }
    const timingAt = (name: string) => {
      const own = draft.own.values.get(name);
      c.source = inFile((own ? draft.own.file : shared.file) ?? draft.at.file);
      return (own ?? shared.values.get(name))?.range ?? draft.at.node.range;
    };
    if (heartbeat < session && heartbeat * 3 > session) {
      const at = draft.own.values.has("heartbeatIntervalMs") || shared.values.has("heartbeatIntervalMs") ? timingAt("heartbeatIntervalMs") : timingAt("sessionTimeoutMs");
      c.accept(messages.heartbeatCloseToSession, at, { heartbeat, session, third: Math.floor(session / 3) });
    }
    if (session < 6_000 || session > 1_800_000) {
      c.accept(messages.sessionTimeoutOutsideBrokerBounds, timingAt("sessionTimeoutMs"), { session });
    }
    resolved.push({ name: draft.name, kind: draft.kind, declared: draft.kind === "exclusive" && !anonymous.includes(draft), settings: connectionSettingsModel(values, groupId ?? ""), topics: draft.topics, origins: settingOrigins(draft.kind === "shared" ? [["shared", draft.own]] : [["shared", inheritable(shared)], ["connection", draft.own]], "connection", draft.at.file) });
  }
  reportUnusedRegistries(c, registries, c.diagnostics.some((d) => d.code === messages.unknownRegistry.code));
  reportUnusedWriters(c, messageDecls, topics, sourceOf);

  const messageList = [...messageModels.values()];
  const { typeNames, namedTypes } = nameTypes(c, messageList);
  const firstNamespace = files.map((f) => f.ast.namespace?.text).find((n) => n !== undefined);
  const apiName = pascalCase(options.name ?? firstNamespace ?? path.basename(files[0]!.source.file, ".kef")) || "Kef";
  const model: Model = {
    sources: files.map((f) => f.source.file),
    namespace: firstNamespace,
    apiName,
    messages: messageList,
    typeNames,
    namedTypes,
    topics,
    connections: resolved,
    registries: [...registries.values()].flatMap((r) => (r.used && r.model ? [r.model] : [])),
  };
  const sharedAt = firstShared && { file: firstShared.source.file, range: firstShared.node.keyword };
  const locate = nameOrigins(files, { messages: messageDecls, topics: topicDecls, connections: connectionDecls, shared: sharedAt }, options.name !== undefined);
  checkNames(model, locate, (entry, at, args, extra) => c.accept(entry, at.range, args, { ...extra, file: at.file }));
  const hasErrors = c.diagnostics.some((d) => d.severity === "error");
  return { value: hasErrors ? undefined : model, diagnostics: c.diagnostics, sources: c.sources };
}

function resolveMessage(
  c: Checker,
  ref: Name | undefined,
  decls: ReadonlyMap<string, Located<MessageDecl>>,
  models: ReadonlyMap<string, MessageModel>,
): MessageModel | undefined {
  if (!ref) return undefined;
  if (!decls.has(ref.text)) {
    if (decls.size === 0) c.accept(messages.unknownMessageNoneDeclared, ref.range, { name: ref.text });
    else c.accept(messages.unknownMessage, ref.range, { name: ref.text }, { hint: didYouMean(ref.text, decls.keys()) });
    return undefined;
  }
  // A message whose schema failed is known but has no model; its own diagnostics say why.
  return models.get(ref.text);
}

/** Kafka's topic name rules: 1–249 characters from [a-zA-Z0-9._-], not "." or "..". */
export function kafkaTopicProblem(name: string): string | undefined {
  if (name.length === 0) return "it is empty";
  if (name.length > 249) return "it is longer than 249 characters";
  if (name === "." || name === "..") return "it cannot be '.' or '..'";
  const bad = name.match(/[^a-zA-Z0-9._-]/);
  if (bad) return `${JSON.stringify(bad[0])} is not allowed (only letters, digits, '.', '_' and '-')`;
  return undefined;
}
