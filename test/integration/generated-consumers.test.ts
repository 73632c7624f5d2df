// End to end against the real broker: the seed's generated code (fixtures/valid/seed/expected) on the runtime.
// Topic and group names get a fresh suffix per test; everything else is exactly what kefgen generated.
import { AssignerProtocol } from "kafkajs";
import { afterEach, describe, expect, it } from "vitest";
import { createShopEventsConsumers, shopEventsConnections } from "../../fixtures/valid/seed/expected/index.js";
import * as codecs from "../../fixtures/valid/seed/expected/codecs.js";
import type {
  CriticalAlert,
  OrderCreated,
  PaymentProcessed,
  ShopEventsHandlers,
  TradingSignal,
} from "../../fixtures/valid/seed/expected/index.js";
import { ConsumerRuntime, silentLogger, type ConnectionSpec, type MessageContext } from "kefgen/runtime";
import {
  brokers,
  committedOffsets,
  createTopic,
  describeGroup,
  produce,
  uniqueName,
  waitFor,
} from "../support/kafka.js";

interface Received<T> {
  readonly message: T;
  readonly context: MessageContext;
}

/** The generated specs with fresh topic and group names, starting from the earliest offset. */
function renamed(specs: ConnectionSpec[], suffix: string): ConnectionSpec[] {
  return specs.map((c) => ({
    ...c,
    settings: {
      ...c.settings,
      groupId: `${c.settings.groupId}-${suffix}`,
      autoOffsetReset: "earliest",
      autoCommitIntervalMs: 200,
      fetchMaxWaitMs: 100,
    },
    topics: c.topics.map((t) => ({ ...t, topic: `${t.topic}-${suffix}` })),
  }));
}

function order(i: number): OrderCreated {
  return {
    orderId: `o-${i}`,
    customerId: `c-${i % 7}`,
    items: [{ sku: `sku-${i}`, quantity: i, unitPriceCents: 100 + i }],
    couponCode: i % 3 === 0 ? null : `C${i}`,
    attributes: { i: String(i) },
    createdAt: 1_700_000_000_000 + i,
  };
}

const payment = (i: number): PaymentProcessed => ({
  paymentId: `p-${i}`,
  orderId: `o-${i}`,
  amountCents: i * 10,
  method: (["CARD", "TRANSFER", "WALLET"] as const)[i % 3]!,
});
const alert = (i: number): CriticalAlert => ({
  alertId: `a-${i}`,
  severity: i % 2 ? "HIGH" : "CRITICAL",
  message: `alert ${i}`,
  source: i % 2 ? null : "svc",
  fingerprint: Buffer.alloc(16, i),
});
const signal = (i: number): TradingSignal => ({
  symbol: `S${i}`,
  side: i % 2 ? "SELL" : "BUY",
  price: i + 0.5,
  quantity: i,
  confidence: i % 2 ? null : 0.5,
  tags: [`t${i}`],
});

/** Records by partition, in the order handled. */
function byPartition<T>(received: readonly Received<T>[]): Map<number, Received<T>[]> {
  const out = new Map<number, Received<T>[]>();
  for (const r of received) out.set(r.context.partition, [...(out.get(r.context.partition) ?? []), r]);
  return out;
}

function expectPartitionOrder<T>(received: readonly Received<T>[]): void {
  for (const [, list] of byPartition(received)) {
    const offsets = list.map((r) => Number(r.context.offset));
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(new Set(offsets).size).toBe(offsets.length);
  }
}

const runtimes: ConsumerRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop({ timeoutMs: 10_000 })));
});

describe("generated consumers on a real broker", () => {
  it("deliver exactly what was produced to each topic, decoded and in partition order; exclusive consumers have their own groups", async () => {
    const suffix = uniqueName("seed");
    await createTopic(`order-events-${suffix}`, 3);
    await createTopic(`payments-${suffix}`, 2);
    await createTopic(`critical-alerts-${suffix}`, 1);
    await createTopic(`trading-signals-${suffix}`, 1);

    const got = {
      orders: [] as Received<OrderCreated>[],
      payments: [] as Received<PaymentProcessed>[],
      alerts: [] as Received<CriticalAlert>[],
      signals: [] as Received<TradingSignal>[],
    };
    const handlers: ShopEventsHandlers = {
      orderEvents: (message, context) => void got.orders.push({ message, context }),
      payments: async (message, context) => void got.payments.push({ message, context }),
      criticalAlerts: (message, context) => void got.alerts.push({ message, context }),
      tradingSignals: (message, context) => void got.signals.push({ message, context }),
    };
    const runtime = new ConsumerRuntime(
      renamed(shopEventsConnections(handlers), suffix),
      { brokers: brokers() },
      { logger: silentLogger },
    );
    runtimes.push(runtime);

    const n = { orders: 120, payments: 60, alerts: 10, signals: 25 };
    const orders = Array.from({ length: n.orders }, (_, i) => order(i));
    await produce(
      `order-events-${suffix}`,
      orders.map((o) => ({ key: o.customerId, value: codecs.orderCreatedCodec.encode(o) })),
    );
    await produce(
      `payments-${suffix}`,
      Array.from({ length: n.payments }, (_, i) => ({
        key: `k${i % 5}`,
        value: codecs.paymentProcessedCodec.encode(payment(i)),
      })),
    );
    await produce(
      `critical-alerts-${suffix}`,
      Array.from({ length: n.alerts }, (_, i) => ({ value: codecs.criticalAlertCodec.encode(alert(i)) })),
    );
    await produce(
      `trading-signals-${suffix}`,
      Array.from({ length: n.signals }, (_, i) => ({ value: codecs.tradingSignalCodec.encode(signal(i)) })),
    );

    await runtime.start();
    await waitFor(
      () =>
        got.orders.length >= n.orders &&
        got.payments.length >= n.payments &&
        got.alerts.length >= n.alerts &&
        got.signals.length >= n.signals,
      {
        timeoutMs: 45_000,
        message: "every record to be handled",
      },
    );

    // Exactly what was produced: same count, same decoded values (Buffers included), nothing from other topics.
    expect(got.orders.map((r) => r.message).sort((a, b) => a.createdAt - b.createdAt)).toEqual(orders);
    expect(got.payments.map((r) => r.message.paymentId).sort()).toEqual(
      Array.from({ length: n.payments }, (_, i) => `p-${i}`).sort(),
    );
    expect(got.alerts.map((r) => r.message)).toEqual(Array.from({ length: n.alerts }, (_, i) => alert(i)));
    expect(got.signals.map((r) => r.message)).toEqual(Array.from({ length: n.signals }, (_, i) => signal(i)));
    expect(new Set(got.orders.map((r) => r.context.topic))).toEqual(new Set([`order-events-${suffix}`]));
    expect(new Set(got.payments.map((r) => r.context.topic))).toEqual(new Set([`payments-${suffix}`]));
    // In order per partition: offsets ascend, and records of one key keep their production order.
    for (const list of [got.orders, got.payments, got.alerts, got.signals])
      expectPartitionOrder(list as Received<unknown>[]);
    for (const [, list] of byPartition(got.orders)) {
      for (const customer of new Set(list.map((r) => r.message.customerId))) {
        const seq = list.filter((r) => r.message.customerId === customer).map((r) => r.message.createdAt);
        expect(seq).toEqual([...seq].sort((a, b) => a - b));
      }
    }
    expect(got.orders[0]!.context.key?.toString()).toMatch(/^c-\d$/);

    // Three consumers, three groups: the shared one reads both shared topics, each exclusive one only its own.
    const assignment = async (groupId: string) => {
      const group = await describeGroup(groupId);
      expect(group.state).toBe("Stable");
      expect(group.members).toHaveLength(1);
      return Object.keys(
        AssignerProtocol.MemberAssignment.decode(group.members[0]!.memberAssignment)!.assignment,
      ).sort();
    };
    expect(await assignment(`shop-${suffix}`)).toEqual([`order-events-${suffix}`, `payments-${suffix}`]);
    expect(await assignment(`critical-alerts-processor-${suffix}`)).toEqual([`critical-alerts-${suffix}`]);
    expect(await assignment(`trading-signals-${suffix}`)).toEqual([`trading-signals-${suffix}`]);

    const metrics = runtime.metrics();
    expect(metrics.connectionCount).toBe(3);
    expect(metrics.connections.map((c) => [c.name, c.topics.map((t) => t.handled)])).toEqual([
      ["shared", [n.orders, n.payments]],
      ["criticalAlerts", [n.alerts]],
      ["tradingSignals", [n.signals]],
    ]);
  });

  it("lose nothing when stopped midway and started again, and commit only what was handled", async () => {
    const suffix = uniqueName("restart");
    const topic = `order-events-${suffix}`;
    await createTopic(topic, 2);
    await createTopic(`payments-${suffix}`, 1);
    const total = 300;
    const orders = Array.from({ length: total }, (_, i) => order(i));
    await produce(
      topic,
      orders.map((o) => ({ key: o.customerId, value: codecs.orderCreatedCodec.encode(o) })),
    );

    const handled: string[] = [];
    const make = (slowMs: number) =>
      new ConsumerRuntime(
        renamed(
          shopEventsConnections({
            orderEvents: async (m) => {
              await new Promise((r) => setTimeout(r, slowMs));
              handled.push(m.orderId);
            },
            payments: () => undefined,
            criticalAlerts: () => undefined,
            tradingSignals: () => undefined,
          }).filter((c) => c.kind === "shared"),
          suffix,
        ),
        { brokers: brokers() },
        { logger: silentLogger },
      );

    const first = make(5);
    runtimes.push(first);
    await first.start();
    await waitFor(() => handled.length >= 60, { timeoutMs: 30_000, message: "the first run to handle some records" });
    await first.stop({ timeoutMs: 10_000 });
    const handledInFirstRun = handled.length;
    expect(handledInFirstRun).toBeLessThan(total);

    // What the first run committed is exactly what it handled, per partition: nothing ahead, nothing behind.
    const committed = await committedOffsets(`shop-${suffix}`, topic);
    const committedTotal = [...committed.values()].reduce((a, b) => a + Math.max(b, 0), 0);
    expect(committedTotal).toBe(handledInFirstRun);

    const second = make(0);
    runtimes.push(second);
    await second.start();
    await waitFor(() => handled.length >= total, { timeoutMs: 30_000, message: "the second run to handle the rest" });
    await second.stop({ timeoutMs: 10_000 });

    // Every record handled, none twice: the second run started exactly where the first stopped.
    expect([...handled].sort()).toEqual(orders.map((o) => o.orderId).sort());
    const final = await committedOffsets(`shop-${suffix}`, topic);
    expect([...final.values()].reduce((a, b) => a + b, 0)).toBe(total);
  });

  it("the generated factory builds a runtime from broker addresses", async () => {
    const noop = () => undefined;
    const runtime = createShopEventsConsumers(
      { brokers: brokers() },
      { orderEvents: noop, payments: noop, criticalAlerts: noop, tradingSignals: noop },
      { logger: silentLogger },
    );
    expect(runtime.metrics().connections.map((c) => [c.name, c.kind, c.groupId])).toEqual([
      ["shared", "shared", "shop"],
      ["criticalAlerts", "exclusive", "critical-alerts-processor"],
      ["tradingSignals", "exclusive", "trading-signals"],
    ]);
  });
});
