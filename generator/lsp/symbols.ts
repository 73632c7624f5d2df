// What the language server knows about names in .kef files: declarations (messages, connections, registries,
// topic aliases) and their uses, found in the parsed AST of every file of a project.
import type { Declaration, KefFile, Name, Range, Setting, SettingsBlock } from "../../grammar/ast.js";

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

function settingsOf(d: Declaration): SettingsBlock | undefined {
  if (d.$type === "Topic") return d.consumer?.settings;
  if (d.$type === "Message") return undefined;
  return d.settings;
}

/** Every setting written in a declaration. */
function settingsIn(d: Declaration): readonly Setting[] {
  return settingsOf(d)?.settings ?? [];
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
        if (d.message) add("message", file, d.message, false, messageRefName(d.message.text, messages));
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
