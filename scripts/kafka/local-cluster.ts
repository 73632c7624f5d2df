/**
 * A throw-away Apache Kafka cluster of several KRaft nodes on loopback (each node a combined broker
 * and controller, all voting in one static quorum), for fault tests that need replication: the
 * nodes are {@link LocalBroker}s of scripts/kafka/local-broker.ts, so each can be killed and
 * restarted on its own. Internal topics are replicated to every node (at most 3) with
 * min.insync.replicas 2.
 *
 *   const cluster = await startLocalCluster({ nodes: 3 });
 *   // ... cluster.brokers, cluster.node(2).kill() ...
 *   await cluster.stop();
 */
import { freePorts } from "./free-ports.js";
import { randomClusterId, startLocalBroker, type LocalBroker, type StartLocalBrokerOptions } from "./local-broker.js";

/** A running cluster. */
export interface LocalCluster {
  /** Bootstrap addresses of every node. */
  readonly brokers: string[];
  /** The nodes, by node id (1-based). */
  node(id: number): LocalBroker;
  readonly nodes: readonly LocalBroker[];
  /** Stops every node and deletes its data. */
  stop(): Promise<void>;
}

/** Options of {@link startLocalCluster}; the rest is passed to every node. */
export interface StartLocalClusterOptions extends Omit<StartLocalBrokerOptions, "port" | "controllerPort" | "cluster"> {
  /** Number of nodes (default 3). */
  nodes?: number;
}

/** Starts every node at once (a node answers only once a majority of the quorum runs). */
export async function startLocalCluster(options: StartLocalClusterOptions = {}): Promise<LocalCluster> {
  const count = options.nodes ?? 3;
  const ports = await freePorts(count * 2);
  const clusterId = randomClusterId();
  const quorumVoters = Array.from({ length: count }, (_, i) => `${i + 1}@127.0.0.1:${ports[count + i]}`).join(",");
  const replication = Math.min(3, count);
  const settled = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      startLocalBroker({
        ...options,
        port: ports[i],
        controllerPort: ports[count + i],
        cluster: { nodeId: i + 1, clusterId, quorumVoters },
        properties: {
          "default.replication.factor": replication,
          "min.insync.replicas": Math.min(2, count),
          "offsets.topic.replication.factor": replication,
          "transaction.state.log.replication.factor": replication,
          "transaction.state.log.min.isr": Math.min(2, count),
          "share.coordinator.state.topic.replication.factor": replication,
          "share.coordinator.state.topic.min.isr": Math.min(2, count),
          ...options.properties,
        },
      }),
    ),
  );
  const nodes = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw failed.reason;
  }
  return {
    brokers: nodes.flatMap((n) => n.brokers),
    nodes,
    node: (id) => {
      const node = nodes[id - 1];
      if (!node) throw new Error(`local-cluster: no node ${id}`);
      return node;
    },
    stop: async () => void (await Promise.all(nodes.map((n) => n.stop()))),
  };
}
