/**
 * Vitest globalSetup: obtains a Kafka broker once for the whole run and provides its bootstrap
 * addresses to the tests as `inject('kafkaBrokers')` (see test/support/kafka.ts).
 *
 * - `KAFKA_BROKERS=host:port[,host:port]` uses an existing cluster (checked to answer first).
 * - Otherwise a local single-node broker is started (scripts/kafka/local-broker.ts) and stopped at
 *   teardown.
 * - If no broker can be had the run fails, in CI and locally alike: tests never skip silently.
 */
import { Kafka, logLevel } from "kafkajs";
import type { TestProject } from "vitest/node";
import { resolveBrokers, type LocalBroker } from "../../scripts/kafka/local-broker.js";

declare module "vitest" {
  export interface ProvidedContext {
    kafkaBrokers: string[];
  }
}

const say = (line: string): void => {
  process.stderr.write(`[kafka] ${line}\n`);
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let brokers: string[];
  let broker: LocalBroker | undefined;
  try {
    ({ brokers, broker } = await resolveBrokers({ log: say }));
    if (!broker) await checkReachable(brokers, 30_000);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const where = process.env.KAFKA_BROKERS
      ? `KAFKA_BROKERS=${process.env.KAFKA_BROKERS} is not reachable`
      : "could not start the local Kafka broker (needs Java 17+ and Maven, or a cached download; " +
        "see docs/kafka.md, or set KAFKA_BROKERS to use an existing cluster)";
    const ci = process.env.CI === "true" ? " [CI]" : "";
    throw new Error(`Kafka is required by the test suite${ci}: ${where}.\n${why}`, { cause: err });
  }

  if (broker)
    say(`local Kafka ${broker.version} at ${brokers.join(",")} (started in ${(broker.startupMs / 1000).toFixed(1)} s)`);
  else say(`using KAFKA_BROKERS=${brokers.join(",")}`);
  project.provide("kafkaBrokers", brokers);

  return async () => {
    await broker?.stop();
  };
}

async function checkReachable(brokers: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const admin = new Kafka({
      clientId: "kefgen-test-setup",
      brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 2_000,
      retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      return;
    } catch (err) {
      last = err;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`no answer within ${timeoutMs} ms: ${last instanceof Error ? last.message : String(last)}`);
}
