// The comparison behind `kefgen topics plan/apply` without a broker (test/integration/topics-provisioning.test.ts has
// the real one): the cases a single-broker test cluster cannot show — a replication factor that differs from the
// cluster's on a larger cluster, a config the cluster does not report — and that nothing is planned for a topic as
// declared.
import { describe, expect, it } from "vitest";
import { planTopics, topicChangeLine, type ClusterState, type ExistingTopic } from "../../generator/topics-plan.js";

const cluster: ClusterState = {
  brokers: 3,
  topics: new Map<string, ExistingTopic>([
    [
      "orders",
      { partitions: 6, replicationFactor: 2, config: { "retention.ms": "604800000", "cleanup.policy": "delete" } },
    ],
    ["same", { partitions: 3, replicationFactor: 3, config: { "cleanup.policy": "compact" } }],
  ]),
};

describe("planTopics", () => {
  it("reports a replication factor that differs from the cluster's, never changes it, and still plans the rest", () => {
    const plan = planTopics(
      [
        {
          topic: "orders",
          partitions: 6,
          replicationFactor: 3,
          config: { "retention.ms": "604800000", "segment.ms": "3600000" },
        },
      ],
      cluster,
    );
    expect(plan.problems).toEqual([
      {
        topic: "orders",
        message:
          "declared with replication factor 3, the cluster has 2: changing it is a partition reassignment (kafka-reassign-partitions), which kefgen does not do",
      },
    ]);
    expect(plan.changes).toEqual([{ kind: "config", topic: "orders", key: "segment.ms", from: null, to: "3600000" }]);
    expect(plan.changes.map(topicChangeLine)).toEqual(["~ config orders segment.ms (default) → 3600000"]);
  });

  it("plans nothing for a topic as declared, or one that declares nothing", () => {
    expect(
      planTopics(
        [
          { topic: "same", partitions: 3, replicationFactor: 3, config: { "cleanup.policy": "compact" } },
          { topic: "orders", config: {} },
        ],
        cluster,
      ),
    ).toEqual({ changes: [], problems: [] });
  });

  it("refuses a replication factor above the cluster's size before anything else about that topic", () => {
    const plan = planTopics([{ topic: "wide", partitions: 1, replicationFactor: 4, config: {} }], cluster);
    expect(plan.changes).toEqual([]);
    expect(plan.problems).toEqual([
      {
        topic: "wide",
        message:
          "replicationFactor 4 is above the cluster's size: it has 3 brokers, so at most 3 copies of each partition",
      },
    ]);
  });
});
