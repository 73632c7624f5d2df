// An in-process stand-in for the part of a kafkajs consumer that runtime/connection.ts uses.
// It models what matters for routing: a log per partition, kafkajs's resolved offset as the next
// fetch position, pause state filtering fetches, commits, and the GROUP_JOIN / REBALANCING / CRASH
// events. It is not a test itself (no `.test.ts`).

import type {
  ConsumerConfig,
  ConsumerEvents,
  ConsumerRunConfig,
  ConsumerSubscribeTopics,
  ConsumerSubscribeTopic,
  EachBatchPayload,
  InstrumentationEvent,
  KafkaMessage,
  TopicPartitionOffsetAndMetadata,
} from "kafkajs";
import type { ConsumerPort } from "../../runtime/transport/kafkajs.js";

export const CONSUMER_EVENTS: ConsumerEvents = {
  HEARTBEAT: "consumer.heartbeat",
  COMMIT_OFFSETS: "consumer.commit_offsets",
  GROUP_JOIN: "consumer.group_join",
  FETCH_START: "consumer.fetch_start",
  FETCH: "consumer.fetch",
  START_BATCH_PROCESS: "consumer.start_batch_process",
  END_BATCH_PROCESS: "consumer.end_batch_process",
  CONNECT: "consumer.connect",
  DISCONNECT: "consumer.disconnect",
  STOP: "consumer.stop",
  CRASH: "consumer.crash",
  REBALANCING: "consumer.rebalancing",
  RECEIVED_UNSUBSCRIBED_TOPICS: "consumer.received_unsubscribed_topics",
  REQUEST: "consumer.network.request",
  REQUEST_TIMEOUT: "consumer.network.request_timeout",
  REQUEST_QUEUE_SIZE: "consumer.network.request_queue_size",
};

type Listener = (event: InstrumentationEvent<any>) => void;

const key = (topic: string, partition: number): string => `${topic}|${partition}`;

export function message(offset: number, value: Buffer | string | null = `v${offset}`): KafkaMessage {
  return {
    key: null,
    value: typeof value === "string" ? Buffer.from(value) : value,
    timestamp: "1700000000000",
    attributes: 0,
    offset: String(offset),
    headers: {},
  };
}

/** What one `deliver` call saw. */
export interface Delivery {
  /**
   * Offsets of the delivered messages that count as consumed, like kafkajs: `resolveOffset(o)` moves
   * the fetch position to o + 1, so every message up to the highest resolved offset is resolved.
   */
  resolved: string[];
  /** How many times eachBatch called resolveOffset. */
  resolveCalls: number;
  /** Whether eachBatch was called at all (false when the fake filtered a paused partition). */
  delivered: boolean;
}

export class FakeConsumer implements ConsumerPort {
  readonly events = CONSUMER_EVENTS;
  readonly calls: string[] = [];
  readonly subscriptions: (ConsumerSubscribeTopics | ConsumerSubscribeTopic)[] = [];
  readonly commits: TopicPartitionOffsetAndMetadata[][] = [];
  readonly pauseCalls: { topic: string; partitions?: number[] }[][] = [];
  readonly resumeCalls: { topic: string; partitions?: number[] }[][] = [];
  /** Pause state per partition (`topic|*` for a whole topic), as kafkajs's SubscriptionState would hold it. */
  readonly pausedPartitions = new Set<string>();
  /** Topics with at least one paused partition. */
  get pausedTopics(): ReadonlySet<string> {
    return new Set([...this.pausedPartitions].map((k) => k.slice(0, k.lastIndexOf("|"))));
  }
  runConfig: ConsumerRunConfig | undefined;
  /** Like kafkajs: pause/resume/commit throw while no consumer group exists (not running). */
  running = false;
  /** Assignment announced by run() through GROUP_JOIN; `null` means "do not join" (e.g. join pending). */
  assignment: Record<string, number[]> | null = {};
  failCommits = false;
  heartbeats = 0;
  /** When set, the next heartbeat() inside eachBatch throws it (like kafkajs on REBALANCE_IN_PROGRESS). */
  heartbeatError: Error | undefined;

  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly logs = new Map<string, KafkaMessage[]>();
  private readonly resolvedOffsets = new Map<string, number>();
  private readonly committedOffsets = new Map<string, number>();
  private readonly highWatermarks = new Map<string, number>();

  constructor(readonly config: ConsumerConfig) {}

  async connect(): Promise<void> {
    this.calls.push("connect");
  }

  async disconnect(): Promise<void> {
    this.calls.push("disconnect");
    this.running = false;
  }

  async subscribe(subscription: ConsumerSubscribeTopics | ConsumerSubscribeTopic): Promise<void> {
    this.calls.push("subscribe");
    this.subscriptions.push(subscription);
  }

  async run(config?: ConsumerRunConfig): Promise<void> {
    this.calls.push("run");
    this.runConfig = config;
    this.running = true;
    if (this.assignment) this.join(this.assignment);
  }

  async commitOffsets(offsets: TopicPartitionOffsetAndMetadata[]): Promise<void> {
    this.calls.push("commit");
    if (!this.running) throw new Error("Consumer group was not initialized");
    if (this.failCommits) throw new Error("REBALANCE_IN_PROGRESS");
    this.commits.push(offsets);
    for (const o of offsets) this.committedOffsets.set(key(o.topic, o.partition), Number(o.offset));
  }

  pause(topics: { topic: string; partitions?: number[] }[]): void {
    if (!this.running) throw new Error("Consumer group was not initialized");
    this.calls.push("pause");
    this.pauseCalls.push(topics);
    for (const t of topics) for (const p of t.partitions ?? ["*"]) this.pausedPartitions.add(`${t.topic}|${p}`);
  }

  resume(topics: { topic: string; partitions?: number[] }[]): void {
    if (!this.running) throw new Error("Consumer group was not initialized");
    this.calls.push("resume");
    this.resumeCalls.push(topics);
    for (const t of topics) for (const p of t.partitions ?? ["*"]) this.pausedPartitions.delete(`${t.topic}|${p}`);
  }

  on(eventName: ConsumerEvents[keyof ConsumerEvents], listener: Listener): () => void {
    let set = this.listeners.get(eventName);
    if (!set) this.listeners.set(eventName, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  // ----- test controls -----

  emit(eventName: string, payload: unknown): void {
    for (const listener of this.listeners.get(eventName) ?? []) {
      listener({ id: "1", type: eventName, timestamp: Date.now(), payload });
    }
  }

  /** A (re)join like kafkajs's: resolved offsets fall back to the committed ones, then GROUP_JOIN. */
  join(assignment: Record<string, number[]>, { losePauseState = false } = {}): void {
    this.resolvedOffsets.clear();
    if (losePauseState) this.pausedPartitions.clear();
    this.emit(this.events.GROUP_JOIN, { groupId: this.config.groupId, memberId: "m1", memberAssignment: assignment });
  }

  /** Like kafkajs's onCrash: disconnect first, then emit CRASH. */
  crash(error: Error, restart: boolean): void {
    this.running = false;
    this.pausedPartitions.clear();
    this.emit(this.events.CRASH, { error, groupId: this.config.groupId, restart });
  }

  /** Appends records with the given values to a partition's log. */
  append(topic: string, partition: number, values: (Buffer | string | null)[]): void {
    const log = this.logs.get(key(topic, partition)) ?? [];
    for (const value of values) log.push(message(log.length, value));
    this.logs.set(key(topic, partition), log);
    this.highWatermarks.set(key(topic, partition), log.length);
  }

  /** Next fetch offset, like kafkajs: the resolved offset, else the committed one, else 0. */
  position(topic: string, partition: number): number {
    const k = key(topic, partition);
    return this.resolvedOffsets.get(k) ?? this.committedOffsets.get(k) ?? 0;
  }

  committed(topic: string, partition: number): number | undefined {
    return this.committedOffsets.get(key(topic, partition));
  }

  /**
   * One fetch of one partition from its current position (skipped if paused or nothing new); emits FETCH_START and
   * FETCH like kafkajs.
   */
  async poll(topic: string, partition: number, max = 100): Promise<Delivery> {
    this.emit(this.events.FETCH_START, { nodeId: 1 });
    this.emit(this.events.FETCH, { numberOfBatches: 0, duration: 0, nodeId: 1 });
    const from = this.position(topic, partition);
    const log = this.logs.get(key(topic, partition)) ?? [];
    const messages = log.slice(from, from + max);
    const paused = this.pausedPartitions.has(`${topic}|*`) || this.pausedPartitions.has(`${topic}|${partition}`);
    if (paused || messages.length === 0) return { resolved: [], resolveCalls: 0, delivered: false };
    return this.deliver(topic, partition, messages, from);
  }

  /** Calls eachBatch with exactly these messages (e.g. a redelivered batch), ignoring pause state. */
  async deliver(topic: string, partition: number, messages: KafkaMessage[], fetchedOffset?: number): Promise<Delivery> {
    const eachBatch = this.runConfig?.eachBatch;
    if (!eachBatch) throw new Error("run() was not called with eachBatch");
    let highestResolved = -1;
    let resolveCalls = 0;
    const k = key(topic, partition);
    const hw = this.highWatermarks.get(k) ?? Number(messages.at(-1)?.offset ?? -1) + 1;
    const batch = {
      topic,
      partition,
      highWatermark: String(hw),
      messages,
      fetchedOffset: String(fetchedOffset ?? messages[0]?.offset ?? 0),
      isEmpty: () => messages.length === 0,
      firstOffset: () => messages[0]?.offset ?? null,
      lastOffset: () => messages.at(-1)?.offset ?? String(hw - 1),
      offsetLag: () => "0",
      offsetLagLow: () => "0",
    };
    const payload: EachBatchPayload = {
      batch,
      resolveOffset: (offset: string) => {
        resolveCalls++;
        highestResolved = Math.max(highestResolved, Number(offset));
        this.resolvedOffsets.set(k, Number(offset) + 1);
      },
      heartbeat: async () => {
        this.heartbeats++;
        const error = this.heartbeatError;
        this.heartbeatError = undefined;
        if (error) throw error;
      },
      pause: () => () => {},
      commitOffsetsIfNecessary: async () => {},
      uncommittedOffsets: () => ({ topics: [] }),
      isRunning: () => this.running,
      isStale: () => false,
    };
    await eachBatch(payload);
    const resolved = messages.filter((m) => Number(m.offset) <= highestResolved).map((m) => m.offset);
    return { resolved, resolveCalls, delivered: true };
  }
}
