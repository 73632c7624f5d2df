// The dead-letter record format: original bytes kept, Spring Kafka's headers as Spring writes them, read back.
import { describe, expect, it } from "vitest";
import {
  DeadLetterHeaders,
  MAX_STACKTRACE_BYTES,
  deadLetterRecord,
  readDeadLetterHeaders,
  truncated,
} from "../../runtime/dead-letter.js";
import { retryDelay } from "../../runtime/backoff.js";
import { DecodeError } from "../../runtime/errors.js";
import {
  bindDeadLetters,
  NotADeadLetterError,
  readDeadLetter,
  type DeadLetter,
  type DeadLetterValue,
} from "../../runtime/dead-letter-reader.js";
import { ABANDONED, PendingDecode, type RegistryWait } from "../../runtime/confluent-format.js";
import { avroCodec } from "../../runtime/avro-codec.js";
import { singleObjectEncoder } from "../../runtime/encoders.js";
import { singleObjectFormat } from "../../runtime/single-object-format.js";

const record = {
  offset: "4294967301", // above 2^32: the 8-byte offset header must hold it
  key: Buffer.from([0, 1, 2, 255]),
  value: Buffer.from([0xc3, 0x01, 0xde, 0xad]),
  timestamp: "1700000000123",
  headers: { trace: Buffer.from("abc"), multi: [Buffer.from("x"), Buffer.from("y")] },
};

describe("deadLetterRecord", () => {
  it("keeps key, value and headers byte for byte and adds the Spring headers in Spring's encodings", () => {
    const error = new TypeError("price is negative");
    const out = deadLetterRecord({ topic: "orders", partition: 7, record, groupId: "shop", error, attempts: 5 }, 12);
    expect(out.key).toEqual(record.key);
    expect(out.value).toEqual(record.value);
    expect(out.partition).toBe(7);
    const h = out.headers!;
    expect(h.trace).toEqual(Buffer.from("abc"));
    expect(h.multi).toEqual([Buffer.from("x"), Buffer.from("y")]);
    expect(h[DeadLetterHeaders.ORIGINAL_TOPIC]).toEqual(Buffer.from("orders"));
    expect(h[DeadLetterHeaders.ORIGINAL_PARTITION]).toEqual(Buffer.from([0, 0, 0, 7]));
    expect(h[DeadLetterHeaders.ORIGINAL_OFFSET]).toEqual(Buffer.from([0, 0, 0, 1, 0, 0, 0, 5]));
    expect(h[DeadLetterHeaders.ORIGINAL_TIMESTAMP]).toEqual(Buffer.from("0000018bcfe5687b", "hex"));
    expect(h[DeadLetterHeaders.ORIGINAL_TIMESTAMP_TYPE]).toEqual(Buffer.from("CreateTime"));
    expect(h[DeadLetterHeaders.ORIGINAL_CONSUMER_GROUP]).toEqual(Buffer.from("shop"));
    expect(h[DeadLetterHeaders.EXCEPTION_FQCN]).toEqual(Buffer.from("TypeError"));
    expect(h[DeadLetterHeaders.EXCEPTION_MESSAGE]).toEqual(Buffer.from("price is negative"));
    expect(String(h[DeadLetterHeaders.EXCEPTION_STACKTRACE])).toContain("TypeError: price is negative");
    expect(h[DeadLetterHeaders.ATTEMPTS]).toEqual(Buffer.from("5"));
  });

  it("leaves the partition to the key when the dead-letter topic has fewer partitions; reads its own headers back", () => {
    const error = DecodeError.at(new Error("unreadable"), { topic: "orders", partition: 7, offset: record.offset });
    const out = deadLetterRecord({ topic: "orders", partition: 7, record, groupId: "shop", error, attempts: 0 }, 3);
    expect(out.partition).toBeUndefined();
    expect(readDeadLetterHeaders(out.headers)).toEqual({
      originalTopic: "orders",
      originalPartition: 7,
      originalOffset: "4294967301",
      originalTimestamp: "1700000000123",
      timestampType: "CreateTime",
      consumerGroup: "shop",
      errorClass: "DecodeError",
      errorMessage: error.message,
      stacktrace: error.stack,
      attempts: 0,
    });
    expect(readDeadLetterHeaders({ other: "x" })).toBeUndefined();
  });

  it("cuts a long stack trace to the documented size on a character boundary, saying so", () => {
    const long = "é".repeat(MAX_STACKTRACE_BYTES);
    const cut = truncated(long, MAX_STACKTRACE_BYTES);
    expect(cut.length).toBeLessThanOrEqual(MAX_STACKTRACE_BYTES);
    const text = cut.toString("utf8");
    expect(text).not.toContain("\uFFFD");
    expect(text).toMatch(/… \[truncated, 32768 bytes\]$/);
    expect(truncated("short", 100).toString()).toBe("short");
  });
});

describe("retryDelay", () => {
  it("grows by the multiplier up to the maximum, jittered within ± the percentage", () => {
    const policy = { backoffMs: 200, maxBackoffMs: 30_000, multiplier: 2, jitterPercent: 20 };
    expect([1, 2, 3, 4].map((attempt) => retryDelay(policy, attempt, () => 0.5))).toEqual([200, 400, 800, 1600]);
    expect(retryDelay(policy, 1, () => 0)).toBe(160);
    expect(retryDelay(policy, 1, () => 1)).toBe(240);
    expect(retryDelay(policy, 50, () => 1)).toBe(30_000);
    expect(retryDelay({ ...policy, multiplier: 1, jitterPercent: 0 }, 9)).toBe(200);
  });
});

describe("readDeadLetter and bindDeadLetters", () => {
  const codec = {
    decode: (value: Buffer) => {
      if (value[0] === 0xc3) throw new Error("not JSON");
      return JSON.parse(value.toString("utf8")) as { id: string };
    },
    encode: (value: { id: string }) => Buffer.from(JSON.stringify(value)),
  };
  const letterOf = (value: Buffer | null) => {
    const out = deadLetterRecord(
      {
        topic: "orders",
        partition: 2,
        record: { ...record, value },
        groupId: "shop",
        error: new Error("boom"),
        attempts: 3,
      },
      1,
    );
    return {
      offset: "9",
      key: out.key as Buffer,
      value: out.value as Buffer | null,
      timestamp: "1700000009999",
      headers: out.headers!,
    };
  };

  it("decodes the original value with the topic's codec, keeps the bytes when it cannot, and drops the dead-letter headers", () => {
    const position = { topic: "orders-dlt", partition: 0, offset: "9" };
    const good = readDeadLetter(position, letterOf(Buffer.from('{"id":"o-1"}')), codec.decode);
    expect(good.value).toEqual({ decoded: true, message: { id: "o-1" } });
    expect(good).toMatchObject({
      originalTopic: "orders",
      originalPartition: 2,
      originalOffset: "4294967301",
      errorMessage: "boom",
      attempts: 3,
      deadLetteredAt: "1700000009999",
      position,
    });
    expect(Object.keys(good.headers)).toEqual(["trace", "multi"]);
    const poison = readDeadLetter(position, letterOf(record.value), codec.decode);
    expect(poison.value).toMatchObject({ decoded: false, bytes: record.value });
    expect(() => readDeadLetter(position, { ...letterOf(null), headers: {} }, codec.decode)).toThrow(
      NotADeadLetterError,
    );
  });

  it("binds a dead-letter topic: the handler gets envelopes", async () => {
    const got: unknown[] = [];
    const b = bindDeadLetters({
      topic: "orders-dlt",
      codec,
      buffer: { maxBufferedMessages: 10, backpressure: "ApplyBackpressure" },
      handler: (letter) => void got.push(letter.value),
    });
    const r = letterOf(Buffer.from('{"id":"o-2"}'));
    await b.handle(b.codec.decode(r.value!), {
      topic: "orders-dlt",
      partition: 0,
      offset: "9",
      key: r.key,
      headers: r.headers,
      timestamp: r.timestamp,
    });
    expect(got).toEqual([{ decoded: true, message: { id: "o-2" } }]);
    expect(b.tombstones).toBe(true);
  });
});

describe("generated dead-letter readers (fixtures/valid/failure-handling)", () => {
  it("decode the original value with the topic's codec into DeadLetter<Order>, and pass over letters of other topics sharing the dead-letter topic", async () => {
    const { shopFailuresDeadLetters } = await import("../../fixtures/valid/failure-handling/expected/wiring.js");
    const { orderCodec } = await import("../../fixtures/valid/failure-handling/expected/codecs.js");
    const ids: string[] = [];
    const refunds = shopFailuresDeadLetters.refunds((letter) => {
      if (letter.value.decoded) ids.push(letter.value.message.id); // typed: messages.Order
    });
    expect(refunds.topic).toBe("payments-failed");
    const letterFrom = (topic: string, id: string) => {
      const out = deadLetterRecord(
        {
          topic,
          partition: 0,
          record: { ...record, value: orderCodec.encode({ id }) },
          groupId: "shop-payments",
          error: new Error("x"),
          attempts: 1,
        },
        1,
      );
      return {
        topic: "payments-failed",
        partition: 0,
        offset: "0",
        key: out.key as Buffer,
        headers: out.headers!,
        timestamp: "1",
      };
    };
    for (const [topic, id] of [
      ["refunds", "r-1"],
      ["captures", "c-1"],
      ["refunds", "r-2"],
    ] as const) {
      const context = letterFrom(topic, id);
      const value = deadLetterRecord(
        {
          topic,
          partition: 0,
          record: { ...record, value: orderCodec.encode({ id }) },
          groupId: "g",
          error: new Error("x"),
          attempts: 1,
        },
        1,
      ).value as Buffer;
      await refunds.handle(refunds.codec.decode(value), context);
    }
    expect(ids).toEqual(["r-1", "r-2"]);
  });
});

describe("dead letters of a multi-type topic (fixtures/valid/multi-type)", () => {
  const letterOf = (value: Buffer | null, headers: Record<string, Buffer | string>, error: Error) =>
    deadLetterRecord(
      {
        topic: "multi-orders",
        partition: 1,
        record: { ...record, value, headers },
        groupId: "multi-type",
        error,
        attempts: 1,
      },
      1,
    );

  it("the generated reader decodes each letter as { type, value } by its original $type header, and keeps a letter of no member raw with the route's reason", async () => {
    const { shopMultiDeadLetters } = await import("../../fixtures/valid/multi-type/expected/wiring.js");
    const { orderShippedCodec, orderCreatedCodec } = await import("../../fixtures/valid/multi-type/expected/codecs.js");
    const got: DeadLetter<unknown>[] = [];
    const reader = shopMultiDeadLetters.orders((letter) => {
      got.push(letter);
      // Typed: a decoded letter's message is the topic's union.
      if (letter.value.decoded && letter.value.message.type === "shop.orders.OrderShipped")
        expect(letter.value.message.value.carrier).toBe("dhl");
    });
    expect(reader.topic).toBe("multi-orders-dlt");
    const shipped = orderShippedCodec.encode({ orderId: "o-3", carrier: "dhl" });
    const created = orderCreatedCodec.encode({ orderId: "o-1", total: 5 });
    const letters = [
      letterOf(shipped, { $type: "shop.orders.OrderShipped", trace: "t-3" }, new Error("warehouse refused")),
      letterOf(created, { $type: "shop.orders.OrderReturned" }, new DecodeError("not a type")),
      letterOf(created, {}, new DecodeError("no header")),
      letterOf(Buffer.from([0xff]), { $type: "shop.orders.OrderCreated" }, new DecodeError("bad bytes")),
    ];
    for (const [offset, out] of letters.entries()) {
      // As the runtime does: the binding's format reads the value (with the record's headers), then the handler runs.
      const value = reader.format!.decode(out.value as Buffer, out.headers);
      expect(value).not.toBeInstanceOf(PendingDecode);
      await reader.handle(value as never, {
        topic: "multi-orders-dlt",
        partition: 0,
        offset: String(offset),
        key: out.key as Buffer,
        headers: out.headers!,
        timestamp: "1",
      });
    }
    expect(got.map((l) => l.value.decoded)).toEqual([true, false, false, false]);
    expect(got[0]!.value).toEqual({
      decoded: true,
      message: { type: "shop.orders.OrderShipped", value: { orderId: "o-3", carrier: "dhl" } },
    });
    expect(got[0]).toMatchObject({ errorMessage: "warehouse refused", originalTopic: "multi-orders" });
    expect(got[0]!.headers).toEqual({ $type: "shop.orders.OrderShipped", trace: "t-3" });
    const raw = got.slice(1).map((l) => l.value as Extract<DeadLetterValue<unknown>, { decoded: false }>);
    expect(raw.map((v) => v.bytes)).toEqual([created, created, Buffer.from([0xff])]);
    expect(raw[0]!.error.message).toMatch(
      /"\$type" header "shop.orders.OrderReturned" is not a type of topic "multi-orders"/,
    );
    expect(raw[1]!.error.message).toMatch(/has no "\$type" header naming its type/);
    expect(raw[2]!.error).toBeInstanceOf(DecodeError);
  });

  it("a value whose writer schema is being fetched stays pending: decoded when it resolves, raw when it never decodes, abandoned when given up", async () => {
    const wait: RegistryWait = { unavailable: () => undefined, sleep: async () => true };
    const codec = { decode: (v: Buffer) => v.toString(), encode: (v: string) => Buffer.from(v) };
    const outcomes: (string | typeof ABANDONED | Error)[] = [
      "ok",
      new DecodeError("writer schema id 9 is the record x"),
      ABANDONED,
    ];
    const format = {
      kind: "routed" as const,
      decode: (value: Buffer) => {
        const outcome = outcomes[value[0]!]!;
        return new PendingDecode<string>(async () => {
          if (outcome instanceof Error) throw outcome;
          return outcome;
        });
      },
    };
    const reader = bindDeadLetters({
      topic: "t-dlt",
      codec,
      format,
      buffer: { maxBufferedMessages: 1, backpressure: "ApplyBackpressure" },
      handler: () => undefined,
    });
    const read = async (byte: number) => {
      const pending = reader.format!.decode(Buffer.from([byte]), {});
      expect(pending).toBeInstanceOf(PendingDecode);
      return (pending as PendingDecode<DeadLetterValue<string>>).wait(wait);
    };
    expect(await read(0)).toEqual({ decoded: true, message: "ok" });
    expect(await read(1)).toMatchObject({ decoded: false, bytes: Buffer.from([1]), error: outcomes[1] });
    expect(await read(2)).toBe(ABANDONED);
  });
});

describe("dead letters of a framed topic", () => {
  it("are read through the topic's format: a single-object letter decodes, and bare Avro bytes in it stay raw with the format's reason", () => {
    const codec = avroCodec<{ id: string }>({
      type: "record",
      name: "Order",
      namespace: "shop",
      fields: [{ name: "id", type: "string" }],
    });
    const reader = bindDeadLetters({
      topic: "orders-dlt",
      codec,
      format: singleObjectFormat(codec, { topic: "orders" }),
      buffer: { maxBufferedMessages: 1, backpressure: "ApplyBackpressure" },
      handler: () => undefined,
    });
    const framed = singleObjectEncoder(codec).encode({ id: "o-1" }) as Buffer;
    expect(reader.format!.decode(framed, {})).toEqual({ decoded: true, message: { id: "o-1" } });
    // The codec alone cannot read the framing: the format is what reads it.
    expect(() => codec.decode(framed)).toThrow();
    const bare = codec.encode({ id: "o-2" });
    expect(reader.format!.decode(bare, {})).toMatchObject({
      decoded: false,
      bytes: bare,
      error: expect.any(DecodeError),
    });
  });
});
