// Schema evolution and registry outages end to end: Python confluent-kafka's AvroSerializer writes, through the
// development registry, records of several writer schemas interleaved on one topic; generated-style bindings read
// them with older and newer reader schemas. Includes the two cases that delivered wrong data before writer
// schemas were resolved (writer +field with reader +defaulted field; reordered enum symbols), an incompatible
// writer (the documented decode error, nothing else lost), and a 20 s registry outage. And a property: for values
// drawn by test/support/avro-arbitrary.ts (fc.sample, fixed seed), reading them with the other version's reader
// gives the value mapped by Avro's resolution rules (test/support/avro-resolution.ts: defaults, promotions, enum
// symbols by name and the enum default, widened unions), in both directions where the change allows both.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  avroCodec,
  bindTopic,
  confluentFormat,
  ConsumerRuntime,
  SchemaRegistryClient,
  silentLogger,
  type ConnectionSettings,
  type DecodeErrorEvent,
  type RegistryUnavailableEvent,
  type TopicBinding,
} from "kefgen/runtime";
import { startDevRegistry, type DevRegistry } from "../../scripts/registry/server.js";
import { brokers, committedOffsets, createTopic, produce, uniqueName, waitFor } from "../support/kafka.js";
import { avroArbitrary } from "../support/avro-arbitrary.js";
import { avroJsonText } from "../support/avro-json.js";
import { resolvedValue } from "../support/avro-resolution.js";
import { runWitness } from "../support/python.js";

const SEED = Number(process.env["KEFGEN_FC_SEED"] ?? 20_261_206);

let registry: DevRegistry;
beforeAll(async () => {
  registry = await startDevRegistry();
});
afterAll(async () => {
  await registry.stop();
});

const settings = (groupId: string): ConnectionSettings => ({
  groupId,
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3_000,
  maxPollIntervalMs: 300_000,
  enableAutoCommit: false,
  autoCommitIntervalMs: 500,
  autoOffsetReset: "earliest",
  fetchMinBytes: 1,
  fetchMaxWaitMs: 100,
});

interface Job {
  topic: string;
  schema: object;
  values?: unknown[];
  avro_json?: string[];
  subject?: string;
  partition?: number;
}

async function pythonWrites(jobs: Job[]): Promise<void> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-py-evo-"));
  fs.writeFileSync(path.join(out, "jobs.json"), JSON.stringify(jobs));
  await runWitness("produce.py", [
    "--brokers",
    brokers().join(","),
    "--registry",
    registry.url,
    "--jobs",
    path.join(out, "jobs.json"),
    "--out",
    out,
  ]);
  const results = JSON.parse(fs.readFileSync(path.join(out, "results.json"), "utf8")) as Record<
    string,
    { written?: number; error?: string }
  >;
  for (const [topic, r] of Object.entries(results)) expect(r.error, `python writing ${topic}`).toBeUndefined();
}

const suitV1 = { type: "enum", name: "Suit", symbols: ["SPADES", "HEARTS", "DIAMONDS", "CLUBS"] };
const suitV2 = { type: "enum", name: "Suit", symbols: ["CLUBS", "DIAMONDS", "HEARTS", "SPADES"] };
const v1 = {
  type: "record",
  name: "Order",
  namespace: "shop",
  fields: [
    { name: "id", type: "string" },
    { name: "suit", type: suitV1 },
    { name: "amount", type: "int" },
  ],
};
/** The reader's next version: enum symbols reordered, two fields added with defaults. */
const v2 = {
  type: "record",
  name: "Order",
  namespace: "shop",
  fields: [
    { name: "id", type: "string" },
    { name: "suit", type: suitV2 },
    { name: "amount", type: "int" },
    { name: "priority", type: "int", default: 5 },
    { name: "tags", type: { type: "array", items: "string" }, default: [] },
  ],
};
/** Another writer: v1 plus a field no reader knows (writer +field; with a default, so the subject stays BACKWARD compatible). */
const withNote = { ...v1, fields: [...v1.fields, { name: "note", type: "string", default: "" }] };
/** An incompatible writer: suit became a string. */
const incompatible = {
  ...v1,
  fields: [
    { name: "id", type: "string" },
    { name: "suit", type: "string" },
    { name: "amount", type: "int" },
  ],
};

interface Order {
  id: string;
  suit: string;
  amount: number;
  priority?: number;
  tags?: string[];
}

describe("writer schemas resolved against reader schemas (Python AvroSerializer writers)", () => {
  it("reader v1 and reader v2 read writers v1, v2 and v1+field interleaved on one topic; an incompatible writer is one documented decode error", async () => {
    const topic = uniqueName("evolution");
    await createTopic(topic, 1);
    const suits = suitV1.symbols;
    const writers = [
      { schema: v1, make: (i: number) => ({ id: `o${i}`, suit: suits[i % 4], amount: i }) },
      {
        schema: withNote,
        make: (i: number) => ({ id: `o${i}`, suit: suits[(i + 1) % 4], amount: i, note: `note ${i} ${"x".repeat(i)}` }),
      },
      {
        schema: v2,
        make: (i: number) => ({ id: `o${i}`, suit: "SPADES", amount: i, priority: 100 + i, tags: [`t${i}`] }),
      },
    ];
    const jobs: Job[] = [];
    const written: { schema: object; value: Record<string, unknown> }[] = [];
    for (let i = 0; i < 30; i++) {
      if (i === 15)
        jobs.push({
          topic,
          schema: incompatible,
          values: [{ id: "bad", suit: "SPADES", amount: -1 }],
          subject: `${topic}-incompatible`,
        });
      const w = writers[i % 3]!;
      const value = w.make(i);
      jobs.push({ topic, schema: w.schema, values: [value] });
      written.push({ schema: w.schema, value });
    }
    await pythonWrites(jobs);

    const client = new SchemaRegistryClient({ name: "dev", url: registry.url });
    const got = { v1: [] as Order[], v2: [] as Order[] };
    const errors = { v1: [] as DecodeErrorEvent[], v2: [] as DecodeErrorEvent[] };
    const runtimes = (["v1", "v2"] as const).map((reader) => {
      const codec = avroCodec<Order>(reader === "v1" ? v1 : v2);
      const binding = bindTopic({
        topic,
        messageType: `shop.Order (reader ${reader})`,
        codec,
        format: confluentFormat(codec, { registry: client, topic }),
        buffer: { maxBufferedMessages: 100, backpressure: "ApplyBackpressure" },
        // Records this reader cannot read are reported and skipped (the default would stop the partition).
        failure: { onDecodeError: "skip" },
        handler: (order) => void got[reader].push(order),
      });
      const runtime = new ConsumerRuntime(
        [{ name: "shared", kind: "shared", settings: settings(uniqueName(`evo-${reader}`)), topics: [binding] }],
        { brokers: brokers() },
        { logger: silentLogger },
      );
      runtime.on("decodeError", (e) => void errors[reader].push(e));
      return runtime;
    });
    await Promise.all(runtimes.map((r) => r.start()));
    try {
      await waitFor(() => got.v1.length + errors.v1.length === 31 && got.v2.length + errors.v2.length === 31, {
        timeoutMs: 60_000,
        message: "every record handled or reported",
      });
    } finally {
      await Promise.all(runtimes.map((r) => r.stop({ timeoutMs: 10_000 })));
    }

    const project = (v: Record<string, unknown>, reader: "v1" | "v2"): Order => {
      const base = { id: v["id"] as string, suit: v["suit"] as string, amount: v["amount"] as number };
      if (reader === "v1") return base;
      return {
        ...base,
        priority: (v["priority"] as number | undefined) ?? 5,
        tags: (v["tags"] as string[] | undefined) ?? [],
      };
    };
    expect(got.v1).toEqual(written.map((w) => project(w.value, "v1")));
    expect(got.v2).toEqual(written.map((w) => project(w.value, "v2")));
    // The two cases that delivered wrong data: the writer's extra field never lands in the reader's new field, and
    // SPADES written at index 0 arrives as SPADES although the reader has it at index 3.
    expect(got.v2.filter((_, i) => i % 3 === 1).every((o) => o.priority === 5)).toBe(true);
    expect(got.v2.filter((o) => o.suit === "SPADES").length).toBeGreaterThan(10);

    for (const reader of ["v1", "v2"] as const) {
      expect(errors[reader]).toHaveLength(1);
      const [error] = errors[reader];
      expect(error!.offset).toBe("15");
      expect(error!.error.message).toMatch(
        new RegExp(
          `the writer schema \\(subject "${topic}-incompatible" version 1, id \\d+\\) cannot be read as the reader schema shop\\.Order \\(subject "${topic}-value"\\): field "suit": `,
        ),
      );
    }
  }, 180_000);
});

/** A change both ways compatible: each version reads the other's data (enum defaults, defaulted fields both sides). */
const both = {
  old: {
    type: "record",
    name: "Ticket",
    namespace: "evo",
    fields: [
      { name: "id", type: "string" },
      {
        name: "suit",
        type: { type: "enum", name: "Suit", symbols: ["SPADES", "HEARTS", "DIAMONDS", "CLUBS"], default: "SPADES" },
      },
      { name: "amount", type: "int" },
      { name: "note", type: "string", default: "" },
      { name: "tags", type: { type: "array", items: "string" }, default: ["none"] },
    ],
  },
  new: {
    type: "record",
    name: "Ticket",
    namespace: "evo",
    fields: [
      { name: "id", type: "string" },
      {
        name: "suit",
        type: {
          type: "enum",
          name: "Suit",
          symbols: ["JOKER", "CLUBS", "DIAMONDS", "HEARTS", "SPADES"],
          default: "JOKER",
        },
      },
      { name: "amount", type: "int" },
      { name: "priority", type: ["int", "null"], default: 5 },
      { name: "limits", type: { type: "map", values: "long" }, default: { max: 10 } },
    ],
  },
};

/** A change compatible one way (the new version reads the old data): promotions, a widened union, a nested field added. */
const promotions = {
  old: {
    type: "record",
    name: "Reading",
    namespace: "evo",
    fields: [
      { name: "count", type: "int" },
      { name: "small", type: "int" },
      { name: "big", type: "long" },
      { name: "ratio", type: "float" },
      { name: "text", type: "string" },
      { name: "blob", type: "bytes" },
      { name: "maybe", type: ["null", "int"] },
      { name: "series", type: { type: "array", items: "int" } },
      { name: "scores", type: { type: "map", values: "float" } },
      { name: "inner", type: { type: "record", name: "Inner", fields: [{ name: "x", type: "int" }] } },
    ],
  },
  new: {
    type: "record",
    name: "Reading",
    namespace: "evo",
    fields: [
      { name: "count", type: "long" },
      { name: "small", type: "double" },
      { name: "big", type: "double" },
      { name: "ratio", type: "double" },
      { name: "text", type: "bytes" },
      { name: "blob", type: "string" },
      { name: "maybe", type: ["null", "string", "long"] },
      { name: "series", type: { type: "array", items: "float" } },
      { name: "scores", type: { type: "map", values: "double" } },
      {
        name: "inner",
        type: {
          type: "record",
          name: "Inner",
          fields: [
            { name: "x", type: "long" },
            { name: "y", type: "string", default: "y" },
          ],
        },
      },
    ],
  },
};

describe("property: a reader of another version delivers the drawn value mapped by the resolution rules", () => {
  it("old ↔ new both ways (enum defaults, defaulted fields) and old → new (promotions, widened union), interleaved, Python AvroSerializer writers", async () => {
    const PER_WRITER = 100;
    const pairs = [
      { name: "both", versions: both, readers: ["old", "new"] as const, writers: ["old", "new"] as const },
      { name: "promotions", versions: promotions, readers: ["new"] as const, writers: ["old", "new"] as const },
    ];
    const client = new SchemaRegistryClient({ name: "dev", url: registry.url });
    for (const [p, pair] of pairs.entries()) {
      const topic = uniqueName(`evo-property-${pair.name}`);
      await createTopic(topic, 1);
      const codecs = { old: avroCodec<unknown>(pair.versions.old), new: avroCodec<unknown>(pair.versions.new) };
      const drawn = Object.fromEntries(
        pair.writers.map((w, j) => [
          w,
          fc.sample(avroArbitrary(codecs[w].type), { numRuns: PER_WRITER, seed: SEED + 10 * p + j }),
        ]),
      );
      // Interleaved: each writer's value i follows the other's; each writer version under its own subject (the
      // development registry checks BACKWARD compatibility within a subject, and `promotions` is one way only).
      const jobs: Job[] = [];
      const written: { writer: "old" | "new"; value: unknown }[] = [];
      for (let i = 0; i < PER_WRITER; i++) {
        for (const w of pair.writers) {
          jobs.push({
            topic,
            schema: pair.versions[w],
            avro_json: [avroJsonText(codecs[w].type, drawn[w]![i])],
            subject: `${topic}-${w}`,
          });
          written.push({ writer: w, value: drawn[w]![i] });
        }
      }
      await pythonWrites(jobs);

      const got: Record<string, unknown[]> = Object.fromEntries(pair.readers.map((r) => [r, []]));
      const errors: DecodeErrorEvent[] = [];
      const runtimes = pair.readers.map((reader) => {
        const codec = codecs[reader];
        const binding = bindTopic({
          topic,
          messageType: `evo (reader ${reader})`,
          codec,
          format: confluentFormat(codec, { registry: client, topic }),
          buffer: { maxBufferedMessages: 500, backpressure: "ApplyBackpressure" },
          handler: (value) => void got[reader]!.push(value),
        });
        const runtime = new ConsumerRuntime(
          [{ name: "shared", kind: "shared", settings: settings(uniqueName(`evo-prop-${reader}`)), topics: [binding] }],
          { brokers: brokers() },
          { logger: silentLogger },
        );
        runtime.on("decodeError", (e) => void errors.push(e));
        return runtime;
      });
      await Promise.all(runtimes.map((r) => r.start()));
      try {
        await waitFor(() => errors.length > 0 || pair.readers.every((r) => got[r]!.length === written.length), {
          timeoutMs: 60_000,
          message: `${pair.name}: every record handled`,
        });
      } finally {
        await Promise.all(runtimes.map((r) => r.stop({ timeoutMs: 10_000 })));
      }
      expect(errors.map((e) => e.error.message)).toEqual([]);
      for (const reader of pair.readers) {
        const expected = written.map((w) => resolvedValue(codecs[w.writer].type, codecs[reader].type, w.value));
        expect(got[reader], `${pair.name}: reader ${reader} (seed ${SEED})`).toEqual(expected);
      }
      // The rules at work, not only equal values.
      if (pair.name === "both") {
        const oldReadsNew = got["old"]!.filter((_, i) => written[i]!.writer === "new") as {
          suit: string;
          tags: string[];
        }[];
        expect(
          oldReadsNew.some((t) => t.suit === "SPADES") &&
            oldReadsNew.every((t) => t.tags.length === 1 && t.tags[0] === "none"),
        ).toBe(true);
        const newReadsOld = got["new"]!.filter((_, i) => written[i]!.writer === "old") as {
          priority: number;
          limits: Record<string, number>;
        }[];
        expect(newReadsOld.every((t) => t.priority === 5 && t.limits["max"] === 10)).toBe(true);
        expect((drawn["new"] as { suit: string }[]).some((t) => t.suit === "JOKER")).toBe(true);
      }
    }
  }, 240_000);
});

describe("registry outage", () => {
  it("records with an unseen schema id wait while the registry is down; other partitions and topics go on; nothing is skipped", async () => {
    const framed = uniqueName("outage-framed");
    const bare = uniqueName("outage-bare");
    await createTopic(framed, 2);
    await createTopic(bare, 1);
    const s1 = { type: "record", name: "Reading", fields: [{ name: "n", type: "int" }] };
    const s2 = {
      type: "record",
      name: "Reading",
      fields: [
        { name: "n", type: "int" },
        { name: "unit", type: "string", default: "C" },
      ],
    };
    const known = Array.from({ length: 5 }, (_, i) => ({ n: 100 + i }));
    const unseen = Array.from({ length: 8 }, (_, i) => ({ n: i, unit: "K" }));
    await pythonWrites([
      { topic: framed, schema: s1, values: known, partition: 1 },
      { topic: framed, schema: s2, values: unseen, partition: 0 },
    ]);

    const client = new SchemaRegistryClient({ name: "dev", url: registry.url, requestTimeoutMs: 2_000 });
    // The runtime's client already holds s1 (as after earlier records); s2's id it has never seen.
    const s1Id = registry.store.versions(`${framed}-value`)[0]!.id;
    const s2Id = registry.store.versions(`${framed}-value`)[1]!.id;
    await client.schemaById(s1Id);

    const reader = avroCodec<{ n: number; unit: string }>(s2);
    const bareCodec = avroCodec<{ n: number }>(s1);
    const got = { p0: [] as number[], p1: [] as number[], bare: [] as number[] };
    const bindings: TopicBinding<any>[] = [
      bindTopic({
        topic: framed,
        messageType: "Reading",
        codec: reader,
        format: confluentFormat(reader, {
          registry: client,
          topic: framed,
          retry: { initialDelayMs: 100, maxDelayMs: 2_000 },
        }),
        buffer: { maxBufferedMessages: 100, backpressure: "ApplyBackpressure", concurrency: 2 },
        handler: (r, ctx) => void got[ctx.partition === 0 ? "p0" : "p1"].push(r.n),
      }),
      bindTopic({
        topic: bare,
        messageType: "Reading",
        codec: bareCodec,
        buffer: { maxBufferedMessages: 100, backpressure: "ApplyBackpressure" },
        handler: (r) => void got.bare.push(r.n),
      }),
    ];
    const groupId = uniqueName("outage");
    const runtime = new ConsumerRuntime(
      [{ name: "shared", kind: "shared", settings: settings(groupId), topics: bindings }],
      { brokers: brokers() },
      { logger: silentLogger },
    );
    const outages: RegistryUnavailableEvent[] = [];
    const decodeErrors: DecodeErrorEvent[] = [];
    runtime.on("registryUnavailable", (e) => void outages.push(e));
    runtime.on("decodeError", (e) => void decodeErrors.push(e));

    await registry.stop();
    const stoppedAt = Date.now();
    await runtime.start();
    try {
      await produce(
        bare,
        Array.from({ length: 6 }, (_, i) => ({ value: bareCodec.encode({ n: i }) })),
      );
      await waitFor(() => got.p1.length === 5 && got.bare.length === 6 && outages.length >= 2, {
        timeoutMs: 15_000,
        message: "the other partition and topic handled during the outage",
      });
      expect(got.p0).toEqual([]);
      expect(outages.every((e) => e.topic === framed && e.partition === 0 && e.offset === "0")).toBe(true);
      const metrics = runtime.metrics().connections[0]!.topics.find((t) => t.topic === framed)!;
      expect(metrics.registryUnavailable).toBeGreaterThanOrEqual(2);
      expect(metrics.waitingForRegistry + metrics.inFlight).toBeGreaterThanOrEqual(1);
      // Nothing is committed past the waiting record (after a commit interval has passed).
      await new Promise((r) => setTimeout(r, 1_500));
      expect(Math.max(0, (await committedOffsets(groupId, framed)).get(0) ?? 0)).toBe(0);
      expect((await committedOffsets(groupId, framed)).get(1)).toBe(5);

      await new Promise((r) => setTimeout(r, Math.max(0, 20_000 - (Date.now() - stoppedAt))));
      expect(got.p0).toEqual([]);
      await registry.start();
      await waitFor(() => got.p0.length === 8, {
        timeoutMs: 30_000,
        message: "the waiting partition handled once the registry is back",
      });
      expect(got.p0).toEqual(unseen.map((u) => u.n));
      expect(decodeErrors).toEqual([]);
      await waitFor(async () => (await committedOffsets(groupId, framed)).get(0) === 8, {
        timeoutMs: 10_000,
        message: "committed after the outage",
      });
      expect(client.requests).toBeGreaterThanOrEqual(outages.length + 1);
      expect(s2Id).not.toBe(s1Id);
    } finally {
      await registry.start();
      await runtime.stop({ timeoutMs: 10_000 });
    }
  }, 120_000);
});
