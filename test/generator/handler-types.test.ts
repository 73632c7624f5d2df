// Type-level tests of the generated wiring: snippets that use the seed's golden output are compiled with the
// project's strict settings; a missing handler or a handler for another message type must not compile.
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/snapshots.js";
import { compileSnippets } from "../support/typecheck.js";

const generated = path.join(repoRoot, "fixtures/valid/seed/expected");

const header = `
import * as gen from "./index.js";
import type { MessageContext } from "kefgen/runtime";
declare const kafka: { brokers: string[] };
const ok = {
  orderEvents: (m: gen.OrderCreated, c: MessageContext) => { void m.items[0]?.sku; void c.offset; },
  payments: async (m: gen.PaymentProcessed) => { void m.method; },
  criticalAlerts: (m: gen.CriticalAlert) => { void m.fingerprint.length; },
  tradingSignals: (m: gen.TradingSignal) => { void m.side; },
};
void ok;
`;

const snippets = {
  valid: `${header}
    class Orders extends gen.OrderEventsConsumer { handle(m: gen.OrderCreated) { void m.orderId; } }
    const runtime = gen.createShopEventsConsumers(kafka, { ...ok, orderEvents: new Orders() });
    void runtime.start();`,
  missingHandler: `${header}
    const { tradingSignals: _omitted, ...rest } = ok;
    gen.createShopEventsConsumers(kafka, rest);`,
  wrongMessageType: `${header}
    gen.createShopEventsConsumers(kafka, { ...ok, payments: (m: gen.OrderCreated) => { void m.items; } });`,
  wrongConsumerClass: `${header}
    class Payments extends gen.PaymentsConsumer { handle(m: gen.PaymentProcessed) { void m.paymentId; } }
    gen.createShopEventsConsumers(kafka, { ...ok, orderEvents: new Payments() });`,
  wrongHandleSignature: `${header}
    class Orders extends gen.OrderEventsConsumer { handle(m: gen.TradingSignal) { void m.side; } }
    void Orders;`,
  unknownField: `${header}
    gen.createShopEventsConsumers(kafka, { ...ok, orderEvents: (m) => { void m.orderIdd; } });`,
  nullableNeedsCheck: `${header}
    gen.createShopEventsConsumers(kafka, { ...ok, orderEvents: (m) => { void m.couponCode.length; } });`,
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

describe("generated handler types", () => {
  it("accept a complete set of correctly typed handlers (functions and consumer classes)", () => {
    expect(errors.valid).toEqual([]);
  });

  it("reject a missing handler", () => {
    expect(errors.missingHandler.join("\n")).toMatch(/TS2345:[\s\S]*Property 'tradingSignals' is missing/);
  });

  it("reject a handler for another message type", () => {
    expect(errors.wrongMessageType.join("\n")).toMatch(
      /TS2322:[\s\S]*'PaymentProcessed' is not assignable to[\s\S]*'OrderCreated'|TS2322:[\s\S]*OrderCreated/,
    );
    expect(errors.wrongMessageType).toHaveLength(1);
  });

  it("reject another topic's consumer class", () => {
    expect(errors.wrongConsumerClass.join("\n")).toMatch(/TS2322:[\s\S]*"payments"[\s\S]*"order-events"/);
  });

  it("reject a consumer class whose handle takes another message type", () => {
    expect(errors.wrongHandleSignature.join("\n")).toMatch(/TS2416:[\s\S]*'handle'/);
  });

  it("type the message: unknown fields and unchecked nullable fields are errors", () => {
    expect(errors.unknownField.join("\n")).toMatch(/TS2551:[\s\S]*'orderIdd'[\s\S]*'orderId'/);
    expect(errors.nullableNeedsCheck.join("\n")).toMatch(/TS18047:[\s\S]*'m.couponCode' is possibly 'null'/);
  });
});
