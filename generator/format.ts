// Turns a generated file's statements (ts-morph structures) into its formatted text: ts-morph prints the
// structures, dprint's TypeScript formatter (a WebAssembly module, @dprint/typescript) formats them with fixed
// options, so output never depends on a user's config.
//
// Each top-level statement is printed and formatted on its own and the file is put together from the pieces, so a
// statement already formatted is reused from an EmitCache: `kefgen build --watch` keeps one across rebuilds and
// re-prints and re-formats only the statements a change touched. A statement's key is its structure, whole (plain
// data: a function inside a structure is refused, it could not be told apart), so an entry cannot go stale within
// a process. A cold build prints and formats every statement once, formatting a chunk of them per dprint call.
// The text is byte for byte what formatting the whole file gives (the golden tests hold it to that): top-level
// statements are formatted independently, and the line breaks between them follow ts-morph's printer.
//
// Why dprint and not prettier (which formatted the output until then): on a cold build of 400 message types
// prettier took 42 % of the CPU time, dprint formats the same text in about a quarter of prettier's time and its
// module loads in ~50 ms. With the options below its output matches prettier's on the generated code but for
// a few long lines (docs/tools.md lists them). dprint keeps a bracket's first line break as it finds it
// (an object or array whose first element starts on a new line stays broken), so the layout also depends on how
// the emitters write their literals: deterministically, since they always write them the same way.
import fs from "node:fs";
import { createFromBuffer, type Formatter } from "@dprint/formatter";
import { getPath } from "@dprint/typescript";
import { printStructure, StructureKind, type StatementStructures } from "./ts-morph.js";
import { generatedLineWidth, type EmitCache } from "./generated.js";

/** dprint-plugin-typescript's options, set to the layout prettier gave the generated code (110 columns). */
const options = {
  lineWidth: generatedLineWidth,
  indentWidth: 2,
  useTabs: false,
  newLineKind: "lf" as const,
  quoteStyle: "preferDouble",
  quoteProps: "asNeeded",
  // "prefer": a semicolon after every statement and member, but none after the last member of a one-line type
  // literal (`{ [key: string]: number }`), as prettier printed them.
  semicolons: "prefer",
  trailingCommas: "onlyMultiLine",
  bracePosition: "sameLine",
  nextControlFlowPosition: "sameLine",
  operatorPosition: "nextLine",
  "arrowFunction.useParentheses": "force",
  "module.sortImportDeclarations": "maintain",
  "module.sortExportDeclarations": "maintain",
  "importDeclaration.sortNamedImports": "maintain",
  "exportDeclaration.sortNamedExports": "maintain",
};

let formatter: Formatter | undefined;

/** The formatter, its WebAssembly module compiled once per process, when first needed. */
function dprint(): Formatter {
  if (formatter) return formatter;
  const created = createFromBuffer(fs.readFileSync(getPath()));
  const { lineWidth, indentWidth, useTabs, newLineKind, ...plugin } = options;
  created.setConfig({ lineWidth, indentWidth, useTabs, newLineKind }, plugin);
  const problems = created.getConfigDiagnostics();
  if (problems.length > 0)
    throw new Error(
      `internal: dprint refuses the generator's options: ${problems.map((p) => `${p.propertyName}: ${p.message}`).join("; ")}`,
    );
  return (formatter = created);
}

/** `text` (TypeScript) formatted as generated code is. */
export function formatTypeScript(text: string): string {
  return dprint().formatText({ filePath: "generated.ts", fileText: text });
}

/**
 * Statements formatted in one dprint call: enough that each call's fixed cost is small (formatting the 400-type
 * bench project's 2,011 statements one per call took 2.5 times the CPU time of 40 per call), few enough that one
 * call's text and syntax tree weigh little (40 gave a lower peak RSS than 100 when prettier formatted them).
 */
const chunkSize = 40;

/** The cache key of a statement: its structure as JSON, refusing what JSON would silently drop. */
function keyOf(statement: StatementStructures): string {
  return JSON.stringify(statement, (_, value: unknown) => {
    if (typeof value === "function")
      throw new Error(
        "internal: a generated statement's structure holds a function, which cannot be cached by content",
      );
    return value;
  });
}

/**
 * The text of one generated file: `header`, a blank line, then the statements, each printed and formatted once
 * per content (see the top of this file). Entries of `cache` that this file does not use are left alone.
 */
export function renderFile(
  header: string,
  statements: readonly StatementStructures[],
  cache: EmitCache,
  used: Set<string>,
): string {
  if (statements.length === 0) return formatTypeScript(header + "\n");
  const keys = statements.map(keyOf);
  for (const key of keys) used.add(key);
  const byKey = new Map(keys.map((k, i) => [k, statements[i]!]));
  const missing = [...byKey.keys()].filter((k) => !cache.has(k));
  // In chunks: the text of one chunk at a time is in the formatter, not that of a whole large file.
  for (let start = 0; start < missing.length; start += chunkSize) {
    const chunk = missing.slice(start, start + chunkSize);
    const printed = print(chunk.map((k) => byKey.get(k)!));
    const formatted = formatEach(printed);
    chunk.forEach((k, i) => cache.set(k, { printed: printed[i]!, formatted: formatted[i]! }));
  }
  let text = header + "\n";
  keys.forEach((key, i) => {
    const entry = cache.get(key)!;
    if (i > 0 && blankLineBefore(statements[i - 1]!, cache.get(keys[i - 1]!)!.printed, statements[i]!)) text += "\n";
    text += entry.formatted;
  });
  return text;
}

/**
 * Whether ts-morph's printer puts a blank line before `statement` (StatementStructurePrinter): before a function,
 * class, interface, namespace or enum, and after anything that ends in `}`. One addition of ours: a blank line
 * after the imports, which every generated file has always had.
 */
function blankLineBefore(previous: StatementStructures, previousText: string, statement: StatementStructures): boolean {
  switch (statement.kind) {
    case StructureKind.Function:
    case StructureKind.Class:
    case StructureKind.Interface:
    case StructureKind.Module:
    case StructureKind.Enum:
      return true;
  }
  if (previous.kind === StructureKind.ImportDeclaration && statement.kind !== StructureKind.ImportDeclaration)
    return true;
  return previousText.trimEnd().endsWith("}");
}

/**
 * Each statement as ts-morph prints it (with its doc comment), by ts-morph's structure printer alone
 * (`printStructure`): no source file is made, so TypeScript never parses the text. ts-morph writes a member's
 * modifiers as `override abstract`: they are put in the order `abstract override`, which generated code has always
 * had (prettier printed it so). An empty body, which ts-morph prints as `{` and `}` on two lines and dprint keeps
 * so, is written `{}` as before. Only a line's first words are matched: user text never starts a line (string
 * literals escape line breaks, doc comment lines start with `*`).
 */
function print(statements: readonly StatementStructures[]): string[] {
  return statements.map((statement) =>
    printStructure(statement, { indentNumberOfSpaces: 2 })
      .replace(/\n+$/, "")
      .replace(/^(\s*)override abstract (?=[A-Za-z_$][\w$]*\()/gm, "$1abstract override ")
      .replace(/\{\n\}$/, "{}"),
  );
}

/**
 * Formats each statement as dprint formats it in a file of its own (ending in a line break), in one dprint
 * call: the statements go in separated by a marker comment, which dprint keeps on its own line before the next
 * statement, and the result is cut at the markers.
 */
function formatEach(texts: readonly string[]): string[] {
  if (texts.length === 1) return [formatTypeScript(texts[0]!)];
  let marker = "// kefgen-statement";
  while (texts.some((t) => t.includes(marker))) marker += "-";
  const formatted = formatTypeScript(texts.join(`\n${marker}\n`));
  const parts = formatted.split(`\n${marker}\n`);
  if (parts.length !== texts.length)
    throw new Error(`internal: ${texts.length} statements formatted as ${parts.length}`);
  return parts.map((p, i) => (i < parts.length - 1 ? p + "\n" : p));
}
