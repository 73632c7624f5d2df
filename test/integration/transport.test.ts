// Each transport against the real broker: everything the runtime asks of a Kafka client through the
// seam (runtime/transport/transport.ts), without the runtime's parts around it. One cell per client
// the running Node.js has (test/support/clients.ts).

import { afterEach, describe, expect, it } from "vitest";
import type { Assignment, FetchedBatch, GroupMember, MemberListener } from "../../runtime/transport/transport.js";
import { silentLogger } from "../../runtime/logger.js";
import { testSettings } from "../support/guarantees.js";
import { createTopic, uniqueName, waitFor, withAdmin } from "../support/kafka.js";
import { testClients, testTransport } from "../support/clients.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
});

describe.each(testClients())("%s transport", (client) => {
  it("produces, fetches batches per partition, pauses one partition, commits explicit offsets and answers the admin questions", async () => {
    const topic = uniqueName("seam");
    await createTopic(topic, 2);
    const transport = testTransport(client);
    const admin = transport.admin();
    cleanup.push(() => admin.close());

    const producer = transport.createProducer();
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    await producer.send(
      topic,
      [0, 1, 2].map((i) => ({ key: `k${i}`, value: `p0-${i}`, partition: 0, headers: { n: String(i) } })),
    );
    await producer.send(
      topic,
      [0, 1].map((i) => ({ value: `p1-${i}`, partition: 1 })),
    );
    expect(await admin.existingTopics([topic, uniqueName("absent")])).toEqual(new Set([topic]));
    expect(await admin.endOffsets(topic)).toEqual(
      new Map([
        [0, "3"],
        [1, "2"],
      ]),
    );

    const groupId = uniqueName("seam-group");
    const assignments: Assignment[] = [];
    const seen: string[] = [];
    let member: GroupMember | undefined;
    const listener: MemberListener = {
      assigned: (a) => void assignments.push(a),
      rebalancing: () => {},
      rebalanceAbandoned: () => {},
      crashed: () => {},
      fetched: () => {},
      offsetReset: () => {},
      batch: async (batch: FetchedBatch) => {
        for (const r of batch.records)
          seen.push(`${batch.partition}:${r.value?.toString()}:${r.key?.toString() ?? ""}`);
        const last = batch.records.at(-1);
        if (last) batch.resolve(last.offset);
        // Pause partition 0 after its first batch: its later records must not arrive.
        if (batch.partition === 0) member!.pause([{ topic, partitions: [0] }]);
        await batch.heartbeat();
      },
    };
    member = transport.createMember(testSettings(groupId), listener, silentLogger);
    cleanup.push(() => member!.disconnect());
    await member.connect();
    await member.subscribe([topic], true);
    await member.run();
    await waitFor(() => seen.length === 5, { timeoutMs: 20_000, message: "the five records" });
    expect(assignments[0]).toEqual({ [topic]: [0, 1] });
    expect(seen.filter((s) => s.startsWith("0:"))).toEqual(["0:p0-0:k0", "0:p0-1:k1", "0:p0-2:k2"]);
    expect(seen.filter((s) => s.startsWith("1:"))).toEqual(["1:p1-0:", "1:p1-1:"]);

    // Partition 0 is paused: a new record there is not fetched, one on partition 1 is.
    await producer.send(topic, [
      { value: "p0-3", partition: 0 },
      { value: "p1-2", partition: 1 },
    ]);
    await waitFor(() => seen.includes("1:p1-2:"), { timeoutMs: 20_000, message: "the new record of partition 1" });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(seen).not.toContain("0:p0-3:");
    member.resume([{ topic, partitions: [0] }]);
    await waitFor(() => seen.includes("0:p0-3:"), { timeoutMs: 20_000, message: "partition 0 after resume" });

    // Nothing is committed unless asked; then exactly the offsets given.
    expect(await admin.committedOffsets(groupId, topic)).toEqual(new Map());
    await member.commit([{ topic, partition: 0, offset: "2" }]);
    expect(await admin.committedOffsets(groupId, topic)).toEqual(new Map([[0, "2"]]));
  });
});

describe.each(testClients())("%s transport: offset resets", (client) => {
  it("a committed offset past the end is reset by autoOffsetReset and reported, then the partition is read from there", async () => {
    const topic = uniqueName("reset");
    await createTopic(topic, 1);
    const transport = testTransport(client);
    const admin = transport.admin();
    cleanup.push(() => admin.close());
    const producer = transport.createProducer();
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    await producer.send(
      topic,
      [0, 1, 2].map((i) => ({ value: `r${i}` })),
    );
    const groupId = uniqueName("reset-group");
    // An offset the partition does not have (e.g. after the topic was recreated or the log truncated).
    await withAdmin((a) => a.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: "1000" }] }));

    const resets: string[] = [];
    const seen: string[] = [];
    const listener: MemberListener = {
      assigned: () => {},
      rebalancing: () => {},
      rebalanceAbandoned: () => {},
      crashed: () => {},
      fetched: () => {},
      offsetReset: (t, p) => void resets.push(`${t}[${p}]`),
      batch: async (batch: FetchedBatch) => {
        for (const r of batch.records) seen.push(r.value!.toString());
        const last = batch.records.at(-1);
        if (last) batch.resolve(last.offset);
      },
    };
    const member = transport.createMember(
      testSettings(groupId, { autoOffsetReset: "earliest" }),
      listener,
      silentLogger,
    );
    cleanup.push(() => member.disconnect());
    await member.connect();
    await member.subscribe([topic], true);
    await member.run();
    await waitFor(() => seen.length === 3, { timeoutMs: 20_000, message: "the records after the reset" });
    expect(resets).toEqual([`${topic}[0]`]);
    expect(seen).toEqual(["r0", "r1", "r2"]);
  });
});
