// A rebalance kafkajs announces and then gives up (runtime/transport/kafkajs.ts, rebalanceAbandoned): the runtime
// holds the handlers from the announcement (REBALANCING) to the join; kafkajs's joinAndSync retries only "rebalance
// in progress" and "unknown member", so a JoinGroup answered "the coordinator is loading" (a broker that stalled and
// came back, fault scenario 2) ends the rejoin and the runner fetches again in the generation it had: no join comes.
// The runtime must end the hold there, not after maxPollIntervalMs.
//
// A real broker behind a frame-reading proxy (test/support/frame-proxy.ts): the broker's answer to one heartbeat is
// rewritten to REBALANCE_IN_PROGRESS, and the JoinGroup that follows is answered by the proxy with
// COORDINATOR_LOAD_IN_PROGRESS without reaching the broker, so the member stays in its generation, as after the
// broker stall.

import { Kafka, logLevel } from "kafkajs";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/kafka/free-ports.js";
import { startLocalBroker } from "../../scripts/kafka/local-broker.js";
import { ConsumerRuntime, RuntimeEvents, type RuntimeLogger } from "../../runtime/index.js";
import { startFrameProxy } from "../support/frame-proxy.js";
import { testSettings, tickTopic } from "../support/guarantees.js";
import { uniqueName, waitFor } from "../support/kafka.js";
import { sleep, tickCodec } from "../support/ticks.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** Kafka's api keys and error codes used here. */
const JOIN_GROUP = 11;
const HEARTBEAT = 12;
const COORDINATOR_LOAD_IN_PROGRESS = 14;
const REBALANCE_IN_PROGRESS = 27;

const RECORDS = 300;

/** A JoinGroup response body (v2–v5: throttle, error, generation, protocol, leader, member id, no members). */
function joinGroupError(apiVersion: number, errorCode: number): Buffer {
  expect(apiVersion, "JoinGroup versions with this layout").toBeGreaterThanOrEqual(2);
  expect(apiVersion, "JoinGroup versions with this layout").toBeLessThanOrEqual(5);
  const body = Buffer.alloc(4 + 2 + 4 + 2 + 2 + 2 + 4);
  body.writeInt32BE(0, 0); // throttle_time_ms
  body.writeInt16BE(errorCode, 4);
  body.writeInt32BE(-1, 6); // generation_id
  // group_protocol, leader_id, member_id: empty strings (int16 length 0); members: an empty array (int32 0).
  return body;
}

describe("a rebalance kafkajs gives up", () => {
  it("ends the handlers' hold when fetching resumes in the same generation, not after maxPollIntervalMs", async () => {
    const brokerPort = await freePort();
    const proxy = await startFrameProxy(brokerPort);
    cleanups.push(() => proxy.close());
    const broker = await startLocalBroker({
      logLevel: "WARN",
      port: brokerPort,
      properties: { "advertised.listeners": `PLAINTEXT://127.0.0.1:${proxy.port}` },
    });
    cleanups.push(() => broker.stop());
    const brokers = [`127.0.0.1:${proxy.port}`];
    const topic = uniqueName("abandoned");
    const groupId = uniqueName("abandoned-group");
    const kafka = new Kafka({ clientId: "kefgen-abandoned", brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: RECORDS }, (_, seq) => ({ value: tickCodec.encode({ seq, source: topic }) })),
    });
    await producer.disconnect();

    const handled: number[] = [];
    const infos: string[] = [];
    const logger: RuntimeLogger = { debug() {}, info: (message) => void infos.push(message), warn() {}, error() {} };
    const runtime = new ConsumerRuntime(
      [
        {
          name: "shared",
          kind: "shared",
          // The rebalance timeout (and the hold's own limit) far beyond the test's waits; heartbeats every 200 ms.
          settings: testSettings(groupId, { maxPollIntervalMs: 300_000, heartbeatIntervalMs: 200 }),
          topics: [
            tickTopic(topic, { maxBufferedMessages: 50, backpressure: "ApplyBackpressure" }, async (_m, context) => {
              await sleep(20);
              handled.push(Number(context.offset));
            }),
          ],
        },
      ],
      { brokers, clientId: "kefgen-abandoned" },
      { logger, stopTimeoutMs: 5_000 },
    );
    const joins: number[] = [];
    let rebalancingAt: number | undefined;
    runtime.on(RuntimeEvents.GROUP_JOIN, () => void joins.push(Date.now()));
    runtime.on(RuntimeEvents.REBALANCING, () => void (rebalancingAt ??= handled.length));
    await runtime.start();
    cleanups.push(() => runtime.stop({ timeoutMs: 5_000 }));
    await waitFor(() => handled.length >= 20, { timeoutMs: 30_000, message: "20 records handled" });

    const joinGroups = () => proxy.requests.filter((r) => r.apiKey === JOIN_GROUP).length;
    const joinGroupsBefore = joinGroups();
    // The broker's answer to the next heartbeat says the group rebalances; the JoinGroup that follows never reaches
    // the broker, and is answered "the coordinator is loading".
    proxy.rewriteNextResponse(HEARTBEAT, (body, apiVersion) => {
      expect(apiVersion, "Heartbeat v1–v3: throttle_time_ms, then error_code").toBeGreaterThanOrEqual(1);
      expect(apiVersion).toBeLessThanOrEqual(3);
      body.writeInt16BE(REBALANCE_IN_PROGRESS, 4);
    });
    proxy.answerNext(JOIN_GROUP, (apiVersion) => joinGroupError(apiVersion, COORDINATOR_LOAD_IN_PROGRESS));
    await waitFor(() => rebalancingAt !== undefined, { timeoutMs: 30_000, message: "the rebalance announced" });
    const heldAt = rebalancingAt!;

    // Handling goes on well within the hold's 300 s: 30 more records (20 ms each) after the announcement.
    await waitFor(() => handled.length >= heldAt + 30, {
      timeoutMs: 20_000,
      message: "handling to go on after the given-up rebalance",
    });
    expect(joins, "no join happened: the hold ended on the resumed fetch").toHaveLength(1);
    expect(infos).toContain("the group did not rebalance: handling goes on with the same partitions");
    expect(runtime.metrics().connections[0]!.state).toBe("running");
    expect(joinGroups(), "one JoinGroup since: the one given up").toBe(joinGroupsBefore + 1);

    // Everything is handled, once: the member kept its partition throughout.
    await waitFor(() => handled.length >= RECORDS, { timeoutMs: 60_000, message: "every record handled" });
    expect([...handled].sort((a, b) => a - b)).toEqual(Array.from({ length: RECORDS }, (_, i) => i));
  }, 120_000);
});
