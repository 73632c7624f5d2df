// The catalogue of consumer settings: names, value types, defaults, where each may be written, how it is honoured.
// docs/settings.md is the human-readable form of this table; a test keeps the two in step.

export type SettingType =
  /** `words`: bare words accepted besides a string (`deadLetter = default`). */
  | { readonly kind: "string"; readonly words?: readonly string[] }
  /**
   * `unit`: what a quantity literal may express (`30s` for "ms", `64KiB` for "bytes"); absent for counts.
   * `words`: bare words accepted besides a number (`retryAttempts = unlimited`).
   */
  | { readonly kind: "integer"; readonly min: number; readonly max: number; readonly unit?: "ms" | "bytes"; readonly words?: readonly string[] }
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

export interface SettingInfo {
  readonly name: string;
  readonly type: SettingType;
  readonly scope: SettingScope;
  /** Built-in default; `undefined` when the user must give a value (groupId) or it has none. */
  readonly default: string | number | boolean | undefined;
  /** Inherited from the shared block by exclusive connections. Identity settings (groupId) are not. */
  readonly inherited: boolean;
  /**
   * When set, `client` cannot honour the setting (or these values of it; any value when absent): KEF2009 where it
   * would run on that client (a connection on it, or a producer, which always runs on kafkajs); the text says why.
   */
  readonly unsupported?: { readonly client: KefClient; readonly values?: readonly (string | boolean)[]; readonly why: string };
  readonly meaning: string;
  readonly honouredBy: string;
}

const int32 = 2_147_483_647;

/** The Kafka clients the runtime runs on (the `client` setting). */
export type KefClient = "kafkajs" | "platformatic";

/** The client of a connection whose settings name none. */
export const defaultClient: KefClient = "kafkajs";

export const settingsCatalogue: readonly SettingInfo[] = [
  {
    name: "groupId",
    type: { kind: "string" },
    scope: "connection",
    default: undefined,
    inherited: false,
    meaning: "Kafka consumer group id of the connection.",
    honouredBy: "kafkajs `groupId`",
  },
  {
    name: "groupInstanceId",
    type: { kind: "string" },
    scope: "connection",
    default: undefined,
    inherited: false,
    unsupported: { client: "kafkajs", why: "kafkajs has no static group membership (group.instance.id)" },
    meaning: "Static membership id: a member that restarts within its session timeout gets its partitions back without a rebalance.",
    honouredBy: "platformatic `groupInstanceId` (a stopping member does not leave its group)",
  },
  {
    name: "client",
    type: { kind: "enum", values: ["kafkajs", "platformatic"] },
    scope: "connection",
    default: undefined,
    inherited: true,
    meaning: "The Kafka client of the connection: kafkajs, or @platformatic/kafka (an optional peer dependency; Node.js 22.22+ or 24.6+). Default: the factory's `client` option, else kafkajs.",
    honouredBy: "runtime (the transport: kafkajs, or @platformatic/kafka loaded when chosen)",
  },
  {
    name: "sessionTimeoutMs",
    type: { kind: "integer", min: 1_000, max: int32, unit: "ms" },
    scope: "connection",
    default: 30_000,
    inherited: true,
    meaning: "Time without heartbeats after which the broker removes the member.",
    honouredBy: "kafkajs `sessionTimeout`",
  },
  {
    name: "heartbeatIntervalMs",
    type: { kind: "integer", min: 100, max: int32, unit: "ms" },
    scope: "connection",
    default: 3_000,
    inherited: true,
    meaning: "Interval between heartbeats; must be below sessionTimeoutMs.",
    honouredBy: "kafkajs `heartbeatInterval`",
  },
  {
    name: "maxPollIntervalMs",
    type: { kind: "integer", min: 1_000, max: int32, unit: "ms" },
    scope: "connection",
    default: 300_000,
    inherited: true,
    meaning: "Longest time the member may take to rejoin during a rebalance.",
    honouredBy: "kafkajs `rebalanceTimeout` (what the Java client sends as max.poll.interval.ms)",
  },
  {
    name: "enableAutoCommit",
    type: { kind: "boolean" },
    scope: "connection",
    default: false,
    inherited: true,
    meaning: "false: commit after the handler finished (at-least-once). true: commit once buffered (at-most-once).",
    honouredBy: "runtime (kafkajs auto-commit is always off)",
  },
  {
    name: "autoCommitIntervalMs",
    type: { kind: "integer", min: 1, max: int32, unit: "ms" },
    scope: "connection",
    default: 5_000,
    inherited: true,
    meaning: "How often handled offsets are committed (also on rebalance and shutdown).",
    honouredBy: "runtime commit timer",
  },
  {
    name: "autoOffsetReset",
    type: { kind: "enum", values: ["earliest", "latest", "none"] },
    scope: "connection",
    default: "latest",
    inherited: true,
    unsupported: { client: "kafkajs", values: ["none"], why: "kafkajs always resets to earliest or latest; it cannot fail on a missing offset" },
    meaning: "Where to start when the group has no committed offset (or it is out of range); none: fail with a NoOffsetError crash instead.",
    honouredBy: "kafkajs `subscribe({ fromBeginning })`; platformatic: the transport's position lookup (`none`: a `NoOffsetError` crash)",
  },
  {
    name: "maxPollRecords",
    type: { kind: "integer", min: 1, max: int32 },
    scope: "connection",
    default: undefined,
    inherited: true,
    meaning: "Most records taken from one fetched batch per partition; the rest is fetched again. Default: no limit (kafkajs already bounds a fetch by bytes).",
    honouredBy: "runtime (batch routing limit)",
  },
  {
    name: "fetchMinBytes",
    type: { kind: "integer", min: 1, max: int32, unit: "bytes" },
    scope: "connection",
    default: 1,
    inherited: true,
    meaning: "The broker answers a fetch once this many bytes are available (or fetchMaxWaitMs passed).",
    honouredBy: "kafkajs `minBytes`",
  },
  {
    name: "fetchMaxWaitMs",
    type: { kind: "integer", min: 0, max: int32, unit: "ms" },
    scope: "connection",
    default: 500,
    inherited: true,
    meaning: "Longest time the broker waits for fetchMinBytes.",
    honouredBy: "kafkajs `maxWaitTimeInMs`",
  },
  {
    name: "missingTopics",
    type: { kind: "enum", values: ["fail", "wait"] },
    scope: "connection",
    default: "fail",
    inherited: true,
    meaning: "A topic that does not exist when the connection starts: fail (start() rejects, naming it) or wait (consume the others, pick it up once it exists).",
    honouredBy: "runtime (topic check at start; missing topics are polled, see docs/runtime.md)",
  },
  {
    name: "maxBufferedMessages",
    type: { kind: "integer", min: 1, max: 10_000_000 },
    scope: "buffer",
    default: 1_000,
    inherited: true,
    meaning: "Capacity of each topic's buffer, in records.",
    honouredBy: "runtime bounded buffer",
  },
  {
    name: "concurrency",
    type: { kind: "integer", min: 1, max: 1_000 },
    scope: "buffer",
    default: 1,
    inherited: true,
    meaning: "Records of one topic handled at the same time; never two of one partition, so per-partition order holds.",
    honouredBy: "runtime dispatcher (more than the topic's partition count gains nothing)",
  },
  {
    name: "backpressure",
    type: { kind: "enum", values: ["ApplyBackpressure", "DropOldestMessage", "DropNewestMessage"] },
    scope: "buffer",
    default: "ApplyBackpressure",
    inherited: true,
    meaning: "When a buffer is full: pause its partitions (never drop), or drop the oldest or the newest record (counted).",
    honouredBy: "runtime (pause/resume of that topic only, or counted drops)",
  },
  {
    name: "format",
    type: { kind: "enum", values: ["avro", "confluent", "singleObject"] },
    scope: "buffer",
    default: "avro",
    inherited: true,
    meaning:
      "How record values are framed: bare Avro binary written with exactly the reader's schema (avro), Confluent's framing (magic byte 0, 4-byte schema id, Avro written with that writer schema, resolved against the reader's), or Avro's single-object encoding (C3 01, the writer schema's CRC-64-AVRO fingerprint, Avro written with that writer schema: the message's own or one of its `writers`).",
    honouredBy: "runtime (`confluentFormat`: writer schema fetched once per id from the topic's registry; `singleObjectFormat`: writer schema by fingerprint among the message's writers)",
  },
  {
    name: "subjects",
    type: { kind: "enum", values: ["topic", "record", "topicRecord"] },
    scope: "buffer",
    default: "topic",
    inherited: true,
    meaning: "Subject name strategy of a confluent topic: <topic>-value (topic), the record's full name (record), or <topic>-<full name> (topicRecord).",
    honouredBy: "runtime (subject named in decode errors)",
  },
  {
    name: "registry",
    type: { kind: "name", of: "registry" },
    scope: "buffer",
    default: undefined,
    inherited: true,
    meaning: "Which declared `registry` a confluent topic reads writer schemas from; may be left out when only one is declared.",
    honouredBy: "runtime (`SchemaRegistryClient`, one per registry)",
  },
  {
    name: "retryAttempts",
    type: { kind: "integer", min: 1, max: 1_000_000, words: ["unlimited"] },
    scope: "buffer",
    default: 10,
    inherited: true,
    meaning:
      "Handler calls a record gets before it is given up: 1 means no retry. After the last one it goes to the dead-letter topic; without one, its partition stops (paused and reported, nothing committed past it). `unlimited`: retried until it succeeds (KEF2100 without a dead-letter topic).",
    honouredBy: "runtime (only the record's partition waits between attempts: it is paused, the topic's other partitions and topics go on)",
  },
  {
    name: "retryBackoffMs",
    type: { kind: "integer", min: 0, max: int32, unit: "ms" },
    scope: "buffer",
    default: 200,
    inherited: true,
    meaning: "Wait before the first retry of a failing record; each next wait is retryMultiplier times longer, up to retryMaxBackoffMs.",
    honouredBy: "runtime (the partition is paused for the wait)",
  },
  {
    name: "retryMaxBackoffMs",
    type: { kind: "integer", min: 0, max: int32, unit: "ms" },
    scope: "buffer",
    default: 30_000,
    inherited: true,
    meaning: "Longest wait between two attempts of a failing record (also between attempts to write a dead letter).",
    honouredBy: "runtime",
  },
  {
    name: "retryMultiplier",
    type: { kind: "integer", min: 1, max: 10 },
    scope: "buffer",
    default: 2,
    inherited: true,
    meaning: "Factor from one retry wait to the next (1: a fixed backoff).",
    honouredBy: "runtime",
  },
  {
    name: "retryJitterPercent",
    type: { kind: "integer", min: 0, max: 100 },
    scope: "buffer",
    default: 20,
    inherited: true,
    meaning: "Each retry wait is shortened or lengthened at random by up to this share, so that failing partitions do not retry in step.",
    honouredBy: "runtime",
  },
  {
    name: "deadLetter",
    type: { kind: "string", words: ["default", "none"] },
    scope: "buffer",
    default: "none",
    inherited: true,
    meaning:
      "Where records go that fail every attempt, and poison records: a topic name, `default` for `<topic>-dlt` (Spring Kafka's default name since 3.3), or `none`. The dead-letter topic must exist; kefgen never creates it.",
    honouredBy: "runtime (acks=all, idempotent producer; the source offset is committed only once the write is acknowledged)",
  },
  {
    name: "onDecodeError",
    type: { kind: "enum", values: ["deadLetter", "skip", "stop"] },
    scope: "buffer",
    default: undefined,
    inherited: true,
    meaning:
      "A record that cannot be decoded (poison), or a tombstone where the topic does not declare `tombstones`: deadLetter (on the first attempt, never retried), skip (counted, committed past: the record is lost, KEF2101) or stop (its partition stops, paused and reported). Default: deadLetter with a dead-letter topic, else stop.",
    honouredBy: "runtime",
  },
  // Producer settings (issue 12): kept together here. See generator/producer.ts for the checks across them.
  {
    name: "produce",
    type: { kind: "boolean" },
    scope: "producer",
    default: false,
    inherited: true,
    meaning: "In the shared block: generate a typed producer for every topic (a topic's `producer { }` block asks for one topic's). Not written in a producer block.",
    honouredBy: "generator (`create<Api>Producers`)",
  },
  {
    name: "acks",
    type: { kind: "enum", values: ["all", "leader", "none"] },
    scope: "producer",
    default: "all",
    inherited: true,
    meaning: "Acknowledgement a send waits for: every in-sync replica (all), the partition leader (leader) or none. idempotent = true needs all.",
    honouredBy: "kafkajs `send({ acks: -1 | 1 | 0 })`",
  },
  {
    name: "idempotent",
    type: { kind: "boolean" },
    scope: "producer",
    default: true,
    inherited: true,
    meaning: "The broker drops duplicates of a retried send (producer id and sequence numbers). Needs acks = all and maxInFlight ≤ 5 (KEF2009 otherwise).",
    honouredBy: "kafkajs `producer({ idempotent })`",
  },
  {
    name: "lingerMs",
    type: { kind: "integer", min: 0, max: int32, unit: "ms" },
    scope: "producer",
    default: undefined,
    inherited: true,
    unsupported: { client: "kafkajs", why: "kafkajs has no linger: each send is one request as soon as it is called; group records with sendBatch" },
    meaning: "How long the client waits to fill a batch before sending.",
    honouredBy: "not supported by kafkajs: a diagnostic (KEF2009)",
  },
  {
    name: "batchSize",
    type: { kind: "integer", min: 1, max: int32, unit: "bytes" },
    scope: "producer",
    default: undefined,
    inherited: true,
    unsupported: { client: "kafkajs", why: "kafkajs has no batch size: a send or sendBatch call is sent as one request, however large" },
    meaning: "Largest batch the client builds per partition.",
    honouredBy: "not supported by kafkajs: a diagnostic (KEF2009)",
  },
  {
    name: "compression",
    type: { kind: "enum", values: ["none", "gzip", "snappy", "lz4", "zstd"] },
    scope: "producer",
    default: "none",
    inherited: true,
    unsupported: { client: "kafkajs", values: ["snappy", "lz4", "zstd"], why: "kafkajs has only gzip built in (the others need codec packages kefgen does not install)" },
    meaning: "Compression of the record batches a producer sends.",
    honouredBy: "kafkajs `send({ compression: CompressionTypes.None | GZIP })`",
  },
  {
    name: "maxInFlight",
    type: { kind: "integer", min: 1, max: 1_000 },
    scope: "producer",
    default: 5,
    inherited: true,
    meaning: "Most produce requests in flight on one broker connection. At most 5 with idempotent = true (the broker keeps the last 5 batches' sequence numbers).",
    honouredBy: "kafkajs `producer({ maxInFlightRequests })`",
  },
  {
    name: "autoRegister",
    type: { kind: "boolean" },
    scope: "producer",
    default: true,
    inherited: true,
    meaning: "On a format = confluent topic: register the value (and key) schema under its subject on first send (true), or only look it up, failing the send when it is not registered (false).",
    honouredBy: "runtime (`SchemaRegistryClient.register` / `lookup`, one request per schema)",
  },
];

export const settingsByName: ReadonlyMap<string, SettingInfo> = new Map(settingsCatalogue.map((s) => [s.name, s]));

/** Factors of the units a quantity literal may carry, by the kind of setting that accepts them. */
export const units: Readonly<Record<"ms" | "bytes", Readonly<Record<string, number>>>> = {
  ms: { ms: 1, s: 1_000, min: 60_000, h: 3_600_000 },
  bytes: { B: 1, KB: 1_000, MB: 1_000_000, GB: 1_000_000_000, KiB: 1_024, MiB: 1_048_576, GiB: 1_073_741_824 },
};

export function describeType(t: SettingType): string {
  switch (t.kind) {
    case "string":
      return t.words ? `a string, ${t.words.join(" or ")}` : "a string";
    case "integer": {
      const base = t.unit === "ms" ? "a duration (e.g. 30s, 500ms or 30000 milliseconds)" : t.unit === "bytes" ? "a size (e.g. 64KiB, 1MB or 1024 bytes)" : "an integer";
      return t.words ? `${base} or ${t.words.join(" or ")}` : base;
    }
    case "boolean":
      return "true or false";
    case "name":
      return `the name of a declared ${t.of}`;
    case "enum":
      return t.values.map((v) => `${v}`).join(", ");
  }
}
