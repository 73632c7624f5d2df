// The fence of an exactly-once partition without a broker (runtime/partition-fences.ts): a new owner registers the
// partition's transactional id before it reads the group's committed offset, and handles none of the partition's
// records (and commits nothing of it) until both are done; records fetched from below that offset are skipped. The
// broker proof is test/integration/exactly-once.test.ts.

import { describe, expect, it } from "vitest";
import { TopicChannel, type ChannelRecord } from "../../runtime/topic-channel.js";
import { OffsetTracker } from "../../runtime/offset-tracker.js";
import { RuntimeEventEmitter } from "../../runtime/events.js";
import { silentLogger } from "../../runtime/logger.js";
import { TransactionalOutput } from "../../runtime/exactly-once.js";
import type { ProducedRecord, Transport, TransportAdmin } from "../../runtime/index.js";
import { message } from "./fake-consumer.js";
import { binding, deferred, flush, recordingLogger, type Deferred } from "./helpers.js";

/**
 * A transport that logs, in order, each registration of a transactional id (`register <id>`, completing when the
 * test resolves it), each read of the group's offsets (`read`) and each transaction (`commit <partition> <offset>`).
 */
function fencingTransport(groupOffset: string | undefined, registrations: Deferred[]) {
  const events: string[] = [];
  let next = 0;
  const transport: Pick<Transport, "client" | "createTransactionalProducer" | "admin"> = {
    client: "fake",
    createTransactionalProducer: (id) => ({
      connect: async () => {
        events.push(`register ${id}`);
        const registration = registrations[next++];
        if (!registration) throw new Error(`no registration ${next} planned`);
        await registration.promise;
      },
      commitTransaction: async (_records, offsets) => void events.push(`commit ${offsets.partition} ${offsets.offset}`),
      disconnect: async () => {},
    }),
    admin: () =>
      ({
        committedOffsets: async () => {
          events.push("read");
          return new Map(groupOffset === undefined ? [] : [[2, groupOffset]]);
        },
      }) as unknown as TransportAdmin,
  };
  return { transport, events };
}

function setup(groupOffset: string | undefined, registrations: Deferred[], logger = silentLogger) {
  const fake = fencingTransport(groupOffset, registrations);
  const trackers = new OffsetTracker();
  const handled: number[] = [];
  const channel = new TopicChannel({
    connection: "shared",
    binding: {
      ...binding("orders", ((value: string, context: { offset: string }) => {
        handled.push(Number(context.offset));
        fake.events.push(`handle ${context.offset}`);
        return [{ topic: "out", value } satisfies ProducedRecord];
      }) as never),
      exactlyOnce: true,
      transaction: { transactionMaxRecords: 1 },
    },
    events: new RuntimeEventEmitter(silentLogger),
    logger,
    groupId: "g",
    transactions: new TransactionalOutput(fake.transport, silentLogger),
  });
  /** What the router does with a batch of partition 2 fetched from `from`: claim the tracker, then offer and track. */
  const batch = (from: number, count: number) => {
    const offsets = trackers.getOrCreate("orders", 2, from);
    channel.claim(offsets, false);
    for (let offset = from; offset < from + count; offset++) {
      const record: ChannelRecord = {
        topic: "orders",
        partition: 2,
        offset,
        message: message(offset, `v${offset}`),
        offsets,
      };
      channel.offer(record);
      offsets.track(offset);
    }
    return offsets;
  };
  return { ...fake, trackers, channel, handled, batch };
}

describe("the fence of an exactly-once partition", () => {
  it("registers the transactional id, then reads the group's offset, then handles: records below that offset (committed by the previous owner) are skipped", async () => {
    const registered = deferred();
    const t = setup("7", [registered]);
    // The client read offset 5 at the join (the previous owner's last transaction, committing 5 and 6, not yet
    // complete): it fetches 5..8.
    const offsets = t.batch(5, 4);
    t.channel.start();
    await flush();
    // Nothing runs and nothing is committed while the registration waits (for the previous owner's transaction).
    expect(t.events).toEqual(["register g.orders.2"]);
    expect(t.handled).toEqual([]);
    expect(offsets.fencePending).toBe(true);
    expect(t.trackers.pendingCommits()).toEqual([]);

    registered.resolve();
    await expect.poll(() => t.events.length).toBe(6);
    await t.channel.stop();
    expect(t.events).toEqual(["register g.orders.2", "read", "handle 7", "commit 2 8", "handle 8", "commit 2 9"]);
    expect(t.handled).toEqual([7, 8]);
    expect(offsets.fencePending).toBe(false);
    expect(offsets.lastCommitted).toBe(9);
    expect(offsets.needsCommit()).toBe(false);
  });

  it("a group without an offset: every fetched record is handled once the id is registered", async () => {
    const registered = deferred();
    registered.resolve();
    const t = setup(undefined, [registered]);
    t.batch(0, 2);
    t.channel.start();
    await expect.poll(() => t.handled.length).toBe(2);
    await t.channel.stop();
    expect(t.events.slice(0, 3)).toEqual(["register g.orders.2", "read", "handle 0"]);
  });

  it("a registration that fails is tried again; the partition's records wait meanwhile", async () => {
    const failed = deferred();
    failed.reject(new Error("coordinator not available"));
    const registered = deferred();
    registered.resolve();
    const logger = recordingLogger();
    const t = setup("1", [failed, registered], logger);
    t.batch(0, 2);
    t.channel.start();
    await expect.poll(() => t.handled).toEqual([1]);
    await t.channel.stop();
    expect(t.events.slice(0, 4)).toEqual(["register g.orders.2", "register g.orders.2", "read", "handle 1"]);
    expect(logger.lines.map((l) => l.message)).toContain(
      "could not register the transactional id of a partition; its records wait",
    );
  });

  it("a tracker met again is not fenced again; a new tracker of the partition (a new ownership) is", async () => {
    const first = deferred();
    first.resolve();
    const second = deferred();
    second.resolve();
    const t = setup(undefined, [first, second]);
    const offsets = t.batch(0, 1);
    t.channel.claim(offsets, false);
    t.channel.start();
    await expect.poll(() => t.handled).toEqual([0]);
    expect(t.events.filter((e) => e.startsWith("register"))).toHaveLength(1);
    t.trackers.forget("orders", 2);
    t.channel.purge((r) => r.offsets === offsets);
    t.batch(1, 1);
    await expect.poll(() => t.handled).toEqual([0, 1]);
    await t.channel.stop();
    expect(t.events.filter((e) => e.startsWith("register"))).toHaveLength(2);
  });
});
