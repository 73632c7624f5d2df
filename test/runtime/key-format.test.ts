// Unit tests of the key formats (runtime/key-format.ts) and of the key subjects of Confluent framing.
import { describe, expect, it } from "vitest";
import { avroCodec, avroKey, bytesKey, DecodeError, noKey, stringKey, subjectName } from "kefgen/runtime";

describe("key formats", () => {
  it("string keys are exact UTF-8: a leading U+FEFF is kept, invalid bytes are a DecodeError (never U+FFFD)", () => {
    expect(stringKey.decode(Buffer.from("\uFEFFé漢字\u{1F600}", "utf8"))).toBe("\uFEFFé漢字\u{1F600}");
    expect(stringKey.decode(Buffer.alloc(0))).toBe("");
    expect(() => stringKey.decode(Buffer.from([0x61, 0xc3]))).toThrow(DecodeError);
    expect(() => stringKey.decode(Buffer.from([0xed, 0xa0, 0x80]))).toThrow(/not valid UTF-8/); // a lone surrogate
  });

  it("bytes keys are the bytes, none keys are always null, Avro keys decode with the codec", () => {
    const raw = Buffer.from([0, 255]);
    expect(bytesKey.decode(raw)).toBe(raw);
    expect(noKey.decode(raw)).toBeNull();
    const codec = avroCodec<{ id: number }>({ type: "record", name: "Id", fields: [{ name: "id", type: "long" }] });
    expect(avroKey(codec).decode(codec.encode({ id: 42 }))).toEqual({ id: 42 });
    expect(() => avroKey(codec).decode(Buffer.from([0x80]))).toThrow();
  });

  it("key subjects follow the strategies: <topic>-key, the record name, <topic>-<record>", () => {
    expect(subjectName("topic", "users", "shop.UserId", "key")).toBe("users-key");
    expect(subjectName("topic", "users", "shop.User")).toBe("users-value");
    expect(subjectName("record", "users", "shop.UserId", "key")).toBe("shop.UserId");
    expect(subjectName("topicRecord", "users", "shop.UserId", "key")).toBe("users-shop.UserId");
    expect(subjectName("topicRecord", "users", undefined, "key")).toBe("users-key");
  });
});
