// What the client choice changes, against the real broker: static membership (groupInstanceId) and
// autoOffsetReset = none work on platformatic and are refused with a clear error on kafkajs.
// One cell per client the running Node.js has (test/support/clients.ts).

import { afterEach, describe, expect, it } from "vitest";
import {
  ClientUnavailableError,
  NoOffsetError,
  RuntimeEvents,
  type ConnectionSettings,
  type CrashEvent,
} from "../../runtime/index.js";
import { HandledLog, produceTicks, Runtimes, testSettings, tickTopic } from "../support/guarantees.js";
import { testClients } from "../support/clients.js";
import { createTopic, describeGroup, uniqueName, waitFor, withAdmin } from "../support/kafka.js";
import { platformaticRunsOn } from "../../runtime/transport/clients.js";

describe.each(testClients())("%s", (client) => {
  const runtimes = new Runtimes(client);
  afterEach(() => runtimes.stopAll());

  /** One member of `groupId` on `topic`: its runtime, what it handled, its group events. */
  const member = (topic: string, groupId: string, overrides: Partial<ConnectionSettings>) => {
    const handled = new HandledLog();
    const runtime = runtimes.create([
      {
        name: "shared",
        kind: "shared",
        settings: testSettings(groupId, { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 300, ...overrides }),
        topics: [
          tickTopic(topic, { maxBufferedMessages: 100, backpressure: "ApplyBackpressure" }, (_m, c) =>
            handled.record(c),
          ),
        ],
      },
    ]);
    const events = { joins: [] as number[][], rebalances: 0, crashes: [] as CrashEvent[] };
    runtime.on(RuntimeEvents.GROUP_JOIN, (e) => void events.joins.push([...(e.assignment[topic] ?? [])].sort()));
    runtime.on(RuntimeEvents.REBALANCING, () => void events.rebalances++);
    runtime.on(RuntimeEvents.CRASH, (e) => void events.crashes.push(e));
    return { runtime, handled, events };
  };

  if (client === "kafkajs") {
    it("refuses groupInstanceId and autoOffsetReset = none with an error naming kafkajs, before connecting", () => {
      const topic = uniqueName("static");
      for (const overrides of [{ groupInstanceId: "i-1" }, { autoOffsetReset: "none" as const }]) {
        expect(() => member(topic, uniqueName("g"), overrides)).toThrow(ClientUnavailableError);
        expect(() => member(topic, uniqueName("g"), overrides)).toThrow(/runs on kafkajs, which cannot honour/);
      }
    });
    it("client = platformatic on this Node.js: start() fails naming the Node.js floor, or (Node >= 22.22) loads it", async () => {
      const runtime = runtimes.create(
        [
          {
            name: "shared",
            kind: "shared",
            settings: testSettings(uniqueName("g"), { client: "platformatic" }),
            topics: [
              tickTopic(uniqueName("t"), { maxBufferedMessages: 1, backpressure: "ApplyBackpressure" }, () => {}),
            ],
          },
        ],
        { connectTimeoutMs: 1_000 },
      );
      // On Node >= 22.22 it loads and reaches the broker, which has no such topic.
      if (platformaticRunsOn()) await expect(runtime.start()).rejects.toMatchObject({ name: "TopicMissingError" });
      else
        await expect(runtime.start()).rejects.toThrow(
          /client = platformatic needs Node\.js 22\.22 \(on Node 22\) or 24\.6 \(on Node 24\); this is Node\.js/,
        );
    });
    return;
  }

  it("a static member that restarts within its session timeout gets its partitions back without a rebalance", async () => {
    const topic = uniqueName("static");
    const groupId = uniqueName("static-group");
    await createTopic(topic, 4);
    await produceTicks(topic, 4, 50);
    const a = member(topic, groupId, { groupInstanceId: "member-a" });
    const b = member(topic, groupId, { groupInstanceId: "member-b" });
    await a.runtime.start();
    await b.runtime.start();
    await waitFor(() => a.events.joins.at(-1)!.length === 2 && b.events.joins.at(-1)!.length === 2, {
      timeoutMs: 20_000,
      message: "A and B to own two partitions each",
    });
    await waitFor(() => a.handled.count() + b.handled.count() >= 200, {
      timeoutMs: 20_000,
      message: "the backlog handled",
    });
    const aPartitions = a.events.joins.at(-1)!;
    const bBefore = { joins: b.events.joins.length, rebalances: b.events.rebalances };

    // A stops (a static member does not leave its group) and a new A with the same instance id starts.
    await a.runtime.stop({ timeoutMs: 2_000 });
    expect((await describeGroup(groupId)).members).toHaveLength(2);
    const again = member(topic, groupId, { groupInstanceId: "member-a" });
    await again.runtime.start();
    expect(again.events.joins).toEqual([aPartitions]);

    // Both keep consuming their partitions; B never heard of a rebalance.
    const bHandled = b.handled.count();
    await produceTicks(topic, 4, 25);
    await waitFor(() => again.handled.count() >= 50 && b.handled.count() >= bHandled + 50, {
      timeoutMs: 20_000,
      message: "both members to handle the new records",
    });
    expect({ joins: b.events.joins.length, rebalances: b.events.rebalances }).toEqual(bBefore);
    expect(again.events.rebalances).toBe(0);
    const group = await describeGroup(groupId);
    expect(group.state).toBe("Stable");
    expect(group.members).toHaveLength(2);
  });

  it("the same restart without groupInstanceId rebalances the other member (what static membership avoids)", async () => {
    const topic = uniqueName("dynamic");
    const groupId = uniqueName("dynamic-group");
    await createTopic(topic, 4);
    const a = member(topic, groupId, {});
    const b = member(topic, groupId, {});
    await a.runtime.start();
    await b.runtime.start();
    await waitFor(() => a.events.joins.at(-1)!.length === 2 && b.events.joins.at(-1)!.length === 2, {
      timeoutMs: 20_000,
      message: "A and B to own two partitions each",
    });
    const bJoins = b.events.joins.length;
    await a.runtime.stop({ timeoutMs: 2_000 });
    const again = member(topic, groupId, {});
    await again.runtime.start();
    await waitFor(() => b.events.joins.length > bJoins, { timeoutMs: 20_000, message: "B to rejoin" });
    expect(b.events.rebalances).toBeGreaterThan(0);
  });

  it("autoOffsetReset = none: no committed offset is a NoOffsetError crash, nothing handled; with committed offsets it starts there", async () => {
    const topic = uniqueName("none");
    const groupId = uniqueName("none-group");
    await createTopic(topic, 2);
    await produceTicks(topic, 2, 10);
    const first = member(topic, groupId, { autoOffsetReset: "none" });
    await first.runtime.start();
    await waitFor(() => first.events.crashes.length > 0, { timeoutMs: 20_000, message: "a crash event" });
    const error = first.events.crashes[0]!.error;
    expect(error).toBeInstanceOf(NoOffsetError);
    expect((error as NoOffsetError).message).toMatch(
      new RegExp(`group "${groupId}" has no committed offset for ${topic}\\[[01]\\] and autoOffsetReset = none`),
    );
    expect((error as NoOffsetError).reason).toBe("no-committed-offset");
    expect(first.handled.count()).toBe(0);
    await first.runtime.stop({ timeoutMs: 2_000 });

    // Offsets set for the (now empty) group: the next member starts exactly there.
    await withAdmin((admin) =>
      admin.setOffsets({
        groupId,
        topic,
        partitions: [
          { partition: 0, offset: "7" },
          { partition: 1, offset: "4" },
        ],
      }),
    );
    const second = member(topic, groupId, { autoOffsetReset: "none" });
    await second.runtime.start();
    await waitFor(() => second.handled.count() >= 9, {
      timeoutMs: 20_000,
      message: "the records after the set offsets",
    });
    expect(second.handled.offsets(topic, 0)).toEqual([7, 8, 9]);
    expect(second.handled.offsets(topic, 1)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(second.events.crashes).toEqual([]);
  });
});
