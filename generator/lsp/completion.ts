// Completion: keywords and declared names at the top level; setting names (with their documentation and default)
// inside a block, by the block's kind; a setting's values after `name =` (enum values, booleans, declared names,
// words, and units after a number); message types after `topic "..." :` and after each `|` of a multi-type topic;
// connection names after `via`; and in a topic's { } what topic-body.ts offers.
import { TextDocument } from "vscode-languageserver-textdocument";
import { CompletionItemKind, MarkupKind, type CompletionItem } from "vscode-languageserver/node";
import { keywords } from "../../grammar/tokens.js";
import { defaultRouteHeader } from "../multi-type.js";
import { settingsByName, settingsCatalogue, units, type SettingInfo } from "../settings.js";
import { settingDoc } from "./hover.js";
import type { DocumentContext } from "./protocol.js";
import { declarationAt, inProducerBlock, occurrences, type Occurrence } from "./symbols.js";
import { topicBlockAt, topicBodyItems, topicConfigCompletion } from "./topic-body.js";

const item = (label: string, kind: CompletionItemKind, detail?: string): CompletionItem => ({
  label,
  kind,
  ...(detail ? { detail } : {}),
});

/** The completion items at `offset` of the document. */
export function completionAt(ctx: DocumentContext, offset: number): CompletionItem[] {
  const lineStart = ctx.text.lastIndexOf("\n", offset - 1) + 1;
  const before = ctx.text.slice(lineStart, offset);
  const names = (kind: Occurrence["kind"]) => [
    ...new Set(
      occurrences(ctx.files)
        .filter((o) => o.kind === kind && o.declaration)
        .map((o) => o.name),
    ),
  ];
  // Inside a topic's `{ }`: which block, from the braces (the line being typed may not parse yet).
  const declaration = declarationAt(ctx.ast, offset);
  const topicStart = declaration
    ? declaration.$type === "Topic"
      ? declaration.range.start.offset
      : undefined
    : lastTopicStart(ctx.text, offset);
  const topicBlock = topicStart === undefined ? undefined : topicBlockAt(ctx.text, topicStart, offset);
  if (topicBlock === "config") {
    const doc = TextDocument.create("", "kef", 0, ctx.text);
    return topicConfigCompletion(before, (n) => ({ start: doc.positionAt(offset - n), end: doc.positionAt(offset) }));
  }
  // A setting's value: after `name =`.
  const assignment = /([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(-?[0-9][0-9.]*)?[A-Za-z]*$/.exec(before);
  if (assignment) return valueItems(assignment[1]!, assignment[2] !== undefined, names);
  if (/\bvia\s+[A-Za-z0-9_]*$/.test(before))
    return names("connection").map((n) => item(n, CompletionItemKind.Reference, "connection"));
  // The message type after the colon, and each further one after a `|` (a multi-type topic).
  if (/^\s*topic\s+"[^"]*"(\s+as\s+[A-Za-z0-9_]+)?\s*:\s*([A-Za-z0-9_.]+\s*\|\s*)*[A-Za-z0-9_.]*$/.test(before))
    return names("message").map((n) => item(n, CompletionItemKind.Class, "message type"));
  if (topicBlock === "body" && /^\s*[A-Za-z0-9_]*$/.test(before)) return topicBodyItems();
  const inBlock =
    declaration &&
    declaration.$type !== "Message" &&
    declaration.$type !== "Registry" &&
    ctx.text.lastIndexOf("{", offset - 1) > declaration.range.start.offset;
  if (inBlock && /^\s*[A-Za-z0-9_]*$/.test(before)) {
    // Which settings the block takes (generator/check.ts): a topic's producer block the producer's, its consumer
    // block the buffer's, a connection all but the producer's, the shared block all.
    const producerBlock = inProducerBlock(declaration, offset);
    const fits = (s: SettingInfo): boolean =>
      producerBlock
        ? s.scope === "producer" && s.name !== "produce"
        : declaration.$type === "Topic"
          ? s.scope === "buffer"
          : declaration.$type === "Connection"
            ? s.scope !== "producer"
            : true;
    return settingsCatalogue.filter(fits).map((s) => ({
      label: s.name,
      kind: CompletionItemKind.Property,
      detail: `default: ${s.default === undefined ? "none" : String(s.default)}`,
      documentation: { kind: MarkupKind.Markdown, value: settingDoc(s) },
      insertText: `${s.name} = `,
    }));
  }
  return [
    ...keywords.map((k) => item(k, CompletionItemKind.Keyword)),
    ...names("message").map((n) => item(n, CompletionItemKind.Class, "message type")),
    ...names("connection").map((n) => item(n, CompletionItemKind.Reference, "connection")),
    ...names("alias").map((n) => item(n, CompletionItemKind.Variable, "topic alias")),
    ...names("registry").map((n) => item(n, CompletionItemKind.Reference, "registry")),
  ];
}

/** The values of setting `name` (its units, after a number). */
function valueItems(
  name: string,
  afterNumber: boolean,
  names: (kind: Occurrence["kind"]) => string[],
): CompletionItem[] {
  if (name === "route" && !afterNumber)
    return [
      item(
        `header(${JSON.stringify(defaultRouteHeader)})`,
        CompletionItemKind.Value,
        "route (default): a header names the type",
      ),
      item("schema", CompletionItemKind.Value, "route: the Confluent writer schema names the type"),
    ];
  const info = settingsByName.get(name);
  if (!info) return [];
  const t = info.type;
  if (afterNumber)
    return t.kind === "integer" && t.unit
      ? Object.keys(units[t.unit]).map((u) => item(u, CompletionItemKind.Unit, `×${units[t.unit!][u]}`))
      : [];
  if (t.kind === "enum")
    return t.values.map((v) =>
      item(v, CompletionItemKind.EnumMember, `${info.name}${info.default === v ? " (default)" : ""}`),
    );
  if (t.kind === "boolean") return ["true", "false"].map((v) => item(v, CompletionItemKind.Value));
  if (t.kind === "name")
    return names(t.of === "registry" ? "registry" : "connection").map((n) =>
      item(n, CompletionItemKind.Reference, t.of),
    );
  // Words a string or number setting also takes: `deadLetter = default`, `retryAttempts = unlimited`.
  if ((t.kind === "string" || t.kind === "integer") && t.words)
    return t.words.map((v) =>
      item(v, CompletionItemKind.Keyword, `${info.name}${info.default === v ? " (default)" : ""}`),
    );
  return [];
}

/** Where the last `topic` declaration before `offset` starts, for text that does not parse as one yet. */
function lastTopicStart(text: string, offset: number): number | undefined {
  let start: number | undefined;
  for (const m of text.slice(0, offset).matchAll(/^topic\b/gm)) start = m.index;
  return start;
}
