// What `kefgen topics plan` / `apply` would change on a cluster: the declared topic specs (generator/topic-config.ts)
// against what the cluster has. Pure: the cluster's state comes in as data (generator/cli/topics.ts reads it).
//
//   + create orders (12 partitions, replication factor 3, retention.ms=604800000)
//   ~ partitions orders-dlt 3 → 12
//   ~ config orders retention.ms 86400000 → 604800000
//   ! partitions audit: declared 2, the cluster has 6 (kefgen never reduces partitions)
import type { TopicSpec } from "./topic-config.js";

/** What the cluster has of one topic. */
export interface ExistingTopic {
  readonly partitions: number;
  readonly replicationFactor: number;
  /** The topic's configs by name, as the cluster reports them (only those the .kef declares are compared). */
  readonly config: Readonly<Record<string, string>>;
}

/** The cluster as far as the plan needs it. */
export interface ClusterState {
  readonly brokers: number;
  readonly topics: ReadonlyMap<string, ExistingTopic>;
}

/** A change kefgen can make. */
export type TopicChange =
  | { readonly kind: "create"; readonly spec: TopicSpec }
  | { readonly kind: "partitions"; readonly topic: string; readonly from: number; readonly to: number }
  | {
      readonly kind: "config";
      readonly topic: string;
      readonly key: string;
      readonly from: string | null;
      readonly to: string;
    };

/** A difference kefgen will not (or cannot) fix: reported, never applied. */
export interface TopicProblem {
  readonly topic: string;
  readonly message: string;
}

export interface TopicPlan {
  readonly changes: readonly TopicChange[];
  readonly problems: readonly TopicProblem[];
}

/** Compares `specs` with the cluster. */
export function planTopics(specs: readonly TopicSpec[], cluster: ClusterState): TopicPlan {
  const changes: TopicChange[] = [];
  const problems: TopicProblem[] = [];
  for (const spec of specs) {
    const rf = spec.replicationFactor;
    if (rf !== undefined && rf > cluster.brokers) {
      problems.push({
        topic: spec.topic,
        message: `replicationFactor ${rf} is above the cluster's size: it has ${cluster.brokers} broker${cluster.brokers === 1 ? "" : "s"}, so at most ${cluster.brokers} cop${cluster.brokers === 1 ? "y" : "ies"} of each partition`,
      });
      continue;
    }
    const existing = cluster.topics.get(spec.topic);
    if (!existing) {
      changes.push({ kind: "create", spec });
      continue;
    }
    if (spec.partitions !== undefined && spec.partitions > existing.partitions) {
      changes.push({ kind: "partitions", topic: spec.topic, from: existing.partitions, to: spec.partitions });
    } else if (spec.partitions !== undefined && spec.partitions < existing.partitions) {
      problems.push({
        topic: spec.topic,
        message: `declared with ${spec.partitions} partitions, the cluster has ${existing.partitions}: kefgen never reduces partitions (Kafka cannot without deleting the topic)`,
      });
    }
    if (rf !== undefined && rf !== existing.replicationFactor) {
      problems.push({
        topic: spec.topic,
        message: `declared with replication factor ${rf}, the cluster has ${existing.replicationFactor}: changing it is a partition reassignment (kafka-reassign-partitions), which kefgen does not do`,
      });
    }
    for (const [key, value] of Object.entries(spec.config)) {
      const actual = existing.config[key];
      if (actual !== value) changes.push({ kind: "config", topic: spec.topic, key, from: actual ?? null, to: value });
    }
  }
  return { changes, problems };
}

/** How a spec creates its topic: `12 partitions, replication factor 3, retention.ms=604800000`. */
export function describeSpec(spec: TopicSpec): string {
  const parts = [
    spec.partitions === undefined
      ? "the broker's default partitions"
      : `${spec.partitions} partition${spec.partitions === 1 ? "" : "s"}`,
    spec.replicationFactor === undefined
      ? "the broker's default replication factor"
      : `replication factor ${spec.replicationFactor}`,
    ...Object.entries(spec.config).map(([k, v]) => `${k}=${v}`),
  ];
  return `${parts.join(", ")}${spec.deadLetterOf ? `; dead-letter topic of ${spec.deadLetterOf}` : ""}`;
}

/** One line per change, then one per problem. */
export function topicChangeLine(change: TopicChange): string {
  switch (change.kind) {
    case "create":
      return `+ create ${change.spec.topic} (${describeSpec(change.spec)})`;
    case "partitions":
      return `~ partitions ${change.topic} ${change.from} → ${change.to}`;
    case "config":
      return `~ config ${change.topic} ${change.key} ${change.from ?? "(default)"} → ${change.to}`;
  }
}

export function topicProblemLine(problem: TopicProblem): string {
  return `! ${problem.topic}: ${problem.message}`;
}
