// `message Order from "order.v2.avsc" writers ["order.v1.avsc"]`: the other writer schemas whose single-object
// records a message's topics accept. Each is read like a message's schema file, must define every type it uses
// (the runtime builds it on its own), and must be readable as the message's type by Avro's resolution rules:
// a writer the reader cannot read would only fail later, record by record.
import type { MessageDecl, Range, StringLiteral } from "../grammar/ast.js";
import { avroType } from "../runtime/avro-codec.js";
import { codecSchema, type AvroNamed, type AvroSchema } from "./avro.js";
import { compare } from "./compat.js";
import type { DiagnosticCode } from "./diagnostics.js";
import type { MessageModel, MessageWriterModel, TopicModel } from "./model.js";

/** What reading writers needs of the checker. */
export interface WriterReporter {
  report(code: DiagnosticCode, range: Range, message: string, extra?: { hint?: string | undefined; file?: string; severity?: "error" | "warning" }): void;
  schemaFromFile(pathLiteral: StringLiteral): AvroSchema | undefined;
}

/**
 * Reads the writer schemas of `decl` (already checked as `message`), reporting unreadable, incomplete and
 * incompatible ones. `pool` holds every named type of the project's messages (the reader's lookup).
 */
export function messageWriters(c: WriterReporter, decl: MessageDecl, message: MessageModel, pool: ReadonlyMap<string, AvroNamed>): MessageWriterModel[] | undefined {
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
      c.report("KEF3011", literal.range, `writer schema "${literal.value}" uses type ${missing.fullName}, which it does not define`, {
        hint: "a writer schema is built on its own: define every named type it uses in it",
      });
      continue;
    }
    const built = codecSchema(schema, (n) => own.get(n));
    try {
      avroType(built);
    } catch (error) {
      c.report("KEF3011", literal.range, `writer schema "${literal.value}" cannot be built: ${(error as Error).message}`);
      continue;
    }
    const problems = compare(
      { root: message.schema.root, lookup: (n) => pool.get(n), name: message.name },
      { root: schema.root, lookup: (n) => own.get(n), name: message.name },
    );
    if (problems.length > 0) {
      c.report("KEF3010", literal.range, `message "${message.name}" cannot read records written with "${literal.value}": ${problems[0]!.path}: ${problems[0]!.reason}`, {
        hint: "Avro's resolution rules decide which writers a reader can read (docs/language.md, Evolution)",
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
    c.report("KEF2090", node.writers.keyword, `writers of message "${name}" have no effect: no topic reads it with format = singleObject`, {
      file,
      severity: "warning",
      hint: "only single-object records name their writer schema; add format = singleObject to its topic, or remove the writers",
    });
  }
}
