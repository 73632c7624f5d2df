// npm run demo: builds examples/shop/shop.kef, starts a local Kafka broker (unless KAFKA_BROKERS is set),
// produces a few records to each topic and runs the generated consumers until every record was handled.
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { main as kefgen } from "../generator/cli.js";
import { repoRoot } from "./snapshots.js";
import { resolveBrokers } from "./kafka/local-broker.js";

const say = (line: string) => process.stdout.write(`${line}\n`);

say("$ kefgen build examples/shop/shop.kef");
const built = await kefgen(["build", "examples/shop/shop.kef"], { cwd: repoRoot, env: process.env, stdout: process.stdout, stderr: process.stderr });
if (built !== 0) process.exit(built);

// Imported after the build so that the demo always runs what was just generated.
const generated = await import("../examples/shop/generated/index.js");
const { demoHandlers } = await import("../examples/shop/handlers.js");

const { brokers, broker } = await resolveBrokers({ log: (line) => say(`[kafka] ${line}`) });
say(broker ? `local Kafka ${broker.version} on ${brokers.join(",")} (started in ${(broker.startupMs / 1000).toFixed(1)} s)` : `using KAFKA_BROKERS=${brokers.join(",")}`);

process.env["KAFKAJS_NO_PARTITIONER_WARNING"] ??= "1";
// For the demo's own admin and producer; the consumers' Kafka client is created by the runtime (logs go to its logger).
const kafka = new Kafka({ clientId: "kefgen-demo-producer", brokers, logLevel: logLevel.NOTHING });
const topics = { orders: "kefgen-demo.order-events", payments: "kefgen-demo.payments", alerts: "kefgen-demo.critical-alerts", signals: "kefgen-demo.trading-signals" };
const admin = kafka.admin();
await admin.connect();
const existing = new Set(await admin.listTopics());
await admin.createTopics({
  waitForLeaders: true,
  topics: [
    { topic: topics.orders, numPartitions: 3 },
    { topic: topics.payments, numPartitions: 2 },
    { topic: topics.alerts, numPartitions: 1 },
    { topic: topics.signals, numPartitions: 1 },
  ].filter((t) => !existing.has(t.topic)),
});
await admin.disconnect();

let handled = 0;
const runtime = generated.createShopConsumers({ brokers, clientId: "kefgen-demo" }, demoHandlers((line: string) => {
  handled++;
  say(`  handled: ${line}`);
}));

let stopping: Promise<void> | undefined;
const shutdown = (why: string) =>
  (stopping ??= (async () => {
    say(`${why}: stopping consumers (drain, commit, leave groups)…`);
    await runtime.stop({ timeoutMs: 10_000 });
    await broker?.stop();
  })());
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void shutdown(signal).then(() => process.exit(0)));

await runtime.start();
say("consumers started: 3 Kafka consumers (shared: orders + payments; alerts; signals)");

const producer = kafka.producer();
await producer.connect();
const orders = Array.from({ length: 6 }, (_, i) => ({
  orderId: `o-${i + 1}`,
  customerId: `c-${(i % 3) + 1}`,
  items: [{ sku: "sku-1", quantity: i + 1, unitPriceCents: 1250 }],
  couponCode: i % 2 === 0 ? null : "WELCOME",
  attributes: { channel: "web" },
  createdAt: Date.now(),
}));
await producer.send({ topic: topics.orders, messages: orders.map((o) => ({ key: o.customerId, value: generated.orderCreatedCodec.encode(o) })) });
await producer.send({
  topic: topics.payments,
  messages: orders.slice(0, 4).map((o, i) => ({ key: o.orderId, value: generated.paymentProcessedCodec.encode({ paymentId: `p-${i + 1}`, orderId: o.orderId, amountCents: 1250 * (i + 1), method: i % 2 ? "CARD" : "WALLET" }) })),
});
await producer.send({
  topic: topics.alerts,
  messages: [{ value: generated.criticalAlertCodec.encode({ alertId: "a-1", severity: "CRITICAL", message: "payment provider latency above 2 s", source: "payments", fingerprint: Buffer.alloc(16, 7) }) }],
});
await producer.send({
  topic: topics.signals,
  messages: ["ACME", "INIT", "KAFK"].map((symbol, i) => ({ value: generated.tradingSignalCodec.encode({ symbol, side: i % 2 ? "SELL" : "BUY", price: 100 + i, quantity: 10 * (i + 1), confidence: null, tags: [] }) })),
});
await producer.disconnect();
const produced = 6 + 4 + 1 + 3;
say(`produced ${produced} records to 4 topics`);

const deadline = Date.now() + 60_000;
while (handled < produced && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
const metrics = runtime.metrics();
say(`handled ${handled}/${produced} records; ${metrics.connectionCount} connections:`);
for (const c of metrics.connections) {
  say(`  ${c.name} (group ${c.groupId}, ${c.state}): ${c.topics.map((t: { topic: string; handled: number }) => `${path.basename(t.topic)} handled ${t.handled}`).join(", ")}`);
}
await shutdown("done");
process.exit(handled >= produced ? 0 : 1);
