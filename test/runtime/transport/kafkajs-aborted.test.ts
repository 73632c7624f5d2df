// The read_committed filter that replaces kafkajs's (runtime/transport/kafkajs-aborted.ts): the cases kafkajs 2.2.4's
// own filter gets wrong, and that kafkajs's Batch runs the replacement once the runtime's transport has loaded.

import { abortedFilterState, withoutAborted, type FetchedMessage } from "../../../runtime/transport/kafkajs-aborted.js";
import "../../../runtime/transport/kafkajs.js";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ABORT = Buffer.from([0, 0, 0, 0]);
const COMMIT = Buffer.from([0, 0, 0, 1]);

/** A record of producer `pid` at `offset` (`t`: inside a transaction), or its commit/abort marker. */
function rec(offset: number, pid: string, t = true, value = `${pid}@${offset}`): FetchedMessage & { value: string } {
  return { offset: String(offset), key: null, value, batchContext: { producerId: pid, inTransaction: t } };
}
function marker(offset: number, pid: string, key: Buffer): FetchedMessage & { value: string } {
  return {
    offset: String(offset),
    key,
    value: "",
    isControlRecord: true,
    batchContext: { producerId: pid, inTransaction: true },
  };
}
const values = (ms: readonly (FetchedMessage & { value: string })[]) =>
  ms.filter((m) => !m.isControlRecord).map((m) => m.value);

// A began at 0 and aborted after B (which began at 1): the broker lists B first.
const interleaved = [
  rec(0, "A"),
  rec(1, "B"),
  rec(2, "A"),
  marker(3, "B", ABORT),
  marker(4, "A", ABORT),
  rec(5, "C"),
  rec(6, "C"),
  marker(7, "C", COMMIT),
  rec(8, "P", false),
];
const interleavedAborted = [
  { producerId: "B", firstOffset: "1" },
  { producerId: "A", firstOffset: "0" },
];
// A fetch from offset 3, inside A's (0..) and B's (1..) aborted transactions.
const inside = [
  rec(3, "B"),
  rec(4, "B"),
  marker(5, "A", ABORT),
  marker(6, "B", ABORT),
  rec(7, "C"),
  marker(8, "C", COMMIT),
];
const insideAborted = [
  { producerId: "A", firstOffset: "0" },
  { producerId: "B", firstOffset: "1" },
];

describe("withoutAborted", () => {
  it("drops every record of an aborted transaction whatever the order of the broker's list", () => {
    expect(values(withoutAborted(interleaved, interleavedAborted))).toEqual(["C@5", "C@6", "P@8"]);
    expect(values(withoutAborted(interleaved, [...interleavedAborted].reverse()))).toEqual(["C@5", "C@6", "P@8"]);
  });

  it("switches on every aborted transaction that began at or before a record (a fetch from inside two)", () => {
    expect(values(withoutAborted(inside, insideAborted))).toEqual(["C@7"]);
  });

  it("keeps a producer's committed transaction after its aborted one, and its records outside transactions", () => {
    const ms = [rec(0, "A"), marker(1, "A", ABORT), rec(2, "A"), marker(3, "A", COMMIT), rec(4, "A", false)];
    expect(values(withoutAborted(ms, [{ producerId: "A", firstOffset: "0" }]))).toEqual(["A@2", "A@4"]);
    const noList = [rec(0, "A"), rec(1, "B", false)];
    expect(values(withoutAborted(noList, undefined))).toEqual(["A@0", "B@1"]);
    expect(values(withoutAborted(noList, []))).toEqual(["A@0", "B@1"]);
  });

  it("compares offsets as 64-bit numbers, not as text", () => {
    const ms = [rec(9, "X"), rec(10, "A"), marker(11, "A", ABORT)];
    expect(values(withoutAborted(ms, [{ producerId: "A", firstOffset: "10" }]))).toEqual(["X@9"]);
    const big = [{ ...rec(0, "A"), offset: "9007199254740993" }];
    expect(values(withoutAborted(big, [{ producerId: "A", firstOffset: "9007199254740992" }]))).toEqual([]);
  });
});

describe("in kafkajs", () => {
  const require = createRequire(import.meta.url);
  const filterPath = require.resolve("kafkajs/src/consumer/filterAbortedMessages.js");
  const Batch = require("kafkajs/src/consumer/batch.js") as new (
    topic: string,
    fetchedOffset: string,
    partitionData: { partition: number; highWatermark: string; messages: unknown[]; abortedTransactions: unknown[] },
  ) => { messages: { value: string }[] };

  it("kafkajs's own filter hands over records of these aborted transactions (why it is replaced)", () => {
    // kafkajs's file compiled afresh, outside the module cache that holds the replacement.
    const original = new Module(filterPath) as Module & { _compile(source: string, file: string): void };
    original.filename = filterPath;
    original.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(
      dirname(filterPath),
    );
    original._compile(readFileSync(filterPath, "utf8"), filterPath);
    const kafkajsFilter = original.exports as (a: {
      messages: unknown[];
      abortedTransactions: unknown[];
    }) => (FetchedMessage & { value: string })[];
    expect(values(kafkajsFilter({ messages: interleaved, abortedTransactions: interleavedAborted }))).toContain("A@0");
    expect(values(kafkajsFilter({ messages: inside, abortedTransactions: insideAborted }))).toContain("B@3");
  });

  it("kafkajs's Batch runs the replacement once the runtime's transport has loaded", () => {
    expect(abortedFilterState).toBe("replaced");
    const batch = (messages: unknown[], abortedTransactions: unknown[], from: string) =>
      new Batch("t", from, { partition: 0, highWatermark: "100", messages, abortedTransactions }).messages.map(
        (m) => m.value,
      );
    expect(batch(interleaved, interleavedAborted, "0")).toEqual(["C@5", "C@6", "P@8"]);
    expect(batch(inside, insideAborted, "3")).toEqual(["C@7"]);
  });
});

describe("when kafkajs was loaded first", () => {
  it("the filter is left as it is and the transport's first member logs a warning that says how to fix it", () => {
    // A fresh process that imports kafkajs before the runtime, as an application passing its own Kafka may.
    const script = [
      'import "kafkajs";',
      'const { abortedFilterState } = await import("./runtime/transport/kafkajs-aborted.ts");',
      'const { kafkajsTransport } = await import("./runtime/transport/kafkajs.ts");',
      "const warnings = [];",
      "const logger = { debug() {}, info() {}, error() {}, warn: (m) => warnings.push(m) };",
      "const fake = () => ({ on: () => () => {}, events: {} });",
      "const t = kafkajsTransport({ brokers: ['127.0.0.1:1'] }, { logger, createConsumer: fake });",
      "const l = {};",
      "t.createMember({ groupId: 'g' }, l, logger); t.createMember({ groupId: 'g' }, l, logger);",
      "console.log(JSON.stringify({ state: abortedFilterState, warnings }));",
    ].join("\n");
    const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("../../..", import.meta.url)),
      encoding: "utf8",
    });
    const { state, warnings } = JSON.parse(out.trim().split("\n").at(-1)!) as { state: string; warnings: string[] };
    expect(state).toBe("loaded-first");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /kafkajs was loaded before kefgen's runtime.*import the generated code or kefgen\/runtime before kafkajs/,
    );
  });
});
