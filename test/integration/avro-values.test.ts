// Avro values end to end against the real broker: the avro-logical fixture's generated code on the runtime. Handlers
// get the documented representation (Date, decimal strings, durations), a map key "__proto__" arrives as an own key
// without touching any prototype, and a long a number cannot hold is a decode error that skips only that record.
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import {
  avroLogicalConnections,
  type AvroLogicalHandlers,
  type Measurements,
} from "../../fixtures/valid/avro-logical/expected/index.js";
import * as codecs from "../../fixtures/valid/avro-logical/expected/codecs.js";
import {
  avroCodec,
  ConsumerRuntime,
  silentLogger,
  type AvroCodec,
  type ConnectionSpec,
  type DecodeErrorEvent,
} from "kefgen/runtime";
import { repoRoot } from "../../scripts/snapshots.js";
import { avroArbitrary } from "../support/avro-arbitrary.js";
import { brokers, createTopic, produce, uniqueName, waitFor } from "../support/kafka.js";

function renamed(specs: ConnectionSpec[], suffix: string): ConnectionSpec[] {
  return specs.map((c) => ({
    ...c,
    settings: {
      ...c.settings,
      groupId: `${c.settings.groupId}-${suffix}`,
      autoOffsetReset: "earliest",
      fetchMaxWaitMs: 100,
    },
    // An unreadable record is skipped (onDecodeError = skip): this file is about values; dead letters are in dead-letters.test.ts.
    topics: c.topics.map((t) => ({
      ...t,
      topic: `${t.topic}-${suffix}`,
      failure: { ...t.failure, onDecodeError: "skip" as const },
    })),
  }));
}

/** The Measurements schema with epochSeconds read as a bigint: same bytes, so it can write what a number cannot hold. */
function bigEpochCodec(): AvroCodec<Omit<Measurements, "epochSeconds"> & { epochSeconds: bigint }> {
  const schema = JSON.parse(
    fs.readFileSync(path.join(repoRoot, "fixtures/valid/avro-logical/schemas/measurements.avsc"), "utf8"),
  ) as { fields: { name: string; type: unknown }[] };
  const field = schema.fields.find((f) => f.name === "epochSeconds")!;
  field.type = { type: "long", "kefgen.long": "bigint" };
  return avroCodec(schema);
}

const runtimes: ConsumerRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop({ timeoutMs: 10_000 })));
});

describe("Avro values through a real broker", () => {
  it("reach handlers in the generated types' representation; an unreadable long skips only its record", async () => {
    const suffix = uniqueName("avro");
    for (const t of ["measurements", "instants", "prices"]) await createTopic(`${t}-${suffix}`, 1);

    const got = {
      measurements: [] as Measurements[],
      instants: [] as Date[],
      prices: [] as string[],
      decodeErrors: [] as DecodeErrorEvent[],
    };
    const handlers: AvroLogicalHandlers = {
      measurements: (m) => void got.measurements.push(m),
      instants: (d) => void got.instants.push(d),
      prices: (p) => void got.prices.push(p),
    };
    const runtime = new ConsumerRuntime(
      renamed(avroLogicalConnections(handlers), suffix),
      { brokers: brokers() },
      { logger: silentLogger },
    );
    runtime.on("decodeError", (e) => void got.decodeErrors.push(e));
    runtimes.push(runtime);

    const [drawn] = fc.sample(avroArbitrary<Measurements>((codecs.measurementsCodec as AvroCodec<Measurements>).type), {
      numRuns: 1,
      seed: 20_261_206,
    });
    const first = codecs.measurementsCodec.decode(codecs.measurementsCodec.encode(drawn!));
    // A key "__proto__" (an own property, as JSON.parse makes it) next to an ordinary one.
    const withProto: Measurements = {
      ...first,
      pricesByDay: JSON.parse('{"__proto__": "12.3400", "2024-01-02": "-0.0100"}') as Measurements["pricesByDay"],
    };
    const poison = bigEpochCodec().encode({ ...first, epochSeconds: 2n ** 60n });
    const last: Measurements = { ...first, epochSeconds: -(2 ** 53 - 1), at: new Date(-8.64e15) };
    await produce(`measurements-${suffix}`, [
      { value: codecs.measurementsCodec.encode(withProto) },
      { value: poison },
      { value: codecs.measurementsCodec.encode(last) },
    ]);
    const instants = [new Date("2024-02-29T12:34:56.789Z"), new Date(0)];
    await produce(
      `instants-${suffix}`,
      instants.map((d) => ({ value: codecs.instantCodec.encode(d) })),
    );
    await produce(
      `prices-${suffix}`,
      ["1234567.89", "-0.01"].map((p) => ({ value: codecs.priceCodec.encode(p) })),
    );

    await runtime.start();
    await waitFor(
      () =>
        got.measurements.length === 2 &&
        got.instants.length === 2 &&
        got.prices.length === 2 &&
        got.decodeErrors.length === 1,
      {
        timeoutMs: 30_000,
        message: "every record handled or reported",
      },
    );

    expect(got.instants).toEqual(instants);
    for (const d of got.instants) expect(d).toBeInstanceOf(Date);
    expect(got.prices).toEqual(["1234567.89", "-0.01"]);

    const [a, b] = got.measurements as [Measurements, Measurements];
    expect(a).toEqual(withProto);
    expect(Object.keys(a.pricesByDay)).toEqual(["__proto__", "2024-01-02"]);
    expect(Object.getOwnPropertyDescriptor(a.pricesByDay, "__proto__")?.value).toBe("12.3400");
    expect(Object.getPrototypeOf(a.pricesByDay)).toBe(Object.prototype);
    expect(a.at).toBeInstanceOf(Date);
    expect(typeof a.amount).toBe("string");
    expect(a.elapsed).toEqual({
      months: expect.any(Number),
      days: expect.any(Number),
      milliseconds: expect.any(Number),
    });
    expect(b).toEqual(last);
    expect(b.epochSeconds).toBe(-(2 ** 53 - 1));

    const [error] = got.decodeErrors;
    expect(error).toMatchObject({ topic: `measurements-${suffix}`, partition: 0, offset: "1" });
    expect(error!.error.message).toContain('"kefgen.long": "bigint"');
  });
});
