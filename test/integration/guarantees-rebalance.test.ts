// Runtime guarantee across rebalances, against the real broker (proof 5): a second member joins the
// group mid-stream and later leaves. Nothing is lost, no member commits a partition it does not own,
// and the only records handled twice are ones whose handler was running when a rebalance started.

import { afterEach, describe, expect, it } from "vitest";
import { RuntimeEvents, type ConsumerRuntime } from "../../runtime/index.js";
import { HandledLog, produceTicks, Runtimes, sameOffsets, testSettings, tickTopic } from "../support/guarantees.js";
import { testClients } from "../support/clients.js";
import { committedOffsets, createTopic, describeGroup, uniqueName, waitFor } from "../support/kafka.js";
import { recordKey, sleep } from "../support/ticks.js";

/** One group member: its runtime and what it did. */
interface Member {
  readonly name: string;
  readonly runtime: ConsumerRuntime;
  readonly handled: HandledLog;
  /** Partitions owned now (from the runtime's groupJoin events). */
  owned: Set<number>;
  readonly joins: { assignment: number[]; revoked: number[] }[];
  /** Every commit with the partitions the member owned when it was reported. */
  readonly commits: { partitions: number[]; owned: number[] }[];
  /** Records whose handler was running when a rebalance started, over all rebalances. */
  readonly inFlightAtRebalance: Set<string>;
  rebalances: number;
}

describe.each(testClients())("%s", (client) => {
  const runtimes = new Runtimes(client);
  afterEach(() => runtimes.stopAll());

  describe("guarantee: rebalances lose nothing and never commit for revoked partitions", () => {
    it("a second member joins mid-stream and later leaves: nothing lost, commits only for owned partitions, duplicates only of records in flight at a rebalance", async () => {
      const topic = uniqueName("rebalance");
      const groupId = uniqueName("rebalance-group");
      await createTopic(topic, 4);
      // A first batch for A alone; a second one once B has joined, so both members have records to
      // handle whatever A got through while B was joining (A may have drained the first batch by then).
      const first = 400;
      await produceTicks(topic, 4, first);

      const member = (name: string): Member => {
        const handled = new HandledLog();
        const inFlight = new Set<string>();
        const runtime = runtimes.create([
          {
            name: "shared",
            kind: "shared",
            settings: testSettings(groupId, {
              heartbeatIntervalMs: 300,
              sessionTimeoutMs: 6_000,
              maxPollIntervalMs: 10_000,
            }),
            topics: [
              tickTopic(topic, { maxBufferedMessages: 20, backpressure: "ApplyBackpressure" }, async (_m, c) => {
                const key = recordKey(c.topic, c.partition, c.offset);
                inFlight.add(key);
                await sleep(3);
                handled.record(c);
                inFlight.delete(key);
              }),
            ],
          },
        ]);
        const m: Member = {
          name,
          runtime,
          handled,
          owned: new Set(),
          joins: [],
          commits: [],
          inFlightAtRebalance: new Set(),
          rebalances: 0,
        };
        runtime.on(RuntimeEvents.GROUP_JOIN, (e) => {
          m.owned = new Set(e.assignment[topic] ?? []);
          m.joins.push({ assignment: [...m.owned].sort(), revoked: e.revoked.map((r) => r.partition).sort() });
        });
        runtime.on(RuntimeEvents.REBALANCING, () => {
          m.rebalances++;
          for (const key of inFlight) m.inFlightAtRebalance.add(key);
        });
        runtime.on(RuntimeEvents.COMMITTED, (e) =>
          m.commits.push({ partitions: e.offsets.map((o) => o.partition), owned: [...m.owned] }),
        );
        return m;
      };

      const a = member("A");
      const b = member("B");
      await a.runtime.start();
      // A has handled records of an even and an odd partition: both clients assign round-robin, so B gets
      // the even or the odd ones and A loses one it was consuming (a client may route one partition's
      // whole first batch before the next one's, so 300 records alone may all be of one partition).
      const touched = () => [0, 1, 2, 3].filter((p) => a.handled.offsets(topic, p).length > 0);
      await waitFor(
        () => a.handled.count() >= 300 && touched().some((p) => p % 2 === 0) && touched().some((p) => p % 2 === 1),
        {
          timeoutMs: 20_000,
          progress: () => a.handled.count(),
          message: "A to handle 300 records, of an even and an odd partition",
        },
      );
      await b.runtime.start(); // resolves once B joined, i.e. after A rejoined too
      expect(b.owned.size).toBeGreaterThan(0);
      const bJoinedAt = a.handled.count();
      const ends = await produceTicks(topic, 4, 400, first);
      const total = 3_200;
      await waitFor(() => b.handled.count() >= 150 && a.handled.count() >= bJoinedAt + 100, {
        timeoutMs: 20_000,
        progress: () => a.handled.count() + b.handled.count(),
        message: "both members to make progress",
      });
      expect((await describeGroup(groupId)).members).toHaveLength(2);
      await b.runtime.stop({ timeoutMs: 5_000 }); // leaves the group: A gets every partition back
      await waitFor(() => a.owned.size === 4, { timeoutMs: 20_000, message: "A to own every partition again" });
      await waitFor(async () => sameOffsets(await committedOffsets(groupId, topic), ends), {
        timeoutMs: 30_000,
        progress: () => a.handled.count() + a.commits.length,
        message: "every record committed",
      });
      await a.runtime.stop({ timeoutMs: 5_000 });

      // The rebalances happened: A joined three times (alone, with B, alone again) and lost partitions to B.
      expect(a.joins.length).toBeGreaterThanOrEqual(3);
      expect(a.joins.some((j) => j.revoked.length > 0)).toBe(true);
      expect(a.rebalances).toBeGreaterThanOrEqual(2);
      expect(b.handled.count()).toBeGreaterThan(0);

      // Nothing lost.
      const times = new Map<string, number>();
      for (const call of [...a.handled.calls, ...b.handled.calls]) {
        const key = recordKey(call.topic, call.partition, call.offset);
        times.set(key, (times.get(key) ?? 0) + 1);
      }
      for (const [partition, end] of ends)
        for (let offset = 0; offset < end; offset++) expect(times.has(recordKey(topic, partition, offset))).toBe(true);

      // No commit for a partition the member did not own at that moment.
      for (const m of [a, b]) {
        expect(m.commits.length).toBeGreaterThan(0);
        for (const commit of m.commits)
          for (const partition of commit.partitions)
            expect(commit.owned, `${m.name} committed partition ${partition}`).toContain(partition);
      }

      // Each member handled each partition in offset order. The only repeat is a member handling again
      // a record that was in flight at its rebalance, when its partition comes back (the other member
      // had not got past it): the record right after itself.
      for (const m of [a, b]) {
        for (const [partition] of ends) {
          const offsets = m.handled.offsets(topic, partition);
          offsets.forEach((offset, i) => {
            if (i === 0 || offset > offsets[i - 1]!) return;
            expect(offset, `${m.name} order of partition ${partition} at call ${i}`).toBe(offsets[i - 1]);
            expect(m.inFlightAtRebalance.has(recordKey(topic, partition, offset)), `${m.name} repeated ${offset}`).toBe(
              true,
            );
          });
        }
      }
      // Every record handled twice was in flight at a rebalance of the member that handled it first.
      const duplicates = [...times].filter(([, n]) => n > 1).map(([key]) => key);
      for (const key of duplicates)
        expect(a.inFlightAtRebalance.has(key) || b.inFlightAtRebalance.has(key), `${key} handled twice`).toBe(true);
      expect([...times.values()].every((n) => n <= 2)).toBe(true);
      process.stdout.write(
        `[figures] rebalance ${JSON.stringify({ records: total, handledByA: a.handled.count(), handledByB: b.handled.count(), duplicates: duplicates.length, inFlightAtRebalances: a.inFlightAtRebalance.size + b.inFlightAtRebalance.size, joinsA: a.joins, joinsB: b.joins, commitsA: a.commits.length, commitsB: b.commits.length })}\n`,
      );
    });
  });
});
