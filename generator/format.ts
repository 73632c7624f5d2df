// Turns a generated file's statements (ts-morph structures) into its formatted text: ts-morph prints the
// structures, prettier formats them with fixed options, so output never depends on a user's config.
//
// Each top-level statement is printed and formatted on its own and the file is put together from the pieces, so a
// statement already formatted is reused from an EmitCache: `kefgen build --watch` keeps one across rebuilds and
// re-prints and re-formats only the statements a change touched. A statement's key is its structure, whole (plain
// data: a function inside a structure is refused, it could not be told apart), so an entry cannot go stale within
// a process. A cold build prints and formats every statement once, a chunk of them per ts-morph file and prettier call.
// The text is byte for byte what formatting the whole file gives (the golden tests hold it to that): prettier
// formats top-level statements independently, and the line breaks between them follow ts-morph's printer.
import * as prettier from "prettier";
import { Project, StructureKind, type StatementStructures } from "ts-morph";
import type { EmitCache } from "./generated.js";

const options: prettier.Options = {
  printWidth: 110,
  tabWidth: 2,
  semi: true,
  singleQuote: false,
  trailingComma: "all",
  endOfLine: "lf",
};

/**
 * prettier parses with `babel-ts`, which takes less CPU time than its `typescript` parser on generated code and
 * leads to the same printer (the golden tests hold the output to it; a cold 400-type build: 17 % less CPU time,
 * and the `typescript` parser is never loaded).
 */
export async function formatTypeScript(text: string): Promise<string> {
  return prettier.format(text, { ...options, parser: "babel-ts" });
}

/**
 * Statements printed and formatted in one go: enough that each call's fixed cost is small, few enough that the
 * syntax trees of one chunk weigh little (40 gave a lower peak RSS than 100 on the 400-type bench project).
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
export async function renderFile(
  header: string,
  statements: readonly StatementStructures[],
  cache: EmitCache,
  used: Set<string>,
): Promise<string> {
  if (statements.length === 0) return formatTypeScript(header + "\n");
  const keys = statements.map(keyOf);
  for (const key of keys) used.add(key);
  const byKey = new Map(keys.map((k, i) => [k, statements[i]!]));
  const missing = [...byKey.keys()].filter((k) => !cache.has(k));
  // In chunks: ts-morph's and prettier's trees of one chunk at a time are alive, not those of a whole large file.
  for (let start = 0; start < missing.length; start += chunkSize) {
    const chunk = missing.slice(start, start + chunkSize);
    const printed = print(chunk.map((k) => byKey.get(k)!));
    const formatted = await formatEach(printed);
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
 * Each statement as ts-morph prints it (with its doc comment), from one in-memory file that is dropped afterwards.
 * ts-morph writes a member's modifiers as `override abstract`, which TypeScript accepts but babel refuses: they are
 * put in the order `abstract override` that prettier prints either way. Only a line's first words are matched:
 * user text never starts a line (string literals escape line breaks, doc comment lines start with `*`).
 */
function print(statements: readonly StatementStructures[]): string[] {
  const project = new Project({ useInMemoryFileSystem: true, skipAddingFilesFromTsConfig: true });
  const file = project.createSourceFile("print.ts", { statements: [...statements] });
  const texts = file
    .getStatements()
    .map((s) => s.getText(true).replace(/^(\s*)override abstract (?=[A-Za-z_$][\w$]*\()/gm, "$1abstract override "));
  if (texts.length !== statements.length)
    throw new Error(`internal: ${statements.length} statements printed as ${texts.length}`);
  project.removeSourceFile(file);
  return texts;
}

/**
 * Formats each statement as prettier formats it in a file of its own (ending in a line break), in one prettier
 * call: the statements go in separated by a marker comment, which prettier keeps on its own line before the next
 * statement, and the result is cut at the markers.
 */
async function formatEach(texts: readonly string[]): Promise<string[]> {
  if (texts.length === 1) return [await formatTypeScript(texts[0]!)];
  let marker = "// kefgen-statement";
  while (texts.some((t) => t.includes(marker))) marker += "-";
  const formatted = await formatTypeScript(texts.join(`\n${marker}\n`));
  const parts = formatted.split(`\n${marker}\n`);
  if (parts.length !== texts.length)
    throw new Error(`internal: ${texts.length} statements formatted as ${parts.length}`);
  return parts.map((p, i) => (i < parts.length - 1 ? p + "\n" : p));
}
