// A producer's connection cut after a Produce request reached the broker and before its answer came back, while
// other sends wait (issue 12's typed producers, idempotent by default). kafkajs 2.2.4 takes the failed batch's
// sequence numbers back and retries it; a send waiting meanwhile takes the same numbers and the broker answers it as
// a duplicate of the batch it had written: that send resolves without its records being written, and the first
// batch is written twice. kefgen's kafkajs transport sends one batch at a time per idempotent producer
// (runtime/transport/kafkajs.ts): every acknowledged record is in the topic exactly once. On Node >= 22.22 the
// platformatic transport's producer goes through the same scenario. kafkajs's own producer in
// the same scenario is the control: what it lost and doubled is reported, not asserted (it depends on timing).
// The last test pins how the transport's sends go instead: per topic one kafkajs send at a time, the sends made
// meanwhile together, in their order, and a topic that cannot be written holding back no other.

import type { Kafka } from "kafkajs";
import { afterEach, describe, expect, it } from "vitest";
import { avroCodec, avroEncoder, ProducerRuntime, silentLogger } from "../../runtime/index.js";
import { startBrokerBehindProxy, type BlackholeProxy } from "../support/blackhole-proxy.js";
import { testClients, testTransport } from "../support/clients.js";
import { kafka, uniqueName, waitFor } from "../support/kafka.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const BATCHES = 150;
const BATCH = 100;
const SENDERS = 5;
/** The batch whose send arms the cut: the cut hits the next Produce request, with the other senders waiting. */
const CUT_AT = 10;

const codec = avroCodec<{ n: number }>({ type: "record", name: "N", fields: [{ name: "n", type: "long" }] });

interface Outcome {
  /** The numbers of the sends that resolved. */
  acknowledged: number[];
  /** Error messages of the sends that rejected. */
  rejected: string[];
  /** Every number in the topic, as often as it is there. */
  written: number[];
  /** Produce requests that went through the proxy (sends made while one is in flight may share one). */
  produceRequests: number;
}

/**
 * `SENDERS` concurrent senders write batches of `BATCH` numbered records (one partition) through `send`, pausing
 * 100 ms before each; the send of batch `CUT_AT` arms a cut of the next Produce request's connection.
 */
async function cutRun(
  proxy: BlackholeProxy,
  brokers: string[],
  topic: string,
  send: (numbers: number[]) => Promise<void>,
): Promise<Outcome> {
  const outcome: Outcome = { acknowledged: [], rejected: [], written: [], produceRequests: 0 };
  let next = 0;
  const sender = async () => {
    while (next < BATCHES) {
      const batch = next++;
      if (batch === CUT_AT) proxy.cutAfterNextProduce(150);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const numbers = Array.from({ length: BATCH }, (_, i) => batch * BATCH + i);
      try {
        await send(numbers);
        outcome.acknowledged.push(...numbers);
      } catch (error) {
        outcome.rejected.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, sender));
  outcome.produceRequests = proxy.produceRequests;
  outcome.written = await readAll(brokers, topic);
  return outcome;
}

async function readAll(brokers: string[], topic: string): Promise<number[]> {
  const client = kafka({ brokers });
  const admin = client.admin();
  await admin.connect();
  const end = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  await admin.disconnect();
  const consumer = client.consumer({ groupId: uniqueName("cut-reader") });
  const numbers: number[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void numbers.push(codec.decode(message.value!).n) });
    await waitFor(() => numbers.length >= end, { timeoutMs: 60_000, message: `${end} records of ${topic}` });
  } finally {
    await consumer.disconnect();
  }
  return numbers;
}

async function createTopic(brokers: string[], topic: string): Promise<void> {
  const admin = kafka({ brokers }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
}

function tally(outcome: Outcome) {
  const count = new Map<number, number>();
  for (const n of outcome.written) count.set(n, (count.get(n) ?? 0) + 1);
  return {
    acknowledged: outcome.acknowledged.length,
    rejectedSends: outcome.rejected.length,
    written: outcome.written.length,
    acknowledgedMissing: outcome.acknowledged.filter((n) => !count.has(n)).length,
    produceRequests: outcome.produceRequests,
    duplicates: [...count.values()].filter((c) => c > 1).length,
  };
}

describe("a producer connection cut between a written request and its answer, five sends at once", () => {
  it.each(testClients())(
    "kefgen's typed producer (idempotent, %s): every acknowledged record written exactly once",
    async (client) => {
      const { proxy, brokers } = await startBrokerBehindProxy((stop) => cleanups.push(stop));
      const topic = uniqueName("cut-typed");
      await createTopic(brokers, topic);
      const runtime = new ProducerRuntime(
        { brokers, clientId: "kefgen-cut" },
        { logger: silentLogger, transport: testTransport(client, brokers) },
      );
      const producer = runtime.topic<{ n: number }, never>({
        topic,
        value: avroEncoder(codec),
        settings: { acks: "all", idempotent: true, compression: "none", maxInFlight: 5 },
      });
      await runtime.start();
      cleanups.push(() => runtime.stop());
      const outcome = await cutRun(proxy, brokers, topic, (numbers) =>
        producer.sendBatch(numbers.map((n) => ({ value: { n } }))),
      );
      const figures = tally(outcome);
      process.stdout.write(`[figures] connection cut, kefgen typed producer (${client}) ${JSON.stringify(figures)}\n`);
      expect(proxy.cuts).toBe(1);
      expect(figures.acknowledgedMissing, "acknowledged records missing from the topic").toBe(0);
      expect(figures.duplicates, "records written twice").toBe(0);
      // Sends rejected by the cut (none so far: kafkajs retried) are the only records not written.
      expect(figures.written).toBe(figures.acknowledged);
      expect(figures.acknowledged + figures.rejectedSends * BATCH).toBe(BATCHES * BATCH);
    },
    180_000,
  );

  it("control: kafkajs's own idempotent producer with five sends at once (reported, not asserted)", async () => {
    const { proxy, brokers } = await startBrokerBehindProxy((stop) => cleanups.push(stop));
    const topic = uniqueName("cut-kafkajs");
    await createTopic(brokers, topic);
    const producer = (kafka({ brokers }) as Kafka).producer({
      idempotent: true,
      maxInFlightRequests: 5,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const outcome = await cutRun(proxy, brokers, topic, async (numbers) => {
      await producer.send({ topic, acks: -1, messages: numbers.map((n) => ({ value: codec.encode({ n }) })) });
    });
    const figures = tally(outcome);
    process.stdout.write(`[figures] connection cut, kafkajs producer ${JSON.stringify(figures)}\n`);
    expect(proxy.cuts).toBe(1);
    expect(figures.acknowledged + figures.rejectedSends * BATCH).toBe(BATCHES * BATCH);
  }, 180_000);
});

describe("the typed producer's kafkajs sends (idempotent: one at a time per topic)", () => {
  it("sends made while one is in flight go in fewer requests, in the order they were made; a topic that cannot be written holds back no other", async () => {
    const { proxy, brokers } = await startBrokerBehindProxy((stop) => cleanups.push(stop));
    const topic = uniqueName("combined");
    await createTopic(brokers, topic);
    const runtime = new ProducerRuntime(
      { brokers, clientId: "kefgen-combined" },
      { logger: silentLogger, transport: testTransport("kafkajs", brokers) },
    );
    const settings = { acks: "all", idempotent: true, compression: "none", maxInFlight: 5 } as const;
    const producer = runtime.topic<{ n: number }, never>({ topic, value: avroEncoder(codec), settings });
    const missing = runtime.topic<{ n: number }, never>({
      topic: uniqueName("missing"),
      value: avroEncoder(codec),
      settings,
    });
    await runtime.start();
    cleanups.push(() => runtime.stop());
    // A send to a topic that does not exist: kafkajs retries it for seconds, then it fails.
    let missingSettled = false;
    const toMissing = missing.send({ n: -1 }).finally(() => (missingSettled = true));
    toMissing.catch(() => undefined);
    // 50 sends of 100 records made at once, without waiting: the first goes alone, the others wait and go together.
    const before = proxy.produceRequests;
    const sends = Array.from({ length: 50 }, (_, s) =>
      producer.sendBatch(Array.from({ length: 100 }, (_, i) => ({ value: { n: s * 100 + i } }))),
    );
    await Promise.all(sends);
    expect(missingSettled, "the sends to the other topic waited for the missing topic's send").toBe(false);
    const requests = proxy.produceRequests - before;
    process.stdout.write(`[figures] 50 sends made at once ${JSON.stringify({ produceRequests: requests })}\n`);
    expect(requests).toBeLessThan(50);
    // One partition: the records are in the order of their sends.
    expect(await readAll(brokers, topic)).toEqual(Array.from({ length: 5_000 }, (_, n) => n));
    await expect(toMissing).rejects.toThrow();
  }, 180_000);
});
