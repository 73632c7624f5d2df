import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "kefgen/runtime": fileURLToPath(new URL("./runtime/index.ts", import.meta.url)),
      "kefgen/testing": fileURLToPath(new URL("./runtime/testing/index.ts", import.meta.url)),
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
    // Starts (or connects to, with KAFKA_BROKERS) one Kafka broker for the whole run.
    globalSetup: ["test/support/global-setup.ts"],
    setupFiles: ["test/support/setup.ts"],
    pool: "forks",
    // An upper bound, not a pace: a guarantee test handles thousands of records and, on a loaded 2-core
    // machine, takes several times as long as alone; its waits fail on a stall (waitFor's progress).
    testTimeout: 180_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
});
