import { describe, expect, it } from "vitest";
import { parsePerfReport } from "../../bench/java-perf.js";

// The report ConsumerPerformance (kafka-tools 3.9 and 4.x) prints: a header line and one line of values.
const REPORT = [
  "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec",
  "2026-12-02 01:21:03:120, 2026-12-02 01:21:06:470, 1.9493, 0.5819, 20000, 5970.1493, 2560, 790, 2.4675, 25316.4557",
  "",
].join("\n");

describe("bench: ConsumerPerformance report (R9 yardstick)", () => {
  it("reads records, megabytes, the join and the fetch time; elapsed = join + fetch", () => {
    expect(parsePerfReport(REPORT)).toEqual({
      records: 20000,
      megabytes: 1.9493,
      elapsedMs: 3350,
      rebalanceMs: 2560,
      fetchMs: 790,
    });
  });

  it("finds the columns by name, after log lines and with a column added", () => {
    const shuffled = [
      "WARNING: some log line before the report",
      "start.time, end.time, fetch.time.ms, rebalance.time.ms, extra.column, data.consumed.in.nMsg, data.consumed.in.MB",
      "a, b, 100, 50, 7, 300, 0.03",
    ].join("\n");
    expect(parsePerfReport(shuffled)).toEqual({
      records: 300,
      megabytes: 0.03,
      elapsedMs: 150,
      rebalanceMs: 50,
      fetchMs: 100,
    });
  });

  it("refuses output without a report or with a column missing", () => {
    expect(() =>
      parsePerfReport('Exception in thread "main" java.lang.NoClassDefFoundError: joptsimple/OptionException'),
    ).toThrow(/no ConsumerPerformance report/);
    expect(() =>
      parsePerfReport("start.time, end.time, rebalance.time.ms, fetch.time.ms, data.consumed.in.nMsg\nx, y, 5, 6, 10"),
    ).toThrow(/lacks data.consumed.in.MB/);
  });
});
