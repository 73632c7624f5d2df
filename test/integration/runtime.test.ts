// The runtime against a real broker: hand-written connection specs (what generated wiring will
// produce), avroCodec, one shared connection with two topics and one exclusive connection.

import { AssignerProtocol } from "kafkajs";
import { afterEach, describe, expect, it } from "vitest";
import {
  bindTopic,
  ConsumerRuntime,
  RuntimeEvents,
  type ConnectionSettings,
  type ConnectionSpec,
  type MessageContext,
  type RuntimeLogger,
} from "../../runtime/index.js";
import { TICK_TYPE, tickCodec, type Tick } from "../support/ticks.js";
import {
  brokers,
  committedOffsets,
  createTopic,
  describeGroup,
  endOffsets,
  produce,
  uniqueName,
  waitFor,
} from "../support/kafka.js";

/** Collects what a handler saw, per topic-partition, in arrival order. */
class Received {
  readonly byPartition = new Map<string, number[]>();
  count = 0;
  record(message: Tick, context: MessageContext): void {
    const key = `${context.topic}[${context.partition}]`;
    const list = this.byPartition.get(key) ?? [];
    list.push(message.seq);
    this.byPartition.set(key, list);
    this.count++;
  }
  seqs(topic: string): number[] {
    return [...this.byPartition.entries()].filter(([k]) => k.startsWith(`${topic}[`)).flatMap(([, v]) => v);
  }
}

const quietLogger: RuntimeLogger = {
  debug() {},
  info() {},
  warn() {},
  error: (message, fields) => console.error(message, fields),
};

function settings(groupId: string): ConnectionSettings {
  return {
    groupId,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1_000,
    maxPollIntervalMs: 30_000,
    enableAutoCommit: false,
    autoCommitIntervalMs: 200,
    autoOffsetReset: "earliest",
    maxPollRecords: 500,
    fetchMinBytes: 1,
    fetchMaxWaitMs: 100,
  };
}

interface Scenario {
  topics: { orders: string; payments: string; alerts: string };
  groups: { shared: string; alerts: string };
}

async function scenario(): Promise<Scenario> {
  const scenario = {
    topics: { orders: uniqueName("rt-orders"), payments: uniqueName("rt-payments"), alerts: uniqueName("rt-alerts") },
    groups: { shared: uniqueName("rt-shared"), alerts: uniqueName("rt-alerts-group") },
  };
  await createTopic(scenario.topics.orders, 3);
  await createTopic(scenario.topics.payments, 2);
  await createTopic(scenario.topics.alerts, 2);
  return scenario;
}

/** Produces `count` ticks with keys spread over partitions; returns the sequence numbers. */
async function produceTicks(topic: string, from: number, count: number): Promise<number[]> {
  const seqs = Array.from({ length: count }, (_, i) => from + i);
  await produce(
    topic,
    seqs.map((seq) => ({ key: `key-${seq % 7}`, value: tickCodec.encode({ seq, source: topic }) })),
  );
  return seqs;
}

function specs(s: Scenario, received: Received, options: { ordersDelayMs?: number } = {}): ConnectionSpec[] {
  const handler = (message: Tick, context: MessageContext) => received.record(message, context);
  const slowHandler = async (message: Tick, context: MessageContext) => {
    if (options.ordersDelayMs) await new Promise((resolve) => setTimeout(resolve, options.ordersDelayMs));
    received.record(message, context);
  };
  return [
    {
      name: "alerts",
      kind: "exclusive",
      settings: settings(s.groups.alerts),
      topics: [
        bindTopic({
          topic: s.topics.alerts,
          messageType: TICK_TYPE,
          codec: tickCodec,
          buffer: { maxBufferedMessages: 50, backpressure: "ApplyBackpressure" },
          handler,
        }),
      ],
    },
    {
      name: "shared",
      kind: "shared",
      settings: settings(s.groups.shared),
      topics: [
        // A small buffer so that backpressure (pause/resume) happens against the real broker.
        bindTopic({
          topic: s.topics.orders,
          messageType: TICK_TYPE,
          codec: tickCodec,
          buffer: { maxBufferedMessages: 5, backpressure: "ApplyBackpressure" },
          handler: slowHandler,
        }),
        bindTopic({
          topic: s.topics.payments,
          messageType: TICK_TYPE,
          codec: tickCodec,
          buffer: { maxBufferedMessages: 100, backpressure: "ApplyBackpressure" },
          handler,
        }),
      ],
    },
  ];
}

function expectIncreasingPerPartition(received: Received): void {
  for (const [partition, seqs] of received.byPartition) {
    const sorted = [...seqs].sort((a, b) => a - b);
    expect(seqs, `order of ${partition}`).toEqual(sorted);
  }
}

const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b);

const runtimes: ConsumerRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.stop({ timeoutMs: 2_000 })));
});

function createRuntime(connections: ConnectionSpec[]): ConsumerRuntime {
  const runtime = new ConsumerRuntime(
    connections,
    { brokers: brokers(), clientId: "kefgen-runtime-test" },
    { logger: quietLogger },
  );
  runtimes.push(runtime);
  return runtime;
}

describe("ConsumerRuntime against Kafka", () => {
  it("delivers every record of every topic once, in partition order, over a shared and an exclusive connection", async () => {
    const s = await scenario();
    const produced = {
      orders: await produceTicks(s.topics.orders, 0, 60),
      payments: await produceTicks(s.topics.payments, 0, 80),
      alerts: await produceTicks(s.topics.alerts, 0, 40),
    };
    const received = new Received();
    // 30 ms per record: slower than the runtime waits for buffer room (docs/runtime.md), so orders pauses.
    const runtime = createRuntime(specs(s, received, { ordersDelayMs: 30 }));
    let paused = 0;
    runtime.on(RuntimeEvents.PAUSED, () => paused++);
    await runtime.start();

    await waitFor(() => received.count >= 180, { timeoutMs: 30_000, message: "all 180 records" });
    expect(sorted(received.seqs(s.topics.orders))).toEqual(produced.orders);
    expect(sorted(received.seqs(s.topics.payments))).toEqual(produced.payments);
    expect(sorted(received.seqs(s.topics.alerts))).toEqual(produced.alerts);
    expectIncreasingPerPartition(received);
    expect(paused).toBeGreaterThan(0); // the 5-record buffer of orders filled up and was paused

    // One consumer group member per connection, each assigned only its own topics.
    for (const [groupId, topics] of [
      [s.groups.shared, [s.topics.orders, s.topics.payments]],
      [s.groups.alerts, [s.topics.alerts]],
    ] as const) {
      const group = await describeGroup(groupId);
      expect(group.state).toBe("Stable");
      expect(group.members).toHaveLength(1);
      const assignment = AssignerProtocol.MemberAssignment.decode(group.members[0]!.memberAssignment)?.assignment ?? {};
      expect(Object.keys(assignment).sort()).toEqual([...topics].sort());
    }

    const metrics = runtime.metrics();
    expect(metrics.connections.map((c) => [c.name, c.state])).toEqual([
      ["shared", "running"],
      ["alerts", "running"],
    ]);
    expect(metrics.connections[0]!.topics.map((t) => t.handled)).toEqual([60, 80]);

    // Handled offsets are committed: after stop, every partition's commit is at its end offset.
    await runtime.stop({ timeoutMs: 5_000 });
    for (const topic of Object.values(s.topics)) {
      const groupId = topic === s.topics.alerts ? s.groups.alerts : s.groups.shared;
      expect(await committedOffsets(groupId, topic)).toEqual(await endOffsets(topic));
    }
  });

  it("loses nothing when stopped midway and a new runtime takes over the same groups", async () => {
    const s = await scenario();
    const produced = {
      orders: await produceTicks(s.topics.orders, 0, 150),
      payments: await produceTicks(s.topics.payments, 0, 150),
      alerts: await produceTicks(s.topics.alerts, 0, 150),
    };
    const first = new Received();
    const runtime1 = createRuntime(specs(s, first, { ordersDelayMs: 10 }));
    await runtime1.start();
    await waitFor(() => first.seqs(s.topics.orders).length >= 20, { timeoutMs: 30_000, message: "20 orders handled" });
    await runtime1.stop({ timeoutMs: 5_000 });
    const handledBeforeStop = first.seqs(s.topics.orders).length;
    expect(handledBeforeStop).toBeLessThan(150); // really stopped midway

    // Written while nobody consumes.
    const more = {
      orders: await produceTicks(s.topics.orders, 150, 30),
      payments: await produceTicks(s.topics.payments, 150, 30),
      alerts: await produceTicks(s.topics.alerts, 150, 30),
    };

    const second = new Received();
    const runtime2 = createRuntime(specs(s, second));
    await runtime2.start();
    for (const name of ["orders", "payments", "alerts"] as const) {
      const topic = s.topics[name];
      const expected = [...produced[name], ...more[name]];
      await waitFor(() => first.seqs(topic).length + second.seqs(topic).length >= expected.length, {
        timeoutMs: 30_000,
        message: `all ${name}`,
      });
      const all = [...first.seqs(topic), ...second.seqs(topic)];
      // Nothing lost, and a clean stop commits exactly what was handled: nothing handled twice either.
      expect(sorted(all), name).toEqual(expected);
    }
    expectIncreasingPerPartition(first);
    expectIncreasingPerPartition(second);
    // The second runtime continued each partition where the first one stopped.
    for (const [partition, seqs] of second.byPartition) {
      const before = first.byPartition.get(partition) ?? [];
      if (before.length > 0 && seqs.length > 0) expect(seqs[0]!, partition).toBeGreaterThan(before.at(-1)!);
    }
  });
});
