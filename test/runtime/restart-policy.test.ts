import { afterEach, describe, expect, it, vi } from "vitest";
import { RestartPolicy } from "../../runtime/restart-policy.js";

afterEach(() => vi.useRealTimers());

describe("RestartPolicy", () => {
  it("backs off exponentially up to the cap, then gives up after maxAttempts", async () => {
    vi.useFakeTimers();
    let restarted = 0;
    const policy = new RestartPolicy({ initialDelayMs: 100, maxDelayMs: 250, maxAttempts: 3 }, () => restarted++);
    policy.noteCrash(new Error("boom"));
    expect(policy.schedule()).toEqual({ kind: "restart", attempt: 1, delayMs: 100 });
    expect(policy.nextRestartAt).toBe(Date.now() + 100);
    await vi.advanceTimersByTimeAsync(99);
    expect(restarted).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(restarted).toBe(1);
    expect(policy.schedule()).toEqual({ kind: "restart", attempt: 2, delayMs: 200 });
    expect(policy.schedule()).toEqual({ kind: "restart", attempt: 3, delayMs: 250 });
    expect(policy.restarts).toBe(3);
    expect(policy.schedule()).toEqual({ kind: "give-up", attempts: 3 });
    expect(policy.restarts).toBe(3);
    expect(policy.lastCrash).toMatchObject({ error: "boom", restarting: false });
    expect(policy.nextRestartAt).toBeNull();
  });

  it("a join starts the backoff over; restarts done elsewhere are counted", () => {
    const policy = new RestartPolicy({ initialDelayMs: 100, maxDelayMs: 10_000, maxAttempts: 5 }, () => {});
    policy.schedule();
    policy.schedule();
    policy.succeeded();
    expect(policy.nextRestartAt).toBeNull();
    expect(policy.schedule()).toMatchObject({ attempt: 1, delayMs: 100 });
    policy.countRestart();
    expect(policy.restarts).toBe(4);
    policy.cancel();
  });

  it("a cancelled restart does not run", async () => {
    vi.useFakeTimers();
    let restarted = 0;
    const policy = new RestartPolicy({ initialDelayMs: 10, maxDelayMs: 10, maxAttempts: 1 }, () => restarted++);
    policy.schedule();
    policy.cancel();
    await vi.advanceTimersByTimeAsync(100);
    expect(restarted).toBe(0);
  });

  it("records the last crash as restarting until it gives up", () => {
    const policy = new RestartPolicy({ initialDelayMs: 10, maxDelayMs: 10, maxAttempts: 1 }, () => {});
    expect(policy.lastCrash).toBeNull();
    policy.noteCrash("not an error");
    expect(policy.lastCrash).toMatchObject({ error: "not an error", restarting: true });
    policy.giveUp();
    expect(policy.lastCrash).toMatchObject({ restarting: false });
  });
});
