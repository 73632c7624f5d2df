// Settings resolve with a defined precedence: built-in default → shared → connection → topic.
import { describe, expect, expectTypeOf, it } from "vitest";
import { checkFiles } from "../../generator/program.js";
import type {
  BufferSettingsModel,
  ConnectionSettingsModel,
  FailureModel,
  Model,
  ProducerModel,
} from "../../generator/model.js";
import { parse } from "../../generator/parse.js";
import { settingsByName, settingsCatalogue, type SettingInfo } from "../../generator/settings.js";
import { settingsDeclaration, type SettingName } from "../../runtime/settings-declaration.js";
import type { ProducerSettings } from "../../runtime/transport/transport.js";
import {
  DEFAULT_FAILURE_POLICY,
  DEFAULT_MISSING_TOPICS,
  type BufferSettings,
  type ConnectionSettings,
  type FailurePolicy,
} from "../../runtime/types.js";

const message = 'message M avro { "type": "record", "name": "M", "fields": [] }';

function resolve(text: string): Model {
  const source = { file: "t.kef", absolutePath: "/virtual/t.kef", text: `${message}\n${text}` };
  const parsed = parse(source);
  expect(parsed.diagnostics).toEqual([]);
  const result = checkFiles([{ ast: parsed.value, source }], { readFile: () => undefined, displayPath: (p) => p });
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return result.value!;
}

const connection = (m: Model, name: string) => m.connections.find((c) => c.name === name)!;
const topic = (m: Model, name: string) => m.topics.find((t) => t.topic === name)!;

describe("setting precedence", () => {
  it("uses the built-in defaults when nothing is set", () => {
    const m = resolve('shared { groupId = "g" }\ntopic "t" : M');
    const defaults = Object.fromEntries(
      settingsCatalogue
        .filter((s) => s.default !== undefined && s.scope !== "producer")
        .map((s) => [s.name, s.default]),
    );
    const { groupId, ...settings } = connection(m, "shared").settings;
    expect(groupId).toBe("g");
    // format and subjects: a bare-Avro topic (the default) has no format model.
    const { format, subjects, transactionMaxRecords, transactionMaxMs, ...rest } = defaults;
    expect({ format, subjects }).toEqual({ format: "avro", subjects: "topic" });
    expect(topic(m, "t").format).toBeUndefined();
    const f = topic(m, "t").failure;
    const failure = {
      retryAttempts: f.attempts,
      retryBackoffMs: f.backoffMs,
      retryMaxBackoffMs: f.maxBackoffMs,
      retryMultiplier: f.multiplier,
      retryJitterPercent: f.jitterPercent,
      deadLetter: f.deadLetter ?? "none",
    };
    // exactlyOnce has no settings object: the topic model says it only when true, with its transaction limits.
    expect(topic(m, "t").exactlyOnce).toBeUndefined();
    expect(topic(m, "t").transaction).toBeUndefined();
    const eos = resolve('shared { groupId = "g" exactlyOnce = true }\ntopic "t" : M').topics[0]!;
    expect(eos.transaction).toEqual({ transactionMaxRecords, transactionMaxMs });
    expect({ ...settings, ...topic(m, "t").buffer, ...failure, exactlyOnce: false }).toEqual(rest);
    // onDecodeError has no fixed default: stop without a dead-letter topic (nothing is lost), else deadLetter.
    expect(f.onDecodeError).toBe("stop");
    expect(resolve('shared { groupId = "g" deadLetter = default }\ntopic "t" : M').topics[0]!.failure).toMatchObject({
      deadLetter: "t-dlt",
      onDecodeError: "deadLetter",
    });
  });

  it("producers: none unless asked; default → shared → the topic's producer block", () => {
    const defaults = Object.fromEntries(
      settingsCatalogue
        .filter((s) => s.scope === "producer" && s.default !== undefined && s.name !== "produce")
        .map((s) => [s.name, s.default]),
    );
    const none = resolve('shared { groupId = "g" acks = all }\ntopic "t" : M');
    expect(topic(none, "t").producer).toBeUndefined();
    const m = resolve(
      'shared { groupId = "g" compression = gzip maxInFlight = 3 }\n' +
        'topic "a" : M { producer {} }\ntopic "b" : M { producer { maxInFlight = 1 autoRegister = false } }\ntopic "c" : M\n' +
        'topic "d" : M { consumer { concurrency = 2 } producer { idempotent = false acks = leader maxInFlight = 20 } }',
    );
    expect(topic(m, "a").producer).toEqual({ ...defaults, compression: "gzip", maxInFlight: 3 });
    expect(topic(m, "b").producer).toEqual({ ...defaults, compression: "gzip", maxInFlight: 1, autoRegister: false });
    expect(topic(m, "c").producer).toBeUndefined();
    expect(topic(m, "d").producer).toEqual({
      acks: "leader",
      idempotent: false,
      compression: "gzip",
      maxInFlight: 20,
      autoRegister: true,
    });
    expect(topic(m, "d").buffer.concurrency).toBe(2);
    // produce = true in the shared block: every topic gets one.
    const all = resolve(
      'shared { groupId = "g" produce = true }\ntopic "a" : M\ntopic "b" : M { producer { acks = all } }',
    );
    expect(all.topics.map((t) => t.producer)).toEqual([defaults, defaults]);
  });

  it("resolves failure handling with the usual precedence: default → shared → connection → topic", () => {
    const m = resolve(
      'shared { groupId = "g" retryAttempts = 5 retryBackoffMs = 1s deadLetter = default }\n' +
        'connection c exclusive { groupId = "c" retryAttempts = 1 deadLetter = "c-failed" onDecodeError = stop }\n' +
        'topic "a" : M\ntopic "b" : M { consumer via c }\ntopic "d" : M { consumer { deadLetter = none retryAttempts = unlimited retryJitterPercent = 0 } }\n' +
        'topic "x" : M { consumer exclusive { groupId = "x" retryMultiplier = 1 } }',
    );
    expect(topic(m, "a").failure).toEqual({
      attempts: 5,
      backoffMs: 1_000,
      maxBackoffMs: 30_000,
      multiplier: 2,
      jitterPercent: 20,
      deadLetter: "a-dlt",
      onDecodeError: "deadLetter",
    });
    expect(topic(m, "b").failure).toEqual({
      attempts: 1,
      backoffMs: 1_000,
      maxBackoffMs: 30_000,
      multiplier: 2,
      jitterPercent: 20,
      deadLetter: "c-failed",
      onDecodeError: "stop",
    });
    expect(topic(m, "d").failure).toEqual({
      attempts: "unlimited",
      backoffMs: 1_000,
      maxBackoffMs: 30_000,
      multiplier: 2,
      jitterPercent: 0,
      onDecodeError: "stop",
    });
    expect(topic(m, "x").failure).toEqual({
      attempts: 5,
      backoffMs: 1_000,
      maxBackoffMs: 30_000,
      multiplier: 1,
      jitterPercent: 20,
      deadLetter: "x-dlt",
      onDecodeError: "deadLetter",
    });
  });

  it("resolves exactlyOnce with the usual precedence: default → shared → connection → topic", () => {
    const m = resolve(
      'shared { groupId = "g" exactlyOnce = true }\n' +
        'connection c exclusive { groupId = "c" exactlyOnce = false }\n' +
        'topic "a" : M\ntopic "b" : M { consumer via c }\ntopic "d" : M { consumer via c { exactlyOnce = true } }\n' +
        'topic "e" : M { consumer { exactlyOnce = false } }\ntopic "x" : M { consumer exclusive { groupId = "x" } }',
    );
    expect(Object.fromEntries(m.topics.map((t) => [t.topic, t.exactlyOnce]))).toEqual({
      a: true,
      b: undefined,
      d: true,
      e: undefined,
      x: true,
    });
    expect(resolve('shared { groupId = "g" }\ntopic "a" : M').topics[0]!.exactlyOnce).toBeUndefined();
  });

  it("resolves an exactly-once topic's transaction limits with the usual precedence: default → shared → connection → topic", () => {
    const m = resolve(
      'shared { groupId = "g" exactlyOnce = true transactionMaxRecords = 50 }\n' +
        'connection c exclusive { groupId = "c" transactionMaxMs = 2s }\n' +
        'topic "a" : M\ntopic "b" : M { consumer via c }\ntopic "d" : M { consumer via c { transactionMaxRecords = 7 } }',
    );
    expect(Object.fromEntries(m.topics.map((t) => [t.topic, t.transaction]))).toEqual({
      a: { transactionMaxRecords: 50, transactionMaxMs: 100 },
      b: { transactionMaxRecords: 50, transactionMaxMs: 2_000 },
      d: { transactionMaxRecords: 7, transactionMaxMs: 2_000 },
    });
  });

  it("shared settings are the defaults of every connection, except groupId", () => {
    const m = resolve(
      'shared { groupId = "g" sessionTimeoutMs = 20s fetchMaxWaitMs = 250 maxBufferedMessages = 300 backpressure = DropNewestMessage }\n' +
        'connection c exclusive { groupId = "c" }\ntopic "a" : M\ntopic "b" : M { consumer via c }\ntopic "x" : M { consumer exclusive { groupId = "x" } }',
    );
    for (const name of ["shared", "c", "x"]) {
      expect(connection(m, name).settings).toMatchObject({ sessionTimeoutMs: 20_000, fetchMaxWaitMs: 250 });
    }
    expect(connection(m, "c").settings.groupId).toBe("c");
    for (const t of ["a", "b", "x"])
      expect(topic(m, t).buffer).toEqual({
        maxBufferedMessages: 300,
        concurrency: 1,
        backpressure: "DropNewestMessage",
      });
  });

  it("a connection overrides shared, and a topic overrides its connection", () => {
    const m = resolve(
      'shared { groupId = "g" sessionTimeoutMs = 20s maxBufferedMessages = 300 }\n' +
        'connection c exclusive { groupId = "c" sessionTimeoutMs = 45s maxBufferedMessages = 50 maxPollRecords = 7 }\n' +
        'topic "a" : M { consumer { maxBufferedMessages = 10 concurrency = 4 } }\n' +
        'topic "b" : M { consumer via c }\n' +
        'topic "b2" : M { consumer via c { maxBufferedMessages = 5 backpressure = DropOldestMessage } }\n' +
        'topic "x" : M { consumer exclusive { groupId = "x" maxBufferedMessages = 2 heartbeatIntervalMs = 1s } }',
    );
    expect(connection(m, "shared").settings).toMatchObject({ sessionTimeoutMs: 20_000 });
    expect(connection(m, "shared").settings.maxPollRecords).toBeUndefined();
    expect(connection(m, "c").settings).toMatchObject({ sessionTimeoutMs: 45_000, maxPollRecords: 7 });
    expect(connection(m, "x").settings).toMatchObject({ sessionTimeoutMs: 20_000, heartbeatIntervalMs: 1_000 });
    expect(topic(m, "a").buffer).toEqual({
      maxBufferedMessages: 10,
      concurrency: 4,
      backpressure: "ApplyBackpressure",
    });
    expect(topic(m, "b").buffer).toEqual({
      maxBufferedMessages: 50,
      concurrency: 1,
      backpressure: "ApplyBackpressure",
    });
    expect(topic(m, "b2").buffer).toEqual({
      maxBufferedMessages: 5,
      concurrency: 1,
      backpressure: "DropOldestMessage",
    });
    expect(topic(m, "x").buffer).toEqual({ maxBufferedMessages: 2, concurrency: 1, backpressure: "ApplyBackpressure" });
  });

  it("converts quantities: durations to milliseconds, sizes to bytes", () => {
    const m = resolve(
      'shared { groupId = "g" sessionTimeoutMs = 1.5min heartbeatIntervalMs = 0.5s autoCommitIntervalMs = 250ms maxPollIntervalMs = 1h fetchMinBytes = 64KiB }\ntopic "t" : M',
    );
    expect(connection(m, "shared").settings).toMatchObject({
      sessionTimeoutMs: 90_000,
      heartbeatIntervalMs: 500,
      autoCommitIntervalMs: 250,
      maxPollIntervalMs: 3_600_000,
      fetchMinBytes: 65_536,
    });
  });

  it("a named exclusive connection hosts several topics", () => {
    const m = resolve(
      'connection orders exclusive { groupId = "orders" }\ntopic "a" : M { consumer via orders }\ntopic "b" : M { consumer via orders }',
    );
    expect(m.connections.map((c) => [c.name, c.topics.map((t) => t.topic)])).toEqual([["orders", ["a", "b"]]]);
  });

  it("missingTopics: fail by default (as in the runtime), inherited from shared, wait where written", () => {
    expect(settingsByName.get("missingTopics")?.default).toBe(DEFAULT_MISSING_TOPICS);
    const m = resolve(
      'shared { groupId = "g" missingTopics = wait }\nconnection c exclusive { groupId = "c" missingTopics = fail }\n' +
        'topic "a" : M\ntopic "b" : M { consumer via c }\ntopic "x" : M { consumer exclusive { groupId = "x" } }',
    );
    expect(["shared", "c", "x"].map((name) => connection(m, name).settings.missingTopics)).toEqual([
      "wait",
      "fail",
      "wait",
    ]);
    expect(connection(resolve('shared { groupId = "g" }\ntopic "t" : M'), "shared").settings.missingTopics).toBe(
      "fail",
    );
  });
});

describe("value format settings", () => {
  it("format, subjects and registry resolve shared → connection → topic; bare Avro topics have no format", () => {
    const m = resolve(
      'registry one { url = "http://one:8081" }\nregistry two { url = env("TWO_URL") auth = bearer(env("TWO_TOKEN")) }\n' +
        'shared { groupId = "g" format = confluent registry = one }\n' +
        'connection c exclusive { groupId = "c" registry = two subjects = record }\n' +
        'topic "a" : M\ntopic "b" : M { consumer via c }\ntopic "b2" : M { consumer via c { subjects = topicRecord registry = one } }\n' +
        'topic "x" : M { consumer { format = avro } }',
    );
    expect(topic(m, "a").format).toEqual({ kind: "confluent", registry: "one", subjects: "topic" });
    expect(topic(m, "b").format).toEqual({ kind: "confluent", registry: "two", subjects: "record" });
    expect(topic(m, "b2").format).toEqual({ kind: "confluent", registry: "one", subjects: "topicRecord" });
    expect(topic(m, "x").format).toBeUndefined();
    expect(m.registries.map((r) => [r.name, r.url, r.auth])).toEqual([
      ["one", { value: "http://one:8081" }, undefined],
      ["two", { env: "TWO_URL" }, { kind: "bearer", tokenEnv: "TWO_TOKEN" }],
    ]);
  });
});

/** Removes `readonly`, to compare the model's shapes (read-only) with the runtime's. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** The keys of `T` that are not optional. */
// `{}` on purpose: an optional key is one whose Pick an empty object satisfies.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];
/** One object type out of an intersection, so that equality compares fields. */
type Flat<T> = { [K in keyof T]: T[K] };

describe("one declaration of the settings (runtime/settings-declaration.ts)", () => {
  it("the runtime's settings types are what they were before they were derived, field for field", () => {
    // The public API generated code compiles against: a changed field, type or optionality fails to compile.
    expectTypeOf<ConnectionSettings>().toEqualTypeOf<{
      groupId: string;
      groupInstanceId?: string;
      client?: "kafkajs" | "platformatic";
      sessionTimeoutMs: number;
      heartbeatIntervalMs: number;
      maxPollIntervalMs: number;
      enableAutoCommit: boolean;
      autoCommitIntervalMs: number;
      autoOffsetReset: "earliest" | "latest" | "none";
      maxPollRecords?: number;
      fetchMinBytes: number;
      fetchMaxWaitMs: number;
      missingTopics?: "fail" | "wait";
    }>();
    expectTypeOf<BufferSettings>().toEqualTypeOf<{
      maxBufferedMessages: number;
      concurrency?: number;
      backpressure: "ApplyBackpressure" | "DropOldestMessage" | "DropNewestMessage";
    }>();
    expectTypeOf<FailurePolicy>().toEqualTypeOf<{
      attempts: number | "unlimited";
      backoffMs: number;
      maxBackoffMs: number;
      multiplier: number;
      jitterPercent: number;
      deadLetter?: string;
      onDecodeError: "deadLetter" | "skip" | "stop";
    }>();
    // Producers always run on kafkajs: the compressions it cannot honour are not in the type.
    expectTypeOf<ProducerSettings>().toEqualTypeOf<{
      readonly acks: "all" | "leader" | "none";
      readonly idempotent: boolean;
      readonly compression: "none" | "gzip";
      readonly maxInFlight: number;
    }>();
  });

  it("the model's settings shapes and the runtime's have the same fields and value types; the model sets every defaulted one", () => {
    expectTypeOf<keyof ConnectionSettingsModel>().toEqualTypeOf<keyof ConnectionSettings>();
    expectTypeOf<Required<Mutable<ConnectionSettingsModel>>>().toEqualTypeOf<Required<ConnectionSettings>>();
    // What the runtime requires, the model has; the model sets more (the defaulted ones: missingTopics, concurrency).
    expectTypeOf<RequiredKeys<ConnectionSettings>>().toExtend<RequiredKeys<ConnectionSettingsModel>>();
    expectTypeOf<Mutable<BufferSettingsModel>>().toEqualTypeOf<Required<BufferSettings>>();
    expectTypeOf<Mutable<FailureModel>>().toEqualTypeOf<FailurePolicy>();
    // autoRegister is the encoder's option (kefgen.confluentEncoder), not the client's.
    expectTypeOf<Mutable<ProducerModel>>().toEqualTypeOf<Flat<Mutable<ProducerSettings> & { autoRegister: boolean }>>();
    // The catalogue's names are the declaration's, and every declared shape field is in a model shape.
    expectTypeOf<SettingInfo["name"]>().toEqualTypeOf<SettingName>();
    expectTypeOf<SettingName>().toEqualTypeOf<keyof typeof settingsDeclaration>();
  });

  it("the catalogue is the declaration in its order, each setting documented; the runtime's defaults are the declared ones", () => {
    expect(settingsCatalogue.map((s) => s.name)).toEqual(Object.keys(settingsDeclaration));
    for (const s of settingsCatalogue) {
      expect(s.meaning.length, s.name).toBeGreaterThan(0);
      expect(s.honouredBy.length, s.name).toBeGreaterThan(0);
    }
    expect(DEFAULT_FAILURE_POLICY).toEqual({
      attempts: 10,
      backoffMs: 200,
      maxBackoffMs: 30_000,
      multiplier: 2,
      jitterPercent: 20,
      onDecodeError: "stop",
    });
    expect(settingsByName.get("retryAttempts")).toMatchObject({ default: 10, field: "attempts", shape: "failure" });
  });

  it("a resolved model has exactly the declared fields of each shape, in declaration order (the order generated code writes)", () => {
    const m = resolve(
      'shared { groupId = "g" groupInstanceId = "i" client = platformatic maxPollRecords = 5 deadLetter = default produce = true }\ntopic "t" : M',
    );
    const fields = (shape: string) => settingsCatalogue.filter((s) => s.shape === shape).map((s) => s.field);
    expect(Object.keys(connection(m, "shared").settings)).toEqual(fields("connection"));
    expect(Object.keys(topic(m, "t").buffer)).toEqual(fields("buffer"));
    expect(Object.keys(topic(m, "t").failure)).toEqual(fields("failure"));
    expect(Object.keys(topic(m, "t").producer!)).toEqual(fields("producer"));
    // Optional fields are left out when nothing sets them, rather than written as undefined.
    const plain = resolve('shared { groupId = "g" }\ntopic "t" : M');
    expect(Object.keys(connection(plain, "shared").settings)).toEqual(
      fields("connection").filter((f) => !["groupInstanceId", "client", "maxPollRecords"].includes(f)),
    );
    expect(Object.keys(topic(plain, "t").failure)).not.toContain("deadLetter");
  });
});
