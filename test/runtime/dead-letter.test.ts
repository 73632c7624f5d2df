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
import { bindDeadLetters, NotADeadLetterError, readDeadLetter } from "../../runtime/dead-letter-reader.js";

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
