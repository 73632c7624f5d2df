// The demo's handlers (examples/shop/handlers.ts) under kefgen/testing: the generated consumers and producers of
// examples/shop run on the in-memory transport, without a broker. This is the test a kefgen user writes.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TestKit } from "kefgen/testing";
import { demoHandlers } from "../../examples/shop/handlers.js";
import {
  createShopConsumers,
  createShopProducers,
  paymentProcessedCodec,
  type OrderCreated,
} from "../../examples/shop/generated/index.js";

const order = (id: string, quantity: number): OrderCreated => ({
  orderId: id,
  customerId: "c-1",
  items: [{ sku: "sku-1", quantity, unitPriceCents: 1250 }],
  couponCode: null,
  attributes: {},
  createdAt: 1_700_000_000_000,
});

let kit: TestKit;

beforeEach(() => {
  // The wiring builds the shop's registry client from this variable; these tests never send it a request.
  vi.stubEnv("SHOP_REGISTRY_URL", "http://127.0.0.1:9");
  kit = new TestKit();
});

afterEach(async () => {
  await kit.stop();
  vi.unstubAllEnvs();
});

describe("examples/shop handlers, without a broker", () => {
  it("handles what the generated producers send, on every connection, and commits it", async () => {
    const lines: string[] = [];
    await kit.start(
      createShopConsumers(
        kit.kafka,
        demoHandlers((line) => lines.push(line)),
        kit.options(),
      ),
    );
    const producers = createShopProducers(kit.kafka, kit.producerOptions());
    await producers.start();
    await producers.topics.orders.sendBatch([
      { value: order("o-1", 2), key: "o-1" },
      { value: order("o-2", 1), key: "o-2" },
    ]);
    await producers.topics.payments.send(
      { paymentId: "p-1", orderId: "o-1", amountCents: 2500, method: "CARD" },
      { key: "o-1" },
    );
    await producers.topics.alerts.send({
      alertId: "a-1",
      severity: "CRITICAL",
      message: "disk full",
      source: null,
      fingerprint: Buffer.alloc(16),
    });
    await producers.topics.signals.send({
      symbol: "ACME",
      side: "BUY",
      price: 10.5,
      quantity: 3,
      confidence: null,
      tags: [],
    });
    await producers.stop();
    await kit.idle({ committed: true });

    expect(lines.filter((l) => l.startsWith("order ")).sort()).toEqual([
      "order o-1: 1 items, 25.00 (partition 0, offset 0)",
      "order o-2: 1 items, 12.50 (partition 0, offset 1)",
    ]);
    expect(lines).toContain("payment p-1 for o-1: 2500 cents by CARD");
    expect(lines).toContain("ALERT CRITICAL: disk full");
    expect(lines).toContain("signal BUY 3 ACME @ 10.5");
    expect(kit.committed("kefgen-demo", "kefgen-demo.order-events")).toBe(2);
    expect(kit.committed("kefgen-demo-alerts", "kefgen-demo.critical-alerts")).toBe(1);
    expect(kit.committed("kefgen-demo-signals", "kefgen-demo.trading-signals")).toBe(1);
  });

  it("a payment that cannot be decoded stops its partition (onDecodeError = stop, the demo has no dead-letter topic)", async () => {
    const lines: string[] = [];
    await kit.start(
      createShopConsumers(
        kit.kafka,
        demoHandlers((line) => lines.push(line)),
        kit.options(),
      ),
    );
    kit.feed("kefgen-demo.payments", paymentProcessedCodec, {
      paymentId: "p-1",
      orderId: "o-1",
      amountCents: 100,
      method: "WALLET",
    });
    kit.feedRaw("kefgen-demo.payments", Buffer.from([0xff, 0xff, 0xff]));
    kit.feed("kefgen-demo.payments", paymentProcessedCodec, {
      paymentId: "p-3",
      orderId: "o-3",
      amountCents: 300,
      method: "CARD",
    });
    await kit.idle({ committed: true });

    expect(lines).toEqual(["payment p-1 for o-1: 100 cents by WALLET"]);
    const outcome = kit.outcome("kefgen-demo.payments");
    expect(outcome.handled).toBe(1);
    expect(outcome.decodeErrors.map((e) => [e.offset, e.action])).toEqual([["1", "stop"]]);
    expect(outcome.partitionsStopped).toHaveLength(1);
    expect(kit.committed("kefgen-demo", "kefgen-demo.payments")).toBe(1);
  });
});
