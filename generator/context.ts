// The Context every emitter takes first: the model, the options, the lookups derived from the model once
// (generator/emit-lookups.ts) and the files emitted so far, each a list of ts-morph statement structures
// (printed and formatted afterwards by generator/format.ts).
// User strings reach the output only through generator/escape.ts.
import type { StatementStructures } from "./ts-morph.js";
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
  /** The generated files by name, in the order they were added. */
  readonly files: Map<string, readonly StatementStructures[]>;
}

export function createContext(model: Model, options: EmitOptions): Context {
  // ts-morph quotes module specifiers (escaping quotes and backslashes); the config rejects the rest.
  if (hasUnsafeCharacters(options.runtimeImport))
    throw new Error(`internal: runtime import ${JSON.stringify(options.runtimeImport)} holds a control character`);
  return { model, options, lookups: deriveLookups(model), files: new Map() };
}

/** Header of every generated file: marks it generated, names its source, silences linters. */
export function header(ctx: Context): string {
  const sources = ctx.options.sourceLabels.map((label) => `// source: ${lineComment(label)}\n`).join("");
  return `${generatedHeaderLine}\n${sources}/* eslint-disable */\n`;
}

/**
 * Adds a generated file, its statements as structures: each is printed once, whole (ts-morph's docs recommend
 * structures for bulk output; adding declarations one at a time to a source file would re-parse the growing file
 * after each, a cost quadratic in the number of declarations). Structures are plain data: no writer functions,
 * since statements are cached by content (generator/format.ts).
 */
export function addFile(ctx: Context, name: string, statements: readonly StatementStructures[]): void {
  ctx.files.set(name, statements);
}
