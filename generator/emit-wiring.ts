// Emits wiring.ts:  export interface ShopHandlers { orderEvents: OrderEventsConsumer | MessageHandler<OrderCreated>, shipments: ExactlyOnceHandler<Order> }
//                   export function shopConnections(handlers): kefgen.ConnectionSpec[]  (topics: [orderEventsBinding(handlers), ...])
//                   function orderEventsBinding(handlers) { return kefgen.bindTopic({ topic: "orders", ... }); }
//                   export function createShopConsumers(options, handlers): kefgen.ConsumerRuntime
//                   export const shopDeadLetters = { orderEvents: (handler, buffer?) => kefgen.bindDeadLetters(...) }
import { StructureKind, VariableDeclarationKind, type StatementStructures } from "./ts-morph.js";
import { addFile, type Context } from "./context.js";
import { doc, jsDoc, jsonCodeLiteral, propertyName, str, type DocText } from "./escape.js";
import type { ConnectionModel, TopicModel } from "./model.js";
import { apiNamesOf } from "./names.js";
import { valueTypeOf } from "./emit-lookups.js";

function literal(value: Record<string, string | number | boolean | undefined>): string {
  return `{ ${Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${propertyName(k)}: ${typeof v === "string" ? str(v) : String(v)}`)
    .join(", ")} }`;
}

/** How a topic's keys are read (runtime/key-format.ts), or "" for the raw key. A message key is framed like the value. */
function keyFormat(topic: TopicModel): string {
  const k = topic.key;
  if (!k) return "";
  if (k.kind !== "message")
    return `\n    key: kefgen.${k.kind === "string" ? "stringKey" : k.kind === "bytes" ? "bytesKey" : "noKey"},`;
  const f = topic.format;
  const codec = `codecs.${k.message.codecName}`;
  // A single-object topic's keys are bare Avro: the encoding is defined for values with known writers.
  return f?.kind === "confluent"
    ? `\n    key: kefgen.confluentFormat(${codec}, { registry: registries[${str(f.registry)}]!, topic: ${str(topic.topic)}, subjects: ${str(f.subjects)}, part: "key" }),`
    : `\n    key: kefgen.avroKey(${codec}),`;
}

/**
 * A multi-type topic's members (`{ type, codec, format? }`, runtime/routed-format.ts): each framed as the topic's format
 * says when the route is a header; under route = schema the route frames them itself.
 */
function routedMembers(topic: TopicModel, framed: boolean): string {
  const f = topic.format;
  return `[${topic
    .members!.map((m) => {
      const codec = `codecs.${m.message.codecName}`;
      const writers = (m.message.writers ?? []).map(
        (w) => `{ name: ${str(w.name)}, schema: ${jsonCodeLiteral(w.codecSchema)} }`,
      );
      const format =
        !framed || !f
          ? ""
          : f.kind === "confluent"
            ? `, format: kefgen.confluentFormat(${codec}, { registry: registries[${str(f.registry)}]!, topic: ${str(topic.topic)}, subjects: ${str(f.subjects)} })`
            : `, format: kefgen.singleObjectFormat(${codec}, { topic: ${str(topic.topic)}${writers.length ? `, writers: [${writers.join(", ")}]` : ""} })`;
      return `{ type: ${str(m.type)}, codec: ${codec}${format} }`;
    })
    .join(", ")}]`;
}

/** How a multi-type topic's records are decoded: its route over its members, and a codec of the union (encoding only). */
function routedBinding(topic: TopicModel): { codec: string; format: string } {
  const route = topic.route!;
  const f = topic.format;
  const format =
    route.kind === "schema" && f?.kind === "confluent"
      ? `kefgen.schemaRoute({ registry: registries[${str(f.registry)}]!, topic: ${str(topic.topic)}, members: ${routedMembers(topic, false)} })`
      : `kefgen.headerRoute({ topic: ${str(topic.topic)}, header: ${str(route.kind === "header" ? route.header : "$type")}, members: ${routedMembers(topic, true)} })`;
  return { codec: `kefgen.routedCodec(${str(topic.topic)}, ${routedMembers(topic, false)})`, format };
}

/** A multi-type topic's handler: a function of the union, or one per member (`{ OrderCreated: … }`), see routeHandlers. */
function routedHandler(topic: TopicModel): string {
  const names = topic.members!.map((m) => `${str(m.type)}: ${str(m.message.name)}`).join(", ");
  return `kefgen.routeHandlers(handlers.${topic.handlerKey}, { ${names} })`;
}

/** Whether a topic's handler may be one function per member (not with tombstones, which have no member, nor exactly-once). */
function takesMemberHandlers(topic: TopicModel): boolean {
  return topic.members !== undefined && !topic.tombstones && !topic.exactlyOnce;
}

/** A binding's buffer, failure policy, provisioning and exactly-once fields, the same for one type or several. */
function policyFields(topic: TopicModel): string {
  return `buffer: ${literal({ ...topic.buffer })},
    failure: ${literal({ ...topic.failure })},${topic.provisioning ? `\n    provisioning: ${jsonCodeLiteral(topic.provisioning)},` : ""}${topic.exactlyOnce ? `\n    exactlyOnce: true,\n    transaction: ${literal({ ...topic.transaction })},` : ""}`;
}

/**
 * How a one-type topic's values are framed, or undefined for bare Avro (read by its codec alone).
 * Confluent framing: the writer schema of each record comes from the topic's registry (see runtime/confluent-format.ts).
 * Single-object encoding: the writer schema of each record is the message's own or one of its `writers`, by fingerprint.
 */
function singleTypeFormat(topic: TopicModel): string | undefined {
  const f = topic.format;
  if (!f) return undefined;
  const writers = (topic.message.writers ?? []).map(
    (w) => `{ name: ${str(w.name)}, schema: ${jsonCodeLiteral(w.codecSchema)} }`,
  );
  return f.kind === "confluent"
    ? `kefgen.confluentFormat(codecs.${topic.message.codecName}, { registry: registries[${str(f.registry)}]!, topic: ${str(topic.topic)}, subjects: ${str(f.subjects)} })`
    : `kefgen.singleObjectFormat(codecs.${topic.message.codecName}, { topic: ${str(topic.topic)}${writers.length ? `, writers: [${writers.join(", ")}]` : ""} })`;
}

/** A topic's codec and value format as its binding takes them: the message's, or a multi-type topic's route. */
function valueReading(topic: TopicModel): { codec: string; format: string | undefined } {
  return topic.members
    ? routedBinding(topic)
    : { codec: `codecs.${topic.message.codecName}`, format: singleTypeFormat(topic) };
}

function topicBinding(ctx: Context, topic: TopicModel): string {
  if (topic.members) return multiTypeBinding(ctx, topic);
  const format = singleTypeFormat(topic);
  // With a key type or tombstones the handler's types are not the defaults: say them, so the binding is checked against them.
  const typeArguments = topic.key || topic.tombstones ? ctx.lookups.handlerTypes(topic).typeArguments : "";
  return `kefgen.bindTopic${typeArguments}({
    topic: ${str(topic.topic)},
    messageType: ${str(topic.message.fullName)},
    codec: codecs.${topic.message.codecName},${format === undefined ? "" : `\n    format: ${format},`}${keyFormat(topic)}${topic.tombstones ? "\n    tombstones: true," : ""}
    ${policyFields(topic)}
    handler: handlers.${topic.handlerKey},
  })`;
}

/** The function a topic's binding is made by: `<handler key>Binding` (handler keys are unique identifiers). */
function bindingFunction(topic: TopicModel): string {
  return `${topic.handlerKey}Binding`;
}

/** Whether a topic's binding reads the registry clients: its records are Confluent-framed (values, and message keys). */
function usesRegistries(topic: TopicModel): boolean {
  return topic.format?.kind === "confluent";
}

/** The binding of a multi-type topic: as topicBinding's, decoded by its route (kept apart so single-type output is unchanged). */
function multiTypeBinding(ctx: Context, topic: TopicModel): string {
  const { codec, format } = routedBinding(topic);
  return `kefgen.bindTopic${ctx.lookups.handlerTypes(topic).typeArguments}({
    topic: ${str(topic.topic)},
    messageType: ${str(topic.members!.map((m) => m.type).join(" | "))},
    codec: ${codec},
    format: ${format},${keyFormat(topic)}${topic.tombstones ? "\n    tombstones: true," : ""}
    ${policyFields(topic)}
    handler: ${takesMemberHandlers(topic) ? routedHandler(topic) : `handlers.${topic.handlerKey}`},
  })`;
}

/** `kefgen.MemberHandlers<{ OrderCreated: messages.OrderCreated; … }, K>`: one handler per member of a multi-type topic. */
function memberHandlersType(ctx: Context, topic: TopicModel): string {
  const { key } = ctx.lookups.handlerTypes(topic);
  const map = `{ ${topic.members!.map((m) => `${m.message.name}: messages.${m.message.name}`).join("; ")} }`;
  return `kefgen.MemberHandlers<${map}${key === undefined ? "" : `, ${key}`}>`;
}

/** `{@link messages.A}`, or for a multi-type topic each member's, for doc comments. */
function messageLinks(topic: TopicModel): DocText {
  return (topic.members?.map((m) => m.message) ?? [topic.message])
    .map((m) => doc`{@link messages.${m.name}}`)
    .reduce((a, b) => doc`${a} | ${b}`);
}

function connectionSpec(connection: ConnectionModel): string {
  return `{
    name: ${str(connection.name)},
    kind: ${str(connection.kind)},
    settings: ${literal({ ...connection.settings })},
    topics: [\n${connection.topics.map((t) => `${bindingFunction(t)}(handlers${usesRegistries(t) ? ", registries" : ""})`).join(",\n")}],
  }`;
}

export function emitWiring(ctx: Context): void {
  const { model } = ctx;
  const {
    handlers: handlersName,
    connections: connectionsName,
    create: createName,
    deadLetters: deadLettersName,
  } = apiNamesOf(model.apiName);
  const statements: StatementStructures[] = [
    { kind: StructureKind.ImportDeclaration, namespaceImport: "kefgen", moduleSpecifier: ctx.options.runtimeImport },
    { kind: StructureKind.ImportDeclaration, namespaceImport: "codecs", moduleSpecifier: "./codecs.js" },
    {
      kind: StructureKind.ImportDeclaration,
      isTypeOnly: true,
      namespaceImport: "consumers",
      moduleSpecifier: "./consumers.js",
    },
    {
      kind: StructureKind.ImportDeclaration,
      isTypeOnly: true,
      namespaceImport: "messages",
      moduleSpecifier: "./messages.js",
    },
  ];

  statements.push({
    kind: StructureKind.Interface,
    name: handlersName,
    isExported: true,
    ...jsDoc(
      doc`One handler per topic: an instance of the topic's consumer class, or a function.\nA missing handler, or one for another message type, is a compile error.`,
    ),
    properties: model.topics.map((t) => ({
      name: propertyName(t.handlerKey),
      isReadonly: true,
      // An exactly-once topic's handler returns the records to produce; one that returns nothing does not compile.
      type: t.exactlyOnce
        ? `kefgen.ExactlyOnceHandler${ctx.lookups.handlerTypes(t).typeArguments}`
        : `consumers.${t.className} | kefgen.MessageHandler${ctx.lookups.handlerTypes(t).typeArguments}${takesMemberHandlers(t) ? ` | ${memberHandlersType(ctx, t)}` : ""}`,
      ...jsDoc(
        doc`Topic ${str(t.topic)} (${messageLinks(t)}), on ${ctx.lookups.connectionLabel(t)}.`,
        ...(takesMemberHandlers(t)
          ? [
              doc`Several message types: one handler of \`{ type, value }\` (\`type\` the record's full Avro name), or one handler per type.`,
            ]
          : []),
        ...(t.exactlyOnce
          ? [
              doc`Exactly-once: a function returning the records to produce (a generated producer's \`record(value, { key })\`); they are written\nin one transaction with the record's offset.`,
            ]
          : []),
      ),
    })),
  });

  // One client per registry, shared by its topics: each writer schema is fetched once. Secrets are read from
  // the environment here, when the consumers are created.
  const registries = model.registries.length > 0;
  statements.push({
    kind: StructureKind.Function,
    name: connectionsName,
    isExported: true,
    ...jsDoc(doc`The connections of this declaration, every setting resolved, bound to \`handlers\`.`),
    parameters: [{ name: "handlers", type: handlersName }],
    returnType: "kefgen.ConnectionSpec[]",
    statements: [
      ...(registries
        ? [
            `const registries: Record<string, kefgen.SchemaRegistryClient> = { ${model.registries.map(ctx.lookups.registryClient).join(", ")} };`,
          ]
        : []),
      // Line breaks after "[": an array whose first element starts on a new line is laid out one element per line.
      `return [\n${model.connections.map(connectionSpec).join(",\n")}];`,
    ],
  });
  // Each topic's binding is a function of its own, so that a change to one topic re-formats that function and the
  // short list above, not every binding (kefgen build --watch; generator/format.ts caches by statement).
  for (const topic of model.connections.flatMap((c) => c.topics))
    statements.push({
      kind: StructureKind.Function,
      name: bindingFunction(topic),
      ...jsDoc(doc`Topic ${str(topic.topic)}: how its records are read and handled.`),
      parameters: [
        { name: "handlers", type: handlersName },
        ...(usesRegistries(topic) ? [{ name: "registries", type: "Record<string, kefgen.SchemaRegistryClient>" }] : []),
      ],
      statements: [`return ${topicBinding(ctx, topic)};`],
    });

  statements.push({
    kind: StructureKind.Function,
    name: createName,
    isExported: true,
    ...jsDoc(
      doc`Creates the consumers of this declaration: one Kafka consumer per connection.
\`kafka\` is \`{ brokers: [...] }\` or \`{ kafka: existingKafkaInstance }\`.
Call \`start()\` to begin consuming and \`stop()\` to drain, commit and leave the groups.`,
    ),
    parameters: [
      { name: "kafka", type: "kefgen.KafkaConnectionOptions" },
      { name: "handlers", type: handlersName },
      { name: "options", type: "kefgen.ConsumerRuntimeOptions", initializer: "{}" },
    ],
    returnType: "kefgen.ConsumerRuntime",
    statements: [`return new kefgen.ConsumerRuntime(${connectionsName}(handlers), kafka, options);`],
  });
  // Typed readers of the dead-letter topics: only when some topic has one.
  const withDeadLetters = model.topics.filter((t) => t.failure.deadLetter !== undefined);
  if (withDeadLetters.length > 0) {
    statements.push({
      kind: StructureKind.VariableStatement,
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      ...jsDoc(
        doc`Readers of the dead-letter topics, one per topic that has one: each returns a binding of the dead-letter topic
whose handler gets {@link kefgen.DeadLetter} envelopes (origin, error, attempts, and the value decoded as the topic's
handler gets it — \`{ type, value }\` on a topic of several types — or its raw bytes and why it could not be). Put it in
a connection of your own (its own group id) to consume the dead letters.`,
      ),
      declarations: [
        {
          name: deadLettersName,
          initializer: `{\n${withDeadLetters.map((t) => `${propertyName(t.handlerKey)}: ${deadLetterReader(ctx, t)},`).join("\n")}\n}`,
        },
      ],
    });
  }
  addFile(ctx, "wiring.ts", statements);
}

/**
 * A topic's dead-letter reader: `(handler, buffer?) => kefgen.bindDeadLetters(…)`, reading each letter's value with the
 * topic's codec and format (its route, on a topic of several types). A Confluent-framed topic's reader makes its own
 * registry client, as the connections do.
 */
function deadLetterReader(ctx: Context, topic: TopicModel): string {
  const { codec, format } = valueReading(topic);
  const parameters = `handler: (letter: kefgen.DeadLetter<${valueTypeOf(topic)}>, context: kefgen.MessageContext) => void | Promise<void>, buffer: kefgen.BufferSettings = { maxBufferedMessages: 100, backpressure: "ApplyBackpressure" }`;
  const bind = `kefgen.bindDeadLetters({ topic: ${str(topic.failure.deadLetter!)}, originalTopic: ${str(topic.topic)}, codec: ${codec},${format === undefined ? "" : ` format: ${format},`} buffer, handler })`;
  const head = `(${parameters}): kefgen.DeadLetterBinding<${valueTypeOf(topic)}> =>`;
  const registry = topic.format?.kind === "confluent" ? topic.format.registry : undefined;
  if (registry === undefined) return `${head}\n  ${bind}`;
  const client = ctx.lookups.registryClient(ctx.model.registries.find((r) => r.name === registry)!);
  return `${head} {\n  const registries: Record<string, kefgen.SchemaRegistryClient> = { ${client} };\n  return ${bind};\n}`;
}

export function emitIndex(ctx: Context): void {
  addFile(
    ctx,
    "index.ts",
    [
      "./messages.js",
      "./codecs.js",
      "./consumers.js",
      "./wiring.js",
      ...(ctx.model.topics.some((t) => t.producer) ? ["./producers.js"] : []),
    ].map((m) => ({
      kind: StructureKind.ExportDeclaration,
      moduleSpecifier: m,
    })),
  );
}
