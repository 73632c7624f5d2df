// How topics are provisioned: the shape generated code carries (`partitions`, `replicationFactor`, `config` of a
// topic's `{ }` in the .kef) and the one rule for dead-letter topics, shared by `ensureTopics` (runtime.ts) and
// `kefgen topics plan/apply` (generator/cli/topics.ts).

/** How a topic is created. Absent counts are the broker's defaults (`num.partitions`, `default.replication.factor`). */
export interface TopicProvisioning {
  readonly partitions?: number;
  readonly replicationFactor?: number;
  /** Kafka topic configs in Kafka's string form (`"retention.ms": "604800000"`). */
  readonly config?: Readonly<Record<string, string>>;
}

/** One topic to create if it is missing. */
export interface NewTopic extends TopicProvisioning {
  readonly topic: string;
  /** For a dead-letter topic: the topic it takes its partitions and replication factor from. */
  readonly deadLetterOf?: string;
}

/**
 * Every topic to provision: each declared topic as declared, then each dead-letter topic that is not itself declared,
 * like its first source topic: the same partitions and replication factor, no configs (a source's `compact` or short
 * retention would lose dead letters).
 */
export function topicsToProvision(
  topics: readonly {
    readonly topic: string;
    readonly provisioning?: TopicProvisioning;
    readonly deadLetter?: string;
  }[],
): NewTopic[] {
  const out: NewTopic[] = [];
  const known = new Set<string>();
  for (const t of topics) {
    if (known.has(t.topic)) continue;
    known.add(t.topic);
    out.push({ topic: t.topic, ...t.provisioning, config: t.provisioning?.config ?? {} });
  }
  for (const t of topics) {
    const dlt = t.deadLetter;
    if (dlt === undefined || known.has(dlt)) continue;
    known.add(dlt);
    const { partitions, replicationFactor } = t.provisioning ?? {};
    out.push({
      topic: dlt,
      ...(partitions === undefined ? {} : { partitions }),
      ...(replicationFactor === undefined ? {} : { replicationFactor }),
      config: {},
      deadLetterOf: t.topic,
    });
  }
  return out;
}
