// Multi-type topics in the runtime (runtime/routed-format.ts, runtime/routed-producer.ts): a header route decodes each
// record as the member its header names; a schema route as the member whose record the writer schema is (against the
// development registry); anything else is a DecodeError. Member handlers, the union's encoder, the header the
// producer sets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevRegistry, type DevRegistry } from "../../scripts/registry/server.js";
import { avroCodec } from "../../runtime/avro-codec.js";
import { PendingDecode, type RegistryWait } from "../../runtime/confluent-format.js";
import { avroEncoder } from "../../runtime/encoders.js";
import { DecodeError } from "../../runtime/errors.js";
import { SchemaRegistryClient } from "../../runtime/registry-client.js";
import {
  headerRoute,
  routeHandlers,
  routedCodec,
  routedEncoder,
  schemaRoute,
  type OneOf,
} from "../../runtime/routed-format.js";
import { TopicConsumer } from "../../runtime/topic-consumer.js";
import type { MessageContext } from "../../runtime/types.js";

interface Created {
  orderId: string;
  total: number;
}
interface Cancelled {
  orderId: string;
  reason: string | null;
}
type Orders = OneOf<{ "shop.OrderCreated": Created; "shop.OrderCancelled": Cancelled }>;

const createdSchema = {
  type: "record",
  name: "OrderCreated",
  namespace: "shop",
  fields: [
    { name: "orderId", type: "string" },
    { name: "total", type: "int" },
  ],
};
const cancelledSchema = {
  type: "record",
  name: "OrderCancelled",
  namespace: "shop",
  fields: [
    { name: "orderId", type: "string" },
    { name: "reason", type: ["null", "string"], default: null },
  ],
};
const created = avroCodec<Created>(createdSchema);
const cancelled = avroCodec<Cancelled>(cancelledSchema);
const members = [
  { type: "shop.OrderCreated", codec: created },
  { type: "shop.OrderCancelled", codec: cancelled },
];

const noWait: RegistryWait = {
  unavailable: () => {
    throw new Error("the registry should be reachable");
  },
  sleep: async () => true,
};

async function settle<T>(result: T | PendingDecode<T>): Promise<unknown> {
  return result instanceof PendingDecode ? await result.wait(noWait) : result;
}

describe("headerRoute", () => {
  const route = headerRoute<{ "shop.OrderCreated": Created; "shop.OrderCancelled": Cancelled }>({
    topic: "orders",
    header: "$type",
    members,
  });

  it("decodes each record as the member its header names, given as a string or as bytes", () => {
    expect(route.decode(created.encode({ orderId: "o-1", total: 3 }), { $type: "shop.OrderCreated" })).toEqual({
      type: "shop.OrderCreated",
      value: { orderId: "o-1", total: 3 },
    });
    expect(
      route.decode(cancelled.encode({ orderId: "o-2", reason: "late" }), { $type: Buffer.from("shop.OrderCancelled") }),
    ).toEqual({ type: "shop.OrderCancelled", value: { orderId: "o-2", reason: "late" } });
    // A header repeated with the same value names one type.
    expect(
      route.decode(cancelled.encode({ orderId: "o-3", reason: null }), {
        $type: ["shop.OrderCancelled", Buffer.from("shop.OrderCancelled")],
      }),
    ).toEqual({ type: "shop.OrderCancelled", value: { orderId: "o-3", reason: null } });
  });

  it("refuses a record without the header, with a type that is no member, or with two types", () => {
    const bytes = created.encode({ orderId: "o-1", total: 3 });
    expect(() => route.decode(bytes, {})).toThrow(DecodeError);
    expect(() => route.decode(bytes)).toThrow(
      /has no "\$type" header naming its type \(one of shop.OrderCreated, shop.OrderCancelled\)/,
    );
    expect(() => route.decode(bytes, { $type: "shop.OrderShipped" })).toThrow(
      /"\$type" header "shop.OrderShipped" is not a type of topic "orders"/,
    );
    expect(() => route.decode(bytes, { $type: ["shop.OrderCreated", "shop.OrderCancelled"] })).toThrow(
      /2 "\$type" headers naming different types/,
    );
    // The header is read by its exact name.
    expect(() => route.decode(bytes, { type: "shop.OrderCreated" })).toThrow(DecodeError);
  });

  it("reads another header when told to", () => {
    const byKind = headerRoute({ topic: "orders", header: "kind", members });
    expect(byKind.decode(created.encode({ orderId: "o", total: 1 }), { kind: "shop.OrderCreated" })).toMatchObject({
      type: "shop.OrderCreated",
    });
    expect(() => byKind.decode(created.encode({ orderId: "o", total: 1 }), { $type: "shop.OrderCreated" })).toThrow(
      /no "kind" header/,
    );
  });
});

describe("schemaRoute", () => {
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

  it("routes by the writer schema's record name, reads through schema resolution, and refuses other records", async () => {
    const client = new SchemaRegistryClient({ name: "dev", url: registry.url });
    const createdId = await client.register("orders-shop.OrderCreated", JSON.stringify(createdSchema));
    // An older writer of OrderCancelled without `reason`: resolved against the reader, reason gets its default.
    const cancelledV1 = {
      type: "record",
      name: "OrderCancelled",
      namespace: "shop",
      fields: [{ name: "orderId", type: "string" }],
    };
    const cancelledV1Id = await client.register("orders-shop.OrderCancelled", JSON.stringify(cancelledV1));
    const shippedId = await client.register(
      "orders-shop.OrderShipped",
      JSON.stringify({
        type: "record",
        name: "OrderShipped",
        namespace: "shop",
        fields: [{ name: "orderId", type: "string" }],
      }),
    );
    const route = schemaRoute<{ "shop.OrderCreated": Created; "shop.OrderCancelled": Cancelled }>({
      registry: client,
      topic: "orders",
      members,
    });
    const first = route.decode(frame(createdId, created.encode({ orderId: "o-1", total: 7 })));
    expect(first).toBeInstanceOf(PendingDecode);
    expect(await settle(first)).toEqual({ type: "shop.OrderCreated", value: { orderId: "o-1", total: 7 } });
    // Known now: synchronous.
    expect(route.decode(frame(createdId, created.encode({ orderId: "o-2", total: 8 })))).toEqual({
      type: "shop.OrderCreated",
      value: { orderId: "o-2", total: 8 },
    });
    const v1 = avroCodec<{ orderId: string }>(cancelledV1);
    expect(await settle(route.decode(frame(cancelledV1Id, v1.encode({ orderId: "o-3" }))))).toEqual({
      type: "shop.OrderCancelled",
      value: { orderId: "o-3", reason: null },
    });
    await expect(settle(route.decode(frame(shippedId, v1.encode({ orderId: "o-4" }))))).rejects.toThrow(
      /writer schema id \d+ is the record shop.OrderShipped, not a type of topic "orders"/,
    );
    // Still refused once known, synchronously.
    expect(() => route.decode(frame(shippedId, v1.encode({ orderId: "o-5" })))).toThrow(DecodeError);
    await expect(settle(route.decode(frame(999_999, v1.encode({ orderId: "o-6" }))))).rejects.toThrow(
      /writer schema id 999999 is not in registry "dev"/,
    );
    expect(() => route.decode(Buffer.from([1, 0, 0, 0, 1, 0]))).toThrow(/not a Confluent-framed value/);
  });
});

describe("member handlers, the union's codec and encoder", () => {
  const context = {} as MessageContext<null>;

  it("routeHandlers calls the member's handler with its value, and passes a function or a TopicConsumer as it is", async () => {
    const seen: string[] = [];
    const handler = routeHandlers<Orders, null>(
      {
        OrderCreated: (o: Created) => void seen.push(`created ${o.orderId}`),
        OrderCancelled: (o: Cancelled) => void seen.push(`cancelled ${o.orderId}`),
      },
      { "shop.OrderCreated": "OrderCreated", "shop.OrderCancelled": "OrderCancelled" },
    );
    expect(typeof handler).toBe("function");
    const call = handler as (m: Orders, c: MessageContext<null>) => void;
    call({ type: "shop.OrderCancelled", value: { orderId: "c", reason: null } }, context);
    call({ type: "shop.OrderCreated", value: { orderId: "a", total: 1 } }, context);
    expect(seen).toEqual(["cancelled c", "created a"]);

    const fn = (_m: Orders) => undefined;
    expect(routeHandlers<Orders, null>(fn, {})).toBe(fn);
    class Consumer extends TopicConsumer<Orders, null> {
      readonly topic = "orders";
      handle(): void {}
    }
    const consumer = new Consumer();
    expect(routeHandlers<Orders, null>(consumer, { "shop.OrderCreated": "OrderCreated" })).toBe(consumer);
    expect(() =>
      routeHandlers<Orders, null>({ OrderCreated: () => undefined }, { "shop.OrderCancelled": "OrderCancelled" }),
    ).toThrow(/the handler of OrderCancelled \(shop.OrderCancelled\) is not a function/);
  });

  it("routedEncoder and routedCodec encode each value with its member's codec; the codec refuses to decode", () => {
    const encoder = routedEncoder<Orders>("orders", {
      "shop.OrderCreated": avroEncoder(created),
      "shop.OrderCancelled": avroEncoder(cancelled),
    });
    const bytes = encoder.encode({ type: "shop.OrderCancelled", value: { orderId: "c", reason: "x" } }) as Buffer;
    expect(cancelled.decode(bytes)).toEqual({ orderId: "c", reason: "x" });
    expect(() => encoder.encode({ type: "shop.Other", value: {} } as unknown as Orders)).toThrow(/not a type of topic/);
    const codec = routedCodec<{ "shop.OrderCreated": Created; "shop.OrderCancelled": Cancelled }>("orders", members);
    expect(created.decode(codec.encode({ type: "shop.OrderCreated", value: { orderId: "a", total: 2 } }))).toEqual({
      orderId: "a",
      total: 2,
    });
    expect(() => codec.decode(bytes)).toThrow(DecodeError);
  });
});
