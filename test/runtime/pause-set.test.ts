import { describe, expect, it } from "vitest";
import { PauseSet, WHOLE_TOPIC, type PausedTopic, type PausePort } from "../../runtime/pause-set.js";
import { recordingLogger } from "./helpers.js";

class Member implements PausePort {
  running = true;
  readonly calls: string[] = [];
  pause(topics: PausedTopic[]): void {
    if (!this.running) throw new Error("not running");
    this.calls.push(`pause ${JSON.stringify(topics)}`);
  }
  resume(topics: PausedTopic[]): void {
    if (!this.running) throw new Error("not running");
    this.calls.push(`resume ${JSON.stringify(topics)}`);
  }
}

describe("PauseSet", () => {
  it("keeps a partition paused until every reason ended: backpressure ending does not resume a failed record's partition", () => {
    const member = new Member();
    const set = new PauseSet(() => member, recordingLogger());
    expect(set.pause("orders", 0, "failure")).toBe(true);
    expect(set.pause("orders", 0)).toBe(true); // first backpressure pause of the topic, but no second call to the member
    expect(member.calls).toEqual(['pause [{"topic":"orders","partitions":[0]}]']);
    expect(set.resume("orders", 0)).toBe(true); // no partition paused for backpressure any more…
    expect(set.isPaused("orders", 0)).toBe(true); // …yet still paused for the failure
    expect(set.isPausedFor("orders", 0, "failure")).toBe(true);
    expect(set.resume("orders", 0, true, "backpressure")).toBe(false); // not paused for that reason: nothing happens
    expect(member.calls).toHaveLength(1);
    expect(set.resume("orders", 0, true, "failure")).toBe(true);
    expect(member.calls.at(-1)).toBe('resume [{"topic":"orders","partitions":[0]}]');
    expect(set.isTopicPaused("orders")).toBe(false);
  });

  it("pauses and resumes partitions on the member and says when a topic starts and stops being paused", () => {
    const member = new Member();
    const set = new PauseSet(() => member, recordingLogger());
    expect(set.pause("orders", 1)).toBe(true);
    expect(set.pause("orders", 0)).toBe(false); // the topic was already (partly) paused
    expect(set.pause("orders", 0)).toBe(false); // no second call to the member
    expect(set.isPaused("orders", 0)).toBe(true);
    expect(set.isPaused("orders", 2)).toBe(false);
    expect(set.isTopicPaused("orders")).toBe(true);
    expect(set.pausedPartitions("orders")).toEqual([0, 1]);
    expect(set.resume("orders", 1)).toBe(false);
    expect(set.resume("orders", 1)).toBe(false); // not paused any more: nothing happens
    expect(set.resume("orders", 0)).toBe(true); // the topic's last paused partition
    expect(set.isTopicPaused("orders")).toBe(false);
    expect(member.calls).toEqual([
      'pause [{"topic":"orders","partitions":[1]}]',
      'pause [{"topic":"orders","partitions":[0]}]',
      'resume [{"topic":"orders","partitions":[1]}]',
      'resume [{"topic":"orders","partitions":[0]}]',
    ]);
  });

  it("a whole-topic pause covers every partition and reaches the member without partitions", () => {
    const member = new Member();
    const set = new PauseSet(() => member, recordingLogger());
    set.pause("orders", WHOLE_TOPIC);
    expect(set.isPaused("orders", 7)).toBe(true);
    expect(set.entries()).toEqual([{ topic: "orders" }]);
    set.resume("orders", WHOLE_TOPIC);
    expect(member.calls).toEqual(['pause [{"topic":"orders"}]', 'resume [{"topic":"orders"}]']);
  });

  it("keeps the pause when the member is not running and re-applies it after the next join", () => {
    const member = new Member();
    member.running = false;
    const logger = recordingLogger();
    const set = new PauseSet(() => member, logger);
    set.pause("orders", 2);
    expect(set.isPaused("orders", 2)).toBe(true); // the set is the truth, not the member
    expect(logger.lines.map((l) => l.level)).toEqual(["debug"]);
    member.running = true;
    set.reapply();
    expect(member.calls).toEqual(['pause [{"topic":"orders","partitions":[2]}]']);
  });

  it("resume without fetching only forgets the pause (stopping keeps the member paused)", () => {
    const member = new Member();
    const set = new PauseSet(() => member, recordingLogger());
    set.pause("orders", 0);
    set.resume("orders", 0, false);
    expect(set.isPaused("orders", 0)).toBe(false);
    expect(member.calls).toEqual(['pause [{"topic":"orders","partitions":[0]}]']);
  });

  it("forgets partitions no longer assigned, keeps whole-topic pauses, and pauses everything while stopping", () => {
    const member = new Member();
    const set = new PauseSet(() => member, recordingLogger());
    set.pause("orders", 0);
    set.pause("orders", 3);
    set.pause("payments", WHOLE_TOPIC);
    set.retainAssigned({ orders: [0, 1] });
    expect(set.entries()).toEqual([{ topic: "orders", partitions: [0] }, { topic: "payments" }]);
    member.calls.length = 0;
    set.reapply(["orders", "payments", "refunds"]);
    expect(member.calls).toEqual(['pause [{"topic":"orders"},{"topic":"payments"},{"topic":"refunds"}]']);
    set.clear();
    expect(set.entries()).toEqual([]);
  });

  it("without a member only the set changes", () => {
    const set = new PauseSet(() => undefined, recordingLogger());
    expect(set.pause("orders", 0)).toBe(true);
    set.reapply();
    expect(set.isPaused("orders", 0)).toBe(true);
  });
});
