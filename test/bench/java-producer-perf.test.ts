import { describe, expect, it } from "vitest";
import { javaProducerProps, parseProducerPerfReport } from "../../bench/java-producer-perf.js";

// What ProducerPerformance (kafka-tools 4.1) prints: progress lines every 5 s, then the summary with percentiles.
const OUTPUT = [
  "483120 records sent, 96585.4 records/sec (9.39 MB/sec), 120.5 ms avg latency, 689.0 ms max latency.",
  "1000000 records sent, 100000.0 records/sec (9.73 MB/sec), 110.37 ms avg latency, 689.00 ms max latency, 95 ms 50th, 240 ms 95th, 300 ms 99th, 650 ms 99.9th.",
  "",
].join("\n");

describe("bench: ProducerPerformance report (R10 yardstick)", () => {
  it("reads the summary line, not a progress line; elapsed = records ÷ records/sec", () => {
    expect(parseProducerPerfReport(OUTPUT)).toEqual({
      records: 1_000_000,
      recordsPerSecond: 100_000,
      megabytesPerSecond: 9.73,
      avgLatencyMs: 110.37,
      maxLatencyMs: 689,
      elapsedMs: 10_000,
    });
  });

  it("refuses output without a summary (a failed JVM, or progress lines only)", () => {
    expect(() =>
      parseProducerPerfReport(
        'Exception in thread "main" org.apache.kafka.common.KafkaException: Failed to construct kafka producer',
      ),
    ).toThrow(/no ProducerPerformance summary/);
    expect(() => parseProducerPerfReport(OUTPUT.split("\n")[0]!)).toThrow(/no ProducerPerformance summary/);
    expect(() =>
      parseProducerPerfReport(
        "0 records sent, 0.0 records/sec (0.00 MB/sec), NaN ms avg latency, 0.00 ms max latency, 0 ms 50th, 0 ms 95th, 0 ms 99th, 0 ms 99.9th.",
      ),
    ).toThrow();
  });

  it("names the producer settings as the Java client does", () => {
    expect(
      javaProducerProps(["a:1", "b:2"], { acks: "all", idempotent: true, compression: "none", maxInFlight: 5 }),
    ).toEqual([
      "bootstrap.servers=a:1,b:2",
      "acks=all",
      "enable.idempotence=true",
      "max.in.flight.requests.per.connection=5",
      "compression.type=none",
    ]);
    expect(
      javaProducerProps(["a:1"], { acks: "leader", idempotent: false, compression: "gzip", maxInFlight: 1 })[1],
    ).toBe("acks=1");
  });
});
