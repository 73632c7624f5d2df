// `message Order from "order.v2.avsc" writers ["order.v1.avsc"]`: the other writer schemas whose single-object
// records a message's topics accept. Each is read like a message's schema file, must define every type it uses
// (the runtime builds it on its own), and must be readable as the message's type by Avro's resolution rules:
// a writer the reader cannot read would only fail later, record by record.
import type { MessageDecl, Range, StringLiteral } from "../grammar/ast.js";
import { codecSchema } from "./avro-codec-schema.js";
import { avroCodecModule } from "./avro-runtime.js";
import type { AvroNamed, AvroSchema } from "./avro-types.js";
import { compare } from "./compat.js";
import { messages, type MessageArgs, type MessageDef } from "./catalogue.js";
import type { MessageModel, MessageWriterModel, TopicModel } from "./model.js";

/** What reading writers needs of the checker. */
export interface WriterReporter {
  /** `extra.file`: the file the diagnostic points into, when not the one being checked. */
  accept<M extends MessageDef>(entry: M, range: Range, args: MessageArgs<M>, extra?: { file?: string }): void;
  schemaFromFile(pathLiteral: StringLiteral): AvroSchema | undefined;
}

/**
 * Reads the writer schemas of `decl` (already checked as `message`), reporting unreadable, incomplete and
 * incompatible ones. `pool` holds every named type of the project's messages (the reader's lookup).
 */
export function messageWriters(
  c: WriterReporter,
  decl: MessageDecl,
  message: MessageModel,
  pool: ReadonlyMap<string, AvroNamed>,
): MessageWriterModel[] | undefined {
  if (!decl.writers) return undefined;
  // A reader schema with errors (an unknown type, say) is reported where it is; comparing writers with it would
  // only repeat that, or meet a reference that was never linked (found by test/generator/fuzz.test.ts).
  if (!message.schema.complete || message.schema.refs.some((r) => !pool.has(r.fullName))) return undefined;
  const out: MessageWriterModel[] = [];
  for (const literal of decl.writers.files) {
    const schema = c.schemaFromFile(literal);
    if (!schema || !schema.complete) continue;
    const own = new Map(schema.named.map((t) => [t.fullName, t]));
    const missing = schema.refs.find((r) => !own.has(r.fullName));
    if (missing) {
      c.accept(messages.writerUsesUndefinedType, literal.range, { writer: literal.value, type: missing.fullName });
      continue;
    }
    const built = codecSchema(schema, (n) => own.get(n));
    try {
      avroCodecModule().avroType(built);
    } catch (error) {
      c.accept(messages.writerCannotBeBuilt, literal.range, {
        writer: literal.value,
        reason: (error as Error).message,
      });
      continue;
    }
    const problems = compare(
      { root: message.schema.root, lookup: (n) => pool.get(n), name: message.name },
      { root: schema.root, lookup: (n) => own.get(n), name: message.name },
    );
    if (problems.length > 0) {
      c.accept(messages.writerUnreadable, literal.range, {
        message: message.name,
        writer: literal.value,
        path: problems[0]!.path,
        reason: problems[0]!.reason,
      });
      continue;
    }
    out.push({ name: literal.value, codecSchema: built });
  }
  return out;
}

/** Warns about `writers` of a message that no single-object topic reads: they would have no effect. */
export function reportUnusedWriters(
  c: WriterReporter,
  decls: ReadonlyMap<string, { readonly node: MessageDecl; readonly file: string }>,
  topics: readonly Pick<TopicModel, "message" | "format">[],
): void {
  for (const [name, { node, file }] of decls) {
    if (!node.writers || topics.some((t) => t.message.name === name && t.format?.kind === "singleObject")) continue;
    c.accept(messages.writersWithoutEffect, node.writers.keyword, { name }, { file });
  }
}
