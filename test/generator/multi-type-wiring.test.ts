// The generated wiring of fixtures/valid/multi-type runs in kefgen/testing, without a broker: members fed with their
// $type header (TestKit.feedMember) and sent by the generated producers reach their handlers, one per member or the
// { type, value } union; a record of an unknown type, one without the header and one with its type under the wrong
// header name are dead-lettered (multi-orders) or stop their partition (multi-order-events has no dead-letter topic).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDeadLetterHeaders } from "../../runtime/dead-letter.js";
import { ConsumerRuntime } from "../../runtime/runtime.js";
import { TestKit } from "../../runtime/testing/index.js";

// The schema-routed topic's registry is named by the environment; nothing is fed to that topic here.
beforeAll(() => void (process.env["KEFGEN_MULTI_TYPE_REGISTRY_URL"] = "http://127.0.0.1:9"));
afterAll(() => void delete process.env["KEFGEN_MULTI_TYPE_REGISTRY_URL"]);

describe("generated multi-type wiring (fixtures/valid/multi-type) in kefgen/testing", () => {
  it("routes fed and produced members to their handlers and takes records of no member to the failure path", async () => {
    const gen = await import("../../fixtures/valid/multi-type/expected/index.js");
    const kit = new TestKit();
    const seen: string[] = [];
    try {
      // From the earliest offset (the fixture reads from the latest), so records fed right after start are read.
      const connections = gen
        .shopMultiConnections({
          orders: {
            OrderCreated: (o, context) => void seen.push(`created ${o.orderId} ${String(context.key)}`),
            OrderCancelled: (o) => void seen.push(`cancelled ${o.orderId} ${String(o.reason)}`),
            OrderShipped: (o) => void seen.push(`shipped ${o.orderId} ${o.carrier}`),
          },
          orderEvents: (message) => void seen.push(`event ${message.type} ${message.value.orderId}`),
          framedOrders: () => undefined,
        })
        .map((c) => ({ ...c, settings: { ...c.settings, autoOffsetReset: "earliest" as const } }));
      await kit.start(new ConsumerRuntime(connections, kit.kafka, kit.options()));
      kit.feedMember(
        "multi-orders",
        { type: "shop.orders.OrderCreated", codec: gen.orderCreatedCodec },
        { orderId: "o-1", total: 5 },
        { key: "k-1" },
      );
      const producers = gen.createShopMultiProducers(kit.kafka, kit.producerOptions());
      await producers.start();
      await producers.topics.orders.send({
        type: "shop.orders.OrderCancelled",
        value: { orderId: "o-2", reason: null },
      });
      await producers.topics.orderEvents.send({
        type: "shop.orders.OrderShipped",
        value: { orderId: "o-3", carrier: "ups" },
      });
      kit.feedMember(
        "multi-order-events",
        { type: "shop.orders.OrderCreated", codec: gen.orderCreatedCodec, header: "event-type" },
        { orderId: "o-4", total: 1 },
      );
      await kit.idle();
      expect(seen.sort()).toEqual(
        [
          "cancelled o-2 null",
          "created o-1 k-1",
          "event shop.orders.OrderCreated o-4",
          "event shop.orders.OrderShipped o-3",
        ].sort(),
      );
      expect(kit.records("multi-order-events").map((r) => String(r.headers?.["event-type"]))).toEqual([
        "shop.orders.OrderShipped",
        "shop.orders.OrderCreated",
      ]);

      const bytes = gen.orderCreatedCodec.encode({ orderId: "x", total: 0 });
      kit.feedRaw("multi-orders", bytes, { headers: { $type: "shop.orders.Unknown" } });
      kit.feedRaw("multi-orders", bytes);
      kit.feedRaw("multi-orders", bytes, { headers: { "event-type": "shop.orders.OrderCreated" } });
      kit.feedRaw("multi-order-events", bytes, { headers: { $type: "shop.orders.OrderCreated" } });
      await kit.idle();
      expect(kit.outcome("multi-orders").deadLettered).toHaveLength(3);
      expect(kit.outcome("multi-orders").decodeErrors).toHaveLength(3);
      const reasons = kit.records("multi-orders-dlt").map((r) => readDeadLetterHeaders(r.headers ?? {})?.errorMessage);
      expect(reasons).toEqual([
        expect.stringMatching(/"\$type" header "shop.orders.Unknown" is not a type of topic "multi-orders"/),
        expect.stringMatching(/has no "\$type" header/),
        expect.stringMatching(/has no "\$type" header/),
      ]);
      // No dead-letter topic: the partition stops at the record (onDecodeError = stop).
      expect(kit.outcome("multi-order-events").partitionsStopped).toHaveLength(1);
      expect(kit.outcome("multi-order-events").handled).toBe(2);
      await producers.stop();
    } finally {
      await kit.stop();
    }
  });
});
