// Completion and hover inside a topic's `{ }`: the clauses and provisioning settings its body takes (partitions,
// replicationFactor, config, producer, consumer), and Kafka's topic config keys and values inside `config { }`, all
// from generator/topic-config.ts's table. Which block the cursor is in comes from the braces in the text, so it
// works while the line being typed does not parse yet (an unterminated `"ret`).
import {
  CompletionItemKind,
  MarkupKind,
  type CompletionItem,
  type Range as LspRange,
} from "vscode-languageserver/node";
import type { Declaration } from "../../grammar/ast.js";
import {
  describeTopicConfig,
  provisioningSettingDocs,
  provisioningSettings,
  topicConfigWords,
  topicConfigs,
} from "../topic-config.js";
import { routeSettingDoc } from "../multi-type.js";
import { contains } from "./symbols.js";

/** Where Kafka documents its topic configs (the version the table follows). */
const TOPIC_CONFIGS_URL = "https://kafka.apache.org/41/configuration/topic-level-configs";

/** The block of a topic's `{ }` the cursor is in: the body itself, `config { }`, `producer { }` or a consumer's settings. */
export type TopicBlock = "body" | "config" | "producer" | "consumer";

/**
 * The block of the declaration starting at `start` that holds `offset`, from the braces between them (strings and
 * `//` comments skipped); undefined outside the declaration's `{ }`.
 */
export function topicBlockAt(text: string, start: number, offset: number): TopicBlock | undefined {
  const opened: string[] = [];
  for (let i = start; i < offset; i++) {
    const ch = text[i];
    if (ch === '"') {
      // A string ends at the next unescaped quote on its line; one still open at the cursor is where it is typing.
      let j = i + 1;
      while (j < offset && text[j] !== '"' && text[j] !== "\n") j += text[j] === "\\" ? 2 : 1;
      if (j >= offset) break;
      i = j;
    } else if (ch === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      if (end < 0 || end >= offset) break;
      i = end;
    } else if (ch === "{") opened.push(/([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(text.slice(start, i))?.[1] ?? "");
    else if (ch === "}") opened.pop();
  }
  if (opened.length === 0) return undefined;
  if (opened.length === 1) return "body";
  const inner = opened.at(-1);
  return inner === "config" ? "config" : inner === "producer" ? "producer" : "consumer";
}

/** What a topic's `{ }` takes at the start of an item. */
export function topicBodyItems(): CompletionItem[] {
  const keyword = (label: string, detail: string, insertText: string): CompletionItem => ({
    label,
    kind: CompletionItemKind.Keyword,
    detail,
    insertText,
  });
  return [
    ...provisioningSettings.map((name) => ({
      label: name,
      kind: CompletionItemKind.Property,
      detail: "topic provisioning",
      documentation: { kind: MarkupKind.Markdown, value: `**${name}**: ${provisioningSettingDocs[name]}` },
      insertText: `${name} = `,
    })),
    {
      label: "route",
      kind: CompletionItemKind.Property,
      detail: "multi-type topic",
      documentation: { kind: MarkupKind.Markdown, value: `**route**: ${routeSettingDoc}` },
      insertText: "route = ",
    },
    keyword("config", 'Kafka topic configs: config { "retention.ms" = 7d }', "config { "),
    keyword("producer", "generate a typed producer for the topic: producer { acks = all }", "producer { "),
    keyword(
      "consumer",
      "how the topic is consumed: consumer via <connection>, consumer exclusive { ... }",
      "consumer ",
    ),
  ];
}

/**
 * Completion inside `config { }`, from the text of the line before the cursor: the known keys at the start of an
 * entry (each replacing what is typed, its quote included, by `"key" = `), a key's words or units after `=`.
 * `replace(n)` is the range of the `n` characters before the cursor.
 */
export function topicConfigCompletion(before: string, replace: (length: number) => LspRange): CompletionItem[] {
  const typed = /("?)([A-Za-z0-9_.]*)$/.exec(before)!;
  const prefix = before.slice(0, before.length - typed[0].length);
  const value = /"([^"\n]*)"\s*=\s*(-?[0-9][0-9.]*)?[A-Za-z]*$/.exec(before);
  if (value) {
    const accepts = topicConfigWords(value[1]!);
    if (!accepts) return [];
    if (value[2] !== undefined)
      return "units" in accepts
        ? Object.entries(accepts.units).map(([u, f]) => ({ label: u, kind: CompletionItemKind.Unit, detail: `×${f}` }))
        : [];
    return "words" in accepts
      ? accepts.words.map((w) => ({ label: w, kind: CompletionItemKind.EnumMember, detail: value[1] }))
      : [];
  }
  if (/=\s*$/.test(prefix) || (prefix !== "" && !/[\s{]$/.test(prefix))) return [];
  return [...topicConfigs.keys()].map((key) => ({
    label: key,
    kind: CompletionItemKind.Property,
    detail: describeTopicConfig(key)!,
    documentation: { kind: MarkupKind.Markdown, value: topicConfigDoc(key) },
    filterText: typed[1] ? `"${key}"` : key,
    textEdit: { range: replace(typed[0].length), newText: `"${key}" = ` },
  }));
}

/** Hover text of a topic config key or a provisioning setting of a topic's `{ }` at `offset`, with its range. */
export function topicBodyHover(
  declaration: Declaration,
  offset: number,
): { value: string; range: Declaration["range"] } | undefined {
  if (declaration.$type !== "Topic") return undefined;
  for (const item of declaration.body) {
    if (item.$type === "TopicConfig") {
      const entry = item.entries.find((e) => contains(e.key.range, offset));
      if (entry && topicConfigs.has(entry.key.value))
        return { value: topicConfigDoc(entry.key.value), range: entry.key.range };
    } else if (item.$type === "Setting" && contains(item.name.range, offset)) {
      const name = provisioningSettings.find((p) => p === item.name.text);
      if (name) return { value: `**${name}**: ${provisioningSettingDocs[name]}`, range: item.name.range };
      if (item.name.text === "route") return { value: `**route**: ${routeSettingDoc}`, range: item.name.range };
    }
  }
  return undefined;
}

function topicConfigDoc(key: string): string {
  return [
    `**${key}**: Kafka topic config`,
    "",
    `Value: ${describeTopicConfig(key)}.`,
    "",
    `See [Kafka's topic configs](${TOPIC_CONFIGS_URL}).`,
  ].join("\n");
}
