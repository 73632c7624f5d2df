// Records of aborted transactions never reach a handler (read_committed), in the two cases kafkajs 2.2.4's own
// filter gets wrong (runtime/transport/kafkajs-aborted.ts): a transaction that began before another and aborted after
// it, and a fetch that starts inside two aborted transactions. One cell per client the running Node.js has.

// First, before anything loads kafkajs: the runtime's kafkajs transport replaces kafkajs's filter as it loads.
import { abortedFilterState } from "../../runtime/transport/kafkajs-aborted.js";
import { afterEach, describe, expect, it } from "vitest";
import type { FetchedBatch, MemberListener } from "../../runtime/transport/transport.js";
import { silentLogger } from "../../runtime/logger.js";
import { testSettings } from "../support/guarantees.js";
import { createTopic, kafka, uniqueName, waitFor, withAdmin } from "../support/kafka.js";
import { testClients, testTransport } from "../support/clients.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
});

/** Opens a transaction of its own transactional producer (one per letter: A, B, C). */
async function transactionOf(name: string) {
  const producer = kafka().producer({
    transactionalId: uniqueName(`rc-${name}`),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  cleanup.push(() => producer.disconnect());
  return producer.transaction();
}

/** Reads `topic` from the group's committed offset (or the beginning) until `until` values came, plus a grace read. */
async function readAll(client: Parameters<typeof testTransport>[0], topic: string, groupId: string, count: number) {
  const transport = testTransport(client);
  const seen: string[] = [];
  const listener: MemberListener = {
    assigned: () => {},
    rebalancing: () => {},
    rebalanceAbandoned: () => {},
    crashed: () => {},
    fetched: () => {},
    offsetReset: () => {},
    batch: async (batch: FetchedBatch) => {
      for (const r of batch.records) seen.push(r.value!.toString());
      const last = batch.records.at(-1);
      if (last) batch.resolve(last.offset);
    },
  };
  const member = transport.createMember(testSettings(groupId), listener, silentLogger);
  cleanup.push(() => member.disconnect());
  await member.connect();
  await member.subscribe([topic], true);
  await member.run();
  // The last record is a plain one written after every transaction: once it is here, everything before it was read.
  await waitFor(() => seen.includes("end"), {
    timeoutMs: 30_000,
    message: `the end marker record (have ${seen.join(",")})`,
  });
  expect(seen.length).toBe(count);
  return seen;
}

it("the runtime's kafkajs transport runs with the replacement filter", () => {
  expect(abortedFilterState).toBe("replaced");
});

describe.each(testClients())("%s: aborted transactions", (client) => {
  it("a transaction that began first and aborted last hands over none of its records", async () => {
    const topic = uniqueName("rc-order");
    await createTopic(topic, 1);
    const a = await transactionOf("a");
    const b = await transactionOf("b");
    const c = await transactionOf("c");
    await a.send({ topic, messages: [{ value: "a1" }] }); // offset 0
    await b.send({ topic, messages: [{ value: "b1" }] }); // 1
    await a.send({ topic, messages: [{ value: "a2" }] }); // 2
    await b.abort(); // marker 3: the broker lists B (first offset 1) before A (first offset 0)
    await a.abort(); // marker 4
    await c.send({ topic, messages: [{ value: "c1" }, { value: "c2" }] });
    await c.commit();
    const plain = kafka().producer();
    await plain.connect();
    cleanup.push(() => plain.disconnect());
    await plain.send({ topic, messages: [{ value: "end" }] });

    expect(await readAll(client, topic, uniqueName("rc-order-group"), 3)).toEqual(["c1", "c2", "end"]);
  });

  it("a fetch that starts inside two aborted transactions hands over none of their records", async () => {
    const topic = uniqueName("rc-inside");
    await createTopic(topic, 1);
    const a = await transactionOf("a");
    const b = await transactionOf("b");
    await a.send({ topic, messages: [{ value: "a1" }] }); // offset 0
    await b.send({ topic, messages: [{ value: "b1" }] }); // 1
    await a.send({ topic, messages: [{ value: "a2" }] }); // 2
    await b.send({ topic, messages: [{ value: "b2" }] }); // 3
    await b.send({ topic, messages: [{ value: "b3" }] }); // 4
    await a.abort(); // marker 5
    await b.abort(); // marker 6
    const c = await transactionOf("c");
    await c.send({ topic, messages: [{ value: "c1" }] });
    await c.commit();
    const plain = kafka().producer();
    await plain.connect();
    cleanup.push(() => plain.disconnect());
    await plain.send({ topic, messages: [{ value: "end" }] });

    // The group starts at offset 3, inside both A's and B's transactions (a restart in the middle of a stream).
    const groupId = uniqueName("rc-inside-group");
    await withAdmin((admin) => admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: "3" }] }));
    expect(await readAll(client, topic, groupId, 2)).toEqual(["c1", "end"]);
  });
});
