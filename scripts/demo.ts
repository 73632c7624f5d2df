// npm run demo: builds examples/shop/shop.kef, starts a local Kafka broker (unless KAFKA_BROKERS is set) and the
// development schema registry, produces a few records to each topic (with the generated producers; the shipments by
// hand, as another team's service) and runs the generated consumers until every
// record was handled. The shipments topic is written as another team's service would: Confluent-framed, with a
// schema version newer than the consumer's (examples/shop/schemas/shipment-updated.v2.avsc). While it runs it serves
// /metrics (Prometheus), /healthz and /readyz on KEFGEN_DEMO_OPS_PORT (default: a free port, printed), and prints one
// scrape at the end.
import fs from "node:fs";
import path from "node:path";
import avro from "avsc";
import { Kafka, logLevel } from "kafkajs";
import { main as kefgen } from "../generator/cli/main.js";
import { repoRoot } from "./snapshots.js";
import { resolveBrokers } from "./kafka/local-broker.js";
import { startDevRegistry } from "./registry/server.js";

const say = (line: string) => process.stdout.write(`${line}\n`);

say("$ kefgen build examples/shop/shop.kef");
const built = await kefgen(["build", "examples/shop/shop.kef"], {
  cwd: repoRoot,
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
if (built !== 0) process.exit(built);

// Imported after the build so that the demo always runs what was just generated.
const generated = await import("../examples/shop/generated/index.js");
const { demoHandlers } = await import("../examples/shop/handlers.js");

// The registry the shipments' producer registers its schemas in and the consumer fetches them from (shop.kef:
// `registry shop { url = env("SHOP_REGISTRY_URL") }`).
const registry = await startDevRegistry();
process.env["SHOP_REGISTRY_URL"] = registry.url;
say(`development schema registry on ${registry.url} (SHOP_REGISTRY_URL)`);
const shipmentSubject = "kefgen-demo.shipments-value";
const shipmentSchemas = ["shipment-updated.avsc", "shipment-updated.v2.avsc"].map((f) =>
  fs.readFileSync(path.join(repoRoot, "examples/shop/schemas", f), "utf8"),
);
const registered: { id: number; version: number }[] = [];
for (const schema of shipmentSchemas) {
  // As Confluent's serializer does on its first record (auto.register.schemas).
  const response = await fetch(`${registry.url}/subjects/${shipmentSubject}/versions`, {
    method: "POST",
    headers: { "content-type": "application/vnd.schemaregistry.v1+json" },
    body: JSON.stringify({ schema }),
  });
  if (!response.ok)
    throw new Error(`registering a shipment schema failed: HTTP ${response.status} ${await response.text()}`);
  registered.push((await response.json()) as { id: number; version: number });
}
say(
  `registered ShipmentUpdated under ${shipmentSubject}: v1 as version ${registered[0]!.version} (id ${registered[0]!.id}), v2 as version ${registered[1]!.version} (id ${registered[1]!.id})`,
);
say("$ kefgen registry check examples/shop/shop.kef");
const checked = await kefgen(["registry", "check", "examples/shop/shop.kef"], {
  cwd: repoRoot,
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
if (checked !== 0) process.exit(checked);

const { brokers, broker } = await resolveBrokers({ log: (line) => say(`[kafka] ${line}`) });
say(
  broker
    ? `local Kafka ${broker.version} on ${brokers.join(",")} (started in ${(broker.startupMs / 1000).toFixed(1)} s)`
    : `using KAFKA_BROKERS=${brokers.join(",")}`,
);

// For the demo's own admin and producer; the consumers' Kafka client is created by the runtime (logs go to its logger).
const kafka = new Kafka({ clientId: "kefgen-demo-producer", brokers, logLevel: logLevel.NOTHING });
const topics = {
  orders: "kefgen-demo.order-events",
  payments: "kefgen-demo.payments",
  alerts: "kefgen-demo.critical-alerts",
  signals: "kefgen-demo.trading-signals",
  shipments: "kefgen-demo.shipments",
};
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
    { topic: topics.shipments, numPartitions: 2 },
  ].filter((t) => !existing.has(t.topic)),
});
await admin.disconnect();

let handled = 0;
const runtime = generated.createShopConsumers(
  { brokers, clientId: "kefgen-demo" },
  demoHandlers((line: string) => {
    handled++;
    say(`  handled: ${line}`);
  }),
);

// Metrics and health while the demo runs (docs/operations.md). From kefgen/runtime like the generated code, so that
// both see the same runtime classes.
const { serveOperations } = await import("kefgen/runtime");
const { prometheusMetrics } = await import("kefgen/runtime/prometheus");
const exporter = prometheusMetrics(runtime);
const operations = await serveOperations(runtime, {
  port: Number(process.env["KEFGEN_DEMO_OPS_PORT"] ?? 0),
  host: "127.0.0.1",
  metrics: exporter,
});
const opsUrl = `http://127.0.0.1:${operations.port}`;
say(`operations: ${opsUrl}/metrics, ${opsUrl}/healthz, ${opsUrl}/readyz`);

let stopping: Promise<void> | undefined;
const shutdown = (why: string) =>
  (stopping ??= (async () => {
    say(`${why}: stopping consumers (drain, commit, leave groups)…`);
    await operations.close();
    exporter.close();
    await runtime.stop({ timeoutMs: 10_000 });
    await registry.stop();
    await broker?.stop();
  })());
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => void shutdown(signal).then(() => process.exit(0)));

await runtime.start();
say("consumers started: 3 Kafka consumers (shared: orders + payments + shipments; alerts; signals)");

// The generated producers (shop.kef: `producer {}` on orders, payments, alerts and signals) encode and send.
const producers = generated.createShopProducers({ brokers, clientId: "kefgen-demo-producer" });
await producers.start();
const orders = Array.from({ length: 6 }, (_, i) => ({
  orderId: `o-${i + 1}`,
  customerId: `c-${(i % 3) + 1}`,
  items: [{ sku: "sku-1", quantity: i + 1, unitPriceCents: 1250 }],
  couponCode: i % 2 === 0 ? null : "WELCOME",
  attributes: { channel: "web" },
  createdAt: Date.now(),
}));
await producers.topics.orders.sendBatch(orders.map((o) => ({ value: o, key: o.customerId })));
await producers.topics.payments.sendBatch(
  orders.slice(0, 4).map((o, i) => ({
    value: {
      paymentId: `p-${i + 1}`,
      orderId: o.orderId,
      amountCents: 1250 * (i + 1),
      method: i % 2 ? ("CARD" as const) : ("WALLET" as const),
    },
    key: o.orderId,
  })),
);
await producers.topics.alerts.send({
  alertId: "a-1",
  severity: "CRITICAL",
  message: "payment provider latency above 2 s",
  source: "payments",
  fingerprint: Buffer.alloc(16, 7),
});
await producers.topics.signals.sendBatch(
  ["ACME", "INIT", "KAFK"].map((symbol, i) => ({
    value: {
      symbol,
      side: i % 2 ? ("SELL" as const) : ("BUY" as const),
      price: 100 + i,
      quantity: 10 * (i + 1),
      confidence: null,
      tags: [],
    },
  })),
);
await producers.stop();
// Shipments come from another team's service, written by hand here as its producer would: Confluent framing,
// with a schema newer than ours.
const producer = kafka.producer();
await producer.connect();
// Confluent framing: magic byte 0, the writer schema's id (4 bytes, big-endian), Avro written with that schema.
const framed = (schema: string, id: number, value: object): Buffer => {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(id, 1);
  return Buffer.concat([header, avro.Type.forSchema(JSON.parse(schema) as avro.Schema).toBuffer(value)]);
};
await producer.send({
  topic: topics.shipments,
  messages: [
    {
      key: "o-1",
      value: framed(shipmentSchemas[0]!, registered[0]!.id, { shipmentId: "s-1", orderId: "o-1", status: "PACKED" }),
    },
    {
      key: "o-1",
      value: framed(shipmentSchemas[1]!, registered[1]!.id, {
        shipmentId: "s-1",
        orderId: "o-1",
        status: "SHIPPED",
        carrier: "DHL",
      }),
    },
    {
      key: "o-2",
      value: framed(shipmentSchemas[1]!, registered[1]!.id, {
        shipmentId: "s-2",
        orderId: "o-2",
        status: "OUT_FOR_DELIVERY",
        carrier: "UPS",
      }),
    },
    {
      key: "o-1",
      value: framed(shipmentSchemas[1]!, registered[1]!.id, {
        shipmentId: "s-1",
        orderId: "o-1",
        status: "DELIVERED",
        carrier: "DHL",
      }),
    },
  ],
});
await producer.disconnect();
const produced = 6 + 4 + 1 + 3 + 4;
say(`produced ${produced} records to 5 topics (shipments: 1 written with schema v1, 3 with v2, Confluent-framed)`);

const deadline = Date.now() + 60_000;
while (handled < produced && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
const metrics = runtime.metrics();
say(`handled ${handled}/${produced} records; ${metrics.connectionCount} connections:`);
for (const c of metrics.connections) {
  say(
    `  ${c.name} (group ${c.groupId}, ${c.state}): ${c.topics.map((t: { topic: string; handled: number }) => `${path.basename(t.topic)} handled ${t.handled}`).join(", ")}`,
  );
}
// One scrape, as Prometheus would take it; printed: the connections, their states and the handled counters.
const readyz = await fetch(`${opsUrl}/readyz`);
say(
  `$ curl ${opsUrl}/readyz → ${readyz.status} ${((await readyz.json()) as { ready: boolean }).ready ? "ready" : "not ready"}`,
);
const scrape = await (await fetch(`${opsUrl}/metrics`)).text();
say(
  `$ curl ${opsUrl}/metrics (its kefgen_connections, current kefgen_connection_state and kefgen_records_handled_total lines)`,
);
for (const line of scrape.split("\n")) {
  if (/^kefgen_(connections |connection_state\{.*\} 1$|records_handled_total\{)/.test(line)) say(`  ${line}`);
}
await shutdown("done");
process.exit(handled >= produced ? 0 : 1);
