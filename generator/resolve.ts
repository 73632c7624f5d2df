// The resolve stage: the checked declarations (check.ts) → the Model the emitters write from.
//
//   load (load.ts) → bind (bind.ts) → check (check.ts) → resolve
//
// Three steps, in order: the connections' settings models and their provenance; the names of the generated code —
// schemas linked across messages and every named Avro type given a TypeScript name (type-names.ts), the API named
// after the config, the first namespace or the first file; and the check that no two generated names collide
// (names.ts), which can only be made once every name is known.
import path from "node:path";
import { linkSchemas } from "./avro-link.js";
import { connectionSettingsModel, inheritable, layeredShape } from "./check-settings.js";
import type { Checked, CheckedTopic } from "./check.js";
import type { Result } from "./diagnostics.js";
import { pascalCase, type ConnectionModel, type Model, type TopicModel } from "./model.js";
import { checkNames, consumerClassNameOf, nameOrigins } from "./names.js";
import { settingOrigins } from "./origins.js";
import { Reporter } from "./reporter.js";
import { nameTypes } from "./type-names.js";

/** Project-wide choices that do not come from the .kef files. */
export interface NamingOptions {
  /** Base of the generated API names; default: the first namespace declared, else the first file's name. */
  readonly name?: string;
}

/** The model of a checked project, with the naming problems; the model is only meaningful without errors. */
export function resolve(checked: Checked, options: NamingOptions = {}): Result<Model> {
  const c = new Reporter();
  const { bound, shared } = checked;
  const files = bound.files;
  const topics = new Map(checked.topics.map((t) => [t, topicModel(t)]));
  const connections: ConnectionModel[] = checked.connections.map((k) => ({
    name: k.name,
    kind: k.kind,
    declared: k.declared,
    settings: connectionSettingsModel(new Map(k.values), k.groupId),
    topics: k.topics.map((t) => topics.get(t)!),
    origins: settingOrigins(
      k.kind === "shared"
        ? [["shared", k.own]]
        : [
            ["shared", inheritable(shared)],
            ["connection", k.own],
          ],
      "connection",
      k.file,
    ),
  }));

  const messageList = [...checked.messages.values()];
  const namedTypes = linkSchemas(c, messageList);
  const typeNames = nameTypes(messageList, namedTypes);
  const firstNamespace = files.map((f) => f.ast.namespace?.text).find((n) => n !== undefined);
  const apiName = pascalCase(options.name ?? firstNamespace ?? path.basename(files[0]!.source.file, ".kef")) || "Kef";
  const model: Model = {
    sources: files.map((f) => f.source.file),
    namespace: firstNamespace,
    apiName,
    messages: messageList,
    typeNames,
    namedTypes,
    topics: [...topics.values()],
    connections,
    registries: [...checked.registries.values()].flatMap((r) => (r.used && r.model ? [r.model] : [])),
  };
  const sharedAt = bound.shared && { file: bound.shared.source.file, range: bound.shared.node.keyword };
  const locate = nameOrigins(
    files,
    { messages: bound.messages, topics: bound.topics, connections: bound.connections, shared: sharedAt },
    options.name !== undefined,
  );
  checkNames(model, locate, (entry, at, args, extra) => c.accept(entry, at.range, args, { ...extra, file: at.file }));
  return { value: model, diagnostics: c.diagnostics };
}

/** A checked topic's model: its checked parts, its buffer settings resolved, and where each setting came from. */
function topicModel(t: CheckedTopic): TopicModel {
  const decl = t.declared.node;
  const file = t.declared.source.file;
  // Only the buffer (and transaction) settings are read of a topic's layers: resolved for those shapes only.
  const layers = t.bufferLayers.map(([, layer]) => layer);
  return {
    topic: decl.topic.value,
    handlerKey: t.handlerKey,
    className: consumerClassNameOf(t.handlerKey),
    message: t.message,
    ...(t.multiType.members ? { members: t.multiType.members, route: t.multiType.route! } : {}),
    connection: t.connection,
    buffer: layeredShape("buffer", layers),
    ...(t.format ? { format: t.format } : {}),
    ...t.clauses,
    failure: t.failure,
    ...(t.exactlyOnce ? { exactlyOnce: true as const, transaction: layeredShape("transaction", layers) } : {}),
    ...(t.provisioning ? { provisioning: t.provisioning } : {}),
    ...(t.producer
      ? { producer: t.producer.model, producerOrigins: settingOrigins(t.producer.layers, "producer", file) }
      : {}),
    range: decl.range,
    bufferOrigins: settingOrigins(t.bufferLayers, "buffer", file),
  };
}
