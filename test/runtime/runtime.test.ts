import { afterEach, describe, expect, it, vi } from "vitest";
import type { ConsumerConfig } from "kafkajs";
import { ConsumerRuntime, RuntimeEvents, silentLogger, type ConnectionSpec } from "../../runtime/index.js";
import { FakeConsumer } from "./fake-consumer.js";
import { binding, flush, settings } from "./helpers.js";

function spec(name: string, kind: "shared" | "exclusive", topics: string[], groupId = `g-${name}`): ConnectionSpec {
  return { name, kind, settings: settings({ groupId }), topics: topics.map((t) => binding(t, () => {})) };
}

const runtimes: ConsumerRuntime[] = [];

function runtimeWithFakes(specs: ConnectionSpec[], configure: (consumer: FakeConsumer) => void = () => {}) {
  const consumers: FakeConsumer[] = [];
  const runtime = new ConsumerRuntime(
    specs,
    { brokers: ["127.0.0.1:1"] },
    {
      logger: silentLogger,
      createConsumer: (config: ConsumerConfig) => {
        const consumer = new FakeConsumer(config);
        consumer.assignment = Object.fromEntries(
          specs.find((s) => s.settings.groupId === config.groupId)!.topics.map((t) => [t.topic, [0]]),
        );
        configure(consumer);
        consumers.push(consumer);
        return consumer;
      },
    },
  );
  runtimes.push(runtime);
  return { runtime, consumers };
}

afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop({ timeoutMs: 50 })));
});

describe("ConsumerRuntime", () => {
  it("creates one consumer per connection, shared first, and reports each in metrics", async () => {
    const { runtime, consumers } = runtimeWithFakes([
      spec("alerts", "exclusive", ["alerts"]),
      spec("shared", "shared", ["orders", "payments"]),
    ]);
    await runtime.start();
    expect(consumers.map((c) => c.config.groupId)).toEqual(["g-shared", "g-alerts"]);
    const metrics = runtime.metrics();
    expect(metrics.connectionCount).toBe(2);
    expect(metrics.connections.map((c) => [c.name, c.kind, c.groupId, c.state])).toEqual([
      ["shared", "shared", "g-shared", "running"],
      ["alerts", "exclusive", "g-alerts", "running"],
    ]);
    expect(metrics.connections[0]!.topics.map((t) => [t.topic, t.messageType, t.capacity])).toEqual([
      ["orders", "test.orders", 100],
      ["payments", "test.payments", 100],
    ]);
    expect(JSON.parse(JSON.stringify(metrics))).toEqual(metrics); // plain data
  });

  it("delivers events to typed listeners until they are removed, and survives a throwing listener", async () => {
    const { runtime, consumers } = runtimeWithFakes([spec("shared", "shared", ["orders"])]);
    const committed: string[] = [];
    runtime.on(RuntimeEvents.COMMITTED, () => {
      throw new Error("listener bug");
    });
    const off = runtime.on(runtime.events.COMMITTED, (event) =>
      committed.push(event.offsets.map((o) => o.offset).join()),
    );
    await runtime.start();
    const consumer = consumers[0]!;
    consumer.append("orders", 0, ["a"]);
    await consumer.poll("orders", 0);
    await flush();
    await runtime.stop({ timeoutMs: 1_000 });
    expect(committed).toEqual(["1"]);
    off();
    expect(runtime.metrics().connections[0]!.state).toBe("stopped");
  });

  it("stop() is idempotent and a stopped runtime cannot start again", async () => {
    const { runtime, consumers } = runtimeWithFakes([spec("shared", "shared", ["orders"])]);
    await runtime.start();
    const first = runtime.stop();
    expect(runtime.stop()).toBe(first);
    await first;
    expect(consumers[0]!.calls.filter((c) => c === "disconnect")).toHaveLength(1);
    await expect(runtime.start()).rejects.toThrow(/stopped/);
  });

  it("when one connection fails to start, stops the others and rethrows", async () => {
    const boom = new Error("cannot connect");
    const { runtime, consumers } = runtimeWithFakes(
      [spec("shared", "shared", ["orders"]), spec("alerts", "exclusive", ["alerts"])],
      (consumer) => {
        if (consumer.config.groupId === "g-alerts") consumer.connect = vi.fn(async () => Promise.reject(boom));
      },
    );
    await expect(runtime.start()).rejects.toBe(boom);
    expect(consumers.map((c) => c.calls.at(-1))).toEqual(["disconnect", "disconnect"]);
    expect(runtime.metrics().connections.map((c) => c.state)).toEqual(["stopped", "stopped"]);
  });

  it("rejects invalid connection lists", () => {
    const make = (specs: ConnectionSpec[]) => () =>
      new ConsumerRuntime(specs, { brokers: ["x:1"] }, { logger: silentLogger });
    expect(make([spec("a", "shared", ["t"]), spec("a", "exclusive", ["u"])])).toThrow(/named "a"/);
    expect(make([spec("a", "shared", ["t"]), spec("b", "shared", ["u"])])).toThrow(/more than one shared/);
    expect(make([spec("a", "shared", [])])).toThrow(/no topics/);
    expect(make([{ ...spec("a", "shared", ["t"]), topics: [binding("t", () => {}), binding("t", () => {})] }])).toThrow(
      /twice/,
    );
  });
});
