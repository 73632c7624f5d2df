// Type-level tests of multi-type topics in the generated code, on the golden output of fixtures/valid/multi-type: the
// handler is one function of the `{ type, value }` union (a switch on `type` narrows `value`), one handler per member,
// or a consumer class; a missing or wrongly typed member handler, a handler of one member's type for the whole topic,
// and a producer value without its type or of a type the topic does not carry do not compile.
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/snapshots.js";
import { compileSnippets } from "../support/typecheck.js";

const generated = path.join(repoRoot, "fixtures/valid/multi-type/expected");

const header = `
import * as gen from "./index.js";
import type * as kefgen from "kefgen/runtime";
declare const kafka: { brokers: string[] };
type Orders = Parameters<Extract<gen.ShopMultiHandlers["framedOrders"], (...args: any[]) => unknown>>[0];
const union = (message: Orders, context: kefgen.MessageContext) => {
  switch (message.type) {
    case "shop.orders.OrderCreated": { const total: bigint | number = message.value.total; void total; break; }
    case "shop.orders.OrderCancelled": { const reason: string | null = message.value.reason; void reason; break; }
    case "shop.orders.OrderShipped": { const carrier: string = message.value.carrier; void carrier; break; }
    default: { const never: never = message; void never; }
  }
  void context.offset;
};
const perMember = {
  OrderCreated: (order: gen.OrderCreated, context: kefgen.MessageContext<string | null>) => { void order.total; void context.key; },
  OrderCancelled: (order: gen.OrderCancelled) => { void order.reason; },
  OrderShipped: async (order: gen.OrderShipped) => { void order.carrier; },
};
class Events extends gen.OrderEventsConsumer {
  handle(message: Parameters<gen.OrderEventsConsumer["handle"]>[0]) { if (message.type === "shop.orders.OrderShipped") void message.value.carrier; }
}
const ok: gen.ShopMultiHandlers = { orders: perMember, orderEvents: new Events(), framedOrders: union };
`;

const snippets = {
  valid: `${header}
    void gen.createShopMultiConsumers(kafka, ok).start();
    const producers = gen.createShopMultiProducers(kafka).topics;
    void producers.orders.send({ type: "shop.orders.OrderShipped", value: { orderId: "o", carrier: "dhl" } }, { key: "o" });
    void producers.framedOrders.sendBatch([{ value: { type: "shop.orders.OrderCancelled", value: { orderId: "o", reason: null } } }]);
    void producers.orderEvents.send({ type: "shop.orders.OrderCreated", value: { orderId: "o", total: 1 } });`,
  missingMember: `${header}
    gen.createShopMultiConsumers(kafka, { ...ok, orders: { OrderCreated: perMember.OrderCreated, OrderCancelled: perMember.OrderCancelled } });`,
  wrongMember: `${header}
    gen.createShopMultiConsumers(kafka, { ...ok, orders: { ...perMember, OrderShipped: (order: gen.OrderCreated) => { void order.total; } } });`,
  oneMemberForAll: `${header}
    gen.createShopMultiConsumers(kafka, { ...ok, framedOrders: (order: gen.OrderCreated) => { void order.total; } });`,
  unknownType: `${header}
    const producers = gen.createShopMultiProducers(kafka).topics;
    void producers.orderEvents.send({ type: "shop.orders.OrderCancelled", value: { orderId: "o", reason: null } });`,
  bareValue: `${header}
    const producers = gen.createShopMultiProducers(kafka).topics;
    void producers.orders.send({ orderId: "o", total: 1 });`,
  mismatchedValue: `${header}
    const producers = gen.createShopMultiProducers(kafka).topics;
    void producers.framedOrders.send({ type: "shop.orders.OrderCreated", value: { orderId: "o", carrier: "dhl" } });`,
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

describe("generated multi-type topic types", () => {
  it("accept a union handler narrowed by a switch, one handler per member, a consumer class, and typed producer values", () => {
    expect(errors.valid).toEqual([]);
  });

  it("reject a missing member handler, a member handler of another type, and a one-type handler for the whole topic", () => {
    expect(errors.missingMember.join("\n")).toMatch(/TS2322:[\s\S]*OrderShipped/);
    expect(errors.wrongMember.join("\n")).toMatch(/TS2322:[\s\S]*(OrderShipped|total)/);
    expect(errors.oneMemberForAll.join("\n")).toMatch(/TS2322:[\s\S]*is not assignable to type 'OrderCreated'/);
  });

  it("reject a producer value of a type the topic does not carry, without its type, or of the wrong shape", () => {
    expect(errors.unknownType.join("\n")).toMatch(/TS2820:[\s\S]*"shop.orders.OrderCancelled"/);
    expect(errors.bareValue.join("\n")).toMatch(/TS2353:[\s\S]*'orderId' does not exist in type 'OneOf/);
    expect(errors.mismatchedValue.join("\n")).toMatch(/TS2345:[\s\S]*'carrier' does not exist in type 'OrderCreated'/);
  });
});
