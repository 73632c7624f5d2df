// ConsumerReplacement's decisions with a recording host. The end-to-end behaviour through a
// Connection is in topic-availability.test.ts, and against the broker in test/integration/topics-missing.test.ts.

import { describe, expect, it } from "vitest";
import { ConsumerReplacement, type ReplacementHost } from "../../runtime/consumer-replacement.js";
import { TopicMissingError } from "../../runtime/errors.js";
import { RuntimeEventEmitter } from "../../runtime/events.js";
import { silentLogger } from "../../runtime/logger.js";
import { TopicAvailability } from "../../runtime/topic-availability.js";
import type { MissingTopicsMode } from "../../runtime/types.js";

function unknownTopicError(): Error {
  return Object.assign(new Error("This server does not host this topic-partition"), {
    type: "UNKNOWN_TOPIC_OR_PARTITION",
  });
}

function setup(
  existing: string[],
  mode: MissingTopicsMode,
  options: { joined?: boolean; launchFails?: Error; client?: string } = {},
) {
  const cluster = new Set(existing);
  const calls: string[] = [];
  const availability = new TopicAvailability({
    connection: "shared",
    topics: ["orders", "payments"],
    directory: { existing: async (topics) => new Set(topics.filter((t) => cluster.has(t))), close: async () => {} },
    events: new RuntimeEventEmitter(silentLogger),
    logger: silentLogger,
    checkIntervalMs: 60_000,
    onReturned: () => {},
  });
  let launchFails = options.launchFails;
  const host: ReplacementHost = {
    launch: async (topics) => {
      calls.push(`launch ${topics.join(",")}`);
      if (launchFails) {
        const error = launchFails;
        launchFails = undefined;
        throw error;
      }
    },
    dropMember: async () => void calls.push("drop"),
    startWaiting: () => void calls.push("waiting"),
    stopping: () => false,
    joined: () => options.joined ?? true,
    restartWithBackoff: () => void calls.push("backoff"),
    failStart: (_error, reason) => void calls.push(`failStart ${reason.message}`),
    replacingMember: (_error, missing) => void calls.push(`replacing without ${missing.join(",")}`),
    prepareRejoin: async () => void calls.push("prepareRejoin"),
  };
  const replacement = new ConsumerReplacement({
    connection: "shared",
    ...(options.client === undefined ? {} : { client: options.client }),
    availability,
    mode,
    host,
    logger: silentLogger,
  });
  return { replacement, calls, cluster, availability };
}

describe("ConsumerReplacement", () => {
  it("a topic found missing while running: a new member on the others", async () => {
    const h = setup(["orders"], "fail");
    await h.replacement.recover(unknownTopicError());
    expect(h.calls).toEqual(["replacing without payments", "drop", "launch orders"]);
    expect(h.availability.missingTopics()).toEqual(["payments"]);
    h.availability.stop();
  });

  it("nothing newly missing (the cluster still lists the topic): an ordinary restart with backoff, no replacement", async () => {
    const h = setup(["orders", "payments"], "wait");
    await h.replacement.recover(unknownTopicError());
    expect(h.calls).toEqual(["backoff"]);
  });

  it("before the first join with missingTopics = fail: start fails naming the topics", async () => {
    const h = setup(["orders"], "fail", { joined: false });
    await h.replacement.recover(unknownTopicError());
    expect(h.calls).toEqual([expect.stringMatching(/^failStart .*payments/)]);
  });

  it("startWithoutMissing: fail rejects with TopicMissingError; wait runs on the topics that exist, or waits when none does", async () => {
    const failing = setup(["orders"], "fail", { joined: false });
    const error = await failing.replacement.startWithoutMissing(unknownTopicError()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TopicMissingError);
    expect(failing.calls).toEqual([]);

    const waiting = setup(["payments"], "wait", { joined: false });
    await waiting.replacement.startWithoutMissing(unknownTopicError());
    expect(waiting.calls).toEqual(["drop", "launch payments"]);
    waiting.availability.stop();

    const none = setup([], "wait", { joined: false });
    await none.replacement.startWithoutMissing(unknownTopicError());
    await none.replacement.replace();
    expect(none.calls).toEqual(["drop", "launch ", "drop", "waiting"]);
    none.availability.stop();
  });

  it("TopicMissingError's hint names the client the connection consumes with, both at start and on a crash before the first join", async () => {
    const hint = (consumer: string) =>
      `connection "shared": topic "payments" does not exist on the cluster; hint: create it (kefgen topics apply, or the runtime option ensureTopics: true; ${consumer} never creates topics by itself), or set missingTopics = wait to start without it`;
    for (const client of ["kafkajs", "platformatic"]) {
      const atStart = setup(["orders"], "fail", { joined: false, client });
      const error = await atStart.replacement.startWithoutMissing(unknownTopicError()).catch((e: unknown) => e);
      expect(error).toMatchObject({ message: hint(`the runtime's ${client} consumer`), client });
      const crashed = setup(["orders"], "fail", { joined: false, client });
      await crashed.replacement.recover(unknownTopicError());
      expect(crashed.calls).toEqual([`failStart ${hint(`the runtime's ${client} consumer`)}`]);
    }
    // Made without a client (a hand-built connection): no client is named.
    const unnamed = setup(["orders"], "fail", { joined: false });
    const error = await unnamed.replacement.startWithoutMissing(unknownTopicError()).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: hint("a consumer"), client: undefined });
  });

  it("resubscribe prepares a rejoin (hold and commit) before the new member; a failed launch restarts with backoff", async () => {
    const h = setup(["orders", "payments"], "wait", { launchFails: new Error("broker gone") });
    await h.replacement.resubscribe();
    expect(h.calls).toEqual(["prepareRejoin", "drop", "launch orders,payments", "backoff"]);
  });

  it("replacements run one after the other", async () => {
    const h = setup(["orders", "payments"], "wait");
    await Promise.all([h.replacement.replace(), h.replacement.replace()]);
    expect(h.calls).toEqual(["drop", "launch orders,payments", "drop", "launch orders,payments"]);
  });
});
