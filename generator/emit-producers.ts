// Emits producers.ts (only when some topic has a producer):
//   export interface ShopProducerTopics { readonly orderEvents: kefgen.TopicProducer<messages.OrderCreated, string> }
//   export function createShopProducers(kafka, options?): kefgen.Producers<ShopProducerTopics>
import { StructureKind, type StatementStructures } from "./ts-morph.js";
import { addFile, type Context } from "./context.js";
import { doc, jsDoc, propertyName, str } from "./escape.js";
import type { ProducerModel, TopicModel } from "./model.js";
import { apiNamesOf } from "./names.js";
import { valueTypeOf } from "./emit-lookups.js";

/** The value and key types of a topic's producer: what `send` takes. */
function producerTypes(topic: TopicModel): { readonly value: string; readonly key: string } {
  const value = `${valueTypeOf(topic)}${topic.tombstones ? " | null" : ""}`;
  const k = topic.key;
  const key = !k
    ? "Buffer | string"
    : k.kind === "string"
      ? "string"
      : k.kind === "bytes"
        ? "Buffer"
        : k.kind === "none"
          ? "never"
          : `messages.${k.message.name}`;
  return { value, key };
}

/** The encoder of a topic's values (`part: "value"`) or message keys (`part: "key"`), framed as the topic's format says. */
function encoder(topic: TopicModel, codecName: string, producer: ProducerModel, part: "value" | "key"): string {
  const codec = `codecs.${codecName}`;
  const f = topic.format;
  if (f?.kind === "confluent") {
    return `kefgen.confluentEncoder(${codec}, { registry: registries[${str(f.registry)}]!, topic: ${str(topic.topic)}, subjects: ${str(f.subjects)}, part: ${str(part)}, autoRegister: ${String(producer.autoRegister)} })`;
  }
  // A single-object topic's keys are bare Avro, as its consumer reads them (runtime/key-format.ts).
  if (f?.kind === "singleObject" && part === "value") return `kefgen.singleObjectEncoder(${codec})`;
  return `kefgen.avroEncoder(${codec})`;
}

function keyEncoder(topic: TopicModel, producer: ProducerModel): string | undefined {
  const k = topic.key;
  if (!k || k.kind === "bytes") return "kefgen.bytesKeyEncoder";
  if (k.kind === "string") return "kefgen.stringKeyEncoder";
  if (k.kind === "none") return undefined;
  return encoder(topic, k.message.codecName, producer, "key");
}

/**
 * The value encoder of a multi-type topic: each member's, as the topic's format says; under route = schema each
 * member's schema is registered (or looked up) under TopicRecordNameStrategy's subject, `<topic>-<full name>`.
 */
function routedEncoder(topic: TopicModel, producer: ProducerModel): string {
  const bySchema = topic.route?.kind === "schema";
  const f = topic.format;
  const members = topic.members!.map((m) => {
    const member =
      bySchema && f?.kind === "confluent"
        ? `kefgen.confluentEncoder(codecs.${m.message.codecName}, { registry: registries[${str(f.registry)}]!, topic: ${str(topic.topic)}, subjects: "topicRecord", part: "value", autoRegister: ${String(producer.autoRegister)} })`
        : encoder(topic, m.message.codecName, producer, "value");
    return `${str(m.type)}: ${member}`;
  });
  return `kefgen.routedEncoder(${str(topic.topic)}, { ${members.join(", ")} })`;
}

/** The producer's type in the topics interface: a header-routed topic's adds the header to each record. */
function producerType(topic: TopicModel): string {
  const { value, key } = producerTypes(topic);
  return `kefgen.${topic.route?.kind === "header" ? "RoutedTopicProducer" : "TopicProducer"}<${value}, ${key}>`;
}

function topicProducer(topic: TopicModel, producer: ProducerModel): string {
  const single = singleTypeProducer(topic, producer);
  const route = topic.route;
  return route?.kind === "header" ? `kefgen.routedProducer(${single}, ${str(route.header)})` : single;
}

function singleTypeProducer(topic: TopicModel, producer: ProducerModel): string {
  const { value, key } = producerTypes(topic);
  const keyed = keyEncoder(topic, producer);
  const settings = producer;
  return `runtime.topic<${value}, ${key}>({
    topic: ${str(topic.topic)},
    value: ${topic.members ? routedEncoder(topic, producer) : encoder(topic, topic.message.codecName, producer, "value")},${keyed ? `\n    key: ${keyed},` : ""}
    settings: { acks: ${str(settings.acks)}, idempotent: ${String(settings.idempotent)}, compression: ${str(settings.compression)}, maxInFlight: ${settings.maxInFlight} },
  })`;
}

export function emitProducers(ctx: Context): void {
  const { model } = ctx;
  const topics = model.topics.flatMap((t) => (t.producer ? [{ topic: t, producer: t.producer }] : []));
  if (topics.length === 0) return;
  const { createProducers, producerTopics } = apiNamesOf(model.apiName);
  const registryNames = new Set(
    topics.flatMap(({ topic }) => (topic.format?.kind === "confluent" ? [topic.format.registry] : [])),
  );
  const registries = model.registries.filter((r) => registryNames.has(r.name));
  const statements: StatementStructures[] = [
    { kind: StructureKind.ImportDeclaration, namespaceImport: "kefgen", moduleSpecifier: ctx.options.runtimeImport },
    { kind: StructureKind.ImportDeclaration, namespaceImport: "codecs", moduleSpecifier: "./codecs.js" },
    {
      kind: StructureKind.ImportDeclaration,
      isTypeOnly: true,
      namespaceImport: "messages",
      moduleSpecifier: "./messages.js",
    },
    {
      kind: StructureKind.Interface,
      name: producerTopics,
      isExported: true,
      ...jsDoc(
        doc`The typed producer of each topic that asks for one (\`producer { }\`, or \`produce = true\` in the shared block).`,
      ),
      properties: topics.map(({ topic }) => {
        return {
          name: propertyName(topic.handlerKey),
          isReadonly: true,
          type: producerType(topic),
          ...jsDoc(
            topic.members
              ? doc`Writes multi-type topic ${str(topic.topic)}: \`{ type, value }\` of ${topic.members.map((m) => doc`{@link messages.${m.message.name}}`).reduce((a, b) => doc`${a} | ${b}`)}${topic.route?.kind === "header" ? doc`, the type in header ${str(topic.route.header)}` : doc`, each with its type's schema`}.`
              : doc`Writes topic ${str(topic.topic)} ({@link messages.${topic.message.name}}).`,
          ),
        };
      }),
    },
    {
      kind: StructureKind.Function,
      name: createProducers,
      isExported: true,
      ...jsDoc(
        doc`Creates the producers of this declaration. \`kafka\` is \`{ brokers: [...] }\` or \`{ kafka: existingKafkaInstance }\`.
Call \`start()\` before sending and \`stop()\` to wait for what was sent and disconnect.`,
      ),
      parameters: [
        { name: "kafka", type: "kefgen.KafkaConnectionOptions" },
        { name: "options", type: "kefgen.ProducerRuntimeOptions", initializer: "{}" },
      ],
      returnType: `kefgen.Producers<${producerTopics}>`,
      statements: [
        ...(registries.length > 0
          ? [
              `const registries: Record<string, kefgen.SchemaRegistryClient> = { ${registries.map(ctx.lookups.registryClient).join(", ")} };`,
            ]
          : []),
        "const runtime = new kefgen.ProducerRuntime(kafka, options);",
        `return kefgen.producersOf(runtime, {\n${topics.map(({ topic, producer }) => `${propertyName(topic.handlerKey)}: ${topicProducer(topic, producer)},`).join("\n")}\n});`,
      ],
    },
  ];
  addFile(ctx, "producers.ts", statements);
}
