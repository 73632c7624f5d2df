// Every name the generated code declares, derived in one place. The checker fills the model's names with the
// functions below and then asks `emittedNames` for the complete list, so the emitters (which write what the model
// says) and the collision check (which reads the list) cannot disagree about what gets written:
//
//   messages.ts   a type per named Avro type (type-names.ts) and per message whose root has another name
//   codecs.ts     const <message>Codec                      ─┐
//   consumers.ts  abstract class <HandlerKey>Consumer         ├ one namespace: index.ts re-exports all four files,
//   wiring.ts     interface <Api>Handlers,                    │ and TypeScript rejects a name exported twice
//                 function <api>Connections, create<Api>Consumers │
//   producers.ts  interface <Api>ProducerTopics, create<Api>Producers ─┘ (only when some topic has a producer)
//   handlers      a property of <Api>Handlers per topic: its handler key
//   connections   the runtime's connection names: "shared", declared connections, anonymous ones (= handler key)
import type { Range } from "../grammar/ast.js";
import type { AvroNamed } from "./avro-types.js";
import { messages, notes, type MessageArgs, type MessageDef } from "./catalogue.js";
import { related, startOfFile, type RelatedLocation } from "./diagnostics.js";
import {
  camelCase,
  pascalCase,
  type ConnectionModel,
  type MessageModel,
  type Model,
  type TopicModel,
} from "./model.js";

/** The suffixes of the names kefgen makes up (the wiring's `create` prefix aside). */
const suffixes = {
  codec: "Codec",
  consumer: "Consumer",
  handlers: "Handlers",
  connections: "Connections",
  consumers: "Consumers",
  deadLetters: "DeadLetters",
  producers: "Producers",
  producerTopics: "ProducerTopics",
} as const;

/** True when `name` ends like a name kefgen makes up (`…Consumer`, `…Codec`, ...): type-names.ts avoids those. */
export function endsLikeGeneratedName(name: string): boolean {
  return Object.values(suffixes).some((s) => name.endsWith(s));
}

/** The handlers-object property of a topic: its `as` alias, else its name in camelCase. */
export function handlerKeyOf(topic: string, alias: string | undefined): string {
  return alias ?? camelCase(topic);
}

/** The codec constant of a message, in codecs.ts. */
export function codecNameOf(message: string): string {
  return `${camelCase(message)}${suffixes.codec}`;
}

/** The abstract consumer class of a topic, in consumers.ts. */
export function consumerClassNameOf(handlerKey: string): string {
  return `${pascalCase(handlerKey)}${suffixes.consumer}`;
}

/** The names wiring.ts exports, from the project's API name (`ShopEvents`). */
export function apiNamesOf(apiName: string): {
  readonly handlers: string;
  readonly connections: string;
  readonly create: string;
  readonly deadLetters: string;
  readonly createProducers: string;
  readonly producerTopics: string;
} {
  return {
    createProducers: `create${apiName}${suffixes.producers}`,
    producerTopics: `${apiName}${suffixes.producerTopics}`,
    handlers: `${apiName}${suffixes.handlers}`,
    connections: `${apiName[0]!.toLowerCase()}${apiName.slice(1)}${suffixes.connections}`,
    create: `create${apiName}${suffixes.consumers}`,
    deadLetters: `${apiName[0]!.toLowerCase()}${apiName.slice(1)}${suffixes.deadLetters}`,
  };
}

/**
 * True when messages.ts declares `type <message> = ...` for the message: its root is not a named type that
 * already carries the message's name (a primitive, array, union, or a named type another message named first).
 */
export function declaresMessageAlias(model: Pick<Model, "typeNames">, m: MessageModel): boolean {
  const root = m.schema.root;
  const named = root.kind === "record" || root.kind === "enum" || root.kind === "fixed";
  return !(named && model.typeNames.get(root.fullName) === m.name);
}

/**
 * Handler keys that give no working API (test/generator/names.test.ts shows each failing). `then` makes the handlers
 * object thenable: TypeScript refuses to `await` it or return it from an async function, and at run time that would
 * call the handler instead of giving the object. `__proto__` in an object literal sets the prototype instead of a
 * property: a spread or copy of the handlers object loses the handler. Other members of `Object.prototype`
 * (`constructor`, `toString`, ...) are fine: the handler type does not accept the inherited member, so a
 * forgotten handler does not compile, and a given one is an own property that shadows it.
 */
const reservedHandlerKeys = new Map<string, string>([
  ["then", "it would make the handlers object thenable, so it could not be awaited or returned from an async function"],
  [
    "__proto__",
    'in an object literal "__proto__" sets the prototype instead of a property, so a copy of the handlers object loses the handler',
  ],
]);

/** Why a handler key gives no working API, or undefined when it is fine. */
export function reservedHandlerKey(key: string): string | undefined {
  return reservedHandlerKeys.get(key);
}

// ---------------------------------------------------------------------------------------------
// The list

/** What a generated name is named after: where the checker points when two names collide. */
export type NameOwner =
  | { readonly kind: "message"; readonly message: MessageModel }
  | { readonly kind: "type"; readonly type: AvroNamed }
  | { readonly kind: "topic"; readonly topic: TopicModel }
  | { readonly kind: "connection"; readonly connection: ConnectionModel }
  | { readonly kind: "api"; readonly apiName: string };

/**
 * Which names must differ from each other: `export` (everything index.ts re-exports), `handler` (properties of the
 * handlers interface), `connection` (connection names the runtime requires to be unique).
 */
export type NameSpace = "export" | "handler" | "connection";

/** One name the generated code declares. */
export interface EmittedName {
  readonly name: string;
  readonly space: NameSpace;
  /** The generated file that declares it. */
  readonly file: "messages.ts" | "codecs.ts" | "consumers.ts" | "wiring.ts" | "producers.ts";
  /** What it is, for messages: `the consumer class of topic "orders"`. */
  readonly what: string;
  readonly owner: NameOwner;
}

/** Every name the emitters write for `model`, in the order they write them. */
export function emittedNames(model: Model): EmittedName[] {
  const out: EmittedName[] = [];
  // Messages by name, in order (looked up per named type; a find over all messages each time was quadratic).
  const messagesNamed = new Map<string, (typeof model.messages)[number][]>();
  for (const m of model.messages) messagesNamed.set(m.name, [...(messagesNamed.get(m.name) ?? []), m]);
  for (const t of model.namedTypes) {
    const name = model.typeNames.get(t.fullName);
    if (name === undefined) continue;
    // A message whose root is this type names it (type-names.ts): then it is the message's type.
    const message = messagesNamed.get(name)?.find((m) => !declaresMessageAlias(model, m));
    out.push(
      message
        ? {
            name,
            space: "export",
            file: "messages.ts",
            what: `the type of message "${message.name}"`,
            owner: { kind: "message", message },
          }
        : {
            name,
            space: "export",
            file: "messages.ts",
            what: `the type of Avro ${t.kind} "${t.fullName}"`,
            owner: { kind: "type", type: t },
          },
    );
  }
  for (const m of model.messages) {
    if (declaresMessageAlias(model, m))
      out.push({
        name: m.name,
        space: "export",
        file: "messages.ts",
        what: `the type of message "${m.name}"`,
        owner: { kind: "message", message: m },
      });
  }
  for (const m of model.messages) {
    out.push({
      name: m.codecName,
      space: "export",
      file: "codecs.ts",
      what: `the codec of message "${m.name}"`,
      owner: { kind: "message", message: m },
    });
  }
  // An exactly-once topic has no consumer class: its handler returns records (emit-consumers.ts).
  for (const t of model.topics.filter((topic) => !topic.exactlyOnce)) {
    out.push({
      name: t.className,
      space: "export",
      file: "consumers.ts",
      what: `the consumer class of topic "${t.topic}"`,
      owner: { kind: "topic", topic: t },
    });
  }
  const api = apiNamesOf(model.apiName);
  const owner: NameOwner = { kind: "api", apiName: model.apiName };
  out.push({ name: api.handlers, space: "export", file: "wiring.ts", what: "the handlers interface", owner });
  out.push({ name: api.connections, space: "export", file: "wiring.ts", what: "the connections function", owner });
  out.push({ name: api.create, space: "export", file: "wiring.ts", what: "the consumers factory", owner });
  if (model.topics.some((t) => t.failure.deadLetter !== undefined))
    out.push({ name: api.deadLetters, space: "export", file: "wiring.ts", what: "the dead-letter readers", owner });
  if (model.topics.some((t) => t.producer)) {
    out.push({
      name: api.producerTopics,
      space: "export",
      file: "producers.ts",
      what: "the producer topics interface",
      owner,
    });
    out.push({
      name: api.createProducers,
      space: "export",
      file: "producers.ts",
      what: "the producers factory",
      owner,
    });
  }
  for (const t of model.topics) {
    out.push({
      name: t.handlerKey,
      space: "handler",
      file: "wiring.ts",
      what: `topic "${t.topic}"`,
      owner: { kind: "topic", topic: t },
    });
  }
  for (const c of model.connections) {
    const what =
      c.kind === "shared"
        ? "the shared connection"
        : c.declared
          ? `connection "${c.name}"`
          : `the exclusive consumer of topic "${c.topics[0]?.topic}"`;
    out.push({
      name: c.name,
      space: "connection",
      file: "wiring.ts",
      what,
      owner: { kind: "connection", connection: c },
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The check

/** Where a name's owner was written. */
export interface NameOrigin {
  readonly file: string;
  readonly range: Range;
  /** The file's position in the project, to tell which of two owners was written later. */
  readonly order: number;
  /** The related location pointing here, when it says more than "<what> is here". */
  readonly related?: RelatedLocation;
}

/** A declaration and the file it was written in (a bound declaration, bind.ts). */
interface Written<T> {
  readonly node: T;
  readonly source: { readonly file: string };
}

/** The bound declarations by name (bind.ts): what `nameOrigins` locates owners in. */
export interface NamedDeclarations {
  readonly messages: ReadonlyMap<string, Written<{ readonly name: { readonly range: Range } }>>;
  readonly topics: ReadonlyMap<
    string,
    Written<{ readonly topic: { readonly range: Range }; readonly alias: { readonly range: Range } | undefined }>
  >;
  readonly connections: ReadonlyMap<string, Written<{ readonly name: { readonly range: Range } }>>;
  /** The `shared` keyword of the shared block, if there is one. */
  readonly shared: { readonly file: string; readonly range: Range } | undefined;
}

/**
 * Where each owner was written: a message's or connection's name, a topic's alias (else its name), the namespace
 * the API is named after. `files` are the project's .kef files in order; `namedByConfig`: the API name was given.
 */
export function nameOrigins(
  files: readonly {
    readonly source: { readonly file: string };
    readonly ast: { readonly namespace: { readonly range: Range } | undefined };
  }[],
  decls: NamedDeclarations,
  namedByConfig: boolean,
): (owner: NameOwner) => NameOrigin {
  const order = (file: string) => {
    const i = files.findIndex((f) => f.source.file === file);
    return i < 0 ? files.length : i;
  };
  const at = (file: string, range: Range): NameOrigin => ({ file, range, order: order(file) });
  const api = (
    file: string,
    range: Range,
    note: typeof notes.apiNamedAfterConfig | typeof notes.apiNamedAfterNamespace | typeof notes.apiNamedAfterFile,
    name: string,
  ): NameOrigin => ({
    ...at(file, range),
    related: related(note, { name }, { file, range }),
  });
  const topicAt = (topic: string) => {
    const t = decls.topics.get(topic)!;
    return at(t.source.file, (t.node.alias ?? t.node.topic).range);
  };
  return (owner) => {
    switch (owner.kind) {
      case "message": {
        const m = decls.messages.get(owner.message.name)!;
        return at(m.source.file, m.node.name.range);
      }
      case "type":
        return at(owner.type.file, owner.type.range);
      case "topic":
        return topicAt(owner.topic.topic);
      case "connection": {
        const declared = owner.connection.declared ? decls.connections.get(owner.connection.name) : undefined;
        if (declared) return at(declared.source.file, declared.node.name.range);
        if (owner.connection.kind === "shared" && decls.shared) return at(decls.shared.file, decls.shared.range);
        return topicAt(owner.connection.topics[0]!.topic);
      }
      case "api": {
        const named = files.find((f) => f.ast.namespace);
        const first = files[0]!.source.file;
        if (namedByConfig) return api(first, startOfFile, notes.apiNamedAfterConfig, owner.apiName);
        if (named)
          return api(named.source.file, named.ast.namespace!.range, notes.apiNamedAfterNamespace, owner.apiName);
        return api(first, startOfFile, notes.apiNamedAfterFile, owner.apiName);
      }
    }
  };
}

/** How the checker reports (its `accept`, at a place in a file). */
export type NameReport = <M extends MessageDef>(
  entry: M,
  at: { file: string; range: Range },
  args: MessageArgs<M>,
  extra: { hint?: string; related: RelatedLocation[] },
) => void;

/**
 * Reports every two things the generated code would give the same name: at the one written later, pointing at
 * the other. `locate` says where an owner was written. Two topics with one handler key are reported once, as
 * that, not again for their consumer classes and anonymous connections.
 */
export function checkNames(model: Model, locate: (owner: NameOwner) => NameOrigin, report: NameReport): void {
  const first = new Map<string, EmittedName>();
  const reported: [TopicModel, TopicModel][] = [];
  const spaces: NameSpace[] = ["handler", "connection", "export"];
  const names = emittedNames(model).sort((a, b) => spaces.indexOf(a.space) - spaces.indexOf(b.space));
  for (const n of names) {
    const key = `${n.space}:${n.name}`;
    const other = first.get(key);
    if (!other) {
      first.set(key, n);
      continue;
    }
    const ta = topicsOf(other);
    const tb = topicsOf(n);
    if (reported.some(([x, y]) => (ta.includes(x) && tb.includes(y)) || (ta.includes(y) && tb.includes(x)))) continue;
    // Connections come shared, declared, anonymous: the later one is the derived name, the one to change.
    const [earlier, later] = n.space === "connection" ? [other, n] : laterLast(other, n, locate);
    const at = locate(later.owner);
    const there = locate(earlier.owner);
    const seeAlso = [there.related ?? related(notes.nameOwnerIsHere, { what: earlier.what }, there)];
    if (n.space === "handler") {
      const topic = (later.owner as { topic: TopicModel }).topic.topic;
      report(
        messages.handlerNameCollision,
        at,
        { later: later.what, earlier: earlier.what, name: n.name, topic: JSON.stringify(topic) },
        { related: seeAlso },
      );
      reported.push([ta[0]!, tb[0]!]);
    } else if (n.space === "connection") {
      report(
        messages.connectionNameCollision,
        at,
        { later: later.what, name: n.name, earlier: earlier.what },
        { related: seeAlso },
      );
    } else {
      report(
        messages.generatedNameCollision,
        at,
        { later: later.what, earlier: earlier.what, name: n.name },
        { hint: renameHint(later), related: seeAlso },
      );
    }
  }
}

function topicsOf(n: EmittedName): readonly TopicModel[] {
  if (n.owner.kind === "topic") return [n.owner.topic];
  if (n.owner.kind === "connection" && n.owner.connection.kind === "exclusive" && !n.owner.connection.declared)
    return n.owner.connection.topics;
  return [];
}

/** The two names ordered by where their owners were written; the API's names (from the namespace) count as first. */
function laterLast(
  a: EmittedName,
  b: EmittedName,
  locate: (owner: NameOwner) => NameOrigin,
): [EmittedName, EmittedName] {
  if (a.owner.kind === "api") return [a, b];
  if (b.owner.kind === "api") return [b, a];
  const x = locate(a.owner);
  const y = locate(b.owner);
  const bFirst = y.order < x.order || (y.order === x.order && y.range.start.offset < x.range.start.offset);
  return bFirst ? [b, a] : [a, b];
}

function renameHint(n: EmittedName): string {
  switch (n.owner.kind) {
    case "topic":
      return `name the topic's handler with \`as\`: topic ${JSON.stringify(n.owner.topic.topic)} as someOtherName : ...`;
    case "message":
      return `rename message "${n.owner.message.name}"`;
    case "type":
      return `rename Avro ${n.owner.type.kind} "${n.owner.type.fullName}"`;
    case "connection":
      return "rename the connection";
    case "api":
      return `the API is named "${n.owner.apiName}" after the namespace, the file, or "name" in kefgen.config.json: change one of them`;
  }
}
