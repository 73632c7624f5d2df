// `npm run demo` end to end (scripts/demo.ts) against the test broker: it builds examples/shop/shop.kef, starts the
// development registry, registers two versions of the shipments schema, checks them with `kefgen registry check`,
// and its generated consumers handle every record — the shipments written Confluent-framed with the newer schema
// (v2) read as the older reader type: v2's extra field skipped, its new enum symbol read as the enum default.
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/snapshots.js";
import { brokers } from "../support/kafka.js";

function runDemo(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    // node itself with tsx's loader, so that the test's timeout kills the demo and not only a wrapper process.
    const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "scripts/demo.ts")], {
      cwd: repoRoot,
      // Without the variable that silences kafkajs's partitioner warning: the demo must print none by itself.
      env: {
        ...process.env,
        KAFKA_BROKERS: brokers().join(","),
        NO_COLOR: "1",
        KAFKAJS_NO_PARTITIONER_WARNING: undefined,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 150_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe("npm run demo", () => {
  it(
    "handles every record, the framed shipments written with a newer schema included",
    { timeout: 180_000 },
    async () => {
      const { code, out } = await runDemo();
      expect(code, out).toBe(0);
      expect(out).toContain("examples/shop/generated is up to date (6 files)\n");
      expect(out).toMatch(
        /registered ShipmentUpdated under kefgen-demo\.shipments-value: v1 as version 1 \(id \d+\), v2 as version 2 \(id \d+\)/,
      );
      expect(out).toMatch(
        /kefgen-demo\.shipments-value \(ShipmentUpdated, registry "shop" \([^)]*\)\): compatible with version 2 \(id \d+\)/,
      );
      expect(out).toContain("handled 18/18 records");
      expect(out).not.toMatch(/partitioner/i);
      // Per key (one partition each), in the order produced.
      const shipments = out.split("\n").filter((l) => l.includes("handled: shipment"));
      expect(shipments.filter((l) => l.includes("for o-1"))).toEqual([
        "  handled: shipment s-1 for o-1: PACKED",
        "  handled: shipment s-1 for o-1: SHIPPED",
        "  handled: shipment s-1 for o-1: DELIVERED",
      ]);
      expect(shipments.filter((l) => l.includes("for o-2"))).toEqual(["  handled: shipment s-2 for o-2: UNKNOWN"]);
      expect(out).toContain("kefgen-demo.shipments handled 4");
      // Metrics and health while it runs: the endpoints printed, readiness, and a scrape whose counters are the records handled.
      expect(out).toMatch(
        /operations: http:\/\/127\.0\.0\.1:\d+\/metrics, http:\/\/127\.0\.0\.1:\d+\/healthz, http:\/\/127\.0\.0\.1:\d+\/readyz\n/,
      );
      expect(out).toMatch(/\/readyz → 200 ready\n/);
      expect(out).toContain("  kefgen_connections 3\n");
      expect(out).toContain('  kefgen_connection_state{connection="shared",group="kefgen-demo",state="running"} 1\n');
      expect(out).toMatch(
        / {2}kefgen_records_handled_total\{connection="shared",group="[^"]+",topic="kefgen-demo\.order-events"\} 6\n/,
      );
      expect(out).toMatch(
        / {2}kefgen_records_handled_total\{connection="[^"]+",group="[^"]+",topic="kefgen-demo\.shipments"\} 4\n/,
      );
    },
  );
});
