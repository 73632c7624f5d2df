// Fair share of a topic's buffer under sustained backpressure (proof 8): against the real broker,
// four partitions with equal backlogs and a slow handler are handled at the same pace. Without fair
// shares the first partition of every fetch response refills the whole buffer and the others starve.
// See docs/runtime.md, "Fair share".
//
// Fairness is measured against what the machine delivered, not against the clock: a window is a run of
// consecutive handled records, and each partition's count in it is compared with the others'. A loaded
// machine handles fewer records per second for every partition alike (its timers fire late: at load
// 15-19 a 10 ms sleep takes 26-28 ms at the 90th percentile while the handler is busy 98% of the time),
// so counts per 5 s of wall clock measure the machine; counts per 200 handled records measure the
// runtime's fairness, and one starved partition shows in every window it is starved in.

import { afterEach, describe, expect, it } from "vitest";
import { RuntimeEvents } from "../../runtime/index.js";
import { produceTicks, Runtimes, testSettings, tickTopic } from "../support/guarantees.js";
import { testClients } from "../support/clients.js";
import { createTopic, uniqueName, waitFor } from "../support/kafka.js";
import { sleep } from "../support/ticks.js";

const PARTITIONS = 4;
/**
 * Records handled before the windows start: until the runtime has seen the handler's pace, a batch
 * that meets the full buffer waits for room (backpressure is not known to be sustained yet), so the
 * first batches may fill the whole buffer with one partition (runs of up to ~20 of one partition).
 */
const WARM_UP_RECORDS = 100;
/** A window: this many consecutive handled records, 50 per partition when the shares are fair. */
const WINDOW_RECORDS = 200;
/** Windows start every this many records: "any window" is checked on overlapping windows. */
const WINDOW_STEP_RECORDS = 50;
/** Records measured after the warm-up: 17 windows. */
const MEASURED_RECORDS = 1_000;
/** Largest spread (max − min) ÷ max of the partitions' counts in a window: 5 records in 50. */
const MAX_SPREAD = 0.1;

describe.each(testClients())("%s", (client) => {
  const runtimes = new Runtimes(client);
  afterEach(() => runtimes.stopAll());

  describe("guarantee: partitions of a topic share its buffer fairly under sustained backpressure", () => {
    it("4 partitions, equal backlogs, a slow handler: per-partition counts within 10% of each other in every window of 200 handled records", async () => {
      const topic = uniqueName("fair");
      await createTopic(topic, PARTITIONS);
      // 2,500 per partition: far more than the 1,100 the test handles, so the backlog outlasts it.
      await produceTicks(topic, PARTITIONS, 2_500);
      const handled: { at: number; partition: number }[] = [];
      // A 10 ms handler and a 40-record buffer: the buffer holds a whole fetch wait of work, so a batch
      // meeting it full pauses (sustained backpressure) rather than waiting for room. Each partition's
      // share is 10; resumed at 7, it has ~7 x 4 handler calls of records left while its next fetch
      // comes in, and a busy machine slows the fetch and the handler alike.
      const runtime = runtimes.create([
        {
          name: "shared",
          kind: "shared",
          settings: testSettings(uniqueName("fair-group"), { fetchMaxWaitMs: 100 }),
          topics: [
            tickTopic(topic, { maxBufferedMessages: 40, backpressure: "ApplyBackpressure" }, async (_m, c) => {
              await sleep(10);
              handled.push({ at: Date.now(), partition: c.partition });
            }),
          ],
        },
      ]);
      let pauses = 0;
      runtime.on(RuntimeEvents.PAUSED, () => pauses++);
      await runtime.start();
      // Fails only when handling stalls (no record for 30 s), however slow the machine is.
      await waitFor(() => handled.length >= WARM_UP_RECORDS + MEASURED_RECORDS, {
        timeoutMs: 30_000,
        intervalMs: 100,
        progress: () => handled.length,
        message: `${WARM_UP_RECORDS + MEASURED_RECORDS} records handled`,
      });
      const log = handled.slice(0, WARM_UP_RECORDS + MEASURED_RECORDS);
      await runtime.stop({ timeoutMs: 2_000 });

      const windows: { from: number; counts: number[]; spread: number }[] = [];
      for (let from = WARM_UP_RECORDS; from + WINDOW_RECORDS <= log.length; from += WINDOW_STEP_RECORDS) {
        const counts = Array.from({ length: PARTITIONS }, () => 0);
        for (const h of log.slice(from, from + WINDOW_RECORDS)) counts[h.partition]!++;
        const max = Math.max(...counts);
        windows.push({ from, counts, spread: (max - Math.min(...counts)) / max });
      }
      // What the machine delivered: records per second over the measured part (not asserted).
      const measured = log.slice(WARM_UP_RECORDS);
      const perSecond = (measured.length - 1) / ((measured.at(-1)!.at - measured[0]!.at) / 1000);
      process.stdout.write(
        `[figures] fair-share ${JSON.stringify({ handled: log.length, pauses, recordsPerSecond: Math.round(perSecond), windows: windows.map((w) => `${w.from}:${w.counts.join("/")}`) })}\n`,
      );

      // Backpressure really was sustained (the backlog outlasted the test) and windows were measured.
      expect(pauses).toBeGreaterThan(0);
      expect(windows.length).toBe((MEASURED_RECORDS - WINDOW_RECORDS) / WINDOW_STEP_RECORDS + 1);
      // Every partition was handled in every window, and the counts of the four partitions are within
      // 10% of each other in every window (a starved partition falls below 45 of 200).
      for (const w of windows) {
        expect(Math.min(...w.counts), `window from record ${w.from}: ${w.counts.join("/")}`).toBeGreaterThan(0);
        expect(w.spread, `window from record ${w.from}: ${w.counts.join("/")}`).toBeLessThanOrEqual(MAX_SPREAD);
      }
    });
  });
});
