/**
 * Helpers of the runtime guarantee tests (test/integration/guarantees-*.test.ts): connection specs,
 * bulk production with exact per-partition counts, a recorder of what handlers saw, a recorder of the
 * kafkajs consumer's own group events, and a periodic sampler.
 */
import type { ConsumerConfig, Kafka } from "kafkajs";
import { expect } from "vitest";
import {
  bindTopic,
  ConsumerRuntime,
  RuntimeEvents,
  type BufferSettings,
  type ConnectionSettings,
  type ConnectionSpec,
  type ConsumerFactory,
  type ConsumerRuntimeOptions,
  type KafkaClient,
  type MessageContext,
  type MessageHandler,
  type RuntimeLogger,
} from "../../runtime/index.js";
import { brokers, kafka } from "./kafka.js";
import { TICK_TYPE, tickCodec, type Tick } from "./ticks.js";

/** Connection settings for tests: quick commits and fetches, every field overridable. */
export function testSettings(groupId: string, overrides: Partial<ConnectionSettings> = {}): ConnectionSettings {
  return {
    groupId,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 500,
    maxPollIntervalMs: 30_000,
    enableAutoCommit: false,
    autoCommitIntervalMs: 100,
    autoOffsetReset: "earliest",
    fetchMinBytes: 1,
    fetchMaxWaitMs: 100,
    ...overrides,
  };
}

/** One topic binding of {@link Tick} records. */
export function tickTopic(topic: string, buffer: BufferSettings, handler: MessageHandler<Tick>) {
  return bindTopic({ topic, messageType: TICK_TYPE, codec: tickCodec, buffer, handler });
}

/** A logger that forwards errors to the console (so broken tests show why) and keeps warnings. */
export function testLogger(): RuntimeLogger & { warnings: { message: string; fields: Record<string, unknown> }[] } {
  const warnings: { message: string; fields: Record<string, unknown> }[] = [];
  return {
    warnings,
    debug() {},
    info() {},
    warn: (message, fields = {}) => void warnings.push({ message, fields: { ...fields } }),
    error: (message, fields) => console.error(message, fields),
  };
}

/**
 * Produces `perPartition` ticks to each of `partitions` partitions, with explicit partitions so the
 * counts are exact, in chunks through one producer. Returns the end offset of each partition.
 */
export async function produceTicks(
  topic: string,
  partitions: number,
  perPartition: number,
  /** Records already in each partition (from an earlier call): the returned ends count them too. */
  already = 0,
): Promise<Map<number, number>> {
  const producer = kafka().producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const chunk = 2_000;
    for (let partition = 0; partition < partitions; partition++) {
      for (let from = 0; from < perPartition; from += chunk) {
        const count = Math.min(chunk, perPartition - from);
        await producer.send({
          topic,
          acks: -1,
          messages: Array.from({ length: count }, (_, i) => ({
            partition,
            value: tickCodec.encode({ seq: partition * 1_000_000 + already + from + i, source: topic }),
          })),
        });
      }
    }
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
  return new Map(Array.from({ length: partitions }, (_, p) => [p, already + perPartition]));
}

/** `true` when two offset maps (partition → offset) hold the same entries, whatever their order. */
export function sameOffsets(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): boolean {
  return a.size === b.size && [...a].every(([partition, offset]) => b.get(partition) === offset);
}

/** What handlers saw: every call per topic-partition, in call order, with when it finished. */
export class HandledLog {
  readonly calls: { topic: string; partition: number; offset: number; at: number }[] = [];
  private readonly byPartition = new Map<string, number[]>();

  /** Records one handled record (call at the end of the handler). */
  record(context: MessageContext): void {
    const offset = Number(context.offset);
    this.calls.push({ topic: context.topic, partition: context.partition, offset, at: Date.now() });
    const key = `${context.topic}[${context.partition}]`;
    let list = this.byPartition.get(key);
    if (!list) this.byPartition.set(key, (list = []));
    list.push(offset);
  }

  /** Number of handled calls of `topic` (all topics when omitted). */
  count(topic?: string): number {
    return topic === undefined ? this.calls.length : this.calls.filter((c) => c.topic === topic).length;
  }

  /** Offsets handled for one partition, in call order. */
  offsets(topic: string, partition: number): number[] {
    return this.byPartition.get(`${topic}[${partition}]`) ?? [];
  }

  /** Asserts every partition of `topic` was handled exactly once per offset, in offset order: 0 … end-1. */
  expectExactlyOnceInOrder(topic: string, ends: ReadonlyMap<number, number>): void {
    for (const [partition, end] of ends) {
      const offsets = this.offsets(topic, partition);
      expect(offsets.length, `${topic}[${partition}] handled count`).toBe(end);
      const wrong = offsets.findIndex((offset, i) => offset !== i);
      expect(wrong, `${topic}[${partition}] first out-of-order or repeated offset at call ${wrong}`).toBe(-1);
    }
  }
}

/** kafkajs's own group events of one consumer, in order. */
export type ConsumerGroupEvent =
  { type: "join"; memberId: string } | { type: "rebalancing" } | { type: "crash"; error: unknown };

/** kafkajs's own group events of every consumer a factory created (to prove nobody was expelled). */
export interface RecordingConsumers {
  /** One event list per consumer created, in creation order. */
  readonly consumers: ConsumerGroupEvent[][];
  readonly factory: ConsumerFactory;
}

/** A consumer factory on the test broker that records kafkajs's GROUP_JOIN, REBALANCING and CRASH events. */
export function recordingConsumers(client: Kafka = kafka()): RecordingConsumers {
  const consumers: ConsumerGroupEvent[][] = [];
  return {
    consumers,
    factory: (config: ConsumerConfig) => {
      const consumer = client.consumer(config);
      const events: ConsumerGroupEvent[] = [];
      consumers.push(events);
      consumer.on(
        consumer.events.GROUP_JOIN,
        (event) => void events.push({ type: "join", memberId: event.payload.memberId }),
      );
      consumer.on(consumer.events.REBALANCING, () => void events.push({ type: "rebalancing" }));
      consumer.on(consumer.events.CRASH, (event) => void events.push({ type: "crash", error: event.payload.error }));
      return consumer;
    },
  };
}

/**
 * Asserts a consumer stayed in its group from its first join on: nothing after that join (no
 * rebalance, no crash, no second join). A crash before the first join (a fresh broker's coordinator
 * still loading) is kafkajs retrying its start, not an expulsion. Returns the member id.
 */
export function expectNeverExpelled(events: readonly ConsumerGroupEvent[]): string {
  const first = events.findIndex((e) => e.type === "join");
  expect(first, "the consumer joined its group").toBeGreaterThanOrEqual(0);
  expect(events.slice(first + 1), "group events after the first join").toEqual([]);
  return (events[first] as { memberId: string }).memberId;
}

/**
 * The runtime's own group events per connection name (join, rebalancing, crash), whatever the client:
 * what {@link expectNeverExpelled} reads when no client-level recorder exists. Joins carry no member id.
 */
export function recordGroupEvents(runtime: ConsumerRuntime): Map<string, ConsumerGroupEvent[]> {
  const byConnection = new Map<string, ConsumerGroupEvent[]>();
  const list = (name: string): ConsumerGroupEvent[] => {
    let events = byConnection.get(name);
    if (!events) byConnection.set(name, (events = []));
    return events;
  };
  runtime.on(RuntimeEvents.GROUP_JOIN, (e) => void list(e.connection).push({ type: "join", memberId: "" }));
  runtime.on(RuntimeEvents.REBALANCING, (e) => void list(e.connection).push({ type: "rebalancing" }));
  runtime.on(RuntimeEvents.CRASH, (e) => void list(e.connection).push({ type: "crash", error: e.error }));
  return byConnection;
}

/** Creates runtimes on the test broker and stops every one of them in {@link stopAll} (call it in afterEach). */
export class Runtimes {
  private readonly created: ConsumerRuntime[] = [];

  /** @param client the Kafka client every runtime runs on. */
  constructor(readonly client: KafkaClient = "kafkajs") {}

  create(connections: ConnectionSpec[], options: ConsumerRuntimeOptions = {}): ConsumerRuntime {
    const runtime = new ConsumerRuntime(
      connections,
      { brokers: brokers(), clientId: "kefgen-guarantees" },
      { logger: testLogger(), client: this.client, ...options },
    );
    this.created.push(runtime);
    return runtime;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.created.splice(0).map((runtime) => runtime.stop({ timeoutMs: 2_000 })));
  }
}

/**
 * Runs `sample` every `intervalMs` (one at a time) until {@link stop}; keeps every result. A sample
 * that throws (e.g. the broker answering "not the coordinator" while a fresh group settles) is
 * counted in `failures` and skipped. For async samples the interval is the pause between two.
 */
export class Sampler<T> {
  readonly samples: T[] = [];
  failures = 0;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(sample: () => T | Promise<T>, intervalMs: number) {
    this.loop = (async () => {
      while (this.running) {
        try {
          this.samples.push(await sample());
        } catch {
          this.failures++;
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    })();
  }

  async stop(): Promise<T[]> {
    this.running = false;
    await this.loop;
    return this.samples;
  }
}
