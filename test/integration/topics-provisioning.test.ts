// Topic provisioning against the real broker: `kefgen topics plan` lists what `apply` makes — missing topics created
// (a dead-letter topic like its source), partitions increased, config drift fixed — with exit codes 0 (nothing),
// 1 (error) and 2 (changes pending or made); a reduction of partitions is refused and a replication factor above
// the cluster's size (the test broker has 1) is a clear error. The runtime option `ensureTopics` creates the missing
// topics at start, as declared, and the consumers then read them.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigResourceTypes, ConfigSource } from "kafkajs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { bindTopic, silentLogger, TopicMissingError, type TopicProvisioning } from "../../runtime/index.js";
import { runKefgen } from "../support/cli.js";
import { HandledLog, Runtimes, testSettings } from "../support/guarantees.js";
import { brokers, createTopic, produce, uniqueName, waitFor, withAdmin } from "../support/kafka.js";
import { TICK_TYPE, tickCodec, type Tick } from "../support/ticks.js";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-topics-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const runtimes = new Runtimes();
afterEach(() => runtimes.stopAll());

function project(topics: string): string {
  const file = `${uniqueName("p")}.kef`;
  fs.writeFileSync(
    path.join(dir, file),
    ['message A avro { "type": "record", "name": "A", "fields": [] }', 'shared { groupId = "g" }', topics].join("\n") +
      "\n",
  );
  return file;
}

async function describeTopic(
  topic: string,
): Promise<{ partitions: number; config: Record<string, { value: string; set: boolean }> }> {
  return withAdmin(async (admin) => {
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    const configs = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
      includeSynonyms: false,
    });
    const config = Object.fromEntries(
      configs.resources[0]!.configEntries.map((e) => [
        e.configName,
        { value: e.configValue, set: e.configSource === ConfigSource.TOPIC_CONFIG },
      ]),
    );
    return { partitions: meta.topics[0]!.partitions.length, config };
  });
}

async function topicExists(topic: string): Promise<boolean> {
  return withAdmin(async (admin) => (await admin.listTopics()).includes(topic));
}

const cli = (verb: "plan" | "apply", file: string, ...more: string[]) =>
  runKefgen(dir, ["topics", verb, file, "--brokers", brokers().join(","), ...more]);

describe("kefgen topics", () => {
  it("creates missing topics with their partitions and configs, and their dead-letter topics like them; then there is nothing to change", async () => {
    const orders = uniqueName("orders");
    const file = project(
      `topic "${orders}" : A {\n  partitions = 3\n  replicationFactor = 1\n  config { "retention.ms" = 7d "cleanup.policy" = "compact,delete" "max.message.bytes" = 2MiB }\n  consumer { deadLetter = default }\n}`,
    );
    const plan = await cli("plan", file);
    expect(plan.stderr).toBe("");
    expect(plan.stdout).toBe(
      [
        `+ create ${orders} (3 partitions, replication factor 1, cleanup.policy=compact,delete, max.message.bytes=2097152, retention.ms=604800000)`,
        `+ create ${orders}-dlt (3 partitions, replication factor 1; dead-letter topic of ${orders})`,
        "2 changes pending: kefgen topics apply makes them",
        "",
      ].join("\n"),
    );
    expect(plan.exitCode).toBe(2);
    expect(await topicExists(orders)).toBe(false); // plan changes nothing

    const apply = await cli("apply", file);
    expect(apply.stdout.split("\n").slice(-2)).toEqual(["2 changes made", ""]);
    expect(apply.exitCode).toBe(2);
    const created = await describeTopic(orders);
    expect(created.partitions).toBe(3);
    expect(created.config["retention.ms"]).toEqual({ value: "604800000", set: true });
    expect(created.config["cleanup.policy"]).toEqual({ value: "compact,delete", set: true });
    expect(created.config["max.message.bytes"]).toEqual({ value: "2097152", set: true });
    expect((await describeTopic(`${orders}-dlt`)).partitions).toBe(3);

    const again = await cli("plan", file, "--format", "json");
    expect(JSON.parse(again.stdout)).toEqual({ applied: false, changes: [], problems: [] });
    expect(again.exitCode).toBe(0);
  });

  it("increases partitions and fixes config drift, keeping the configs set outside the .kef; refuses a reduction", async () => {
    const grows = uniqueName("grows");
    const shrinks = uniqueName("shrinks");
    await createTopic(grows, 2, { "retention.ms": "3600000", "segment.ms": "7200000" });
    await createTopic(shrinks, 4);
    const file = project(
      `topic "${grows}" : A { partitions = 5 config { "retention.ms" = 1d } }\ntopic "${shrinks}" : A { partitions = 2 }`,
    );
    const plan = await cli("plan", file, "--format", "json");
    expect(JSON.parse(plan.stdout)).toEqual({
      applied: false,
      changes: [
        { kind: "partitions", topic: grows, from: 2, to: 5 },
        { kind: "config", topic: grows, key: "retention.ms", from: "3600000", to: "86400000" },
      ],
      problems: [
        {
          topic: shrinks,
          message: `declared with 2 partitions, the cluster has 4: kefgen never reduces partitions (Kafka cannot without deleting the topic)`,
        },
      ],
    });
    expect(plan.exitCode).toBe(1); // the refused reduction is an error to fix in the .kef

    const apply = await cli("apply", file);
    expect(apply.stdout).toContain(`! ${shrinks}: declared with 2 partitions, the cluster has 4`);
    expect(apply.exitCode).toBe(1);
    // The controller has the new partitions once apply returns; the broker's metadata may show them a moment later.
    const grown = await waitFor(
      async () => {
        const d = await describeTopic(grows);
        return d.partitions === 5 && d;
      },
      { message: `${grows} to have 5 partitions` },
    );
    expect(grown.partitions).toBe(5);
    expect(grown.config["retention.ms"]).toEqual({ value: "86400000", set: true });
    expect(grown.config["segment.ms"]).toEqual({ value: "7200000", set: true }); // not lost by AlterConfigs
    expect((await describeTopic(shrinks)).partitions).toBe(4);
  });

  it("says clearly that a replication factor above the cluster size cannot be, and creates nothing for it", async () => {
    const wide = uniqueName("wide");
    const file = project(`topic "${wide}" : A { partitions = 2 replicationFactor = 3 }`);
    for (const verb of ["plan", "apply"] as const) {
      const r = await cli(verb, file);
      expect(r.stdout).toBe(
        `! ${wide}: replicationFactor 3 is above the cluster's size: it has 1 broker, so at most 1 copy of each partition\n` +
          "nothing kefgen can change; 1 problem to fix by hand or in the .kef\n",
      );
      expect(r.exitCode).toBe(1);
    }
    expect(await topicExists(wide)).toBe(false);
  });

  it("reports an unreachable cluster and a .kef with errors as errors (exit 1)", async () => {
    const file = project('topic "x" : A { partitions = 0 }');
    const bad = await cli("plan", file);
    expect(bad.stderr).toContain("KEF2143");
    expect(bad.exitCode).toBe(1);
    const ok = project(`topic "${uniqueName("x")}" : A`);
    const down = await runKefgen(dir, ["topics", "plan", ok, "--brokers", "127.0.0.1:1"]);
    expect(down.stderr).toMatch(/^kefgen: cannot read the topics of 127\.0\.0\.1:1: /);
    expect(down.exitCode).toBe(1);
  });
});

describe("the runtime option ensureTopics", () => {
  const buffer = { maxBufferedMessages: 100, backpressure: "ApplyBackpressure" } as const;
  const topic = (name: string, log: HandledLog, provisioning?: TopicProvisioning, deadLetter?: string) =>
    bindTopic<Tick>({
      topic: name,
      messageType: TICK_TYPE,
      codec: tickCodec,
      buffer,
      ...(deadLetter ? { failure: { deadLetter } } : {}),
      ...(provisioning ? { provisioning } : {}),
      handler: (_m, c) => log.record(c),
    });
  const ticks = (n: number) =>
    Array.from({ length: n }, (_, seq) => ({ value: tickCodec.encode({ seq, source: "ensure" }), partition: seq % 3 }));

  it("creates the missing topics (and the dead-letter topic like its source) at start, and the consumers read them", async () => {
    const declared = uniqueName("ensure-declared");
    const plain = uniqueName("ensure-plain");
    const existing = uniqueName("ensure-existing");
    await createTopic(existing, 1, { "retention.ms": "3600000" });
    const log = new HandledLog();
    const connections = () => [
      {
        name: "shared",
        kind: "shared" as const,
        settings: testSettings(uniqueName("ensure-group")),
        topics: [
          topic(
            declared,
            log,
            { partitions: 3, replicationFactor: 1, config: { "retention.ms": "604800000" } },
            `${declared}-dlt`,
          ),
          topic(plain, log),
          topic(existing, log, { partitions: 4, config: { "retention.ms": "86400000" } }),
        ],
      },
    ];
    // Without the option the same runtime does not start: the topics are missing (missingTopics = fail).
    await expect(runtimes.create(connections(), { logger: silentLogger }).start()).rejects.toBeInstanceOf(
      TopicMissingError,
    );

    const runtime = runtimes.create(connections(), { ensureTopics: true });
    await runtime.start();
    const made = await describeTopic(declared);
    expect(made.partitions).toBe(3);
    expect(made.config["retention.ms"]).toEqual({ value: "604800000", set: true });
    expect((await describeTopic(`${declared}-dlt`)).partitions).toBe(3);
    expect(await topicExists(plain)).toBe(true);
    // A topic that exists is left as it is: changing it is `kefgen topics apply`'s job.
    const untouched = await describeTopic(existing);
    expect(untouched.partitions).toBe(1);
    expect(untouched.config["retention.ms"]).toEqual({ value: "3600000", set: true });

    await produce(declared, ticks(9));
    await produce(plain, [{ value: tickCodec.encode({ seq: 0, source: "ensure" }) }]);
    await waitFor(() => log.count(declared) === 9 && log.count(plain) === 1, {
      timeoutMs: 30_000,
      message: "the created topics to be consumed",
    });
  });

  it("rejects start() naming the topic and the broker's reason when a replication factor is above the cluster size", async () => {
    const wide = uniqueName("ensure-wide");
    const log = new HandledLog();
    const runtime = runtimes.create(
      [
        {
          name: "shared",
          kind: "shared",
          settings: testSettings(uniqueName("ensure-wide-group")),
          topics: [topic(wide, log, { partitions: 2, replicationFactor: 3 })],
        },
      ],
      { ensureTopics: true },
    );
    const error = await runtime.start().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(new RegExp(`^cannot create topics ${wide}: ${wide}: .*[Rr]eplication`));
    expect(await topicExists(wide)).toBe(false);
  });
});
