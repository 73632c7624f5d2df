// Lexing and parsing stage: source text → AST, with syntax problems as KEF1xxx diagnostics.
import type { JsonValue, KefFile } from "../grammar/ast.js";
import { IncrementalParser } from "../grammar/incremental.js";
import { firstLineBreak } from "../grammar/lines.js";
import { parseText, type SyntaxProblem } from "../grammar/parser.js";
import { toAst, toJsonAst } from "../grammar/to-ast.js";
import { messages, type MessageArgs, type MessageDef } from "./catalogue.js";
import { diagnostic, type Diagnostic, type Result } from "./diagnostics.js";

/** A source file: its text, where it lives, and how diagnostics name it. */
export interface SourceText {
  /** As shown to the user, e.g. `kef/shop.kef`. */
  readonly file: string;
  readonly absolutePath: string;
  readonly text: string;
}

function toDiagnostics(file: string, problems: readonly SyntaxProblem[], text: string): Diagnostic[] {
  return problems.map((p) => {
    const endOffset = Math.min(p.offset + p.length, text.length);
    const span = text.slice(p.offset, endOffset);
    const newline = firstLineBreak(span);
    const length = newline >= 0 ? newline : span.length;
    const range = {
      start: { line: p.line, column: p.column, offset: p.offset },
      end: { line: p.line, column: p.column + length, offset: p.offset + length },
    };
    // The grammar names the entry and gives its arguments (SyntaxMessage pairs them by type).
    const entry: MessageDef = messages[p.message.name];
    return diagnostic(entry, p.message.args as MessageArgs<MessageDef>, { file, range });
  });
}

/** Each file's declarations of its last parse, so that the next parse of an edited file reuses the unchanged ones. */
const lastParses = new Map<string, IncrementalParser>();

/** Parses a `.kef` file. The AST is returned even when there are errors (recovery keeps what it can). */
export function parse(source: SourceText): Result<KefFile> {
  let incremental = lastParses.get(source.absolutePath);
  if (!incremental) lastParses.set(source.absolutePath, (incremental = new IncrementalParser()));
  const reused = incremental.parse(source.text);
  if (reused) return { value: reused, diagnostics: [] };
  const out = parseText(source.text, "file");
  return { value: toAst(out.cst), diagnostics: toDiagnostics(source.file, out.problems, source.text) };
}

/** Parses an `.avsc` file as located JSON. Syntax problems there are KEF3003. */
export function parseJsonDocument(source: SourceText): Result<JsonValue | undefined> {
  const out = parseText(source.text, "jsonDocument");
  const diagnostics = toDiagnostics(source.file, out.problems, source.text).map((d) =>
    diagnostic(messages.invalidJson, { problem: d.message }, d),
  );
  return { value: out.problems.length ? undefined : toJsonAst(out.cst), diagnostics };
}
