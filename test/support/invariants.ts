/**
 * The invariant checker of the fault matrix (issue 10), reusable by any scenario: feed it what was
 * acknowledged by the producer and what the handlers finished, mark the fault windows, and it samples
 * the group's committed offsets and the topics' end offsets with its own admin client every 100 ms.
 * `finish()` checks:
 * - I1 every acknowledged record was handled at least once (or reported dead-lettered);
 * - I2 no sampled committed offset passed the handled watermark at the time the sample arrived;
 * - I3 a record handled twice was in flight during a fault window: at or above the committed offset
 *   sampled last before the window opened, and first handled before the window closed;
 * - I4 per partition the sampled committed offsets never went backwards (negative sentinels aside: kafkajs
 *   commits -2 or -1 itself when it resets an out-of-range offset; they are counted, see finish);
 * - I5 after the last window closed and production ended, lag returned to 0 within 30 s;
 * and prints the scenario's figures (produced, handled, duplicates, max lag, time to recover).
 */
import { Kafka, logLevel, type Admin } from "kafkajs";
import { expect } from "vitest";

/** The issue's bound for I5. */
export const RECOVERY_BOUND_MS = 30_000;

/** What {@link InvariantChecker.finish} measured. */
export interface ScenarioFigures {
  scenario: string;
  /** Records the producer had acknowledged. */
  produced: number;
  /** Handler calls that finished (duplicates included). */
  handled: number;
  /** Handler calls beyond the first of a record. */
  duplicates: number;
  /** Most records between the committed offsets and the end offsets in one sample (all partitions). */
  maxLag: number;
  /** From the end of the last fault window (or of production, if later) to the first sample with lag 0; null without a window. */
  recoverMs: number | null;
  /** Committed-offset samples taken / checked against the handled watermark. */
  samples: number;
  checkedSamples: number;
  /** Samples that failed (broker down or unreachable): expected during a fault. */
  failedSamples: number;
  /** Times a partition's committed offset turned from a position into a negative sentinel (kafkajs's reset commit, see I4). */
  sentinelCommits: number;
}

/** One sample of the group's committed offsets and the topics' end offsets. */
export interface Sample {
  /** When the answer arrived. */
  readonly at: number;
  /** `topic\0partition` → committed offset (-1: none). */
  readonly committed: Map<string, number>;
  /** `topic\0partition` → end offset. */
  readonly ends: Map<string, number>;
}

interface FaultWindow {
  readonly name: string;
  readonly start: number;
  end: number | undefined;
  /** Committed offsets of the last sample before the window opened. */
  committedBefore: Map<string, number>;
}

/** The checker's key of a topic-partition in samples. */
export const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
const show = (k: string): string => k.replace("\u0000", "[") + "]";

/** Samples a group and checks I1–I5 against what a scenario reports to it. */
export class InvariantChecker {
  private readonly acknowledged = new Map<string, Set<number>>();
  private readonly deadLettered = new Set<string>();
  /** `topic\0partition` → records below `below` deleted (retention) at `at`: unhandled ones are not lost by the consumer. */
  private readonly deleted = new Map<string, { below: number; at: number }>();
  /** `topic\0partition` → offset → finish times of each handler call, in order. */
  private readonly handledAt = new Map<string, Map<number, number[]>>();
  private handledCalls = 0;
  private readonly samples: Sample[] = [];
  private readonly windows: FaultWindow[] = [];
  private failedSamples = 0;
  private lastSampleError: unknown;
  private lastSampleErrorAt: number | undefined;
  private productionEndedAt: number | undefined;
  private running = true;
  private admin: Admin | undefined;
  private readonly loop: Promise<void>;

  /**
   * @param scenario the name printed with the figures.
   * @param brokers where the admin client connects (may be a proxy or a cluster).
   * @param groupId the consumer group under test.
   * @param topics the topics it consumes.
   */
  constructor(
    private readonly scenario: string,
    private readonly brokers: string[],
    private readonly groupId: string,
    private readonly topics: readonly string[],
    private readonly intervalMs = 100,
    /** Takes one sample; the default asks the brokers with an admin client (tests of the checker pass their own). */
    private readonly takeSample: () => Promise<Sample> = () => this.sample(),
    /** A sample not back within this long counts as failed, and the next one starts over. */
    private readonly sampleTimeoutMs = 5_000,
  ) {
    this.loop = this.sampleLoop();
  }

  /** The producer acknowledged `count` records of `topic[partition]` from `baseOffset` on. */
  acked(topic: string, partition: number, baseOffset: number, count = 1): void {
    const k = key(topic, partition);
    let set = this.acknowledged.get(k);
    if (!set) this.acknowledged.set(k, (set = new Set()));
    for (let i = 0; i < count; i++) set.add(baseOffset + i);
  }

  /** Every record below `ends` (partition → end offset) of `topic` counts as acknowledged (a backlog written before the scenario). */
  ackedUpTo(topic: string, ends: ReadonlyMap<number, number>): void {
    for (const [partition, end] of ends) this.acked(topic, partition, 0, end);
  }

  /** Records of `topic[partition]` below `below` were deleted now (retention): I1 and I2 do not expect them handled. */
  deletedBelow(topic: string, partition: number, below: number, at = Date.now()): void {
    this.deleted.set(key(topic, partition), { below, at });
  }

  /** Production is over: I5 measures from here (or the last window's end, if later). */
  productionEnded(at = Date.now()): void {
    this.productionEndedAt = at;
  }

  /** A handler call for the record finished at `at` (call it before the handler returns). */
  handled(topic: string, partition: number, offset: number, at = Date.now()): void {
    const k = key(topic, partition);
    let byOffset = this.handledAt.get(k);
    if (!byOffset) this.handledAt.set(k, (byOffset = new Map()));
    const times = byOffset.get(offset);
    if (times) times.push(at);
    else byOffset.set(offset, [at]);
    this.handledCalls++;
  }

  /** The record went to a dead-letter topic instead of being handled (it counts as done for I1 and I2). */
  deadLetteredRecord(topic: string, partition: number, offset: number, at = Date.now()): void {
    this.deadLettered.add(`${key(topic, partition)}@${offset}`);
    this.handled(topic, partition, offset, at);
    this.handledCalls--;
  }

  /** Handler calls that finished so far. */
  get handledCount(): number {
    return this.handledCalls;
  }

  /** Opens a fault window now; returns a function that closes it. */
  fault(name: string): () => void {
    const last = this.samples.at(-1);
    const window: FaultWindow = {
      name,
      start: Date.now(),
      end: undefined,
      committedBefore: new Map(last?.committed ?? []),
    };
    this.windows.push(window);
    return () => {
      window.end ??= Date.now();
    };
  }

  /** The duplicate handler calls so far (every call beyond a record's first). */
  duplicates(): number {
    let count = 0;
    for (const byOffset of this.handledAt.values()) for (const times of byOffset.values()) count += times.length - 1;
    return count;
  }

  /** Waits (polling the samples) until the committed offsets reached the end offsets on every partition. */
  async waitForZeroLag(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const last = this.samples.at(-1);
      if (last && this.lagOf(last) === 0 && last.at > (this.healedAt() ?? 0)) return;
      if (Date.now() > deadline)
        throw new Error(`${this.scenario}: lag did not return to 0 within ${timeoutMs} ms (${this.progress()})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops sampling, checks I1–I5 (vitest `expect`), prints and returns the figures. */
  async finish(): Promise<ScenarioFigures> {
    this.running = false;
    await this.loop;
    await this.admin?.disconnect().catch(() => undefined);
    for (const w of this.windows) w.end ??= Date.now();

    // I1: every acknowledged record handled (or dead-lettered).
    for (const [k, offsets] of this.acknowledged) {
      const handled = this.handledAt.get(k);
      const deletedBelow = this.deleted.get(k)?.below ?? 0;
      const missing = [...offsets].filter((o) => !handled?.has(o) && o >= deletedBelow);
      expect(missing.slice(0, 10), `I1: acknowledged records of ${show(k)} never handled (${missing.length})`).toEqual(
        [],
      );
    }

    // I2: whenever the broker reported committed offset c, every offset below c had been handled by then.
    let checked = 0;
    const readyBy = this.readyBy();
    for (const sample of this.samples) {
      for (const [k, committed] of sample.committed) {
        if (committed <= 0) continue;
        const ready = readyBy.get(k)?.[committed - 1];
        expect(
          ready,
          `I2: ${show(k)} committed ${committed} (sample at ${sample.at}) but offset ${committed - 1} was never handled`,
        ).toBeDefined();
        expect(
          ready!,
          `I2: ${show(k)} committed ${committed} at ${sample.at} before offset ${committed - 1} was handled`,
        ).toBeLessThanOrEqual(sample.at);
        checked++;
      }
    }

    // I4: committed offsets never go backwards. A negative value is not a position: -1 is "none", and
    // kafkajs itself commits its reset sentinel (-2 earliest, -1 latest) when it resets a partition
    // whose offset is out of range (offsetManager.setDefaultOffset); those are counted, not compared.
    const previous = new Map<string, number>();
    let sentinelCommits = 0;
    for (const sample of this.samples) {
      for (const [k, committed] of sample.committed) {
        if (committed < 0) {
          if ((previous.get(k) ?? -1) >= 0) sentinelCommits++;
          continue;
        }
        const before = previous.get(k) ?? -1;
        expect(
          committed,
          `I4: ${show(k)} committed offset went from ${before} back to ${committed} at ${sample.at}`,
        ).toBeGreaterThanOrEqual(before);
        previous.set(k, committed);
      }
    }

    // I3: a duplicate is a record that was in flight during a fault window.
    for (const [k, byOffset] of this.handledAt) {
      for (const [offset, times] of byOffset) {
        if (times.length < 2) continue;
        const first = times[0]!;
        const excused = this.windows.some((w) => offset >= (w.committedBefore.get(k) ?? -1) && first <= w.end!);
        expect(
          excused,
          `I3: ${show(k)}@${offset} handled ${times.length} times (first at ${first}) outside every fault window`,
        ).toBe(true);
      }
    }

    // I5: lag back to 0 within the bound after the fault healed.
    const healed = this.healedAt();
    let recoverMs: number | null = null;
    if (healed !== undefined) {
      const recovered = this.samples.find((s) => s.at >= healed && this.lagOf(s) === 0);
      expect(recovered, `I5: lag never returned to 0 after ${healed}`).toBeDefined();
      recoverMs = recovered!.at - healed;
      expect(recoverMs, `I5: lag returned to 0 only ${recoverMs} ms after the fault healed`).toBeLessThanOrEqual(
        RECOVERY_BOUND_MS,
      );
    }

    let maxLag = 0;
    for (const sample of this.samples) maxLag = Math.max(maxLag, this.lagOf(sample) ?? 0);
    let produced = 0;
    for (const offsets of this.acknowledged.values()) produced += offsets.size;
    const figures: ScenarioFigures = {
      scenario: this.scenario,
      produced,
      handled: this.handledCalls,
      duplicates: this.duplicates(),
      maxLag,
      recoverMs,
      samples: this.samples.length,
      checkedSamples: checked,
      failedSamples: this.failedSamples,
      sentinelCommits,
    };
    process.stdout.write(`[fault-matrix] ${JSON.stringify(figures)}\n`);
    return figures;
  }

  /** The later of the last window's end and the end of production. */
  private healedAt(): number | undefined {
    const ends = this.windows.map((w) => w.end ?? Number.POSITIVE_INFINITY);
    if (ends.length === 0) return undefined;
    return Math.max(...ends, this.productionEndedAt ?? 0);
  }

  /** Per partition: for offset i, the time by which offsets 0..i had all been handled (first handling). */
  private readyBy(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const [k, byOffset] of this.handledAt) {
      const prefix: number[] = [];
      const deleted = this.deleted.get(k);
      let max = 0;
      for (let offset = 0; ; offset++) {
        // A record deleted by retention before it was handled is done (for the consumer) when it was deleted.
        const at = byOffset.get(offset)?.[0] ?? (deleted && offset < deleted.below ? deleted.at : undefined);
        if (at === undefined) break;
        max = Math.max(max, at);
        prefix.push(max);
      }
      out.set(k, prefix);
    }
    return out;
  }

  /** Sum over partitions of end − committed; undefined when a partition has no end offset in the sample. */
  private lagOf(sample: Sample): number | undefined {
    let lag = 0;
    for (const [k, end] of sample.ends) lag += Math.max(0, end - Math.max(0, sample.committed.get(k) ?? 0));
    return sample.ends.size === 0 ? undefined : lag;
  }

  /** What a stalled wait reports: whether the handlers or the sampler stalled, and since when. */
  private progress(): string {
    const now = Date.now();
    const last = this.samples.at(-1);
    const healed = this.healedAt();
    const since = (at: number) => `${now - at} ms ago`;
    const handledSinceHealed =
      healed === undefined
        ? "no fault window"
        : String(
            [...this.handledAt.values()].reduce(
              (n, byOffset) => n + [...byOffset.values()].filter((times) => times.some((t) => t >= healed)).length,
              0,
            ),
          );
    return [
      `last sample ${last ? `${since(last.at)}: ${this.describe(last)}` : "none"}`,
      `failed samples ${this.failedSamples}, the last ${this.lastSampleErrorAt === undefined ? "never" : `${since(this.lastSampleErrorAt)}: ${String(this.lastSampleError)}`}`,
      `records handled since the fault healed: ${handledSinceHealed}`,
      `handler calls in all: ${this.handledCalls}`,
    ].join("; ");
  }

  private describe(sample: Sample): string {
    return [...sample.ends].map(([k, end]) => `${show(k)} ${sample.committed.get(k) ?? -1}/${end}`).join(", ");
  }

  private async sampleLoop(): Promise<void> {
    while (this.running) {
      let timer: NodeJS.Timeout | undefined;
      // A sample that does not come back within sampleTimeoutMs fails like one that threw: kafkajs can
      // keep a request waiting on a connection the fault broke, and a sampler waiting on it would see
      // no recovery at all.
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no sample within ${this.sampleTimeoutMs} ms`)),
          this.sampleTimeoutMs,
        );
      });
      try {
        this.samples.push(await Promise.race([this.takeSample(), late]));
      } catch (error) {
        this.failedSamples++;
        this.lastSampleError = error;
        this.lastSampleErrorAt = Date.now();
        // A new client for the next sample; the old one is closed in the background (it may hang too).
        const admin = this.admin;
        this.admin = undefined;
        void admin?.disconnect().catch(() => undefined);
      } finally {
        clearTimeout(timer);
      }
      await new Promise((resolve) => setTimeout(resolve, this.intervalMs));
    }
  }

  private async sample(): Promise<Sample> {
    if (!this.admin) {
      const admin = new Kafka({
        clientId: "kefgen-invariants",
        brokers: this.brokers,
        logLevel: logLevel.NOTHING,
        connectionTimeout: 1_000,
        requestTimeout: 2_000,
        // A few quick retries: kafkajs answers "no brokers in the broker pool" to a first request
        // without any (its metadata is loaded lazily); a fault makes every retry fail anyway.
        retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
      }).admin();
      await admin.connect();
      this.admin = admin;
    }
    const admin = this.admin;
    const committed = new Map<string, number>();
    const ends = new Map<string, number>();
    const groups = await admin.fetchOffsets({ groupId: this.groupId, topics: [...this.topics] });
    for (const t of groups) for (const p of t.partitions) committed.set(key(t.topic, p.partition), Number(p.offset));
    for (const topic of this.topics) {
      for (const o of await admin.fetchTopicOffsets(topic)) ends.set(key(topic, o.partition), Number(o.high));
    }
    return { at: Date.now(), committed, ends };
  }
}
