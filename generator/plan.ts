// `kefgen plan`: every Kafka consumer a .kef creates, from the build alone (the resolved model): its group id,
// the topics it reads, its effective settings with where each came from, and warnings about rebalance traps.
// Text, JSON and Markdown. No broker is contacted. The command itself is generator/cli/plan.ts.
import { messages, type MessageArgs, type MessageDef } from "./catalogue.js";
import { diagnostic, startOfFile } from "./diagnostics.js";
import type { ConnectionModel, Model, SettingOrigin, TopicModel } from "./model.js";
import { settingsOfShape } from "./settings.js";
import type { DiagnosticCode } from "./diagnostics.js";
import { topicSpecs, type TopicSpec } from "./topic-config.js";
import { describeSpec } from "./topics-plan.js";

/** One effective setting and its origin. */
export interface PlannedSetting {
  readonly name: string;
  /** `null`: not set and no default (no limit). */
  readonly value: string | number | boolean | null;
  readonly from: SettingOrigin["from"];
  /** `file:line` of the value; absent for a default. */
  readonly at?: string;
}

/** One topic a consumer reads. */
export interface PlannedTopic {
  readonly topic: string;
  readonly message: string;
  /**
   * Its per-topic settings (buffer: maxBufferedMessages, concurrency, backpressure; an exactly-once topic's
   * exactlyOnce, transactionMaxRecords, transactionMaxMs; failure: retry*, deadLetter, onDecodeError) and their origins.
   */
  readonly buffer: readonly PlannedSetting[];
  /** Its generated producer's settings and their origins; absent when the topic has no producer. */
  readonly producer?: readonly PlannedSetting[];
}

/** One Kafka consumer (one connection). */
export interface PlannedConsumer {
  readonly connection: string;
  readonly kind: "shared" | "exclusive";
  readonly groupId: string;
  readonly topics: readonly PlannedTopic[];
  /** The consumer's settings (groupId excluded, see {@link groupId}) and their origins. */
  readonly settings: readonly PlannedSetting[];
}

/** A rebalance trap found in the plan. */
export interface PlanWarning {
  readonly code: DiagnosticCode;
  readonly connection: string;
  readonly message: string;
  readonly hint: string;
  /** `file:line` of the setting concerned; absent when it is a default. */
  readonly at?: string;
}

/** What `kefgen plan` prints. */
export interface ConnectionPlan {
  readonly consumers: readonly PlannedConsumer[];
  readonly warnings: readonly PlanWarning[];
  /** The topics as `kefgen topics` and `ensureTopics` create them; present only when some topic declares provisioning. */
  readonly topics?: readonly TopicSpec[];
}

/**
 * A topic's buffer and failure settings by setting name, as its resolved model says (deadLetter: the topic's name or
 * none); an exactly-once topic's `exactlyOnce` and transaction limits after its buffer settings (other topics have
 * neither, so they are not listed for them).
 */
function bufferSettings(t: TopicModel): [string, unknown][] {
  const exactlyOnce: [string, unknown][] = t.exactlyOnce
    ? [["exactlyOnce", true], ...settingsOfShape("transaction", t.transaction ?? {})]
    : [];
  return [...settingsOfShape("buffer", t.buffer), ...exactlyOnce, ...settingsOfShape("failure", t.failure)];
}

function planned(name: string, value: unknown, origin: SettingOrigin | undefined): PlannedSetting {
  const v = value === undefined ? null : (value as string | number | boolean);
  return { name, value: v, from: origin?.from ?? "default", ...(origin?.at ? { at: origin.at } : {}) };
}

function consumerOf(connection: ConnectionModel): PlannedConsumer {
  const { groupId: _groupId, ...settings } = connection.settings;
  // `client` only when the .kef names one: otherwise the factory's `client` option decides (default kafkajs).
  const names = Object.keys(connection.origins ?? settings).filter(
    (n) => n !== "groupId" && n !== "groupInstanceId" && (n !== "client" || settings.client !== undefined),
  );
  return {
    connection: connection.name,
    kind: connection.kind,
    groupId: connection.settings.groupId,
    topics: connection.topics.map((t) => ({
      topic: t.topic,
      message: t.members ? t.members.map((m) => m.message.name).join(" | ") : t.message.name,
      buffer: bufferSettings(t).map(([n, v]) => planned(n, v, t.bufferOrigins?.[n])),
      ...(t.producer
        ? { producer: Object.entries(t.producer).map(([n, v]) => planned(n, v, t.producerOrigins?.[n])) }
        : {}),
    })),
    settings: names.map((n) => planned(n, (settings as Record<string, unknown>)[n], connection.origins?.[n])),
  };
}

function warningsOf(connection: ConnectionModel): PlanWarning[] {
  const s = connection.settings;
  const out: PlanWarning[] = [];
  /** A plan warning from a catalogue entry, at the setting `name` (its `file:line`, unless it is a default). */
  const warn = <M extends MessageDef>(entry: M, args: MessageArgs<M>, name: string): void => {
    // A plan warning has no range of its own: it is made like a diagnostic, then placed at the setting's origin.
    const d = diagnostic(entry, args, { file: "", range: startOfFile });
    const at = connection.origins?.[name]?.at;
    out.push({
      code: d.code,
      connection: connection.name,
      message: d.message,
      hint: d.hint ?? "",
      ...(at ? { at } : {}),
    });
  };
  if (s.maxPollIntervalMs < s.sessionTimeoutMs) {
    warn(
      messages.rebalanceTimeoutBelowSession,
      { maxPoll: s.maxPollIntervalMs, session: s.sessionTimeoutMs },
      "maxPollIntervalMs",
    );
  }
  const longestWait = Math.max(0, ...connection.topics.map((t) => t.failure.maxBackoffMs));
  if (s.maxPollIntervalMs < longestWait) {
    warn(messages.rebalanceTimeoutBelowRetryWait, { maxPoll: s.maxPollIntervalMs, longestWait }, "maxPollIntervalMs");
  }
  if (s.missingTopics === "wait" && s.autoOffsetReset === "latest") {
    warn(messages.waitingFromLatest, {}, "autoOffsetReset");
  }
  if (connection.topics.length > 1 && s.missingTopics === "wait") {
    warn(
      messages.groupWaitsForSeveralTopics,
      { groupId: s.groupId, topics: connection.topics.length },
      "missingTopics",
    );
  }
  return out;
}

/**
 * The plan of a checked model. Group ids are unique in a build (KEF2013) and a topic is consumed once,
 * so two connections can never share a group here; the warnings are the traps that remain.
 */
export function connectionPlan(model: Model): ConnectionPlan {
  const declared = model.topics.some((t) => t.provisioning !== undefined);
  return {
    consumers: model.connections.map(consumerOf),
    warnings: model.connections.flatMap(warningsOf),
    ...(declared ? { topics: topicSpecs(model.topics) } : {}),
  };
}

function shown(value: PlannedSetting["value"]): string {
  return value === null
    ? "(none)"
    : typeof value === "string" && value !== "" && !/^[A-Za-z]+$/.test(value)
      ? JSON.stringify(value)
      : String(value);
}

function origin(s: { from: string; at?: string }): string {
  return s.at ? `${s.from}, ${s.at}` : s.from;
}

function consumerTitle(c: PlannedConsumer): string {
  return c.kind === "shared" ? "shared connection" : `exclusive connection "${c.connection}"`;
}

/** The plan as text, aligned in columns. */
export function planText(plan: ConnectionPlan): string {
  const out: string[] = [`${plan.consumers.length} Kafka consumer${plan.consumers.length === 1 ? "" : "s"}`];
  for (const c of plan.consumers) {
    out.push("", `${consumerTitle(c)}: group ${JSON.stringify(c.groupId)}`);
    out.push(`  topics: ${c.topics.map((t) => `${t.topic} (${t.message})`).join(", ")}`);
    const rows = [
      ...c.settings.map((s) => ({ s, prefix: "" })),
      ...c.topics.flatMap((t) => t.buffer.map((s) => ({ s, prefix: `${t.topic}: ` }))),
      ...c.topics.flatMap((t) => (t.producer ?? []).map((s) => ({ s, prefix: `${t.topic} producer: ` }))),
    ];
    const width = Math.max(...rows.map((r) => (r.prefix + r.s.name).length));
    const valueWidth = Math.max(...rows.map((r) => shown(r.s.value).length));
    for (const { s, prefix } of rows)
      out.push(`  ${(prefix + s.name).padEnd(width)}  ${shown(s.value).padEnd(valueWidth)}  ${origin(s)}`);
  }
  if (plan.topics) {
    out.push("", "topics, as kefgen topics apply and ensureTopics create them");
    const width = Math.max(...plan.topics.map((t) => t.topic.length));
    for (const t of plan.topics) out.push(`  ${t.topic.padEnd(width)}  ${describeSpec(t)}`);
  }
  if (plan.warnings.length > 0) {
    out.push("");
    for (const w of plan.warnings) {
      out.push(
        `${w.at ? `${w.at}: ` : ""}warning ${w.code}: connection "${w.connection}": ${w.message}`,
        `  hint: ${w.hint}`,
      );
    }
  }
  return `${out.join("\n")}\n`;
}

/** A table cell: pipes and line breaks would end it; backticks would open a code span. */
function cell(text: string): string {
  return text.replace(/[|\\`]/g, (ch) => `\\${ch}`).replace(/[\r\n]+/g, " ");
}

/** The plan as Markdown: one section and one settings table per consumer, then the warnings. */
export function planMarkdown(plan: ConnectionPlan): string {
  const out: string[] = [
    "# Kafka consumers",
    "",
    `${plan.consumers.length} Kafka consumer${plan.consumers.length === 1 ? "" : "s"}. Generated by \`kefgen plan\`.`,
  ];
  for (const c of plan.consumers) {
    out.push(
      "",
      `## ${cell(consumerTitle(c))}: group ${cell(JSON.stringify(c.groupId))}`,
      "",
      `Topics: ${c.topics.map((t) => `${cell(t.topic)} (${cell(t.message)})`).join(", ")}`,
      "",
    );
    out.push("| setting | value | from |", "| --- | --- | --- |");
    for (const s of c.settings) out.push(`| ${s.name} | ${cell(shown(s.value))} | ${cell(origin(s))} |`);
    for (const t of c.topics)
      for (const s of t.buffer)
        out.push(`| ${cell(t.topic)}: ${s.name} | ${cell(shown(s.value))} | ${cell(origin(s))} |`);
    for (const t of c.topics)
      for (const s of t.producer ?? [])
        out.push(`| ${cell(t.topic)} producer: ${s.name} | ${cell(shown(s.value))} | ${cell(origin(s))} |`);
  }
  if (plan.topics) {
    out.push(
      "",
      "## Topics",
      "",
      "As `kefgen topics apply` and `ensureTopics` create them.",
      "",
      "| topic | created with |",
      "| --- | --- |",
    );
    for (const t of plan.topics) out.push(`| ${cell(t.topic)} | ${cell(describeSpec(t))} |`);
  }
  if (plan.warnings.length > 0) {
    out.push("", "## Warnings", "");
    for (const w of plan.warnings)
      out.push(
        `- **${w.code}** (connection ${cell(w.connection)}${w.at ? `, ${cell(w.at)}` : ""}): ${cell(w.message)}. Hint: ${cell(w.hint)}.`,
      );
  }
  return `${out.join("\n")}\n`;
}
