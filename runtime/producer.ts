// Typed producers: what `create<Api>Producers` (generated producers.ts) builds. A ProducerRuntime owns the
// transport producers — one per distinct setting set (idempotence and requests in flight are per client producer in
// kafkajs) — and hands out a TopicProducer per topic, which encodes with the topic's encoders and sends.
//
// Shutdown race: `stop()` first refuses new sends (state "stopping"), then waits for the sends already accepted —
// each is tracked from the moment it is accepted, before any await — and only then disconnects. So every send
// that resolved was acknowledged, and none is cut off by the disconnect.

import { createConsoleLogger, type RuntimeLogger } from "./logger.js";
import type { Encoder } from "./encoders.js";
import {
  ProducerMetrics,
  type ProducerMetricsSnapshot,
  type ProducerMetricsSource,
  type SendEvent,
} from "./producer-metrics.js";
import type { KafkaConnectionOptions } from "./runtime.js";
import { kafkajsTransport } from "./transport/kafkajs.js";
import type {
  OutgoingRecord,
  ProducedRecord,
  ProducerSettings,
  RecordHeaders,
  Transport,
  TransportProducer,
} from "./transport/transport.js";

/** A send on a producer that is not running: before `start()` or from `stop()` on. */
export class ProducerStoppedError extends Error {
  /** Stable code for logs and alerting. */
  readonly code = "KEF_PRODUCER_STOPPED";
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = "ProducerStoppedError";
  }
}

/** What may go with a value. `K`: the topic's key type (`never` for `key none`, where no key may be given). */
export interface SendOptions<K> {
  /** The record's key; absent or `null`: none (the partitioner spreads such records). */
  readonly key?: K | null;
  readonly headers?: RecordHeaders;
  /** Absent: the client's partitioner chooses (by key when there is one). */
  readonly partition?: number;
  /** The record's timestamp (a `Date` or epoch milliseconds); absent: the time of sending. */
  readonly timestamp?: Date | number;
}

/** One record of {@link TopicProducer.sendBatch}. */
export interface ProducerRecord<V, K> extends SendOptions<K> {
  readonly value: V;
}

/** How one topic is produced, as generated code declares it. */
export interface TopicProducerSpec<V, K> {
  readonly topic: string;
  readonly value: Encoder<Exclude<V, null>>;
  /** Absent: `key none`, records never have a key. */
  readonly key?: Encoder<K>;
  readonly settings: ProducerSettings;
}

/** Options of a {@link ProducerRuntime}. */
export interface ProducerRuntimeOptions {
  /** Where kafkajs's logs go when the runtime creates the `Kafka` instance (default: console, `warn` and above). */
  readonly logger?: RuntimeLogger;
  /** The Kafka client behind the producers; default kafkajs over `kafka`. For tests and other clients. */
  readonly transport?: Transport;
}

/** The typed producer of one topic. `V`: its message type (`| null` with `tombstones`); `K`: its key type. */
export class TopicProducer<V, K> {
  /** @internal created by {@link ProducerRuntime.topic}. */
  constructor(
    private readonly spec: TopicProducerSpec<V, K>,
    private readonly owner: ProducerRuntime,
  ) {}

  /** The Kafka topic. */
  get topic(): string {
    return this.spec.topic;
  }

  /**
   * Encodes `value` (and `options.key`) with the topic's format and sends it; resolves once the broker acknowledged
   * it as the topic's `acks` say. Rejects with {@link ProducerStoppedError} when the producers are not running, with
   * a registry error when a Confluent schema cannot be registered or found, or with the client's error.
   */
  send(value: V, options: SendOptions<K> = {}): Promise<void> {
    return this.sendBatch([{ ...options, value }]);
  }

  /** Sends several records in one request (per partition leader); resolves once all are acknowledged. */
  sendBatch(records: readonly ProducerRecord<V, K>[]): Promise<void> {
    return this.owner.track(this.spec.topic, records.length, this.spec.settings, async (producer) => {
      // Bare Avro, string and bytes encoders answer synchronously: a promise per record only where a framed
      // schema's id may still be pending (R10 in bench/RESULTS.md).
      const encoded = records.map((r) => this.encode(r));
      const outgoing = encoded.some(isPromise) ? await Promise.all(encoded) : (encoded as OutgoingRecord[]);
      if (outgoing.length > 0) await producer.send(this.spec.topic, outgoing);
    });
  }

  /**
   * Encodes `value` (and `options.key`) with the topic's format into a record of this topic, without sending it:
   * what an exactly-once handler returns, to be produced in its transaction (runtime/exactly-once.ts). Needs no
   * `start()`; a Confluent schema is registered (or looked up) here, as for `send`.
   */
  async record(value: V, options: SendOptions<K> = {}): Promise<ProducedRecord> {
    return { topic: this.spec.topic, ...(await this.encode({ ...options, value })) };
  }

  private encode(r: ProducerRecord<V, K>): OutgoingRecord | Promise<OutgoingRecord> {
    const value = r.value === null ? null : this.spec.value.encode(r.value as Exclude<V, null>);
    let key: Buffer | Promise<Buffer> | null = null;
    if (r.key !== undefined && r.key !== null) {
      if (!this.spec.key) throw new TypeError(`topic "${this.spec.topic}" says key none: a record cannot have a key`);
      key = this.spec.key.encode(r.key);
    }
    if (isPromise(value) || isPromise(key)) return Promise.all([value, key]).then(([v, k]) => outgoingRecord(r, v, k));
    return outgoingRecord(r, value, key);
  }
}

function outgoingRecord(r: SendOptions<unknown>, value: Buffer | null, key: Buffer | null): OutgoingRecord {
  // The common record has none of the options: no spreads to build (R10 in bench/RESULTS.md).
  if (r.headers === undefined && r.partition === undefined && r.timestamp === undefined) return { key, value };
  return {
    key,
    value,
    ...(r.headers ? { headers: r.headers } : {}),
    ...(r.partition !== undefined ? { partition: r.partition } : {}),
    ...(r.timestamp !== undefined
      ? { timestamp: String(r.timestamp instanceof Date ? r.timestamp.getTime() : r.timestamp) }
      : {}),
  };
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return value instanceof Promise;
}

/**
 * Runs the typed producers of a kefgen declaration. `start()` connects, `stop()` waits for every accepted send and
 * disconnects; a runtime is started once.
 */
export class ProducerRuntime implements ProducerMetricsSource {
  private readonly transport: Transport;
  private readonly counts = new ProducerMetrics();
  private readonly producers = new Map<string, { settings: ProducerSettings; producer?: TransportProducer }>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private state: "new" | "starting" | "running" | "stopping" | "stopped" = "new";
  private stopPromise: Promise<void> | undefined;

  constructor(kafka: KafkaConnectionOptions, options: ProducerRuntimeOptions = {}) {
    this.transport = options.transport ?? kafkajsTransport(kafka, { logger: options.logger ?? createConsoleLogger() });
  }

  /** Declares a topic's producer (generated code calls this once per topic, before `start()`). */
  topic<V, K>(spec: TopicProducerSpec<V, K>): TopicProducer<V, K> {
    if (this.state !== "new") throw new Error(`producer of topic "${spec.topic}" declared after start()`);
    const key = settingsKey(spec.settings);
    if (!this.producers.has(key)) this.producers.set(key, { settings: spec.settings });
    return new TopicProducer(spec, this);
  }

  /** Connects the client producers. Rejects when a broker cannot be reached (then nothing stays connected). */
  async start(): Promise<void> {
    if (this.state !== "new") throw new Error("the producers were already started; create new ones after stop()");
    this.state = "starting";
    const connected: TransportProducer[] = [];
    try {
      for (const entry of this.producers.values()) {
        const producer = this.transport.createProducer(entry.settings);
        await producer.connect();
        connected.push(producer);
        entry.producer = producer;
      }
    } catch (error) {
      this.state = "stopped";
      await Promise.allSettled(connected.map((p) => p.disconnect()));
      throw error;
    }
    this.state = "running";
  }

  /** Refuses new sends, waits for those already accepted (acknowledged or failed), then disconnects. Idempotent. */
  stop(): Promise<void> {
    this.stopPromise ??= (async () => {
      const wasRunning = this.state === "running";
      this.state = "stopping";
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      if (wasRunning) await Promise.allSettled([...this.producers.values()].map((e) => e.producer?.disconnect()));
      this.state = "stopped";
    })();
    return this.stopPromise;
  }

  /** Records sent and failed, and send durations, per topic, since start (sends refused before start or after stop are not counted). */
  metrics(): ProducerMetricsSnapshot {
    return this.counts.metrics();
  }

  /** Calls `listener` after every accepted send settles (what the exporters' histograms record); returns its remover. */
  onSend(listener: (event: SendEvent) => void): () => void {
    return this.counts.onSend(listener);
  }

  /** @internal runs one send of `records` records to `topic` on the client producer of `settings`, tracked until it settles and counted. */
  track(
    topic: string,
    records: number,
    settings: ProducerSettings,
    run: (producer: TransportProducer) => Promise<void>,
  ): Promise<void> {
    if (this.state !== "running") {
      const why =
        this.state === "new" || this.state === "starting"
          ? "call start() first"
          : "they were stopped; create new producers to send again";
      return Promise.reject(new ProducerStoppedError(`cannot send: the producers are not running (${why})`));
    }
    const producer = this.producers.get(settingsKey(settings))!.producer!;
    const startedAt = performance.now();
    const sending = run(producer);
    this.inFlight.add(sending);
    // Counted before the sender sees the outcome, so a caller that awaited its sends reads counts that include them.
    const settled = (failure?: { error: unknown }) => {
      this.inFlight.delete(sending);
      this.counts.record({
        topic,
        records,
        durationMs: performance.now() - startedAt,
        ...(failure ? { error: failure.error ?? new Error("send rejected") } : {}),
      });
    };
    return sending.then(
      () => settled(),
      (error: unknown) => {
        settled({ error });
        throw error;
      },
    );
  }
}

function settingsKey(s: ProducerSettings): string {
  return `${s.acks}/${s.idempotent}/${s.compression}/${s.maxInFlight}`;
}

/** What `create<Api>Producers` returns: the typed producer of each topic, the runtime's start and stop, and its metrics. */
export interface Producers<T> extends ProducerMetricsSource {
  /** One {@link TopicProducer} per topic that asks for one, by handler name. */
  readonly topics: T;
  /** Connects; see {@link ProducerRuntime.start}. */
  start(): Promise<void>;
  /** Waits for every accepted send, then disconnects; see {@link ProducerRuntime.stop}. */
  stop(): Promise<void>;
}

/** Binds the topic producers of `runtime` into a {@link Producers} (generated code calls it). */
export function producersOf<T>(runtime: ProducerRuntime, topics: T): Producers<T> {
  return {
    topics,
    start: () => runtime.start(),
    stop: () => runtime.stop(),
    metrics: () => runtime.metrics(),
    onSend: (listener) => runtime.onSend(listener),
  };
}
