// Emits consumers.ts:  export abstract class OrderEventsConsumer extends kefgen.TopicConsumer<messages.OrderCreated> { readonly topic = "order-events"; abstract handle(...) }
import { StructureKind, type StatementStructures } from "ts-morph";
import { addFile, type Context } from "./context.js";
import { doc, jsDoc, str, type DocText } from "./escape.js";
import type { TopicModel } from "./model.js";

/** Doc lines about what a handler may meet: tombstones (`null`) and the key's declared type. */
function recordShapeNotes(topic: TopicModel): DocText[] {
  const notes: DocText[] = [];
  if (topic.tombstones) notes.push(doc`\`message\` is \`null\` for a tombstone (a record without a value).`);
  const k = topic.key;
  if (k?.kind === "none") notes.push(doc`The topic declares \`key none\`: \`context.key\` is always \`null\`.`);
  else if (k) notes.push(doc`\`context.key\` is the record's key (\`key ${k.kind === "message" ? k.message.name : k.kind}\`), \`null\` when it has none.`);
  return notes;
}

/** Which connection consumes `topic`, for doc comments (the group id is user text, escaped). */
export function connectionLabel(ctx: Context, topic: TopicModel): DocText {
  const connection = ctx.model.connections.find((c) => c.name === topic.connection);
  if (!connection || connection.kind === "shared") return doc`the shared connection`;
  return connection.declared
    ? doc`exclusive connection ${connection.name} (group ${connection.settings.groupId})`
    : doc`its own exclusive connection (group ${connection.settings.groupId})`;
}

/**
 * The TypeScript types a topic's handler sees: its message (`| null` on a `tombstones` topic) and its key, or no
 * key type when the topic declares none (the runtime's default, the raw key: `Buffer | null`).
 */
function handlerTypes(topic: TopicModel): { readonly message: string; readonly key: string | undefined } {
  const message = `messages.${topic.message.name}${topic.tombstones ? " | null" : ""}`;
  const k = topic.key;
  const key = !k ? undefined : k.kind === "string" ? "string | null" : k.kind === "bytes" ? "Buffer | null" : k.kind === "none" ? "null" : `messages.${k.message.name} | null`;
  return { message, key };
}

/** `<T>` or `<T, K>`: the type arguments of a topic's TopicConsumer and MessageHandler. */
export function handlerTypeArguments(topic: TopicModel): string {
  const { message, key } = handlerTypes(topic);
  return key === undefined ? `<${message}>` : `<${message}, ${key}>`;
}

export function emitConsumers(ctx: Context): void {
  const statements: StatementStructures[] = [
    { kind: StructureKind.ImportDeclaration, namespaceImport: "kefgen", moduleSpecifier: ctx.options.runtimeImport },
    { kind: StructureKind.ImportDeclaration, isTypeOnly: true, namespaceImport: "messages", moduleSpecifier: "./messages.js" },
  ];
  for (const topic of ctx.model.topics) {
    const type = `messages.${topic.message.name}`;
    const { message, key } = handlerTypes(topic);
    statements.push({
      kind: StructureKind.Class,
      name: topic.className,
      isExported: true,
      isAbstract: true,
      extends: `kefgen.TopicConsumer${handlerTypeArguments(topic)}`,
      ...jsDoc(
        doc`Consumes topic ${str(topic.topic)}: {@link ${type}} records, on ${connectionLabel(ctx, topic)}.`,
        doc`Extend it, implement {@link ${topic.className}.handle}, and pass an instance as the \`${topic.handlerKey}\` handler.`,
      ),
      properties: [
        {
          name: "topic",
          isReadonly: true,
          hasOverrideKeyword: true,
          initializer: str(topic.topic),
          ...jsDoc(doc`The Kafka topic this consumer reads.`),
        },
      ],
      methods: [
        {
          name: "handle",
          isAbstract: true,
          hasOverrideKeyword: true,
          parameters: [
            { name: "message", type: message },
            { name: "context", type: key === undefined ? "kefgen.MessageContext" : `kefgen.MessageContext<${key}>` },
          ],
          returnType: "void | Promise<void>",
          ...jsDoc(
            doc`Handles one record. Records of a partition arrive in order, one at a time. The record's offset is\ncommitted only after this returns (or its promise resolves); if it throws, the record is retried.`,
            ...recordShapeNotes(topic),
          ),
        },
      ],
    });
  }
  addFile(ctx, "consumers.ts", statements);
}
