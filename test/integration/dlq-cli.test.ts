// kefgen dlq inspect / replay against the real broker: dead letters in the runtime's format (runtime/dead-letter.ts),
// listed with their origin and error, and written back to their original topic and partition, filtered.
import { describe, expect, it } from "vitest";
import { deadLetterRecord, DecodeError } from "kefgen/runtime";
import { runCli } from "../../scripts/snapshots.js";
import { brokers, createTopic, endOffsets, produce, readAll, uniqueName, waitFor } from "../support/kafka.js";

describe("kefgen dlq", () => {
  it("inspect lists dead letters with origin, age, error and key; replay writes the chosen ones back, byte for byte, and counts them", async () => {
    const source = uniqueName("dlq-src");
    const dlt = `${source}-dlt`;
    await createTopic(source, 2);
    await createTopic(dlt, 1);
    const original = (offset: string, key: Buffer | null, value: string) => ({
      offset,
      key,
      value: Buffer.from(value),
      timestamp: String(Date.now() - 90_000),
      headers: { trace: Buffer.from([7, 8]) },
    });
    const letters = [
      deadLetterRecord(
        {
          topic: source,
          partition: 1,
          record: original("41", Buffer.from("order-1"), "v1"),
          groupId: "shop",
          error: new TypeError("warehouse refused"),
          attempts: 5,
        },
        1,
      ),
      deadLetterRecord(
        {
          topic: source,
          partition: 0,
          record: original("7", Buffer.from([0, 255]), "v2"),
          groupId: "shop",
          error: new TypeError("warehouse refused again"),
          attempts: 5,
        },
        1,
      ),
      deadLetterRecord(
        {
          topic: source,
          partition: 1,
          record: original("42", null, "garbage"),
          groupId: "shop",
          error: DecodeError.at(new Error("bad varint"), { topic: source, partition: 1, offset: "42" }),
          attempts: 0,
        },
        1,
      ),
    ];
    await produce(dlt, [
      ...letters.map((l) => ({
        key: l.key ?? null,
        value: l.value,
        headers: { ...l.headers } as Record<string, Buffer>,
      })),
      { value: "stray" },
    ]);
    const b = ["--brokers", brokers().join(",")];

    const inspected = await runCli(["dlq", "inspect", dlt, ...b]);
    expect(inspected.exitCode, inspected.output).toBe(0);
    const lines = inspected.output.trimEnd().split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(
      new RegExp(
        `^${dlt}\\[0\\]@0  from ${source}\\[1\\]@41  (89|9\\d|1[01]\\d)s old, 5 attempts  TypeError: warehouse refused  key "order-1"$`,
      ),
    );
    expect(lines[1]).toContain(`from ${source}[0]@7`);
    expect(lines[1]).toContain("key 0x00ff");
    expect(lines[2]).toMatch(/0 attempts {2}DecodeError: .*bad varint.* {2}key \(none\)$/);
    expect(lines[3]).toBe(`${dlt}[0]@3  not a dead letter (no kafka_dlt-original-topic header)`);
    expect(lines[4]).toBe(`4 records in ${dlt}`);

    const dry = await runCli(["dlq", "replay", dlt, ...b, "--where-error", "warehouse", "--dry-run"]);
    expect(dry.output).toBe(`would replay 2 of 4 records of ${dlt} (2 to ${source}); wrote nothing (--dry-run)\n`);
    expect([...(await endOffsets(source)).values()]).toEqual([0, 0]);

    const replayed = await runCli(["dlq", "replay", dlt, ...b, "--where-error", "warehouse"]);
    expect(replayed).toEqual({ exitCode: 0, output: `replayed 2 of 4 records of ${dlt} (2 to ${source})\n` });
    const back = await readAll(source, 2);
    const byValue = new Map(back.map((m) => [String(m.value), m]));
    expect(byValue.get("v1")).toMatchObject({
      partition: 1,
      key: Buffer.from("order-1"),
      headers: { trace: Buffer.from([7, 8]) },
    });
    expect(byValue.get("v2")).toMatchObject({
      partition: 0,
      key: Buffer.from([0, 255]),
      headers: { trace: Buffer.from([7, 8]) },
    });
    for (const m of back) expect(Object.keys(m.headers ?? {})).toEqual(["trace"]);

    const one = await runCli(["dlq", "replay", dlt, ...b, "--from", "2", "--to", "2", "--format", "json"]);
    expect(JSON.parse(one.output)).toEqual({ topic: dlt, read: 4, replayed: 1, matched: 1, to: { [source]: 1 } });
    await waitFor(async () => (await endOffsets(source)).get(1) === 2, {
      message: "the poison record back on partition 1",
    });

    expect(await runCli(["dlq", "inspect", dlt])).toMatchObject({ exitCode: 2 });
    expect(await runCli(["dlq", "replay", dlt, ...b, "--from", "x"])).toMatchObject({ exitCode: 2 });
  });
});
