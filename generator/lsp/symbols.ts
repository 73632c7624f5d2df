// What the language server knows about names in .kef files: declarations (messages, connections, registries,
// topic aliases) and their uses, found in the parsed AST of every file of a project.
import type { Declaration, KefFile, Name, Range, Setting, SettingsBlock } from "../../grammar/ast.js";
import { builtinKeyTypes } from "../topic-clauses.js";

const isBuiltinKey = (word: string): boolean => builtinKeyTypes.some((b) => b === word);

export type SymbolKind = "message" | "connection" | "registry" | "alias";

/** A declaration or a use of a name. */
export interface Occurrence {
  readonly kind: SymbolKind;
  readonly name: string;
  /** Absolute path of the .kef file. */
  readonly file: string;
  readonly range: Range;
  readonly declaration: boolean;
}

/** The simple name a message reference means: `platform.orders.OrderPlaced` → `OrderPlaced` is not assumed; both are kept. */
function messageRefName(text: string, messages: ReadonlySet<string>): string {
  if (messages.has(text)) return text;
  const last = text.slice(text.lastIndexOf(".") + 1);
  return messages.has(last) ? last : text;
}

/** The settings blocks of a declaration: a topic's consumer block and its producer block, another's own. */
function settingsBlocks(d: Declaration): SettingsBlock[] {
  if (d.$type === "Message") return [];
  if (d.$type !== "Topic") return d.settings ? [d.settings] : [];
  return [d.consumer?.settings, d.producer?.settings].filter((b): b is SettingsBlock => b !== undefined);
}

/** Every setting written in a declaration's settings blocks (a topic's consumer and producer blocks). */
export function settingsIn(d: Declaration): readonly Setting[] {
  return settingsBlocks(d).flatMap((b) => b.settings);
}

/** Whether `offset` is inside the `producer { }` of a topic. */
export function inProducerBlock(d: Declaration, offset: number): boolean {
  return d.$type === "Topic" && d.producer !== undefined && contains(d.producer.range, offset);
}

/** All occurrences of names in the files of a project. */
export function occurrences(files: ReadonlyMap<string, KefFile>): Occurrence[] {
  const out: Occurrence[] = [];
  const messages = new Set<string>();
  for (const ast of files.values())
    for (const d of ast.declarations) if (d.$type === "Message") messages.add(d.name.text);
  const add = (kind: SymbolKind, file: string, n: Name, declaration: boolean, name = n.text): void => {
    if (n.text !== "") out.push({ kind, name, file, range: n.range, declaration });
  };
  for (const [file, ast] of files) {
    for (const d of ast.declarations) {
      if (d.$type === "Message") add("message", file, d.name, true);
      if (d.$type === "Connection") add("connection", file, d.name, true);
      if (d.$type === "Registry") add("registry", file, d.name, true);
      if (d.$type === "Topic") {
        if (d.alias) add("alias", file, d.alias, true);
        // The message types of a multi-type topic (`: A | B`) and a message key type (`key OrderId`) are uses too.
        for (const m of [d.message, ...(d.members ?? [])])
          if (m) add("message", file, m, false, messageRefName(m.text, messages));
        for (const c of d.clauses)
          if (
            c.$type === "KeyClause" &&
            c.type &&
            !isBuiltinKey(c.type.text) &&
            messages.has(messageRefName(c.type.text, messages))
          )
            add("message", file, c.type, false, messageRefName(c.type.text, messages));
        if (d.consumer?.$type === "ViaConsumer") add("connection", file, d.consumer.connection, false);
      }
      for (const s of settingsIn(d)) {
        if (s.name.text === "registry" && s.value?.$type === "IdentifierValue") {
          add("registry", file, { $type: "Name", text: s.value.value, range: s.value.range }, false);
        }
      }
    }
  }
  return out;
}

/** Whether a 0-based offset is within a range (its end included, so a cursor just after a name finds it). */
export function contains(range: Range, offset: number): boolean {
  return range.start.offset <= offset && offset <= range.end.offset;
}

/** The declaration of the file that holds the offset. */
export function declarationAt(ast: KefFile, offset: number): Declaration | undefined {
  return ast.declarations.find((d) => contains(d.range, offset));
}

/** The setting written at the offset (its name or value). */
export function settingAt(ast: KefFile, offset: number): { setting: Setting; declaration: Declaration } | undefined {
  const declaration = declarationAt(ast, offset);
  if (!declaration) return undefined;
  const setting = settingsIn(declaration).find((s) => contains(s.range, offset));
  return setting ? { setting, declaration } : undefined;
}

/** The name at `offset` of `file`, and every occurrence of the same name of the same kind in the project's files. */
export function symbolAt(
  where: { readonly file: string; readonly files: ReadonlyMap<string, KefFile> },
  offset: number,
): { occurrence: Occurrence; all: Occurrence[] } | undefined {
  const all = occurrences(where.files);
  const occurrence = all.find((o) => o.file === where.file && contains(o.range, offset));
  if (!occurrence) return undefined;
  return { occurrence, all: all.filter((o) => o.kind === occurrence.kind && o.name === occurrence.name) };
}
