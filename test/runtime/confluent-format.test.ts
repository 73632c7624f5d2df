// The Confluent-framed decoder against the development registry (scripts/registry/server.ts). Frames here are
// written with avsc for the decoder's logic; test/integration/confluent-python.test.ts proves the framing with
// Python confluent-kafka's AvroSerializer.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startDevRegistry, type DevRegistry } from "../../scripts/registry/server.js";
import { avroCodec, avroType } from "../../runtime/avro-codec.js";
import { ABANDONED, confluentFormat, PendingDecode, type RegistryWait } from "../../runtime/confluent-format.js";
import { DecodeError } from "../../runtime/errors.js";
import { RegistryUnavailableError, SchemaRegistryClient } from "../../runtime/registry-client.js";

let registry: DevRegistry;
beforeAll(async () => {
  registry = await startDevRegistry();
});
afterAll(async () => {
  await registry.stop();
});

function frame(id: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(id, 1);
  return Buffer.concat([header, payload]);
}

const noWait: RegistryWait = {
  unavailable: () => {
    throw new Error("the registry should be reachable");
  },
  sleep: async () => true,
};

async function decodeWith(format: ReturnType<typeof confluentFormat>, value: Buffer, wait = noWait): Promise<unknown> {
  const result = format.decode(value);
  return result instanceof PendingDecode ? await result.wait(wait) : result;
}

const suitV1 = { type: "enum", name: "Suit", symbols: ["SPADES", "HEARTS", "DIAMONDS", "CLUBS"] };
const suitReordered = { type: "enum", name: "Suit", symbols: ["CLUBS", "DIAMONDS", "HEARTS", "SPADES"] };

describe("confluentFormat", () => {
  it("reads reordered enum symbols by name: SPADES arrives as SPADES", async () => {
    const subject = `cards-${Date.now()}-value`;
    const writer = { type: "record", name: "Card", fields: [{ name: "suit", type: suitV1 }] };
    const reader = { type: "record", name: "Card", fields: [{ name: "suit", type: suitReordered }] };
    const { id } = registry.store.register(subject, JSON.stringify(writer));
    const format = confluentFormat(avroCodec(reader), {
      registry: new SchemaRegistryClient({ name: "main", url: registry.url }),
      topic: "cards",
    });
    for (const suit of suitV1.symbols) {
      expect(await decodeWith(format, frame(id, avroType(writer).toBuffer({ suit })))).toEqual({ suit });
    }
  });

  it("writer +field with reader +defaulted field: the reader gets its default, not the writer value", async () => {
    const writer = {
      type: "record",
      name: "Order",
      fields: [
        { name: "id", type: "string" },
        { name: "note", type: "string" },
      ],
    };
    const reader = {
      type: "record",
      name: "Order",
      fields: [
        { name: "id", type: "string" },
        { name: "priority", type: "int", default: 7 },
      ],
    };
    const { id } = registry.store.register(`orders-${Date.now()}-value`, JSON.stringify(writer));
    const format = confluentFormat(avroCodec(reader), {
      registry: new SchemaRegistryClient({ name: "main", url: registry.url }),
      topic: "orders",
    });
    const value = frame(id, avroType(writer).toBuffer({ id: "o-1", note: "leave at door" }));
    expect(await decodeWith(format, value)).toEqual({ id: "o-1", priority: 7 });
  });

  it("keeps exact longs, logical types and __proto__ map keys through the resolver", async () => {
    const writer = {
      type: "record",
      name: "R",
      fields: [
        { name: "big", type: "long" },
        { name: "at", type: { type: "long", logicalType: "timestamp-millis" } },
        { name: "amount", type: { type: "bytes", logicalType: "decimal", precision: 10, scale: 2 } },
        { name: "tags", type: { type: "map", values: { type: "map", values: "int" } } },
      ],
    };
    const reader = {
      ...writer,
      fields: [...writer.fields, { name: "extra", type: ["null", "string"], default: null }],
    };
    const { id } = registry.store.register(`r-${Date.now()}-value`, JSON.stringify(writer));
    const format = confluentFormat(avroCodec(reader), {
      registry: new SchemaRegistryClient({ name: "main", url: registry.url }),
      topic: "r",
    });
    const tags = JSON.parse('{"__proto__": {"a": 1}, "b": {}}') as Record<string, Record<string, number>>;
    const written = { big: -(2 ** 53 - 1), at: new Date(1_700_000_000_123), amount: "-12.50", tags };
    const decoded = (await decodeWith(format, frame(id, avroType(writer).toBuffer(written)))) as Record<
      string,
      unknown
    >;
    expect(decoded["big"]).toBe(-(2 ** 53 - 1));
    expect(decoded["at"]).toEqual(new Date(1_700_000_000_123));
    expect(decoded["amount"]).toBe("-12.50");
    expect(Object.getOwnPropertyNames(decoded["tags"])).toEqual(["__proto__", "b"]);
    expect(Object.getPrototypeOf(decoded["tags"])).toBe(Object.prototype);
    expect(decoded["extra"]).toBeNull();
  });

  it("fetches each writer schema once; concurrent misses share one request; later records decode synchronously", async () => {
    const schema = { type: "record", name: "Once", fields: [{ name: "n", type: "int" }] };
    const { id } = registry.store.register(`once-${Date.now()}-value`, JSON.stringify(schema));
    const client = new SchemaRegistryClient({ name: "main", url: registry.url });
    const format = confluentFormat(avroCodec(schema), { registry: client, topic: "once" });
    const values = await Promise.all(
      [1, 2, 3, 4].map((n) => decodeWith(format, frame(id, avroType(schema).toBuffer({ n })))),
    );
    expect(values).toEqual([1, 2, 3, 4].map((n) => ({ n })));
    expect(client.requests).toBe(1);
    const sync = format.decode(frame(id, avroType(schema).toBuffer({ n: 5 })));
    expect(sync).toEqual({ n: 5 });
  });

  it("records of several writer ids, interleaved, each decode with their own writer (a poison id stays poison)", async () => {
    const v1 = { type: "record", name: "Mix", fields: [{ name: "n", type: "int" }] };
    const v2 = {
      type: "record",
      name: "Mix",
      fields: [
        { name: "tag", type: "string" },
        { name: "n", type: "long" },
      ],
    };
    const bad = { type: "record", name: "Mix", fields: [{ name: "n", type: "string" }] };
    const subject = `mix-${Date.now()}`;
    const id1 = registry.store.register(`${subject}-1`, JSON.stringify(v1)).id;
    const id2 = registry.store.register(`${subject}-2`, JSON.stringify(v2)).id;
    const idBad = registry.store.register(`${subject}-3`, JSON.stringify(bad)).id;
    const reader = {
      type: "record",
      name: "Mix",
      fields: [
        { name: "n", type: "long" },
        { name: "tag", type: "string", default: "-" },
      ],
    };
    const format = confluentFormat(avroCodec(reader), {
      registry: new SchemaRegistryClient({ name: "main", url: registry.url }),
      topic: "mix",
    });
    const one = (n: number) => frame(id1, avroType(v1).toBuffer({ n }));
    const two = (n: number) => frame(id2, avroType(v2).toBuffer({ tag: `t${n}`, n }));
    const poison = frame(idBad, avroType(bad).toBuffer({ n: "x" }));
    // Twice round: the first round learns the ids, the second decodes from the cache, switching id every record.
    for (let round = 0; round < 2; round++) {
      expect(await decodeWith(format, one(1))).toEqual({ n: 1, tag: "-" });
      expect(await decodeWith(format, two(2))).toEqual({ n: 2, tag: "t2" });
      expect(await decodeWith(format, two(3))).toEqual({ n: 3, tag: "t3" });
      await expect(decodeWith(format, poison)).rejects.toThrow(DecodeError);
      expect(await decodeWith(format, one(4))).toEqual({ n: 4, tag: "-" });
      await expect(decodeWith(format, poison)).rejects.toThrow(DecodeError);
      await expect(decodeWith(format, poison)).rejects.toThrow(DecodeError);
      expect(await decodeWith(format, two(5))).toEqual({ n: 5, tag: "t5" });
    }
  });

  it("an incompatible writer is a DecodeError naming both schemas and the first incompatible field", async () => {
    const subject = `bad-${Date.now()}-value`;
    const writer = {
      type: "record",
      name: "Pay",
      fields: [
        { name: "id", type: "string" },
        { name: "amount", type: "string" },
      ],
    };
    const reader = {
      type: "record",
      name: "Pay",
      fields: [
        { name: "id", type: "string" },
        { name: "amount", type: "int" },
      ],
    };
    const { id } = registry.store.register(subject, JSON.stringify(writer));
    const format = confluentFormat(avroCodec(reader), {
      registry: new SchemaRegistryClient({ name: "main", url: registry.url }),
      topic: "pay",
    });
    const error = await decodeWith(format, frame(id, avroType(writer).toBuffer({ id: "x", amount: "y" }))).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as Error).message).toContain(`subject "${subject}" version 1, id ${id}`);
    expect((error as Error).message).toContain('reader schema Pay (subject "pay-value")');
    expect((error as Error).message).toContain('field "amount"');
  });

  it("a missing field without default names that field", async () => {
    const writer = { type: "record", name: "M", fields: [{ name: "a", type: "int" }] };
    const reader = {
      type: "record",
      name: "M",
      fields: [
        { name: "a", type: "int" },
        { name: "b", type: "int" },
      ],
    };
    const { id } = registry.store.register(`m-${Date.now()}-value`, JSON.stringify(writer));
    const format = confluentFormat(avroCodec(reader), {
      registry: new SchemaRegistryClient({ name: "main", url: registry.url }),
      topic: "m",
    });
    await expect(decodeWith(format, frame(id, avroType(writer).toBuffer({ a: 1 })))).rejects.toThrow(
      'field "b" is missing in the writer schema and has no default in the reader schema',
    );
  });

  it("rejects bytes without the magic byte and unknown schema ids as decode errors", async () => {
    const schema = { type: "record", name: "X", fields: [{ name: "n", type: "int" }] };
    const format = confluentFormat(avroCodec(schema), {
      registry: new SchemaRegistryClient({ name: "main", url: registry.url }),
      topic: "x",
    });
    expect(() => format.decode(Buffer.from([1, 0, 0, 0, 1, 2]))).toThrow("not the magic byte 0");
    expect(() => format.decode(Buffer.from([0, 0]))).toThrow("at least 5 bytes");
    await expect(decodeWith(format, frame(999_999, Buffer.from([2])))).rejects.toThrow(
      /writer schema id 999999 is not in registry "main".*40403|Schema 999999 not found/,
    );
  });

  it("waits with backoff while the registry is down, then decodes; abandons when told", async () => {
    const down = await startDevRegistry();
    const schema = { type: "record", name: "W", fields: [{ name: "n", type: "int" }] };
    const { id } = down.store.register("w-value", JSON.stringify(schema));
    await down.stop();
    const format = confluentFormat(avroCodec(schema), {
      registry: new SchemaRegistryClient({ name: "main", url: down.url }),
      topic: "w",
      retry: { initialDelayMs: 10, maxDelayMs: 40 },
    });
    const delays: number[] = [];
    const wait: RegistryWait = {
      unavailable: (error, attempt, retryInMs) => {
        expect(error).toBeInstanceOf(RegistryUnavailableError);
        expect(attempt).toBe(delays.length + 1);
        delays.push(retryInMs);
      },
      sleep: async (ms) => {
        await new Promise((r) => setTimeout(r, ms));
        if (delays.length === 4) await down.start();
        return true;
      },
    };
    expect(await decodeWith(format, frame(id, avroType(schema).toBuffer({ n: 3 })), wait)).toEqual({ n: 3 });
    expect(delays).toEqual([10, 20, 40, 40]);
    await down.stop();
    const abandoning: RegistryWait = { unavailable: () => undefined, sleep: async () => false };
    const other = confluentFormat(avroCodec(schema), {
      registry: new SchemaRegistryClient({ name: "main", url: down.url }),
      topic: "w",
    });
    expect(await decodeWith(other, frame(id, avroType(schema).toBuffer({ n: 3 })), abandoning)).toBe(ABANDONED);
  });
});

describe("SchemaRegistryClient", () => {
  it("reads the url and secrets from the environment and fails at construction when one is missing", () => {
    const client = new SchemaRegistryClient(
      { name: "main", urlEnv: "SR_URL", auth: { kind: "bearer", tokenEnv: "SR_TOKEN" } },
      { SR_URL: "http://x:1/", SR_TOKEN: "t" },
    );
    expect(client.url).toBe("http://x:1");
    expect(
      () =>
        new SchemaRegistryClient(
          { name: "main", url: "http://x", auth: { kind: "basic", usernameEnv: "U", passwordEnv: "P" } },
          { U: "u" },
        ),
    ).toThrow('registry "main": environment variable P (its password) is not set');
  });
});

describe("avroCodec schema export", () => {
  it("keeps a decimal's precision and scale in type.schema() (a writer schema rebuilt from it resolves)", () => {
    const schema = { type: "fixed", name: "Money", size: 8, logicalType: "decimal", precision: 18, scale: 4 };
    const codec = avroCodec(schema);
    expect(codec.type.schema({ exportAttrs: true })).toEqual({
      name: "Money",
      type: "fixed",
      size: 8,
      logicalType: "decimal",
      precision: 18,
      scale: 4,
    });
    expect(codec.schema).toBe(schema);
    expect(() => codec.type.createResolver(avroType(codec.type.schema({ exportAttrs: true })))).not.toThrow();
    expect(() => codec.type.createResolver(avroType({ ...schema, scale: 2 }))).toThrow();
  });
});

describe("TopicChannel with a framed format", () => {
  it("a record waiting for the registry is abandoned (not done) on stop, and its partition takes no later record", async () => {
    const { TopicChannel } = await import("../../runtime/topic-channel.js");
    const { PartitionOffsets } = await import("../../runtime/offset-tracker.js");
    const { RuntimeEventEmitter } = await import("../../runtime/events.js");
    const { silentLogger } = await import("../../runtime/logger.js");
    const { message } = await import("./fake-consumer.js");
    const down = await startDevRegistry();
    const schema = { type: "record", name: "S", fields: [{ name: "n", type: "int" }] };
    const { id } = down.store.register("s-value", JSON.stringify(schema));
    await down.stop();
    const codec = avroCodec<{ n: number }>(schema);
    const handled: number[] = [];
    const events = new RuntimeEventEmitter(silentLogger);
    const unavailable: number[] = [];
    events.on("registryUnavailable", (e) => void unavailable.push(e.attempt));
    const channel = new TopicChannel({
      connection: "shared",
      binding: {
        topic: "s",
        messageType: "S",
        codec,
        format: confluentFormat(codec, {
          registry: new SchemaRegistryClient({ name: "main", url: down.url }),
          topic: "s",
          retry: { initialDelayMs: 20, maxDelayMs: 20 },
        }),
        buffer: { maxBufferedMessages: 10, backpressure: "ApplyBackpressure" },
        handle: (v) => void handled.push(v.n),
      },
      events,
      logger: silentLogger,
    });
    const offsets = new PartitionOffsets("s", 0, 0);
    for (const offset of [0, 1]) {
      const base = message(offset, "");
      channel.offer({
        topic: "s",
        partition: 0,
        offset,
        message: { ...base, value: frame(id, codec.encode({ n: offset })) },
        offsets,
      });
      offsets.track(offset, false);
    }
    channel.start();
    // Retried: wait for the second report (200 ms of real time held one only, at load 20).
    await vi.waitFor(() => expect(unavailable.length).toBeGreaterThanOrEqual(2), { timeout: 30_000 });
    expect(channel.metrics()).toMatchObject({ handled: 0, errors: 0, buffered: 1, inFlight: 1 });
    expect(channel.metrics().registryUnavailable).toBe(unavailable.length);
    await channel.stop();
    expect(handled).toEqual([]);
    expect(offsets.committable()).toBe(0);
  });
});
