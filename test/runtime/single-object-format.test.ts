import { describe, expect, it } from "vitest";
import {
  avroCodec,
  DecodeError,
  encodeSingleObject,
  parsingCanonicalForm,
  schemaFingerprint,
  singleObjectFormat,
} from "../../runtime/index.js";

const v1 = {
  type: "record",
  name: "Order",
  namespace: "shop",
  fields: [
    { name: "id", type: "string" },
    { name: "amount", type: "int" },
  ],
};
const v2 = {
  type: "record",
  name: "Order",
  namespace: "shop",
  doc: "v2",
  fields: [
    { name: "id", type: "string", doc: "the id" },
    { name: "amount", type: "double" },
    { name: "priority", type: { type: "int" }, default: 5 },
  ],
};

describe("parsingCanonicalForm", () => {
  it("keeps only what parsing needs, in the specification's order, with full names and simple primitives", () => {
    expect(parsingCanonicalForm(v2)).toBe(
      '{"name":"shop.Order","type":"record","fields":[{"name":"id","type":"string"},{"name":"amount","type":"double"},{"name":"priority","type":"int"}]}',
    );
    expect(parsingCanonicalForm({ type: "fixed", size: 16, name: "Id", namespace: "" })).toBe(
      '{"name":"Id","type":"fixed","size":16}',
    );
    expect(
      parsingCanonicalForm({
        type: "array",
        items: { type: "map", values: { type: "long", logicalType: "timestamp-millis" } },
      }),
    ).toBe('{"type":"array","items":{"type":"map","values":"long"}}');
  });
  it("gives schemas that differ only in docs, defaults and whitespace one fingerprint, and other schemas others", () => {
    const plain = { ...v2, doc: undefined, fields: v2.fields.map((f) => ({ name: f.name, type: f.type })) };
    expect(schemaFingerprint(plain)).toBe(schemaFingerprint(v2));
    expect(schemaFingerprint(v1)).not.toBe(schemaFingerprint(v2));
  });
});

describe("singleObjectFormat", () => {
  const reader = avroCodec<{ id: string; amount: number; priority: number }>(v2);
  const writer = avroCodec<{ id: string; amount: number }>(v1);
  const format = singleObjectFormat(reader, { topic: "orders", writers: [{ name: "order.v1.avsc", schema: v1 }] });

  it("reads the reader's own records and a known writer's, resolved", () => {
    expect(format.decode(encodeSingleObject(reader, { id: "a", amount: 1.5, priority: 1 }))).toEqual({
      id: "a",
      amount: 1.5,
      priority: 1,
    });
    expect(format.decode(encodeSingleObject(writer, { id: "b", amount: 7 }))).toEqual({
      id: "b",
      amount: 7,
      priority: 5,
    });
  });

  it("names the fingerprint and the known writers when the writer is unknown", () => {
    const other = avroCodec<{ id: string }>({
      type: "record",
      name: "Order",
      namespace: "shop",
      fields: [{ name: "id", type: "string" }],
    });
    const bytes = encodeSingleObject(other, { id: "c" });
    const fp = bytes.readBigUInt64LE(2).toString(16).padStart(16, "0");
    expect(() => format.decode(bytes)).toThrow(DecodeError);
    expect(() => format.decode(bytes)).toThrow(new RegExp(`fingerprint ${fp} .*order\\.v1\\.avsc`));
  });

  it("refuses values that are not single-object encoded, truncated, or followed by trailing bytes", () => {
    const good = encodeSingleObject(writer, { id: "d", amount: 2 });
    expect(() => format.decode(Buffer.from([0xc3, 0x01, 1, 2]))).toThrow(/at least 10 bytes/);
    expect(() => format.decode(Buffer.concat([Buffer.from([0, 1]), good.subarray(2)]))).toThrow(
      /not a single-object value/,
    );
    expect(() => format.decode(good.subarray(0, good.length - 1))).toThrow(DecodeError);
    expect(() => format.decode(Buffer.concat([good, Buffer.from([0])]))).toThrow(/1 trailing bytes/);
  });

  it("refuses a declared writer the reader cannot read, as a decode error naming it", () => {
    const bad = { type: "record", name: "Order", namespace: "shop", fields: [{ name: "id", type: "long" }] };
    const strict = singleObjectFormat(reader, { topic: "orders", writers: [{ name: "bad.avsc", schema: bad }] });
    const bytes = encodeSingleObject(avroCodec<{ id: number }>(bad), { id: 1 });
    expect(() => strict.decode(bytes)).toThrow(
      /writer schema bad\.avsc cannot be read as the reader schema shop\.Order/,
    );
  });
});
