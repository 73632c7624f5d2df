// readerOf: the one place the runtime builds a resolver for a writer schema (Confluent and single-object formats).
// Named types match by full name or alias, then by simple name as Java Avro 1.12 resolves them (Java decodes a record
// whose namespace moved), but never by simple name when two named types of the reader share one.
import { describe, expect, it } from "vitest";
import { avroCodec } from "../../runtime/avro-codec.js";
import { readerOf } from "../../runtime/writer-resolver.js";

const order = (namespace: string, extra: unknown[] = []) => ({
  type: "record",
  name: "Order",
  namespace,
  fields: [
    { name: "id", type: "string" },
    { name: "line", type: { type: "record", name: "Line", fields: [{ name: "qty", type: "int" }] } },
    ...extra,
  ],
});

describe("readerOf", () => {
  it("reads a record whose writer used another namespace, nested named types included", () => {
    const writer = avroCodec<unknown>(order("com.acme.v1"));
    const reader = avroCodec<unknown>(order("com.acme.v2"));
    const value = { id: "a-1", line: { qty: 3 } };
    expect(reader.type.fromBuffer(writer.encode(value), readerOf(reader.type, writer.type))).toEqual(value);
  });

  it("matches full names only when two named types of the reader share a simple name", () => {
    const other = {
      name: "legacy",
      type: { type: "record", name: "Order", namespace: "old", fields: [{ name: "n", type: "int" }] },
    };
    const writer = avroCodec<unknown>(
      order("com.acme.v1", [{ ...other, type: { ...other.type, namespace: "older" } }]),
    );
    const reader = avroCodec<unknown>(order("com.acme.v2", [other]));
    expect(() => readerOf(reader.type, writer.type)).toThrow(/no alias found for com\.acme\.v1\.Order/);
  });

  it("still refuses what cannot be resolved, with the strict error", () => {
    const writer = avroCodec<unknown>({
      type: "record",
      name: "Order",
      namespace: "a",
      fields: [{ name: "id", type: "int" }],
    });
    const reader = avroCodec<unknown>({
      type: "record",
      name: "Order",
      namespace: "b",
      fields: [{ name: "id", type: "string" }],
    });
    expect(() => readerOf(reader.type, writer.type)).toThrow();
  });
});
