// Runs the pipeline in order: load → bind → check → resolve (the front end: analyse) → emit → format → plan/write.
//   load.ts      inputs → parsed .kef files
//   bind.ts      declarations → symbol tables by name (duplicates reported)
//   check.ts     bound declarations → checked ones (every user mistake a diagnostic)
//   resolve.ts   checked declarations → the Model (settings models, type names, generated-name collisions)
import path from "node:path";
import { messages } from "./catalogue.js";
import { diagnostic, hasErrors, sortDiagnostics, startOfFile, type Diagnostic, type Result } from "./diagnostics.js";
import { checkAgainst } from "./against.js";
import { bind } from "./bind.js";
import { check, type CheckHost } from "./check.js";
import type { EmitCache, GeneratedFile } from "./generated.js";
import { displayPath, load, type ParsedFile } from "./load.js";
import type { Model } from "./model.js";
import { resolve, type NamingOptions } from "./resolve.js";
import { readProjectFile, type FileAccess, type FileRead } from "./files.js";
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

// Where they were before the stages: fmt.ts and the CLI take them from here.

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

/**
 * The front end after loading: bind → check → resolve of parsed files (`analyse` loads them; `--against` and tests
 * bring their own). Names are global to the project; each diagnostic points into the file it concerns. `value` is
 * undefined on errors; `sources` are the schema files read, by displayed name.
 */
export function checkFiles(
  files: readonly ParsedFile[],
  host: CheckHost,
  options: NamingOptions = {},
): Result<Model | undefined> & { sources: ReadonlyMap<string, string> } {
  if (files.length === 0) throw new Error("internal: checkFiles() needs at least one file");
  const bound = bind(files);
  const checked = check(bound.value, host);
  const resolved = resolve(checked.value, options);
  const diagnostics = [...bound.diagnostics, ...checked.diagnostics, ...resolved.diagnostics];
  return { value: hasErrors(diagnostics) ? undefined : resolved.value, diagnostics, sources: checked.value.sources };
}

/** Parses and checks a project: the `kefgen check` command, and the first half of `build`. */
export function analyse(options: ProjectOptions): AnalyseResult {
  const { cwd } = options;
  const readFile = options.readFile ?? readProjectFile;
  const loaded = load({
    inputs: options.inputs,
    cwd,
    ...(options.baseDir === undefined ? {} : { baseDir: options.baseDir }),
    readFile: (p) => readFile(p),
  });
  const diagnostics: Diagnostic[] = [...loaded.diagnostics];
  const sources = new Map<string, string>(loaded.files.map((f) => [f.source.file, f.source.text]));
  const schemaFiles: string[] = [];
  const roots = [options.root ?? commonDirectory(loaded.inputs), ...(options.allowOutside ?? [])];
  if (loaded.files.length === 0)
    return { diagnostics: sortDiagnostics(diagnostics), sources, model: undefined, files: loaded.inputs, schemaFiles };
  const checked = checkFiles(
    loaded.files,
    {
      readFile: (p) => {
        const read = readFile(p, { roots });
        // Watched for changes, unless it is outside the project as written (its directory is none of ours).
        if (!("refused" in read && read.refused.kind === "outside" && read.refused.realPath === undefined))
          schemaFiles.push(p);
        return "refused" in read ? read : read.text;
      },
      displayPath: (p) => displayPath(cwd, p),
    },
    options.name === undefined ? {} : { name: options.name },
  );
  for (const [file, text] of checked.sources) sources.set(file, text);
  // Semantic checks of a file with syntax errors would mostly repeat them: then only schema problems are added
  // (Avro ones, and the schema files the checker would not or could not read, KEF4xxx).
  diagnostics.push(
    ...(loaded.syntaxErrors
      ? checked.diagnostics.filter((d) => d.code.startsWith("KEF3") || d.code.startsWith("KEF4"))
      : checked.diagnostics),
  );
  const ok = !loaded.syntaxErrors && loaded.complete;
  if (options.against !== undefined && ok && checked.value) {
    const evolution = checkAgainst({
      ref: options.against,
      model: checked.value,
      parsed: loaded.files,
      displayPath: (p) => displayPath(cwd, p),
      ...(options.name === undefined ? {} : { name: options.name }),
    });
    diagnostics.push(...evolution.diagnostics);
    for (const [file, text] of evolution.sources) sources.set(file, text);
  }
  return {
    diagnostics: sortDiagnostics(diagnostics),
    sources,
    model: ok ? checked.value : undefined,
    files: loaded.inputs,
    schemaFiles,
  };
}

/** The directory that holds all the files (absolute), or the deepest one that does. */
function commonDirectory(files: readonly string[]): string {
  const dirs = files.map((f) => path.dirname(f));
  let common = dirs[0] ?? ".";
  for (const d of dirs.slice(1)) {
    while (common !== path.dirname(common) && d !== common && !d.startsWith(common + path.sep))
      common = path.dirname(common);
  }
  return common;
}

/** The default output directory: `generated` beside the file, or beside the files' common directory. */
function defaultOutDir(files: readonly string[]): string {
  return path.join(commonDirectory(files), "generated");
}

export async function build(options: BuildOptions): Promise<BuildResult> {
  const analysed = analyse(options);
  const outDir =
    options.outDir !== undefined
      ? path.resolve(options.baseDir ?? options.cwd, options.outDir)
      : defaultOutDir(analysed.files);
  const base = {
    diagnostics: analysed.diagnostics,
    sources: analysed.sources,
    model: analysed.model,
    schemaFiles: analysed.schemaFiles,
    kefFiles: analysed.files,
    outDir,
  };
  if (!analysed.model || hasErrors(analysed.diagnostics)) return { ...base, files: [], plan: undefined };
  // Loaded here, not at start-up: `kefgen check` never needs the emitters, ts-morph or the dprint formatter.
  const { emit } = await import("./emit.js");
  const files = await emit(
    analysed.model,
    {
      runtimeImport: options.runtimeImport ?? "kefgen/runtime",
      sourceLabels: analysed.files.map((f) => path.relative(outDir, f).split(path.sep).join("/")),
    },
    options.emitCache,
  );
  const cannotWrite = (error: unknown): Diagnostic => {
    const shown = displayPath(options.cwd, outDir);
    return diagnostic(
      messages.cannotWriteOutput,
      { dir: shown, reason: (error as Error).message },
      { file: displayPath(options.cwd, analysed.files[0]!), range: startOfFile },
    );
  };
  let plan: OutputPlan;
  try {
    plan = planOutput(outDir, files, { force: options.force === true });
  } catch (error) {
    return { ...base, diagnostics: [...analysed.diagnostics, cannotWrite(error)], files, plan: undefined };
  }
  // Files kefgen will not overwrite, leftovers of an interrupted build, another build writing: see write.ts.
  const problems = planDiagnostics(plan, outDir, {
    check: options.check === true,
    show: (p) => displayPath(options.cwd, p),
  });
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
