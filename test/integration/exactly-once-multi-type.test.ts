// Exactly-once on a multi-type topic against the real broker (issue 12): a topic routed by the `$type` header
// (headerRoute, K-Entity-Framework's style) bound with `exactlyOnce`, its one handler taking the { type, value }
// union and returning one output record per input. Every record of either member is written once to the output,
// read with read_committed by librdkafka (the witness; kafkajs's read_committed filter is not one, see
// exactly-once.test.ts), and a record whose `$type` names no member takes the poison path to the dead-letter topic,
// its offset committed with the others.

import { describe, expect, it } from "vitest";
import {
  ConsumerRuntime,
  bindTopic,
  headerRoute,
  routedCodec,
  silentLogger,
  type Codec,
  type OneOf,
} from "kefgen/runtime";
import { brokers, committedOffsets, createTopic, produce, readAll, uniqueName, waitFor } from "../support/kafka.js";
import { testSettings } from "../support/guarantees.js";
import { readCommittedValues } from "../support/python.js";

const text: Codec<string> = { decode: (b) => b.toString("utf8"), encode: (s) => Buffer.from(s, "utf8") };
type Members = { "kefgen.test.Created": string; "kefgen.test.Cancelled": string };
const N = 200;

describe('exactly-once on a multi-type topic (route = header("$type"))', () => {
  it("each member's records reach the union handler and their outputs are written once; an unknown $type is dead-lettered", async () => {
    const input = uniqueName("eos-multi-in");
    const output = uniqueName("eos-multi-out");
    const deadLetters = `${input}-dlt`;
    const groupId = uniqueName("eos-multi-group");
    await createTopic(input, 2);
    await createTopic(output, 2);
    await createTopic(deadLetters, 1);
    const types = ["kefgen.test.Created", "kefgen.test.Cancelled"] as const;
    // Records 1..N alternate between the two members over both partitions; one more names a type that is no member.
    await produce(input, [
      ...Array.from({ length: N }, (_, i) => ({
        value: String(i + 1),
        partition: i % 2,
        headers: { $type: types[i % 2]! },
      })),
      { value: "stray", partition: 1, headers: { $type: "kefgen.test.Shipped" } },
    ]);

    const members = types.map((type) => ({ type, codec: text }));
    const seen: string[] = [];
    const runtime = new ConsumerRuntime(
      [
        {
          name: "shared",
          kind: "shared",
          settings: testSettings(groupId),
          topics: [
            bindTopic<OneOf<Members>>({
              topic: input,
              messageType: "kefgen.test.Order",
              codec: routedCodec<Members>(input, members),
              format: headerRoute<Members>({ topic: input, header: "$type", members }),
              buffer: { maxBufferedMessages: 50, backpressure: "ApplyBackpressure", concurrency: 2 },
              exactlyOnce: true,
              transaction: { transactionMaxRecords: 20, transactionMaxMs: 50 },
              failure: { attempts: 1, deadLetter: deadLetters, onDecodeError: "deadLetter" },
              handler: (order) => {
                seen.push(order.type);
                return [{ topic: output, key: order.value, value: `${order.type}:${order.value}` }];
              },
            }),
          ],
        },
      ],
      { brokers: brokers(), clientId: "kefgen-eos-multi" },
      { logger: silentLogger },
    );
    await runtime.start();
    try {
      // Every input record done: the N handled (in transactions) and the stray one (dead-lettered, then committed).
      await waitFor(
        async () => {
          const offsets = await committedOffsets(groupId, input);
          return offsets.get(0) === N / 2 && offsets.get(1) === N / 2 + 1;
        },
        { timeoutMs: 60_000, progress: () => seen.length, message: "the group to commit the whole input" },
      );
    } finally {
      await runtime.stop();
    }

    const written = await readCommittedValues(brokers(), output, N);
    expect(written).toHaveLength(N);
    expect(new Set(written).size).toBe(N);
    expect(written.sort()).toEqual(Array.from({ length: N }, (_, i) => `${types[i % 2]}:${i + 1}`).sort());
    expect(seen.filter((t) => t === types[0])).toHaveLength(N / 2);
    expect(seen.filter((t) => t === types[1])).toHaveLength(N / 2);
    const dead = await readAll(deadLetters, 1);
    expect(dead.map((m) => m.value?.toString("utf8"))).toEqual(["stray"]);
  });
});
