// The resolved model: what the emitters write from. Every name is final, every setting resolved
// (built-in default → shared → connection → topic), every schema validated.
import type { Range } from "../grammar/ast.js";
import type { AvroNamed, AvroSchema } from "./avro-types.js";
import type { TopicProvisioningModel } from "./topic-config.js";
import type { SettingsShape } from "../runtime/settings-declaration.js";

/**
 * A connection's consumer settings, resolved: every field a setting of the same name (runtime/settings-declaration.ts),
 * the ones with a default always set; the runtime's `ConnectionSettings` is the same declaration.
 */
export type ConnectionSettingsModel = Readonly<SettingsShape<"connection", "model">>;

/** Where an effective setting came from: the built-in default, or the block that wrote it (file:line). */
export interface SettingOrigin {
  readonly from: "default" | "shared" | "connection" | "topic";
  /** `file:line` of the value; absent for a default. */
  readonly at?: string;
}

/** A topic's buffer settings, resolved (maxBufferedMessages, concurrency, backpressure). */
export type BufferSettingsModel = Readonly<SettingsShape<"buffer", "model">>;

/** An exactly-once topic's transaction limits, resolved (transactionMaxRecords, transactionMaxMs). */
export type TransactionModel = Readonly<SettingsShape<"transaction", "model">>;

export interface MessageModel {
  /** The name declared in the .kef file; also the TypeScript type's name. */
  readonly name: string;
  /** Namespace-qualified name, for logs and metrics. */
  readonly fullName: string;
  readonly schema: AvroSchema;
  /** Name of the generated codec constant. */
  readonly codecName: string;
  /** `writers [...]`: the other writer schemas single-object topics of this message accept. */
  readonly writers?: readonly MessageWriterModel[];
  readonly range: Range;
}

/** A writer schema declared with `writers [...]`: read as the message's type by schema resolution. */
export interface MessageWriterModel {
  /** The path as written in the .kef, e.g. `order.v1.avsc` (names the writer in runtime errors). */
  readonly name: string;
  /** The writer's self-contained schema, as the runtime builds it. */
  readonly codecSchema: unknown;
}

export interface TopicModel {
  /** The Kafka topic name. */
  readonly topic: string;
  /** Property of the handlers object, e.g. `orderEvents`. */
  readonly handlerKey: string;
  /** Generated abstract consumer class, e.g. `OrderEventsConsumer`. */
  readonly className: string;
  /** Its message type; on a multi-type topic the first of {@link members}. */
  readonly message: MessageModel;
  /**
   * A multi-type topic (`topic "orders" : OrderCreated | OrderCancelled`): its message types in the order written,
   * each with its record's full Avro name (what routes a record to it). Absent: a topic of one type.
   */
  readonly members?: readonly TopicMemberModel[];
  /** How a multi-type topic's records are told apart (generator/multi-type.ts); with {@link members}. */
  readonly route?: RouteModel;
  /** Name of the connection that consumes this topic. */
  readonly connection: string;
  readonly buffer: BufferSettingsModel;
  /** How values are framed; absent for bare Avro (`format = avro`, the default). */
  readonly format?: TopicFormatModel;
  /**
   * The declared key type (`key string`); absent: no `key` clause, handlers get the raw key (`Buffer | null`).
   * A message key is framed like the value (`format`), from the same registry, under the key's subject.
   */
  readonly key?: TopicKeyModel;
  /** `tombstones`: a record without a value reaches the handler as `null`. Absent: it is a decode error. */
  readonly tombstones?: true;
  /** What happens to a record whose handler fails, or that cannot be decoded (see generator/failure.ts). */
  readonly failure: FailureModel;
  /**
   * `exactlyOnce = true`: the handler returns the records to produce, written in one transaction with the consumed
   * offset (the binding's `exactlyOnce`; its handler type is the runtime's `ExactlyOnceHandler`). Absent: an ordinary topic.
   */
  readonly exactlyOnce?: true;
  /** An exactly-once topic's transaction limits (the binding's `transaction`); absent on other topics. */
  readonly transaction?: TransactionModel;
  /** `partitions`, `replicationFactor`, `config { }` in the topic's `{ }`; absent: it says none of them. */
  readonly provisioning?: TopicProvisioningModel;
  /** The topic's generated producer (`producer { }` on it, or `produce = true` in the shared block); absent: none. */
  readonly producer?: ProducerModel;
  /** Where each producer setting came from (for `kefgen plan`), by setting name; with {@link producer}. */
  readonly producerOrigins?: Readonly<Record<string, SettingOrigin>>;
  readonly range: Range;
  /** Where each buffer setting came from (for `kefgen plan`), by setting name. */
  readonly bufferOrigins?: Readonly<Record<string, SettingOrigin>>;
}

/**
 * A topic's failure handling: retries, dead-letter topic, poison records (the `retry*`, `deadLetter` and
 * `onDecodeError` settings, resolved by generator/failure.ts; `deadLetter` is the topic's name, absent: none).
 */
export type FailureModel = Readonly<SettingsShape<"failure", "model">>;

/**
 * A topic's producer settings, resolved (see generator/producer.ts). `compression` is only what kafkajs has built in;
 * `autoRegister`: confluent topics register the schema on first send (true) or only look it up (false).
 */
export type ProducerModel = Readonly<SettingsShape<"producer", "model">>;

/** A message type of a multi-type topic. */
export interface TopicMemberModel {
  readonly message: MessageModel;
  /** The full name of the member's Avro record: the `$type` header's value, the writer schema's name. */
  readonly type: string;
}

/**
 * How a multi-type topic's records are told apart: by a header holding the record's full Avro name (K-Entity-Framework's
 * `$type`), or by the writer schema the registry returns for a Confluent-framed record's id.
 */
export type RouteModel = { readonly kind: "header"; readonly header: string } | { readonly kind: "schema" };

/** A topic's declared key type. */
export type TopicKeyModel =
  | { readonly kind: "string" }
  | { readonly kind: "bytes" }
  | { readonly kind: "none" }
  | { readonly kind: "message"; readonly message: MessageModel };

/** How a topic's values are framed: Confluent's framing (writer schemas from `registry`), or Avro's single-object encoding. */
export type TopicFormatModel = ConfluentFormatModel | SingleObjectFormatModel;

/** A Confluent-framed topic: its writer schemas come from `registry`. */
export interface ConfluentFormatModel {
  readonly kind: "confluent";
  /** The name of a declared registry. */
  readonly registry: string;
  readonly subjects: "topic" | "record" | "topicRecord";
}

/** A single-object topic: its writer schemas are the message's own and its `writers`. */
export interface SingleObjectFormatModel {
  readonly kind: "singleObject";
}

/** A declared `registry NAME { … }`. Secrets are names of environment variables, never values. */
export interface RegistryModel {
  readonly name: string;
  readonly url: { readonly value: string } | { readonly env: string };
  readonly auth?:
    | { readonly kind: "basic"; readonly usernameEnv: string; readonly passwordEnv: string }
    | { readonly kind: "bearer"; readonly tokenEnv: string };
  /** The file it is declared in, as shown in diagnostics (`range` is in it). */
  readonly file: string;
  readonly range: Range;
}

export interface ConnectionModel {
  /** `shared`, a declared connection's name, or the topic's handler key for an anonymous exclusive connection. */
  readonly name: string;
  readonly kind: "shared" | "exclusive";
  /** True for a `connection name exclusive { }` declaration; false for the shared and anonymous ones. */
  readonly declared: boolean;
  readonly settings: ConnectionSettingsModel;
  readonly topics: readonly TopicModel[];
  /** Where each connection setting came from (for `kefgen plan`), by setting name. */
  readonly origins?: Readonly<Record<string, SettingOrigin>>;
}

export interface Model {
  /** The project's .kef files, as shown in diagnostics (relative to the working directory). */
  readonly sources: readonly string[];
  readonly namespace: string | undefined;
  /** PascalCase base for exported API names, e.g. `ShopEvents` → `createShopEventsConsumers`. */
  readonly apiName: string;
  readonly messages: readonly MessageModel[];
  /** TypeScript name of every named Avro type, by full name. */
  readonly typeNames: ReadonlyMap<string, string>;
  /** Named Avro types to declare, in a stable order, each once. */
  readonly namedTypes: readonly AvroNamed[];
  readonly topics: readonly TopicModel[];
  readonly connections: readonly ConnectionModel[];
  /** Declared registries that some topic reads from, in declaration order. */
  readonly registries: readonly RegistryModel[];
}

// ---------------------------------------------------------------------------------------------
// Names

/** Words TypeScript reserves, and globals generated code relies on: a type may not shadow them. */
const reservedTypeNames = new Set([
  "break",
  "case",
  "catch",
  "class",
  "const",
  "continue",
  "debugger",
  "default",
  "delete",
  "do",
  "else",
  "enum",
  "export",
  "extends",
  "false",
  "finally",
  "for",
  "function",
  "if",
  "import",
  "in",
  "instanceof",
  "new",
  "null",
  "return",
  "super",
  "switch",
  "this",
  "throw",
  "true",
  "try",
  "typeof",
  "var",
  "void",
  "while",
  "with",
  "as",
  "implements",
  "interface",
  "let",
  "package",
  "private",
  "protected",
  "public",
  "static",
  "yield",
  "any",
  "boolean",
  "number",
  "string",
  "symbol",
  "bigint",
  "object",
  "never",
  "unknown",
  "undefined",
  "type",
  "keyof",
  "readonly",
  "infer",
  "is",
  "asserts",
  "await",
  "async",
  "declare",
  "module",
  "namespace",
  "require",
  "global",
  "Array",
  "Buffer",
  "Record",
  "Promise",
  "Date",
  "Map",
  "Set",
  "Object",
  "String",
  "Number",
  "Boolean",
  "Error",
  "Function",
  "Symbol",
  "BigInt",
  "Readonly",
  "Partial",
  "Required",
  "Pick",
  "Omit",
  "Exclude",
  "Extract",
  "kefgen",
]);

export function isReservedTypeName(name: string): boolean {
  return reservedTypeNames.has(name);
}

function words(text: string): string[] {
  // One pass over the characters: what `text.split(/[^A-Za-z0-9]+/)`, each part then split before an upper-case
  // letter that follows a lower-case one or a digit (`/(?<=[a-z0-9])(?=[A-Z])/`), empty parts dropped, gives; the
  // regular expressions cost ~3 times as much for the large file's 2,400 names (test/generator/names.test.ts).
  const out: string[] = [];
  let start = -1;
  let afterLowerOrDigit = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const upper = c >= 65 && c <= 90;
    const lowerOrDigit = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    if (!upper && !lowerOrDigit) {
      if (start >= 0) out.push(text.slice(start, i));
      start = -1;
    } else if (start < 0) start = i;
    else if (upper && afterLowerOrDigit) {
      out.push(text.slice(start, i));
      start = i;
    }
    afterLowerOrDigit = lowerOrDigit;
  }
  if (start >= 0) out.push(text.slice(start));
  return out;
}

export function pascalCase(text: string): string {
  const out = words(text)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
  return /^[0-9]/.test(out) ? `T${out}` : out;
}

export function camelCase(text: string): string {
  const ws = words(text);
  const out = ws
    .map((w, i) => (i === 0 ? w[0]!.toLowerCase() + w.slice(1) : w[0]!.toUpperCase() + w.slice(1)))
    .join("");
  return /^[0-9]/.test(out) ? `topic${out[0]!.toUpperCase()}${out.slice(1)}` : out;
}

/** A valid, non-reserved TypeScript type name derived from an Avro or .kef name. */
export function safeTypeName(name: string): string {
  const base = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : pascalCase(name) || "Type";
  return reservedTypeNames.has(base) ? `${base}_` : base;
}
