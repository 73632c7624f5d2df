// ProducerRuntime and TopicProducer (runtime/producer.ts) over an in-process transport: one client producer per
// distinct setting set, what reaches the transport, start failures, the stop/send race. The broker proof is
// test/integration/producers.test.ts.
import { describe, expect, it } from "vitest";
import { avroCodec } from "../../runtime/avro-codec.js";
import { avroEncoder, stringKeyEncoder, type Encoder } from "../../runtime/encoders.js";
import { ProducerRuntime, ProducerStoppedError } from "../../runtime/producer.js";
import type { OutgoingRecord, ProducerSettings, Transport, TransportProducer } from "../../runtime/transport/transport.js";

interface FakeProducer extends TransportProducer {
  readonly settings: ProducerSettings | undefined;
  readonly sent: { topic: string; records: readonly OutgoingRecord[] }[];
  connected: boolean;
  /** Sends wait for this before being acknowledged. */
  gate: Promise<void>;
}

function fakeTransport(options: { failConnectAt?: number } = {}): { transport: Transport; producers: FakeProducer[] } {
  const producers: FakeProducer[] = [];
  const transport = {
    client: "fake",
    createMember: () => {
      throw new Error("not used");
    },
    admin: () => {
      throw new Error("not used");
    },
    createProducer(settings?: ProducerSettings): TransportProducer {
      const index = producers.length;
      const p: FakeProducer = {
        settings,
        sent: [],
        connected: false,
        gate: Promise.resolve(),
        async connect() {
          if (options.failConnectAt === index) throw new Error("broker unreachable");
          p.connected = true;
        },
        async send(topic, records) {
          if (!p.connected) throw new Error("send on a disconnected producer");
          await p.gate;
          p.sent.push({ topic, records });
        },
        async disconnect() {
          p.connected = false;
        },
      };
      producers.push(p);
      return p;
    },
  } satisfies Transport;
  return { transport, producers };
}

const codec = avroCodec<{ id: string }>({ type: "record", name: "Order", fields: [{ name: "id", type: "string" }] });
const base: ProducerSettings = { acks: "all", idempotent: true, compression: "none", maxInFlight: 5 };

describe("ProducerRuntime", () => {
  it("creates one client producer per distinct setting set and sends encoded keys, values, headers, partition and timestamp", async () => {
    const { transport, producers } = fakeTransport();
    const runtime = new ProducerRuntime({ brokers: [] }, { transport });
    const a = runtime.topic<{ id: string }, string>({ topic: "a", value: avroEncoder(codec), key: stringKeyEncoder, settings: base });
    const b = runtime.topic<{ id: string }, string>({ topic: "b", value: avroEncoder(codec), key: stringKeyEncoder, settings: { ...base } });
    const c = runtime.topic<{ id: string } | null, never>({ topic: "c", value: avroEncoder(codec), settings: { ...base, compression: "gzip" } });
    await runtime.start();
    expect(producers.map((p) => p.settings)).toEqual([base, { ...base, compression: "gzip" }]);
    await a.send({ id: "1" }, { key: "k", headers: { h: "v" }, partition: 2, timestamp: new Date(1_000) });
    await b.sendBatch([{ value: { id: "2" } }, { value: { id: "3" }, timestamp: 5 }]);
    await c.send(null);
    expect(producers[0]!.sent).toEqual([
      { topic: "a", records: [{ key: Buffer.from("k"), value: codec.encode({ id: "1" }), headers: { h: "v" }, partition: 2, timestamp: "1000" }] },
      { topic: "b", records: [{ key: null, value: codec.encode({ id: "2" }) }, { key: null, value: codec.encode({ id: "3" }), timestamp: "5" }] },
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
    const lateKey: Encoder<string> = { kind: "string", encode: (k) => (k.startsWith("late") ? Promise.resolve(Buffer.from(k)) : Buffer.from(k)) };
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
});
