// Two rejoins kafkajs makes without the usual events (runtime/transport/kafkajs.ts), against a real broker behind a
// frame-reading proxy (test/support/frame-proxy.ts) that changes one answer at a time:
// - a rebalance kafkajs announces and gives up: the runtime holds the handlers from the announcement (REBALANCING)
//   to the join; kafkajs's joinAndSync retries only "rebalance in progress" and "unknown member", so a JoinGroup
//   answered "the coordinator is loading" (a broker that stalled and came back, fault scenario 2) ends the rejoin,
//   and the runner fetches again in the generation it had: no join comes. The hold must end there, not after
//   maxPollIntervalMs. The proxy rewrites one heartbeat's answer to REBALANCE_IN_PROGRESS and answers the JoinGroup
//   that follows with COORDINATOR_LOAD_IN_PROGRESS without passing it on, so the member stays in its generation;
// - a member its coordinator no longer knows: kafkajs rejoins under a new member id with no REBALANCING event, and
//   only logs it. The group gave the partitions out without the member meanwhile, so no handler call may start
//   until the member has joined again. The proxy rewrites one heartbeat's answer to UNKNOWN_MEMBER_ID; the broker
//   still has the old member, so the new one joins only once the old one's session expired (sessionTimeoutMs).

import { Kafka, logLevel } from "kafkajs";
import { afterEach, describe, expect, it } from "vitest";
import { ConsumerRuntime, RuntimeEvents, type RuntimeLogger } from "../../runtime/index.js";
import { startFrameProxy, type FrameProxy } from "../support/frame-proxy.js";
import { startBrokerBehind } from "../support/loopback-proxy.js";
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
const UNKNOWN_MEMBER_ID = 25;
const REBALANCE_IN_PROGRESS = 27;

const RECORDS = 150;
/** A handler call's time: the buffer (50 records) holds 5 s of work, which a rejoin of ~10 s would eat. */
const HANDLER_MS = 100;

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

/**
 * Rewrites the error code of the broker's answer to the next heartbeat (v1–v3: throttle_time_ms, error_code); the
 * returned object gets the time the rewritten answer went to the client.
 */
function failNextHeartbeat(proxy: FrameProxy, errorCode: number): { at?: number } {
  const sent: { at?: number } = {};
  proxy.rewriteNextResponse(HEARTBEAT, (body, apiVersion) => {
    expect(apiVersion, "Heartbeat versions with this layout").toBeGreaterThanOrEqual(1);
    expect(apiVersion, "Heartbeat versions with this layout").toBeLessThanOrEqual(3);
    body.writeInt16BE(errorCode, 4);
    sent.at = Date.now();
  });
  return sent;
}

/**
 * A dedicated broker behind a frame proxy, a topic of {@link RECORDS} ticks on one partition, and a running consumer
 * (kafkajs) through the proxy whose handler takes {@link HANDLER_MS} a record; resolves once 20 records are handled.
 */
async function consumerBehindProxy(name: string) {
  const { proxy, brokers } = await startBrokerBehind(startFrameProxy, (stop) => cleanups.push(stop));
  const topic = uniqueName(name);
  const kafka = new Kafka({ clientId: "kefgen-rejoins", brokers, logLevel: logLevel.NOTHING });
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
  /** When each handler call started. */
  const starts: number[] = [];
  const infos: string[] = [];
  const logger: RuntimeLogger = { debug() {}, info: (message) => void infos.push(message), warn() {}, error() {} };
  const runtime = new ConsumerRuntime(
    [
      {
        name: "shared",
        kind: "shared",
        // The rebalance timeout (and the hold's own limit) far beyond the test's waits; heartbeats every 200 ms.
        settings: testSettings(uniqueName(`${name}-group`), { maxPollIntervalMs: 300_000, heartbeatIntervalMs: 200 }),
        topics: [
          tickTopic(topic, { maxBufferedMessages: 50, backpressure: "ApplyBackpressure" }, async (_m, context) => {
            starts.push(Date.now());
            await sleep(HANDLER_MS);
            handled.push(Number(context.offset));
          }),
        ],
      },
    ],
    { brokers, clientId: "kefgen-rejoins" },
    { logger, stopTimeoutMs: 5_000 },
  );
  const joins: number[] = [];
  const rebalancing: { at: number; handled: number }[] = [];
  runtime.on(RuntimeEvents.GROUP_JOIN, () => void joins.push(Date.now()));
  runtime.on(RuntimeEvents.REBALANCING, () => void rebalancing.push({ at: Date.now(), handled: handled.length }));
  await runtime.start();
  cleanups.push(() => runtime.stop({ timeoutMs: 5_000 }));
  await waitFor(() => handled.length >= 20, { timeoutMs: 30_000, message: "20 records handled" });
  const joinGroups = () => proxy.requests.filter((r) => r.apiKey === JOIN_GROUP).length;
  return { proxy, runtime, handled, starts, infos, joins, rebalancing, joinGroups };
}

/** Every record handled exactly once. */
async function everyRecordOnce(handled: number[]): Promise<void> {
  await waitFor(() => handled.length >= RECORDS, { timeoutMs: 60_000, message: "every record handled" });
  expect([...handled].sort((a, b) => a - b)).toEqual(Array.from({ length: RECORDS }, (_, i) => i));
}

describe("kafkajs rejoins", () => {
  it("a rebalance kafkajs gives up ends the handlers' hold when fetching resumes in the same generation, not after maxPollIntervalMs", async () => {
    const c = await consumerBehindProxy("abandoned");
    const joinGroupsBefore = c.joinGroups();
    failNextHeartbeat(c.proxy, REBALANCE_IN_PROGRESS);
    c.proxy.answerNext(JOIN_GROUP, (apiVersion) => joinGroupError(apiVersion, COORDINATOR_LOAD_IN_PROGRESS));
    await waitFor(() => c.rebalancing.length > 0, { timeoutMs: 30_000, message: "the rebalance announced" });
    const heldAt = c.rebalancing[0]!.handled;

    // Handling goes on well within the hold's 300 s: 10 more records after the announcement.
    await waitFor(() => c.handled.length >= heldAt + 10, {
      timeoutMs: 20_000,
      message: "handling to go on after the given-up rebalance",
    });
    expect(c.joins, "no join happened: the hold ended on the resumed fetch").toHaveLength(1);
    expect(c.infos).toContain("the group did not rebalance: handling goes on with the same partitions");
    expect(c.runtime.metrics().connections[0]!.state).toBe("running");
    expect(c.joinGroups(), "one JoinGroup since: the one given up").toBe(joinGroupsBefore + 1);
    // The member kept its partition throughout.
    await everyRecordOnce(c.handled);
  }, 120_000);

  it("a member its coordinator no longer knows starts no handler call until it has joined again", async () => {
    const c = await consumerBehindProxy("unknown-member");
    const unknown = failNextHeartbeat(c.proxy, UNKNOWN_MEMBER_ID);
    await waitFor(() => c.joins.length > 1, { timeoutMs: 60_000, message: "the join under a new member id" });
    const joined = c.joins[1]!;
    // The broker kept the old member until its session expired: the join took that long.
    expect(joined - unknown.at!, "the rejoin took the old member's session timeout").toBeGreaterThan(5_000);
    // A call in flight when kafkajs read the answer finishes; from a second later (kafkajs stopping its fetchers,
    // then logging) until the join, none starts.
    expect(
      c.starts.filter((t) => t > unknown.at! + 1_000 && t < joined),
      "handler calls started between the rejoin and the join",
    ).toEqual([]);
    // The runtime announced it as a rebalance (its commit is best effort), and kafkajs logged why.
    expect(c.rebalancing.map((r) => r.at).filter((at) => at >= unknown.at!)).toHaveLength(1);
    await everyRecordOnce(c.handled);
  }, 120_000);
});
