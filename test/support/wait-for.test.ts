// waitFor's progress option: the deadline is on a stall, not on the total time.
import { describe, expect, it } from "vitest";
import { waitFor } from "./kafka.js";

describe("waitFor with progress", () => {
  it("keeps waiting past timeoutMs while the measure moves, and returns the condition's value", async () => {
    let count = 0;
    const timer = setInterval(() => count++, 5);
    const started = Date.now();
    try {
      const value = await waitFor(() => count >= 60 && count, {
        timeoutMs: 100,
        intervalMs: 5,
        progress: () => count,
      });
      expect(value).toBeGreaterThanOrEqual(60);
      expect(Date.now() - started).toBeGreaterThan(100); // 60 ticks of 5 ms outlast the 100 ms stall limit
    } finally {
      clearInterval(timer);
    }
  });

  it("fails once the measure has not moved for timeoutMs, saying where it stopped", async () => {
    let count = 0;
    const timer = setInterval(() => count < 3 && count++, 5);
    try {
      await expect(
        waitFor(() => count >= 10, { timeoutMs: 100, intervalMs: 5, progress: () => count, message: "ten" }),
      ).rejects.toThrow("timed out after 100 ms without progress (stuck at 3) waiting for ten");
    } finally {
      clearInterval(timer);
    }
  });
});
