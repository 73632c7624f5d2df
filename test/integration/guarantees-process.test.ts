// Runtime guarantees across process deaths, against the real broker: a consumer process killed
// with SIGKILL loses nothing and never had a commit ahead of its handling (proof 4), and one sent
// SIGTERM drains, commits and exits in time, so its successor sees no duplicates (proof 6).
// The consumer is test/fault/consumer-process.ts, run with tsx; it logs every handler call to a file.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { handledLines, readFaultLog, spawnConsumer, startedLines, type FaultConsumer } from "../support/fault.js";
import { produceTicks, Sampler, sameOffsets } from "../support/guarantees.js";
import { brokers, committedOffsets, createTopic, endOffsets, uniqueName, waitFor } from "../support/kafka.js";
import { testClients } from "../support/clients.js";
import type { KafkaClient } from "../../runtime/index.js";

const dir = mkdtempSync(path.join(tmpdir(), "kefgen-fault-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const children: FaultConsumer[] = [];
afterEach(async () => {
  for (const consumer of children.splice(0)) {
    if (consumer.child.exitCode === null && consumer.child.signalCode === null) consumer.child.kill("SIGKILL");
    await consumer.exited;
  }
});

function figure(name: string, values: Record<string, unknown>): void {
  process.stdout.write(`[figures] ${name} ${JSON.stringify(values)}\n`);
}

function consumer(options: {
  client: KafkaClient;
  groupId: string;
  topic: string;
  log: string;
  handlerDelayMs: number;
  concurrency?: number;
  autoCommitIntervalMs: number;
}): FaultConsumer {
  const started = spawnConsumer({
    brokers: brokers(),
    client: options.client,
    groupId: options.groupId,
    topic: options.topic,
    log: options.log,
    handlerDelayMs: options.handlerDelayMs,
    concurrency: options.concurrency ?? 1,
    capacity: 50,
    autoCommitIntervalMs: options.autoCommitIntervalMs,
    stopTimeoutMs: 5_000,
    // The broker's minimum: the killed member's session ends soonest, so the restart does not wait long.
    sessionTimeoutMs: 6_000,
  });
  children.push(started);
  return started;
}

const keyOf = (partition: number, offset: number) => `${partition}@${offset}`;

describe.each(testClients())("%s: guarantee: a consumer process killed with SIGKILL loses nothing", (client) => {
  it("every record is handled at least once after a restart, and the committed offset never passed the handled ones", async () => {
    const topic = uniqueName("kill");
    const groupId = uniqueName("kill-group");
    await createTopic(topic, 3);
    const ends = await produceTicks(topic, 3, 1_000);
    const total = 3_000;
    const log1 = path.join(dir, `${topic}-1.log`);
    const log2 = path.join(dir, `${topic}-2.log`);

    // The broker's view of the commits, sampled all along with the time each answer arrived.
    const sampler = new Sampler(async () => ({ offsets: await committedOffsets(groupId, topic), at: Date.now() }), 20);
    const first = consumer({ client, groupId, topic, log: log1, handlerDelayMs: 1, autoCommitIntervalMs: 100 });
    await waitFor(() => handledLines(readFaultLog(log1)).length >= 800, {
      timeoutMs: 30_000,
      progress: () => handledLines(readFaultLog(log1)).length,
      message: `the first process to handle 800 records; stderr: ${first.stderr()}`,
    });
    first.child.kill("SIGKILL");
    const killed = await first.exited;
    expect(killed.signal).toBe("SIGKILL");
    const handledByFirst = handledLines(readFaultLog(log1));

    const second = consumer({ client, groupId, topic, log: log2, handlerDelayMs: 0, autoCommitIntervalMs: 100 });
    await waitFor(async () => sameOffsets(await committedOffsets(groupId, topic), ends), {
      timeoutMs: 30_000,
      progress: () => readFaultLog(log2).length,
      message: `the restarted process to commit every record; stderr: ${second.stderr()}`,
    });
    const samples = await sampler.stop();
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);
    const handledBySecond = handledLines(readFaultLog(log2));

    // Killed mid-stream, after it had committed some of its work.
    expect(handledByFirst.length).toBeLessThan(total);
    const lastCommitOfFirst = new Map<number, number>();
    for (const line of readFaultLog(log1))
      if (line.kind === "C") for (const [p, o] of line.offsets) lastCommitOfFirst.set(p, o);
    expect([...lastCommitOfFirst.values()].some((o) => o > 0)).toBe(true);

    // At least once: every produced record was handled by one of the two processes.
    const handledAt = new Map<string, number>(); // earliest time each record was handled
    for (const line of [...handledByFirst, ...handledBySecond]) {
      const key = keyOf(line.partition, line.offset);
      handledAt.set(key, Math.min(handledAt.get(key) ?? Number.POSITIVE_INFINITY, line.at));
    }
    for (const [partition, end] of ends)
      for (let offset = 0; offset < end; offset++)
        expect(handledAt.has(keyOf(partition, offset)), keyOf(partition, offset)).toBe(true);

    // Never ahead: whenever the broker reported committed offset c for a partition, every record
    // below c had been handled by then; and the committed offsets never went backwards.
    const readyBy = new Map<number, number[]>(); // per partition: max handled time of offsets 0..i
    for (const [partition, end] of ends) {
      const prefix: number[] = [];
      for (let offset = 0, max = 0; offset < end; offset++)
        prefix.push((max = Math.max(max, handledAt.get(keyOf(partition, offset))!)));
      readyBy.set(partition, prefix);
    }
    let checked = 0;
    const previous = new Map<number, number>();
    for (const sample of samples) {
      for (const [partition, committed] of sample.offsets) {
        expect(committed).toBeGreaterThanOrEqual(previous.get(partition) ?? -1);
        previous.set(partition, committed);
        if (committed <= 0) continue;
        expect(
          readyBy.get(partition)![committed - 1],
          `commit ${committed} of partition ${partition} seen at ${sample.at}`,
        ).toBeLessThanOrEqual(sample.at);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);

    // Only the work done after the first process's last commit was done twice.
    const handledByFirstKeys = new Set(handledByFirst.map((l) => keyOf(l.partition, l.offset)));
    const duplicates = handledBySecond.filter((l) => handledByFirstKeys.has(keyOf(l.partition, l.offset)));
    for (const d of duplicates) expect(d.offset).toBeGreaterThanOrEqual(lastCommitOfFirst.get(d.partition) ?? 0);
    figure("sigkill", {
      records: total,
      handledBeforeKill: handledByFirst.length,
      handledAfterRestart: handledBySecond.length,
      duplicates: duplicates.length,
      commitSamples: samples.length,
      checkedSamples: checked,
    });
  });
});

describe.each(testClients())("%s: guarantee: SIGTERM drains, commits and exits in time", (client) => {
  it("records in flight finish, exactly the handled ones are committed, the process exits within the deadline, a restart handles no record twice", async () => {
    const topic = uniqueName("term");
    const groupId = uniqueName("term-group");
    await createTopic(topic, 2);
    const ends = await produceTicks(topic, 2, 150);
    const log1 = path.join(dir, `${topic}-1.log`);
    const log2 = path.join(dir, `${topic}-2.log`);

    // 100 ms per record, two at once (one per partition); no interval commit during the test, so
    // whatever is committed was committed by the shutdown.
    const first = consumer({
      client,
      groupId,
      topic,
      log: log1,
      handlerDelayMs: 100,
      concurrency: 2,
      autoCommitIntervalMs: 600_000,
    });
    await waitFor(() => handledLines(readFaultLog(log1)).length >= 10, {
      timeoutMs: 30_000,
      message: `10 records handled; stderr: ${first.stderr()}`,
    });
    const signalled = Date.now();
    first.child.kill("SIGTERM");
    const exit = await first.exited;
    const exitMs = exit.at - signalled;
    expect(exit.code, first.stderr()).toBe(0);
    expect(exitMs).toBeLessThan(5_000); // the stop deadline of the process

    const lines = readFaultLog(log1);
    const term = lines.findIndex((l) => l.kind === "T");
    const stopped = lines.findIndex((l) => l.kind === "X");
    expect(term).toBeGreaterThan(0);
    expect(stopped).toBeGreaterThan(term);
    const started = startedLines(lines);
    const handled = handledLines(lines);
    const handledKeys = new Set(handled.map((l) => keyOf(l.partition, l.offset)));
    // In flight at SIGTERM: started before T, finished after it. There were some, and all finished before stop() returned.
    const handledBeforeTerm = new Set(handledLines(lines.slice(0, term)).map((l) => keyOf(l.partition, l.offset)));
    const inFlight = started.filter(
      (s) => lines.indexOf(s) < term && !handledBeforeTerm.has(keyOf(s.partition, s.offset)),
    );
    expect(inFlight.length).toBeGreaterThan(0);
    for (const s of inFlight)
      expect(handledKeys.has(keyOf(s.partition, s.offset)), `in-flight ${keyOf(s.partition, s.offset)} finished`).toBe(
        true,
      );
    expect(lines.slice(term).some((l) => l.kind === "S")).toBe(false); // nothing new started after SIGTERM
    expect(started.length).toBe(handled.length);

    // Committed exactly what was handled: per partition the handled offsets are 0..k-1 and the commit
    // is k (-1, nothing, for a partition none of whose records was handled yet).
    const committed = await committedOffsets(groupId, topic);
    for (const [partition] of ends) {
      const offsets = handled.filter((l) => l.partition === partition).map((l) => l.offset);
      expect(offsets).toEqual(offsets.map((_, i) => i));
      expect(committed.get(partition) ?? -1).toBe(offsets.length === 0 ? -1 : offsets.length);
    }

    // A restart continues exactly there: no record handled twice, none missing.
    const second = consumer({ client, groupId, topic, log: log2, handlerDelayMs: 0, autoCommitIntervalMs: 100 });
    await waitFor(async () => sameOffsets(await committedOffsets(groupId, topic), await endOffsets(topic)), {
      timeoutMs: 30_000,
      progress: () => readFaultLog(log2).length,
      message: `the restarted process to commit every record; stderr: ${second.stderr()}`,
    });
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);
    const handledAgain = handledLines(readFaultLog(log2));
    const duplicates = handledAgain.filter((l) => handledKeys.has(keyOf(l.partition, l.offset)));
    expect(duplicates).toEqual([]);
    expect(handled.length + handledAgain.length).toBe(300);
    figure("sigterm", {
      handledBeforeTerm: handled.length,
      inFlightAtTerm: inFlight.length,
      exitMs,
      handledAfterRestart: handledAgain.length,
      duplicates: duplicates.length,
    });
  });
});
