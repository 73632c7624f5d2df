// Typed keys and tombstones against the real broker (issue 8, proof item 3). The bindings are built as the generated
// wiring of fixtures/valid/keys builds them (`key: stringKey`, `key: avroKey(codec)`, `confluentFormat(..., { part:
// "key" })`, `tombstones: true`), with that fixture's generated codecs, on fresh topics. Framed keys are written by a
// real serializer: Python confluent-kafka's AvroSerializer as key serializer, through the development registry.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  avroKey,
  bindTopic,
  bytesKey,
  confluentFormat,
  ConsumerRuntime,
  noKey,
  SchemaRegistryClient,
  silentLogger,
  stringKey,
  type AvroCodec,
  type ConnectionSettings,
  type DecodeErrorEvent,
  type TopicBinding,
} from "kefgen/runtime";
import { userCodec, userIdCodec } from "../../fixtures/valid/keys/expected/codecs.js";
import type { User, UserId } from "../../fixtures/valid/keys/expected/messages.js";
import { startDevRegistry, type DevRegistry } from "../../scripts/registry/server.js";
import { brokers, createTopic, produce, uniqueName, waitFor } from "../support/kafka.js";
import { runWitness } from "../support/python.js";

let registry: DevRegistry;
beforeAll(async () => {
  registry = await startDevRegistry();
});
afterAll(async () => {
  await registry.stop();
});

const settings = (): ConnectionSettings => ({
  groupId: uniqueName("keys-group"),
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3_000,
  maxPollIntervalMs: 300_000,
  enableAutoCommit: false,
  autoCommitIntervalMs: 1_000,
  autoOffsetReset: "earliest",
  fetchMinBytes: 1,
  fetchMaxWaitMs: 100,
});

const buffer = { maxBufferedMessages: 100, backpressure: "ApplyBackpressure" } as const;

interface Seen<T, K> {
  readonly value: T;
  readonly key: K;
  readonly offset: string;
}

/** Runs `bindings` on one connection until `done` holds (or a deadline passes), and returns the decode errors. */
async function consume(
  bindings: TopicBinding<any>[],
  done: (errors: DecodeErrorEvent[]) => boolean,
): Promise<DecodeErrorEvent[]> {
  const decodeErrors: DecodeErrorEvent[] = [];
  // Records that cannot be read are skipped here (onDecodeError = skip): this file is about reading keys and
  // tombstones; what else can happen to such records is in dead-letters.test.ts.
  const skipping = bindings.map((b) => ({ ...b, failure: { onDecodeError: "skip" as const } }));
  const runtime = new ConsumerRuntime(
    [{ name: "shared", kind: "shared", settings: settings(), topics: skipping }],
    { brokers: brokers() },
    { logger: silentLogger },
  );
  runtime.on("decodeError", (e) => void decodeErrors.push(e));
  await runtime.start();
  try {
    await waitFor(() => done(decodeErrors), { timeoutMs: 60_000, message: "every record handled or reported" });
  } finally {
    await runtime.stop({ timeoutMs: 10_000 });
  }
  return decodeErrors;
}

const ada: User = { name: "Ada", email: null };
const grace: User = { name: "Grace", email: "grace@example.com" };

describe("typed keys and tombstones", () => {
  it("reads string, bytes, none and bare Avro keys as declared; tombstones reach a tombstones topic as null and are decode errors elsewhere", async () => {
    const t = {
      strings: uniqueName("keys-string"),
      blobs: uniqueName("keys-bytes"),
      anonymous: uniqueName("keys-none"),
      users: uniqueName("keys-avro"),
      plain: uniqueName("keys-raw"),
    };
    for (const topic of Object.values(t)) await createTopic(topic, 1);
    const value = userCodec.encode(ada);
    await produce(t.strings, [
      { key: "order-1", value },
      { key: "é漢字\u{1F600}", value },
      { key: "\uFEFFbom", value }, // a leading U+FEFF is part of the key, not stripped
      { key: null, value },
      { key: Buffer.from([0xff, 0xfe, 0x41]), value }, // not UTF-8: poison, never U+FFFD
      { key: "after-bad", value },
    ]);
    await produce(t.blobs, [
      { key: Buffer.from([0, 1, 2, 255]), value },
      { key: null, value },
    ]);
    await produce(t.anonymous, [{ key: "ignored", value }]);
    const key = (id: number): Buffer => userIdCodec.encode({ id });
    await produce(t.users, [
      { key: key(1), value },
      { key: key(1), value: null }, // user 1 deleted
      { key: Buffer.from([0x80]), value }, // a truncated Avro long: poison
      { key: key(2 ** 40), value: userCodec.encode(grace) },
    ]);
    await produce(t.plain, [
      { key: "gone", value: null }, // no `tombstones`: undecodable, as before
      { key: "k", value },
    ]);

    const strings: Seen<User, string | null>[] = [];
    const blobs: Seen<User, Buffer | null>[] = [];
    const anonymous: Seen<User, null>[] = [];
    const users: Seen<User | null, UserId | null>[] = [];
    const plain: Seen<User, Buffer | null>[] = [];
    const errors = await consume(
      [
        bindTopic<User, string | null>({
          topic: t.strings,
          messageType: "User",
          codec: userCodec,
          key: stringKey,
          buffer,
          handler: (v, c) => void strings.push({ value: v, key: c.key, offset: c.offset }),
        }),
        bindTopic<User, Buffer | null>({
          topic: t.blobs,
          messageType: "User",
          codec: userCodec,
          key: bytesKey,
          buffer,
          handler: (v, c) => void blobs.push({ value: v, key: c.key, offset: c.offset }),
        }),
        bindTopic<User, null>({
          topic: t.anonymous,
          messageType: "User",
          codec: userCodec,
          key: noKey,
          buffer,
          handler: (v, c) => void anonymous.push({ value: v, key: c.key, offset: c.offset }),
        }),
        bindTopic<User | null, UserId | null>({
          topic: t.users,
          messageType: "User",
          codec: userCodec,
          key: avroKey(userIdCodec),
          tombstones: true,
          buffer,
          handler: (v, c) => void users.push({ value: v, key: c.key, offset: c.offset }),
        }),
        bindTopic({
          topic: t.plain,
          messageType: "User",
          codec: userCodec,
          buffer,
          handler: (v, c) => void plain.push({ value: v, key: c.key, offset: c.offset }),
        }),
      ],
      (e) =>
        e.length >= 3 &&
        strings.length === 5 &&
        blobs.length === 2 &&
        anonymous.length === 1 &&
        users.length === 3 &&
        plain.length === 1,
    );

    expect(strings.map((s) => [s.offset, s.key])).toEqual([
      ["0", "order-1"],
      ["1", "é漢字\u{1F600}"],
      ["2", "\uFEFFbom"],
      ["3", null],
      ["5", "after-bad"],
    ]);
    expect(strings.every((s) => s.value.name === "Ada")).toBe(true);
    expect(blobs.map((b) => b.key)).toEqual([Buffer.from([0, 1, 2, 255]), null]);
    expect(anonymous.map((a) => a.key)).toEqual([null]);
    expect(users.map((u) => [u.offset, u.key, u.value])).toEqual([
      ["0", { id: 1 }, ada],
      ["1", { id: 1 }, null],
      ["3", { id: 2 ** 40 }, grace],
    ]);
    // Without a key clause the key stays the raw bytes.
    expect(plain.map((p) => [p.offset, p.key])).toEqual([["1", Buffer.from("k")]]);

    const byTopic = (topic: string): DecodeErrorEvent[] => errors.filter((e) => e.topic === topic);
    expect(byTopic(t.strings).map((e) => [e.offset, e.error.message])).toEqual([
      ["4", expect.stringMatching(/key.*not valid UTF-8/)],
    ]);
    expect(byTopic(t.users).map((e) => [e.offset, e.error.message])).toEqual([
      ["2", expect.stringMatching(/cannot decode the record's key/)],
    ]);
    expect(byTopic(t.plain).map((e) => [e.offset, e.error.message])).toEqual([
      ["0", expect.stringMatching(/tombstone/)],
    ]);
    expect(errors).toHaveLength(3);
  }, 120_000);

  it("reads Confluent-framed Avro keys written by confluent-kafka AvroSerializer as key serializer (subject <topic>-key), and framed tombstones", async () => {
    const framed = uniqueName("keys-framed");
    const noTombstones = uniqueName("keys-framed-strict");
    await createTopic(framed, 1);
    await createTopic(noTombstones, 1);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-keys-"));
    const records = [
      { key: { id: 7 }, value: grace },
      { key: { id: 7 }, value: null },
      { key: { id: 2 ** 40 }, value: ada },
    ];
    const subjects: string[] = [];
    for (const topic of [framed, noTombstones]) {
      const job = path.join(dir, `${topic}.json`);
      fs.writeFileSync(
        job,
        JSON.stringify({
          topic,
          keySchema: (userIdCodec as AvroCodec<UserId>).schema,
          valueSchema: (userCodec as AvroCodec<User>).schema,
          records,
        }),
      );
      subjects.push(
        ...(
          await runWitness("produce_keyed.py", [
            "--brokers",
            brokers().join(","),
            "--registry",
            registry.url,
            "--job",
            job,
          ])
        )
          .trim()
          .split("\n"),
      );
    }
    expect(subjects).toEqual(
      expect.arrayContaining([`${framed}-key`, `${framed}-value`, `${noTombstones}-key`, `${noTombstones}-value`]),
    );

    const client = new SchemaRegistryClient({ name: "dev", url: registry.url });
    const binding = (
      topic: string,
      tombstones: boolean,
      into: Seen<User | null, UserId | null>[],
    ): TopicBinding<User | null> =>
      bindTopic<User | null, UserId | null>({
        topic,
        messageType: "User",
        codec: userCodec,
        format: confluentFormat(userCodec, { registry: client, topic, subjects: "topic" }),
        key: confluentFormat(userIdCodec, { registry: client, topic, subjects: "topic", part: "key" }),
        ...(tombstones ? { tombstones: true } : {}),
        buffer,
        handler: (v, c) => void into.push({ value: v, key: c.key, offset: c.offset }),
      });
    const got: Seen<User | null, UserId | null>[] = [];
    const strict: Seen<User | null, UserId | null>[] = [];
    const errors = await consume(
      [binding(framed, true, got), binding(noTombstones, false, strict)],
      (e) => e.length >= 1 && got.length === 3 && strict.length === 2,
    );

    expect(got.map((g) => [g.offset, g.key, g.value])).toEqual([
      ["0", { id: 7 }, grace],
      ["1", { id: 7 }, null],
      ["2", { id: 2 ** 40 }, ada],
    ]);
    expect(strict.map((g) => [g.offset, g.key, g.value])).toEqual([
      ["0", { id: 7 }, grace],
      ["2", { id: 2 ** 40 }, ada],
    ]);
    expect(errors.map((e) => [e.topic, e.offset, e.error.message])).toEqual([
      [noTombstones, "1", expect.stringMatching(/tombstone/)],
    ]);
    // One key schema and one value schema, each fetched once by id.
    expect(client.requests).toBe(2);
  }, 300_000);
});
