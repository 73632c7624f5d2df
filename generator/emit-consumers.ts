// Emits consumers.ts:  export abstract class OrderEventsConsumer extends kefgen.TopicConsumer<messages.OrderCreated> { readonly topic = "order-events"; abstract handle(...) }
import { StructureKind, type StatementStructures } from "ts-morph";
import { addFile, type Context } from "./context.js";
import { doc, jsDoc, str, type DocText } from "./escape.js";
import type { TopicModel } from "./model.js";

/** Which connection consumes `topic`, for doc comments (the group id is user text, escaped). */
export function connectionLabel(ctx: Context, topic: TopicModel): DocText {
  const connection = ctx.model.connections.find((c) => c.name === topic.connection);
  if (!connection || connection.kind === "shared") return doc`the shared connection`;
  return connection.declared
    ? doc`exclusive connection ${connection.name} (group ${connection.settings.groupId})`
    : doc`its own exclusive connection (group ${connection.settings.groupId})`;
}

export function emitConsumers(ctx: Context): void {
  const statements: StatementStructures[] = [
    { kind: StructureKind.ImportDeclaration, namespaceImport: "kefgen", moduleSpecifier: ctx.options.runtimeImport },
    { kind: StructureKind.ImportDeclaration, isTypeOnly: true, namespaceImport: "messages", moduleSpecifier: "./messages.js" },
  ];
  for (const topic of ctx.model.topics) {
    const type = `messages.${topic.message.name}`;
    statements.push({
      kind: StructureKind.Class,
      name: topic.className,
      isExported: true,
      isAbstract: true,
      extends: `kefgen.TopicConsumer<${type}>`,
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
            { name: "message", type },
            { name: "context", type: "kefgen.MessageContext" },
          ],
          returnType: "void | Promise<void>",
          ...jsDoc(
            doc`Handles one record. Records of a partition arrive in order, one at a time. The record's offset is\ncommitted only after this returns (or its promise resolves); if it throws, the record is retried.`,
          ),
        },
      ],
    });
  }
  addFile(ctx, "consumers.ts", statements);
}
