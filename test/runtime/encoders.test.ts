// The producers' encoders (runtime/encoders.ts) against the development registry: Confluent framing registers the
// schema once however many sends race for it, autoRegister = false only looks it up, a failed registry request
// is not kept; each framing is read back by the matching decoder.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevRegistry, type DevRegistry } from "../../scripts/registry/server.js";
import { avroCodec } from "../../runtime/avro-codec.js";
import { confluentFormat, PendingDecode, type RegistryWait } from "../../runtime/confluent-format.js";
import {
  avroEncoder,
  bytesKeyEncoder,
  confluentEncoder,
  SchemaNotRegisteredError,
  singleObjectEncoder,
  stringKeyEncoder,
} from "../../runtime/encoders.js";
import { RegistryUnavailableError, SchemaRegistryClient } from "../../runtime/registry-client.js";
import { singleObjectFormat } from "../../runtime/single-object-format.js";

let registry: DevRegistry;
beforeAll(async () => {
  registry = await startDevRegistry();
});
afterAll(async () => {
  await registry.stop();
});

interface Order {
  id: string;
  total: number;
}
const codec = avroCodec<Order>({
  type: "record",
  name: "shop.Order",
  fields: [
    { name: "id", type: "string" },
    { name: "total", type: "long" },
  ],
});
const noWait: RegistryWait = { unavailable: () => undefined, sleep: async () => true };

async function decode(format: { decode(b: Buffer): unknown }, bytes: Buffer): Promise<unknown> {
  const r = format.decode(bytes);
  return r instanceof PendingDecode ? r.wait(noWait) : r;
}

describe("confluentEncoder", () => {
  it("registers the schema once under the strategy's subject, however many sends race for it, and frames every value", async () => {
    const client = new SchemaRegistryClient({ name: "main", url: registry.url });
    const encoder = confluentEncoder(codec, { registry: client, topic: "orders-a", subjects: "topicRecord" });
    const values = Array.from({ length: 25 }, (_, i) => ({ id: `o-${i}`, total: i }));
    const framed = await Promise.all(values.map((v) => encoder.encode(v)));
    expect(client.requests).toBe(1);
    const latest = await client.latestVersion("orders-a-shop.Order");
    expect(latest?.version).toBe(1);
    for (const bytes of framed) {
      expect(bytes[0]).toBe(0);
      expect(bytes.readUInt32BE(1)).toBe(latest!.id);
    }
    // Once the id is known, encoding is synchronous.
    expect(encoder.encode(values[0]!)).toBeInstanceOf(Buffer);
    const reader = confluentFormat(codec, {
      registry: new SchemaRegistryClient({ name: "main", url: registry.url }),
      topic: "orders-a",
      subjects: "topicRecord",
    });
    expect(await Promise.all(framed.map((b) => decode(reader, b)))).toEqual(values);
  });

  it("autoRegister = false: looks the schema up; not registered → SchemaNotRegisteredError naming the subject and registry; registered → its id", async () => {
    const client = new SchemaRegistryClient({ name: "main", url: registry.url });
    const encoder = confluentEncoder(codec, { registry: client, topic: "orders-b", part: "key", autoRegister: false });
    const error = await Promise.resolve(encoder.encode({ id: "x", total: 1 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaNotRegisteredError);
    expect((error as Error).message).toMatch(/subject "orders-b-key" in registry "main"/);
    expect(await client.latestVersion("orders-b-key")).toBeUndefined();
    // A miss is not kept: once registered (by someone else), the next send finds it.
    const id = await new SchemaRegistryClient({ name: "other", url: registry.url }).register(
      "orders-b-key",
      JSON.stringify(codec.type.schema({ exportAttrs: true })),
    );
    const bytes = (await encoder.encode({ id: "x", total: 1 })) as Buffer;
    expect(bytes.readUInt32BE(1)).toBe(id);
  });

  it("an unreachable registry fails the send (retriable) and is asked again by the next one", async () => {
    const down = await startDevRegistry();
    const url = down.url;
    await down.stop();
    const client = new SchemaRegistryClient({ name: "main", url, requestTimeoutMs: 2_000 });
    const encoder = confluentEncoder(codec, { registry: client, topic: "orders-c" });
    await expect(Promise.resolve(encoder.encode({ id: "x", total: 1 }))).rejects.toBeInstanceOf(
      RegistryUnavailableError,
    );
    await expect(Promise.resolve(encoder.encode({ id: "x", total: 1 }))).rejects.toBeInstanceOf(
      RegistryUnavailableError,
    );
    expect(client.requests).toBe(2);
  });

  it("a value that does not fit the schema fails before any registry request", async () => {
    const client = new SchemaRegistryClient({ name: "main", url: registry.url });
    const encoder = confluentEncoder(codec, { registry: client, topic: "orders-d" });
    expect(() => encoder.encode({ id: 5 as unknown as string, total: 1 })).toThrow();
    expect(client.requests).toBe(0);
  });
});

describe("bare, single-object and key encoders", () => {
  it("bare Avro and single-object values are read back by their decoders", async () => {
    const value = { id: "o-1", total: -(2 ** 40) };
    expect(codec.decode(avroEncoder(codec).encode(value) as Buffer)).toEqual(value);
    const single = singleObjectEncoder(codec).encode(value) as Buffer;
    expect(single.subarray(0, 2).toString("hex")).toBe("c301");
    expect(await decode(singleObjectFormat(codec, { topic: "t" }), single)).toEqual(value);
  });

  it("encodes values of every size exactly as avsc's toBuffer, after the framing header, none overwriting another", () => {
    const encoder = avroEncoder(codec);
    const single = singleObjectEncoder(codec);
    // Within a slab, records that end exactly at a slab's end and one byte past it, a record too big for the rest of
    // the slab, records larger than a quarter slab (a buffer of their own), very large ones, then small ones again.
    const sizes = [1, 5_000, 2_000_000, 10, 70_000, 16_383, 16_384, 16_385];
    for (let i = 0; i < 300; i++) sizes.push((i * 977) % 3_000);
    const values = sizes.map((n, i) => ({ id: "x".repeat(n), total: i - 2 }));
    const outputs = values.map((v) => encoder.encode(v) as Buffer);
    const framed = values.map((v) => single.encode(v) as Buffer);
    values.forEach((v, i) => {
      // Checked after every value was encoded: a later record never wrote over an earlier one.
      expect(outputs[i]!.equals(codec.type.toBuffer(v))).toBe(true);
      expect(framed[i]!.subarray(10).equals(codec.type.toBuffer(v))).toBe(true);
      expect(framed[i]!.subarray(0, 2).toString("hex")).toBe("c301");
    });
    expect(() => encoder.encode({ id: 1 } as never)).toThrow();
    expect(encoder.encode(values[3]!)).toEqual(codec.type.toBuffer(values[3]));
  });

  it("starts a new slab while the rest of the old one is less than twice the largest record so far", () => {
    const encoder = avroEncoder(codec);
    // { id: 1,000 × "x", total: 0 }: 2 bytes of length, 1,000 of string, 1 of long = 1,003 bytes. After 64 of them a
    // 64 KiB slab has 1,344 bytes left: room for a 65th, but less than twice the largest record (2,006), so the 65th
    // goes to a new slab and the writer is not run up to (and past) the slab's end, which deoptimises it in V8.
    const big = { id: "x".repeat(1_000), total: 0 };
    const outputs: Buffer[] = [];
    for (let i = 0; i < 65; i++) outputs.push(encoder.encode(big) as Buffer);
    expect(outputs[63]!.buffer).toBe(outputs[0]!.buffer);
    expect(outputs[63]!.byteOffset).toBe(63 * 1_003);
    expect(outputs[64]!.buffer).not.toBe(outputs[0]!.buffer);
    expect(outputs[64]!.byteOffset).toBe(0);
    // Small records after it share the new slab.
    const small = encoder.encode({ id: "y", total: 1 }) as Buffer;
    expect(small.buffer).toBe(outputs[64]!.buffer);
    expect(small.byteOffset).toBe(1_003);
    for (const output of outputs) expect(output.equals(codec.type.toBuffer(big))).toBe(true);
    expect(small.equals(codec.type.toBuffer({ id: "y", total: 1 }))).toBe(true);
  });

  it("string keys are UTF-8; bytes keys pass through", () => {
    expect(stringKeyEncoder.encode("ключ ✓")).toEqual(Buffer.from("ключ ✓", "utf8"));
    const raw = Buffer.from([0, 255]);
    expect(bytesKeyEncoder.encode(raw)).toBe(raw);
  });
});
