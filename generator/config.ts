// The project config file, kefgen.config.json: which .kef files make the project and where its output goes.
//
//   { "files": ["kef/**/*.kef"], "out": "src/generated", "name": "Shop", "runtimeImport": "kefgen/runtime",
//     "allowOutside": ["../shared-schemas"] }
//
// Paths are relative to the config file's directory, which is also the project root: schema files are read only
// from inside it, or from a directory listed in "allowOutside" (see files.ts).
import fs from "node:fs";
import path from "node:path";
import { messages, type MessageArgs, type MessageDef } from "./catalogue.js";
import { diagnostic, startOfFile, type Diagnostic } from "./diagnostics.js";
import { hasUnsafeCharacters } from "./escape.js";
import { formatBytes, readProjectFile } from "./files.js";
import { type ProjectOptions } from "./program.js";
import { displayPath } from "./load.js";

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

const keys: Record<string, "string" | "string[]"> = {
  files: "string[]",
  out: "string",
  name: "string",
  runtimeImport: "string",
  allowOutside: "string[]",
};

/** Finds `kefgen.config.json` in `dir` (not above it: the project is where the command runs). */
export function findConfig(dir: string): string | undefined {
  const candidate = path.join(dir, configFileName);
  return fs.existsSync(candidate) ? candidate : undefined;
}

function loadConfig(configPath: string, shownAs: string): { config?: ProjectConfig; diagnostics: Diagnostic[] } {
  const fail = <M extends MessageDef>(entry: M, args: MessageArgs<M>) => ({
    diagnostics: [diagnostic(entry, args, { file: shownAs, range: startOfFile })],
  });
  const read = readProjectFile(configPath);
  if ("refused" in read) {
    const problem = read.refused;
    switch (problem.kind) {
      case "missing":
        return fail(messages.configUnreadable, { reason: "no such file" });
      case "unreadable":
        return fail(messages.configUnreadable, { reason: problem.reason });
      case "not-a-file":
        return fail(messages.configNotRegularFile, { kind: problem.what });
      case "too-large":
        return fail(messages.configTooLarge, { limit: formatBytes(problem.limit) });
      case "outside":
        throw new Error("loadConfig: the config is read without roots, so it cannot be outside one");
    }
  }
  let raw: unknown;
  try {
    raw = JSON.parse(read.text);
  } catch (error) {
    return fail(messages.configUnreadable, { reason: (error as Error).message });
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return fail(messages.configNotObject, {});
  const record = raw as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    const expected = keys[key];
    if (!expected) return fail(messages.configUnknownKey, { key, keys: Object.keys(keys).join(", ") });
    if (expected === "string" && !(typeof value === "string" && value.length > 0))
      return fail(messages.configNotString, { key });
    if (
      expected === "string[]" &&
      !(Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string" && v.length > 0))
    )
      return fail(messages.configNotStringList, { key });
  }
  if (typeof record["runtimeImport"] === "string" && hasUnsafeCharacters(record["runtimeImport"]))
    return fail(messages.configUnsafeRuntimeImport, {});
  if (!record["files"]) return fail(messages.configWithoutFiles, {});
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
    ...(config.allowOutside
      ? { allowOutside: config.allowOutside.map((d) => path.resolve(path.dirname(configPath), d)) }
      : {}),
    ...(config.out ? { outDir: config.out } : {}),
    ...(config.name ? { name: config.name } : {}),
    ...(config.runtimeImport ? { runtimeImport: config.runtimeImport } : {}),
  };
}
