// The send lane of the kafkajs transport's idempotent producer (runtime/transport/kafkajs.ts), over a stand-in for
// kafkajs whose sends the test acknowledges or fails: one kafkajs send at a time per topic, a send resolved only after
// the kafkajs send that carried it was acknowledged, in the order of the sends, and the sends made by senders told of
// an acknowledgement going together with those that waited, also while the test fakes timers. The broker-level proof
// is test/integration/producer-connection-cut.test.ts.
import type { Kafka } from "kafkajs";
import { describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../../runtime/index.js";
import { kafkajsTransport } from "../../../runtime/transport/kafkajs.js";
import type { OutgoingRecord, TransportProducer } from "../../../runtime/transport/transport.js";

/** A kafkajs send the stand-in received: its topic, its values (as text), and how the test settles it. */
interface KafkajsSend {
  readonly topic: string;
  readonly values: string[];
  ack(): void;
  fail(error: Error): void;
}

async function laneProducer(): Promise<{ producer: TransportProducer; sends: KafkajsSend[] }> {
  const sends: KafkajsSend[] = [];
  const kafka = {
    producer: () => ({
      connect: async () => {},
      disconnect: async () => {},
      send: ({ topic, messages }: { topic: string; messages: OutgoingRecord[] }) =>
        new Promise<void>((resolve, reject) => {
          sends.push({ topic, values: messages.map((m) => String(m.value)), ack: resolve, fail: reject });
        }),
    }),
  } as unknown as Kafka;
  const producer = kafkajsTransport({ kafka }, { logger: silentLogger }).createProducer({
    acks: "all",
    idempotent: true,
    compression: "none",
    maxInFlight: 5,
  });
  await producer.connect();
  return { producer, sends };
}

const record = (text: string): OutgoingRecord => ({ key: null, value: Buffer.from(text) });

/** Lets every pending callback run: timers, immediates and promise reactions (several event-loop turns). */
const settled = () => new Promise((resolve) => setTimeout(resolve, 20));

/** The real setImmediate, taken before any test fakes timers. */
const realSetImmediate = setImmediate;

/** Lets `count` turns of the event loop pass (a check phase each), whether timers are faked or not. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => realSetImmediate(resolve));
}

describe("the kafkajs idempotent producer's send lane", () => {
  it("resolves a send only after the kafkajs send that carried it was acknowledged, in the order of the sends", async () => {
    const { producer, sends } = await laneProducer();
    const resolved: string[] = [];
    const sending = ["a", "b", "c"].map((v) => producer.send("t", [record(v)]).then(() => resolved.push(v)));
    await settled();
    // One kafkajs send at a time: "a" alone, "b" and "c" wait for it.
    expect(sends.map((s) => s.values)).toEqual([["a"]]);
    expect(resolved).toEqual([]);
    sends[0]!.ack();
    await settled();
    expect(resolved).toEqual(["a"]);
    expect(sends.map((s) => s.values)).toEqual([["a"], ["b", "c"]]);
    sends[1]!.ack();
    await Promise.all(sending);
    expect(resolved).toEqual(["a", "b", "c"]);
  });

  it("rejects every send a failed kafkajs send carried with its error, and goes on with what waits", async () => {
    const { producer, sends } = await laneProducer();
    const first = producer.send("t", [record("a")]);
    const outcomes = Promise.allSettled([producer.send("t", [record("b")]), producer.send("t", [record("c")])]);
    sends[0]!.ack();
    await first;
    await settled();
    expect(sends.map((s) => s.values)).toEqual([["a"], ["b", "c"]]);
    const after = producer.send("t", [record("d")]);
    const error = new Error("broker said no");
    sends[1]!.fail(error);
    expect((await outcomes).map((o) => (o.status === "rejected" ? o.reason : o.status))).toEqual([error, error]);
    await settled();
    expect(sends.map((s) => s.values)).toEqual([["a"], ["b", "c"], ["d"]]);
    sends[2]!.ack();
    await after;
  });

  it("sends again at once by the senders an acknowledgement resolved go with those that waited, in one kafkajs send", async () => {
    const { producer, sends } = await laneProducer();
    // Five senders that send again as soon as their send resolved (R10's shape), two sends each.
    const senders = ["p", "q", "r", "s", "t"].map(async (name) => {
      for (let round = 1; round <= 2; round++) await producer.send("t", [record(`${name}${round}`)]);
    });
    await settled();
    expect(sends.map((s) => s.values)).toEqual([["p1"]]);
    sends[0]!.ack();
    await settled();
    // p2, sent when p1 resolved, goes with q1…t1, which waited: not in a kafkajs send of its own after them.
    expect(sends[1]!.values).toEqual(["q1", "r1", "s1", "t1", "p2"]);
    sends[1]!.ack();
    await settled();
    expect(sends[2]!.values).toEqual(["q2", "r2", "s2", "t2"]);
    sends[2]!.ack();
    await Promise.all(senders);
    expect(sends).toHaveLength(3);
  });

  it("resolves sends and takes what waits while the test fakes timers (vi.useFakeTimers fakes setImmediate)", async () => {
    const { producer, sends } = await laneProducer();
    vi.useFakeTimers();
    try {
      const resolved: string[] = [];
      const sending = ["a", "b", "c"].map((v) => producer.send("t", [record(v)]).then(() => resolved.push(v)));
      expect(sends.map((s) => s.values)).toEqual([["a"]]);
      sends[0]!.ack();
      // A few turns of the real event loop and no fake time: the lane's waits are turns, not time.
      await turns(5);
      expect(resolved).toEqual(["a"]);
      expect(sends.map((s) => s.values)).toEqual([["a"], ["b", "c"]]);
      sends[1]!.ack();
      await turns(5);
      expect(resolved).toEqual(["a", "b", "c"]);
      await Promise.all(sending);
    } finally {
      vi.useRealTimers();
    }
  });

  it("keeps one lane per topic: a topic's kafkajs send in flight holds back no other topic", async () => {
    const { producer, sends } = await laneProducer();
    const one = producer.send("one", [record("a")]);
    const two = producer.send("two", [record("b")]);
    await settled();
    expect(sends.map((s) => [s.topic, s.values])).toEqual([
      ["one", ["a"]],
      ["two", ["b"]],
    ]);
    sends[1]!.ack();
    await two;
    sends[0]!.ack();
    await one;
  });
});
