// The check stage: the bound declarations (bind.ts) → checked declarations, every user mistake a diagnostic.
//
//   load (load.ts) → bind (bind.ts) → check → resolve (resolve.ts)
//
// One check function per kind of declaration (its `$type`): checkMessage, checkConnection, checkTopic (registries:
// registries.ts), then the checks across declarations (topic names in Kafka's metrics, each connection's group and
// timing in check-connections.ts, unused declarations). Each reports through the stage's Reporter, into the file
// its declaration carries. What comes out is what the checks found valid: message schemas, settings layers,
// topics, the connections that read them; resolve.ts turns it into the Model.
import type { ConnectionDecl, MessageDecl, Name, TopicDecl } from "../grammar/ast.js";
import { keywords } from "../grammar/tokens.js";
import type { AvroNamed, AvroSchema } from "./avro-types.js";
import type { Bound, Declared } from "./bind.js";
import { messages, notes } from "./catalogue.js";
import { internalTopicProblem, metricNameCollisions } from "./check-literals.js";
import {
  checkSettings,
  inheritable,
  onlyBuffer,
  reportProblem,
  resolveConnectionSettings,
  unsupportedOnClient,
  type CheckedSettings,
  type Value,
} from "./check-settings.js";
import { didYouMean, related, type Result } from "./diagnostics.js";
import { topicFailure } from "./failure.js";
import { checkGroupId, checkTiming, type ConnectionDraft } from "./check-connections.js";
import { exactlyOnceOnConnection, topicExactlyOnce } from "./check-exactly-once.js";
import { SchemaReader, type CheckHost } from "./message-schemas.js";
import {
  camelCase,
  isReservedTypeName,
  type FailureModel,
  type MessageModel,
  type ProducerModel,
  type SettingOrigin,
  type TopicFormatModel,
} from "./model.js";
import { codecNameOf, handlerKeyOf, reservedHandlerKey } from "./names.js";
import type { SourceText } from "./parse.js";
import { topicProducer } from "./producer.js";
import {
  checkRegistry,
  reportUnusedRegistries,
  topicFormat,
  type CheckedRegistry,
  type LayeredValue,
} from "./registries.js";
import { Reporter, type FileReporter } from "./reporter.js";
import { settingsByName } from "./settings.js";
import { topicClauses, type TopicClauses } from "./topic-clauses.js";
import { topicProvisioning, type TopicProvisioningModel } from "./topic-config.js";
import { messageWriters, reportUnusedWriters, type WriterReporter } from "./writers.js";
import { checkRouteFormat, topicMembers, type TopicMembers } from "./multi-type.js";

export type { CheckHost } from "./message-schemas.js";

/** A settings layer of a topic, and where it comes from (for `kefgen plan`'s provenance). */
export type TopicLayer = readonly [SettingOrigin["from"], CheckedSettings];

/** A topic whose message and connection are known, checked: what resolve.ts makes its TopicModel from. */
export interface CheckedTopic {
  readonly declared: Declared<TopicDecl>;
  readonly handlerKey: string;
  readonly message: MessageModel;
  /** The name of the connection that reads it. */
  readonly connection: string;
  /** The layers of its buffer settings, weakest first (shared, its connection's, its own). */
  readonly bufferLayers: readonly TopicLayer[];
  readonly clauses: TopicClauses;
  /** Its members and route when it has several message types (generator/multi-type.ts). */
  readonly multiType: TopicMembers;
  readonly format: TopicFormatModel | undefined;
  readonly failure: FailureModel;
  readonly provisioning: TopicProvisioningModel | undefined;
  /** Its producer and the layers of the producer settings (shared, its producer block), when it has one. */
  readonly producer: { readonly model: ProducerModel; readonly layers: readonly TopicLayer[] } | undefined;
  /** Where `exactlyOnce = true` was decided for it; undefined when it is not exactly-once (check-exactly-once.ts). */
  readonly exactlyOnce: LayeredValue | undefined;
}

/** A connection that reads at least one topic, checked: its settings resolved (default → shared → its own). */
export interface CheckedConnection {
  readonly name: string;
  readonly kind: "shared" | "exclusive";
  readonly declared: boolean;
  readonly file: string;
  readonly own: CheckedSettings;
  readonly values: ReadonlyMap<string, Value>;
  readonly groupId: string;
  readonly topics: readonly CheckedTopic[];
}

/** What the check stage hands to resolve.ts. */
export interface Checked {
  readonly bound: Bound;
  /** The messages whose schema was read, by name, in declaration order. */
  readonly messages: ReadonlyMap<string, MessageModel>;
  /** The shared block's settings (empty without one). */
  readonly shared: CheckedSettings;
  /** The topics whose message and connection are known, in declaration order. */
  readonly topics: readonly CheckedTopic[];
  /** The connections that read topics: the shared one, then declared ones, then topics' own. */
  readonly connections: readonly CheckedConnection[];
  readonly registries: ReadonlyMap<string, CheckedRegistry>;
  /** The schema files' texts by displayed name (for code frames). */
  readonly sources: ReadonlyMap<string, string>;
}

/** The check stage's working state: its reporter and what the earlier checks found, for the later ones. */
interface Project {
  readonly c: Reporter;
  readonly bound: Bound;
  readonly messages: Map<string, MessageModel>;
  readonly shared: CheckedSettings;
  readonly sharedDraft: ConnectionDraft;
  readonly connections: Map<string, ConnectionDraft>;
  readonly anonymous: ConnectionDraft[];
  readonly registries: ReadonlyMap<string, CheckedRegistry>;
  readonly topics: CheckedTopic[];
}

export function check(bound: Bound, host: CheckHost): Result<Checked> {
  const c = new Reporter();
  const schemas = new SchemaReader(c, host);
  const sourceOf = new Map(bound.files.map((f) => [f.source.file, f.source]));
  const inFile = (file: string): SourceText => sourceOf.get(file)!;
  const writerReporter = (source: SourceText): WriterReporter => ({
    ...c.in(source),
    schemaFromFile: (literal) => schemas.fromFile(literal, source),
  });

  const messageModels = new Map<string, MessageModel>();
  for (const m of bound.messages.values()) {
    const model = checkMessage(c, schemas, m);
    if (model) messageModels.set(model.name, model);
  }
  // Writer schemas of single-object records (generator/writers.ts); the named types they may use, made only if one
  // message has writers.
  let pool: Map<string, AvroNamed> | undefined;
  for (const [name, m] of messageModels) {
    const declared = bound.messages.get(name)!;
    if (!declared.node.writers) continue;
    pool ??= new Map([...messageModels.values()].flatMap((m) => m.schema.named.map((t) => [t.fullName, t] as const)));
    const writers = messageWriters(writerReporter(declared.source), declared.node, m, pool);
    if (writers) messageModels.set(name, { ...m, writers });
  }

  const first = bound.files[0]!;
  const shared = bound.shared
    ? checkSettings(c.in(bound.shared.source), bound.shared.node.settings, "shared", "in the shared block")
    : { values: new Map() };
  const connections = new Map<string, ConnectionDraft>();
  for (const d of bound.connections.values())
    connections.set(d.node.name.text, checkConnection(c.in(d.source), d.node));
  const registries = new Map(
    [...bound.registries].map(([name, d]) => [name, checkRegistry(c.in(d.source), d.node)] as const),
  );

  const project: Project = {
    c,
    bound,
    messages: messageModels,
    shared,
    sharedDraft: {
      name: "shared",
      kind: "shared",
      declared: false,
      at: bound.shared
        ? { node: { range: bound.shared.node.keyword }, file: bound.shared.source.file }
        : { node: first.ast, file: first.source.file },
      own: shared,
      topics: [],
    },
    connections,
    anonymous: [],
    registries,
    topics: [],
  };
  const messageNames = new Set(bound.messages.keys()); // once, not per topic (that was topics × messages)
  for (const t of bound.topics.values()) checkTopic(project, t, messageNames);
  checkMetricNames(c, bound);

  // After an unknown connection name (a typo), "unused" would only repeat that error.
  const typo = c.diagnostics.some((d) => d.code === messages.unknownConnection.code);
  const checked: CheckedConnection[] = [];
  const groupIds = new Map<string, ConnectionDraft>();
  const reportedUnsupported = new Set<string>();
  for (const draft of [project.sharedDraft, ...connections.values(), ...project.anonymous]) {
    if (draft.topics.length === 0) {
      if (draft.declared && !typo)
        c.accept(messages.unusedConnection, draft.at.node.range, { name: draft.name }, { file: draft.at.file });
      continue;
    }
    const values = resolveConnectionSettings(draft.kind === "shared" ? [draft.own] : [inheritable(shared), draft.own]);
    const groupId = checkGroupId(c, draft, groupIds);
    unsupportedOnClient(c.in(inFile(draft.at.file)), draft, shared, values, reportedUnsupported);
    exactlyOnceOnConnection(
      c,
      values,
      draft.topics.map((t) => ({ name: t.declared.node.topic.value, exactlyOnce: t.exactlyOnce })),
      reportedUnsupported,
    );
    checkTiming(c, draft, shared, values);
    checked.push({
      name: draft.name,
      kind: draft.kind,
      declared: draft.declared,
      file: draft.at.file,
      own: draft.own,
      values,
      groupId: groupId ?? "",
      topics: draft.topics,
    });
  }
  reportUnusedRegistries(
    c,
    registries,
    c.diagnostics.some((d) => d.code === messages.unknownRegistry.code),
  );
  reportUnusedWriters(
    writerReporter(first.source),
    new Map([...bound.messages].map(([name, d]) => [name, { node: d.node, file: d.source.file }])),
    // Each member of a multi-type topic is read with the topic's format.
    project.topics.flatMap((t) => (t.multiType.members ?? [t]).map((m) => ({ message: m.message, format: t.format }))),
  );

  return {
    value: {
      bound,
      messages: messageModels,
      shared,
      topics: project.topics,
      connections: checked,
      registries,
      sources: schemas.sources,
    },
    diagnostics: c.diagnostics,
  };
}

// ---------------------------------------------------------------------------------------------
// Declarations

/** A message: its name, and its schema (the model is undefined when the schema has problems). */
function checkMessage(c: Reporter, schemas: SchemaReader, m: Declared<MessageDecl>): MessageModel | undefined {
  const name = m.node.name.text;
  const file = m.source.file;
  if (keywords.includes(name)) {
    c.accept(
      messages.keywordMessageName,
      m.node.name.range,
      { name, capitalized: `${name[0]!.toUpperCase()}${name.slice(1)}` },
      { file },
    );
  } else if (isReservedTypeName(name)) {
    c.accept(messages.reservedMessageName, m.node.name.range, { name }, { file });
  }
  const schema: AvroSchema | undefined = schemas.message(m);
  if (!schema) return undefined;
  return {
    name,
    fullName: m.namespace ? `${m.namespace}.${name}` : name,
    schema,
    codecName: codecNameOf(name),
    range: m.node.range,
  };
}

/** A named connection: its name and its settings. */
function checkConnection(r: FileReporter, decl: ConnectionDecl): ConnectionDraft {
  const name = decl.name.text;
  if (keywords.includes(name)) r.accept(messages.keywordConnectionName, decl.name.range, { name });
  return {
    name,
    kind: "exclusive",
    declared: true,
    at: { node: decl.name, file: r.source.file },
    own: checkSettings(r, decl.settings, "all", "on a connection"),
    topics: [],
  };
}

/** A topic: its name and handler, message, clauses, provisioning, consumer and producer blocks; adds it to its connection. */
function checkTopic(p: Project, t: Declared<TopicDecl>, messageNames: ReadonlySet<string>): void {
  const { c, shared } = p;
  const decl = t.node;
  const file = t.source.file;
  const r = c.in(t.source);
  const topicName = decl.topic.value;
  const topicProblem = kafkaTopicProblem(topicName);
  if (topicProblem) r.accept(messages.invalidTopicName, decl.topic.range, { name: topicName, problem: topicProblem });
  else reportProblem(r, internalTopicProblem(topicName), decl.topic.range);

  const handlerKey = handlerKeyOf(topicName, decl.alias?.text);
  const reserved = reservedHandlerKey(handlerKey);
  if (handlerKey.length === 0) {
    r.accept(messages.topicWithoutHandlerName, decl.topic.range, { name: topicName });
  } else if (reserved) {
    r.accept(messages.reservedHandlerName, (decl.alias ?? decl.topic).range, {
      key: handlerKey,
      reason: reserved,
      topic: topicName,
      suggestion: camelCase(handlerKey) || "someName",
    });
  }

  const message = resolveMessage(r, decl.message, p);
  const multiType = topicMembers(r, decl, message, (ref) => resolveMessage(r, ref, p));
  const clauses = topicClauses(r, decl, (ref) => resolveMessage(r, ref, p), messageNames);
  const provisioning = topicProvisioning(r, decl);
  const clause = decl.consumer;
  let draft: ConnectionDraft | undefined;
  let topicLayer: CheckedSettings;
  if (!clause || clause.$type === "SharedConsumer") {
    draft = p.sharedDraft;
    topicLayer = checkSettings(r, clause?.settings, "buffer", "on a topic of the shared connection");
  } else if (clause.$type === "ViaConsumer") {
    const name = clause.connection.text;
    draft = p.connections.get(name);
    if (!draft && name) {
      if (p.connections.size === 0) r.accept(messages.unknownConnectionNoneDeclared, clause.connection.range, { name });
      else
        r.accept(
          messages.unknownConnection,
          clause.connection.range,
          { name },
          { hint: didYouMean(name, p.connections.keys()) },
        );
    }
    topicLayer = checkSettings(r, clause.settings, "buffer", `on a topic of connection "${name}"`);
  } else {
    const own = checkSettings(r, clause.settings, "all", "on an exclusive consumer");
    const connectionOnly = new Map([...own.values].filter(([k]) => settingsByName.get(k)?.scope === "connection"));
    draft = {
      name: handlerKey,
      kind: "exclusive",
      declared: false,
      at: { node: decl.topic, file },
      own: { ...own, values: connectionOnly },
      topics: [],
    };
    topicLayer = onlyBuffer(own);
    p.anonymous.push(draft);
  }
  const producerLayer = decl.producer
    ? checkSettings(r, decl.producer.settings, "producer", "in a producer block")
    : { values: new Map() };
  if (!message || !draft || !multiType.valid) return;

  const formatLayers = draft.kind === "shared" ? [shared, topicLayer] : [shared, draft.own, topicLayer];
  const format = topicFormat(c, { name: topicName, range: decl.range, file }, formatLayers, p.registries);
  if (!checkRouteFormat(r, decl, multiType, format)) return;
  const failure = topicFailure(c, { name: topicName, range: decl.topic.range, file }, formatLayers);
  const producer = topicProducer(
    c,
    { name: topicName, range: decl.topic.range, file },
    [shared, producerLayer],
    decl.producer !== undefined,
  );
  const exactlyOnce = topicExactlyOnce(c, { name: topicName, file }, formatLayers);
  const topic: CheckedTopic = {
    declared: t,
    handlerKey,
    message,
    connection: draft.name,
    bufferLayers:
      draft.kind === "shared"
        ? [
            ["shared", onlyBuffer(shared)],
            ["topic", topicLayer],
          ]
        : [
            ["shared", onlyBuffer(inheritable(shared))],
            ["connection", onlyBuffer(draft.own)],
            ["topic", topicLayer],
          ],
    clauses,
    multiType,
    format,
    failure,
    provisioning,
    producer: producer && {
      model: producer,
      layers: [
        ["shared", shared],
        ["topic", producerLayer],
      ],
    },
    exactlyOnce,
  };
  draft.topics.push(topic);
  p.topics.push(topic);
}

/** A topic's (or key's) message type: the model, undefined when unknown (reported) or when its schema failed. */
function resolveMessage(r: FileReporter, ref: Name | undefined, p: Project): MessageModel | undefined {
  if (!ref) return undefined;
  if (!p.bound.messages.has(ref.text)) {
    if (p.bound.messages.size === 0) r.accept(messages.unknownMessageNoneDeclared, ref.range, { name: ref.text });
    else
      r.accept(
        messages.unknownMessage,
        ref.range,
        { name: ref.text },
        { hint: didYouMean(ref.text, p.bound.messages.keys()) },
      );
    return undefined;
  }
  // A message whose schema failed is known but has no model; its own diagnostics say why.
  return p.messages.get(ref.text);
}

// ---------------------------------------------------------------------------------------------
// Across declarations

/** Topics whose names Kafka's metrics would confuse ('.' and '_'). */
function checkMetricNames(c: Reporter, bound: Bound): void {
  const named = [...bound.topics.values()].map((t) => ({
    name: t.node.topic.value,
    file: t.source.file,
    range: t.node.topic.range,
  }));
  for (const { topic, first } of metricNameCollisions(named)) {
    c.accept(
      messages.metricNameCollision,
      topic.range,
      { name: topic.name, other: first.name },
      {
        file: topic.file,
        related: [related(notes.topicIsHere, { name: first.name }, first)],
      },
    );
  }
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
