// Fault matrix (issue 10), broker faults: each scenario owns a dedicated single-node broker
// (scripts/kafka/local-broker.ts), runs a consumer in this process under an acks=all producer,
// injects the fault, and hands everything to the invariant checker (test/support/invariants.ts),
// which checks I1–I5 and prints the scenario's figures as `[fault-matrix] {...}`.

import { afterEach, describe, expect, it } from "vitest";
import { startLocalBroker, type LocalBroker } from "../../scripts/kafka/local-broker.js";
import { startLocalCluster } from "../../scripts/kafka/local-cluster.js";
import { startBrokerBehindProxy } from "../support/blackhole-proxy.js";
import { AckedProducer } from "../support/fault-load.js";
import { explainFailure, startScenario, type Scenario } from "../support/fault-scenario.js";
import { waitFor } from "../support/kafka.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function dedicatedBroker(): Promise<LocalBroker> {
  const broker = await startLocalBroker({ logLevel: "WARN" });
  cleanups.push(() => broker.stop());
  return broker;
}

async function scenarioOn(brokers: string[], name: string, replicated = false): Promise<Scenario> {
  const scenario = await startScenario({
    ...(replicated ? { replicationFactor: 3, topicConfig: { "min.insync.replicas": "2" } } : {}),
    name,
    brokers,
    topics: 2,
    partitions: 3,
    backlogPerPartition: 3_000,
    concurrency: 2,
    capacity: 1_000,
    handlerDelayMs: 1,
  });
  cleanups.push(() => scenario.stop());
  return scenario;
}

/**
 * Runs a scenario on `brokers` (what the clients connect to): backlog, consumer, acks=all producer;
 * once 5,000 records are handled, `inject` runs inside a fault window (it returns when the fault
 * healed); then production stops and the checker waits for lag 0 and checks I1–I5.
 */
async function faultScenario(
  name: string,
  brokers: string[],
  inject: (scenario: Scenario) => Promise<void>,
  { replicated = false, logFiles = [] }: { replicated?: boolean; logFiles?: string[] } = {},
) {
  const scenario = await scenarioOn(brokers, name, replicated);
  const load = new AckedProducer(
    brokers,
    scenario.topics.map((topic) => ({ topic, partitions: 3 })),
    scenario.checker,
    { batchSize: 10, pauseMs: 50, idempotent: replicated },
  );
  cleanups.push(() => load.stop());
  // A failure prints the runtime's log and the broker's: a CI log then tells which side stalled.
  const figures = await explainFailure(scenario, logFiles, async () => {
    await waitFor(() => scenario.checker.handledCount >= 5_000, {
      timeoutMs: 60_000,
      message: "5,000 records handled before the fault",
    });
    const healed = scenario.checker.fault(name);
    await inject(scenario);
    healed();
    await load.stop();
    await scenario.checker.waitForZeroLag(60_000);
    return scenario.checker.finish();
  });
  process.stdout.write(
    `[fault-matrix] ${name} events ${JSON.stringify({ ...scenario.events, offsetResets: scenario.events.offsetResets.length, producerFailures: load.failures })}\n`,
  );
  return figures;
}

/** The scenario's fault duration (not a wait for a condition). */
const hold = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Records in flight in the handlers: concurrency × topics of {@link scenarioOn}. */
const IN_FLIGHT = 2 * 2;

describe("fault matrix: broker faults", () => {
  it("1. broker SIGKILL mid-stream, restarted on the same port and data after 10 s: nothing lost, duplicates only of records in flight", async () => {
    const broker = await dedicatedBroker();
    const figures = await faultScenario(
      "broker-kill",
      broker.brokers,
      async () => {
        await broker.kill();
        await hold(10_000);
        await broker.restart();
      },
      { logFiles: [broker.logFile] },
    );
    // The target of issue 10: no more duplicates than records in flight in the handlers (1,764 before the RejoinGate).
    expect(figures.duplicates).toBeLessThanOrEqual(IN_FLIGHT);
  }, 240_000);

  it("2. broker SIGSTOP for 40 s, then SIGCONT: nothing lost, duplicates only of records in flight", async () => {
    const broker = await dedicatedBroker();
    const pid = broker.pid!;
    let stopped = false;
    cleanups.push(async () => void (stopped && process.kill(pid, "SIGCONT")));
    const figures = await faultScenario(
      "broker-sigstop",
      broker.brokers,
      async () => {
        process.kill(pid, "SIGSTOP");
        stopped = true;
        await hold(40_000);
        process.kill(pid, "SIGCONT");
        stopped = false;
      },
      { logFiles: [broker.logFile] },
    );
    expect(figures.duplicates).toBeLessThanOrEqual(IN_FLIGHT);
  }, 240_000);

  it("5. network black hole: every byte between the clients and the broker dropped for 30 s, sockets left open", async () => {
    // Every client connection (consumer, producer, the checker's admin) goes through the proxy.
    const { proxy, broker, brokers } = await startBrokerBehindProxy((stop) => cleanups.push(stop));
    const figures = await faultScenario(
      "network-blackhole",
      brokers,
      async () => {
        proxy.blackhole();
        await hold(30_000);
        proxy.heal();
      },
      { logFiles: [broker.logFile] },
    );
    expect(proxy.dropped).toBeGreaterThan(0);
    expect(figures.duplicates).toBeLessThanOrEqual(IN_FLIGHT);
  }, 240_000);

  it("8. 3-node KRaft cluster (RF 3, min.insync.replicas 2): the partition leader SIGKILLed under load with an acks=all producer; zero acknowledged records lost", async () => {
    const cluster = await startLocalCluster({ nodes: 3, logLevel: "WARN" });
    cleanups.push(() => cluster.stop());
    let killed = 0;
    const figures = await faultScenario(
      "leader-kill",
      cluster.brokers,
      async (scenario) => {
        const admin = scenario.kafka.admin();
        await admin.connect();
        try {
          const { topics } = await admin.fetchTopicMetadata({ topics: [scenario.topics[0]!] });
          killed = topics[0]!.partitions.find((p) => p.partitionId === 0)!.leader;
          expect(topics[0]!.partitions.every((p) => p.replicas.length === 3)).toBe(true);
        } finally {
          await admin.disconnect();
        }
        await cluster.node(killed).kill();
        // The leader stays dead: two in-sync replicas remain, enough for acks=all.
        await waitFor(
          async () => {
            const admin2 = scenario.kafka.admin();
            await admin2.connect();
            try {
              const { topics } = await admin2.fetchTopicMetadata({ topics: [scenario.topics[0]!] });
              return topics[0]!.partitions.every((p) => p.leader !== killed && p.leader >= 0);
            } finally {
              await admin2.disconnect();
            }
          },
          { timeoutMs: 60_000, intervalMs: 500, message: "new leaders elected" },
        );
      },
      { replicated: true },
    );
    expect(killed).toBeGreaterThan(0);
    expect(figures.produced).toBeGreaterThan(18_000);
  }, 300_000);
});
