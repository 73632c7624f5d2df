// Compiles in-memory TypeScript snippets with the project's strict tsconfig, next to real files (e.g. golden
// output), and returns each snippet's diagnostics as text: what the type-level tests assert on.
import path from "node:path";
import ts from "typescript";
import { repoRoot } from "../../scripts/snapshots.js";

/** Diagnostics of each snippet, keyed like `snippets`, as `TSnnnn: message` (with `line: ` first if asked). */
export function compileSnippets<K extends string>(snippets: ReadonlyMap<K, { file: string; text: string }>, withLines = false): Record<K, string[]> {
  const config = ts.readConfigFile(path.join(repoRoot, "tsconfig.json"), ts.sys.readFile);
  const options = { ...ts.parseJsonConfigFileContent(config.config, ts.sys, repoRoot).options, noEmit: true };
  const files = new Map([...snippets.values()].map((s) => [s.file, s.text]));
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  const dirs = new Set([...files.keys()].flatMap((f) => ancestors(f)));
  host.fileExists = (f) => files.has(f) || ts.sys.fileExists(f);
  // Snippets may live in directories that do not exist on disk (generated output kept in memory).
  host.directoryExists = (d) => dirs.has(path.resolve(d)) || ts.sys.directoryExists(d);
  host.readFile = (f) => files.get(f) ?? read(f);
  host.getSourceFile = (f, v, ...rest) => (files.has(f) ? ts.createSourceFile(f, files.get(f)!, v) : getSourceFile(f, v, ...rest));
  const program = ts.createProgram([...files.keys()], options, host);
  const out = {} as Record<K, string[]>;
  for (const [key, { file }] of snippets) {
    const sf = program.getSourceFile(file)!;
    out[key] = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map((d) => {
      const text = `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
      return withLines ? `${sf.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ${text}` : text;
    });
  }
  return out;
}

function ancestors(file: string): string[] {
  const out: string[] = [];
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) out.push(dir);
  return out;
}
