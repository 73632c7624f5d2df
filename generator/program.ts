// Runs the pipeline in order: find inputs → read → parse → check → emit → format → plan/write.
import path from "node:path";
import { globSync, isDynamicPattern } from "tinyglobby";
import { messages } from "./catalogue.js";
import { diagnostic, hasErrors, sortDiagnostics, startOfFile, type Diagnostic } from "./diagnostics.js";
import { checkAgainst } from "./against.js";
import { check, type ParsedFile } from "./check.js";
import type { EmitCache, GeneratedFile } from "./generated.js";
import type { Model } from "./model.js";
import { parse, type SourceText } from "./parse.js";
import { inputFileDiagnostic, readProjectFile, type FileAccess, type FileRead } from "./files.js";
import { applyOutput, planDiagnostics, planOutput, type OutputPlan } from "./write.js";

/** What a project is made of: its .kef files and where its output goes. */
export interface ProjectOptions {
  /** .kef files or glob patterns (`kef/**\/*.kef`), relative to `cwd`. */
  readonly inputs: readonly string[];
  /** Paths in diagnostics are shown relative to this directory. */
  readonly cwd: string;
  /** Inputs and `outDir` are relative to this directory (default `cwd`; a config file's directory). */
  readonly baseDir?: string;
  /** Output directory; default: `generated` next to the .kef file (several files: next to their common directory). */
  readonly outDir?: string;
  /** Base of the generated API names (default: the first namespace declared, else the first file's name). */
  readonly name?: string;
  /** The module generated code imports the runtime from (default `kefgen/runtime`). */
  readonly runtimeImport?: string;
  /** A git ref to check schema evolution against (`--against`): breaking changes are errors. */
  readonly against?: string;
  /** Schema files must be inside this directory (absolute; default: the common directory of the .kef files). */
  readonly root?: string;
  /** Directories (absolute) outside `root` that schema files may also be read from. */
  readonly allowOutside?: readonly string[];
  /** Reads the .kef and schema files (default `readProjectFile`); the language server reads open documents from memory. */
  readonly readFile?: (absolutePath: string, access?: FileAccess) => FileRead;
}

export interface BuildOptions extends ProjectOptions {
  /** Compare only: write nothing. */
  readonly check?: boolean;
  /** Overwrite existing files that kefgen did not generate (without it, such a file stops the build: KEF4010). */
  readonly force?: boolean;
  /**
   * Statements already printed and formatted, kept across the builds of one project by `--watch` so that a rebuild
   * formats only what changed (generator/format.ts); without it every build formats everything.
   */
  readonly emitCache?: EmitCache;
}

export interface AnalyseResult {
  readonly diagnostics: readonly Diagnostic[];
  /** Source texts by displayed file name, for code frames. */
  readonly sources: ReadonlyMap<string, string>;
  readonly model: Model | undefined;
  /** The .kef files of the project (absolute), in the order they were checked. */
  readonly files: readonly string[];
  /** Schema files the project read (absolute): what `--watch` watches besides the .kef files. */
  readonly schemaFiles: readonly string[];
}

export interface BuildResult extends Omit<AnalyseResult, "files"> {
  readonly kefFiles: readonly string[];
  readonly files: readonly GeneratedFile[];
  readonly outDir: string;
  readonly plan: OutputPlan | undefined;
}

export function displayPath(cwd: string, absolute: string): string {
  const rel = path.relative(cwd, absolute);
  return (rel.startsWith("..") || path.isAbsolute(rel) ? absolute : rel).split(path.sep).join("/");
}

function ioError(file: string, message: string): Diagnostic {
  return { code: "KEF4001", severity: "error", message, file, range: startOfFile };
}

/** Expands the inputs: literal paths as given, glob patterns to the .kef files they match, sorted, each once. */
export function resolveInputs(inputs: readonly string[], baseDir: string, cwd = baseDir): { files: string[]; diagnostics: Diagnostic[] } {
  const files = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  for (const input of inputs) {
    if (isDynamicPattern(input)) {
      const matches = globSync(input, { cwd: baseDir, absolute: true, onlyFiles: true }).filter((f) => f.endsWith(".kef"));
      if (matches.length === 0) {
        // Shown from where the command runs: a config's patterns are relative to the config file.
        const shown = displayPath(cwd, path.resolve(baseDir, input));
        diagnostics.push(ioError(shown, `no .kef file matches "${shown}"`));
      }
      for (const m of matches.sort()) files.add(path.resolve(m));
    } else {
      files.add(path.resolve(baseDir, input));
    }
  }
  return { files: [...files], diagnostics };
}

function readSource(cwd: string, absolutePath: string, readFile: NonNullable<ProjectOptions["readFile"]>): { source?: SourceText; diagnostic?: Diagnostic } {
  const shown = displayPath(cwd, absolutePath);
  const read = readFile(absolutePath);
  if ("refused" in read) return { diagnostic: inputFileDiagnostic(read.refused, shown) };
  return { source: { file: shown, absolutePath, text: read.text } };
}

/** Parses and checks a project: the `kefgen check` command, and the first half of `build`. */
export function analyse(options: ProjectOptions): AnalyseResult {
  const { cwd } = options;
  const readFile = options.readFile ?? readProjectFile;
  const resolved = resolveInputs(options.inputs, options.baseDir ?? cwd, cwd);
  const diagnostics: Diagnostic[] = [...resolved.diagnostics];
  const sources = new Map<string, string>();
  const parsed: ParsedFile[] = [];
  let syntaxErrors = false;
  for (const file of resolved.files) {
    const { source, diagnostic } = readSource(cwd, file, readFile);
    if (!source) {
      diagnostics.push(diagnostic!);
      continue;
    }
    sources.set(source.file, source.text);
    const result = parse(source);
    diagnostics.push(...result.diagnostics);
    syntaxErrors ||= result.diagnostics.length > 0;
    parsed.push({ ast: result.value, source });
  }
  const schemaFiles: string[] = [];
  const roots = [options.root ?? commonDirectory(resolved.files), ...(options.allowOutside ?? [])];
  if (parsed.length === 0) return { diagnostics: sortDiagnostics(diagnostics), sources, model: undefined, files: resolved.files, schemaFiles };
  const checked = check(
    parsed,
    {
      readFile: (p) => {
        const read = readFile(p, { roots });
        // Watched for changes, unless it is outside the project as written (its directory is none of ours).
        if (!("refused" in read && read.refused.kind === "outside" && read.refused.realPath === undefined)) schemaFiles.push(p);
        return "refused" in read ? read : read.text;
      },
      displayPath: (p) => displayPath(cwd, p),
    },
    options.name === undefined ? {} : { name: options.name },
  );
  for (const [file, text] of checked.sources) sources.set(file, text);
  // Semantic checks of a file with syntax errors would mostly repeat them: then only schema problems are added
  // (Avro ones, and the schema files the checker would not or could not read, KEF4xxx).
  diagnostics.push(...(syntaxErrors ? checked.diagnostics.filter((d) => d.code.startsWith("KEF3") || d.code.startsWith("KEF4")) : checked.diagnostics));
  const ok = !syntaxErrors && resolved.diagnostics.length === 0 && parsed.length === resolved.files.length;
  if (options.against !== undefined && ok && checked.value) {
    const evolution = checkAgainst({ ref: options.against, model: checked.value, parsed, displayPath: (p) => displayPath(cwd, p), ...(options.name === undefined ? {} : { name: options.name }) });
    diagnostics.push(...evolution.diagnostics);
    for (const [file, text] of evolution.sources) sources.set(file, text);
  }
  return { diagnostics: sortDiagnostics(diagnostics), sources, model: ok ? checked.value : undefined, files: resolved.files, schemaFiles };
}

/** The directory that holds all the files (absolute), or the deepest one that does. */
export function commonDirectory(files: readonly string[]): string {
  const dirs = files.map((f) => path.dirname(f));
  let common = dirs[0] ?? ".";
  for (const d of dirs.slice(1)) {
    while (common !== path.dirname(common) && d !== common && !d.startsWith(common + path.sep)) common = path.dirname(common);
  }
  return common;
}

/** The default output directory: `generated` beside the file, or beside the files' common directory. */
export function defaultOutDir(files: readonly string[]): string {
  return path.join(commonDirectory(files), "generated");
}

export async function build(options: BuildOptions): Promise<BuildResult> {
  const analysed = analyse(options);
  const outDir = options.outDir !== undefined ? path.resolve(options.baseDir ?? options.cwd, options.outDir) : defaultOutDir(analysed.files);
  const base = { diagnostics: analysed.diagnostics, sources: analysed.sources, model: analysed.model, schemaFiles: analysed.schemaFiles, kefFiles: analysed.files, outDir };
  if (!analysed.model || hasErrors(analysed.diagnostics)) return { ...base, files: [], plan: undefined };
  // Loaded here, not at start-up: `kefgen check` never needs the emitters, ts-morph or prettier.
  const { emit } = await import("./emit.js");
  const files = await emit(analysed.model, {
    runtimeImport: options.runtimeImport ?? "kefgen/runtime",
    sourceLabels: analysed.files.map((f) => path.relative(outDir, f).split(path.sep).join("/")),
  }, options.emitCache);
  const cannotWrite = (error: unknown): Diagnostic => {
    const shown = displayPath(options.cwd, outDir);
    return diagnostic(messages.cannotWriteOutput, { dir: shown, reason: (error as Error).message }, { file: displayPath(options.cwd, analysed.files[0]!), range: startOfFile });
  };
  let plan: OutputPlan;
  try {
    plan = planOutput(outDir, files, { force: options.force === true });
  } catch (error) {
    return { ...base, diagnostics: [...analysed.diagnostics, cannotWrite(error)], files, plan: undefined };
  }
  // Files kefgen will not overwrite, leftovers of an interrupted build, another build writing: see write.ts.
  const problems = planDiagnostics(plan, outDir, { check: options.check === true, show: (p) => displayPath(options.cwd, p) });
  const diagnostics = [...analysed.diagnostics, ...problems];
  if (hasErrors(problems)) return { ...base, diagnostics, files, plan };
  if (!options.check) {
    try {
      applyOutput(outDir, plan);
    } catch (error) {
      return { ...base, diagnostics: [...diagnostics, cannotWrite(error)], files, plan };
    }
  }
  return { ...base, diagnostics, files, plan };
}
