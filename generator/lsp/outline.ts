// Document symbols and folding ranges: each declaration, and inside a topic's { } its consumer, producer and config
// blocks and provisioning settings, with the settings they hold as children.
import { DocumentSymbol, FoldingRangeKind, SymbolKind, type FoldingRange } from "vscode-languageserver/node";
import {
  settingValueText,
  type Declaration,
  type KefFile,
  type Range,
  type Setting,
  type SettingValue,
  type TopicDecl,
} from "../../grammar/ast.js";
import { toLspRange } from "./protocol.js";

/** A `name = value` (a setting, or a `config { }` entry) as a property. */
const property = (name: string, value: SettingValue | undefined, range: Range, selection: Range): DocumentSymbol =>
  DocumentSymbol.create(
    name,
    value ? settingValueText(value) : "",
    SymbolKind.Property,
    toLspRange(range),
    toLspRange(selection),
  );
const settingSymbol = (s: Setting): DocumentSymbol => property(s.name.text, s.value, s.range, s.name.range);

const block = (name: string, detail: string | undefined, range: Range, selection: Range, children: DocumentSymbol[]) =>
  DocumentSymbol.create(name, detail, SymbolKind.Object, toLspRange(range), toLspRange(selection), children);

/** The items of a topic's { } in source order: consumer, producer and config blocks, provisioning settings, route. */
function topicChildren(d: TopicDecl): DocumentSymbol[] {
  return d.body.map((item) => {
    switch (item.$type) {
      case "Setting":
        return settingSymbol(item);
      case "TopicConfig":
        return block(
          item.word.text,
          undefined,
          item.range,
          item.word.range,
          item.entries.map((e) => property(e.key.value, e.value, e.range, e.key.range)),
        );
      case "ProducerClause":
        return block(
          "producer",
          undefined,
          item.range,
          item.keyword,
          (item.settings?.settings ?? []).map(settingSymbol),
        );
      default:
        return block(
          item.$type === "ViaConsumer"
            ? `consumer via ${item.connection.text}`
            : item.$type === "ExclusiveConsumer"
              ? "consumer exclusive"
              : "consumer",
          undefined,
          item.range,
          item.range,
          (item.settings?.settings ?? []).map(settingSymbol),
        );
    }
  });
}

function declarationSymbol(d: Declaration): DocumentSymbol {
  switch (d.$type) {
    case "Message":
      return DocumentSymbol.create(
        `message ${d.name.text}`,
        undefined,
        SymbolKind.Class,
        toLspRange(d.range),
        toLspRange(d.name.range),
      );
    case "Shared":
    case "Connection":
    case "Registry": {
      const name =
        d.$type === "Shared" ? "shared" : `${d.$type === "Connection" ? "connection" : "registry"} ${d.name.text}`;
      const kind = d.$type === "Shared" ? SymbolKind.Namespace : SymbolKind.Object;
      const selection = d.$type === "Shared" ? d.keyword : d.name.range;
      const children = (d.settings?.settings ?? []).map(settingSymbol);
      return DocumentSymbol.create(name, undefined, kind, toLspRange(d.range), toLspRange(selection), children);
    }
    case "Topic": {
      // The message types are the detail: `OrderCreated | OrderCancelled` on a multi-type topic.
      const types = [d.message, ...(d.members ?? [])].filter((m) => m !== undefined).map((m) => m.text);
      return DocumentSymbol.create(
        `topic "${d.topic.value}"${d.alias ? ` as ${d.alias.text}` : ""}`,
        types.join(" | ") || undefined,
        SymbolKind.Event,
        toLspRange(d.range),
        toLspRange(d.topic.range),
        topicChildren(d),
      );
    }
  }
}

/** The document's symbols: its declarations, each with what it holds. */
export function documentSymbols(ast: KefFile): DocumentSymbol[] {
  return ast.declarations.map(declarationSymbol);
}

/** Folding ranges: declarations and the blocks of a topic's { } over several lines, and block comments. */
export function foldingRanges(ast: KefFile, text: string): FoldingRange[] {
  const out: FoldingRange[] = [];
  const fold = (r: Range): void => {
    if (r.end.line > r.start.line) out.push({ startLine: r.start.line - 1, endLine: r.end.line - 1 });
  };
  for (const d of ast.declarations) {
    fold(d.range);
    if (d.$type === "Topic") for (const item of d.body) if (item.$type !== "Setting") fold(item.range);
  }
  // Lines are counted once through the text, not again for each comment.
  const comment = /\/\*[\s\S]*?\*\//g;
  let line = 0;
  let counted = 0;
  const lineAt = (index: number): number => {
    for (let i = text.indexOf("\n", counted); i >= 0 && i < index; i = text.indexOf("\n", i + 1)) line++;
    counted = Math.max(counted, index);
    return line;
  };
  for (let m = comment.exec(text); m; m = comment.exec(text)) {
    const startLine = lineAt(m.index);
    const endLine = startLine + m[0].split("\n").length - 1;
    if (endLine > startLine) out.push({ startLine, endLine, kind: FoldingRangeKind.Comment });
  }
  return out;
}
