// Runs the pipeline in order: read → parse → check → emit → format → plan/write.
import fs from "node:fs";
import path from "node:path";
import { hasErrors, sortDiagnostics, startOfFile, type Diagnostic } from "./diagnostics.js";
import { check } from "./check.js";
import { emit, type GeneratedFile } from "./emit.js";
import type { Model } from "./model.js";
import { parse, type SourceText } from "./parse.js";
import { applyOutput, planOutput, type OutputPlan } from "./write.js";

export interface BuildOptions {
  /** The .kef file. */
  readonly entry: string;
  /** Output directory; default: `generated` next to the .kef file. */
  readonly outDir?: string;
  /** Compare only: write nothing. */
  readonly check?: boolean;
  /** Paths in diagnostics are shown relative to this directory. */
  readonly cwd: string;
  readonly runtimeImport?: string;
}

export interface BuildResult {
  readonly diagnostics: readonly Diagnostic[];
  /** Source texts by displayed file name, for code frames. */
  readonly sources: ReadonlyMap<string, string>;
  readonly model: Model | undefined;
  readonly files: readonly GeneratedFile[];
  readonly outDir: string;
  readonly plan: OutputPlan | undefined;
}

export function displayPath(cwd: string, absolute: string): string {
  const rel = path.relative(cwd, absolute);
  return (rel.startsWith("..") || path.isAbsolute(rel) ? absolute : rel).split(path.sep).join("/");
}

function readSource(cwd: string, file: string): { source?: SourceText; diagnostic?: Diagnostic } {
  const absolutePath = path.resolve(cwd, file);
  const shown = displayPath(cwd, absolutePath);
  try {
    return { source: { file: shown, absolutePath, text: fs.readFileSync(absolutePath, "utf8") } };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    return { diagnostic: { code: "KEF4001", severity: "error", message: `cannot read "${shown}": ${reason}`, file: shown, range: startOfFile } };
  }
}

/** Parses and checks a .kef file: the `kefgen check` command, and the first half of `build`. */
export function analyse(entry: string, cwd: string): Pick<BuildResult, "diagnostics" | "sources" | "model"> {
  const { source, diagnostic } = readSource(cwd, entry);
  if (!source) return { diagnostics: [diagnostic!], sources: new Map(), model: undefined };
  const parsed = parse(source);
  const checked = check(parsed.value, source, {
    readFile: (p) => {
      try {
        return fs.readFileSync(p, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "EISDIR") return undefined;
        throw error;
      }
    },
    displayPath: (p) => displayPath(cwd, p),
  });
  const sources = new Map([[source.file, source.text], ...checked.sources]);
  // Semantic checks on a file with syntax errors would mostly repeat them: report syntax first.
  const diagnostics = parsed.diagnostics.length > 0 ? [...parsed.diagnostics, ...checked.diagnostics.filter((d) => d.code.startsWith("KEF3"))] : checked.diagnostics;
  return { diagnostics: sortDiagnostics(diagnostics), sources, model: parsed.diagnostics.length > 0 ? undefined : checked.value };
}

export async function build(options: BuildOptions): Promise<BuildResult> {
  const entryAbsolute = path.resolve(options.cwd, options.entry);
  const outDir = path.resolve(options.cwd, options.outDir ?? path.join(path.dirname(entryAbsolute), "generated"));
  const analysed = analyse(options.entry, options.cwd);
  if (!analysed.model || hasErrors(analysed.diagnostics)) return { ...analysed, files: [], outDir, plan: undefined };
  const files = await emit(analysed.model, {
    runtimeImport: options.runtimeImport ?? "kefgen/runtime",
    sourceLabel: path.relative(outDir, entryAbsolute).split(path.sep).join("/"),
  });
  const plan = planOutput(outDir, files);
  if (!options.check) {
    try {
      applyOutput(outDir, plan);
    } catch (error) {
      const shown = displayPath(options.cwd, outDir);
      const diagnostic: Diagnostic = { code: "KEF4002", severity: "error", message: `cannot write to "${shown}": ${(error as Error).message}`, file: displayPath(options.cwd, entryAbsolute), range: startOfFile };
      return { ...analysed, diagnostics: [...analysed.diagnostics, diagnostic], files, outDir, plan };
    }
  }
  return { ...analysed, files, outDir, plan };
}
