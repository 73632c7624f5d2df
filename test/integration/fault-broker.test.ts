// Fault matrix (issue 10), broker faults: each scenario owns a dedicated single-node broker
// (scripts/kafka/local-broker.ts), runs a consumer in this process under an acks=all producer,
// injects the fault, and hands everything to the invariant checker (test/support/invariants.ts),
// which checks I1–I5 and prints the scenario's figures as `[fault-matrix] {...}`.

import { afterEach, describe, expect, it } from 'vitest';
import { startLocalBroker, type LocalBroker } from '../../scripts/kafka/local-broker.js';
import { AckedProducer } from '../support/fault-load.js';
import { startScenario, type Scenario } from '../support/fault-scenario.js';
import { waitFor } from '../support/kafka.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function dedicatedBroker(): Promise<LocalBroker> {
  const broker = await startLocalBroker({ logLevel: 'WARN' });
  cleanups.push(() => broker.stop());
  return broker;
}

async function scenarioOn(brokers: string[], name: string): Promise<Scenario> {
  const scenario = await startScenario({
    name,
    brokers,
    topics: 2,
    partitions: 3,
    backlogPerPartition: 3_000,
    concurrency: 2,
    capacity: 1_000,
    handlerDelayMs: 1,
  });
  cleanups.push(() => scenario.stop());
  return scenario;
}

describe('fault matrix: broker faults', () => {
  it('1. broker SIGKILL mid-stream, restarted on the same port and data after 10 s: nothing lost, duplicates only of records in flight', async () => {
    const broker = await dedicatedBroker();
    const scenario = await scenarioOn(broker.brokers, 'broker-kill');
    const load = new AckedProducer(broker.brokers, scenario.topics.map((topic) => ({ topic, partitions: 3 })), scenario.checker, { batchSize: 10, pauseMs: 50 });
    cleanups.push(() => load.stop());
    await waitFor(() => scenario.checker.handledCount >= 5_000, { timeoutMs: 60_000, message: '5,000 records handled before the fault' });

    const healed = scenario.checker.fault('broker SIGKILL');
    await broker.kill();
    await new Promise((resolve) => setTimeout(resolve, 10_000)); // the scenario's fault duration, not a wait for a condition
    await broker.restart();
    healed();
    await waitFor(() => scenario.events.joins >= 2 || scenario.runtime.metrics().connections[0]!.state === 'running', { timeoutMs: 60_000, message: 'the consumer back in its group' });
    await load.stop();
    await scenario.checker.waitForZeroLag(60_000);
    const figures = await scenario.checker.finish();
    process.stdout.write(`[fault-matrix] broker-kill events ${JSON.stringify({ ...scenario.events, offsetResets: scenario.events.offsetResets.length, producerFailures: load.failures })}\n`);
    // The target of issue 10: no more duplicates than records in flight in the handlers (concurrency × topics).
    expect(figures.duplicates).toBeLessThanOrEqual(2 * 2);
  }, 240_000);
});
