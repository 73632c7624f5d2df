// Avro's single-object encoding, witnessed by Java Avro: Java's SchemaNormalization gives every valid fixture's
// message schema the same Parsing Canonical Form and CRC-64-AVRO fingerprint as ours, and records that Java's
// BinaryMessageEncoder writes with writer schemas v0, v1 and v2, interleaved on one topic on the real broker, are
// read by the generated codec of fixtures/valid/single-object (reader v2, writers v1 and v0) and by a reader v1
// (writer v0) as exactly what Java wrote, resolved. The values are drawn by test/support/avro-arbitrary.ts (fc.sample
// with a fixed seed), reach Java as Avro's JSON encoding (test/support/avro-json.ts), and each reader must deliver the
// drawn value mapped by Avro's resolution rules (test/support/avro-resolution.ts: defaults, enum symbols by name, int
// promoted to double). A record whose writer the reader does not know is one decode error naming the fingerprint and
// the known writers; nothing else is lost.
import fs from "node:fs";
import fc from "fast-check";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  avroCodec,
  bindTopic,
  ConsumerRuntime,
  parsingCanonicalForm,
  schemaFingerprint,
  silentLogger,
  singleObjectFormat,
  type AvroCodec,
  type ConnectionSettings,
  type DecodeErrorEvent,
} from "kefgen/runtime";
import { repoRoot, validCases } from "../../scripts/snapshots.js";
import { avroArbitrary } from "../support/avro-arbitrary.js";
import { avroJsonText } from "../support/avro-json.js";
import { resolvedValue } from "../support/avro-resolution.js";
import { runJavaWitness } from "../support/java.js";
import { brokers, committedOffsets, createTopic, produce, uniqueName, waitFor } from "../support/kafka.js";

const fixture = path.join(repoRoot, "fixtures/valid/single-object");
const SEED = Number(process.env["KEFGEN_FC_SEED"] ?? 20_261_206);
const schemaOf = (version: string): object =>
  JSON.parse(fs.readFileSync(path.join(fixture, "schemas", `order.${version}.avsc`), "utf8")) as object;

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

describe("Parsing Canonical Form and CRC-64-AVRO fingerprints equal Java's SchemaNormalization", () => {
  it(
    "for every message schema of every valid fixture, and the single-object fixture's writers",
    { timeout: 300_000 },
    async () => {
      const schemas: { name: string; schema: object }[] = [];
      for (const c of validCases()) {
        const file = path.join(repoRoot, c.expected, "codecs.ts");
        if (!fs.existsSync(file)) continue;
        const module = (await import(file)) as Record<string, AvroCodec<unknown>>;
        for (const [name, codec] of Object.entries(module))
          schemas.push({ name: `${c.name}: ${name}`, schema: codec.schema });
      }
      for (const v of ["v0", "v1", "v2"]) schemas.push({ name: `single-object: order.${v}.avsc`, schema: schemaOf(v) });
      expect(schemas.length).toBeGreaterThan(40);
      const java = runJavaWitness<{ canonical: string; fingerprint: string }[]>(
        "SingleObjectWitness.java",
        ["fingerprints"],
        schemas.map((s) => s.schema),
      );
      const ours = schemas.map((s) => ({
        name: s.name,
        canonical: parsingCanonicalForm(s.schema),
        fingerprint: schemaFingerprint(s.schema).toString(),
      }));
      expect(ours).toEqual(schemas.map((s, i) => ({ name: s.name, ...java[i]! })));
      // Distinct schemas, distinct fingerprints: the comparison is not of one value many times.
      expect(new Set(ours.map((o) => o.fingerprint)).size).toBeGreaterThan(30);
    },
  );
});

interface OrderV2 {
  id: string;
  suit: string;
  amount: number;
  priority: number;
  placed: Date;
}
interface OrderV1 {
  id: string;
  suit: string;
  amount: number;
  note: string;
}

describe("single-object records written by Java's BinaryMessageEncoder", () => {
  it(
    "reader v2 (writers v1, v0) and reader v1 (writer v0) read writers v0, v1, v2 interleaved on one topic; an unknown writer is one decode error",
    { timeout: 300_000 },
    async () => {
      const versions = ["v0", "v1", "v2"] as const;
      const writerCodecs = versions.map((v) => avroCodec(schemaOf(v)));
      const drawn = writerCodecs.map((codec, j) =>
        fc.sample(avroArbitrary(codec.type, { finiteFloats: true }), { numRuns: 20, seed: SEED + j }),
      );
      const jobs = versions.map((v, j) => ({
        schema: schemaOf(v),
        values: drawn[j]!.map((value) => avroJsonText(writerCodecs[j]!.type, value)),
      }));
      const java = runJavaWitness<{ bytes: string[]; written: string[] }[]>(
        "SingleObjectWitness.java",
        ["encode"],
        jobs,
      );

      // Interleaved: v0, v1, v2, v0, …
      const records: {
        version: (typeof versions)[number];
        writer: AvroCodec<unknown>;
        bytes: Buffer;
        value: unknown;
      }[] = [];
      for (let i = 0; i < 20; i++) {
        versions.forEach((version, j) => {
          const bytes = Buffer.from(java[j]!.bytes[i]!, "hex");
          expect(bytes.subarray(0, 2).toString("hex")).toBe("c301");
          expect(bytes.readBigUInt64LE(2)).toBe(schemaFingerprint(schemaOf(version)));
          // Java wrote the value's bytes exactly (the payload after the 10-byte header).
          expect(bytes.subarray(10).toString("hex"), `${version} value ${i}`).toBe(
            writerCodecs[j]!.encode(drawn[j]![i]).toString("hex"),
          );
          records.push({ version, writer: writerCodecs[j]!, bytes, value: drawn[j]![i] });
        });
      }
      const topic = uniqueName("single-object");
      await createTopic(topic, 1);
      await produce(
        topic,
        records.map((r) => ({ value: r.bytes })),
      );

      const { orderCodec } = (await import(path.join(fixture, "expected/codecs.ts"))) as {
        orderCodec: AvroCodec<OrderV2>;
      };
      const v2 = bindTopic({
        topic,
        messageType: "shop.sobj.Order (reader v2)",
        codec: orderCodec,
        format: singleObjectFormat(orderCodec, {
          topic,
          writers: [
            { name: "order.v1.avsc", schema: schemaOf("v1") },
            { name: "order.v0.avsc", schema: schemaOf("v0") },
          ],
        }),
        buffer: { maxBufferedMessages: 100, backpressure: "ApplyBackpressure" },
        handler: (order: OrderV2) => void got.v2.push(order),
      });
      const v1Codec = avroCodec<OrderV1>(schemaOf("v1"));
      const v1 = bindTopic({
        topic,
        messageType: "shop.sobj.Order (reader v1)",
        codec: v1Codec,
        format: singleObjectFormat(v1Codec, { topic, writers: [{ name: "order.v0.avsc", schema: schemaOf("v0") }] }),
        buffer: { maxBufferedMessages: 100, backpressure: "ApplyBackpressure" },
        // Records this reader cannot read are reported and skipped (the default would stop the partition).
        failure: { onDecodeError: "skip" },
        handler: (order: OrderV1) => void got.v1.push(order),
      });
      const got = { v1: [] as OrderV1[], v2: [] as OrderV2[] };
      const errors = { v1: [] as DecodeErrorEvent[], v2: [] as DecodeErrorEvent[] };
      const groups = { v1: uniqueName("sobj-v1"), v2: uniqueName("sobj-v2") };
      const runtimes = (["v1", "v2"] as const).map((reader) => {
        const runtime = new ConsumerRuntime(
          [{ name: "shared", kind: "shared", settings: settings(groups[reader]), topics: [reader === "v1" ? v1 : v2] }],
          { brokers: brokers() },
          { logger: silentLogger },
        );
        runtime.on("decodeError", (e) => void errors[reader].push(e));
        return runtime;
      });
      await Promise.all(runtimes.map((r) => r.start()));
      try {
        await waitFor(() => got.v1.length + errors.v1.length === 60 && got.v2.length === 60, {
          timeoutMs: 60_000,
          message: "every record handled or reported",
        });
      } finally {
        await Promise.all(runtimes.map((r) => r.stop({ timeoutMs: 10_000 })));
      }

      // Reader v2 reads every writer: defaults for what the writer lacks, enum symbols by name, int promoted to double.
      expect(errors.v2).toEqual([]);
      expect(got.v2, `seed ${SEED}`).toEqual(
        records.map((r) => resolvedValue(r.writer.type, orderCodec.type, r.value)),
      );
      // The rules at work, not only equal values: defaults filled in for the older writers.
      expect(
        got.v2
          .filter((_, i) => records[i]!.version !== "v2")
          .every((o) => o.priority === 5 && o.placed.getTime() === 0),
      ).toBe(true);
      // Reader v1 reads v0 and v1; v2 (amount became a double) is none of its writers: one decode error each.
      const readable = records.filter((r) => r.version !== "v2");
      expect(got.v1, `seed ${SEED}`).toEqual(readable.map((r) => resolvedValue(r.writer.type, v1Codec.type, r.value)));
      expect(errors.v1).toHaveLength(20);
      const v2Fingerprint = schemaFingerprint(schemaOf("v2")).toString(16).padStart(16, "0");
      expect(errors.v1[0]!.error.message).toContain(`fingerprint ${v2Fingerprint}`);
      expect(errors.v1[0]!.error.message).toContain("order.v0.avsc");
      expect(errors.v1.map((e) => e.offset)).toEqual(
        records.flatMap((r, i) => (r.version === "v2" ? [String(i)] : [])),
      );
      // Nothing is lost: both groups committed past every record.
      for (const group of Object.values(groups))
        expect((await committedOffsets(group, topic)).get(0)).toBe(records.length);
    },
  );
});
