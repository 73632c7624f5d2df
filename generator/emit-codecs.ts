// Emits codecs.ts:  export const orderCreatedCodec: kefgen.Codec<messages.OrderCreated> = kefgen.avroCodec({ ...schema });
import { StructureKind, VariableDeclarationKind, type StatementStructures } from "./ts-morph.js";
import { codecSchema } from "./avro-codec-schema.js";
import { addFile, type Context } from "./context.js";
import { doc, jsDoc, jsonCodeLiteral } from "./escape.js";

export function emitCodecs(ctx: Context): void {
  const statements: StatementStructures[] = [
    { kind: StructureKind.ImportDeclaration, namespaceImport: "kefgen", moduleSpecifier: ctx.options.runtimeImport },
    {
      kind: StructureKind.ImportDeclaration,
      isTypeOnly: true,
      namespaceImport: "messages",
      moduleSpecifier: "./messages.js",
    },
  ];
  for (const m of ctx.model.messages) {
    statements.push({
      kind: StructureKind.VariableStatement,
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      ...jsDoc(doc`Avro codec of {@link messages.${m.name}}, built once when this module loads.`),
      declarations: [
        {
          name: m.codecName,
          type: `kefgen.Codec<messages.${m.name}>`,
          // The schema is self-contained (it defines every named type it uses, also other messages' types).
          // It goes in as JSON text; the checker rejected "__proto__" keys, so the text is also a safe object literal.
          // avroCodec's type argument is inferred from the declared type (it only types the result), which keeps
          // the first line within the formatter's width for longer names.
          initializer: `kefgen.avroCodec(${jsonCodeLiteral(codecSchema(m.schema, ctx.lookups.namedType))})`,
        },
      ],
    });
  }
  addFile(ctx, "codecs.ts", statements);
}
