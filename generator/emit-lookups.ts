// What several emitters look up about the model, derived once per emit by `createContext` and carried on the
// Context (`ctx.lookups`), so that no emitter imports another and nothing is cached at module level. Not an
// emitter itself, but it writes code text (a registry client), so it is held to generator/escape.ts like one.
import type { NamedLookup } from "./avro-types.js";
import { doc, str, type DocText } from "./escape.js";
import type { Model, RegistryModel, TopicModel } from "./model.js";

/** The TypeScript types a topic's handler sees. */
export interface HandlerTypes {
  /** Its message, `| null` on a `tombstones` topic. */
  readonly message: string;
  /** Its key type; undefined when the topic declares none (the runtime's default, the raw key: `Buffer | null`). */
  readonly key: string | undefined;
  /** `<T>` or `<T, K>`: the type arguments of the topic's TopicConsumer and MessageHandler. */
  readonly typeArguments: string;
}

export interface Lookups {
  /** The model's named Avro types by full name. */
  readonly namedType: NamedLookup;
  /** Which connection consumes a topic, for doc comments (the group id is user text, escaped). */
  connectionLabel(topic: TopicModel): DocText;
  handlerTypes(topic: TopicModel): HandlerTypes;
  /** `"main": new kefgen.SchemaRegistryClient({ ... })`: a registry's client, secrets read from the environment. */
  registryClient(registry: RegistryModel): string;
}

export function deriveLookups(model: Model): Lookups {
  const named = new Map(model.namedTypes.map((t) => [t.fullName, t]));
  const labels = new Map<string, DocText>();
  for (const connection of model.connections) {
    const label =
      connection.kind === "shared"
        ? doc`the shared connection`
        : connection.declared
          ? doc`exclusive connection ${connection.name} (group ${connection.settings.groupId})`
          : doc`its own exclusive connection (group ${connection.settings.groupId})`;
    labels.set(connection.name, label);
  }
  const handlers = new Map(model.topics.map((t) => [t, handlerTypesOf(t)]));
  const clients = new Map(model.registries.map((r) => [r, registryClientOf(r)]));
  return {
    namedType: (fullName) => named.get(fullName),
    connectionLabel: (topic) => labels.get(topic.connection) ?? doc`the shared connection`,
    handlerTypes: (topic) => handlers.get(topic) ?? handlerTypesOf(topic),
    registryClient: (registry) => clients.get(registry) ?? registryClientOf(registry),
  };
}

/**
 * The value type of a topic's records: its message's, or on a multi-type topic the union of its members,
 * `kefgen.OneOf<{ "shop.OrderCreated": messages.OrderCreated; … }>` (`{ type, value }` per member).
 */
export function valueTypeOf(topic: TopicModel): string {
  if (!topic.members) return `messages.${topic.message.name}`;
  return `kefgen.OneOf<{ ${topic.members.map((m) => `${str(m.type)}: messages.${m.message.name}`).join("; ")} }>`;
}

function handlerTypesOf(topic: TopicModel): HandlerTypes {
  const message = `${valueTypeOf(topic)}${topic.tombstones ? " | null" : ""}`;
  const k = topic.key;
  const key = !k
    ? undefined
    : k.kind === "string"
      ? "string | null"
      : k.kind === "bytes"
        ? "Buffer | null"
        : k.kind === "none"
          ? "null"
          : `messages.${k.message.name} | null`;
  return { message, key, typeArguments: key === undefined ? `<${message}>` : `<${message}, ${key}>` };
}

function registryClientOf(r: RegistryModel): string {
  const config: Record<string, string> = { name: str(r.name) };
  if ("value" in r.url) config["url"] = str(r.url.value);
  else config["urlEnv"] = str(r.url.env);
  if (r.auth?.kind === "basic")
    config["auth"] =
      `{ kind: "basic", usernameEnv: ${str(r.auth.usernameEnv)}, passwordEnv: ${str(r.auth.passwordEnv)} }`;
  if (r.auth?.kind === "bearer") config["auth"] = `{ kind: "bearer", tokenEnv: ${str(r.auth.tokenEnv)} }`;
  const body = Object.entries(config)
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ");
  return `${str(r.name)}: new kefgen.SchemaRegistryClient({ ${body} })`;
}
