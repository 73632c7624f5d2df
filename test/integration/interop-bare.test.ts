// Interop (issue 8, proof 5): the same values written as bare Avro by Java Avro (GenericDatumWriter), Python
// fastavro (schemaless_writer) and avsc (the generated codec) decode identically in generated consumers, on the real
// broker, for the message types of the fixtures with logical types (avro-logical: every logical type kefgen knows,
// in records, unions, arrays and maps; avro-types). The values are drawn by test/support/avro-arbitrary.ts (fc.sample
// with a fixed seed: edges included) and each consumer must deliver exactly the value drawn. They reach Java and
// fastavro as Avro's JSON encoding of their underlying values (test/support/avro-json.ts), which each reads with its
// own JSON decoder before writing binary.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  avroCodec,
  bindTopic,
  ConsumerRuntime,
  silentLogger,
  type AvroCodec,
  type ConnectionSettings,
  type DecodeErrorEvent,
  type TopicBinding,
} from "kefgen/runtime";
import { repoRoot } from "../../scripts/snapshots.js";
import { avroArbitrary } from "../support/avro-arbitrary.js";
import { avroJsonText } from "../support/avro-json.js";
import { runJavaWitness } from "../support/java.js";
import { brokers, createTopic, produce, uniqueName, waitFor } from "../support/kafka.js";
import { runWitness } from "../support/python.js";

const SAMPLES = 60;
const SEED = Number(process.env["KEFGEN_FC_SEED"] ?? 20_261_206);
const fixtures = ["avro-logical", "avro-types"];

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

interface Case {
  name: string;
  codec: AvroCodec<unknown>;
  values: unknown[];
  avsc: Buffer[];
  json: string[];
}

describe("bare Avro written by Java Avro, fastavro and avsc decodes identically in generated consumers", () => {
  it("for every message type of the fixtures with logical types", { timeout: 600_000 }, async () => {
    const cases: Case[] = [];
    for (const fixture of fixtures) {
      const module = (await import(path.join(repoRoot, "fixtures/valid", fixture, "expected/codecs.ts"))) as Record<
        string,
        AvroCodec<unknown>
      >;
      for (const [name, codec] of Object.entries(module)) {
        // Finite floats: Avro's JSON encoding, which Java reads the values from, has no NaN or Infinity.
        const values = fc.sample(avroArbitrary(codec.type, { finiteFloats: true }), {
          numRuns: SAMPLES,
          seed: SEED + cases.length,
        });
        cases.push({
          name: `${fixture}: ${name}`,
          codec,
          values,
          avsc: values.map((v) => codec.encode(v)),
          json: values.map((v) => avroJsonText(codec.type, v)),
        });
      }
    }
    expect(cases.length).toBeGreaterThanOrEqual(5);
    const jobs = cases.map((c) => ({ schema: c.codec.schema, values: c.json }));
    const java = runJavaWitness<{ bytes: string[] }[]>("SingleObjectWitness.java", ["bare"], jobs);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-interop-"));
    let python: { bytes: string[] }[];
    try {
      fs.writeFileSync(path.join(dir, "jobs.json"), JSON.stringify(jobs));
      python = JSON.parse(await runWitness("bare.py", [path.join(dir, "jobs.json")])) as { bytes: string[] }[];
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }

    const writers = {
      avsc: cases.map((c) => c.avsc),
      java: java.map((j) => j.bytes.map((h) => Buffer.from(h, "hex"))),
      fastavro: python.map((p) => p.bytes.map((h) => Buffer.from(h, "hex"))),
    };
    const got = new Map<string, unknown[]>();
    const errors: DecodeErrorEvent[] = [];
    const bindings: TopicBinding[] = [];
    for (const [writer, perCase] of Object.entries(writers)) {
      for (const [i, c] of cases.entries()) {
        const topic = uniqueName(`interop-${writer}-${i}`);
        await createTopic(topic, 1);
        await produce(
          topic,
          perCase[i]!.map((value) => ({ value })),
        );
        const key = `${writer} ${c.name}`;
        got.set(key, []);
        bindings.push(
          bindTopic({
            topic,
            messageType: c.name,
            codec: c.codec,
            buffer: { maxBufferedMessages: 100, backpressure: "ApplyBackpressure" },
            handler: (value: unknown) => void got.get(key)!.push(value),
          }),
        );
      }
    }
    const runtime = new ConsumerRuntime(
      [{ name: "shared", kind: "shared", settings: settings(uniqueName("interop")), topics: bindings }],
      { brokers: brokers() },
      { logger: silentLogger },
    );
    runtime.on("decodeError", (e) => void errors.push(e));
    await runtime.start();
    try {
      await waitFor(() => errors.length > 0 || [...got.values()].every((v) => v.length === SAMPLES), {
        timeoutMs: 120_000,
        message: "every record handled",
      });
    } finally {
      await runtime.stop({ timeoutMs: 10_000 });
    }
    expect(errors.map((e) => `${e.topic}: ${e.error.message}`)).toEqual([]);
    for (const c of cases) {
      expect(got.get(`java ${c.name}`), `${c.name}: Java Avro (seed ${SEED})`).toEqual(c.values);
      expect(got.get(`fastavro ${c.name}`), `${c.name}: fastavro (seed ${SEED})`).toEqual(c.values);
      expect(got.get(`avsc ${c.name}`), `${c.name}: avsc (seed ${SEED})`).toEqual(c.values);
    }
  });
});

describe("decimals with more digits than their precision, as Java Avro writes them", () => {
  it("decode to what the bytes hold and encode back to Java's bytes", { timeout: 300_000 }, () => {
    const twos = (n: bigint, size?: number): Buffer => {
      let bytes = size ?? 1;
      while (size === undefined && (n >= 1n << BigInt(8 * bytes - 1) || n < -(1n << BigInt(8 * bytes - 1)))) bytes++;
      const v = n < 0n ? (1n << BigInt(8 * bytes)) + n : n;
      return Buffer.from(v.toString(16).padStart(bytes * 2, "0"), "hex");
    };
    const cases = [
      {
        schema: { type: "bytes", logicalType: "decimal", precision: 4, scale: 2 },
        unscaled: [1234567n, -9999999n, 99n, 0n, 123456789012345678901234567890n],
        expected: ["12345.67", "-99999.99", "0.99", "0.00", "1234567890123456789012345678.90"],
      },
      {
        schema: { type: "fixed", name: "D", size: 3, logicalType: "decimal", precision: 4, scale: 1 },
        unscaled: [8388607n, -8388608n, 12345n],
        expected: ["838860.7", "-838860.8", "1234.5"],
      },
    ];
    const jobs = cases.map((c) => ({
      schema: c.schema,
      values: c.unscaled.map((u) =>
        JSON.stringify(twos(u, c.schema.type === "fixed" ? 3 : undefined).toString("latin1")),
      ),
    }));
    const java = runJavaWitness<{ bytes: string[] }[]>("SingleObjectWitness.java", ["bare"], jobs);
    cases.forEach((c, i) => {
      const codec = avroCodec<string>(c.schema);
      const bytes = java[i]!.bytes.map((h) => Buffer.from(h, "hex"));
      const decoded = bytes.map((b) => codec.decode(b));
      expect(decoded).toEqual(c.expected);
      expect(decoded.map((d) => codec.encode(d).toString("hex"))).toEqual(java[i]!.bytes);
    });
  });
});
