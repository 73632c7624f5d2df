// `kefgen topics plan` and `kefgen topics apply`: the topics a .kef declares (and their dead-letter topics) against a
// cluster — create what is missing, add partitions, fix config drift; never delete a topic or reduce partitions.
// Exit codes like terraform's --detailed-exitcode: 0 nothing to change, 1 error, 2 changes pending (plan) or made
// (apply). Talks to Kafka with kafkajs's admin client; loaded only by these commands.
import kafkajs, { Kafka, logLevel, type Admin } from "kafkajs";
import { hasErrors } from "../diagnostics.js";
import { analyse, type ProjectOptions } from "../program.js";
import { topicSpecs, type TopicSpec } from "../topic-config.js";
import {
  planTopics,
  topicChangeLine,
  topicProblemLine,
  type ClusterState,
  type ExistingTopic,
  type TopicChange,
  type TopicPlan,
} from "../topics-plan.js";
import type { CommandIo, Report } from "./output.js";

// Node finds a CommonJS package's named exports by scanning its source, and in kafkajs's export list it stops before
// these two (test/generator/built-modules.test.ts loads every built module in plain Node): read from the module object.
const { ConfigResourceTypes, ConfigSource } = kafkajs;

export interface TopicsCommandOptions {
  readonly brokers: readonly string[];
  readonly format: "text" | "json";
  readonly apply: boolean;
  /** Prints diagnostics as text, with code frames. */
  readonly report: Report;
}

/** Reads what the cluster has of `topics`: partition counts, replication factors and configs. */
async function readCluster(admin: Admin, topics: readonly string[]): Promise<ClusterState> {
  const cluster = await admin.describeCluster();
  const present = new Set(await admin.listTopics());
  const existing = topics.filter((t) => present.has(t));
  const state = new Map<string, ExistingTopic>();
  if (existing.length === 0) return { brokers: cluster.brokers.length, topics: state };
  const metadata = await admin.fetchTopicMetadata({ topics: existing });
  const configs = await admin.describeConfigs({
    resources: existing.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
    includeSynonyms: false,
  });
  const configOf = new Map(
    configs.resources.map((r) => [
      r.resourceName,
      Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue])),
    ]),
  );
  for (const t of metadata.topics) {
    state.set(t.name, {
      partitions: t.partitions.length,
      replicationFactor: t.partitions[0]?.replicas.length ?? 0,
      config: configOf.get(t.name) ?? {},
    });
  }
  return { brokers: cluster.brokers.length, topics: state };
}

/**
 * Makes the plan's changes. AlterConfigs replaces a topic's whole set of topic-level configs, so a topic's changed
 * configs are sent together with the ones already set on it (source TOPIC_CONFIG), which are otherwise lost.
 */
async function applyTopicChanges(admin: Admin, changes: readonly TopicChange[]): Promise<void> {
  const creates = changes.flatMap((c) => (c.kind === "create" ? [c.spec] : []));
  if (creates.length > 0) {
    await admin.createTopics({ waitForLeaders: true, topics: creates.map(createRequest) });
  }
  const partitions = changes.flatMap((c) => (c.kind === "partitions" ? [{ topic: c.topic, count: c.to }] : []));
  if (partitions.length > 0) await admin.createPartitions({ topicPartitions: partitions });
  const configChanges = new Map<string, Map<string, string>>();
  for (const c of changes) {
    if (c.kind !== "config") continue;
    const forTopic = configChanges.get(c.topic) ?? new Map<string, string>();
    forTopic.set(c.key, c.to);
    configChanges.set(c.topic, forTopic);
  }
  if (configChanges.size === 0) return;
  const topics = [...configChanges.keys()];
  const current = await admin.describeConfigs({
    resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
    includeSynonyms: false,
  });
  const resources = current.resources.map((r) => {
    const set = new Map(
      r.configEntries
        .filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG)
        .map((e) => [e.configName, e.configValue]),
    );
    for (const [k, v] of configChanges.get(r.resourceName) ?? []) set.set(k, v);
    return {
      type: ConfigResourceTypes.TOPIC,
      name: r.resourceName,
      configEntries: [...set].map(([name, value]) => ({ name, value })),
    };
  });
  await admin.alterConfigs({ validateOnly: false, resources });
}

/** kafkajs's createTopics entry for a spec; -1 asks for the broker's default. */
function createRequest(spec: TopicSpec): {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  configEntries: { name: string; value: string }[];
} {
  return {
    topic: spec.topic,
    numPartitions: spec.partitions ?? -1,
    replicationFactor: spec.replicationFactor ?? -1,
    configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })),
  };
}

/** A kafkajs error with the broker's reasons (an aggregate of per-topic errors) as one sentence. */
function reason(error: unknown): string {
  const e = error as Error & { errors?: (Error & { topic?: string })[] };
  if (Array.isArray(e.errors) && e.errors.length > 0)
    return e.errors.map((x) => `${x.topic ? `${x.topic}: ` : ""}${x.message}`).join("; ");
  return e.message;
}

/** `kefgen topics plan|apply [files...] --brokers <list> [--format text|json]`. */
export async function topicsCommand(
  io: CommandIo,
  project: ProjectOptions,
  options: TopicsCommandOptions,
): Promise<number> {
  const analysed = analyse(project);
  if (!analysed.model || hasErrors(analysed.diagnostics)) {
    if (options.format === "json")
      io.stdout.write(`${JSON.stringify({ diagnostics: analysed.diagnostics }, null, 2)}\n`);
    else options.report(analysed.diagnostics, analysed.sources);
    return 1;
  }
  const specs = topicSpecs(analysed.model.topics);
  const kafka = new Kafka({
    clientId: "kefgen-topics",
    brokers: [...options.brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5_000,
    retry: { retries: 2 },
  });
  const admin = kafka.admin();
  let plan: TopicPlan;
  let error: string | undefined;
  try {
    await admin.connect();
    plan = planTopics(
      specs,
      await readCluster(
        admin,
        specs.map((s) => s.topic),
      ),
    );
    if (options.apply && plan.changes.length > 0) {
      try {
        await applyTopicChanges(admin, plan.changes);
      } catch (e) {
        error = `the cluster refused the changes: ${reason(e)}`;
      }
    }
  } catch (e) {
    io.stderr.write(`kefgen: cannot read the topics of ${options.brokers.join(",")}: ${reason(e)}\n`);
    return 1;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const code = error !== undefined || plan.problems.length > 0 ? 1 : plan.changes.length > 0 ? 2 : 0;
  if (options.format === "json") {
    const json = {
      applied: options.apply && error === undefined,
      changes: plan.changes,
      problems: plan.problems,
      ...(error ? { error } : {}),
    };
    io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return code;
  }
  const lines = [...plan.changes.map(topicChangeLine), ...plan.problems.map(topicProblemLine)];
  if (lines.length > 0) io.stdout.write(`${lines.join("\n")}\n`);
  const n = plan.changes.length;
  const count = `${n} change${n === 1 ? "" : "s"}`;
  if (error !== undefined) io.stderr.write(`kefgen: ${error}\n`);
  else if (n === 0 && plan.problems.length > 0)
    io.stdout.write(
      `nothing kefgen can change; ${plan.problems.length} problem${plan.problems.length === 1 ? "" : "s"} to fix by hand or in the .kef\n`,
    );
  else if (n === 0)
    io.stdout.write(`${specs.length} topic${specs.length === 1 ? "" : "s"} as declared: nothing to change\n`);
  else io.stdout.write(options.apply ? `${count} made\n` : `${count} pending: kefgen topics apply makes them\n`);
  return code;
}
