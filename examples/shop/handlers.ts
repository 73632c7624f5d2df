// What a user of kefgen writes: one handler per topic, typed by the generated code.
import type { MessageContext } from "kefgen/runtime";
import {
  OrdersConsumer,
  type ShopHandlers,
  type CriticalAlert,
  type OrderCreated,
  type PaymentProcessed,
  type ShipmentUpdated,
  type TradingSignal,
} from "./generated/index.js";

/** A consumer class: useful when the handler has state or dependencies. */
class Orders extends OrdersConsumer {
  constructor(private readonly log: (line: string) => void) {
    super();
  }

  handle(order: OrderCreated, context: MessageContext): void {
    const total = order.items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
    this.log(
      `order ${order.orderId}: ${order.items.length} items, ${(total / 100).toFixed(2)} (partition ${context.partition}, offset ${context.offset})`,
    );
  }
}

export function demoHandlers(log: (line: string) => void): ShopHandlers {
  return {
    orders: new Orders(log),
    // Plain functions work too.
    payments: (payment: PaymentProcessed) =>
      log(`payment ${payment.paymentId} for ${payment.orderId}: ${payment.amountCents} cents by ${payment.method}`),
    alerts: async (alert: CriticalAlert) =>
      log(`ALERT ${alert.severity}: ${alert.message}${alert.source === null ? "" : ` (from ${alert.source})`}`),
    signals: (signal: TradingSignal) =>
      log(`signal ${signal.side} ${signal.quantity} ${signal.symbol} @ ${signal.price}`),
    // Written with a newer schema: its extra field is skipped, a status this version does not know reads UNKNOWN.
    shipments: (shipment: ShipmentUpdated) =>
      log(`shipment ${shipment.shipmentId} for ${shipment.orderId}: ${shipment.status}`),
  };
}
