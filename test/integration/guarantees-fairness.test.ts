// Fair share of a topic's buffer under sustained backpressure (proof 8): against the real broker,
// four partitions with equal backlogs and a slow handler are handled at the same pace. Without fair
// shares the first partition of every fetch response refills the whole buffer and the others starve.
// See docs/runtime.md, "Fair share".

import { afterEach, describe, expect, it } from "vitest";
import { RuntimeEvents } from "../../runtime/index.js";
import { produceTicks, Runtimes, testSettings, tickTopic } from "../support/guarantees.js";
import { testClients } from "../support/clients.js";
import { createTopic, uniqueName, waitFor } from "../support/kafka.js";
import { sleep } from "../support/ticks.js";

const PARTITIONS = 4;
const WINDOW_MS = 5_000;
/** Windows start every this many ms: "any 5 s window" is checked on overlapping windows. */
const WINDOW_STEP_MS = 1_000;
const MEASURE_MS = 16_000;
/**
 * Windows start this long after the first handled record: until the runtime has seen the handler's
 * pace, a batch that meets the full buffer waits for room (backpressure is not known to be
 * sustained yet), so the very first batch may fill the whole buffer with one partition.
 */
const WARM_UP_MS = 1_000;

describe.each(testClients())("%s", (client) => {
  const runtimes = new Runtimes(client);
  afterEach(() => runtimes.stopAll());

  describe("guarantee: partitions of a topic share its buffer fairly under sustained backpressure", () => {
    it("4 partitions, equal backlogs, a slow handler: per-partition counts within 10% of each other in every 5 s window", async () => {
      const topic = uniqueName("fair");
      await createTopic(topic, PARTITIONS);
      // 2,500 per partition: far more than the handler gets through while the test measures.
      await produceTicks(topic, PARTITIONS, 2_500);
      const handled: { at: number; partition: number }[] = [];
      // A 10 ms handler and a 40-record buffer: the buffer holds a whole fetch wait of work, so a batch
      // meeting it full pauses (sustained backpressure) rather than waiting for room. Each partition's
      // share is 10; resumed at 7, it has ~7 x 4 x 10 ms = 280 ms of records left while its next fetch
      // comes in, so a busy machine's slower fetches do not make it miss turns.
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
      await waitFor(() => handled.length > 0 && Date.now() - handled[0]!.at >= MEASURE_MS, {
        timeoutMs: MEASURE_MS + 30_000,
        intervalMs: 100,
        message: `${MEASURE_MS} ms of handling`,
      });
      const log = handled.slice();
      await runtime.stop({ timeoutMs: 2_000 });

      const start = log[0]!.at;
      const end = log.at(-1)!.at;
      const windows: { from: number; counts: number[]; spread: number }[] = [];
      for (let from = start + WARM_UP_MS; from + WINDOW_MS <= end; from += WINDOW_STEP_MS) {
        const counts = Array.from({ length: PARTITIONS }, () => 0);
        for (const h of log) if (h.at >= from && h.at < from + WINDOW_MS) counts[h.partition]!++;
        const max = Math.max(...counts);
        windows.push({ from: from - start, counts, spread: (max - Math.min(...counts)) / max });
      }
      process.stdout.write(
        `[figures] fair-share ${JSON.stringify({ handled: log.length, pauses, windows: windows.map((w) => `${w.from}:${w.counts.join("/")}`) })}\n`,
      );

      // Backpressure really was sustained (the backlog outlasted the test) and windows were measured.
      expect(pauses).toBeGreaterThan(0);
      expect(windows.length).toBeGreaterThanOrEqual(10);
      // Every partition was handled in every window, enough records for a 10% spread to mean something…
      for (const w of windows)
        expect(Math.min(...w.counts), `window at ${w.from} ms: ${w.counts.join("/")}`).toBeGreaterThanOrEqual(30);
      // …and the counts of the four partitions are within 10% of each other in every window.
      for (const w of windows)
        expect(w.spread, `window at ${w.from} ms: ${w.counts.join("/")}`).toBeLessThanOrEqual(0.1);
    });
  });
});
