// ProducerRuntime and TopicProducer (runtime/producer.ts) over an in-process transport: one client producer per
// distinct setting set, what reaches the transport, start failures, the stop/send race, the send counts. The broker proof is
// test/integration/producers.test.ts.
import { describe, expect, it } from "vitest";
import { avroCodec } from "../../runtime/avro-codec.js";
import { avroEncoder, stringKeyEncoder, type Encoder } from "../../runtime/encoders.js";
import { ProducerRuntime, ProducerStoppedError, producersOf } from "../../runtime/producer.js";
import type { ProducerSettings } from "../../runtime/transport/transport.js";
import { fakeTransport } from "./fake-producer.js";

const codec = avroCodec<{ id: string }>({ type: "record", name: "Order", fields: [{ name: "id", type: "string" }] });
const base: ProducerSettings = { acks: "all", idempotent: true, compression: "none", maxInFlight: 5 };

describe("ProducerRuntime", () => {
  it("creates one client producer per distinct setting set and sends encoded keys, values, headers, partition and timestamp", async () => {
    const { transport, producers } = fakeTransport();
    const runtime = new ProducerRuntime({ brokers: [] }, { transport });
    const a = runtime.topic<{ id: string }, string>({
      topic: "a",
      value: avroEncoder(codec),
      key: stringKeyEncoder,
      settings: base,
    });
    const b = runtime.topic<{ id: string }, string>({
      topic: "b",
      value: avroEncoder(codec),
      key: stringKeyEncoder,
      settings: { ...base },
    });
    const c = runtime.topic<{ id: string } | null, never>({
      topic: "c",
      value: avroEncoder(codec),
      settings: { ...base, compression: "gzip" },
    });
    await runtime.start();
    expect(producers.map((p) => p.settings)).toEqual([base, { ...base, compression: "gzip" }]);
    await a.send({ id: "1" }, { key: "k", headers: { h: "v" }, partition: 2, timestamp: new Date(1_000) });
    await b.sendBatch([{ value: { id: "2" } }, { value: { id: "3" }, timestamp: 5 }]);
    await c.send(null);
    expect(producers[0]!.sent).toEqual([
      {
        topic: "a",
        records: [
          {
            key: Buffer.from("k"),
            value: codec.encode({ id: "1" }),
            headers: { h: "v" },
            partition: 2,
            timestamp: "1000",
          },
        ],
      },
      {
        topic: "b",
        records: [
          { key: null, value: codec.encode({ id: "2" }) },
          { key: null, value: codec.encode({ id: "3" }), timestamp: "5" },
        ],
      },
    ]);
    expect(producers[1]!.sent).toEqual([{ topic: "c", records: [{ key: null, value: null }] }]);
    // key none: a key given anyway (past the types) is refused, nothing is sent.
    await expect(c.send({ id: "4" }, { key: "x" as never })).rejects.toThrow(/key none/);
    expect(producers[1]!.sent).toHaveLength(1);
    await runtime.stop();
    expect(producers.every((p) => !p.connected)).toBe(true);
  });

  it("a batch mixing encoders that answer at once and later keeps the records in order; a throwing encoder rejects the send and sends nothing", async () => {
    const { transport, producers } = fakeTransport();
    const runtime = new ProducerRuntime({ brokers: [] }, { transport });
    // A key encoder that answers later for some keys (as a framed encoder does until its schema id is known).
    const lateKey: Encoder<string> = {
      kind: "string",
      encode: (k) => (k.startsWith("late") ? Promise.resolve(Buffer.from(k)) : Buffer.from(k)),
    };
    const throwing: Encoder<{ id: string }> = {
      kind: "avro",
      encode: (v) => {
        if (v.id === "bad") throw new TypeError("cannot encode bad");
        return codec.encode(v);
      },
    };
    const t = runtime.topic<{ id: string }, string>({ topic: "t", value: throwing, key: lateKey, settings: base });
    await runtime.start();
    await t.sendBatch([
      { value: { id: "1" }, key: "now" },
      { value: { id: "2" }, key: "late" },
      { value: { id: "3" } },
    ]);
    expect(producers[0]!.sent).toEqual([
      {
        topic: "t",
        records: [
          { key: Buffer.from("now"), value: codec.encode({ id: "1" }) },
          { key: Buffer.from("late"), value: codec.encode({ id: "2" }) },
          { key: null, value: codec.encode({ id: "3" }) },
        ],
      },
    ]);
    const sending = t.sendBatch([{ value: { id: "4" } }, { value: { id: "bad" } }]);
    expect(sending).toBeInstanceOf(Promise);
    await expect(sending).rejects.toThrow(/cannot encode bad/);
    expect(producers[0]!.sent).toHaveLength(1);
    await runtime.stop();
  });

  it("a start that fails disconnects the producers already connected and leaves the runtime stopped", async () => {
    const { transport, producers } = fakeTransport({ failConnectAt: 1 });
    const runtime = new ProducerRuntime({ brokers: [] }, { transport });
    const a = runtime.topic({ topic: "a", value: avroEncoder(codec), settings: base });
    runtime.topic({ topic: "b", value: avroEncoder(codec), settings: { ...base, maxInFlight: 1 } });
    await expect(runtime.start()).rejects.toThrow("broker unreachable");
    expect(producers[0]!.connected).toBe(false);
    await expect(a.send({ id: "1" })).rejects.toBeInstanceOf(ProducerStoppedError);
    await expect(runtime.start()).rejects.toThrow(/already started/);
  });

  it("stop() refuses new sends at once but resolves only after the sends already accepted were acknowledged", async () => {
    const { transport, producers } = fakeTransport();
    const runtime = new ProducerRuntime({ brokers: [] }, { transport });
    const a = runtime.topic({ topic: "a", value: avroEncoder(codec), settings: base });
    await runtime.start();
    let open!: () => void;
    producers[0]!.gate = new Promise((r) => (open = r));
    const accepted = [a.send({ id: "1" }), a.send({ id: "2" })];
    const stopped = runtime.stop();
    let stopResolved = false;
    void stopped.then(() => (stopResolved = true));
    await expect(a.send({ id: "3" })).rejects.toThrow(/they were stopped/);
    await new Promise((r) => setImmediate(r));
    expect(stopResolved).toBe(false);
    expect(producers[0]!.connected).toBe(true);
    open();
    await stopped;
    await Promise.all(accepted);
    expect(producers[0]!.sent.map((s) => s.records.length)).toEqual([1, 1]);
    expect(producers[0]!.connected).toBe(false);
    expect(runtime.stop()).toBe(stopped);
  });

  it("counts records sent and failed and each send's duration per topic, counted before the sender sees the outcome", async () => {
    const { transport, producers } = fakeTransport();
    const runtime = new ProducerRuntime({ brokers: [] }, { transport });
    const a = runtime.topic<{ id: string }, string>({
      topic: "a",
      value: avroEncoder(codec),
      key: stringKeyEncoder,
      settings: base,
    });
    const b = runtime.topic<{ id: string }, never>({ topic: "b", value: avroEncoder(codec), settings: base });
    const api = producersOf(runtime, { a, b });
    const events: { topic: string; records: number; failed: boolean }[] = [];
    api.onSend(() => {
      throw new Error("a broken listener does not fail the send");
    });
    const remove = api.onSend(
      (e) => void events.push({ topic: e.topic, records: e.records, failed: e.error !== undefined }),
    );
    await expect(a.send({ id: "0" })).rejects.toBeInstanceOf(ProducerStoppedError); // refused: not counted
    await api.start();
    await a.send({ id: "1" });
    await a.sendBatch([{ value: { id: "2" } }, { value: { id: "3" } }]);
    // A key on a key-none topic fails while encoding: the send was accepted, so its record counts as failed.
    await expect(b.send({ id: "4" }, { key: "x" as never })).rejects.toThrow(/key none/);
    producers[0]!.fail = new RangeError("broker said no");
    await expect(b.sendBatch([{ value: { id: "5" } }, { value: { id: "6" } }])).rejects.toThrow("broker said no");
    const snapshot = api.metrics();
    expect(
      snapshot.topics.map(({ topic, sent, failed, sendLatencyMs }) => ({
        topic,
        sent,
        failed,
        sends: sendLatencyMs.count,
      })),
    ).toEqual([
      { topic: "a", sent: 3, failed: 0, sends: 2 },
      { topic: "b", sent: 0, failed: 3, sends: 2 },
    ]);
    expect(snapshot.topics.every((t) => t.sendLatencyMs.max >= t.sendLatencyMs.mean && t.sendLatencyMs.mean >= 0)).toBe(
      true,
    );
    expect(events).toEqual([
      { topic: "a", records: 1, failed: false },
      { topic: "a", records: 2, failed: false },
      { topic: "b", records: 1, failed: true },
      { topic: "b", records: 2, failed: true },
    ]);
    remove();
    producers[0]!.fail = undefined;
    await a.send({ id: "7" });
    expect(events).toHaveLength(4);
    expect(runtime.metrics().topics[0]!.sent).toBe(4);
    await api.stop();
  });
});
