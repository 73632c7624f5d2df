// How a topic is provisioned: `partitions`, `replicationFactor` and `config { }` in a topic's `{ }`, checked against
// one table of Kafka's topic configs (KEF2140–KEF2144), and the topic specs `kefgen topics` and `ensureTopics` use.
//
//   topic "orders" : Order {
//     partitions = 12                   a positive integer; absent: the broker's num.partitions
//     replicationFactor = 3             a positive integer; absent: the broker's default.replication.factor
//     config { "retention.ms" = 7d  "cleanup.policy" = compact }    values in Kafka's string form: 604800000, compact
//   }
//
// A dead-letter topic is provisioned like its source topic (same partitions and replication factor, no config),
// unless the .kef declares it as a topic of its own (runtime/topic-provisioning.ts, shared with `ensureTopics`).
import {
  settingValueText,
  type Range,
  type Setting,
  type SettingValue,
  type TopicConfigBlock,
  type TopicDecl,
} from "../grammar/ast.js";
import { messages, notes, type MessageArgs } from "./catalogue.js";
import { closest, didYouMean, related } from "./diagnostics.js";
import type { FileReporter } from "./reporter.js";
import { topicsToProvision, type NewTopic, type TopicProvisioning } from "../runtime/topic-provisioning.js";

/** What a topic's `{ }` says about how it is created (the runtime's shape, configs always present). */
export interface TopicProvisioningModel extends TopicProvisioning {
  /** Kafka topic configs, in Kafka's string form (durations in ms, sizes in bytes), sorted by key. */
  readonly config: Readonly<Record<string, string>>;
}

/** One topic to provision: a declared topic, or the dead-letter topic of one (configs always present). */
export interface TopicSpec extends NewTopic {
  readonly config: Readonly<Record<string, string>>;
}

/** The value a topic config takes, and how a `.kef` literal becomes Kafka's string. */
type ConfigType =
  | { readonly kind: "duration"; readonly min: number }
  | { readonly kind: "size"; readonly min: number }
  | { readonly kind: "integer"; readonly min: number; readonly max?: number }
  | { readonly kind: "ratio" }
  | { readonly kind: "boolean" }
  | { readonly kind: "enum"; readonly values: readonly string[]; readonly list?: true }
  | { readonly kind: "string" };

const duration = (min = 0): ConfigType => ({ kind: "duration", min });
const size = (min = 0): ConfigType => ({ kind: "size", min });
const integer = (min = 0, max?: number): ConfigType => ({
  kind: "integer",
  min,
  ...(max === undefined ? {} : { max }),
});
const boolean: ConfigType = { kind: "boolean" };

/**
 * Kafka 4.1's topic-level configs (kafka.apache.org/41/configuration/topic-level-configs) with their types and
 * lower bounds; `-1` means "no limit" where Kafka allows it (retention), `-2` "same as the non-local value".
 */
export const topicConfigs: ReadonlyMap<string, ConfigType> = new Map<string, ConfigType>([
  ["cleanup.policy", { kind: "enum", values: ["delete", "compact"], list: true }],
  ["compression.type", { kind: "enum", values: ["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"] }],
  ["compression.gzip.level", integer(-1, 9)],
  ["compression.lz4.level", integer(1, 17)],
  ["compression.zstd.level", integer(-131072, 22)],
  ["delete.retention.ms", duration()],
  ["file.delete.delay.ms", duration()],
  ["flush.messages", integer(1)],
  ["flush.ms", duration()],
  ["follower.replication.throttled.replicas", { kind: "string" }],
  ["index.interval.bytes", size()],
  ["leader.replication.throttled.replicas", { kind: "string" }],
  ["local.retention.bytes", size(-2)],
  ["local.retention.ms", duration(-2)],
  ["max.compaction.lag.ms", duration(1)],
  ["max.message.bytes", size()],
  ["message.timestamp.after.max.ms", duration()],
  ["message.timestamp.before.max.ms", duration()],
  ["message.timestamp.type", { kind: "enum", values: ["CreateTime", "LogAppendTime"] }],
  ["min.cleanable.dirty.ratio", { kind: "ratio" }],
  ["min.compaction.lag.ms", duration()],
  ["min.insync.replicas", integer(1)],
  ["preallocate", boolean],
  ["remote.log.copy.disable", boolean],
  ["remote.log.delete.on.disable", boolean],
  ["remote.storage.enable", boolean],
  ["retention.bytes", size(-1)],
  ["retention.ms", duration(-1)],
  ["segment.bytes", size(1_048_576)],
  ["segment.index.bytes", size(4)],
  ["segment.jitter.ms", duration()],
  ["segment.ms", duration(1)],
  ["unclean.leader.election.enable", boolean],
]);

/** Units a topic config's duration or size may carry; unlike consumer settings, retention is often in days. */
export const topicConfigUnits = {
  duration: { ms: 1, s: 1_000, min: 60_000, h: 3_600_000, d: 86_400_000 },
  size: {
    B: 1,
    KB: 1_000,
    MB: 1_000_000,
    GB: 1_000_000_000,
    KiB: 1_024,
    MiB: 1_048_576,
    GiB: 1_073_741_824,
    TiB: 1_099_511_627_776,
  },
} as const;

/** The provisioning settings a topic's `{ }` takes besides `consumer` clauses and `config { }`. */
export const provisioningSettings = ["partitions", "replicationFactor"] as const;

/** What each provisioning setting means (the language server's completion documentation). */
export const provisioningSettingDocs: Readonly<Record<(typeof provisioningSettings)[number], string>> = {
  partitions:
    "The topic's partition count, a whole number from 1: created with it, or increased to it (never reduced). Absent: the broker's num.partitions.",
  replicationFactor:
    "Copies of each partition, a whole number from 1 up to the number of brokers. Absent: the broker's default.replication.factor.",
};

/** Kafka's limits: partitions are an int32 count, a replication factor an int16. */
const maxOf = { partitions: 2_147_483_647, replicationFactor: 32_767 } as const;

function describe(t: ConfigType): string {
  switch (t.kind) {
    case "duration":
      return "a duration (e.g. 7d, 12h, 30min or 60000 milliseconds)";
    case "size":
      return "a size (e.g. 1GiB, 512MB or 1048576 bytes)";
    case "integer":
      return "an integer";
    case "ratio":
      return "a number from 0 to 1";
    case "boolean":
      return "true or false";
    case "enum":
      return t.list
        ? `${t.values.join(", ")} or several of them in a string ("${t.values.join(",")}")`
        : t.values.join(" or ");
    case "string":
      return "a string";
  }
}

/** What a topic config's value is, with its bounds ("a duration (…), at least -1"); undefined for an unknown key. */
export function describeTopicConfig(key: string): string | undefined {
  const t = topicConfigs.get(key);
  if (!t) return undefined;
  const bounds =
    "min" in t ? `, at least ${t.min}${"max" in t && t.max !== undefined ? ` and at most ${t.max}` : ""}` : "";
  return describe(t) + bounds;
}

/** The values a topic config takes as words (enum values, true/false), or the units of a duration or size. */
export function topicConfigWords(
  key: string,
): { readonly words: readonly string[] } | { readonly units: Readonly<Record<string, number>> } | undefined {
  const t = topicConfigs.get(key);
  if (t?.kind === "enum") return { words: t.values };
  if (t?.kind === "boolean") return { words: ["true", "false"] };
  if (t?.kind === "duration" || t?.kind === "size") return { units: topicConfigUnits[t.kind] };
  return undefined;
}

/** Kafka's string for `v`, or what is wrong with it. */
function topicConfigValue(t: ConfigType, v: SettingValue): { value: string } | { problem: string; hint?: string } {
  const wanted = (): { problem: string; hint?: string } => ({
    problem: `expected ${describe(t)}, not ${settingValueText(v)}`,
  });
  switch (t.kind) {
    case "duration":
    case "size": {
      const table: Readonly<Record<string, number>> = topicConfigUnits[t.kind];
      let amount: number;
      if (v.$type === "NumberValue") amount = v.value;
      else if (v.$type === "QuantityValue") {
        const factor = v.detached ? undefined : table[v.unit];
        if (factor === undefined) {
          const meant = closest(v.unit, Object.keys(table));
          return {
            problem: v.detached
              ? `the unit of ${v.raw} is apart from its number`
              : `unknown unit "${v.unit}" in ${v.raw}`,
            hint: `${meant && !v.detached ? `did you mean ${v.value}${meant}? ` : ""}units for ${t.kind === "duration" ? "a duration" : "a size"}: ${Object.keys(table).join(", ")}`,
          };
        }
        amount = v.value * factor;
      } else return wanted();
      return integerValue(amount, t.min, undefined, settingValueText(v));
    }
    case "integer":
      return v.$type === "NumberValue" ? integerValue(v.value, t.min, t.max, v.raw) : wanted();
    case "ratio":
      if (v.$type !== "NumberValue") return wanted();
      return v.value >= 0 && v.value <= 1 ? { value: String(v.value) } : { problem: `${v.raw} is not between 0 and 1` };
    case "boolean":
      return v.$type === "BooleanValue" ? { value: String(v.value) } : wanted();
    case "enum": {
      if (v.$type !== "IdentifierValue" && v.$type !== "StringValue") return wanted();
      const words = t.list && v.$type === "StringValue" ? v.value.split(",").map((w) => w.trim()) : [v.value];
      const bad = words.find((w) => !t.values.includes(w));
      if (bad !== undefined)
        return { problem: `"${bad}" is not one of ${t.values.join(", ")}`, hint: didYouMean(bad, t.values) };
      return { value: words.join(",") };
    }
    case "string":
      return v.$type === "StringValue" ? { value: v.value } : wanted();
  }
}

function integerValue(
  amount: number,
  min: number,
  max: number | undefined,
  raw: string,
): { value: string } | { problem: string; hint?: string } {
  if (!Number.isSafeInteger(amount))
    return { problem: `${raw} is not a whole number${Number.isInteger(amount) ? " Kafka can hold exactly" : ""}` };
  if (amount < min) return { problem: `${raw} is below the minimum, ${min}` };
  if (max !== undefined && amount > max) return { problem: `${raw} is above the maximum, ${max}` };
  return { value: String(amount) };
}

/** Reports `entry` (one of the "said twice" messages) when `key` was said before in the topic's `{ }`; true when it did. */
type SaidTwice = <M extends SaidTwiceEntry>(
  entry: M,
  args: Omit<MessageArgs<M>, "topic">,
  range: Range,
  key: string,
) => boolean;
type SaidTwiceEntry =
  | typeof messages.consumerClauseTwice
  | typeof messages.producerClauseTwice
  | typeof messages.provisioningSettingTwice
  | typeof messages.topicConfigTwice;

/**
 * Checks the provisioning parts of a topic's `{ }` (its settings and `config { }` blocks) and reports a second
 * consumer clause. Returns undefined when the topic says nothing about provisioning.
 */
export function topicProvisioning(c: FileReporter, decl: TopicDecl): TopicProvisioningModel | undefined {
  const first = new Map<string, Range>();
  const twice: SaidTwice = (entry, args, range, key) => {
    const at = first.get(key);
    if (at) {
      c.accept(entry, range, { ...args, topic: decl.topic.value } as MessageArgs<typeof entry>, {
        related: [related(notes.firstSaid, {}, { file: c.source.file, range: at })],
      });
      return true;
    }
    first.set(key, range);
    return false;
  };
  const counts: { partitions?: number; replicationFactor?: number } = {};
  const config: Record<string, string> = {};
  let said = false;
  for (const item of decl.body) {
    if (item.$type === "SharedConsumer" || item.$type === "ViaConsumer" || item.$type === "ExclusiveConsumer") {
      twice(messages.consumerClauseTwice, {}, item.range, "consumer");
    } else if (item.$type === "ProducerClause") {
      twice(messages.producerClauseTwice, {}, item.keyword, "producer");
    } else if (item.$type === "Setting") {
      // `route` says how a multi-type topic's records are told apart, not how it is created (generator/multi-type.ts).
      if (item.name.text === "route") continue;
      said = true;
      countSetting(c, item, twice, counts);
    } else {
      said = true;
      configBlock(c, item, twice, config);
    }
  }
  if (!said) return undefined;
  const sorted = Object.fromEntries(Object.entries(config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { ...counts, config: sorted };
}

function countSetting(
  c: FileReporter,
  s: Setting,
  twice: SaidTwice,
  counts: { partitions?: number; replicationFactor?: number },
): void {
  const name = provisioningSettings.find((p) => p === s.name.text);
  if (!name) {
    c.accept(
      messages.notATopicSetting,
      s.name.range,
      { name: s.name.text },
      { hint: didYouMean(s.name.text, provisioningSettings) },
    );
    return;
  }
  if (twice(messages.provisioningSettingTwice, { name }, s.name.range, name)) return;
  const v = s.value;
  if (!v) return; // a syntax error was reported
  if (v.$type !== "NumberValue" || !Number.isInteger(v.value) || v.value < 1 || v.value > maxOf[name]) {
    c.accept(name === "replicationFactor" ? messages.invalidReplicationFactor : messages.invalidPartitions, v.range, {
      name,
      max: maxOf[name],
      value: settingValueText(v),
    });
    return;
  }
  counts[name] = v.value;
}

function configBlock(c: FileReporter, block: TopicConfigBlock, twice: SaidTwice, config: Record<string, string>): void {
  if (block.word.text !== "config") {
    c.accept(
      messages.notATopicBlock,
      block.word.range,
      { word: block.word.text },
      { hint: didYouMean(block.word.text, ["config", "producer"]) },
    );
    return;
  }
  for (const entry of block.entries) {
    const key = entry.key.value;
    const type = topicConfigs.get(key);
    if (!type) {
      c.accept(messages.unknownTopicConfig, entry.key.range, { key }, { hint: didYouMean(key, topicConfigs.keys()) });
      continue;
    }
    if (twice(messages.topicConfigTwice, { key }, entry.key.range, `config:${key}`)) continue;
    if (!entry.value) continue; // a syntax error was reported
    const result = topicConfigValue(type, entry.value);
    if ("problem" in result) {
      c.accept(
        messages.invalidTopicConfigValue,
        entry.value.range,
        { key, problem: result.problem },
        { hint: result.hint },
      );
      continue;
    }
    config[key] = result.value;
  }
}

/** Every topic to provision (runtime/topic-provisioning.ts has the rule, for the runtime's `ensureTopics` too). */
export function topicSpecs(
  topics: readonly {
    readonly topic: string;
    readonly provisioning?: TopicProvisioningModel;
    readonly failure: { readonly deadLetter?: string };
  }[],
): TopicSpec[] {
  const declared = topics.map((t) => ({
    topic: t.topic,
    ...(t.provisioning ? { provisioning: t.provisioning } : {}),
    ...(t.failure.deadLetter !== undefined ? { deadLetter: t.failure.deadLetter } : {}),
  }));
  return topicsToProvision(declared).map((s) => ({ ...s, config: s.config ?? {} }));
}
