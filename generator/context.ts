// The Context every emitter takes first: the model, the options, the lookups derived from the model once
// (generator/emit-lookups.ts) and the ts-morph project files are created in.
// User strings reach the output only through generator/escape.ts.
import { Project, type StatementStructures, type WriterFunction } from "ts-morph";
import { hasUnsafeCharacters, lineComment } from "./escape.js";
import { deriveLookups, type Lookups } from "./emit-lookups.js";
import { generatedHeaderLine } from "./generated.js";
import type { Model } from "./model.js";

export interface EmitOptions {
  /** The module generated code imports the runtime from. */
  readonly runtimeImport: string;
  /** The .kef files as the header names them (relative to the output directory). */
  readonly sourceLabels: readonly string[];
}

export interface Context {
  readonly model: Model;
  readonly options: EmitOptions;
  /** What emitters look up about the model (named types, handler types, ...), computed once here. */
  readonly lookups: Lookups;
  readonly project: Project;
}

export function createContext(model: Model, options: EmitOptions): Context {
  // ts-morph quotes module specifiers (escaping quotes and backslashes); the config rejects the rest.
  if (hasUnsafeCharacters(options.runtimeImport)) throw new Error(`internal: runtime import ${JSON.stringify(options.runtimeImport)} holds a control character`);
  return { model, options, lookups: deriveLookups(model), project: new Project({ useInMemoryFileSystem: true, skipAddingFilesFromTsConfig: true }) };
}

/** Header of every generated file: marks it generated, names its source, silences linters. */
export function header(ctx: Context): string {
  const sources = ctx.options.sourceLabels.map((label) => `// source: ${lineComment(label)}\n`).join("");
  return `${generatedHeaderLine}\n${sources}/* eslint-disable */\n`;
}

/**
 * Creates a generated file from its statements in one go: ts-morph prints the structures once. (Adding them one at a
 * time would re-parse the growing file after each, a cost quadratic in the number of declarations.)
 */
export function addFile(ctx: Context, name: string, statements: readonly (StatementStructures | WriterFunction)[]): void {
  ctx.project.createSourceFile(name, { statements: [...statements] }, { overwrite: true });
}
