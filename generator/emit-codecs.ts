// Emits codecs.ts:  export const orderCreatedCodec: kefgen.Codec<messages.OrderCreated> = kefgen.avroCodec({ ...schema });
import { VariableDeclarationKind } from "ts-morph";
import { codecSchema } from "./avro.js";
import { newFile, type Context } from "./context.js";
import { doc, jsDoc, jsonLiteral } from "./escape.js";
import { namedLookup } from "./emit-messages.js";

export function emitCodecs(ctx: Context): void {
  const file = newFile(ctx, "codecs.ts");
  file.addImportDeclaration({ namespaceImport: "kefgen", moduleSpecifier: ctx.options.runtimeImport });
  file.addImportDeclaration({ isTypeOnly: true, namespaceImport: "messages", moduleSpecifier: "./messages.js" });
  for (const m of ctx.model.messages) {
    file.addVariableStatement({
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      ...jsDoc(doc`Avro codec of {@link messages.${m.name}}, built once when this module loads.`),
      declarations: [
        {
          name: m.codecName,
          type: `kefgen.Codec<messages.${m.name}>`,
          // The schema is self-contained (it defines every named type it uses, also other messages' types).
          // It goes in as JSON text; the checker rejected "__proto__" keys, so the text is also a safe object literal.
          initializer: `kefgen.avroCodec<messages.${m.name}>(${jsonLiteral(codecSchema(m.schema, namedLookup(ctx)))})`,
        },
      ],
    });
  }
}
