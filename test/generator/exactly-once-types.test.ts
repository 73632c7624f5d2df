// Type-level tests of exactly-once topics in the generated wiring, on the golden output of fixtures/valid/exactly-once:
// an `exactlyOnce = true` topic's handler is the runtime's ExactlyOnceHandler, a function returning the records to
// produce (made by a generated producer's `record`); one that returns nothing, a consumer class, or a record-returning
// handler on an ordinary topic does not compile.
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/snapshots.js";
import { compileSnippets } from "../support/typecheck.js";

const generated = path.join(repoRoot, "fixtures/valid/exactly-once/expected");

const header = `
import * as gen from "./index.js";
declare const kafka: { brokers: string[] };
const producers = gen.createShopEosProducers(kafka).topics;
const ok = {
  orders: async (order: gen.Order, context: { key: string | null }) => [await producers.shipments.record({ orderId: order.id }, { key: context.key })],
  refunds: () => [],
  shipments: (shipment: gen.Shipment) => { void shipment.orderId; },
  audit: async (order: gen.Order) => { void order.total; },
};
`;

const snippets = {
  valid: `${header}
    const runtime = gen.createShopEosConsumers(kafka, ok);
    void runtime.start();`,
  returnsNothing: `${header}
    gen.createShopEosConsumers(kafka, { ...ok, orders: async (order: gen.Order) => { void order.id; } });`,
  returnsValues: `${header}
    gen.createShopEosConsumers(kafka, { ...ok, orders: (order: gen.Order) => [{ orderId: order.id }] });`,
  consumerClass: `${header}
    class Audit extends gen.AuditConsumer { handle(m: gen.Order) { void m.id; } }
    gen.createShopEosConsumers(kafka, { ...ok, refunds: new Audit() });`,
  recordsOnOrdinaryTopic: `${header}
    gen.createShopEosConsumers(kafka, { ...ok, audit: async (order: gen.Order) => [await producers.shipments.record({ orderId: order.id })] });`,
  noConsumerClass: `${header} void gen.OrdersConsumer;`,
} as const;

type Name = keyof typeof snippets;
let errors: Record<Name, string[]>;

beforeAll(() => {
  errors = compileSnippets(
    new Map(
      Object.entries(snippets).map(([name, text]) => [
        name as Name,
        { file: path.join(generated, `__${name}.ts`), text },
      ]),
    ),
  );
}, 60_000);

describe("generated exactly-once handler types", () => {
  it("accept functions returning records made by the generated producers (or an empty list) beside ordinary handlers", () => {
    expect(errors.valid).toEqual([]);
  });

  it("reject an exactly-once handler that returns nothing, or values that are not produced records", () => {
    expect(errors.returnsNothing.join("\n")).toMatch(/TS2322:[\s\S]*void/);
    expect(errors.returnsValues.join("\n")).toMatch(/TS2322:[\s\S]*ProducedRecord|TS2322:[\s\S]*topic/);
  });

  it("reject a consumer class for an exactly-once topic, and generate none", () => {
    expect(errors.consumerClass.join("\n")).toMatch(/TS2322:[\s\S]*Audit/);
    expect(errors.noConsumerClass.join("\n")).toMatch(/TS2339:[\s\S]*OrdersConsumer/);
  });

  it("reject a record-returning handler on an ordinary topic", () => {
    expect(errors.recordsOnOrdinaryTopic.join("\n")).toMatch(/TS2322:[\s\S]*ProducedRecord/);
  });
});
