// Confluent framing proven with a real serializer: Python confluent-kafka's AvroSerializer (fastavro underneath)
// writes values of every valid fixture's message types through the development registry to the broker; the runtime
// reads them with confluentFormat and each must be exactly the value drawn. The values are drawn here by
// test/support/avro-arbitrary.ts (fc.sample with a fixed seed: the same variety and edges as the round-trip
// properties) in kefgen's representation, and reach Python as Avro's JSON encoding of their underlying values, written
// by test/support/avro-json.ts from the representation documented at the top of runtime/avro-representation.ts, independently
// of the runtime's code.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bindTopic,
  confluentFormat,
  ConsumerRuntime,
  SchemaRegistryClient,
  silentLogger,
  type AvroCodec,
  type ConnectionSettings,
  type DecodeErrorEvent,
  type TopicBinding,
} from "kefgen/runtime";
import { startDevRegistry, type DevRegistry } from "../../scripts/registry/server.js";
import { repoRoot } from "../../scripts/snapshots.js";
import { brokers, createTopic, uniqueName, waitFor } from "../support/kafka.js";
import { avroArbitrary } from "../support/avro-arbitrary.js";
import { avroJsonText } from "../support/avro-json.js";
import { runWitness } from "../support/python.js";

const PER_TYPE = Number(process.env["KEFGEN_WITNESS_VALUES"] ?? 1000);
const SEED = Number(process.env["KEFGEN_FC_SEED"] ?? 20_261_206);

let registry: DevRegistry;
beforeAll(async () => {
  registry = await startDevRegistry();
});
afterAll(async () => {
  await registry.stop();
});

/** Own keys all the way down, so a map key "__proto__" is compared as the own property it must be. */
function ownKeys(value: unknown): unknown {
  if (value === null || typeof value !== "object" || value instanceof Date || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return value.map(ownKeys);
  expect(
    Object.getPrototypeOf(value) === Object.prototype ||
      Object.getPrototypeOf(Object.getPrototypeOf(value)) === Object.prototype,
  ).toBe(true);
  return Object.getOwnPropertyNames(value).map((k) => [k, ownKeys((value as Record<string, unknown>)[k])]);
}

// ---------------------------------------------------------------------------------------------

interface Case {
  readonly label: string;
  readonly codec: AvroCodec<unknown>;
  readonly topic: string;
}

async function fixtureCodecs(): Promise<Case[]> {
  const dir = path.join(repoRoot, "fixtures/valid");
  const seen = new Set<string>();
  const cases: Case[] = [];
  const suffix = uniqueName("py");
  for (const fixture of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, fixture, "expected/codecs.ts");
    if (!fs.existsSync(file)) continue;
    const module = (await import(file)) as Record<string, AvroCodec<unknown>>;
    for (const [name, codec] of Object.entries(module)) {
      const text = JSON.stringify(codec.schema);
      if (seen.has(text)) continue;
      seen.add(text);
      cases.push({ label: `${fixture}:${name}`, codec, topic: `${fixture}-${name}-${suffix}`.slice(0, 200) });
    }
  }
  return cases;
}

const settings: ConnectionSettings = {
  groupId: "",
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3_000,
  maxPollIntervalMs: 300_000,
  enableAutoCommit: false,
  autoCommitIntervalMs: 1_000,
  autoOffsetReset: "earliest",
  fetchMinBytes: 1,
  fetchMaxWaitMs: 100,
};

/**
 * Fixture types fastavro cannot write, with the serializer's own reason. None, once the witness names each union
 * branch with fastavro's tuple notation. Without it, fastavro picks the first branch that accepts a value, and for
 * avro-logical's `dayOrNote: [date, string]` a string raises "Invalid isoformat string" in the date branch (so a
 * plain Python service cannot write a non-date string there); the recursive named unions of avro-recursive and
 * avro-files are written correctly by name.
 */
const FASTAVRO_CANNOT_WRITE: Readonly<Record<string, RegExp>> = {};

describe("Confluent framing written by Python confluent-kafka (AvroSerializer)", () => {
  it(`decodes ${PER_TYPE} drawn values of every valid fixture's message types to exactly those values`, async () => {
    const cases = await fixtureCodecs();
    expect(cases.length).toBeGreaterThan(20);
    for (const c of cases) await createTopic(c.topic, 1);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-py-"));
    const drawn = new Map(
      cases.map((c, i) => [c.topic, fc.sample(avroArbitrary(c.codec.type), { numRuns: PER_TYPE, seed: SEED + i })]),
    );
    const jobs = cases.map((c) => ({
      topic: c.topic,
      schema: c.codec.schema,
      avro_json: drawn.get(c.topic)!.map((v) => avroJsonText(c.codec.type, v)),
    }));
    fs.writeFileSync(path.join(out, "jobs.json"), JSON.stringify(jobs));
    await runWitness(
      "produce.py",
      [
        "--brokers",
        brokers().join(","),
        "--registry",
        registry.url,
        "--jobs",
        path.join(out, "jobs.json"),
        "--out",
        out,
      ],
      600_000,
    );
    const results = JSON.parse(fs.readFileSync(path.join(out, "results.json"), "utf8")) as Record<
      string,
      { written?: number; error?: string }
    >;

    const refused = cases.filter((c) => results[c.topic]?.error !== undefined);
    expect(Object.fromEntries(refused.map((c) => [c.label, results[c.topic]!.error]))).toEqual(
      Object.fromEntries(
        Object.entries(FASTAVRO_CANNOT_WRITE).map(([label, why]) => [label, expect.stringMatching(why)]),
      ),
    );
    const written = cases.filter((c) => results[c.topic]?.written === PER_TYPE);
    expect(written.length).toBe(cases.length - refused.length);

    const client = new SchemaRegistryClient({ name: "dev", url: registry.url });
    const got = new Map<string, unknown[]>(written.map((c) => [c.topic, []]));
    const bindings: TopicBinding<unknown>[] = written.map((c) =>
      bindTopic({
        topic: c.topic,
        messageType: c.label,
        codec: c.codec,
        format: confluentFormat(c.codec, { registry: client, topic: c.topic }),
        buffer: { maxBufferedMessages: 500, backpressure: "ApplyBackpressure" },
        handler: (value) => void got.get(c.topic)!.push(value),
      }),
    );
    const decodeErrors: DecodeErrorEvent[] = [];
    const runtime = new ConsumerRuntime(
      [
        {
          name: "shared",
          kind: "shared",
          settings: { ...settings, groupId: uniqueName("py-group") },
          topics: bindings,
        },
      ],
      { brokers: brokers() },
      { logger: silentLogger },
    );
    runtime.on("decodeError", (e) => void decodeErrors.push(e));
    await runtime.start();
    try {
      await waitFor(() => decodeErrors.length > 0 || written.every((c) => got.get(c.topic)!.length === PER_TYPE), {
        timeoutMs: 240_000,
        message: "every framed record handled",
      });
    } finally {
      await runtime.stop({ timeoutMs: 10_000 });
    }
    expect(decodeErrors.map((e) => e.error.message)).toEqual([]);

    let compared = 0;
    for (const c of written) {
      const values = got.get(c.topic)!;
      const expected = drawn.get(c.topic)!;
      expect(values.length, c.label).toBe(expected.length);
      values.forEach((value, i) => {
        expect(ownKeys(value), `${c.label} value ${i} (seed ${SEED})`).toEqual(ownKeys(expected[i]));
        compared++;
      });
      // Variety: the generator is not a short-cycle one (issue 8: avsc's random() gave 30-48 distinct values).
      const lines = fs
        .readFileSync(path.join(out, `${c.topic}.jsonl`), "utf8")
        .trimEnd()
        .split("\n");
      expect(lines.length, c.label).toBe(PER_TYPE);
      if (c.codec.type.typeName === "record")
        expect(new Set(lines).size, `${c.label}: distinct values`).toBeGreaterThan(PER_TYPE / 4);
    }
    expect(compared).toBe(written.length * PER_TYPE);
    // Each writer schema was fetched once, however many records used it.
    expect(client.requests).toBe(written.length);
  }, 600_000);
});
