// `kefgen graph`: a Mermaid flowchart of what a .kef file declares, drawn from the resolved model —
// connections → their Kafka consumers → the topics each consumes (with the topic's bounded buffer) → handlers,
// and the generated producers that write a topic.
//
//   connection1(["shared connection"]) --> consumer1[["Kafka consumer<br/>group shop"]]
//   consumer1 --> topic1[("order-events<br/>OrderCreated<br/>buffer 1000, ApplyBackpressure")]
//   topic1 --> handler1("handlers.orderEvents<br/>or OrderEventsConsumer")
//
// Every string from the .kef file reaches the diagram only through `label`, which keeps letters, digits and a few
// harmless characters and writes everything else as a Mermaid entity (#35; for '#'), so no name can end a label,
// start a comment or inject markup. Same model, same bytes.
import path from "node:path";
import { messages } from "../catalogue.js";
import { diagnostic, hasErrors, startOfFile } from "../diagnostics.js";
import { replaceUnsafeCharacters } from "../escape.js";
import { makeDirectory, writeFileAtomic } from "../files.js";
import type { ConnectionModel, FailureModel, Model, TopicModel } from "../model.js";
import { analyse, type ProjectOptions } from "../program.js";
import { displayPath } from "../load.js";
import { settingsByName } from "../settings.js";
import type { CommandIo, Report } from "./output.js";

/** One line of a node label: safe characters as they are, every other one as a numeric Mermaid entity. */
export function label(text: string): string {
  let out = "";
  for (const ch of text) out += /^[A-Za-z0-9 ._\-:/,=+*@!?']$/.test(ch) ? ch : `#${ch.codePointAt(0)};`;
  return out;
}

/** A node label of several lines: each escaped, joined by Mermaid's line break. */
function lines(...parts: string[]): string {
  return `"${parts.map(label).join("<br/>")}"`;
}

/** The connection's settings that differ from the built-in defaults (groupId is shown on its own). */
function nonDefaultSettings(connection: ConnectionModel): string[] {
  return Object.entries(connection.settings)
    .filter(([name, value]) => name !== "groupId" && value !== undefined && settingsByName.get(name)?.default !== value)
    .map(([name, value]) => `${name} = ${String(value)}`);
}

function connectionTitle(connection: ConnectionModel): string[] {
  if (connection.kind === "shared") return ["shared connection"];
  if (connection.declared) return [`connection ${connection.name}`, "exclusive"];
  const topic = connection.topics[0]?.topic ?? connection.name;
  return ["exclusive connection", `of topic ${topic}`];
}

/** A topic's retry and dead-letter path, in words. */
function failureLines(f: FailureModel): string[] {
  const retry =
    f.attempts === "unlimited"
      ? `retried until handled, waits ${f.backoffMs}..${f.maxBackoffMs} ms`
      : f.attempts === 1
        ? `1 attempt, then ${f.deadLetter !== undefined ? "dead letter" : "partition stops"}`
        : `${f.attempts} attempts, waits ${f.backoffMs}..${f.maxBackoffMs} ms, then ${f.deadLetter !== undefined ? "dead letter" : "partition stops"}`;
  const poison =
    f.onDecodeError === "deadLetter"
      ? "poison: dead letter"
      : f.onDecodeError === "skip"
        ? "poison: skipped (lost)"
        : "poison: partition stops";
  return [retry, poison];
}

/** The Mermaid flowchart, without a Markdown fence. */
export function mermaidGraph(model: Model): string {
  const out: string[] = ["flowchart LR"];
  const classes = {
    connection: [] as string[],
    consumer: [] as string[],
    topic: [] as string[],
    handler: [] as string[],
    dlt: [] as string[],
    producer: [] as string[],
  };
  const deadLetterNodes = new Map<string, string>();
  let topicNumber = 0;
  model.connections.forEach((connection, i) => {
    const n = i + 1;
    const conn = `connection${n}`;
    const consumer = `consumer${n}`;
    out.push(`  ${conn}([${lines(...connectionTitle(connection))}])`);
    out.push(
      `  ${consumer}[[${lines("Kafka consumer", `group ${connection.settings.groupId}`, ...nonDefaultSettings(connection))}]]`,
    );
    out.push(`  ${conn} --> ${consumer}`);
    classes.connection.push(conn);
    classes.consumer.push(consumer);
    for (const t of connection.topics) {
      topicNumber++;
      const topic = `topic${topicNumber}`;
      const handler = `handler${topicNumber}`;
      const framing = !t.format
        ? []
        : t.format.kind === "confluent"
          ? [`confluent via registry ${t.format.registry}, subjects ${t.format.subjects}`]
          : [`single-object, writer schemas: ${1 + (t.message.writers?.length ?? 0)}`];
      const record = [
        ...(t.key ? [`key ${t.key.kind === "message" ? t.key.message.name : t.key.kind}`] : []),
        ...(t.tombstones ? ["tombstones"] : []),
      ];
      out.push(
        `  ${topic}[(${lines(t.topic, ...messageLines(t), ...(record.length > 0 ? [record.join(", ")] : []), ...framing, `buffer ${t.buffer.maxBufferedMessages}, ${t.buffer.backpressure}`, ...failureLines(t.failure))})]`,
      );
      out.push(`  ${handler}(${lines(`handlers.${t.handlerKey}`, `or ${t.className}`)})`);
      out.push(`  ${consumer} --> ${topic}`);
      out.push(`  ${topic} --> ${handler}`);
      // A generated producer writes the topic (only drawn for topics that have one).
      if (t.producer) {
        const producer = `producer${topicNumber}`;
        out.push(
          `  ${producer}[${lines(`producers.topics.${t.handlerKey}`, `acks ${t.producer.acks}${t.producer.idempotent ? ", idempotent" : ""}`)}]`,
        );
        out.push(`  ${producer} --> ${topic}`);
        classes.producer.push(producer);
      }
      // The failure path: where a record goes after its last attempt, and a poison record.
      const f = t.failure;
      const why = [
        ...(f.attempts === "unlimited" ? [] : [`after ${f.attempts} attempt${f.attempts === 1 ? "" : "s"}`]),
        ...(f.onDecodeError === "deadLetter" ? ["poison records"] : []),
      ];
      if (f.deadLetter !== undefined && why.length > 0) {
        let dlt = deadLetterNodes.get(f.deadLetter);
        if (!dlt) {
          dlt = `deadLetter${deadLetterNodes.size + 1}`;
          deadLetterNodes.set(f.deadLetter, dlt);
          out.push(`  ${dlt}[(${lines(f.deadLetter, "dead letters")})]`);
          classes.dlt.push(dlt);
        }
        out.push(`  ${handler} -.->|${lines(why.join(", and "))}| ${dlt}`);
      }
      classes.topic.push(topic);
      classes.handler.push(handler);
    }
  });
  // The colours of the architecture diagrams in K-Entity-Framework's connection-management page.
  // Dead-letter topics (only drawn when some topic has one) in red.
  const fills = {
    connection: "#e1f5fe",
    consumer: "#fff3e0",
    topic: "#ffecb3",
    handler: "#e8f5e9",
    dlt: "#ffebee",
    producer: "#f3e5f5",
  };
  for (const [kind, fill] of Object.entries(fills))
    if ((kind !== "dlt" && kind !== "producer") || classes[kind].length > 0)
      out.push(`  classDef ${kind} fill:${fill}`);
  for (const [kind, ids] of Object.entries(classes)) if (ids.length > 0) out.push(`  class ${ids.join(",")} ${kind}`);
  return `${out.join("\n")}\n`;
}

/** The diagram as a Markdown document with a fenced `mermaid` block; `files` names the .kef files in its heading. */
function markdownGraph(model: Model, files: readonly string[]): string {
  // Inside a code span: a backtick would end it; controls and bidi characters would hide or reorder the text.
  const name = replaceUnsafeCharacters(files.map((f) => path.basename(f)).join(", "), "_").replace(/[`\\]/g, "_");
  return [
    `# Consumers declared in \`${name}\``,
    "",
    "Connections → Kafka consumers → topics (each with its bounded buffer) → handlers. Generated by `kefgen graph`.",
    "",
    "```mermaid",
    mermaidGraph(model).trimEnd(),
    "```",
    "",
    "Each consumer's effective settings, where each came from, and rebalance warnings: `kefgen plan --format markdown`.",
    "",
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// The command

export interface GraphCommandOptions {
  /** Where to write; `.mmd` gets the bare diagram, anything else Markdown. Default: Markdown on stdout. */
  readonly out?: string;
  readonly format: "text" | "json";
  /** Prints diagnostics as text, with code frames. */
  readonly report: Report;
}

/**
 * `kefgen graph [files...] [--out file]`. Returns the exit code: 1 when the project has errors (nothing is drawn).
 * With `--format json`, stdout gets one document: `{ "diagnostics": [...] }`, plus `"graph"` (the Markdown)
 * when there is no `--out`.
 */
export function graphCommand(io: CommandIo, project: ProjectOptions, options: GraphCommandOptions): number {
  const analysed = analyse(project);
  const diagnostics = [...analysed.diagnostics];
  let graph: string | undefined;
  if (analysed.model && !hasErrors(diagnostics)) {
    graph = options.out?.endsWith(".mmd")
      ? mermaidGraph(analysed.model)
      : markdownGraph(analysed.model, analysed.files);
    if (options.out !== undefined) {
      const target = path.resolve(io.cwd, options.out);
      try {
        makeDirectory(path.dirname(target));
        writeFileAtomic(target, graph);
      } catch (error) {
        const shown = displayPath(io.cwd, target);
        diagnostics.push(
          diagnostic(
            messages.cannotWrite,
            { file: shown, reason: (error as Error).message },
            { file: shown, range: startOfFile },
          ),
        );
      }
    }
  }
  const failed = graph === undefined || hasErrors(diagnostics);
  if (options.format === "json") {
    const printed = options.out === undefined && graph !== undefined ? { graph } : {};
    io.stdout.write(`${JSON.stringify({ diagnostics, ...printed }, null, 2)}\n`);
    return failed ? 1 : 0;
  }
  options.report(diagnostics, analysed.sources);
  if (failed) return 1;
  if (options.out === undefined) io.stdout.write(graph!);
  else io.stdout.write(`wrote ${displayPath(io.cwd, path.resolve(io.cwd, options.out))}\n`);
  return 0;
}

/** A topic's message type, or a multi-type topic's types and how they are told apart. */
function messageLines(t: TopicModel): string[] {
  if (!t.members) return [t.message.name];
  const route = t.route?.kind === "header" ? `routed by header ${t.route.header}` : "routed by writer schema";
  return [t.members.map((m) => m.message.name).join(" | "), route];
}
