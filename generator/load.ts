// The load stage: a project's inputs (paths and glob patterns) → its .kef files, read and parsed.
//
//   load → bind (bind.ts) → check (check.ts) → resolve (resolve.ts): program.ts runs them in order.
//
// A file that cannot be read, or a pattern that matches nothing, is a diagnostic; the files that were read are
// parsed (syntax errors are diagnostics too, and the partial AST goes on, so the checks can still say something).
import { createRequire } from "node:module";
import path from "node:path";
import type { KefFile } from "../grammar/ast.js";
import { messages } from "./catalogue.js";
import { diagnostic, startOfFile, type Diagnostic } from "./diagnostics.js";
import { inputFileDiagnostic, type FileRead } from "./files.js";
import { parse, type SourceText } from "./parse.js";

/** One parsed .kef file of a project: its AST and the text it came from (the file every declaration in it is in). */
export interface ParsedFile {
  readonly ast: KefFile;
  readonly source: SourceText;
}

/** What to load. */
export interface LoadInput {
  /** .kef files or glob patterns, relative to `baseDir`. */
  readonly inputs: readonly string[];
  /** Paths in diagnostics are shown relative to this directory. */
  readonly cwd: string;
  /** Inputs are relative to this directory (default `cwd`). */
  readonly baseDir?: string;
  /** Reads a .kef file. */
  readonly readFile: (absolutePath: string) => FileRead;
}

/** The loaded project. */
export interface Loaded {
  /** The files that were read, parsed, in input order. */
  readonly files: readonly ParsedFile[];
  /** Every .kef file the inputs name (absolute), read or not. */
  readonly inputs: readonly string[];
  /** Unmatched patterns, unreadable files and syntax errors. */
  readonly diagnostics: readonly Diagnostic[];
  /** True when some file has syntax errors. */
  readonly syntaxErrors: boolean;
  /** True when every input was found and read (a pattern that matched nothing counts as not found). */
  readonly complete: boolean;
}

export function displayPath(cwd: string, absolute: string): string {
  const rel = path.relative(cwd, absolute);
  return (rel.startsWith("..") || path.isAbsolute(rel) ? absolute : rel).split(path.sep).join("/");
}

/**
 * tinyglobby, loaded the first time an input may be a pattern (~30 ms of CPU at start-up that `kefgen check file.kef`
 * does not need). Synchronous, as the stage is: through its CommonJS build.
 */
let tinyglobby: typeof import("tinyglobby") | undefined;

/** The characters a glob pattern is made of: an input without any is a plain path (test/generator/load.test.ts). */
export const patternCharacters = /[*?[\]{}()!+@\\]/;

/** Whether `input` is a glob pattern, as tinyglobby's `isDynamicPattern` says, asked only when it may be one. */
function isPattern(input: string): boolean {
  if (!patternCharacters.test(input)) return false;
  tinyglobby ??= createRequire(import.meta.url)("tinyglobby") as typeof import("tinyglobby");
  return tinyglobby.isDynamicPattern(input);
}

/** Expands the inputs: literal paths as given, glob patterns to the .kef files they match, sorted, each once. */
export function resolveInputs(
  inputs: readonly string[],
  baseDir: string,
  cwd = baseDir,
): { files: string[]; diagnostics: Diagnostic[] } {
  const files = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  for (const input of inputs) {
    if (isPattern(input)) {
      const matches = tinyglobby!
        .globSync(input, { cwd: baseDir, absolute: true, onlyFiles: true })
        .filter((f) => f.endsWith(".kef"));
      if (matches.length === 0) {
        // Shown from where the command runs: a config's patterns are relative to the config file.
        const shown = displayPath(cwd, path.resolve(baseDir, input));
        diagnostics.push(
          diagnostic(messages.noKefFileMatches, { pattern: shown }, { file: shown, range: startOfFile }),
        );
      }
      for (const m of matches.sort()) files.add(path.resolve(m));
    } else {
      files.add(path.resolve(baseDir, input));
    }
  }
  return { files: [...files], diagnostics };
}

/** Finds, reads and parses the project's .kef files. */
export function load(input: LoadInput): Loaded {
  const { cwd } = input;
  const resolved = resolveInputs(input.inputs, input.baseDir ?? cwd, cwd);
  const diagnostics: Diagnostic[] = [...resolved.diagnostics];
  const files: ParsedFile[] = [];
  let syntaxErrors = false;
  for (const absolutePath of resolved.files) {
    const shown = displayPath(cwd, absolutePath);
    const read = input.readFile(absolutePath);
    if ("refused" in read) {
      diagnostics.push(inputFileDiagnostic(read.refused, shown));
      continue;
    }
    const source: SourceText = { file: shown, absolutePath, text: read.text };
    const result = parse(source);
    diagnostics.push(...result.diagnostics);
    syntaxErrors ||= result.diagnostics.length > 0;
    files.push({ ast: result.value, source });
  }
  return {
    files,
    inputs: resolved.files,
    diagnostics,
    syntaxErrors,
    complete: resolved.diagnostics.length === 0 && files.length === resolved.files.length,
  };
}
