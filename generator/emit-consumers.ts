// Emits consumers.ts:  export abstract class OrderEventsConsumer extends kefgen.TopicConsumer<messages.OrderCreated> { readonly topic = "order-events"; abstract handle(...) }
import { docText, newFile, str, type Context } from "./context.js";
import type { TopicModel } from "./model.js";

export function connectionLabel(ctx: Context, topic: TopicModel): string {
  const connection = ctx.model.connections.find((c) => c.name === topic.connection);
  if (!connection || connection.kind === "shared") return "the shared connection";
  return connection.declared
    ? `exclusive connection ${connection.name} (group ${connection.settings.groupId})`
    : `its own exclusive connection (group ${connection.settings.groupId})`;
}

export function emitConsumers(ctx: Context): void {
  const file = newFile(ctx, "consumers.ts");
  file.addImportDeclaration({ namespaceImport: "kefgen", moduleSpecifier: ctx.options.runtimeImport });
  file.addImportDeclaration({ isTypeOnly: true, namespaceImport: "messages", moduleSpecifier: "./messages.js" });
  for (const topic of ctx.model.topics) {
    const type = `messages.${topic.message.name}`;
    file.addClass({
      name: topic.className,
      isExported: true,
      isAbstract: true,
      extends: `kefgen.TopicConsumer<${type}>`,
      docs: [
        docText(
          `Consumes topic ${str(topic.topic)}: {@link ${type}} records, on ${connectionLabel(ctx, topic)}.\n\n` +
            `Extend it, implement {@link ${topic.className}.handle}, and pass an instance as the \`${topic.handlerKey}\` handler.`,
        ),
      ],
      properties: [
        {
          name: "topic",
          isReadonly: true,
          hasOverrideKeyword: true,
          initializer: str(topic.topic),
          docs: ["The Kafka topic this consumer reads."],
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
          docs: [
            "Handles one record. Records of a partition arrive in order, one at a time. The record's offset is\n" +
              "committed only after this returns (or its promise resolves); if it throws, the record is retried.",
          ],
        },
      ],
    });
  }
}
