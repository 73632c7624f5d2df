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
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
});
