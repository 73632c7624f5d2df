// The project config file, kefgen.config.json: which .kef files make the project and where its output goes.
//
//   { "files": ["kef/**/*.kef"], "out": "src/generated", "name": "Shop", "runtimeImport": "kefgen/runtime",
//     "allowOutside": ["../shared-schemas"] }
//
// Paths are relative to the config file's directory, which is also the project root: schema files are read only
// from inside it, or from a directory listed in "allowOutside" (see files.ts).
import fs from "node:fs";
import path from "node:path";
import { startOfFile, type Diagnostic } from "./diagnostics.js";
import { hasUnsafeCharacters } from "./escape.js";
import { describeFileProblem, readProjectFile } from "./files.js";
import { displayPath, type ProjectOptions } from "./program.js";

export const configFileName = "kefgen.config.json";

export interface ProjectConfig {
  /** The config file (absolute). */
  readonly path: string;
  /** Patterns or paths of .kef files, relative to the config file's directory. */
  readonly files: readonly string[];
  readonly out?: string;
  readonly name?: string;
  readonly runtimeImport?: string;
  /** Directories outside the project root that schema files may also be read from, relative to the config file. */
  readonly allowOutside?: readonly string[];
}

const keys: Record<string, "string" | "string[]"> = { files: "string[]", out: "string", name: "string", runtimeImport: "string", allowOutside: "string[]" };

/** Finds `kefgen.config.json` in `dir` (not above it: the project is where the command runs). */
export function findConfig(dir: string): string | undefined {
  const candidate = path.join(dir, configFileName);
  return fs.existsSync(candidate) ? candidate : undefined;
}

export function loadConfig(configPath: string, shownAs: string): { config?: ProjectConfig; diagnostics: Diagnostic[] } {
  const fail = (message: string, hint?: string) => ({
    diagnostics: [{ code: "KEF4003" as const, severity: "error" as const, message, file: shownAs, range: startOfFile, ...(hint ? { hint } : {}) }],
  });
  const read = readProjectFile(configPath);
  if ("refused" in read) return fail(describeFileProblem(read.refused, "the project config", (p) => p).message);
  let raw: unknown;
  try {
    raw = JSON.parse(read.text);
  } catch (error) {
    return fail(`cannot read the project config: ${(error as Error).message}`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return fail("the project config must be a JSON object");
  const record = raw as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    const expected = keys[key];
    if (!expected) return fail(`unknown key "${key}" in the project config`, `keys are: ${Object.keys(keys).join(", ")}`);
    const ok = expected === "string" ? typeof value === "string" && value.length > 0 : Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string" && v.length > 0);
    if (!ok) return fail(`"${key}" must be ${expected === "string" ? "a non-empty string" : "a non-empty array of strings"}`);
  }
  if (typeof record["runtimeImport"] === "string" && hasUnsafeCharacters(record["runtimeImport"])) {
    return fail(`"runtimeImport" holds a control or invisible character`, "it is written into the imports of every generated file: give a module specifier, e.g. kefgen/runtime");
  }
  if (!record["files"]) return fail(`the project config needs "files"`, `e.g. "files": ["kef/**/*.kef"]`);
  return {
    config: {
      path: configPath,
      files: record["files"] as string[],
      ...(typeof record["out"] === "string" ? { out: record["out"] } : {}),
      ...(typeof record["name"] === "string" ? { name: record["name"] } : {}),
      ...(typeof record["runtimeImport"] === "string" ? { runtimeImport: record["runtimeImport"] } : {}),
      ...(Array.isArray(record["allowOutside"]) ? { allowOutside: record["allowOutside"] as string[] } : {}),
    },
    diagnostics: [],
  };
}

/**
 * The project a command (or the language server) works on: the files given on the command line, or those of the
 * config file (`opts.config`, or kefgen.config.json in `cwd`). Returns a usage problem (the CLI exits 2) or config
 * diagnostics (exit 1) instead when there is none.
 */
export function projectOptions(
  io: { readonly cwd: string },
  files: readonly string[],
  opts: { config?: string },
): ProjectOptions | { usage: string } | { diagnostics: Diagnostic[] } {
  if (files.length > 0 && opts.config) return { usage: "give .kef files or --config, not both" };
  if (files.length > 0) return { inputs: files, cwd: io.cwd };
  const configPath = opts.config ? path.resolve(io.cwd, opts.config) : findConfig(io.cwd);
  if (!configPath) return { usage: `no .kef files given and no ${configFileName} here` };
  const loaded = loadConfig(configPath, displayPath(io.cwd, configPath));
  if (!loaded.config) return { diagnostics: loaded.diagnostics };
  const { config } = loaded;
  return {
    inputs: config.files,
    cwd: io.cwd,
    baseDir: path.dirname(configPath),
    root: path.dirname(configPath),
    ...(config.allowOutside ? { allowOutside: config.allowOutside.map((d) => path.resolve(path.dirname(configPath), d)) } : {}),
    ...(config.out ? { outDir: config.out } : {}),
    ...(config.name ? { name: config.name } : {}),
    ...(config.runtimeImport ? { runtimeImport: config.runtimeImport } : {}),
  };
}
