// Hover: a setting's documentation and its effective value along default → shared → connection → topic (or, in a
// topic's producer block, default → shared → the producer block), a message type's fields with their TypeScript
// types, the provisioning settings and topic configs of a topic's { } (topic-body.ts), and what a name is.
import { MarkupKind, type Hover } from "vscode-languageserver/node";
import { settingValueText, type Declaration, type Setting } from "../../grammar/ast.js";
import type { AvroType } from "../avro-types.js";
import { deriveLookups } from "../emit-lookups.js";
import { typeExpression } from "../emit-messages.js";
import type { Model } from "../model.js";
import { describeType, settingsByName, type SettingInfo } from "../settings.js";
import { toLspRange, type DocumentContext } from "./protocol.js";
import { contains, declarationAt, inProducerBlock, settingAt, settingsIn, symbolAt } from "./symbols.js";
import { topicBodyHover } from "./topic-body.js";

/** A setting's documentation: meaning, value type, default, where it may be written, who honours it. */
export function settingDoc(info: SettingInfo): string {
  const lines = [`**${info.name}**: ${info.meaning}`, "", `Value: ${describeType(info.type)}.`];
  lines.push(`Default: ${info.default === undefined ? "none" : `\`${String(info.default)}\``}.`);
  lines.push(
    `Scope: ${info.scope === "buffer" ? "a connection, or a topic" : info.scope === "producer" ? "the shared block, or a topic's producer block" : "a connection"}${info.inherited ? " (inherited from the shared block)" : ""}.`,
  );
  lines.push(`Honoured by: ${info.honouredBy}.`);
  return lines.join("\n");
}

const markdown = (value: string, range: Declaration["range"]): Hover => ({
  contents: { kind: MarkupKind.Markdown, value },
  range: toLspRange(range),
});

/** The hover at `offset` of the document, or null. */
export function hoverAt(ctx: DocumentContext, offset: number): Hover | null {
  const declaration = declarationAt(ctx.ast, offset);
  const provisioning = declaration && topicBodyHover(declaration, offset);
  if (provisioning) return markdown(provisioning.value, provisioning.range);
  const at = settingAt(ctx.ast, offset);
  if (at && contains(at.setting.name.range, offset)) {
    const info = settingsByName.get(at.setting.name.text);
    if (!info) return null;
    const value = [settingDoc(info), "", ...effectiveValue(ctx, at.declaration, info, offset)].join("\n");
    return markdown(value, at.setting.name.range);
  }
  const symbol = symbolAt(ctx, offset);
  if (!symbol) return null;
  const { occurrence } = symbol;
  if (occurrence.kind === "message") {
    const model = ctx.project.analysis?.model;
    const message = model?.messages.find((m) => m.name === occurrence.name);
    return markdown(
      model && message
        ? messageHover(model, message.name, message.fullName, message.schema.root)
        : `message **${occurrence.name}**`,
      occurrence.range,
    );
  }
  return markdown(
    `${occurrence.kind === "alias" ? "topic alias" : occurrence.kind} **${occurrence.name}**`,
    occurrence.range,
  );
}

/**
 * The setting's effective value where it is written, and the layers it comes from: default → shared → connection →
 * topic; in a topic's producer block default → shared → the producer block (producer settings have no connection layer).
 */
function effectiveValue(ctx: DocumentContext, declaration: Declaration, info: SettingInfo, offset: number): string[] {
  const all = [...ctx.files.values()].flatMap((ast) => ast.declarations);
  const written = (d: Declaration | undefined, producer = false): string | undefined => {
    if (!d) return undefined;
    const blocks =
      d.$type === "Topic"
        ? producer
          ? d.producer?.settings?.settings
          : d.consumer?.settings?.settings
        : settingsIn(d);
    const s: Setting | undefined = blocks?.find((x) => x.name.text === info.name);
    return s?.value ? settingValueText(s.value) : undefined;
  };
  const shared = all.find((d) => d.$type === "Shared");
  const layers: { label: string; value: string | undefined }[] = [
    { label: "default", value: info.default === undefined ? undefined : String(info.default) },
  ];
  const sharedLayer = (applies: boolean) =>
    layers.push({ label: "shared", value: applies ? written(shared) : undefined });
  let connectionName = "shared";
  let topicName: string | undefined;
  const producer = inProducerBlock(declaration, offset);
  if (declaration.$type === "Shared") sharedLayer(true);
  else if (declaration.$type === "Connection") {
    connectionName = declaration.name.text;
    sharedLayer(info.inherited);
    layers.push({ label: `connection ${declaration.name.text}`, value: written(declaration) });
  } else if (declaration.$type === "Topic" && producer) {
    topicName = declaration.topic.value;
    sharedLayer(true);
    layers.push({ label: `topic "${declaration.topic.value}" producer`, value: written(declaration, true) });
  } else if (declaration.$type === "Topic") {
    topicName = declaration.topic.value;
    const clause = declaration.consumer;
    if (clause?.$type === "ViaConsumer") {
      connectionName = clause.connection.text;
      sharedLayer(info.inherited);
      const conn = all.find((d) => d.$type === "Connection" && d.name.text === clause.connection.text);
      layers.push({ label: `connection ${clause.connection.text}`, value: written(conn) });
    } else sharedLayer(clause?.$type !== "ExclusiveConsumer" || info.inherited);
    layers.push({ label: `topic "${declaration.topic.value}"`, value: written(declaration) });
  } else return [];
  const from = [...layers].reverse().find((l) => l.value !== undefined);
  const resolved = resolvedValue(ctx.project.analysis?.model, topicName, connectionName, info.name, producer);
  const shown =
    resolved !== undefined ? `\`${String(resolved)}\`` : from?.value !== undefined ? `\`${from.value}\`` : "none";
  return [
    `**Effective value:** ${shown}${from ? ` (from ${from.label})` : ""}`,
    "",
    layers.map((l) => `${l.label}: ${l.value === undefined ? "–" : `\`${l.value}\``}`).join(" → "),
  ];
}

/** The value the model resolved for a setting of a topic (its buffer, failure, transaction or producer settings) or a connection. */
function resolvedValue(
  model: Model | undefined,
  topicName: string | undefined,
  connectionName: string,
  name: string,
  producer: boolean,
): string | number | boolean | undefined {
  if (!model) return undefined;
  const topic = topicName === undefined ? undefined : model.topics.find((t) => t.topic === topicName);
  const groups: (object | undefined)[] = producer
    ? [topic?.producer]
    : [
        topic?.buffer,
        topic?.failure,
        topic?.transaction,
        model.connections.find((c) => c.name === (topic?.connection ?? connectionName))?.settings,
      ];
  for (const g of groups) {
    const v = g && name in g ? (g as Record<string, unknown>)[name] : undefined;
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  }
  return undefined;
}

/** A message's fields with their TypeScript types, as emit-messages.ts writes them. */
function messageHover(model: Model, name: string, fullName: string, root: AvroType): string {
  const ctx = { model, lookups: deriveLookups(model) };
  const lines = [`message **${name}** (\`${fullName}\`)`, "", "```ts"];
  const t = root.kind === "ref" ? (model.namedTypes.find((n) => n.fullName === root.fullName) ?? root) : root;
  if (t.kind === "record") {
    lines.push(`interface ${name} {`);
    for (const f of t.fields)
      lines.push(
        `  ${/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(f.name) ? f.name : JSON.stringify(f.name)}: ${typeExpression(ctx, f.type)};`,
      );
    lines.push("}");
  } else lines.push(`type ${name} = ${typeExpression(ctx, t)};`);
  lines.push("```");
  return lines.join("\n");
}
