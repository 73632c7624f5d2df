// Compiles in-memory TypeScript snippets with the project's strict tsconfig, next to real files (e.g. golden
// output), and returns each snippet's diagnostics as text: what the type-level tests assert on.
import path from "node:path";
import ts from "typescript";
import { repoRoot } from "../../scripts/snapshots.js";

/**
 * One program over in-memory files (absolute path → text) and whatever they import from disk, with the project's
 * strict settings. The files may live in directories that do not exist (generated output kept in memory).
 * `overrides` change the project's compiler options (e.g. `rootDir` for files outside the repository).
 */
export function compileInMemory(files: ReadonlyMap<string, string>, overrides: ts.CompilerOptions = {}): ts.Program {
  const config = ts.readConfigFile(path.join(repoRoot, "tsconfig.json"), ts.sys.readFile);
  const options = {
    ...ts.parseJsonConfigFileContent(config.config, ts.sys, repoRoot).options,
    noEmit: true,
    ...overrides,
  };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  const dirs = new Set([...files.keys()].flatMap((f) => ancestors(f)));
  host.fileExists = (f) => files.has(f) || ts.sys.fileExists(f);
  host.directoryExists = (d) => dirs.has(path.resolve(d)) || ts.sys.directoryExists(d);
  host.readFile = (f) => files.get(f) ?? read(f);
  host.getSourceFile = (f, v, ...rest) =>
    files.has(f) ? ts.createSourceFile(f, files.get(f)!, v) : getSourceFile(f, v, ...rest);
  return ts.createProgram([...files.keys()], options, host);
}

/** A file's syntactic and semantic diagnostics as `TSnnnn: message` (with `line: ` first if asked). */
export function diagnosticsOf(program: ts.Program, file: string, withLines = false): string[] {
  const sf = program.getSourceFile(file);
  if (!sf) throw new Error(`${file} is not part of the program`);
  return [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map((d) => {
    const text = `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    return withLines ? `${sf.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ${text}` : text;
  });
}

/** Diagnostics of each snippet, keyed like `snippets`, as `TSnnnn: message` (with `line: ` first if asked). */
export function compileSnippets<K extends string>(
  snippets: ReadonlyMap<K, { file: string; text: string }>,
  withLines = false,
  overrides: ts.CompilerOptions = {},
): Record<K, string[]> {
  const program = compileInMemory(new Map([...snippets.values()].map((s) => [s.file, s.text])), overrides);
  const out = {} as Record<K, string[]>;
  for (const [key, { file }] of snippets) out[key] = diagnosticsOf(program, file, withLines);
  return out;
}

function ancestors(file: string): string[] {
  const out: string[] = [];
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) out.push(dir);
  return out;
}
