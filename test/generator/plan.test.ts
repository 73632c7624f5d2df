// kefgen plan: every Kafka consumer of a build, its effective settings with their origins, the rebalance
// warnings, in text, Markdown and JSON — exact outputs of one project that triggers every warning.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/snapshots.js";
import { runKefgen } from "../support/cli.js";

const kef =
  [
    'message OrderCreated from "schemas/order-created.avsc"',
    "",
    "shared {",
    '  groupId = "shop"',
    "  missingTopics = wait",
    "  maxPollIntervalMs = 20000",
    "}",
    "",
    'topic "orders" : OrderCreated',
    'topic "returns" : OrderCreated { consumer { concurrency = 4 retryAttempts = 3 } }',
    'topic "audit" : OrderCreated {',
    '  consumer exclusive { groupId = "audit" autoOffsetReset = latest maxPollIntervalMs = 60000 deadLetter = default }',
    "}",
  ].join("\n") + "\n";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-plan-"));
  fs.mkdirSync(path.join(dir, "schemas"));
  fs.copyFileSync(
    path.join(repoRoot, "fixtures/valid/seed/schemas/order-created.avsc"),
    path.join(dir, "schemas/order-created.avsc"),
  );
  fs.writeFileSync(path.join(dir, "shop.kef"), kef);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("kefgen plan", () => {
  it("prints each consumer, its settings with their origins, and the warnings as text", async () => {
    const r = await runKefgen(dir, ["plan", "shop.kef"]);
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(
      [
        "2 Kafka consumers",
        "",
        'shared connection: group "shop"',
        "  topics: orders (OrderCreated), returns (OrderCreated)",
        "  sessionTimeoutMs              30000              default",
        "  heartbeatIntervalMs           3000               default",
        "  maxPollIntervalMs             20000              shared, shop.kef:6",
        "  enableAutoCommit              false              default",
        "  autoCommitIntervalMs          5000               default",
        "  autoOffsetReset               latest             default",
        "  maxPollRecords                (none)             default",
        "  fetchMinBytes                 1                  default",
        "  fetchMaxWaitMs                500                default",
        "  missingTopics                 wait               shared, shop.kef:5",
        "  orders: maxBufferedMessages   1000               default",
        "  orders: concurrency           1                  default",
        "  orders: backpressure          ApplyBackpressure  default",
        "  orders: retryAttempts         10                 default",
        "  orders: retryBackoffMs        200                default",
        "  orders: retryMaxBackoffMs     30000              default",
        "  orders: retryMultiplier       2                  default",
        "  orders: retryJitterPercent    20                 default",
        "  orders: deadLetter            none               default",
        "  orders: onDecodeError         stop               default",
        "  returns: maxBufferedMessages  1000               default",
        "  returns: concurrency          4                  topic, shop.kef:10",
        "  returns: backpressure         ApplyBackpressure  default",
        "  returns: retryAttempts        3                  topic, shop.kef:10",
        "  returns: retryBackoffMs       200                default",
        "  returns: retryMaxBackoffMs    30000              default",
        "  returns: retryMultiplier      2                  default",
        "  returns: retryJitterPercent   20                 default",
        "  returns: deadLetter           none               default",
        "  returns: onDecodeError        stop               default",
        "",
        'exclusive connection "audit": group "audit"',
        "  topics: audit (OrderCreated)",
        "  sessionTimeoutMs            30000              default",
        "  heartbeatIntervalMs         3000               default",
        "  maxPollIntervalMs           60000              connection, shop.kef:12",
        "  enableAutoCommit            false              default",
        "  autoCommitIntervalMs        5000               default",
        "  autoOffsetReset             latest             connection, shop.kef:12",
        "  maxPollRecords              (none)             default",
        "  fetchMinBytes               1                  default",
        "  fetchMaxWaitMs              500                default",
        "  missingTopics               wait               shared, shop.kef:5",
        "  audit: maxBufferedMessages  1000               default",
        "  audit: concurrency          1                  default",
        "  audit: backpressure         ApplyBackpressure  default",
        "  audit: retryAttempts        10                 default",
        "  audit: retryBackoffMs       200                default",
        "  audit: retryMaxBackoffMs    30000              default",
        "  audit: retryMultiplier      2                  default",
        "  audit: retryJitterPercent   20                 default",
        '  audit: deadLetter           "audit-dlt"        topic, shop.kef:12',
        "  audit: onDecodeError        deadLetter         default",
        "",
        'shop.kef:6: warning KEF2080: connection "shared": maxPollIntervalMs (20000) is below sessionTimeoutMs (30000): kafkajs sends it as the rebalance timeout, so a rebalance can give up on a member whose session is still alive',
        "  hint: keep maxPollIntervalMs at or above sessionTimeoutMs",
        'shop.kef:6: warning KEF2081: connection "shared": maxPollIntervalMs (20000) is below the longest retry wait of its topics (retryMaxBackoffMs, 30000 ms): a record that keeps failing makes no progress for whole rebalance timeouts, and a rebalance meanwhile hands it to the next owner, which starts its retries over',
        "  hint: raise maxPollIntervalMs above 30000, or lower retryMaxBackoffMs",
        'warning KEF2082: connection "shared": missingTopics = wait with autoOffsetReset = latest: records written to a topic before the connection finds it (every missingTopicCheckMs) are skipped',
        "  hint: use autoOffsetReset = earliest for topics that may be created after the service starts",
        'shop.kef:5: warning KEF2083: connection "shared": group "shop" reads 2 topics with missingTopics = wait: when a missing one appears the whole group rejoins, pausing every topic of the connection',
        "  hint: give a topic that may be missing its own exclusive connection, or create the topics before the service starts",
        'shop.kef:12: warning KEF2082: connection "audit": missingTopics = wait with autoOffsetReset = latest: records written to a topic before the connection finds it (every missingTopicCheckMs) are skipped',
        "  hint: use autoOffsetReset = earliest for topics that may be created after the service starts",
      ].join("\n") + "\n",
    );
  });

  it("prints Markdown tables", async () => {
    const r = await runKefgen(dir, ["plan", "shop.kef", "--format", "markdown"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(
      [
        "# Kafka consumers",
        "",
        "2 Kafka consumers. Generated by `kefgen plan`.",
        "",
        '## shared connection: group "shop"',
        "",
        "Topics: orders (OrderCreated), returns (OrderCreated)",
        "",
        "| setting | value | from |",
        "| --- | --- | --- |",
        "| sessionTimeoutMs | 30000 | default |",
        "| heartbeatIntervalMs | 3000 | default |",
        "| maxPollIntervalMs | 20000 | shared, shop.kef:6 |",
        "| enableAutoCommit | false | default |",
        "| autoCommitIntervalMs | 5000 | default |",
        "| autoOffsetReset | latest | default |",
        "| maxPollRecords | (none) | default |",
        "| fetchMinBytes | 1 | default |",
        "| fetchMaxWaitMs | 500 | default |",
        "| missingTopics | wait | shared, shop.kef:5 |",
        "| orders: maxBufferedMessages | 1000 | default |",
        "| orders: concurrency | 1 | default |",
        "| orders: backpressure | ApplyBackpressure | default |",
        "| orders: retryAttempts | 10 | default |",
        "| orders: retryBackoffMs | 200 | default |",
        "| orders: retryMaxBackoffMs | 30000 | default |",
        "| orders: retryMultiplier | 2 | default |",
        "| orders: retryJitterPercent | 20 | default |",
        "| orders: deadLetter | none | default |",
        "| orders: onDecodeError | stop | default |",
        "| returns: maxBufferedMessages | 1000 | default |",
        "| returns: concurrency | 4 | topic, shop.kef:10 |",
        "| returns: backpressure | ApplyBackpressure | default |",
        "| returns: retryAttempts | 3 | topic, shop.kef:10 |",
        "| returns: retryBackoffMs | 200 | default |",
        "| returns: retryMaxBackoffMs | 30000 | default |",
        "| returns: retryMultiplier | 2 | default |",
        "| returns: retryJitterPercent | 20 | default |",
        "| returns: deadLetter | none | default |",
        "| returns: onDecodeError | stop | default |",
        "",
        '## exclusive connection "audit": group "audit"',
        "",
        "Topics: audit (OrderCreated)",
        "",
        "| setting | value | from |",
        "| --- | --- | --- |",
        "| sessionTimeoutMs | 30000 | default |",
        "| heartbeatIntervalMs | 3000 | default |",
        "| maxPollIntervalMs | 60000 | connection, shop.kef:12 |",
        "| enableAutoCommit | false | default |",
        "| autoCommitIntervalMs | 5000 | default |",
        "| autoOffsetReset | latest | connection, shop.kef:12 |",
        "| maxPollRecords | (none) | default |",
        "| fetchMinBytes | 1 | default |",
        "| fetchMaxWaitMs | 500 | default |",
        "| missingTopics | wait | shared, shop.kef:5 |",
        "| audit: maxBufferedMessages | 1000 | default |",
        "| audit: concurrency | 1 | default |",
        "| audit: backpressure | ApplyBackpressure | default |",
        "| audit: retryAttempts | 10 | default |",
        "| audit: retryBackoffMs | 200 | default |",
        "| audit: retryMaxBackoffMs | 30000 | default |",
        "| audit: retryMultiplier | 2 | default |",
        "| audit: retryJitterPercent | 20 | default |",
        '| audit: deadLetter | "audit-dlt" | topic, shop.kef:12 |',
        "| audit: onDecodeError | deadLetter | default |",
        "",
        "## Warnings",
        "",
        "- **KEF2080** (connection shared, shop.kef:6): maxPollIntervalMs (20000) is below sessionTimeoutMs (30000): kafkajs sends it as the rebalance timeout, so a rebalance can give up on a member whose session is still alive. Hint: keep maxPollIntervalMs at or above sessionTimeoutMs.",
        "- **KEF2081** (connection shared, shop.kef:6): maxPollIntervalMs (20000) is below the longest retry wait of its topics (retryMaxBackoffMs, 30000 ms): a record that keeps failing makes no progress for whole rebalance timeouts, and a rebalance meanwhile hands it to the next owner, which starts its retries over. Hint: raise maxPollIntervalMs above 30000, or lower retryMaxBackoffMs.",
        "- **KEF2082** (connection shared): missingTopics = wait with autoOffsetReset = latest: records written to a topic before the connection finds it (every missingTopicCheckMs) are skipped. Hint: use autoOffsetReset = earliest for topics that may be created after the service starts.",
        '- **KEF2083** (connection shared, shop.kef:5): group "shop" reads 2 topics with missingTopics = wait: when a missing one appears the whole group rejoins, pausing every topic of the connection. Hint: give a topic that may be missing its own exclusive connection, or create the topics before the service starts.',
        "- **KEF2082** (connection audit, shop.kef:12): missingTopics = wait with autoOffsetReset = latest: records written to a topic before the connection finds it (every missingTopicCheckMs) are skipped. Hint: use autoOffsetReset = earliest for topics that may be created after the service starts.",
      ].join("\n") + "\n",
    );
  });

  it("prints JSON with the same facts", async () => {
    const r = await runKefgen(dir, ["plan", "shop.kef", "--format", "json"]);
    expect(r.exitCode).toBe(0);
    const { diagnostics, plan } = JSON.parse(r.stdout);
    expect(diagnostics).toEqual([]);
    expect(plan.consumers.map((c: { connection: string; groupId: string }) => [c.connection, c.groupId])).toEqual([
      ["shared", "shop"],
      ["audit", "audit"],
    ]);
    expect(plan.consumers[0].settings.find((s: { name: string }) => s.name === "maxPollIntervalMs")).toEqual({
      name: "maxPollIntervalMs",
      value: 20000,
      from: "shared",
      at: "shop.kef:6",
    });
    expect(plan.consumers[0].topics[1].buffer[1]).toEqual({
      name: "concurrency",
      value: 4,
      from: "topic",
      at: "shop.kef:10",
    });
    expect(plan.consumers[0].topics[1].buffer.find((s: { name: string }) => s.name === "retryAttempts")).toEqual({
      name: "retryAttempts",
      value: 3,
      from: "topic",
      at: "shop.kef:10",
    });
    expect(plan.consumers[1].topics[0].buffer.find((s: { name: string }) => s.name === "deadLetter")).toEqual({
      name: "deadLetter",
      value: "audit-dlt",
      from: "topic",
      at: "shop.kef:12",
    });
    expect(plan.consumers[1].settings.find((s: { name: string }) => s.name === "sessionTimeoutMs")).toEqual({
      name: "sessionTimeoutMs",
      value: 30000,
      from: "default",
    });
    expect(plan.warnings.map((w: { code: string; connection: string }) => `${w.code} ${w.connection}`)).toEqual([
      "KEF2080 shared",
      "KEF2081 shared",
      "KEF2082 shared",
      "KEF2083 shared",
      "KEF2082 audit",
    ]);
  });

  it("lists a topic's producer settings with their origins (default → shared → its producer block)", async () => {
    const fixture = path.join(repoRoot, "fixtures/valid/producers");
    const text = await runKefgen(fixture, ["plan", "producers.kef"]);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/\n {2}producers-framed producer: autoRegister +false +topic, producers\.kef:38\n/);
    expect(text.stdout).toMatch(/\n {2}producers-orders producer: compression +gzip +shared, producers\.kef:20\n/);
    expect(text.stdout).not.toContain("producers-audit producer");
    const { plan } = JSON.parse((await runKefgen(fixture, ["plan", "producers.kef", "--format", "json"])).stdout);
    const topics = plan.consumers[0].topics as { topic: string; producer?: unknown }[];
    expect(topics.find((t) => t.topic === "producers-anonymous")!.producer).toEqual([
      { name: "acks", value: "leader", from: "topic", at: "producers.kef:28" },
      { name: "idempotent", value: false, from: "topic", at: "producers.kef:27" },
      { name: "compression", value: "gzip", from: "shared", at: "producers.kef:20" },
      { name: "maxInFlight", value: 5, from: "default" },
      { name: "autoRegister", value: true, from: "default" },
    ]);
    expect(topics.find((t) => t.topic === "producers-audit")!.producer).toBeUndefined();
    const markdown = await runKefgen(fixture, ["plan", "producers.kef", "--format", "markdown"]);
    expect(markdown.stdout).toContain("| producers-blobs producer: maxInFlight | 1 | topic, producers.kef:24 |\n");
  });

  it("lists exactlyOnce and the transaction limits of an exactly-once topic with their origins, and not for the others", async () => {
    const fixture = path.join(repoRoot, "fixtures/valid/exactly-once");
    const text = await runKefgen(fixture, ["plan", "exactly-once.kef"]);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/\n {2}eos-orders: exactlyOnce +true +topic, exactly-once\.kef:17\n/);
    expect(text.stdout).toMatch(/\n {2}eos-orders: transactionMaxRecords +100 +default\n/);
    expect(text.stdout).not.toMatch(/eos-audit: (exactlyOnce|transaction)/);
    const { plan } = JSON.parse((await runKefgen(fixture, ["plan", "exactly-once.kef", "--format", "json"])).stdout);
    const topics = (plan.consumers as { topics: { topic: string; buffer: { name: string }[] }[] }[]).flatMap(
      (c) => c.topics,
    );
    const settingsOf = (topic: string, names: string[]) =>
      topics.find((t) => t.topic === topic)!.buffer.filter((s) => names.includes(s.name));
    const eos = ["backpressure", "exactlyOnce", "transactionMaxRecords", "transactionMaxMs", "retryAttempts"];
    expect(settingsOf("eos-refunds", eos)).toEqual([
      { name: "backpressure", value: "ApplyBackpressure", from: "default" },
      { name: "exactlyOnce", value: true, from: "topic", at: "exactly-once.kef:21" },
      { name: "transactionMaxRecords", value: 500, from: "topic", at: "exactly-once.kef:21" },
      { name: "transactionMaxMs", value: 50, from: "topic", at: "exactly-once.kef:21" },
      { name: "retryAttempts", value: 10, from: "default" },
    ]);
    expect(settingsOf("eos-audit", eos).map((s) => s.name)).toEqual(["backpressure", "retryAttempts"]);
    const markdown = await runKefgen(fixture, ["plan", "exactly-once.kef", "--format", "markdown"]);
    expect(markdown.stdout).toContain("| eos-refunds: transactionMaxMs | 50 | topic, exactly-once.kef:21 |\n");
  });

  it("prints no plan for a project with errors, and no warnings for a plain one", async () => {
    fs.writeFileSync(path.join(dir, "broken.kef"), 'topic "x" : Missing\n');
    const broken = await runKefgen(dir, ["plan", "broken.kef"]);
    expect(broken.exitCode).toBe(1);
    expect(broken.stdout).toBe("");
    expect(broken.stderr).toContain("error KEF2001");
    const seed = await runKefgen(path.join(repoRoot, "fixtures/valid/seed"), ["plan", "seed.kef"]);
    expect(seed.exitCode).toBe(0);
    expect(seed.stdout).not.toContain("warning");
    expect(seed.stdout).toContain("  payments: maxBufferedMessages      100                topic, seed.kef:39\n");
  });
});
