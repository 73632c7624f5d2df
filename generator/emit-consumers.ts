// Emits consumers.ts:  export abstract class OrderEventsConsumer extends kefgen.TopicConsumer<messages.OrderCreated> { readonly topic = "order-events"; abstract handle(...) }
//                      (none for an exactly-once topic, whose handler is a function returning records)
import { StructureKind, type StatementStructures } from "./ts-morph.js";
import { addFile, type Context } from "./context.js";
import { doc, jsDoc, str, type DocText } from "./escape.js";
import type { TopicModel } from "./model.js";

/** Doc lines about what a handler may meet: tombstones (`null`) and the key's declared type. */
function recordShapeNotes(topic: TopicModel): DocText[] {
  const notes: DocText[] = [];
  if (topic.tombstones) notes.push(doc`\`message\` is \`null\` for a tombstone (a record without a value).`);
  const k = topic.key;
  if (k?.kind === "none") notes.push(doc`The topic declares \`key none\`: \`context.key\` is always \`null\`.`);
  else if (k)
    notes.push(
      doc`\`context.key\` is the record's key (\`key ${k.kind === "message" ? k.message.name : k.kind}\`), \`null\` when it has none.`,
    );
  return notes;
}

export function emitConsumers(ctx: Context): void {
  const statements: StatementStructures[] = [
    { kind: StructureKind.ImportDeclaration, namespaceImport: "kefgen", moduleSpecifier: ctx.options.runtimeImport },
    {
      kind: StructureKind.ImportDeclaration,
      isTypeOnly: true,
      namespaceImport: "messages",
      moduleSpecifier: "./messages.js",
    },
  ];
  // An exactly-once topic's handler returns records, which TopicConsumer.handle cannot: it takes a function only.
  for (const topic of ctx.model.topics.filter((t) => !t.exactlyOnce)) {
    const type = `messages.${topic.message.name}`;
    const { message, key, typeArguments } = ctx.lookups.handlerTypes(topic);
    statements.push({
      kind: StructureKind.Class,
      name: topic.className,
      isExported: true,
      isAbstract: true,
      extends: `kefgen.TopicConsumer${typeArguments}`,
      ...jsDoc(
        topic.members
          ? doc`Consumes multi-type topic ${str(topic.topic)}: \`{ type, value }\` records of ${topic.members.map((m) => doc`{@link messages.${m.message.name}}`).reduce((a, b) => doc`${a} | ${b}`)}, on ${ctx.lookups.connectionLabel(topic)}.`
          : doc`Consumes topic ${str(topic.topic)}: {@link ${type}} records, on ${ctx.lookups.connectionLabel(topic)}.`,
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
