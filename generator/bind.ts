// The bind stage: the parsed files' declarations → symbol tables by name, global to the project.
//
//   load (load.ts) → bind → check (check.ts) → resolve (resolve.ts)
//
// Each table keeps the first declaration of a name; a second one is reported here (declared twice, pointing at
// the first) and left out of the table, so the later stages see each name once. A bound declaration carries the
// file it was written in, so every later diagnostic about it knows its file from the declaration.
import type { ConnectionDecl, MessageDecl, Range, RegistryDecl, SharedDecl, TopicDecl } from "../grammar/ast.js";
import { messages, notes } from "./catalogue.js";
import { related, type Result } from "./diagnostics.js";
import type { ParsedFile } from "./load.js";
import type { SourceText } from "./parse.js";
import { Reporter } from "./reporter.js";

/** A declaration and the file it was written in. */
export interface Declared<T> {
  readonly node: T;
  readonly source: SourceText;
  /** The namespace the file declares, if any. */
  readonly namespace: string | undefined;
}

/** The project's declarations by name, each the first of its name, in the order they were written. */
export interface Bound {
  readonly files: readonly ParsedFile[];
  readonly messages: ReadonlyMap<string, Declared<MessageDecl>>;
  readonly connections: ReadonlyMap<string, Declared<ConnectionDecl>>;
  readonly registries: ReadonlyMap<string, Declared<RegistryDecl>>;
  /** Keyed by the topic's Kafka name. */
  readonly topics: ReadonlyMap<string, Declared<TopicDecl>>;
  /** The shared block (the first, when there are several). */
  readonly shared: Declared<SharedDecl> | undefined;
}

/** The "declared twice" messages, each with the declaration's name. */
type Twice =
  | typeof messages.messageTwice
  | typeof messages.connectionTwice
  | typeof messages.topicTwice
  | typeof messages.registryTwice;

export function bind(files: readonly ParsedFile[]): Result<Bound> {
  const c = new Reporter();
  const messageTable = new Map<string, Declared<MessageDecl>>();
  const connections = new Map<string, Declared<ConnectionDecl>>();
  const registries = new Map<string, Declared<RegistryDecl>>();
  const topics = new Map<string, Declared<TopicDecl>>();
  let shared: Declared<SharedDecl> | undefined;

  /** Enters `d` under `name` unless the name is taken; then reports `twice` at `nameRange`, pointing at the first. */
  const claim = <T>(
    table: Map<string, Declared<T>>,
    entry: Twice,
    what: string,
    name: string,
    d: Declared<T>,
    nameOf: (node: T) => Range,
  ): void => {
    const first = table.get(name);
    if (!first) {
      table.set(name, d);
      return;
    }
    c.accept(
      entry,
      nameOf(d.node),
      { name },
      {
        file: d.source.file,
        related: [
          related(notes.firstDeclared, { kind: what, name }, { file: first.source.file, range: nameOf(first.node) }),
        ],
      },
    );
  };

  for (const { ast, source } of files) {
    const namespace = ast.namespace?.text;
    for (const node of ast.declarations) {
      switch (node.$type) {
        case "Message":
          claim(
            messageTable,
            messages.messageTwice,
            "message",
            node.name.text,
            { node, source, namespace },
            (n) => n.name.range,
          );
          break;
        case "Connection":
          claim(
            connections,
            messages.connectionTwice,
            "connection",
            node.name.text,
            { node, source, namespace },
            (n) => n.name.range,
          );
          break;
        case "Registry":
          claim(
            registries,
            messages.registryTwice,
            "registry",
            node.name.text,
            { node, source, namespace },
            (n) => n.name.range,
          );
          break;
        case "Topic":
          claim(
            topics,
            messages.topicTwice,
            "topic",
            node.topic.value,
            { node, source, namespace },
            (n) => n.topic.range,
          );
          break;
        case "Shared":
          if (!shared) shared = { node, source, namespace };
          else {
            c.accept(
              messages.sharedTwice,
              node.keyword,
              {},
              {
                file: source.file,
                related: [
                  related(notes.sharedFirstDeclared, {}, { file: shared.source.file, range: shared.node.keyword }),
                ],
              },
            );
          }
          break;
      }
    }
  }
  return {
    value: { files, messages: messageTable, connections, registries, topics, shared },
    diagnostics: c.diagnostics,
  };
}
