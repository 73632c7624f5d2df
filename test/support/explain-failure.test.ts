// explainFailure (fault-scenario.ts): a failed fault scenario prints the runtime's log and its brokers' log tails.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { explainFailure } from "./fault-scenario.js";

afterEach(() => vi.restoreAllMocks());

describe("explainFailure", () => {
  it("passes a check's value through and prints nothing", async () => {
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    await expect(explainFailure({ name: "ok", log: ["a line"] }, [], async () => 42)).resolves.toBe(42);
    expect(write).not.toHaveBeenCalled();
  });

  it("on a failure prints the runtime's lines and the last lines of each log file, then rethrows", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kefgen-explain-"));
    const brokerLog = path.join(dir, "broker.log");
    fs.writeFileSync(brokerLog, Array.from({ length: 100 }, (_, i) => `broker line ${i}`).join("\n"));
    const printed: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      printed.push(String(chunk));
      return true;
    });
    try {
      const failing = explainFailure({ name: "stalled", log: ["t1 warn rejoining {}"] }, [brokerLog], async () => {
        throw new Error("lag did not return to 0");
      });
      await expect(failing).rejects.toThrow("lag did not return to 0");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const text = printed.join("");
    expect(text).toContain("[fault-matrix] stalled failed; the runtime's log");
    expect(text).toContain("t1 warn rejoining {}");
    expect(text).toContain(`the last lines of ${brokerLog}:`);
    expect(text).toContain("broker line 99");
    expect(text).toContain("broker line 40");
    expect(text).not.toContain("broker line 39\n");
  });
});
