import { Kafka, logLevel } from "kafkajs";
import { afterAll, describe, expect, it } from "vitest";
import { createServer } from "node:net";
import { ephemeralPortRange, freePorts } from "../../scripts/kafka/free-ports.js";
import { startLocalBroker, type LocalBroker } from "../../scripts/kafka/local-broker.js";
import { createTopic, describeGroup, kafka, produce, uniqueName, waitFor, withAdmin } from "../support/kafka.js";

describe("shared test broker", () => {
  it("reports a single-node cluster", async () => {
    const cluster = await withAdmin((admin) => admin.describeCluster());
    expect(cluster.brokers).toHaveLength(1);
    expect(cluster.controller).toBe(cluster.brokers[0]?.nodeId);
  });

  it("delivers 100 messages over 3 partitions to a consumer group", async () => {
    const topic = uniqueName("broker-roundtrip");
    const groupId = uniqueName("broker-roundtrip-group");
    await createTopic(topic, 3);

    const sent = Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
    const meta = await produce(topic, sent);
    expect(meta.length).toBeGreaterThan(0);

    const received = new Map<string, number>();
    // A short fetch long-poll: disconnect() waits for the in-flight fetch (default up to 5 s).
    const consumer = kafka().consumer({ groupId, maxWaitTimeInMs: 250 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          received.set(message.value?.toString() ?? "", partition);
        },
      });
      await waitFor(() => received.size >= 100, { timeoutMs: 30_000, message: "100 messages" });

      expect([...received.keys()].sort()).toEqual(sent.map((m) => m.value).sort());
      // Keys spread over all three partitions.
      expect(new Set(received.values()).size).toBe(3);

      const group = await describeGroup(groupId);
      expect(group.state).toBe("Stable");
      expect(group.members).toHaveLength(1);
    } finally {
      await consumer.disconnect();
    }
  });
});

describe("freePorts", () => {
  it("gives distinct ports that can be bound, below the kernel's ephemeral range where it leaves room", async () => {
    const ports = await freePorts(6);
    expect(new Set(ports).size).toBe(6);
    const range = ephemeralPortRange();
    if (process.platform === "linux") expect(range).toBeDefined();
    if (range && range.low > 11_000) for (const port of ports) expect(port).toBeLessThan(range.low);
    for (const port of ports) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => resolve());
      });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("startLocalBroker", () => {
  let broker: LocalBroker | undefined;
  afterAll(async () => {
    await broker?.stop();
  });

  it("keeps data across restart() on the same port", async () => {
    broker = await startLocalBroker();
    expect(broker.startupMs).toBeGreaterThan(0);
    // Below the ephemeral range: no client connection on the machine is given them while the JVM starts.
    const range = ephemeralPortRange();
    if (range && range.low > 11_000) expect(Math.max(broker.port, broker.controllerPort)).toBeLessThan(range.low);
    const [bootstrap] = broker.brokers;
    const client = (): Kafka =>
      new Kafka({ clientId: "restart-test", brokers: broker!.brokers, logLevel: logLevel.NOTHING });
    const topic = "restart-topic";

    const admin = client().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = client().producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: ["a", "b", "c"].map((value) => ({ value })) });
    await producer.disconnect();

    const pidBefore = broker.pid;
    await broker.restart();
    expect(broker.pid).not.toBe(pidBefore);
    expect(broker.brokers).toEqual([bootstrap]);

    const values: string[] = [];
    const consumer = client().consumer({ groupId: "restart-group", maxWaitTimeInMs: 250 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value?.toString() ?? "");
        },
      });
      await waitFor(() => values.length >= 3, { timeoutMs: 30_000, message: "3 messages after restart" });
      expect(values).toEqual(["a", "b", "c"]);
    } finally {
      await consumer.disconnect();
    }
    // An upper bound: a start and a restart (a graceful stop, then a start) took 20 s + 81 s at load 15-20.
  }, 300_000);
});
