// The schema of a `message` declaration: inline JSON, or a schema file (`"types.avsc"`, `"types.avsc#com.acme.Order"`)
// read through the check host once however many messages take a type from it. Part of the check stage (check.ts).
// What is read is kept across `analyse()` calls in one process while its input is the same (see `inlineReads`).
import path from "node:path";
import type { InlineSchema, JsonValue, MessageDecl, Range, StringLiteral } from "../grammar/ast.js";
import { inlineSchemaPayload } from "../grammar/inline-json.js";
import { readPlainJson } from "../grammar/inline-plain.js";
import { readSchema } from "./avro-read.js";
import type { AvroSchema } from "./avro-types.js";
import type { Declared } from "./bind.js";
import { messages, type Problem } from "./catalogue.js";
import { jsonNumberProblems } from "./check-literals.js";
import { reportProblem } from "./check-settings.js";
import type { Diagnostic } from "./diagnostics.js";
import { unreadFileProblem, type FileRefusal } from "./files.js";
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
type SchemaFile = { readonly display: string } & (
  | { readonly json: JsonValue | undefined }
  | { readonly missing: true }
  | { readonly error: string }
  | FileRefusal
  | { readonly tooLarge: true }
);

/** What reading an inline schema found: problems of its JSON (reported one by one), then what `readSchema` gave. */
interface InlineRead {
  readonly file: string;
  readonly message: string;
  readonly reported: readonly Diagnostic[];
  readonly read: { readonly schema: AvroSchema | undefined; readonly diagnostics: readonly Diagnostic[] };
}

/**
 * Inline schemas as read, by their AST node. The parser keeps a declaration's AST, the same objects, while its text
 * and place do not change (grammar/incremental.ts; a moved one gets new objects, with its new ranges), so the next
 * `analyse()` in the process (the language server, `--watch`) reuses the read schema and its diagnostics of every
 * message not edited. What is read depends only on the JSON, the message's name and the file's displayed name, all
 * checked here; the results are never changed once made (avro-types.ts is read-only). A weak map: an AST the parser
 * dropped takes its entry along.
 */
const inlineReads = new WeakMap<InlineSchema, InlineRead>();

/** A schema file as parsed: its JSON (undefined after syntax errors), its syntax errors, then its JSON's problems. */
interface ParsedSchemaFile {
  readonly source: SourceText;
  readonly json: JsonValue | undefined;
  readonly diagnostics: readonly Diagnostic[];
  readonly reported: readonly Diagnostic[];
}

/**
 * Schema files as last parsed, by absolute path (one entry per file the process has read): a file whose text and
 * displayed name did not change keeps its parsed JSON, so that the schemas read from it can be kept too.
 */
const parsedFiles = new Map<string, ParsedSchemaFile>();

/** Schemas read from a file, by the path literal naming it: kept while the literal and the parsed file are the same. */
const fileReads = new WeakMap<
  StringLiteral,
  { readonly json: JsonValue; readonly display: string; readonly in: string; readonly read: InlineRead["read"] }
>();

/** Parses a schema file (or takes its last parse, for the same text and name). */
function parseSchemaFile(source: SourceText): ParsedSchemaFile {
  const last = parsedFiles.get(source.absolutePath);
  if (last?.source.text === source.text && last.source.file === source.file) return last;
  const parsed = parseJsonDocument(source);
  const own = new Reporter();
  const r = own.in(source);
  for (const { range, problem } of parsed.value ? jsonNumberProblems(parsed.value) : [])
    reportProblem(r, problem, range);
  const out = {
    source,
    json: parsed.diagnostics.length > 0 ? undefined : parsed.value,
    diagnostics: parsed.diagnostics,
    reported: own.diagnostics,
  };
  parsedFiles.set(source.absolutePath, out);
  return out;
}

/**
 * Reads an inline schema as `SchemaReader.message` reports it. One the fast path read is parsed with `JSON.parse`
 * when that reads it as the located reader would (grammar/inline-plain.ts: then it holds no number the checker
 * reports and is within the size limit); its located JSON is built only if a range in it is asked for.
 */
function readInline(schema: InlineSchema, message: string, source: SourceText): InlineRead {
  const payload = inlineSchemaPayload(schema);
  const plain = payload === undefined ? undefined : readPlainJson(payload, maxSchemaValues);
  if (plain) {
    const json = { value: plain.value, located: () => schema.json };
    return {
      file: source.file,
      message,
      reported: [],
      read: readSchema({ file: source.file, json, namespace: undefined }),
    };
  }
  const json = schema.json;
  const own = new Reporter();
  const r = own.in(source);
  if (countJsonNodes(json) > maxSchemaValues) {
    reportProblem(r, schemaTooLarge(`the schema of message "${message}"`), json.range);
    return { file: source.file, message, reported: own.diagnostics, read: { schema: undefined, diagnostics: [] } };
  }
  for (const { range, problem } of jsonNumberProblems(json)) reportProblem(r, problem, range);
  return {
    file: source.file,
    message,
    reported: own.diagnostics,
    read: readSchema({ file: source.file, json, namespace: undefined }),
  };
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
      let read = inlineReads.get(schema);
      if (read?.file !== source.file || read.message !== decl.name.text)
        inlineReads.set(schema, (read = readInline(schema, decl.name.text, source)));
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
    const select =
      hash >= 0 ? { name: literal.value.slice(hash + 1), file: source.file, range: literal.range } : undefined;
    const absolute = path.resolve(path.dirname(source.absolutePath), filePath);
    const file = this.read(absolute);
    if ("refused" in file)
      return this.refuse(
        unreadFileProblem(file.refused, `schema file "${filePath}"`, this.host.displayPath),
        literal.range,
        source.file,
      );
    if ("tooLarge" in file) return this.refuse(schemaTooLarge(`schema file "${filePath}"`), literal.range, source.file);
    if ("error" in file) {
      this.c.accept(
        messages.cannotReadSchemaFile,
        literal.range,
        { path: filePath, reason: file.error },
        { file: source.file },
      );
      return undefined;
    }
    if ("missing" in file) {
      this.c.accept(
        messages.schemaFileNotFound,
        literal.range,
        { path: filePath, shown: file.display },
        { file: source.file },
      );
      return undefined;
    }
    if (!file.json) return undefined; // its syntax errors were reported when it was first read
    // Kept like an inline schema's (see `inlineReads`): by the path literal, for the same parsed file.
    let read = fileReads.get(literal);
    if (read?.json !== file.json || read.display !== file.display || read.in !== source.file) {
      const json = file.json;
      fileReads.set(
        literal,
        (read = {
          json,
          display: file.display,
          in: source.file,
          read: readSchema({ file: file.display, json, namespace: undefined, ...(select ? { select } : {}) }),
        }),
      );
    }
    return this.avro(read.read);
  }

  /** Reads and parses a schema file once, however many messages take a type from it. */
  private read(absolute: string): SchemaFile {
    const cached = this.files.get(absolute);
    if (cached) return cached;
    const display = this.host.displayPath(absolute);
    let file: SchemaFile;
    try {
      const text = this.host.readFile(absolute);
      if (text === undefined || (typeof text !== "string" && text.refused.kind === "missing"))
        file = { display, missing: true };
      else if (typeof text !== "string") file = { display, ...text };
      // Refused before parsing: parsing costs time in proportion to the values.
      else if (countJsonValues(text) > maxSchemaValues) file = { display, tooLarge: true };
      else {
        this.sources.set(display, text);
        const parsed = parseSchemaFile({ file: display, absolutePath: absolute, text });
        this.c.addAll(parsed.diagnostics);
        for (const d of parsed.reported) this.c.add(d);
        file = { display, json: parsed.json };
      }
    } catch (error) {
      file = { display, error: (error as Error).message };
    }
    this.files.set(absolute, file);
    return file;
  }

  /** Reports a schema that is not read (see files.ts, schema-limits.ts); returns no schema. */
  private refuse(problem: Problem, range: Range, file: string): undefined {
    this.c.accept(problem.entry, range, problem.args, { file });
    return undefined;
  }

  private avro(result: {
    readonly schema: AvroSchema | undefined;
    readonly diagnostics: readonly Diagnostic[];
  }): AvroSchema | undefined {
    this.c.addAll(result.diagnostics);
    return result.schema;
  }
}
