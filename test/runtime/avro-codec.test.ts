import avro from "avsc";
import { describe, expect, it, vi } from "vitest";
import { avroCodec, DecodeError } from "../../runtime/index.js";
import { maxDecimalDigits, readLogicalType } from "../../runtime/avro-representation.js";

const schema = {
  type: "record",
  name: "OrderCreated",
  namespace: "shop",
  fields: [
    { name: "id", type: "string" },
    { name: "amount", type: "long" },
  ],
};

/** Avro's zig-zag varint encoding of a long. */
function varint(n: number): Buffer {
  let z = BigInt(n) >= 0n ? BigInt(n) << 1n : (-BigInt(n) << 1n) - 1n;
  const out: number[] = [];
  do {
    let byte = Number(z & 0x7fn);
    z >>= 7n;
    if (z > 0n) byte |= 0x80;
    out.push(byte);
  } while (z > 0n);
  return Buffer.from(out);
}

function avroString(s: string): Buffer {
  const bytes = Buffer.from(s, "utf8");
  return Buffer.concat([varint(bytes.length), bytes]);
}

function thrownBy(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("avroCodec", () => {
  it("round-trips values", () => {
    const codec = avroCodec<{ id: string; amount: number }>(schema);
    const bytes = codec.encode({ id: "o-1", amount: 42 });
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(codec.decode(bytes)).toEqual({ id: "o-1", amount: 42 });
  });

  it("builds the avsc type once, not per record", () => {
    const codec = avroCodec<{ id: string; amount: number }>(schema);
    const spy = vi.spyOn(avro.Type, "forSchema");
    for (let i = 0; i < 5; i++) codec.decode(codec.encode({ id: `o-${i}`, amount: i }));
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it("throws a DecodeError (not retriable) on malformed or trailing bytes", () => {
    const codec = avroCodec<{ id: string; amount: number }>(schema);
    const good = codec.encode({ id: "o-1", amount: 1 });
    for (const bad of [Buffer.from([0xff, 0xff, 0xff]), Buffer.concat([good, Buffer.from([1])])]) {
      const thrown = thrownBy(() => codec.decode(bad));
      expect(thrown).toBeInstanceOf(DecodeError);
      expect(thrown).toMatchObject({ retriable: false, topic: undefined });
      expect((thrown as DecodeError).message).toContain("shop.OrderCreated");
      expect((thrown as DecodeError).cause).toBeDefined();
    }
  });

  it("DecodeError.at adds the record position", () => {
    const error = DecodeError.at(new DecodeError("invalid payload", { cause: "x" }), {
      topic: "t",
      partition: 2,
      offset: "9",
    });
    expect(error).toMatchObject({
      topic: "t",
      partition: 2,
      offset: "9",
      message: "invalid payload (t[2]@9)",
      cause: "x",
    });
    expect(DecodeError.at(error, { topic: "t", partition: 2, offset: "9" }).message).toBe("invalid payload (t[2]@9)");
    expect(DecodeError.at(new TypeError("nope"), { topic: "t", partition: 0, offset: "1" }).message).toBe(
      "cannot decode record: nope (t[0]@1)",
    );
  });

  it("decodes records as their fields only (no avsc methods on the prototype)", () => {
    const decoded = avroCodec<object>(schema).decode(avroCodec<object>(schema).encode({ id: "a", amount: 1 }));
    expect(Object.keys(decoded)).toEqual(["id", "amount"]);
    expect("toBuffer" in decoded).toBe(false);
  });
});

describe("encoding a value that is not of the schema", () => {
  const codec = avroCodec<unknown>({
    type: "record",
    name: "OrderCreated",
    namespace: "shop",
    fields: [
      { name: "orderId", type: "string" },
      { name: "amount", type: { type: "bytes", logicalType: "decimal", precision: 10, scale: 2 } },
      {
        name: "items",
        type: {
          type: "array",
          items: {
            type: "record",
            name: "Item",
            fields: [
              { name: "sku", type: "string" },
              { name: "qty", type: "int" },
            ],
          },
        },
      },
      { name: "status", type: { type: "enum", name: "Status", symbols: ["OPEN", "CLOSED"] } },
      { name: "note", type: ["null", "string"], default: null },
      { name: "sequence", type: "long" },
    ],
  });
  const valid = {
    orderId: "o-1",
    amount: "12.50",
    items: [{ sku: "s-1", qty: 1 }],
    status: "OPEN",
    note: null,
    sequence: 7,
  };

  it("throws naming the type, the field's path, the value and what the field takes; avsc's error is the cause", () => {
    const cases: [value: unknown, message: string][] = [
      [{ ...valid, orderId: 5 }, "orderId is 5, not a string"],
      [{ ...valid, items: [valid.items[0], { sku: "s-2", qty: "2" }] }, 'items.1.qty is "2", not an int'],
      [{ ...valid, status: "SHIPPED" }, 'status is "SHIPPED", not a shop.Status'],
      [{ ...valid, note: 7 }, "note is 7, not null or a string"],
      [{ ...valid, sequence: 2 ** 60 }, "sequence is 1152921504606847000, not an integer within ±(2^53 − 1)"],
      [{ ...valid, sequence: undefined }, "sequence is missing, not an integer within ±(2^53 − 1)"],
      ["an order", 'the value is "an order", not a shop.OrderCreated'],
      [null, "the value is null, not a shop.OrderCreated"],
      // A logical type's own reason is kept, after the path.
      [{ ...valid, amount: "1.001" }, "amount: decimal 1.001 has more than 2 digits after the point"],
    ];
    expect(codec.encode(valid).length).toBeGreaterThan(0);
    for (const [value, message] of cases) {
      const thrown = thrownBy(() => codec.encode(value)) as Error;
      expect(thrown.message, message).toBe(`cannot encode shop.OrderCreated: ${message}`);
      expect(thrown.cause).toBeInstanceOf(Error);
    }
  });
});

describe('maps: a key "__proto__" in decoded data', () => {
  // map<map<int>> holding { "__proto__": { "polluted": 1 } }, written byte by byte (not by avsc).
  const nested = Buffer.concat([
    varint(1),
    avroString("__proto__"),
    varint(1),
    avroString("polluted"),
    varint(1),
    varint(0),
    varint(0),
  ]);

  it("replaces the prototype with stock avsc (why the runtime decodes maps itself)", () => {
    const stock = avro.Type.forSchema({ type: "map", values: { type: "map", values: "int" } }).fromBuffer(
      nested,
    ) as Record<string, unknown>;
    expect(Object.keys(stock)).toEqual([]);
    expect((stock as { polluted?: number }).polluted).toBe(1);
  });

  it("is an own property and leaves the prototype alone", () => {
    const codec = avroCodec<Record<string, Record<string, number>>>({
      type: "map",
      values: { type: "map", values: "int" },
    });
    const decoded = codec.decode(nested);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(["__proto__"]);
    expect(Object.getOwnPropertyDescriptor(decoded, "__proto__")?.value).toEqual({ polluted: 1 });
    expect((decoded as { polluted?: number }).polluted).toBeUndefined();
    expect(({} as { polluted?: number }).polluted).toBeUndefined();
    // Encoding it again gives the same bytes: the key survives a round trip.
    expect(codec.encode(decoded).equals(nested)).toBe(true);
  });

  it('keeps a "__proto__" key with a plain value, also in a block with a byte size', () => {
    const codec = avroCodec<Record<string, string>>({ type: "map", values: "string" });
    const entries = Buffer.concat([avroString("__proto__"), avroString("x"), avroString("a"), avroString("y")]);
    // A negative count is followed by the block's size in bytes.
    const bytes = Buffer.concat([varint(-2), varint(entries.length), entries, varint(0)]);
    const decoded = codec.decode(bytes);
    expect(Object.keys(decoded)).toEqual(["__proto__", "a"]);
    expect(decoded["a"]).toBe("y");
    expect(Object.getOwnPropertyDescriptor(decoded, "__proto__")?.value).toBe("x");
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
  });
});

describe("long", () => {
  it("stock avsc corrupts negative longs below -2^52 (why the runtime has its own long)", () => {
    const stock = avro.Type.forSchema("long");
    expect(stock.fromBuffer(stock.toBuffer(-(2 ** 52) - 1))).toBe(2 ** 52);
  });

  const bigint = avroCodec<bigint>({ type: "long", "kefgen.long": "bigint" });
  const number = avroCodec<number>({ type: "long" });

  it("is a number, exact within ±(2^53 − 1); beyond, decoding fails with a DecodeError that says what to do", () => {
    // Around ±2^52 and ±2^53 stock avsc turns negative values into wrong positive ones; these must be exact.
    const edges = [
      0,
      1,
      -1,
      2 ** 31,
      -(2 ** 31),
      2 ** 48,
      -(2 ** 48),
      2 ** 52 - 1,
      2 ** 52,
      2 ** 52 + 1,
      Number.MAX_SAFE_INTEGER - 1,
      Number.MAX_SAFE_INTEGER,
    ];
    for (const n of [...edges, ...edges.map((e) => 0 - e)]) {
      expect(number.decode(number.encode(n)), `${n}`).toBe(n);
      expect(number.encode(n).equals(bigint.encode(BigInt(n))), `bytes of ${n}`).toBe(true);
      expect(number.decode(bigint.encode(BigInt(n))), `${n} written as a bigint`).toBe(n);
    }
    for (const n of [2n ** 53n, -(2n ** 53n), 2n ** 60n, -(2n ** 63n)]) {
      const thrown = thrownBy(() => number.decode(bigint.encode(n)));
      expect(thrown, `${n}`).toBeInstanceOf(DecodeError);
      expect((thrown as Error).message).toContain("beyond ±9007199254740991");
      expect((thrown as Error).message).toContain('"kefgen.long": "bigint"');
    }
    for (const bad of [2 ** 53, -(2 ** 53), 1.5, Number.NaN])
      expect(() => number.encode(bad), `${bad}`).toThrow(/not an integer within/);
  });

  it('is a bigint over the whole 64-bit range with "kefgen.long": "bigint", with the same bytes as a number', () => {
    for (const n of [0n, 1n, -1n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n)]) {
      expect(bigint.decode(bigint.encode(n))).toBe(n);
    }
    expect(bigint.encode(123456789n).equals(number.encode(123456789))).toBe(true);
    expect(() => bigint.encode(2n ** 63n)).toThrow();
    expect(() => bigint.encode(5 as unknown as bigint)).toThrow();
  });
});

describe("logical types", () => {
  it("decimal (bytes): a string with exactly `scale` digits after the point", () => {
    const codec = avroCodec<string>({ type: "bytes", logicalType: "decimal", precision: 6, scale: 2 });
    expect(codec.decode(codec.encode("1234.5"))).toBe("1234.50");
    expect(codec.decode(codec.encode("-0.07"))).toBe("-0.07");
    expect(codec.decode(codec.encode("0"))).toBe("0.00");
    expect(codec.decode(codec.encode("-0"))).toBe("0.00");
    expect(codec.decode(codec.encode("1.230"))).toBe("1.23");
    // Unscaled -1 is one byte 0xff; 128 needs two bytes (0x00 0x80): minimal two's complement.
    expect(codec.encode("-0.01").equals(Buffer.from([2, 0xff]))).toBe(true);
    expect(codec.encode("1.28").equals(Buffer.from([4, 0x00, 0x80]))).toBe(true);
    expect(() => codec.encode("1.234")).toThrow(/more than 2 digits after the point/);
    // More digits than the precision: written as read (see the decimal rule in docs/language.md).
    expect(codec.decode(codec.encode("12345.6"))).toBe("12345.60");
    for (const bad of ["1e3", " 1", "1.", ".5", "+1", 12 as unknown as string])
      expect(() => codec.encode(bad), String(bad)).toThrow(/must be a string like/);
    const whole = avroCodec<string>({ type: "bytes", logicalType: "decimal", precision: 30 });
    expect(whole.decode(whole.encode("-123456789012345678901234567890"))).toBe("-123456789012345678901234567890");
  });

  it("decimal (fixed): two's complement in exactly `size` bytes; the precision is bounded by the size", () => {
    const codec = avroCodec<string>({
      type: "fixed",
      name: "D",
      size: 2,
      logicalType: "decimal",
      precision: 4,
      scale: 1,
    });
    expect(codec.encode("-0.1").equals(Buffer.from([0xff, 0xff]))).toBe(true);
    expect(codec.decode(Buffer.from([0x7f, 0xff]))).toBe("3276.7");
    expect(codec.decode(Buffer.from([0x80, 0x00]))).toBe("-3276.8");
    expect(codec.decode(codec.encode("999.9"))).toBe("999.9");
    // 5 digits, beyond the precision 4 but within the 2 bytes: decode → encode gives the bytes back; 3276.8 does not fit.
    expect(codec.encode("3276.7").equals(Buffer.from([0x7f, 0xff]))).toBe(true);
    expect(codec.encode("-3276.8").equals(Buffer.from([0x80, 0x00]))).toBe(true);
    expect(() => codec.encode("3276.8")).toThrow(/does not fit in a fixed of 2 bytes/);
    expect(maxDecimalDigits(2)).toBe(4);
    expect(maxDecimalDigits(8)).toBe(18);
    expect(readLogicalType({ type: "fixed", size: 2, logicalType: "decimal", precision: 5 })).toMatchObject({
      status: "ignored",
    });
  });

  it("uuid: a string; on a fixed of 16 bytes, the lowercase 8-4-4-4-12 form", () => {
    const text = avroCodec<string>({ type: "string", logicalType: "uuid" });
    expect(text.decode(text.encode("not checked"))).toBe("not checked");
    const fixed = avroCodec<string>({ type: "fixed", name: "U", size: 16, logicalType: "uuid" });
    const id = "123E4567-E89B-12D3-A456-426614174000";
    expect(fixed.encode(id).toString("hex")).toBe("123e4567e89b12d3a456426614174000");
    expect(fixed.decode(fixed.encode(id))).toBe(id.toLowerCase());
    expect(() => fixed.encode("123e4567")).toThrow(/uuid stored in a fixed/);
  });

  it("date: a Date at midnight UTC", () => {
    const codec = avroCodec<Date>({ type: "int", logicalType: "date" });
    expect(codec.decode(codec.encode(new Date("2024-02-29T00:00:00Z")))).toEqual(new Date("2024-02-29T00:00:00Z"));
    expect(codec.encode(new Date("1969-12-31T00:00:00Z")).equals(avroCodec<number>({ type: "int" }).encode(-1))).toBe(
      true,
    );
    expect(() => codec.encode(new Date("2024-02-29T12:00:00Z"))).toThrow(/midnight UTC/);
    expect(() => codec.encode(new Date(NaN))).toThrow(/midnight UTC/);
    // 200 million days is beyond what a Date holds: a decode error, not an Invalid Date.
    expect(thrownBy(() => codec.decode(avroCodec<number>({ type: "int" }).encode(200_000_000)))).toBeInstanceOf(
      DecodeError,
    );
  });

  it("timestamp-millis and local-timestamp-millis: a Date", () => {
    for (const logicalType of ["timestamp-millis", "local-timestamp-millis"]) {
      const codec = avroCodec<Date>({ type: "long", logicalType });
      const at = new Date("2024-05-06T07:08:09.123Z");
      expect(codec.decode(codec.encode(at))).toEqual(at);
      // The earliest Date is below -2^52 ms, where stock avsc's long would come back positive.
      for (const edge of [new Date(-8.64e15), new Date(8.64e15)])
        expect(codec.decode(codec.encode(edge))).toEqual(edge);
      expect(codec.encode(at).equals(avroCodec<number>({ type: "long" }).encode(at.getTime()))).toBe(true);
      expect(() => codec.encode(at.getTime() as unknown as Date)).toThrow(/valid Date/);
      expect(thrownBy(() => codec.decode(avroCodec<number>({ type: "long" }).encode(9e15)))).toBeInstanceOf(
        DecodeError,
      );
    }
  });

  it("duration: { months, days, milliseconds }, three little-endian unsigned 32-bit counts", () => {
    const codec = avroCodec<{ months: number; days: number; milliseconds: number }>({
      type: "fixed",
      name: "Span",
      size: 12,
      logicalType: "duration",
    });
    const value = { months: 1, days: 2, milliseconds: 4294967295 };
    expect(codec.encode(value).toString("hex")).toBe("0100000002000000ffffffff");
    expect(codec.decode(codec.encode(value))).toEqual(value);
    for (const bad of [
      { months: -1, days: 0, milliseconds: 0 },
      { months: 1.5, days: 0, milliseconds: 0 },
      { months: 0, days: 0 },
    ]) {
      expect(() => codec.encode(bad as typeof value)).toThrow(/a duration must be/);
    }
  });

  it("time-millis, time-micros, timestamp-micros, local-timestamp-micros and unknown logical types keep the underlying value", () => {
    for (const s of [
      { type: "int", logicalType: "time-millis" },
      { type: "long", logicalType: "time-micros" },
      { type: "long", logicalType: "timestamp-micros" },
      { type: "long", logicalType: "local-timestamp-micros" },
      { type: "long", logicalType: "epoch-seconds" },
    ]) {
      const codec = avroCodec<number>(s);
      expect(codec.decode(codec.encode(86_399_999))).toBe(86_399_999);
    }
    expect(readLogicalType({ type: "long", logicalType: "epoch-seconds" })).toEqual({
      status: "unknown",
      name: "epoch-seconds",
    });
    expect(readLogicalType({ type: "long" })).toBeUndefined();
  });

  it("a logical type used against the spec is read as its underlying type", () => {
    const cases: [object, unknown][] = [
      [{ type: "bytes", logicalType: "decimal", precision: 2, scale: 3 }, Buffer.from([1, 2])],
      [{ type: "long", logicalType: "date" }, 5],
      [{ type: "int", logicalType: "timestamp-millis" }, 5],
      [{ type: "bytes", logicalType: "uuid" }, Buffer.from([1])],
      [{ type: "fixed", name: "F", size: 8, logicalType: "duration" }, Buffer.alloc(8, 1)],
    ];
    for (const [s, value] of cases) {
      expect(readLogicalType(s), JSON.stringify(s)).toMatchObject({ status: "ignored" });
      const codec = avroCodec<unknown>(s);
      expect(codec.decode(codec.encode(value))).toEqual(value);
    }
  });
});

describe("unions", () => {
  const cases: { union: unknown[]; wrapped: boolean; values: unknown[] }[] = [
    { union: ["null", "string"], wrapped: false, values: [null, "a"] },
    {
      union: [
        "null",
        "int",
        "string",
        "boolean",
        "bytes",
        { type: "array", items: "int" },
        { type: "map", values: "int" },
      ],
      wrapped: false,
      values: [null, 1, "a", true, Buffer.from([1]), [1], { a: 1 }],
    },
    { union: ["int", { type: "long", "kefgen.long": "bigint" }], wrapped: false, values: [1, 2n] },
    {
      union: ["null", { type: "long", logicalType: "timestamp-millis" }, "string"],
      wrapped: false,
      values: [null, new Date(5), "x"],
    },
    { union: ["int", "long"], wrapped: true, values: [{ int: 1 }, { long: 2 }] },
    {
      union: ["string", { type: "enum", name: "E", symbols: ["A"] }],
      wrapped: true,
      values: [{ string: "A" }, { E: "A" }],
    },
    // A Date is an object, like a record: avsc's own rule would leave these bare and then fail to encode a Date.
    {
      union: [
        { type: "record", name: "R", fields: [] },
        { type: "long", logicalType: "timestamp-millis" },
      ],
      wrapped: true,
      values: [{ R: {} }, { long: new Date(5) }],
    },
    // A decimal is a string.
    {
      union: [{ type: "bytes", logicalType: "decimal", precision: 3, scale: 1 }, "string"],
      wrapped: true,
      values: [{ bytes: "1.5" }, { string: "1.5" }],
    },
    {
      union: [{ type: "fixed", name: "F", size: 1 }, "bytes"],
      wrapped: true,
      values: [{ F: Buffer.from([1]) }, { bytes: Buffer.from([]) }],
    },
  ];

  for (const c of cases) {
    it(`${JSON.stringify(c.union)} holds ${c.wrapped ? "wrapped" : "bare"} values`, () => {
      const codec = avroCodec<unknown>({ type: "record", name: "Holder", fields: [{ name: "value", type: c.union }] });
      const type = (codec.type as unknown as { fields: { type: avro.Type }[] }).fields[0]!.type;
      expect(type).toBeInstanceOf(c.wrapped ? avro.types.WrappedUnionType : avro.types.UnwrappedUnionType);
      for (const value of c.values) {
        const decoded = codec.decode(codec.encode({ value })) as { value: unknown };
        expect(decoded.value).toEqual(value);
      }
    });
  }
});
