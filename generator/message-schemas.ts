// The schema of a `message` declaration: inline JSON, or a schema file (`"types.avsc"`, `"types.avsc#com.acme.Order"`)
// read through the check host once however many messages take a type from it. Part of the check stage (check.ts).
import path from "node:path";
import type { JsonValue, MessageDecl, Range, StringLiteral } from "../grammar/ast.js";
import { readSchema } from "./avro-read.js";
import type { AvroSchema } from "./avro-types.js";
import type { Declared } from "./bind.js";
import { messages } from "./catalogue.js";
import { jsonNumberProblems } from "./check-literals.js";
import { reportProblem } from "./check-settings.js";
import type { Diagnostic } from "./diagnostics.js";
import { describeFileProblem, type FileRefusal } from "./files.js";
import { parseJsonDocument, type SourceText } from "./parse.js";
import { Reporter } from "./reporter.js";
import { countJsonNodes, countJsonValues, maxSchemaValues, schemaTooLarge } from "./schema-limits.js";

/** How the checker reaches the file system (schema files); tests may supply their own. */
export interface CheckHost {
  /** Returns the file's text, `undefined` when it does not exist, or why it was not read (see files.ts). */
  readFile(absolutePath: string): string | undefined | FileRefusal;
  /** How a path is shown in diagnostics. */
  displayPath(absolutePath: string): string;
}

/** A schema file as read: its parsed JSON (undefined after syntax errors), or why it could not be read. */
type SchemaFile = { readonly display: string } & ({ readonly json: JsonValue | undefined } | { readonly missing: true } | { readonly error: string } | FileRefusal | { readonly tooLarge: true });

/** What reading an inline schema found: problems of its JSON (reported one by one), then what `readSchema` gave. */
interface InlineRead {
  readonly file: string;
  readonly message: string;
  readonly reported: readonly Diagnostic[];
  readonly read: { readonly schema: AvroSchema | undefined; readonly diagnostics: readonly Diagnostic[] };
}

/**
 * Inline schemas as read, by their JSON's AST node. The parser keeps a declaration's AST, the same objects, while its
 * text and place do not change (grammar/incremental.ts; a moved one gets new objects, with its new ranges), so the
 * next `analyse()` in the process (the language server, `--watch`) reuses the read schema and its diagnostics of
 * every message not edited. What is read depends only on the JSON, the message's name and the file's displayed name,
 * all checked here; the results are never changed once made (avro-types.ts is read-only). A weak map: an AST the
 * parser dropped takes its entry along.
 */
const inlineReads = new WeakMap<JsonValue, InlineRead>();

/** Reads an inline schema as `SchemaReader.message` reports it. */
function readInline(json: JsonValue, message: string, source: SourceText): InlineRead {
  const own = new Reporter();
  const r = own.in(source);
  if (countJsonNodes(json) > maxSchemaValues) {
    const problem = schemaTooLarge(`the schema of message "${message}"`);
    r.report(problem.code, json.range, problem.message, { hint: problem.hint });
    return { file: source.file, message, reported: own.diagnostics, read: { schema: undefined, diagnostics: [] } };
  }
  for (const { range, problem } of jsonNumberProblems(json)) reportProblem(r, problem, range);
  return { file: source.file, message, reported: own.diagnostics, read: readSchema({ file: source.file, json, namespace: undefined }) };
}

/** Reads the schemas of one project's messages; remembers each schema file it read. */
export class SchemaReader {
  /** The schema files' texts by displayed name, for code frames. */
  readonly sources = new Map<string, string>();
  private readonly files = new Map<string, SchemaFile>();

  constructor(
    private readonly c: Reporter,
    private readonly host: CheckHost,
  ) {}

  /** The message's schema, or undefined when it has none or it has problems (reported). */
  message({ node: decl, source }: Declared<MessageDecl>): AvroSchema | undefined {
    const schema = decl.schema;
    if (!schema) return undefined;
    if (schema.$type === "InlineSchema") {
      let read = inlineReads.get(schema.json);
      if (read?.file !== source.file || read.message !== decl.name.text) inlineReads.set(schema.json, (read = readInline(schema.json, decl.name.text, source)));
      for (const d of read.reported) this.c.add(d);
      return this.avro(read.read);
    }
    return this.fromFile(schema.path, source);
  }

  /** Reads the schema a path literal in `source` names, e.g. "types.avsc#com.acme.Order"; reports its problems. */
  fromFile(literal: StringLiteral, source: SourceText): AvroSchema | undefined {
    // "types.avsc#com.acme.Order": the named type com.acme.Order of types.avsc is the message's type.
    const hash = literal.value.lastIndexOf("#");
    const filePath = hash >= 0 ? literal.value.slice(0, hash) : literal.value;
    const select = hash >= 0 ? { name: literal.value.slice(hash + 1), file: source.file, range: literal.range } : undefined;
    const absolute = path.resolve(path.dirname(source.absolutePath), filePath);
    const file = this.read(absolute);
    if ("refused" in file) return this.refuse(describeFileProblem(file.refused, `schema file "${filePath}"`, this.host.displayPath), literal.range, source.file);
    if ("tooLarge" in file) return this.refuse(schemaTooLarge(`schema file "${filePath}"`), literal.range, source.file);
    if ("error" in file) {
      this.c.accept(messages.cannotReadSchemaFile, literal.range, { path: filePath, reason: file.error }, { file: source.file });
      return undefined;
    }
    if ("missing" in file) {
      this.c.accept(messages.schemaFileNotFound, literal.range, { path: filePath, shown: file.display }, { file: source.file });
      return undefined;
    }
    if (!file.json) return undefined; // its syntax errors were reported when it was first read
    return this.avro(readSchema({ file: file.display, json: file.json, namespace: undefined, ...(select ? { select } : {}) }));
  }

  /** Reads and parses a schema file once, however many messages take a type from it. */
  private read(absolute: string): SchemaFile {
    const cached = this.files.get(absolute);
    if (cached) return cached;
    const display = this.host.displayPath(absolute);
    let file: SchemaFile;
    try {
      const text = this.host.readFile(absolute);
      if (text === undefined || (typeof text !== "string" && text.refused.kind === "missing")) file = { display, missing: true };
      else if (typeof text !== "string") file = { display, ...text };
      // Refused before parsing: parsing costs time in proportion to the values.
      else if (countJsonValues(text) > maxSchemaValues) file = { display, tooLarge: true };
      else {
        this.sources.set(display, text);
        const schemaSource = { file: display, absolutePath: absolute, text };
        const parsed = parseJsonDocument(schemaSource);
        this.c.addAll(parsed.diagnostics);
        const r = this.c.in(schemaSource);
        for (const { range, problem } of parsed.value ? jsonNumberProblems(parsed.value) : []) reportProblem(r, problem, range);
        file = { display, json: parsed.diagnostics.length > 0 ? undefined : parsed.value };
      }
    } catch (error) {
      file = { display, error: (error as Error).message };
    }
    this.files.set(absolute, file);
    return file;
  }

  /** Reports a schema that is not read (see files.ts, schema-limits.ts); returns no schema. */
  private refuse(problem: { code: Diagnostic["code"]; message: string; hint?: string | undefined }, range: Range, file: string): undefined {
    this.c.report(problem.code, range, problem.message, { hint: problem.hint, file });
    return undefined;
  }

  private avro(result: { readonly schema: AvroSchema | undefined; readonly diagnostics: readonly Diagnostic[] }): AvroSchema | undefined {
    this.c.addAll(result.diagnostics);
    return result.schema;
  }
}
