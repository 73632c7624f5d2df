// The one declaration of kefgen's settings: each setting's name, value type, bounds, default, scope, the client
// that cannot honour it, and the field of the settings object it becomes. The runtime's settings types
// (ConnectionSettings, BufferSettings, FailurePolicy, ProducerSettings) are derived from it here; the generator's
// catalogue (generator/settings.ts, which adds the long docs), its model shapes and docs/settings.md read it.
// It lives in the runtime because the runtime may not import the generator, while the generator may import this.

/** What a setting's value may be written as in a `.kef` file. */
export type SettingType =
  /** `words`: bare words accepted besides a string (`deadLetter = default`). */
  | { readonly kind: "string"; readonly words?: readonly string[] }
  /**
   * `unit`: what a quantity literal may express (`30s` for "ms", `64KiB` for "bytes"); absent for counts.
   * `words`: bare words accepted besides a number (`retryAttempts = unlimited`).
   */
  | {
      readonly kind: "integer";
      readonly min: number;
      readonly max: number;
      readonly unit?: "ms" | "bytes";
      readonly words?: readonly string[];
    }
  | { readonly kind: "boolean" }
  /** The name of something declared in the .kef (e.g. `registry = main`). */
  | { readonly kind: "name"; readonly of: string }
  | { readonly kind: "enum"; readonly values: readonly string[] };

/**
 * `connection`: identifies or tunes one Kafka consumer. `buffer`: may also be set per topic (buffer and value-format
 * settings). `producer`: a topic's generated producer; written in the `shared` block (every producer) or in a topic's
 * `producer { }` block.
 */
export type SettingScope = "connection" | "buffer" | "producer";

/**
 * The settings object a setting becomes a field of: a connection's {@link ConnectionSettings}, a topic's
 * {@link BufferSettings}, {@link FailurePolicy}, producer settings, or an exactly-once topic's transaction settings.
 */
export type SettingShape = "connection" | "buffer" | "failure" | "producer" | "transaction";

/** One setting, as declared in {@link settingsDeclaration}. */
export interface SettingDeclaration {
  readonly type: SettingType;
  readonly scope: SettingScope;
  /** Built-in default; absent when the user must give a value (groupId) or it has none. */
  readonly default?: string | number | boolean;
  /** `false`: not inherited from the shared block by exclusive connections (identity settings, groupId). */
  readonly inherited?: false;
  /**
   * When set, `client` cannot honour the setting (or these values of it; any value when absent): the generator
   * refuses it (KEF2009) and the runtime too when the client is chosen at run time; `why` says why.
   */
  readonly unsupported?: {
    readonly client: "kafkajs" | "platformatic";
    readonly values?: readonly (string | boolean)[];
    readonly why: string;
  };
  /** The settings object the resolved value goes into; absent: none (format settings, `produce`, refused ones). */
  readonly shape?: SettingShape;
  /** The field's name in that object when it is not the setting's (`retryAttempts` → `attempts`). */
  readonly field?: string;
  /**
   * Absent: the field is always set. `optional`: absent means "not set" (`groupInstanceId`). `defaulted`: the
   * generator always sets it, but the runtime takes it absent, with the same default (`concurrency`).
   */
  readonly presence?: "optional" | "defaulted";
}

const int32 = 2_147_483_647;

/**
 * Every setting, in the order of docs/settings.md and of the fields in generated settings objects. The long
 * explanations (meaning, how each is honoured) are the generator's (generator/settings.ts, by the same names).
 */
export const settingsDeclaration = {
  /** Kafka consumer group id. */
  groupId: { type: { kind: "string" }, scope: "connection", inherited: false, shape: "connection" },
  /**
   * Static membership id (Kafka's `group.instance.id`): a member that comes back with it within the
   * session timeout gets its partitions back without a rebalance. Only the platformatic client honours it.
   */
  groupInstanceId: {
    type: { kind: "string" },
    scope: "connection",
    inherited: false,
    unsupported: { client: "kafkajs", why: "kafkajs has no static group membership (group.instance.id)" },
    shape: "connection",
    presence: "optional",
  },
  /** The Kafka client of the connection (absent: the runtime option `client`, else kafkajs). */
  client: {
    type: { kind: "enum", values: ["kafkajs", "platformatic"] },
    scope: "connection",
    shape: "connection",
    presence: "optional",
  },
  /** Session timeout in milliseconds (kafkajs `sessionTimeout`). */
  sessionTimeoutMs: {
    type: { kind: "integer", min: 1_000, max: int32, unit: "ms" },
    scope: "connection",
    default: 30_000,
    shape: "connection",
  },
  /** Heartbeat interval in milliseconds (kafkajs `heartbeatInterval`). */
  heartbeatIntervalMs: {
    type: { kind: "integer", min: 100, max: int32, unit: "ms" },
    scope: "connection",
    default: 3_000,
    shape: "connection",
  },
  /** Max time between polls before the member is considered dead; sent as the rebalance timeout. */
  maxPollIntervalMs: {
    type: { kind: "integer", min: 1_000, max: int32, unit: "ms" },
    scope: "connection",
    default: 300_000,
    shape: "connection",
  },
  /**
   * `false` (default): offsets are committed only after the handler finished (at-least-once).
   * `true`: offsets are committed as soon as a record is buffered (at-most-once).
   */
  enableAutoCommit: { type: { kind: "boolean" }, scope: "connection", default: false, shape: "connection" },
  /** How often handled offsets are committed, in milliseconds. */
  autoCommitIntervalMs: {
    type: { kind: "integer", min: 1, max: int32, unit: "ms" },
    scope: "connection",
    default: 5_000,
    shape: "connection",
  },
  /**
   * Where to start without a committed offset. `none`: do not start there but fail (a `NoOffsetError` in a `crash`
   * event); only the platformatic client honours it.
   */
  autoOffsetReset: {
    type: { kind: "enum", values: ["earliest", "latest", "none"] },
    scope: "connection",
    default: "latest",
    unsupported: {
      client: "kafkajs",
      values: ["none"],
      why: "kafkajs always resets to earliest or latest; it cannot fail on a missing offset",
    },
    shape: "connection",
  },
  /** Most records routed from one fetched batch per partition before the rest is fetched again. Absent: no limit. */
  maxPollRecords: {
    type: { kind: "integer", min: 1, max: int32 },
    scope: "connection",
    shape: "connection",
    presence: "optional",
  },
  /** Broker waits for at least this many bytes before answering a fetch (kafkajs `minBytes`). */
  fetchMinBytes: {
    type: { kind: "integer", min: 1, max: int32, unit: "bytes" },
    scope: "connection",
    default: 1,
    shape: "connection",
  },
  /** Broker waits at most this long for `fetchMinBytes` (kafkajs `maxWaitTimeInMs`). */
  fetchMaxWaitMs: {
    type: { kind: "integer", min: 0, max: int32, unit: "ms" },
    scope: "connection",
    default: 500,
    shape: "connection",
  },
  /**
   * A topic that does not exist when the connection starts: `"fail"` (default) makes `start()` reject
   * with a `TopicMissingError` naming it; `"wait"` consumes the other topics and picks the
   * missing one up once it exists. A topic deleted while running is always dropped and waited for.
   */
  missingTopics: {
    type: { kind: "enum", values: ["fail", "wait"] },
    scope: "connection",
    default: "fail",
    shape: "connection",
    presence: "defaulted",
  },
  /** Capacity of the topic's buffer, in records. */
  maxBufferedMessages: {
    type: { kind: "integer", min: 1, max: 10_000_000 },
    scope: "buffer",
    default: 1_000,
    shape: "buffer",
  },
  /**
   * How many records of this type are handled at once (default 1). Records of one partition are never
   * handled at the same time, so per-partition order holds whatever the value; more than the topic's
   * partition count gains nothing.
   */
  concurrency: {
    type: { kind: "integer", min: 1, max: 1_000 },
    scope: "buffer",
    default: 1,
    shape: "buffer",
    presence: "defaulted",
  },
  /** What happens when the buffer is full. */
  backpressure: {
    type: { kind: "enum", values: ["ApplyBackpressure", "DropOldestMessage", "DropNewestMessage"] },
    scope: "buffer",
    default: "ApplyBackpressure",
    shape: "buffer",
  },
  /**
   * `true`: the topic's handler returns the records to produce, written in one Kafka transaction with the consumed
   * record's offset + 1 (the runtime's `exactlyOnce` on its binding; kafkajs only).
   */
  exactlyOnce: {
    type: { kind: "boolean" },
    scope: "buffer",
    default: false,
    unsupported: {
      client: "platformatic",
      values: [true],
      why: "the runtime's platformatic transport has no transactional producer: @platformatic/kafka 2.12 adds a transaction's offsets only for messages its own consumer delivered (with their group generation and member id), and the transport fetches with its own loop",
    },
  },
  /**
   * An exactly-once topic: the most input records of one partition handled in one transaction. The transaction
   * commits once it holds this many, once `transactionMaxMs` passed since its first record, before a handler failure
   * is retried, at a rebalance and at shutdown.
   */
  transactionMaxRecords: {
    type: { kind: "integer", min: 1, max: 100_000 },
    scope: "buffer",
    default: 100,
    shape: "transaction",
    presence: "defaulted",
  },
  /** An exactly-once topic: the longest a transaction stays open after its first record, in milliseconds. */
  transactionMaxMs: {
    type: { kind: "integer", min: 0, max: 600_000, unit: "ms" },
    scope: "buffer",
    default: 100,
    shape: "transaction",
    presence: "defaulted",
  },
  format: { type: { kind: "enum", values: ["avro", "confluent", "singleObject"] }, scope: "buffer", default: "avro" },
  subjects: { type: { kind: "enum", values: ["topic", "record", "topicRecord"] }, scope: "buffer", default: "topic" },
  registry: { type: { kind: "name", of: "registry" }, scope: "buffer" },
  /** Handler calls a record gets (1: no retry); `"unlimited"`: until it succeeds. */
  retryAttempts: {
    type: { kind: "integer", min: 1, max: 1_000_000, words: ["unlimited"] },
    scope: "buffer",
    default: 10,
    shape: "failure",
    field: "attempts",
  },
  /** Wait before the first retry, in milliseconds. */
  retryBackoffMs: {
    type: { kind: "integer", min: 0, max: int32, unit: "ms" },
    scope: "buffer",
    default: 200,
    shape: "failure",
    field: "backoffMs",
  },
  /** Longest wait between two attempts (also between two attempts to write a dead letter). */
  retryMaxBackoffMs: {
    type: { kind: "integer", min: 0, max: int32, unit: "ms" },
    scope: "buffer",
    default: 30_000,
    shape: "failure",
    field: "maxBackoffMs",
  },
  /** Factor from one wait to the next. */
  retryMultiplier: {
    type: { kind: "integer", min: 1, max: 10 },
    scope: "buffer",
    default: 2,
    shape: "failure",
    field: "multiplier",
  },
  /** Each wait is shortened or lengthened at random by up to this many percent. */
  retryJitterPercent: {
    type: { kind: "integer", min: 0, max: 100 },
    scope: "buffer",
    default: 20,
    shape: "failure",
    field: "jitterPercent",
  },
  /** Where records go after their last attempt, and poison records; absent: nowhere (their partition stops). */
  deadLetter: {
    type: { kind: "string", words: ["default", "none"] },
    scope: "buffer",
    default: "none",
    shape: "failure",
    presence: "optional",
  },
  /** A record that cannot be decoded: to the dead-letter topic, skipped (lost), or its partition stops. */
  onDecodeError: { type: { kind: "enum", values: ["deadLetter", "skip", "stop"] }, scope: "buffer", shape: "failure" },
  produce: { type: { kind: "boolean" }, scope: "producer", default: false },
  /** Acknowledgement a send waits for: every in-sync replica (all), the partition leader (leader) or none. */
  acks: {
    type: { kind: "enum", values: ["all", "leader", "none"] },
    scope: "producer",
    default: "all",
    shape: "producer",
  },
  /** The broker drops duplicates of a retried send (producer id and sequence numbers). */
  idempotent: { type: { kind: "boolean" }, scope: "producer", default: true, shape: "producer" },
  lingerMs: {
    type: { kind: "integer", min: 0, max: int32, unit: "ms" },
    scope: "producer",
    unsupported: {
      client: "kafkajs",
      why: "kafkajs has no linger: each send is one request as soon as it is called; group records with sendBatch",
    },
  },
  batchSize: {
    type: { kind: "integer", min: 1, max: int32, unit: "bytes" },
    scope: "producer",
    unsupported: {
      client: "kafkajs",
      why: "kafkajs has no batch size: a send or sendBatch call is sent as one request, however large",
    },
  },
  /** Compression of the record batches a producer sends (only what kafkajs has built in). */
  compression: {
    type: { kind: "enum", values: ["none", "gzip", "snappy", "lz4", "zstd"] },
    scope: "producer",
    default: "none",
    unsupported: {
      client: "kafkajs",
      values: ["snappy", "lz4", "zstd"],
      why: "kafkajs has only gzip built in (the others need codec packages kefgen does not install)",
    },
    shape: "producer",
  },
  /** Most produce requests in flight on one broker connection (at most 5 when idempotent). */
  maxInFlight: { type: { kind: "integer", min: 1, max: 1_000 }, scope: "producer", default: 5, shape: "producer" },
  /** Confluent topics: register the schema on first send (true) or only look it up (false). */
  autoRegister: { type: { kind: "boolean" }, scope: "producer", default: true, shape: "producer" },
} as const satisfies Readonly<Record<string, SettingDeclaration>>;

type Declared = typeof settingsDeclaration;

/** The name of a setting. */
export type SettingName = keyof Declared;

/** The value type of a declared setting type. */
type ValueOfType<T> = T extends { readonly kind: "integer"; readonly words: readonly (infer W)[] }
  ? number | W
  : T extends { readonly kind: "integer" }
    ? number
    : T extends { readonly kind: "boolean" }
      ? boolean
      : T extends { readonly kind: "enum"; readonly values: readonly (infer V)[] }
        ? V
        : string;

/** The value a setting resolves to, as written (before, e.g., `deadLetter = default` becomes a topic name). */
export type SettingValue<N extends SettingName> = ValueOfType<Declared[N]["type"]>;

/** A producer always runs on kafkajs: the values kafkajs cannot honour never reach it. */
type ShapeValue<N extends SettingName> = Declared[N] extends {
  readonly scope: "producer";
  readonly unsupported: { readonly values: readonly (infer U)[] };
}
  ? Exclude<SettingValue<N>, U>
  : SettingValue<N>;

type InShape<N extends SettingName, S extends SettingShape> = Declared[N] extends { readonly shape: S } ? true : false;
type Optional<N extends SettingName, Side extends "model" | "runtime"> = Declared[N] extends {
  readonly presence: "optional";
}
  ? true
  : Declared[N] extends { readonly presence: "defaulted" }
    ? Side extends "runtime"
      ? true
      : false
    : false;
type Renamed<N extends SettingName> = Declared[N] extends { readonly field: string } ? true : false;

/**
 * `N` when the setting is a field of `S` under its own name and optional as `O` says, else never. Written so that
 * TypeScript sees a filter (every branch `N` or never) and keeps the declaration's doc comments on the fields.
 */
type Kept<N extends SettingName, S extends SettingShape, Side extends "model" | "runtime", O extends boolean> =
  InShape<N, S> extends true ? (Optional<N, Side> extends O ? (Renamed<N> extends true ? never : N) : never) : never;

/** The field name of a renamed setting of `S` (`retryAttempts` → `attempts`), optional as `O` says; else never. */
type RenamedTo<N extends SettingName, S extends SettingShape, Side extends "model" | "runtime", O extends boolean> =
  InShape<N, S> extends true
    ? Optional<N, Side> extends O
      ? Declared[N] extends { readonly field: infer F extends string }
        ? F
        : never
      : never
    : never;

/** Shows a mapped intersection as one object type (on hover, in errors). */
type Flat<T> = { [K in keyof T]: T[K] };

/**
 * The settings object `S` as declared: for the runtime (`"runtime"`, what generated code passes; a `defaulted`
 * field may be left out) or for the generator's model (`"model"`, every resolved field set). Fields under a
 * setting's own name carry its doc comment from {@link settingsDeclaration}; renamed ones cannot.
 */
export type SettingsShape<S extends SettingShape, Side extends "model" | "runtime"> = Flat<
  { -readonly [N in keyof Declared as Kept<N, S, Side, false>]: ShapeValue<N> } & {
    -readonly [N in keyof Declared as Kept<N, S, Side, true>]?: ShapeValue<N>;
  } & {
    -readonly [N in keyof Declared as RenamedTo<N, S, Side, false>]: ShapeValue<N>;
  } & { -readonly [N in keyof Declared as RenamedTo<N, S, Side, true>]?: ShapeValue<N> }
>;
