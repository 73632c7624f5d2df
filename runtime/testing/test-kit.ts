// TestKit: what `kefgen/testing` users hold. It owns one MemoryCluster and its in-memory transport, gives the
// generated factories the options that put them on it, feeds records, waits for idle and reads back what happened.
// It never re-implements the runtime: the ConsumerRuntime it watches is the real one, only the transport is fake.

import {
  RuntimeEvents,
  type DeadLetteredEvent,
  type DecodeErrorEvent,
  type DroppedEvent,
  type HandlerErrorEvent,
  type PartitionStoppedEvent,
} from "../events.js";
import { silentLogger } from "../logger.js";
import type { ConsumerRuntime, ConsumerRuntimeOptions, KafkaConnectionOptions } from "../runtime.js";
import type { ProducerRuntimeOptions } from "../producer.js";
import type { TopicMetrics } from "../metrics.js";
import type { Codec } from "../types.js";
import type { RecordHeaders } from "../transport/transport.js";
import { FakeClock } from "./fake-clock.js";
import { MemoryCluster, type StoredRecord } from "./memory-cluster.js";
import { memoryTransport, type MemoryTransport } from "./memory-transport.js";

/** Where a fed record goes and what goes with it. */
export interface FeedOptions {
  readonly key?: Buffer | string | null;
  readonly headers?: RecordHeaders;
  /** Absent: by the key's bytes, else round robin. */
  readonly partition?: number;
  /** Epoch milliseconds; absent: now. */
  readonly timestamp?: number;
}

/** Options of {@link TestKit.idle}. */
export interface IdleOptions {
  /** Also wait until every handled offset was committed (at the connection's `autoCommitIntervalMs`). Default `false`. */
  readonly committed?: boolean;
  /** Rejects after this long, naming what was still busy (default 10 s). */
  readonly timeoutMs?: number;
}

/** What happened on one topic of the runtimes a kit started: the runtime's counters and the events behind them. */
export interface TopicOutcome {
  /** Records handled successfully. */
  readonly handled: number;
  /** Retries scheduled after failed handler attempts. */
  readonly retries: number;
  /** Every failed handler attempt, in order. */
  readonly handlerErrors: readonly HandlerErrorEvent[];
  /** Records discarded by a full buffer in a drop mode. */
  readonly dropped: readonly DroppedEvent[];
  /** Records that could not be decoded, and what was done with them. */
  readonly decodeErrors: readonly DecodeErrorEvent[];
  /** Records written to the dead-letter topic (read them with {@link TestKit.records} and `readDeadLetter`). */
  readonly deadLettered: readonly DeadLetteredEvent[];
  /** Partitions stopped by a record given up with nowhere to go. */
  readonly partitionsStopped: readonly PartitionStoppedEvent[];
}

/** Construction options of a {@link TestKit}. */
export interface TestKitOptions {
  /**
   * How the waits before a failed record's next attempt pass (handler retries, dead-letter write retries):
   * - `"instant"` (default): every retry follows at once, so a failing handler's attempts, its dead letter or its
   *   stopped partition come without waiting;
   * - `"fake"`: on the kit's {@link FakeClock}: each wait is as long as the topic says (`retryBackoffMs`,
   *   `retryMultiplier`, …), and passes only when the test calls {@link TestKit.advance}; {@link TestKit.idle}
   *   counts a record waiting for the clock as idle;
   * - `"real"`: on the system's timers, as in production (idle waits for them).
   */
  readonly retryWaits?: "instant" | "fake" | "real";
}

/**
 * Runs generated consumers and producers without a broker, on the real runtime over an in-memory transport.
 *
 * ```ts
 * const kit = new TestKit();
 * const consumers = await kit.start(createShopConsumers(kit.kafka, handlers, kit.options()));
 * const producers = createShopProducers(kit.kafka, kit.producerOptions());
 * await producers.start();
 * await producers.topics.orders.send(order);
 * await kit.idle();
 * expect(kit.outcome("kefgen-demo.order-events").handled).toBe(1);
 * await kit.stop();
 * ```
 */
export class TestKit {
  /** The in-memory topics and group offsets. */
  readonly cluster = new MemoryCluster();
  /** The transport every runtime of this kit runs on. */
  readonly transport: MemoryTransport = memoryTransport(this.cluster);
  /** What the generated factories take as `kafka`; ignored by the runtime when the transport is given. */
  readonly kafka: KafkaConnectionOptions = { brokers: ["kefgen-testing:0"] };

  /** The clock retry waits run on with `retryWaits: "fake"` (see {@link advance}). */
  readonly clock = new FakeClock();

  private readonly runtimes: ConsumerRuntime[] = [];
  private readonly events = new Map<
    string,
    {
      handlerErrors: HandlerErrorEvent[];
      dropped: DroppedEvent[];
      decodeErrors: DecodeErrorEvent[];
      deadLettered: DeadLetteredEvent[];
      partitionsStopped: PartitionStoppedEvent[];
    }
  >();

  /** @param settings see {@link TestKitOptions}. */
  constructor(private readonly settings: TestKitOptions = {}) {}

  /**
   * Options for a generated `create<Api>Consumers`: the in-memory transport, a silent logger, and retry waits as
   * {@link TestKitOptions.retryWaits} says; `extra` wins.
   */
  options(extra: ConsumerRuntimeOptions = {}): ConsumerRuntimeOptions {
    const waits = this.settings.retryWaits ?? "instant";
    return {
      logger: silentLogger,
      ...(waits === "instant" ? { handlerRetry: { initialDelayMs: 0, maxDelayMs: 0 } } : {}),
      ...(waits === "fake" ? { retryTimers: this.clock } : {}),
      ...extra,
      transport: this.transport,
    };
  }

  /**
   * With `retryWaits: "fake"`: moves the kit's clock forward by `ms` (every retry wait due by then ends, in order),
   * then resolves once the kit is {@link idle} again. A retry due later stays waiting.
   */
  async advance(ms: number, options: IdleOptions = {}): Promise<void> {
    if (this.settings.retryWaits !== "fake")
      throw new Error('advance() moves the fake clock: create the kit with new TestKit({ retryWaits: "fake" })');
    this.clock.advance(ms);
    await this.idle(options);
  }

  /** Options for a generated `create<Api>Producers`: its sends are written to the in-memory topics. */
  producerOptions(extra: ProducerRuntimeOptions = {}): ProducerRuntimeOptions {
    return { logger: silentLogger, ...extra, transport: this.transport };
  }

  /** Creates a topic with more than one partition (before the runtime starts); topics are otherwise created with one at first use. */
  createTopic(topic: string, partitions: number): void {
    this.cluster.createTopic(topic, partitions);
  }

  /**
   * Watches `runtime`'s events (for {@link outcome}) and starts it; resolves with it once it joined (rejects as
   * `runtime.start()` does). {@link idle} and {@link stop} cover it from then on.
   */
  async start<R extends ConsumerRuntime>(runtime: R): Promise<R> {
    this.runtimes.push(runtime);
    runtime.on(RuntimeEvents.HANDLER_ERROR, (e) => this.eventsOf(e.topic).handlerErrors.push(e));
    runtime.on(RuntimeEvents.DROPPED, (e) => this.eventsOf(e.topic).dropped.push(e));
    runtime.on(RuntimeEvents.DECODE_ERROR, (e) => this.eventsOf(e.topic).decodeErrors.push(e));
    runtime.on(RuntimeEvents.DEAD_LETTERED, (e) => this.eventsOf(e.topic).deadLettered.push(e));
    runtime.on(RuntimeEvents.PARTITION_STOPPED, (e) => this.eventsOf(e.topic).partitionsStopped.push(e));
    await runtime.start();
    return runtime;
  }

  /** Writes typed values to `topic`, encoded with `codec` (a generated `codecs.<type>Codec`), as bare Avro. */
  feed<T>(topic: string, codec: Codec<T>, values: T | readonly T[], options: FeedOptions = {}): StoredRecord[] {
    const list = Array.isArray(values) ? (values as readonly T[]) : [values as T];
    return this.feedRaw(
      topic,
      list.map((value) => codec.encode(value)),
      options,
    );
  }

  /**
   * Writes typed values of one member of a multi-type topic routed by a header: each encoded with `codec` (the
   * member's generated codec) as bare Avro, with header `header` (default `$type`, K-Entity-Framework's) set to `type`,
   * the member record's full Avro name. A record without the header, or naming another type, is fed with
   * {@link feedRaw} and `headers`.
   */
  feedMember<T>(
    topic: string,
    member: { readonly type: string; readonly codec: Codec<T>; readonly header?: string },
    values: T | readonly T[],
    options: FeedOptions = {},
  ): StoredRecord[] {
    const headers = { ...options.headers, [member.header ?? "$type"]: member.type };
    return this.feed(topic, member.codec, values, { ...options, headers });
  }

  /** Writes raw values to `topic` (`null`: a tombstone), e.g. bytes no codec can decode. */
  feedRaw(
    topic: string,
    values: Buffer | string | null | readonly (Buffer | string | null)[],
    options: FeedOptions = {},
  ): StoredRecord[] {
    const list = Array.isArray(values)
      ? (values as readonly (Buffer | string | null)[])
      : [values as Buffer | string | null];
    return this.cluster.append(
      topic,
      list.map((value) => ({
        value,
        ...(options.key !== undefined ? { key: options.key } : {}),
        ...(options.headers ? { headers: options.headers } : {}),
        ...(options.partition !== undefined ? { partition: options.partition } : {}),
        ...(options.timestamp !== undefined ? { timestamp: String(options.timestamp) } : {}),
      })),
    );
  }

  /** Every record of `topic`: what was fed, what the typed producers sent, the dead letters written to it. */
  records(topic: string): StoredRecord[] {
    return this.cluster.records(topic);
  }

  /** The committed offset (next record to read) of a group on a partition; `undefined` when none was committed. */
  committed(groupId: string, topic: string, partition = 0): number | undefined {
    return this.cluster.committed(groupId, topic, partition);
  }

  /** What happened on `topic` so far, over every runtime this kit started. */
  outcome(topic: string): TopicOutcome {
    const metrics = this.topicMetrics().filter((m) => m.topic === topic);
    const events = this.eventsOf(topic);
    return {
      handled: metrics.reduce((sum, m) => sum + m.handled, 0),
      retries: metrics.reduce((sum, m) => sum + m.retries, 0),
      handlerErrors: [...events.handlerErrors],
      dropped: [...events.dropped],
      decodeErrors: [...events.decodeErrors],
      deadLettered: [...events.deadLettered],
      partitionsStopped: [...events.partitionsStopped],
    };
  }

  /**
   * Resolves once every started runtime has joined and is idle: every partition is fetched to its end (or paused),
   * no record is buffered (but behind a stopped partition), handled, retried or waiting for a dead-letter write, and with `committed`, every handled
   * offset is committed. Checked on every macrotask turn; rejects after `timeoutMs`, naming what was busy.
   */
  async idle(options: IdleOptions = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    // Twice in a row: a record handled in one turn may cause a dead letter or a resume that only shows in the next.
    let quiet = 0;
    for (;;) {
      const busy = this.busy(options.committed ?? false);
      quiet = busy === undefined ? quiet + 1 : 0;
      if (quiet >= 2) return;
      if (Date.now() > deadline)
        throw new Error(
          `the test kit did not become idle within ${options.timeoutMs ?? 10_000} ms: ${busy ?? "still settling"}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** Stops every started runtime (their final commits go to the in-memory groups). */
  async stop(): Promise<void> {
    await Promise.all(this.runtimes.map((runtime) => runtime.stop({ timeoutMs: 1_000 })));
  }

  /** Why the kit is not idle, or `undefined` when it is. */
  private busy(committed: boolean): string | undefined {
    const fetching = this.transport.members.filter((member) => !member.caughtUp);
    if (fetching.length > 0)
      return `records not fetched yet (groups ${fetching.map((m) => m.settings.groupId).join(", ")})`;
    for (const runtime of this.runtimes) {
      for (const connection of runtime.metrics().connections) {
        if (connection.state === "starting" || connection.state === "rebalancing" || connection.state === "restarting")
          return `connection ${connection.name} is ${connection.state}`;
        for (const t of connection.topics) {
          // Records buffered behind a stopped partition stay there (until a rebalance): that is idle too; so are
          // records behind a retry that waits for the fake clock (only advance() moves them on).
          const waitsForClock = this.settings.retryWaits === "fake" && t.waitingForRetry > 0;
          const waiting = t.stoppedPartitions > 0 || waitsForClock ? 0 : t.buffered;
          // An exactly-once topic's open transaction commits on the system's timers (transactionMaxMs), not the kit's clock.
          if (waiting > 0 || t.inFlight > 0 || t.inTransaction > 0 || t.waitingForRegistry > 0)
            return `topic ${t.topic}: ${t.buffered} buffered, ${t.inFlight} in flight, ${t.inTransaction} in an open transaction, ${t.waitingForRegistry} waiting for the registry`;
        }
        if (committed) {
          const behind = connection.lag.find((p) => p.committable !== null && p.committed !== p.committable);
          if (behind)
            return `${behind.topic}[${behind.partition}] committed ${behind.committed ?? "nothing"}, handled up to ${behind.committable}`;
        }
      }
    }
    return undefined;
  }

  private topicMetrics(): TopicMetrics[] {
    return this.runtimes.flatMap((runtime) => runtime.metrics().connections.flatMap((c) => c.topics));
  }

  private eventsOf(topic: string) {
    let events = this.events.get(topic);
    if (!events)
      this.events.set(
        topic,
        (events = { handlerErrors: [], dropped: [], decodeErrors: [], deadLettered: [], partitionsStopped: [] }),
      );
    return events;
  }
}
