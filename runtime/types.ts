// Public types of the kefgen runtime: the contract between generated code and the runtime.
// Generated code imports these from "kefgen/runtime" and nothing else.

import type { TopicProvisioning } from "./topic-provisioning.js";
import type { ValueFormat } from "./confluent-format.js";
import type { KeyFormat } from "./key-format.js";
import type { ExactlyOnceResult } from "./exactly-once.js";
import { settingsDeclaration, type SettingValue, type SettingsShape } from "./settings-declaration.js";

/** The key handlers get when the topic declares no key type: the record's key bytes, `null` for a record without one. */
export type RawKey = Buffer | null;

/** What a buffer does when it is full. Mirrors the seed's `ConsumerBackpressureMode`. */
export type BackpressureMode = SettingValue<"backpressure">;

/**
 * Where a consumer starts when its group has no committed offset for a partition. `none`: it does not
 * start there but fails (a `NoOffsetError` in a `crash` event); only the platformatic client honours it.
 */
export type AutoOffsetReset = SettingValue<"autoOffsetReset">;

/**
 * Consumer settings of one connection, already resolved by the generator
 * (built-in default → shared → connection). Each field is a setting of the same name (runtime/settings-declaration.ts).
 */
export type ConnectionSettings = SettingsShape<"connection", "runtime">;

/** What a connection does about a topic that does not exist when it starts (see {@link ConnectionSettings.missingTopics}). */
export type MissingTopicsMode = SettingValue<"missingTopics">;

/** The runtime's default for {@link ConnectionSettings.missingTopics} (generated code always sets it). */
export const DEFAULT_MISSING_TOPICS: MissingTopicsMode = settingsDeclaration.missingTopics.default;

/** Buffer settings of one topic, resolved by the generator (default → shared → connection → topic). */
export type BufferSettings = SettingsShape<"buffer", "runtime">;

/**
 * How an exactly-once topic groups its records into transactions ({@link TopicBinding.transaction}); absent fields
 * take their defaults (runtime/settings-declaration.ts).
 */
export type TransactionSettings = SettingsShape<"transaction", "runtime">;

/**
 * What happens to a record whose handler keeps failing, or that cannot be decoded (see docs/runtime.md, "Failure
 * handling"). Resolved by the generator from the `retry*`, `deadLetter` and `onDecodeError` settings:
 * - `attempts` (`retryAttempts`): handler calls a record gets (1: no retry); `"unlimited"`: until it succeeds.
 * - `backoffMs` (`retryBackoffMs`): wait before the first retry, in milliseconds.
 * - `maxBackoffMs` (`retryMaxBackoffMs`): longest wait between two attempts (also between two attempts to write a dead letter).
 * - `multiplier` (`retryMultiplier`): factor from one wait to the next.
 * - `jitterPercent` (`retryJitterPercent`): each wait is shortened or lengthened at random by up to this many percent.
 * - `deadLetter`: where records go after their last attempt, and poison records; absent: nowhere (their partition stops).
 * - `onDecodeError`: a record that cannot be decoded goes to the dead-letter topic, is skipped (lost), or its partition stops.
 */
export type FailurePolicy = SettingsShape<"failure", "runtime">;

/** The generator's defaults, also used for bindings written by hand without `failure`. */
export const DEFAULT_FAILURE_POLICY: FailurePolicy = {
  attempts: settingsDeclaration.retryAttempts.default,
  backoffMs: settingsDeclaration.retryBackoffMs.default,
  maxBackoffMs: settingsDeclaration.retryMaxBackoffMs.default,
  multiplier: settingsDeclaration.retryMultiplier.default,
  jitterPercent: settingsDeclaration.retryJitterPercent.default,
  // No declared default: deadLetter with a dead-letter topic (see failurePolicyOf), else stop.
  onDecodeError: "stop",
};

/** A binding's failure policy: its own fields over the defaults; `onDecodeError` defaults to `deadLetter` when there is a dead-letter topic. */
export function failurePolicyOf(failure: Partial<FailurePolicy> | undefined): FailurePolicy {
  const policy = { ...DEFAULT_FAILURE_POLICY, ...failure };
  if (failure?.onDecodeError === undefined && policy.deadLetter !== undefined) policy.onDecodeError = "deadLetter";
  return policy;
}

/** Decodes and encodes one message type. Generated code builds one per type, once. */
export interface Codec<T> {
  /** Decodes one Kafka record value. Throws on malformed input. */
  decode(value: Buffer): T;
  /** Encodes one value (used by producers and tests). */
  encode(value: T): Buffer;
}

/**
 * Where a record came from. Passed to every handler next to the decoded message. `K` is the type of its key: the
 * topic's declared key type or `null` (`key string` → `string | null`; `key none` → `null`), else the raw key bytes.
 */
export interface MessageContext<K = RawKey> {
  readonly topic: string;
  readonly partition: number;
  /** The record's offset, as Kafka's int64 in decimal. */
  readonly offset: string;
  /** The record's key, read as the topic declares (`null` when the record has none); else its bytes. */
  readonly key: K;
  readonly headers: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
  /** The record's timestamp in epoch milliseconds, as a decimal string. */
  readonly timestamp: string;
}

/**
 * A function that handles one decoded message (`null` for a tombstone on a `tombstones` topic). `K` is the key's
 * type (see {@link MessageContext}). A returned promise is awaited.
 */
export type MessageHandler<T, K = RawKey> = (message: T, context: MessageContext<K>) => void | Promise<void>;

/**
 * The handler of an exactly-once topic ({@link TopicBinding.exactlyOnce}): it returns the records to produce (e.g.
 * made by a generated producer's `record(value, { key })`), which are written in one transaction with the record's
 * offset + 1. An empty list commits the offset alone.
 */
export type ExactlyOnceHandler<T, K = RawKey> = (
  message: T,
  context: MessageContext<K>,
) => ExactlyOnceResult | Promise<ExactlyOnceResult>;

/** One topic consumed by a connection: its codec, its handler and its buffer. */
export interface TopicBinding<T = unknown> {
  /** The Kafka topic name. */
  readonly topic: string;
  /** The message type's full name, for logs and metrics. */
  readonly messageType: string;
  readonly codec: Codec<T>;
  /** Absent: bare Avro, decoded by `codec`. Else how values are framed (e.g. Confluent's schema-id header). */
  readonly format?: ValueFormat<T>;
  /** How keys are read; absent: handlers get the raw key ({@link RawKey}). */
  readonly key?: KeyFormat<unknown>;
  /** `true`: a record without a value (a tombstone) reaches the handler as `null`. Else it is a decode error. */
  readonly tombstones?: boolean;
  readonly buffer: BufferSettings;
  /** Retries, dead-letter topic, poison records; what is left out is {@link DEFAULT_FAILURE_POLICY}'s. Generated code sets every field. */
  readonly failure?: Partial<FailurePolicy>;
  /** How the topic is created by the runtime option `ensureTopics` (the .kef's `partitions`, `replicationFactor`, `config`). */
  readonly provisioning?: TopicProvisioning;
  /**
   * `true`: an exactly-once topic. Its handler returns the records to produce (`ProducedRecord[]`), which are written
   * in one Kafka transaction with the record's offset + 1 (runtime/exactly-once.ts; docs/runtime.md, "Exactly-once
   * handlers").
   */
  readonly exactlyOnce?: boolean;
  /** An exactly-once topic's transaction limits (records and time per transaction); absent: the defaults. */
  readonly transaction?: TransactionSettings;
  // `any` key: the binding of a topic of any key type, like ConnectionSpec.topics for message types.
  readonly handle: MessageHandler<T, any> | ExactlyOnceHandler<T, any>;
}

/** One Kafka consumer and the topics it reads. */
export interface ConnectionSpec {
  /** `"shared"` for the shared connection, else the connection's name (anonymous ones are named after their topic). */
  readonly name: string;
  readonly kind: "shared" | "exclusive";
  readonly settings: ConnectionSettings;
  readonly topics: readonly TopicBinding<any>[];
}
