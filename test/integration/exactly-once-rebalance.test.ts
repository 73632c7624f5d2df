// Exactly-once through a live rebalance against the real broker: member A holds handled records in open transactions
// (up to 100 records or 5 s) when member B joins. The rebalance makes A commit them (TopicChannel.hold) while
// the group moves partitions to B, which reads the group's committed offsets at its join: without the fence (register
// the partition's transactional id, then read the offset again, runtime/partition-fences.ts) B can read an offset
// from before A's transaction that is still completing and handle its records again. The output, read with
// read_committed by librdkafka, must hold every input number once.

import { describe, expect, it } from "vitest";
import { ConsumerRuntime, bindTopic, silentLogger, type Codec, type ExactlyOnceResult } from "kefgen/runtime";
import { brokers, committedOffsets, createTopic, produce, uniqueName, waitFor } from "../support/kafka.js";
import { testSettings } from "../support/guarantees.js";
import { readCommittedValues } from "../support/python.js";
import { sleep } from "../support/ticks.js";

const text: Codec<string> = { decode: (b) => b.toString("utf8"), encode: (s) => Buffer.from(s, "utf8") };
const PARTITIONS = 4;
/**
 * 350 records per partition: three full transactions of 100 commit, and the last 50 of each partition stay open until
 * the 5 s timer. That is the window in which B joins, however fast A handles the input: with 1,200 (three full
 * transactions per partition, none left open) a fast machine handled and committed all of it before the first check
 * of `committed()` came back, and the wait for open transactions never ended (CI, 2026-12-07).
 */
const N = 1_400;
/** Records produced once B has joined. */
const N2 = 600;

function member(groupId: string, input: string, output: string, handled: Map<string, number>): ConsumerRuntime {
  return new ConsumerRuntime(
    [
      {
        name: "shared",
        kind: "shared",
        settings: testSettings(groupId),
        topics: [
          bindTopic<string>({
            topic: input,
            messageType: "kefgen.test.Number",
            codec: text,
            buffer: { maxBufferedMessages: 100, backpressure: "ApplyBackpressure", concurrency: PARTITIONS },
            exactlyOnce: true,
            // Transactions commit when full or at the rebalance's hold; the timer (5 s) only ends the last ones.
            transaction: { transactionMaxRecords: 100, transactionMaxMs: 5_000 },
            handler: async (value, context): Promise<ExactlyOnceResult> => {
              await sleep(2);
              const key = `${context.partition}:${context.offset}`;
              handled.set(key, (handled.get(key) ?? 0) + 1);
              return [{ topic: output, key: value, value }];
            },
          }),
        ],
      },
    ],
    { brokers: brokers(), clientId: "kefgen-eos-rebalance" },
    { logger: silentLogger, stopTimeoutMs: 10_000 },
  );
}

describe("exactly-once through a live rebalance", () => {
  it("a member joining while the other's transactions are open: every input number once in the read_committed output", async () => {
    const input = uniqueName("eos-reb-in");
    const output = uniqueName("eos-reb-out");
    const groupId = uniqueName("eos-reb-group");
    await createTopic(input, PARTITIONS);
    await createTopic(output, PARTITIONS);
    await produce(
      input,
      Array.from({ length: N }, (_, i) => ({ value: String(i + 1), partition: i % PARTITIONS })),
    );
    const handledA = new Map<string, number>();
    const handledB = new Map<string, number>();
    const a = member(groupId, input, output, handledA);
    const b = member(groupId, input, output, handledB);
    const committed = async () =>
      [...(await committedOffsets(groupId, input)).values()].reduce((sum, o) => sum + Math.max(o, 0), 0);
    try {
      await a.start();
      // A has committed a few full transactions and holds many handled records in open ones.
      await waitFor(
        async () => (await committed()) >= 400 && a.metrics().connections[0]!.topics[0]!.inTransaction >= 100,
        {
          timeoutMs: 60_000,
          progress: () => handledA.size,
          message: "member A to hold records in open transactions",
        },
      );
      await b.start(); // resolves once B joined, i.e. after A rejoined too
      // A second batch once B has joined: on a loaded machine A may have handled the whole first one by then, and B
      // must get records of its own for the rebalance to be mid-stream for both.
      await produce(
        input,
        Array.from({ length: N2 }, (_, i) => ({ value: String(N + i + 1), partition: i % PARTITIONS })),
      );
      await waitFor(async () => (await committed()) === N + N2, {
        timeoutMs: 120_000,
        progress: committed,
        message: "the group to commit the whole input",
      });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    const written = (await readCommittedValues(brokers(), output, N + N2)).map(Number);
    const counts = new Map<number, number>();
    for (const x of written) counts.set(x, (counts.get(x) ?? 0) + 1);
    const duplicates = [...counts].filter(([, c]) => c > 1).map(([x]) => x);
    const both = [...handledA.keys()].filter((k) => handledB.has(k));
    process.stdout.write(
      `[figures] exactly-once rebalance ${JSON.stringify({ records: N + N2, output: written.length, duplicates: duplicates.length, handledByBoth: both.length, handledByB: handledB.size })}\n`,
    );
    // B took partitions from A: the rebalance happened mid-stream.
    expect(handledB.size).toBeGreaterThan(0);
    expect(duplicates, `handled by both members: ${both.slice(0, 20).join(" ")}`).toEqual([]);
    expect(counts.size).toBe(N + N2);
    expect(written).toHaveLength(N + N2);
  });
});
