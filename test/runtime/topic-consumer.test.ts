import { describe, expect, it } from "vitest";
import { bindTopic, TopicConsumer, type MessageContext } from "../../runtime/index.js";
import { textCodec } from "./helpers.js";

const context: MessageContext = { topic: "orders", partition: 0, offset: "0", key: null, headers: {}, timestamp: "0" };
const buffer = { maxBufferedMessages: 10, backpressure: "ApplyBackpressure" as const };

abstract class OrdersConsumer extends TopicConsumer<string> {
  override readonly topic = "orders";
}

describe("bindTopic", () => {
  it("binds a TopicConsumer instance, keeping `this`", async () => {
    class Collect extends OrdersConsumer {
      readonly seen: string[] = [];
      override handle(message: string): void {
        this.seen.push(message);
      }
    }
    const consumer = new Collect();
    const binding = bindTopic({
      topic: "orders",
      messageType: "shop.Order",
      codec: textCodec,
      buffer,
      handler: consumer,
    });
    await binding.handle("m1", context);
    expect(consumer.seen).toEqual(["m1"]);
    expect(binding).toMatchObject({ topic: "orders", messageType: "shop.Order", codec: textCodec, buffer });
  });

  it("uses a function handler as it is", async () => {
    const seen: string[] = [];
    const handler = (message: string) => void seen.push(message);
    const binding = bindTopic({ topic: "orders", messageType: "shop.Order", codec: textCodec, buffer, handler });
    expect(binding.handle).toBe(handler);
  });

  it("refuses a consumer of another topic", () => {
    class Payments extends TopicConsumer<string> {
      override readonly topic = "payments";
      override handle(): void {}
    }
    expect(() =>
      bindTopic({ topic: "orders", messageType: "shop.Order", codec: textCodec, buffer, handler: new Payments() }),
    ).toThrow(/consumer of topic "payments"/);
  });
});
