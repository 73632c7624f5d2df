// Isolation from a bad topic, against the real broker: a topic deleted while a shared connection reads
// it is dropped (event, metric) while the other topic goes on and loses nothing, and is consumed again
// once recreated; a topic missing at start fails start() naming it (missingTopics = fail) or is waited
// for (missingTopics = wait). See docs/runtime.md, "Missing and deleted topics".

import { afterEach, describe, expect, it } from "vitest";
import {
  RuntimeEvents,
  silentLogger,
  TopicMissingError,
  type ConnectionSpec,
  type CrashEvent,
  type MessageContext,
  type TopicMissingEvent,
  type TopicReturnedEvent,
} from "../../runtime/index.js";
import { HandledLog, Runtimes, testSettings, tickTopic } from "../support/guarantees.js";
import { testClients } from "../support/clients.js";
import { createTopic, kafka, produce, uniqueName, waitFor, withAdmin } from "../support/kafka.js";
import { tickCodec } from "../support/ticks.js";

const buffer = { maxBufferedMessages: 200, backpressure: "ApplyBackpressure" } as const;
/** How often the tests' runtimes look for missing topics (the default is 5 s). */
const CHECK_MS = 200;

/** Prints a measured figure in the test output. */
function figure(name: string, values: Record<string, unknown>): void {
  process.stdout.write(`[figures] ${name} ${JSON.stringify(values)}\n`);
}

/** Collects the process's warnings (a MaxListenersExceededWarning is one) while `during` runs. */
function processWarnings(): { warnings: Error[]; stop: () => void } {
  const warnings: Error[] = [];
  const listener = (warning: Error) => void warnings.push(warning);
  process.on("warning", listener);
  return { warnings, stop: () => void process.off("warning", listener) };
}

/** Creates `topic` again after a deletion: the broker refuses the name until the deletion finished. */
async function recreateTopic(topic: string, partitions: number): Promise<void> {
  await waitFor(
    async () => {
      await createTopic(topic, partitions);
      return true;
    },
    { timeoutMs: 30_000, intervalMs: 200, message: `topic ${topic} to be created again` },
  );
}

/** Distinct offsets handled per partition of `topic`. */
function distinctOffsets(log: HandledLog, topic: string, partitions: number): number[] {
  return Array.from({ length: partitions }, (_, p) => new Set(log.offsets(topic, p)).size);
}

describe.each(testClients())("%s", (client) => {
  const runtimes = new Runtimes(client);
  afterEach(() => runtimes.stopAll());

  describe("a topic deleted while a shared connection reads it", () => {
    it("is dropped with an event and a metric, the other topic loses nothing, and it is consumed again once recreated", async () => {
      const healthy = uniqueName("iso-healthy");
      const doomed = uniqueName("iso-doomed");
      await createTopic(healthy, 2);
      await createTopic(doomed, 1);
      const log = new HandledLog();
      const runtime = runtimes.create(
        [
          {
            name: "shared",
            kind: "shared",
            settings: testSettings(uniqueName("iso-group")),
            topics: [
              tickTopic(healthy, buffer, (_m, c) => log.record(c)),
              tickTopic(doomed, buffer, (_m, c) => log.record(c)),
            ],
          },
        ],
        { missingTopicCheckMs: CHECK_MS },
      );
      const missing: TopicMissingEvent[] = [];
      const returned: TopicReturnedEvent[] = [];
      const crashes: CrashEvent[] = [];
      runtime.on(RuntimeEvents.TOPIC_MISSING, (e) => void missing.push(e));
      runtime.on(RuntimeEvents.TOPIC_RETURNED, (e) => void returned.push(e));
      runtime.on(RuntimeEvents.CRASH, (e) => void crashes.push(e));
      const warnings = processWarnings();
      await runtime.start();
      await produce(
        doomed,
        ["a", "b", "c"].map((s, i) => ({ value: tickCodec.encode({ seq: i, source: s }) })),
      );

      // A steady stream to the healthy topic: 20,000 records in chunks of 250, 2 partitions alike.
      const total = 20_000;
      const chunk = 250;
      const producer = kafka().producer({ allowAutoTopicCreation: false });
      await producer.connect();
      let sent = 0;
      let deletedAt: number;
      const stream = (async () => {
        while (sent < total) {
          await producer.send({
            topic: healthy,
            acks: -1,
            messages: Array.from({ length: chunk }, (_, i) => ({
              partition: i % 2,
              value: tickCodec.encode({ seq: sent + i, source: healthy }),
            })),
          });
          sent += chunk;
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      try {
        await waitFor(() => log.count(doomed) === 3 && log.count(healthy) >= 3_000, {
          timeoutMs: 30_000,
          message: "both topics to be consumed",
        });
        deletedAt = Date.now();
        const handledAtDelete = log.count(healthy);
        await withAdmin((admin) => admin.deleteTopics({ topics: [doomed], timeout: 10_000 }));
        await stream;
        // Every record of the healthy topic is handled (at least once: records buffered when the
        // consumer was replaced are fetched again from the last commit).
        await waitFor(() => distinctOffsets(log, healthy, 2).every((n) => n === total / 2), {
          timeoutMs: 60_000,
          message: `all ${total} records of the healthy topic (handled: ${distinctOffsets(log, healthy, 2).join("+")})`,
        });
        const finishedAt = Date.now();
        expect(handledAtDelete).toBeLessThan(total);
        for (let p = 0; p < 2; p++) expect(Math.max(...log.offsets(healthy, p))).toBe(total / 2 - 1);

        await waitFor(() => missing.length > 0, { timeoutMs: 15_000, message: "the topicMissing event" });
        expect(missing).toEqual([
          { connection: "shared", topic: doomed, when: "running", waiting: true, checkIntervalMs: CHECK_MS },
        ]);
        const shared = runtime.metrics().connections[0]!;
        expect(shared).toMatchObject({ state: "running", missingTopics: [doomed], topicsFoundMissing: 1 });
        expect(shared.topics.map((t) => [t.topic, t.missing])).toEqual([
          [healthy, false],
          [doomed, true],
        ]);
        // No restart loop: kafkajs's crash on the deleted topic is followed by one replacement of the consumer.
        expect(shared.restarts, "restarts after the deletion").toBeLessThanOrEqual(2);
        expect(crashes.length, "crashes after the deletion").toBeLessThanOrEqual(2);
        figure("topic deleted mid-stream", {
          total,
          handledAtDelete,
          duplicates: log.count(healthy) - total,
          msFromDeleteToAllHandled: finishedAt - deletedAt,
          restarts: shared.restarts,
          crashes: crashes.length,
        });

        // Recreated: its records are consumed again, without anything done by the application.
        await recreateTopic(doomed, 1);
        await produce(
          doomed,
          ["x", "y"].map((s, i) => ({ value: tickCodec.encode({ seq: 100 + i, source: s }) })),
        );
        await waitFor(() => log.count(doomed) >= 5, { timeoutMs: 30_000, message: "records of the recreated topic" });
        expect(returned).toMatchObject([{ connection: "shared", topic: doomed }]);
        expect(runtime.metrics().connections[0]).toMatchObject({ missingTopics: [], topicsFoundMissing: 1 });
        // The healthy topic still flows after the rejoin.
        await produce(healthy, [{ partition: 0, value: tickCodec.encode({ seq: -1, source: healthy }) }]);
        await waitFor(() => new Set(log.offsets(healthy, 0)).size === total / 2 + 1, {
          timeoutMs: 15_000,
          message: "a record after the rejoin",
        });
        expect(warnings.warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
      } finally {
        warnings.stop();
        await stream.catch(() => {});
        await producer.disconnect().catch(() => {});
      }
    }, 150_000);
  });

  describe("a topic missing when the connection starts", () => {
    const spec = (
      groupId: string,
      topics: string[],
      missingTopics: "fail" | "wait",
      log: HandledLog,
    ): ConnectionSpec => ({
      name: "shared",
      kind: "shared",
      settings: { ...testSettings(groupId), missingTopics },
      topics: topics.map((topic) => tickTopic(topic, buffer, (_m: unknown, c: MessageContext) => log.record(c))),
    });

    it("missingTopics = fail: start() rejects at once with an error naming the topic and the connection", async () => {
      const present = uniqueName("start-present");
      const absent = uniqueName("start-absent");
      await createTopic(present, 1);
      // Silent: the runtime logs the failed start as an error, which is the expected outcome here.
      const groupId = uniqueName("start-fail");
      const runtime = runtimes.create([spec(groupId, [present, absent], "fail", new HandledLog())], {
        missingTopicCheckMs: CHECK_MS,
        logger: silentLogger,
      });
      const missing: TopicMissingEvent[] = [];
      runtime.on(RuntimeEvents.TOPIC_MISSING, (e) => void missing.push(e));
      const started = Date.now();
      const error = await runtime.start().then(
        () => undefined,
        (e: unknown) => e,
      );
      const elapsed = Date.now() - started;
      expect(error).toBeInstanceOf(TopicMissingError);
      expect(error).toMatchObject({ code: "KEF_TOPIC_MISSING", connection: "shared", topics: [absent], client });
      // The hint names the client this connection consumes with.
      expect((error as Error).message).toBe(
        `connection "shared": topic "${absent}" does not exist on the cluster; hint: create it (kefgen topics apply, or the runtime option ensureTopics: true; the runtime's ${client} consumer never creates topics by itself), or set missingTopics = wait to start without it`,
      );
      expect(missing).toEqual([
        { connection: "shared", topic: absent, when: "start", waiting: false, checkIntervalMs: CHECK_MS },
      ]);
      // "At once": the connection failed before its consumer joined the group (nothing was tried and given up on;
      // how long the client's metadata request took is not asserted, a figure only).
      const group = await withAdmin(async (admin) => (await admin.describeGroups([groupId])).groups[0]);
      expect(group?.members ?? []).toEqual([]);
      expect(group?.state ?? "Dead").toBe("Dead");
      figure("missing topic at start, fail", { elapsedMs: elapsed });
    });

    it("missingTopics = wait: start() resolves, the existing topics are consumed meanwhile, and the topic is consumed once created", async () => {
      const present = uniqueName("wait-present");
      const later = uniqueName("wait-later");
      const alone = uniqueName("wait-alone");
      await createTopic(present, 1);
      await produce(
        present,
        Array.from({ length: 50 }, (_, i) => ({ value: tickCodec.encode({ seq: i, source: present }) })),
      );
      const log = new HandledLog();
      const runtime = runtimes.create(
        [
          spec(uniqueName("wait-shared"), [present, later], "wait", log),
          // An exclusive connection whose only topic is missing: nothing to join, state "waiting".
          { ...spec(uniqueName("wait-alone"), [alone], "wait", log), name: "alone", kind: "exclusive" },
        ],
        { missingTopicCheckMs: CHECK_MS },
      );
      const missing: TopicMissingEvent[] = [];
      const returned: TopicReturnedEvent[] = [];
      runtime.on(RuntimeEvents.TOPIC_MISSING, (e) => void missing.push(e));
      runtime.on(RuntimeEvents.TOPIC_RETURNED, (e) => void returned.push(e));
      await runtime.start();
      expect(missing.map((e) => [e.connection, e.topic, e.when, e.waiting]).sort()).toEqual([
        ["alone", alone, "start", true],
        ["shared", later, "start", true],
      ]);
      expect(runtime.metrics().connections.map((c) => [c.name, c.state, c.missingTopics])).toEqual([
        ["shared", "running", [later]],
        ["alone", "waiting", [alone]],
      ]);
      await waitFor(() => log.count(present) === 50, { message: "the existing topic, meanwhile" });

      await createTopic(later, 1);
      await createTopic(alone, 1);
      await produce(
        later,
        Array.from({ length: 20 }, (_, i) => ({ value: tickCodec.encode({ seq: i, source: later }) })),
      );
      await produce(
        alone,
        Array.from({ length: 10 }, (_, i) => ({ value: tickCodec.encode({ seq: i, source: alone }) })),
      );
      await waitFor(() => log.count(later) === 20 && log.count(alone) === 10, {
        timeoutMs: 30_000,
        message: `the topics created later (handled ${log.count(later)}/20, ${log.count(alone)}/10)`,
      });
      expect(returned.map((e) => [e.connection, e.topic]).sort()).toEqual([
        ["alone", alone],
        ["shared", later],
      ]);
      expect(runtime.metrics().connections.map((c) => [c.name, c.state, c.missingTopics])).toEqual([
        ["shared", "running", []],
        ["alone", "running", []],
      ]);
      expect(log.count(present)).toBe(50); // the rejoin repeated nothing that had been committed
    }, 90_000);
  });
});
