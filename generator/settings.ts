// The catalogue of settings as the generator sees it: the declaration (runtime/settings-declaration.ts: names,
// value types, defaults, bounds, scope, the client that cannot honour each) joined with the long docs below, which
// the runtime does not ship. docs/settings.md is the human-readable form of this table (scripts/reference-docs.ts).
import {
  settingsDeclaration,
  type SettingDeclaration,
  type SettingName,
  type SettingScope,
  type SettingShape,
  type SettingType,
  type SettingValue,
} from "../runtime/settings-declaration.js";
import { DEFAULT_CLIENT } from "../runtime/transport/clients.js";

export type { SettingName, SettingScope, SettingShape, SettingType } from "../runtime/settings-declaration.js";

export interface SettingInfo {
  readonly name: SettingName;
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
  readonly unsupported?: {
    readonly client: KefClient;
    readonly values?: readonly (string | boolean)[];
    readonly why: string;
  };
  /** The settings object (model and runtime) the resolved value becomes a field of, and the field's name. */
  readonly shape?: SettingShape;
  readonly field: string;
  /** See {@link SettingDeclaration.presence}. */
  readonly presence?: "optional" | "defaulted";
  readonly meaning: string;
  readonly honouredBy: string;
}

/** What docs/settings.md says of a setting besides its declaration. */
interface SettingDocs {
  readonly meaning: string;
  readonly honouredBy: string;
}

/** The Kafka clients the runtime runs on (the `client` setting). */
export type KefClient = SettingValue<"client">;

/** The client of a connection whose settings name none (the runtime's default). */
export const defaultClient: KefClient = DEFAULT_CLIENT;

/** The docs of every declared setting: a setting without docs, or docs without a setting, does not compile. */
const settingDocs: { readonly [N in SettingName]: SettingDocs } = {
  groupId: {
    meaning: "Kafka consumer group id of the connection.",
    honouredBy: "kafkajs `groupId`",
  },
  groupInstanceId: {
    meaning:
      "Static membership id: a member that restarts within its session timeout gets its partitions back without a rebalance.",
    honouredBy: "platformatic `groupInstanceId` (a stopping member does not leave its group)",
  },
  client: {
    meaning:
      "The Kafka client of the connection: kafkajs, or @platformatic/kafka (an optional peer dependency; Node.js 22.22+ or 24.6+). Default: the factory's `client` option, else kafkajs.",
    honouredBy: "runtime (the transport: kafkajs, or @platformatic/kafka loaded when chosen)",
  },
  sessionTimeoutMs: {
    meaning: "Time without heartbeats after which the broker removes the member.",
    honouredBy: "kafkajs `sessionTimeout`",
  },
  heartbeatIntervalMs: {
    meaning: "Interval between heartbeats; must be below sessionTimeoutMs.",
    honouredBy: "kafkajs `heartbeatInterval`",
  },
  maxPollIntervalMs: {
    meaning: "Longest time the member may take to rejoin during a rebalance.",
    honouredBy: "kafkajs `rebalanceTimeout` (what the Java client sends as max.poll.interval.ms)",
  },
  enableAutoCommit: {
    meaning: "false: commit after the handler finished (at-least-once). true: commit once buffered (at-most-once).",
    honouredBy: "runtime (kafkajs auto-commit is always off)",
  },
  autoCommitIntervalMs: {
    meaning: "How often handled offsets are committed (also on rebalance and shutdown).",
    honouredBy: "runtime commit timer",
  },
  autoOffsetReset: {
    meaning:
      "Where to start when the group has no committed offset (or it is out of range); none: fail with a NoOffsetError crash instead.",
    honouredBy:
      "kafkajs `subscribe({ fromBeginning })`; platformatic: the transport's position lookup (`none`: a `NoOffsetError` crash)",
  },
  maxPollRecords: {
    meaning:
      "Most records taken from one fetched batch per partition; the rest is fetched again. Default: no limit (kafkajs already bounds a fetch by bytes).",
    honouredBy: "runtime (batch routing limit)",
  },
  fetchMinBytes: {
    meaning: "The broker answers a fetch once this many bytes are available (or fetchMaxWaitMs passed).",
    honouredBy: "kafkajs `minBytes`",
  },
  fetchMaxWaitMs: {
    meaning: "Longest time the broker waits for fetchMinBytes.",
    honouredBy: "kafkajs `maxWaitTimeInMs`",
  },
  missingTopics: {
    meaning:
      "A topic that does not exist when the connection starts: fail (start() rejects, naming it) or wait (consume the others, pick it up once it exists).",
    honouredBy: "runtime (topic check at start; missing topics are polled, see docs/runtime.md)",
  },
  maxBufferedMessages: {
    meaning: "Capacity of each topic's buffer, in records.",
    honouredBy: "runtime bounded buffer",
  },
  concurrency: {
    meaning: "Records of one topic handled at the same time; never two of one partition, so per-partition order holds.",
    honouredBy: "runtime dispatcher (more than the topic's partition count gains nothing)",
  },
  backpressure: {
    meaning:
      "When a buffer is full: pause its partitions (never drop), or drop the oldest or the newest record (counted).",
    honouredBy: "runtime (pause/resume of that topic only, or counted drops)",
  },
  exactlyOnce: {
    meaning:
      "true: the topic's handler returns the records to produce (made with a generated producer's `record(value, { key })`); they and the consumed record's offset are written in one Kafka transaction, so `read_committed` readers see each output once. Not with a drop mode (backpressure) or enableAutoCommit = true; see docs/runtime.md, Exactly-once handlers.",
    honouredBy: "runtime (the binding's `exactlyOnce`: a kafkajs transactional producer per input partition)",
  },
  transactionMaxRecords: {
    meaning:
      "An exactlyOnce topic: the most input records of one partition handled in one Kafka transaction (their outputs and the last one's offset + 1). It commits when it holds this many, after transactionMaxMs, before a failing record is retried, at a rebalance and at shutdown. 1: a transaction per record. Ignored on other topics.",
    honouredBy:
      "runtime (`TransactionBatches`: outputs held in memory until the commit; a failed transaction is handled again whole, see docs/runtime.md, Exactly-once handlers)",
  },
  transactionMaxMs: {
    meaning:
      "An exactlyOnce topic: the longest a transaction stays open after its first record, so read_committed readers wait at most about this long (plus the commit) for a record's output. Ignored on other topics.",
    honouredBy: "runtime (a timer per open transaction)",
  },
  format: {
    meaning:
      "How record values are framed: bare Avro binary written with exactly the reader's schema (avro), Confluent's framing (magic byte 0, 4-byte schema id, Avro written with that writer schema, resolved against the reader's), or Avro's single-object encoding (C3 01, the writer schema's CRC-64-AVRO fingerprint, Avro written with that writer schema: the message's own or one of its `writers`).",
    honouredBy:
      "runtime (`confluentFormat`: writer schema fetched once per id from the topic's registry; `singleObjectFormat`: writer schema by fingerprint among the message's writers)",
  },
  subjects: {
    meaning:
      "Subject name strategy of a confluent topic: <topic>-value (topic), the record's full name (record), or <topic>-<full name> (topicRecord).",
    honouredBy: "runtime (subject named in decode errors)",
  },
  registry: {
    meaning:
      "Which declared `registry` a confluent topic reads writer schemas from; may be left out when only one is declared.",
    honouredBy: "runtime (`SchemaRegistryClient`, one per registry)",
  },
  retryAttempts: {
    meaning:
      "Handler calls a record gets before it is given up: 1 means no retry. After the last one it goes to the dead-letter topic; without one, its partition stops (paused and reported, nothing committed past it). `unlimited`: retried until it succeeds (KEF2100 without a dead-letter topic).",
    honouredBy:
      "runtime (only the record's partition waits between attempts: it is paused, the topic's other partitions and topics go on)",
  },
  retryBackoffMs: {
    meaning:
      "Wait before the first retry of a failing record; each next wait is retryMultiplier times longer, up to retryMaxBackoffMs.",
    honouredBy: "runtime (the partition is paused for the wait)",
  },
  retryMaxBackoffMs: {
    meaning: "Longest wait between two attempts of a failing record (also between attempts to write a dead letter).",
    honouredBy: "runtime",
  },
  retryMultiplier: {
    meaning: "Factor from one retry wait to the next (1: a fixed backoff).",
    honouredBy: "runtime",
  },
  retryJitterPercent: {
    meaning:
      "Each retry wait is shortened or lengthened at random by up to this share, so that failing partitions do not retry in step.",
    honouredBy: "runtime",
  },
  deadLetter: {
    meaning:
      "Where records go that fail every attempt, and poison records: a topic name, `default` for `<topic>-dlt` (Spring Kafka's default name since 3.3), or `none`. The dead-letter topic must exist; kefgen never creates it.",
    honouredBy:
      "runtime (acks=all, idempotent producer; the source offset is committed only once the write is acknowledged)",
  },
  onDecodeError: {
    meaning:
      "A record that cannot be decoded (poison), or a tombstone where the topic does not declare `tombstones`: deadLetter (on the first attempt, never retried), skip (counted, committed past: the record is lost, KEF2101) or stop (its partition stops, paused and reported). Default: deadLetter with a dead-letter topic, else stop.",
    honouredBy: "runtime",
  },
  // Producer settings (issue 12): kept together here. See generator/producer.ts for the checks across them.
  produce: {
    meaning:
      "In the shared block: generate a typed producer for every topic (a topic's `producer { }` block asks for one topic's). Not written in a producer block.",
    honouredBy: "generator (`create<Api>Producers`)",
  },
  acks: {
    meaning:
      "Acknowledgement a send waits for: every in-sync replica (all), the partition leader (leader) or none. idempotent = true needs all.",
    honouredBy: "kafkajs `send({ acks: -1 | 1 | 0 })`",
  },
  idempotent: {
    meaning:
      "The broker drops duplicates of a retried send (producer id and sequence numbers). Needs acks = all and maxInFlight ≤ 5 (KEF2009 otherwise).",
    honouredBy:
      "kafkajs `producer({ idempotent })`, one kafkajs send at a time per topic, sends made meanwhile going together (kafkajs 2.2.4 loses a batch when sends overlap a broken connection: docs/runtime.md)",
  },
  lingerMs: {
    meaning: "How long the client waits to fill a batch before sending.",
    honouredBy: "not supported by kafkajs: a diagnostic (KEF2009)",
  },
  batchSize: {
    meaning: "Largest batch the client builds per partition.",
    honouredBy: "not supported by kafkajs: a diagnostic (KEF2009)",
  },
  compression: {
    meaning: "Compression of the record batches a producer sends.",
    honouredBy: "kafkajs `send({ compression: CompressionTypes.None | GZIP })`",
  },
  maxInFlight: {
    meaning:
      "Most produce requests in flight on one broker connection. At most 5 with idempotent = true (the broker keeps the last 5 batches' sequence numbers).",
    honouredBy:
      "kafkajs `producer({ maxInFlightRequests })`; an idempotent producer has one kafkajs send at a time per topic (see idempotent)",
  },
  autoRegister: {
    meaning:
      "On a format = confluent topic: register the value (and key) schema under its subject on first send (true), or only look it up, failing the send when it is not registered (false).",
    honouredBy: "runtime (`SchemaRegistryClient.register` / `lookup`, one request per schema)",
  },
};

export const settingsCatalogue: readonly SettingInfo[] = (
  Object.entries(settingsDeclaration) as [SettingName, SettingDeclaration][]
).map(([name, d]) => ({
  name,
  type: d.type,
  scope: d.scope,
  default: d.default,
  inherited: d.inherited ?? true,
  ...(d.unsupported ? { unsupported: d.unsupported } : {}),
  ...(d.shape ? { shape: d.shape } : {}),
  field: d.field ?? name,
  ...(d.presence ? { presence: d.presence } : {}),
  ...settingDocs[name],
}));

/**
 * The settings of a resolved settings object of `shape` (the model's `buffer`, `failure`, …), by setting name, in
 * declaration order; a field left out (an optional one: deadLetter) at the setting's default.
 */
export function settingsOfShape(
  shape: SettingShape,
  object: object,
): [SettingName, string | number | boolean | undefined][] {
  const fields = object as Readonly<Record<string, string | number | boolean | undefined>>;
  return (settingsByShape.get(shape) ?? []).map((s) => [s.name, fields[s.field] ?? s.default]);
}

export const settingsByName: ReadonlyMap<string, SettingInfo> = new Map(settingsCatalogue.map((s) => [s.name, s]));

/** The settings of each shape, in declaration order (made once: the checker asks for a topic's shapes per topic). */
export const settingsByShape: ReadonlyMap<SettingShape, readonly SettingInfo[]> = (() => {
  const byShape = new Map<SettingShape, SettingInfo[]>();
  for (const info of settingsCatalogue) {
    if (info.shape === undefined) continue;
    const list = byShape.get(info.shape);
    if (list) list.push(info);
    else byShape.set(info.shape, [info]);
  }
  return byShape;
})();

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
      const base =
        t.unit === "ms"
          ? "a duration (e.g. 30s, 500ms or 30000 milliseconds)"
          : t.unit === "bytes"
            ? "a size (e.g. 64KiB, 1MB or 1024 bytes)"
            : "an integer";
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
