// Topic provisioning in the language: `partitions`, `replicationFactor` and `config { }` in a topic's `{ }` reach the
// model in Kafka's string form (durations in ms, sizes in bytes), dead-letter topics are provisioned like their
// source topics, and the values the table refuses are refused (the exact messages are in
// fixtures/invalid/topic-provisioning.errors.txt).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyse } from "../../generator/program.js";
import { runKefgen } from "../support/cli.js";
import { topicSpecs } from "../../generator/topic-config.js";

const kef = `namespace prov
message A avro { "type": "record", "name": "A", "fields": [] }
shared { groupId = "g" }
topic "orders" : A {
  partitions = 12
  replicationFactor = 3
  config {
    "retention.ms" = 7d
    "cleanup.policy" = compact
    "max.message.bytes" = 1MiB
    "min.cleanable.dirty.ratio" = 0.5
    "retention.bytes" = -1
    "compression.type" = zstd
    "preallocate" = false
    "segment.ms" = 3600000
  }
  consumer { deadLetter = default }
}
topic "payments" : A { consumer { deadLetter = "shared-dlt" } partitions = 4 }
topic "refunds" : A { consumer { deadLetter = "shared-dlt" } partitions = 8 }
topic "audit" : A { config { "cleanup.policy" = "compact, delete" } }
topic "plain" : A
`;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-topic-config-"));
  fs.writeFileSync(path.join(dir, "prov.kef"), kef);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function model(text = kef) {
  fs.writeFileSync(path.join(dir, "prov.kef"), text);
  const r = analyse({ inputs: ["prov.kef"], cwd: dir });
  return r;
}

describe("topic provisioning", () => {
  it("puts counts and configs in Kafka's string form into the model", () => {
    const r = model();
    expect(r.diagnostics).toEqual([]);
    const orders = r.model!.topics.find((t) => t.topic === "orders")!;
    expect(orders.provisioning).toEqual({
      partitions: 12,
      replicationFactor: 3,
      config: {
        "cleanup.policy": "compact",
        "compression.type": "zstd",
        "max.message.bytes": "1048576",
        "min.cleanable.dirty.ratio": "0.5",
        preallocate: "false",
        "retention.bytes": "-1",
        "retention.ms": "604800000",
        "segment.ms": "3600000",
      },
    });
    expect(r.model!.topics.find((t) => t.topic === "audit")!.provisioning).toEqual({
      config: { "cleanup.policy": "compact,delete" },
    });
    expect(r.model!.topics.find((t) => t.topic === "plain")!.provisioning).toBeUndefined();
  });

  it("provisions a dead-letter topic like its first source topic, unless it is declared", () => {
    const specs = topicSpecs(model().model!.topics);
    expect(specs.map((s) => s.topic)).toEqual([
      "orders",
      "payments",
      "refunds",
      "audit",
      "plain",
      "orders-dlt",
      "shared-dlt",
    ]);
    expect(specs.find((s) => s.topic === "orders-dlt")).toEqual({
      topic: "orders-dlt",
      partitions: 12,
      replicationFactor: 3,
      config: {},
      deadLetterOf: "orders",
    });
    expect(specs.find((s) => s.topic === "shared-dlt")).toEqual({
      topic: "shared-dlt",
      partitions: 4,
      config: {},
      deadLetterOf: "payments",
    });
    const declared = topicSpecs(model(`${kef}topic "orders-dlt" : A { partitions = 1 }\n`).model!.topics);
    expect(declared.filter((s) => s.topic === "orders-dlt")).toEqual([
      { topic: "orders-dlt", partitions: 1, config: {} },
    ]);
  });

  it("refuses bad values at their location, with the codes of the catalogue", () => {
    const r = model(
      kef.replace("= 7d", "= 7w").replace("partitions = 12", "partitions = 0").replace("= zstd", "= brotli"),
    );
    expect(r.diagnostics.map((d) => [d.code, d.range.start.line, d.message])).toEqual([
      ["KEF2143", 5, "partitions must be a whole number from 1 to 2147483647, not 0"],
      ["KEF2141", 8, 'invalid value for topic config "retention.ms": unknown unit "w" in 7w'],
      [
        "KEF2141",
        13,
        'invalid value for topic config "compression.type": "brotli" is not one of uncompressed, zstd, lz4, snappy, gzip, producer',
      ],
    ]);
  });

  it("kefgen plan lists the topics as they are created, only when some topic declares provisioning", async () => {
    model();
    const text = await runKefgen(dir, ["plan", "prov.kef"]);
    expect(text.exitCode).toBe(0);
    expect(text.stdout.split("\ntopics, as kefgen topics apply and ensureTopics create them\n")[1]).toBe(
      [
        "  orders      12 partitions, replication factor 3, cleanup.policy=compact, compression.type=zstd, max.message.bytes=1048576, min.cleanable.dirty.ratio=0.5, preallocate=false, retention.bytes=-1, retention.ms=604800000, segment.ms=3600000",
        "  payments    4 partitions, the broker's default replication factor",
        "  refunds     8 partitions, the broker's default replication factor",
        "  audit       the broker's default partitions, the broker's default replication factor, cleanup.policy=compact,delete",
        "  plain       the broker's default partitions, the broker's default replication factor",
        "  orders-dlt  12 partitions, replication factor 3; dead-letter topic of orders",
        "  shared-dlt  4 partitions, the broker's default replication factor; dead-letter topic of payments",
        "",
      ].join("\n"),
    );
    const json = JSON.parse((await runKefgen(dir, ["plan", "prov.kef", "--format", "json"])).stdout) as {
      plan: { topics: { topic: string }[] };
    };
    expect(json.plan.topics.map((t) => t.topic)).toEqual([
      "orders",
      "payments",
      "refunds",
      "audit",
      "plain",
      "orders-dlt",
      "shared-dlt",
    ]);
    model(
      'namespace prov\nmessage A avro { "type": "record", "name": "A", "fields": [] }\nshared { groupId = "g" }\ntopic "plain" : A\n',
    );
    const none = await runKefgen(dir, ["plan", "prov.kef"]);
    expect(none.stdout).not.toContain("topics, as kefgen topics apply");
  });
});
