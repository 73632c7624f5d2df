// The generated wiring of fixtures/valid/exactly-once runs its exactly-once topics as such, without a broker
// (kefgen/testing): the records a handler returns, made by the generated producer's `record`, are written with the
// consumed offset; an ordinary topic beside them is handled as before. The types are exactly-once-types.test.ts's.
import { describe, expect, it } from "vitest";
import { TestKit } from "../../runtime/testing/index.js";

describe("generated exactly-once wiring (fixtures/valid/exactly-once)", () => {
  it("writes the records the handler returns with the consumed offset; a handler returning [] commits the offset alone", async () => {
    const { createShopEosConsumers, createShopEosProducers, orderCodec, shipmentCodec } =
      await import("../../fixtures/valid/exactly-once/expected/index.js");
    const kit = new TestKit();
    const producers = createShopEosProducers(kit.kafka, kit.producerOptions()).topics;
    const shipped: string[] = [];
    const audited: string[] = [];
    try {
      await kit.start(
        createShopEosConsumers(
          kit.kafka,
          {
            orders: async (order, context) => [
              await producers.shipments.record({ orderId: order.id }, { key: context.key }),
            ],
            refunds: () => [],
            shipments: (shipment) => void shipped.push(shipment.orderId),
            audit: (order) => void audited.push(order.id),
          },
          kit.options(),
        ),
      );
      kit.feed(
        "eos-orders",
        orderCodec,
        [
          { id: "o-1", total: 10 },
          { id: "o-2", total: 20 },
        ],
        { key: "k" },
      );
      kit.feed("eos-refunds", orderCodec, { id: "r-1", total: 5 });
      kit.feed("eos-audit", orderCodec, { id: "a-1", total: 1 });
      await kit.idle({ committed: true });
      const out = kit.records("eos-shipments");
      expect(out.map((r) => shipmentCodec.decode(r.value as Buffer).orderId)).toEqual(["o-1", "o-2"]);
      expect(out.map((r) => r.key?.toString())).toEqual(["k", "k"]);
      expect(shipped).toEqual(["o-1", "o-2"]);
      expect(audited).toEqual(["a-1"]);
      expect(kit.committed("eos", "eos-orders")).toBe(2);
      expect(kit.committed("eos-refunds", "eos-refunds")).toBe(1);
      expect(kit.records("eos-refunds")).toHaveLength(1);
    } finally {
      await kit.stop();
    }
  });
});
