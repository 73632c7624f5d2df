// Between kefgen's shapes and the protocol's: 1-based ranges to 0-based ones, paths to URIs, diagnostics, and what a
// request handler knows about the document it is asked about.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  DiagnosticSeverity,
  type Diagnostic as LspDiagnostic,
  type Range as LspRange,
} from "vscode-languageserver/node";
import type { KefFile, Range } from "../../grammar/ast.js";
import type { Diagnostic } from "../diagnostics.js";
import type { FileAccess, FileRead } from "../files.js";
import type { LspProject } from "./workspace.js";

export function toLspRange(r: Range): LspRange {
  return {
    start: { line: r.start.line - 1, character: r.start.column - 1 },
    end: { line: r.end.line - 1, character: r.end.column - 1 },
  };
}

export const uriOf = (file: string): string => pathToFileURL(file).href;
export const fileOf = (uri: string): string | undefined =>
  uri.startsWith("file:") ? path.resolve(fileURLToPath(uri)) : undefined;

/** A kefgen diagnostic as the protocol sends it; the hint travels in `data` too, for the quick fixes. */
export function toLspDiagnostic(d: Diagnostic, base: string): LspDiagnostic {
  return {
    range: toLspRange(d.range),
    severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: "kefgen",
    message: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message,
    ...(d.hint ? { data: { hint: d.hint } } : {}),
    ...(d.related?.length
      ? {
          relatedInformation: d.related.map((r) => ({
            message: r.message,
            location: { uri: uriOf(path.resolve(base, r.file)), range: toLspRange(r.range) },
          })),
        }
      : {}),
  };
}

/** What a request about a .kef document works from: its text and AST, its project and the ASTs of the project's files. */
export interface DocumentContext {
  readonly file: string;
  readonly text: string;
  readonly ast: KefFile;
  readonly project: LspProject;
  /** The parsed files of the project by absolute path, this one included. */
  readonly files: ReadonlyMap<string, KefFile>;
  /** Reads a file as the editor sees it (an open document from memory). */
  readonly read: (absolutePath: string, access?: FileAccess) => FileRead;
}
