// Exactly-once handlers without a broker (runtime/exactly-once.ts and its use in topic-channel.ts): what goes into a
// transaction (the records of a partition handled in a row, up to transactionMaxRecords / transactionMaxMs), that the
// Committer has nothing left to commit, when an open transaction commits (full, due, before a failing record's retry,
// hold, stop) or is dropped (revoked), that a failed transaction is handled again whole on a new producer, and what
// is refused. The broker proof is test/integration/exactly-once.test.ts.

import { describe, expect, it } from "vitest";
import { TopicChannel, type ChannelRecord } from "../../runtime/topic-channel.js";
import { PartitionOffsets } from "../../runtime/offset-tracker.js";
import { RuntimeEventEmitter } from "../../runtime/events.js";
import { silentLogger } from "../../runtime/logger.js";
import { TransactionalOutput, producedRecords } from "../../runtime/exactly-once.js";
import {
  ConsumerRuntime,
  ClientUnavailableError,
  bindTopic,
  type ProducedRecord,
  type TransactionOffsets,
  type TransactionalProducer,
  type Transport,
  type TransportAdmin,
} from "../../runtime/index.js";
import type { BackpressureMode, ExactlyOnceHandler, TransactionSettings } from "../../runtime/types.js";
import { TestKit } from "../../runtime/testing/index.js";
import { avroCodec } from "../../runtime/avro-codec.js";
import { avroEncoder, stringKeyEncoder } from "../../runtime/encoders.js";
import { ProducerRuntime } from "../../runtime/producer.js";
import { fakeTransport as fakeProducers } from "./fake-producer.js";
import { message } from "./fake-consumer.js";
import { binding, settings, textCodec } from "./helpers.js";

interface Transaction {
  id: string;
  records: readonly ProducedRecord[];
  offsets: TransactionOffsets;
}

/**
 * A transport whose transactional producers record their transactions; `failures` transactions fail first, and with
 * `ambiguous` those commit and then report a failure (a lost answer). Its admin answers the group offsets committed.
 */
function fakeTransport(failures = 0, ambiguous = false) {
  const committed: Transaction[] = [];
  const created: string[] = [];
  const disconnected: string[] = [];
  let failing = failures;
  const transport: Pick<Transport, "client" | "createTransactionalProducer" | "admin"> = {
    client: "fake",
    createTransactionalProducer(id): TransactionalProducer {
      created.push(id);
      return {
        connect: async () => {},
        commitTransaction: async (records, offsets) => {
          const fails = failing-- > 0;
          if (fails && !ambiguous) throw new Error("transaction aborted");
          committed.push({ id, records, offsets });
          if (fails) throw new Error("request timed out");
        },
        disconnect: async () => void disconnected.push(id),
      };
    },
    admin: () =>
      ({
        committedOffsets: async (groupId: string, topic: string) =>
          new Map(
            committed
              .filter((c) => c.offsets.groupId === groupId && c.offsets.topic === topic)
              .map((c) => [c.offsets.partition, c.offsets.offset]),
          ),
      }) as unknown as TransportAdmin,
  };
  return { transport, committed, created, disconnected };
}

function setup(
  handle: ExactlyOnceHandler<string>,
  options: {
    failures?: number;
    ambiguous?: boolean;
    backpressure?: BackpressureMode;
    concurrency?: number;
    transaction?: TransactionSettings;
    /** A value the codec cannot decode (a poison record, skipped). */
    poison?: string;
  } = {},
) {
  const fake = fakeTransport(options.failures, options.ambiguous);
  const transactions = new TransactionalOutput(fake.transport, silentLogger);
  const partitions = new Map<number, PartitionOffsets>();
  const channel = new TopicChannel({
    connection: "shared",
    binding: {
      ...binding("orders", handle as never, {
        backpressure: options.backpressure ?? "ApplyBackpressure",
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      }),
      exactlyOnce: true,
      // Default here: a transaction per record, unless the test says otherwise.
      transaction: options.transaction ?? { transactionMaxRecords: 1 },
      failure: { attempts: 3, ...(options.poison ? { onDecodeError: "skip" as const } : {}) },
      ...(options.poison
        ? {
            codec: {
              ...textCodec,
              decode: (bytes: Buffer) => {
                if (bytes.toString() === options.poison) throw new Error("cannot decode");
                return textCodec.decode(bytes);
              },
            },
          }
        : {}),
    },
    events: new RuntimeEventEmitter(silentLogger),
    logger: silentLogger,
    groupId: "g",
    transactions,
    retry: { initialDelayMs: 1, maxDelayMs: 1 },
  });
  const offer = (partition: number, offset: number) => {
    let offsets = partitions.get(partition);
    if (!offsets) partitions.set(partition, (offsets = new PartitionOffsets("orders", partition, offset)));
    const record: ChannelRecord = {
      topic: "orders",
      partition,
      offset,
      message: message(offset, `v${offset}`),
      offsets,
    };
    channel.offer(record);
    offsets.track(offset);
  };
  return { ...fake, channel, partitions, offer, transactions };
}

const out = (value: string): ProducedRecord => ({ topic: "out", key: value, value });

describe("exactly-once handlers (runtime)", () => {
  it("transactionMaxRecords = 1: the handler's records and the offset + 1 in one transaction per record, on the input partition's transactional id; the Committer has nothing left", async () => {
    const t = setup((value) => [out(value), out(`${value}!`)]);
    t.offer(1, 5);
    t.offer(1, 6);
    t.channel.start();
    await expect.poll(() => t.committed.length).toBe(2);
    await t.channel.stop();
    expect(t.committed).toEqual([
      {
        id: "g.orders.1",
        records: [out("v5"), out("v5!")],
        offsets: { groupId: "g", topic: "orders", partition: 1, offset: "6" },
      },
      {
        id: "g.orders.1",
        records: [out("v6"), out("v6!")],
        offsets: { groupId: "g", topic: "orders", partition: 1, offset: "7" },
      },
    ]);
    expect(t.created).toEqual(["g.orders.1"]);
    const offsets = t.partitions.get(1)!;
    expect(offsets.committable()).toBe(7);
    expect(offsets.needsCommit()).toBe(false);
  });

  it("a failed transaction is a handler failure: the record is handled again, on a new producer of the same id, and committed once", async () => {
    let calls = 0;
    const t = setup((value) => (calls++, [out(value)]), { failures: 1 });
    t.offer(0, 0);
    t.channel.start();
    await expect.poll(() => t.committed.length).toBe(1);
    await t.channel.stop();
    expect(calls).toBe(2);
    expect(t.created).toEqual(["g.orders.0", "g.orders.0"]);
    expect(t.disconnected).toEqual(["g.orders.0"]);
    expect(t.committed[0]!.offsets.offset).toBe("1");
  });

  it("a partition revoked while its handler ran commits no transaction (its new owner handles the record again)", async () => {
    let handled = 0;
    const t = setup((value) => {
      handled++;
      t.partitions.get(0)!.revoke();
      return [out(value)];
    });
    t.offer(0, 0);
    t.channel.start();
    await expect.poll(() => handled).toBe(1);
    await t.channel.stop();
    expect(t.committed).toEqual([]);
    expect(t.created).toEqual([]);
  });

  it("a handler that returns no list of records takes the failure path; nothing is committed for it", async () => {
    const t = setup(() => "oops" as never);
    t.offer(0, 0);
    t.channel.start();
    await expect.poll(() => t.channel.metrics().errors).toBeGreaterThanOrEqual(1);
    await t.channel.stop();
    expect(t.committed).toEqual([]);
    expect(t.partitions.get(0)!.committable()).toBe(0);
    expect(() => producedRecords("orders", [{ value: "x" }])).toThrow("without a topic");
    expect(producedRecords("orders", undefined)).toEqual([]);
  });

  it("refuses a drop mode, a channel without transactional producers, and a client without transactions", async () => {
    expect(() => setup(() => [], { backpressure: "DropOldestMessage" })).toThrow(
      "needs backpressure = ApplyBackpressure",
    );
    expect(
      () =>
        new TopicChannel({
          connection: "shared",
          binding: { ...binding("orders", () => {}), exactlyOnce: true },
          events: new RuntimeEventEmitter(silentLogger),
          logger: silentLogger,
        }),
    ).toThrow("has no transactional producers");
    const spec = {
      name: "shared",
      kind: "shared" as const,
      settings: settings({ client: "platformatic" }),
      topics: [{ ...binding("orders", () => {}), exactlyOnce: true }],
    };
    expect(() => new ConsumerRuntime([spec], { brokers: ["localhost:1"] }, { logger: silentLogger })).toThrow(
      ClientUnavailableError,
    );
    // It says why: the platformatic client's transactions take offsets from its own consumer's messages.
    expect(() => new ConsumerRuntime([spec], { brokers: ["localhost:1"] }, { logger: silentLogger })).toThrow(
      "only for messages its own consumer delivered",
    );
    const closed = new TransactionalOutput(fakeTransport().transport, silentLogger);
    await closed.close();
    await expect(closed.commit({ groupId: "g", topic: "orders", partition: 0, offset: "0" }, [])).rejects.toThrow(
      "closed",
    );
  });
});

describe("an exactly-once binding on a connection with enableAutoCommit", () => {
  const spec = (enableAutoCommit: boolean, exactlyOnce: boolean) => ({
    name: "orders-in",
    kind: "exclusive" as const,
    settings: settings({ enableAutoCommit }),
    topics: [
      { ...binding("audit", () => {}) },
      { ...binding("orders", () => {}), ...(exactlyOnce ? { exactlyOnce: true } : {}) },
    ],
  });

  it("is refused when the runtime is made, naming the connection, its exactly-once topics and the fix (bindings written by hand: the generator reports the .kef)", () => {
    expect(
      () => new ConsumerRuntime([spec(true, true)], { brokers: ["localhost:1"] }, { logger: silentLogger }),
    ).toThrow('connection "orders-in" has exactly-once topics ("orders") and enableAutoCommit = true');
    expect(
      () => new ConsumerRuntime([spec(true, true)], { brokers: ["localhost:1"] }, { logger: silentLogger }),
    ).toThrow("Set enableAutoCommit = false on this connection, or exactlyOnce = false on these topics");
  });

  it("is not refused without enableAutoCommit, nor is auto-commit without an exactly-once topic", () => {
    expect(
      () => new ConsumerRuntime([spec(false, true)], { brokers: ["localhost:1"] }, { logger: silentLogger }),
    ).not.toThrow();
    expect(
      () => new ConsumerRuntime([spec(true, false)], { brokers: ["localhost:1"] }, { logger: silentLogger }),
    ).not.toThrow();
  });
});

describe("exactly-once transactions of several records", () => {
  const slow = { transactionMaxRecords: 100, transactionMaxMs: 60_000 };

  it("commits the records of a partition handled in a row in one transaction, at transactionMaxRecords, with the last offset + 1", async () => {
    const t = setup((value) => [out(value)], { transaction: { transactionMaxRecords: 2, transactionMaxMs: 60_000 } });
    for (let offset = 0; offset < 5; offset++) t.offer(0, offset);
    t.channel.start();
    await expect.poll(() => t.committed.length).toBe(2);
    expect(t.channel.metrics().inTransaction).toBe(1);
    await t.channel.stop();
    expect(t.committed.map((c) => [c.records.map((r) => r.value), c.offsets.offset])).toEqual([
      [["v0", "v1"], "2"],
      [["v2", "v3"], "4"],
      [["v4"], "5"],
    ]);
    expect(t.created).toEqual(["g.orders.0"]);
    expect(t.partitions.get(0)!.needsCommit()).toBe(false);
    expect(t.partitions.get(0)!.committable()).toBe(5);
  });

  it("holds handled records uncommitted (not done) until their transaction commits; a hold (rebalance) commits it", async () => {
    const t = setup((value) => [out(value)], { transaction: slow });
    t.offer(0, 3);
    t.offer(0, 4);
    t.channel.start();
    await expect.poll(() => t.channel.metrics().handled).toBe(2);
    expect(t.committed).toEqual([]);
    expect(t.channel.metrics().inTransaction).toBe(2);
    // Nothing is done: the Committer cannot commit past records whose output is not written.
    expect(t.partitions.get(0)!.committable()).toBe(3);
    t.channel.hold();
    await expect.poll(() => t.committed.length).toBe(1);
    expect(t.committed[0]!.offsets.offset).toBe("5");
    expect(t.channel.metrics().inTransaction).toBe(0);
    expect(t.partitions.get(0)!.committable()).toBe(5);
    await t.channel.stop();
  });

  it("commits an open transaction once transactionMaxMs passed, without stop or more records", async () => {
    const t = setup((value) => [out(value)], { transaction: { transactionMaxRecords: 100, transactionMaxMs: 20 } });
    t.offer(0, 0);
    t.offer(0, 1);
    t.channel.start();
    await expect.poll(() => t.committed.length).toBe(1);
    expect(t.committed[0]!.records.map((r) => r.value)).toEqual(["v0", "v1"]);
    expect(t.committed[0]!.offsets.offset).toBe("2");
    await t.channel.stop();
  });

  it("stop() commits every open transaction, one per partition on its own transactional id", async () => {
    const t = setup((value) => [out(value)], { transaction: slow, concurrency: 2 });
    t.offer(0, 0);
    t.offer(1, 7);
    t.offer(0, 1);
    t.offer(1, 8);
    t.channel.start();
    await expect.poll(() => t.channel.metrics().handled).toBe(4);
    expect(t.committed).toEqual([]);
    await t.channel.stop();
    expect(
      t.committed
        .map((c) => [c.id, c.records.map((r) => r.value), c.offsets.offset])
        .sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    ).toEqual([
      ["g.orders.0", ["v0", "v1"], "2"],
      ["g.orders.1", ["v7", "v8"], "9"],
    ]);
  });

  it("a revoked partition's open transaction is dropped, never committed (its next owner handles the records again)", async () => {
    const t = setup((value) => [out(value)], { transaction: slow });
    t.offer(0, 0);
    t.offer(0, 1);
    t.channel.start();
    await expect.poll(() => t.channel.metrics().handled).toBe(2);
    t.partitions.get(0)!.revoke();
    t.channel.purge((r) => r.offsets.revoked);
    expect(t.channel.metrics().inTransaction).toBe(0);
    await t.channel.stop();
    expect(t.committed).toEqual([]);
  });

  it("a failed transaction is handled again whole: its first record after the backoff (an attempt counted), then the others, in order, and committed once", async () => {
    const calls: string[] = [];
    const t = setup((value) => (calls.push(value), [out(value)]), {
      failures: 1,
      transaction: { transactionMaxRecords: 3, transactionMaxMs: 60_000 },
    });
    for (let offset = 0; offset < 4; offset++) t.offer(0, offset);
    t.channel.start();
    await expect.poll(() => t.committed.length).toBe(1);
    await expect.poll(() => t.channel.metrics().inTransaction).toBe(1);
    await t.channel.stop();
    expect(calls).toEqual(["v0", "v1", "v2", "v0", "v1", "v2", "v3"]);
    expect(t.committed.map((c) => [c.records.map((r) => r.value), c.offsets.offset])).toEqual([
      [["v0", "v1", "v2"], "3"],
      [["v3"], "4"],
    ]);
    expect(t.channel.metrics().retries).toBe(1);
    expect(t.created).toEqual(["g.orders.0", "g.orders.0"]);
  });

  it("a transaction reported as failed that had committed (a lost answer) is not redone: the group's offset read back says it committed", async () => {
    const calls: string[] = [];
    const t = setup((value) => (calls.push(value), [out(value)]), {
      failures: 1,
      ambiguous: true,
      transaction: { transactionMaxRecords: 2, transactionMaxMs: 60_000 },
    });
    for (let offset = 0; offset < 3; offset++) t.offer(0, offset);
    t.channel.start();
    await expect.poll(() => t.channel.metrics().handled).toBe(3);
    await t.channel.stop();
    expect(calls).toEqual(["v0", "v1", "v2"]);
    expect(t.committed.map((c) => [c.records.map((r) => r.value), c.offsets.offset])).toEqual([
      [["v0", "v1"], "2"],
      [["v2"], "3"],
    ]);
    expect(t.channel.metrics().retries).toBe(0);
    expect(t.partitions.get(0)!.committable()).toBe(3);
  });

  it("a transaction that fails after its partition was revoked does not register the id again (that would fence the new owner)", async () => {
    const fake = fakeTransport(1);
    const output = new TransactionalOutput(fake.transport, silentLogger);
    const consumed = { groupId: "g", topic: "orders", partition: 0, offset: "4" };
    await expect(output.commit(consumed, [out("v4")], () => false)).rejects.toThrow("transaction aborted");
    expect(fake.created).toEqual(["g.orders.0"]);
    // Still owned: the id is registered again to read the group's offset back (the lost-answer check).
    const ownedFake = fakeTransport(1);
    const checked = new TransactionalOutput(ownedFake.transport, silentLogger);
    await expect(checked.commit(consumed, [out("v4")], () => true)).rejects.toThrow("transaction aborted");
    expect(ownedFake.created).toEqual(["g.orders.0", "g.orders.0"]);
    await Promise.all([output.close(), checked.close()]);
  });

  it("a handler failure mid-transaction commits the records before it first, then retries the failing record alone", async () => {
    let failures = 1;
    const calls: string[] = [];
    const t = setup(
      (value) => {
        calls.push(value);
        if (value === "v2" && failures-- > 0) throw new Error("boom");
        return [out(value)];
      },
      { transaction: slow },
    );
    for (let offset = 0; offset < 5; offset++) t.offer(0, offset);
    t.channel.start();
    await expect.poll(() => t.channel.metrics().handled).toBe(5);
    expect(t.committed.map((c) => [c.records.map((r) => r.value), c.offsets.offset])).toEqual([[["v0", "v1"], "2"]]);
    await t.channel.stop();
    expect(calls).toEqual(["v0", "v1", "v2", "v2", "v3", "v4"]);
    expect(t.committed.map((c) => [c.records.map((r) => r.value), c.offsets.offset])).toEqual([
      [["v0", "v1"], "2"],
      [["v2", "v3", "v4"], "5"],
    ]);
  });

  it("a record that cannot be decoded mid-transaction: the records before it commit first, then it takes its path (skipped here)", async () => {
    const t = setup((value) => [out(value)], { transaction: slow, poison: "v2" });
    for (let offset = 0; offset < 4; offset++) t.offer(0, offset);
    t.channel.start();
    await expect.poll(() => t.channel.metrics().handled).toBe(3);
    expect(t.committed.map((c) => [c.records.map((r) => r.value), c.offsets.offset])).toEqual([[["v0", "v1"], "2"]]);
    await t.channel.stop();
    expect(t.committed.map((c) => [c.records.map((r) => r.value), c.offsets.offset])).toEqual([
      [["v0", "v1"], "2"],
      [["v3"], "4"],
    ]);
    expect(t.partitions.get(0)!.committable()).toBe(4);
  });

  it("refuses transaction limits out of range", () => {
    expect(() => setup(() => [], { transaction: { transactionMaxRecords: 0 } })).toThrow(
      'transactionMaxRecords of topic "orders" must be an integer >= 1, got 0',
    );
    expect(() => setup(() => [], { transaction: { transactionMaxMs: -1 } })).toThrow("transactionMaxMs");
  });
});

describe("bindTopic of an exactly-once topic", () => {
  it("an exactly-once topic takes a handler returning the records to produce, an ordinary topic one returning none (type errors otherwise)", () => {
    const parts = {
      topic: "t",
      messageType: "m",
      codec: textCodec,
      buffer: { maxBufferedMessages: 1, backpressure: "ApplyBackpressure" },
    } as const;
    // @ts-expect-error an exactly-once handler must return the records to produce
    bindTopic<string>({ ...parts, exactlyOnce: true, handler: () => {} });
    // @ts-expect-error an ordinary topic's handler returns nothing
    bindTopic<string>({ ...parts, handler: () => [out("x")] });
    expect(bindTopic<string>({ ...parts, exactlyOnce: true, handler: () => [] }).exactlyOnce).toBe(true);
    const transaction = { transactionMaxRecords: 5, transactionMaxMs: 50 };
    expect(bindTopic<string>({ ...parts, exactlyOnce: true, transaction, handler: () => [] }).transaction).toEqual(
      transaction,
    );
    expect(bindTopic<string>({ ...parts, handler: () => {} }).exactlyOnce).toBeUndefined();
  });
});

describe("TopicProducer.record", () => {
  it("encodes a record of its topic as send would, without sending and without start()", async () => {
    const codec = avroCodec<{ id: string }>({
      type: "record",
      name: "Order",
      fields: [{ name: "id", type: "string" }],
    });
    const settings = { acks: "all", idempotent: true, compression: "none", maxInFlight: 5 } as const;
    const { transport, producers } = fakeProducers();
    const runtime = new ProducerRuntime({ brokers: [] }, { transport });
    const orders = runtime.topic<{ id: string }, string>({
      topic: "orders",
      value: avroEncoder(codec),
      key: stringKeyEncoder,
      settings,
    });
    const record = await orders.record(
      { id: "o-1" },
      { key: "k", headers: { source: "test" }, partition: 2, timestamp: 5 },
    );
    expect(record).toEqual({
      topic: "orders",
      key: Buffer.from("k"),
      value: codec.encode({ id: "o-1" }),
      headers: { source: "test" },
      partition: 2,
      timestamp: "5",
    });
    expect(producers).toHaveLength(0);
  });
});

describe("exactly-once handlers in kefgen/testing", () => {
  it("the kit writes a transaction's records and commits its offset together; a failing record produces nothing until it succeeds", async () => {
    const kit = new TestKit();
    let failures = 1;
    const handle: ExactlyOnceHandler<string> = (value) => {
      if (value === "b" && failures-- > 0) throw new Error("boom");
      return [out(value.toUpperCase())];
    };
    const spec = {
      name: "shared",
      kind: "shared" as const,
      settings: settings({ groupId: "g-eos" }),
      topics: [
        {
          ...binding("in", handle as never),
          exactlyOnce: true,
          failure: { attempts: 3, backoffMs: 1, maxBackoffMs: 1 },
        },
      ],
    };
    try {
      await kit.start(new ConsumerRuntime([spec], kit.kafka, kit.options()));
      kit.feed("in", textCodec, ["a", "b", "c"]);
      await kit.idle({ committed: true });
      expect(kit.records("out").map((r) => r.value!.toString())).toEqual(["A", "B", "C"]);
      expect(kit.committed("g-eos", "in")).toBe(3);
      expect(kit.outcome("in").retries).toBe(1);
      expect(kit.outcome("in").handled).toBe(3);
    } finally {
      await kit.stop();
    }
  });
});
