// Connection: one kafkajs consumer (one ConnectionSpec) feeding one TopicChannel per topic.
//
// The kafkajs traps this class is built around (see docs/pitfalls): kafkajs heartbeats only between
// batches and fetches one response at a time, so `eachBatch` only routes records into buffers and
// returns; it never awaits a handler. Offsets are resolved when a record is *accepted* (that is the
// fetch position) and committed when it is *handled* (OffsetTracker), never by kafkajs's auto-commit.

import type { Consumer, ConsumerConfig, ConsumerEvents, ConsumerRunConfig, EachBatchPayload, InstrumentationEvent } from "kafkajs";
import { DEFAULT_MISSING_TOPICS, type ConnectionSpec } from "./types.js";
import { backoffDelay, type BackoffSettings } from "./backoff.js";
import { connectWithin, DEFAULT_CONNECT_TIMEOUT_MS } from "./broker-connect.js";
import { isMissingTopicError, TopicMissingError } from "./errors.js";
import { RuntimeEvents, type RuntimeEventEmitter } from "./events.js";
import { namespaced, type RuntimeLogger } from "./logger.js";
import type { ConnectionMetrics, ConnectionState, CrashInfo, PartitionLag } from "./metrics.js";
import { OffsetTracker, parseOffset, type PartitionOffsets, type PendingCommit } from "./offset-tracker.js";
import { TopicChannel } from "./topic-channel.js";
import { DEFAULT_MISSING_TOPIC_CHECK_MS, TopicAvailability, type TopicDirectory } from "./topic-availability.js";

/**
 * The part of a kafkajs `Consumer` a connection uses. `kafka.consumer(config)` satisfies it; tests
 * pass an in-process fake.
 */
export type ConsumerPort = Pick<Consumer, "connect" | "disconnect" | "subscribe" | "run" | "commitOffsets" | "pause" | "resume" | "events"> & {
  on(eventName: ConsumerEvents[keyof ConsumerEvents], listener: (event: InstrumentationEvent<any>) => void): () => void;
};

/** Creates the consumer of a connection, e.g. `(config) => kafka.consumer(config)`. */
export type ConsumerFactory = (config: ConsumerConfig) => ConsumerPort;

/** How a connection restarts a consumer that crashed and that kafkajs does not restart itself. */
export interface RestartSettings extends BackoffSettings {
  /** Consecutive failed restarts before the connection gives up (state `crashed`). */
  readonly maxAttempts: number;
}

/** Restarts: 1 s doubling to 30 s, without limit (a consumer that silently stops is worse than a noisy one). */
export const DEFAULT_RESTART: RestartSettings = { initialDelayMs: 1_000, maxDelayMs: 30_000, maxAttempts: Number.POSITIVE_INFINITY };

/** Construction parameters of a {@link Connection}. */
export interface ConnectionOptions {
  readonly spec: ConnectionSpec;
  readonly createConsumer: ConsumerFactory;
  readonly events: RuntimeEventEmitter;
  /** The runtime's logger; the connection namespaces it as `kefgen.connection.<name>`. */
  readonly logger: RuntimeLogger;
  /** Backoff between attempts of a failing handler. */
  readonly handlerRetry?: BackoffSettings;
  readonly restart?: RestartSettings;
  /** How long `stop()` waits for the final commit, and then for leaving the group (default 5 s each). */
  readonly commitOnStopTimeoutMs?: number;
  /** Least time between two "dropping records" log lines of one topic (default 10 s). */
  readonly dropLogIntervalMs?: number;
  /** Tells which topics exist, when kafkajs reports a missing one. Without it such a crash is restarted like any other. */
  readonly topicDirectory?: TopicDirectory;
  /** How often missing topics are looked for (default {@link DEFAULT_MISSING_TOPIC_CHECK_MS}). */
  readonly missingTopicCheckMs?: number;
  /** How long the consumer may take to connect to a broker at start (default {@link DEFAULT_CONNECT_TIMEOUT_MS}). */
  readonly connectTimeoutMs?: number;
  /** The bootstrap brokers, for error messages (absent when a `Kafka` instance was passed). */
  readonly brokers?: readonly string[];
}

type CommitReason = "interval" | "rebalance" | "stop";

/**
 * Under ApplyBackpressure a batch that meets a full buffer waits for room only while the handler
 * takes a record at least every this many milliseconds; otherwise the topic is paused.
 */
export const ROOM_IDLE_MS = 25;
/**
 * On a connection with several topics, the longest the batches of one fetch response wait for room,
 * all together. Past it a batch that meets a full buffer leaves its rest for the next fetch (without
 * pausing), so the batches of the other topics get their turn: one topic delays the others by at most
 * this much per fetch. A connection with one topic waits as long as its handler keeps taking records
 * (it delays nobody).
 */
export const MAX_HOLD_MS = 200;

/** What a batch that met a full buffer does next (see Connection.waitForRoom). */
type RoomDecision = "room" | "pause" | "yield";

/**
 * One Kafka consumer (group member) and the topics of one {@link ConnectionSpec}.
 *
 * Owns: the consumer, one {@link TopicChannel} per topic, the {@link OffsetTracker} of the partitions
 * it is assigned, the set of topics it paused for backpressure (kafkajs's own pause state is lost or
 * wrong across rejoins and restarts, so this set is the truth and is re-applied on every group join),
 * the commit loop, and crash restarts.
 */
export class Connection {
  /** The connection's name (`"shared"` or the exclusive connection's name). */
  readonly name: string;

  private readonly spec: ConnectionSpec;
  private readonly logger: RuntimeLogger;
  private readonly channels = new Map<string, TopicChannel>();
  private readonly trackers = new OffsetTracker();
  /** Topics paused for backpressure. Only this class adds to or removes from it. */
  private readonly pausedTopics = new Set<string>();
  private readonly restart: RestartSettings;
  private readonly commitOnStopTimeoutMs: number;
  /** Which topics exist; the consumer is subscribed to `availability.present()` only. */
  private readonly availability: TopicAvailability;
  /** Consumer replacements (topic set changed) run one after the other. */
  private replacing: Promise<void> = Promise.resolve();

  private consumer: ConsumerPort | undefined;
  private removeListeners: (() => void)[] = [];
  private currentState: ConnectionState = "stopped";
  private started = false;
  private stopping = false;
  private joined = false;
  private joinWaiter: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  private stopPromise: Promise<void> | undefined;
  private commitTimer: NodeJS.Timeout | undefined;
  private commitInFlight: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartAttempt = 0;
  private restartCount = 0;
  private lastCrash: CrashInfo | null = null;
  private nextRestartAt: number | null = null;
  private watchdogTimer: NodeJS.Timeout | undefined;
  /** Ends a rebalance hold that no group join or crash ended (see onRebalancing). */
  private holdTimer: NodeJS.Timeout | undefined;
  /**
   * When the batches of the current fetch response must stop waiting for room (several topics only).
   * Set by the first batch that waits, cleared by kafkajs's FETCH event (a new response).
   */
  private responseHoldUntil: number | undefined;

  /** @param options see {@link ConnectionOptions}. */
  constructor(private readonly options: ConnectionOptions) {
    this.spec = options.spec;
    this.name = options.spec.name;
    this.logger = namespaced(options.logger, `kefgen.connection.${this.name}`);
    this.restart = options.restart ?? DEFAULT_RESTART;
    this.commitOnStopTimeoutMs = options.commitOnStopTimeoutMs ?? 5_000;
    for (const binding of options.spec.topics) {
      if (this.channels.has(binding.topic)) {
        throw new Error(`connection "${this.name}" declares topic "${binding.topic}" twice`);
      }
      this.channels.set(
        binding.topic,
        new TopicChannel({
          connection: this.name,
          binding,
          events: options.events,
          logger: namespaced(options.logger, `kefgen.channel.${binding.topic}`),
          ...(options.handlerRetry ? { retry: options.handlerRetry } : {}),
          ...(options.dropLogIntervalMs !== undefined ? { dropLogIntervalMs: options.dropLogIntervalMs } : {}),
          onDrained: (channel) => this.resumeIfDrained(channel),
        }),
      );
    }
    this.availability = new TopicAvailability({
      connection: this.name,
      topics: [...this.channels.keys()],
      directory: options.topicDirectory ?? {
        existing: () => Promise.reject(new Error("no topic directory")),
        close: () => Promise.resolve(),
      },
      events: options.events,
      logger: this.logger,
      checkIntervalMs: options.missingTopicCheckMs ?? DEFAULT_MISSING_TOPIC_CHECK_MS,
      onReturned: () => void this.resubscribe(),
    });
  }

  /** The consumer's lifecycle state. */
  get state(): ConnectionState {
    return this.currentState;
  }

  /** The group id of this connection's consumer. */
  get groupId(): string {
    return this.spec.settings.groupId;
  }

  /** The kafkajs consumer settings derived from the spec. */
  consumerConfig(): ConsumerConfig {
    const s = this.spec.settings;
    return {
      groupId: s.groupId,
      sessionTimeout: s.sessionTimeoutMs,
      heartbeatInterval: s.heartbeatIntervalMs,
      // kafkajs has no max.poll.interval.ms; the rebalance timeout is what Java sends for it in JoinGroup.
      rebalanceTimeout: s.maxPollIntervalMs,
      minBytes: s.fetchMinBytes,
      maxWaitTimeInMs: s.fetchMaxWaitMs,
      allowAutoTopicCreation: false,
      // kafkajs's default consumer retries (5), but never its own restart after a missing topic: it
      // would rejoin with the same subscription every 300 ms, forever (the connection drops the topic).
      retry: { retries: 5, restartOnFailure: async (error: Error) => !isMissingTopicError(error) },
    };
  }

  /**
   * Creates the consumer, subscribes every topic, starts the dispatchers and resolves once the
   * consumer joined its group. Rejects (and cleans up) if connecting or subscribing fails, or the
   * consumer crashes for good before its first join. A connection is started at most once.
   */
  async start(): Promise<void> {
    if (this.started) throw new Error(`connection "${this.name}" was already started`);
    this.started = true;
    this.currentState = "starting";
    const settings = this.spec.settings;
    if (settings.enableAutoCommit) {
      this.logger.warn("enableAutoCommit is on: records count as done when buffered (at-most-once); a crash loses buffered records", {
        groupId: settings.groupId,
      });
    }
    for (const channel of this.channels.values()) channel.start();

    const joined = new Promise<void>((resolve, reject) => (this.joinWaiter = { resolve, reject }));
    joined.catch(() => {}); // observed below; avoids an unhandled rejection if connect() fails first
    try {
      try {
        await this.launch(this.availability.present());
      } catch (error) {
        // kafkajs's subscribe() fails at once on a missing topic, without naming it.
        if (this.stopping || !isMissingTopicError(error)) throw error;
        await this.startWithoutMissingTopics(error);
      }
      // kafkajs's run() resolves after the first join, or after a crash it reports as an event only.
      if (this.consumer) await joined;
      else this.startWaiting();
    } catch (error) {
      this.joinWaiter = undefined;
      if (!this.stopping) {
        this.logger.error("could not start the consumer", { groupId: settings.groupId, error });
        this.currentState = "crashed";
        await this.releaseAfterFailedStart();
      }
      throw error;
    }
    // Race: stop() may have run while start() awaited the join; then no commit loop may start.
    if (!this.stopping) {
      this.commitTimer = setInterval(() => void this.commit("interval"), settings.autoCommitIntervalMs);
      const limit = settings.maxPollIntervalMs;
      this.watchdogTimer = setInterval(() => this.checkSlowHandlers(limit), Math.min(5_000, Math.max(50, Math.floor(limit / 10))));
    }
  }

  /**
   * Stops the connection: stop fetching, let the handler call in flight on each topic finish until
   * `deadline` (epoch ms), commit what was handled, then disconnect (a clean leave of the group).
   * Queued records that were not started are not committed and go to the next owner. Idempotent.
   */
  stop(options: { deadline: number }): Promise<void> {
    if (!this.started) return Promise.resolve();
    this.stopPromise ??= this.shutdown(options.deadline);
    return this.stopPromise;
  }

  /**
   * Called when kafkajs logged that a partition's offset was out of range and reset (kafkajs does
   * this silently otherwise). Emits `offsetReset`; the next batch of the partition starts a new tracker.
   */
  noteOffsetReset(topic: string, partition: number): void {
    if (!this.channels.has(topic)) return;
    const offsets = this.trackers.get(topic, partition);
    if (offsets) offsets.resetPending = true;
    this.logger.warn("kafkajs reset a partition's offset (offset out of range)", { topic, partition });
    this.options.events.emit(RuntimeEvents.OFFSET_RESET, {
      connection: this.name,
      topic,
      partition,
      expectedOffset: offsets?.fetchPosition === undefined ? undefined : String(offsets.fetchPosition),
      fetchedOffset: undefined,
      detectedBy: "kafkajs",
    });
  }

  /** Commits every partition whose handled position advanced. Single flight: joins a commit already running. */
  commit(reason: CommitReason = "interval"): Promise<void> {
    if (this.commitInFlight) return this.commitInFlight;
    const consumer = this.consumer;
    const pending = this.trackers.pendingCommits();
    if (!consumer || pending.length === 0) return Promise.resolve();
    this.commitInFlight = this.sendCommit(consumer, pending, reason).finally(() => (this.commitInFlight = undefined));
    return this.commitInFlight;
  }

  /** State, topic counters and per-partition lag. */
  metrics(): ConnectionMetrics {
    const lag: PartitionLag[] = this.trackers
      .all()
      .map((offsets) => {
        const committable = offsets.committable() ?? null;
        const highWatermark = offsets.highWatermark ?? null;
        return {
          topic: offsets.topic,
          partition: offsets.partition,
          committed: offsets.lastCommitted ?? null,
          committable,
          position: offsets.fetchPosition ?? null,
          highWatermark,
          lag: highWatermark === null || committable === null ? null : Math.max(0, highWatermark - committable),
        };
      })
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    return {
      name: this.name,
      kind: this.spec.kind,
      groupId: this.groupId,
      state: this.currentState,
      restarts: this.restartCount,
      lastCrash: this.lastCrash,
      nextRestartAt: this.currentState === "restarting" ? this.nextRestartAt : null,
      missingTopics: this.availability.missingTopics(),
      topicsFoundMissing: this.availability.timesMissing,
      topics: [...this.channels.values()].map((channel) => ({ ...channel.metrics(), missing: this.availability.isMissing(channel.topic) })),
      lag,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // The consumer and its topic set (kafkajs cannot unsubscribe: a new topic set is a new consumer)

  /** Creates, connects (within `connectTimeoutMs`), subscribes and runs a consumer for `topics`; none if empty. */
  private async launch(topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return;
    const consumer = this.options.createConsumer(this.consumerConfig());
    this.consumer = consumer;
    this.listen(consumer);
    await connectWithin(() => consumer.connect(), {
      connection: this.name,
      brokers: this.options.brokers ?? [],
      timeoutMs: this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    });
    // Race: stop() ran meanwhile and may already have disconnected the consumer it saw; this one
    // must not stay connected (or join) behind its back.
    const abandon = async (): Promise<void> => void (await consumer.disconnect().catch(() => {}));
    if (this.stopping) return abandon();
    await consumer.subscribe({ topics: [...topics], fromBeginning: this.spec.settings.autoOffsetReset === "earliest" });
    if (this.stopping) return abandon();
    await consumer.run(this.runConfig());
    if (this.stopping) return abandon();
  }

  /**
   * start() met a missing topic. `missingTopics = fail`: reject with the topics' names. `wait`: run a
   * new consumer on the topics that exist (none: state `waiting`) and look for the others periodically.
   * If the cluster says every topic exists after all (it was just created), start once more with all.
   */
  private async startWithoutMissingTopics(error: unknown): Promise<void> {
    const waiting = (this.spec.settings.missingTopics ?? DEFAULT_MISSING_TOPICS) === "wait";
    try {
      await this.availability.check("start", waiting);
    } catch (directoryError) {
      this.logger.debug("could not ask which topics exist", { error: directoryError });
      throw error;
    }
    const missing = this.availability.missingTopics();
    if (missing.length > 0 && !waiting) throw new TopicMissingError(this.name, missing, { cause: error });
    await this.dropConsumer();
    await this.launch(this.availability.present());
    this.availability.watch();
  }

  /** No topic of the connection exists: no consumer, no group membership; the availability check goes on. */
  private startWaiting(): void {
    this.currentState = "waiting";
    this.releaseHold();
    this.availability.watch();
    // A start() waiting for the first join is done: there is nothing to join until a topic exists.
    const waiter = this.joinWaiter;
    this.joinWaiter = undefined;
    waiter?.resolve();
  }

  /** Leaves the group with the current consumer (bounded) and forgets what it owned. */
  private async dropConsumer(): Promise<void> {
    const old = this.consumer;
    for (const remove of this.removeListeners) remove();
    this.removeListeners = [];
    this.consumer = undefined;
    if (old) await settlesBy(old.disconnect().catch(() => {}), Date.now() + this.commitOnStopTimeoutMs);
    const revoked = this.trackers.forgetAll();
    this.purge(new Set(revoked));
  }

  /** Replaces the consumer by one on the topics that exist now. Serialised; failures restart with backoff. */
  private replaceConsumer(): Promise<void> {
    this.replacing = this.replacing.then(async () => {
      if (this.stopping) return;
      await this.dropConsumer();
      if (this.stopping) return;
      const topics = this.availability.present();
      if (topics.length === 0) return this.startWaiting();
      try {
        await this.launch(topics);
      } catch (error) {
        if (this.stopping) return;
        if (isMissingTopicError(error)) void this.recoverFromMissingTopic(error);
        else this.scheduleRestart(error);
      }
    });
    return this.replacing;
  }

  /**
   * kafkajs reported a missing topic (the consumer crashed, or a new one could not subscribe). Asks
   * which topics exist: missing ones are dropped (`topicMissing`) and the consumer is replaced by one
   * on the others, which go on; if none is missing after all, it is a normal restart with backoff.
   * Before the first join with `missingTopics = fail`, start() fails naming the topics.
   */
  private async recoverFromMissingTopic(error: unknown): Promise<void> {
    const failStart = !this.joined && (this.spec.settings.missingTopics ?? DEFAULT_MISSING_TOPICS) === "fail";
    let newlyMissing: string[] = [];
    try {
      ({ newlyMissing } = await this.availability.check(this.joined ? "running" : "start", !failStart));
    } catch (directoryError) {
      this.logger.debug("could not ask which topics exist", { error: directoryError });
    }
    if (this.stopping) return;
    const missing = this.availability.missingTopics();
    // Nothing newly missing (the cluster still lists the topic, or cannot be asked): replacing the
    // consumer at once could loop as fast as kafkajs fails, so this is an ordinary restart with backoff.
    if (newlyMissing.length === 0) return this.scheduleRestart(error);
    if (failStart) {
      this.currentState = "crashed";
      if (this.lastCrash) this.lastCrash = { ...this.lastCrash, restarting: false };
      this.options.events.emit(RuntimeEvents.CRASH, { connection: this.name, error, restarting: false });
      const waiter = this.joinWaiter;
      this.joinWaiter = undefined;
      waiter?.reject(new TopicMissingError(this.name, missing, { cause: error }));
      return;
    }
    this.restartCount++;
    this.currentState = "restarting";
    this.logger.warn("topics do not exist: consuming the others without them", { missing, error });
    this.options.events.emit(RuntimeEvents.CRASH, { connection: this.name, error, restarting: true });
    await this.replaceConsumer();
    this.availability.watch();
  }

  /**
   * Missing topics exist again: a planned rejoin with the full topic set. Like a rebalance, every
   * dispatcher is held and what was handled is committed first, so only the calls in flight can be
   * handled again (by whoever owns their partition next).
   */
  private async resubscribe(): Promise<void> {
    if (this.stopping) return;
    if (this.currentState === "running") this.currentState = "rebalancing";
    for (const channel of this.channels.values()) channel.hold();
    clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => this.releaseHold(), this.spec.settings.maxPollIntervalMs);
    await settlesBy(this.commit("rebalance"), Date.now() + this.commitOnStopTimeoutMs);
    await this.replaceConsumer();
  }

  // ---------------------------------------------------------------------------------------------
  // Routing (eachBatch)

  private runConfig(): ConsumerRunConfig {
    return {
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload),
    };
  }

  /**
   * Routes one fetched batch (one partition) into its topic's buffer and returns without waiting
   * for any handler to finish. Per record, in batch order:
   * - already accepted (offset < fetch position): resolve and skip (kafkajs redelivers after pause
   *   and from the committed offset after a rejoin);
   * - past `maxPollRecords` routed records: stop, unresolved (fetched again);
   * - buffer full under ApplyBackpressure: wait for room while the handler keeps taking records (see
   *   {@link waitForRoom}); if it does not, pause the topic and stop, leaving this record and the rest
   *   unresolved: kafkajs fetches them again from the resolved offset after resume, so nothing is
   *   lost or reordered, and the buffer never holds more than its capacity;
   * - otherwise: track and resolve (records a drop mode discarded are tracked as done).
   */
  private async onBatch({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    // Stopping: resolve nothing, the records go to the next owner of the partition.
    if (this.stopping) return;
    const channel = this.channels.get(batch.topic);
    if (!channel) {
      this.logger.warn("received a batch of a topic this connection does not consume", { topic: batch.topic });
      return;
    }
    // Race: one fetch response holds batches of several partitions, and kafkajs hands all of them
    // over even if an earlier batch of the same response made this loop pause the topic. Routing
    // nothing and resolving nothing leaves kafkajs's position untouched; the batch is fetched again
    // after resume.
    if (this.pausedTopics.has(batch.topic)) return;

    const offsets = this.offsetsFor(batch);
    const atMostOnce = this.spec.settings.enableAutoCommit;
    const maxRecords = this.spec.settings.maxPollRecords ?? Number.POSITIVE_INFINITY;
    // The hold budget is per fetch response, not per batch: a response holds one batch per partition.
    const holdUntil = this.channels.size > 1 ? (this.responseHoldUntil ??= Date.now() + MAX_HOLD_MS) : Number.POSITIVE_INFINITY;
    const beat = new Heartbeat(heartbeat, this.spec.settings.heartbeatIntervalMs);
    let routed = 0;
    // kafkajs's resolveOffset(o) moves the partition's fetch position to o + 1 and costs two Long
    // conversions, so it is called once, for the last record routed or skipped, when the loop ends
    // (also by an exception: then kafkajs rejoins or retries and the runtime skips what it has).
    let resolveUpTo: string | undefined;
    try {
      for (const message of batch.messages) {
        const offset = parseOffset(message.offset);
        if (offsets.isDuplicate(offset)) {
          resolveUpTo = message.offset;
          continue;
        }
        if (routed >= maxRecords) break;
        const record = { topic: batch.topic, partition: batch.partition, offset, message, offsets };
        let result = channel.offer(record);
        if (result.kind === "full") {
          const decision = await this.waitForRoom(channel, holdUntil, beat);
          // Race: stop() ran during the wait. Route nothing more; shutdown pauses every topic.
          if (this.stopping) return;
          // Offer again whatever the decision: the dispatcher may have made room since it was taken.
          // Pausing only while the buffer is full right now (synchronously) is what guarantees that a
          // later take drains it to the resume threshold and resumes the topic.
          result = channel.offer(record);
          if (result.kind === "full") {
            if (decision !== "yield") this.pauseTopic(channel);
            break;
          }
        }
        routed++;
        // Safe to track after offer(): the dispatcher cannot take the record before this synchronous step ends.
        offsets.track(offset, atMostOnce || result.kind === "droppedNewest");
        resolveUpTo = message.offset;
      }
    } finally {
      if (resolveUpTo !== undefined) resolveOffset(resolveUpTo);
    }
    // A rebalance error thrown here is what makes kafkajs rejoin; let it propagate.
    await heartbeat();
  }

  /**
   * Decides what a batch does when `channel`'s buffer is full, waiting inside the batch callback for
   * the dispatcher to drain it when that pays off:
   * - "pause" at once when the buffer holds at least `fetchMaxWaitMs` of work at the handler's pace,
   *   or the handler is slower than {@link ROOM_IDLE_MS} per record (see TopicChannel.shouldWaitForRoom);
   *   "pause" too when the handler takes no record for {@link ROOM_IDLE_MS} during the wait;
   * - "room" once the buffer drained to its resume threshold;
   * - "yield" when the hold budget `holdUntil` of the fetch response is spent (it may already be on
   *   entry) while the handler still makes progress: the
   *   rest of the batch is left unresolved without pausing (fetched again right away).
   *
   * Why wait at all: kafkajs picks up a resumed topic only at its next fetch, and with every
   * assigned partition paused it first sleeps `fetchMaxWaitMs` (consumerGroup.fetch), so pausing a
   * buffer whose handler drains it in less than that leaves the handler idle at every pause, and the
   * rest of the batch is fetched and decoded again.
   * kafkajs sends no heartbeat while this callback runs (pitfall 1), so `beat` heartbeats every
   * `heartbeatIntervalMs`; a rebalance error from it propagates and kafkajs rejoins.
   */
  private async waitForRoom(channel: TopicChannel, holdUntil: number, beat: Heartbeat): Promise<RoomDecision> {
    if (!channel.shouldWaitForRoom(ROOM_IDLE_MS, this.spec.settings.fetchMaxWaitMs)) return "pause";
    for (;;) {
      if (Date.now() >= holdUntil) return "yield";
      const result = await channel.waitForRoom(ROOM_IDLE_MS, Math.min(holdUntil, beat.due()));
      if (this.stopping) return "pause";
      await beat.ifDue();
      if (result === "room") return "room";
      if (result !== "deadline") return "pause";
    }
  }

  /**
   * The tracker of the batch's partition, created at the batch's fetch offset if new. Compares the
   * fetch offset with the tracker's fetch position:
   * - below it: normal refetch (duplicates are skipped record by record), unless it is also below the
   *   last commit, which only a reset can explain, except in the first batch after a group join
   *   (see PartitionOffsets.rejoined);
   * - above it: kafkajs skipped records the runtime never saw (transaction markers, aborted records);
   * - kafkajs reported a reset: start over.
   * On a reset the old tracker is replaced (not revoked): records already buffered are still handled,
   * but their completion can no longer commit into the new position.
   */
  private offsetsFor(batch: EachBatchPayload["batch"]): PartitionOffsets {
    const { topic, partition } = batch;
    const rawFetched = (batch as { fetchedOffset?: string }).fetchedOffset ?? batch.firstOffset() ?? undefined;
    const fetched = rawFetched === undefined ? undefined : parseOffset(rawFetched);
    let offsets = this.trackers.get(topic, partition);
    if (offsets && fetched !== undefined && offsets.fetchPosition !== undefined) {
      const expected = offsets.fetchPosition;
      const belowCommit = !offsets.rejoined && offsets.lastCommitted !== undefined && fetched < offsets.lastCommitted;
      if (offsets.resetPending || belowCommit) {
        if (!offsets.resetPending) {
          this.logger.warn("partition continues before its last commit; treating it as an offset reset", { topic, partition, expected, fetched });
          this.options.events.emit(RuntimeEvents.OFFSET_RESET, {
            connection: this.name,
            topic,
            partition,
            expectedOffset: String(expected),
            fetchedOffset: String(fetched),
            detectedBy: "fetchPosition",
          });
        }
        this.trackers.detach(topic, partition);
        offsets = undefined;
      } else if (fetched > expected) {
        offsets.skipTo(fetched);
      }
    }
    if (offsets) offsets.rejoined = false;
    offsets ??= this.trackers.getOrCreate(topic, partition, fetched);
    const highWatermark = Number(batch.highWatermark);
    if (Number.isSafeInteger(highWatermark) && highWatermark >= 0) offsets.highWatermark = highWatermark;
    return offsets;
  }

  // ---------------------------------------------------------------------------------------------
  // Backpressure

  private pauseTopic(channel: TopicChannel): void {
    if (this.pausedTopics.has(channel.topic)) return;
    this.pausedTopics.add(channel.topic);
    channel.paused = true;
    try {
      this.consumer?.pause([{ topic: channel.topic }]);
    } catch (error) {
      // Not running (restart in progress): the pause set is re-applied on the next group join.
      this.logger.debug("pause deferred to the next group join", { topic: channel.topic, error });
    }
    this.logger.info("buffer full: paused fetching", { topic: channel.topic, capacity: channel.metrics().capacity });
    this.options.events.emit(RuntimeEvents.PAUSED, { connection: this.name, topic: channel.topic });
  }

  /**
   * Resumes a topic this connection paused once its buffer is drained to the resume threshold.
   * Race: this runs from the dispatcher, between batches; kafkajs picks the resumed topic up at its
   * next fetch, from the resolved offset, which is exactly where routing stopped.
   */
  private resumeIfDrained(channel: TopicChannel): void {
    if (!this.pausedTopics.has(channel.topic) || !channel.isDrained()) return;
    this.pausedTopics.delete(channel.topic);
    channel.paused = false;
    if (this.stopping) return; // everything stays paused while stopping
    try {
      this.consumer?.resume([{ topic: channel.topic }]);
    } catch (error) {
      // Not running: a restarted consumer starts unpaused and the pause set no longer has the topic.
      this.logger.debug("resume while the consumer is not running", { topic: channel.topic, error });
    }
    this.logger.info("buffer drained: resumed fetching", { topic: channel.topic });
    this.options.events.emit(RuntimeEvents.RESUMED, { connection: this.name, topic: channel.topic });
  }

  private checkSlowHandlers(limitMs: number): void {
    const now = Date.now();
    for (const channel of this.channels.values()) channel.reportSlowHandlers(now, limitMs);
  }

  private reapplyPauses(): void {
    const topics = this.stopping ? [...this.channels.keys()] : [...this.pausedTopics];
    if (topics.length === 0) return;
    try {
      this.consumer?.pause(topics.map((topic) => ({ topic })));
    } catch (error) {
      this.logger.warn("could not re-apply paused topics after joining", { topics, error });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Group membership, crashes

  private listen(consumer: ConsumerPort): void {
    // kafkajs calls listeners synchronously inside its join/fetch code and does not catch a
    // synchronous throw, so every listener body is guarded.
    const guard =
      (what: string, body: (payload: any) => void) =>
      (event: InstrumentationEvent<any>): void => {
        try {
          body(event.payload);
        } catch (error) {
          this.logger.error(`failed to handle ${what}`, { error });
        }
      };
    this.removeListeners.push(
      consumer.on(consumer.events.GROUP_JOIN, guard("group join", (payload) => this.onGroupJoin(payload))),
      consumer.on(consumer.events.REBALANCING, guard("rebalance", () => this.onRebalancing())),
      consumer.on(consumer.events.CRASH, guard("crash", (payload) => this.onCrash(payload))),
      // kafkajs emits FETCH when a fetch response arrived, before its batches are handed over.
      consumer.on(consumer.events.FETCH, guard("fetch", () => (this.responseHoldUntil = undefined))),
    );
  }

  /**
   * After every join (first start, rebalance, restart): forget partitions no longer assigned and
   * purge their queued records (never commit for them), then re-apply the pause set.
   * Race: kafkajs emits GROUP_JOIN synchronously before it fetches again, so the purge and the pauses
   * are in place before any batch of the new generation is routed.
   */
  private onGroupJoin(payload: { memberAssignment?: Record<string, number[]> }): void {
    const assignment = payload.memberAssignment ?? {};
    const revoked = this.trackers.retainAssigned(assignment);
    for (const offsets of this.trackers.all()) offsets.rejoined = true;
    if (revoked.length > 0) {
      this.purge(new Set(revoked));
      this.logger.info("partitions revoked", { partitions: revoked.map((o) => `${o.topic}[${o.partition}]`) });
    }
    this.reapplyPauses();
    this.releaseHold();
    this.joined = true;
    this.restartAttempt = 0;
    this.nextRestartAt = null;
    if (!this.stopping) this.currentState = "running";
    this.logger.info("joined the group", { groupId: this.groupId, assignment });
    this.options.events.emit(RuntimeEvents.GROUP_JOIN, {
      connection: this.name,
      groupId: this.groupId,
      assignment,
      revoked: revoked.map((o) => ({ topic: o.topic, partition: o.partition })),
    });
    const waiter = this.joinWaiter;
    this.joinWaiter = undefined;
    waiter?.resolve();
  }

  /**
   * A rebalance started (kafkajs emits this right before it rejoins): hold every dispatcher, then
   * commit what was handled while the partitions are still ours (kafkajs drops resolved offsets on
   * rejoin, #28/#751). Holding means that between this commit and the join only the handler calls
   * already in flight can complete; if their partition moves, they are the only records the next
   * owner handles again. The commit is best effort: the coordinator may reject it once the group
   * left PreparingRebalance. The hold ends at the next group join or crash, or after
   * `maxPollIntervalMs` (the rebalance timeout: by then the broker finished the rebalance either way).
   */
  private onRebalancing(): void {
    if (this.currentState === "running") this.currentState = "rebalancing";
    if (this.stopping) return;
    for (const channel of this.channels.values()) channel.hold();
    clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => this.releaseHold(), this.spec.settings.maxPollIntervalMs);
    this.options.events.emit(RuntimeEvents.REBALANCING, { connection: this.name });
    void this.commit("rebalance");
  }

  private releaseHold(): void {
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    for (const channel of this.channels.values()) channel.release();
  }

  /**
   * kafkajs crashed the consumer. It has already disconnected (and left the group) before emitting
   * CRASH, so nothing buffered belongs to this member any more: forget every partition and drop the
   * queued records (they are redelivered from the last commit). Then either kafkajs restarts the
   * consumer itself (`restart: true`), or this class does, with bounded exponential backoff.
   */
  private onCrash(payload: { error: unknown; restart: boolean }): void {
    const revoked = this.trackers.forgetAll();
    this.purge(new Set(revoked));
    this.releaseHold();
    if (this.stopping) return;
    const { error, restart } = payload;
    this.lastCrash = { at: Date.now(), error: error instanceof Error ? error.message : String(error), restarting: true };
    if (isMissingTopicError(error)) {
      // kafkajs did not restart it (restartOnFailure, see consumerConfig); the others must go on.
      this.currentState = "restarting";
      void this.recoverFromMissingTopic(error);
      return;
    }
    if (restart) {
      this.restartCount++;
      this.currentState = "restarting";
      this.logger.error("consumer crashed; kafkajs restarts it", { error });
      this.options.events.emit(RuntimeEvents.CRASH, { connection: this.name, error, restarting: true });
      return;
    }
    if (!this.joined) {
      // Before the first join a non-retriable crash is a configuration problem: fail start().
      this.currentState = "crashed";
      this.lastCrash = { ...this.lastCrash, restarting: false };
      this.options.events.emit(RuntimeEvents.CRASH, { connection: this.name, error, restarting: false });
      const waiter = this.joinWaiter;
      this.joinWaiter = undefined;
      waiter?.reject(error);
      return;
    }
    this.scheduleRestart(error);
  }

  private scheduleRestart(error: unknown): void {
    this.restartAttempt++;
    if (this.restartAttempt > this.restart.maxAttempts) {
      this.currentState = "crashed";
      this.nextRestartAt = null;
      if (this.lastCrash) this.lastCrash = { ...this.lastCrash, restarting: false };
      this.logger.error("consumer crashed; giving up after repeated restarts", { attempts: this.restartAttempt - 1, error });
      this.options.events.emit(RuntimeEvents.CRASH, { connection: this.name, error, restarting: false });
      return;
    }
    const delay = backoffDelay(this.restart, this.restartAttempt);
    this.restartCount++;
    this.currentState = "restarting";
    this.logger.error("consumer crashed; restarting it", { attempt: this.restartAttempt, delayMs: delay, error });
    this.options.events.emit(RuntimeEvents.CRASH, { connection: this.name, error, restarting: true });
    this.nextRestartAt = Date.now() + delay;
    this.restartTimer = setTimeout(() => void this.restartConsumer(), delay);
  }

  /**
   * Restarts the same kafkajs consumer (its subscriptions and listeners survive a disconnect).
   * A failure of connect() schedules the next attempt; a failed join comes back as another CRASH.
   */
  private async restartConsumer(): Promise<void> {
    const consumer = this.consumer;
    if (this.stopping || !consumer) return;
    try {
      await consumer.disconnect().catch(() => {});
      await consumer.connect();
      if (this.stopping) return;
      await consumer.run(this.runConfig());
    } catch (error) {
      if (!this.stopping) this.scheduleRestart(error);
    }
  }

  /** Drops queued records of revoked partitions and resumes topics whose buffer became drained. */
  private purge(revoked: ReadonlySet<PartitionOffsets>): void {
    if (revoked.size === 0) return;
    for (const channel of this.channels.values()) {
      channel.purge((record) => revoked.has(record.offsets));
      this.resumeIfDrained(channel);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Commits and shutdown

  /**
   * Race: the offsets were computed from partitions owned at the time; if a rebalance revokes one
   * while the commit is in flight, the value is still a handled watermark (committing it cannot skip
   * an unhandled record) and the coordinator rejects commits from an old generation anyway.
   */
  private async sendCommit(consumer: ConsumerPort, pending: readonly PendingCommit[], reason: CommitReason): Promise<void> {
    const offsets = pending.map((p) => ({ topic: p.offsets.topic, partition: p.offsets.partition, offset: String(p.offset) }));
    try {
      await consumer.commitOffsets(offsets);
    } catch (error) {
      this.logger[reason === "rebalance" ? "debug" : "warn"]("commit failed; will retry with the next commit", { reason, offsets, error });
      return;
    }
    for (const p of pending) p.offsets.markCommitted(p.offset);
    this.logger.debug("committed", { reason, offsets });
    this.options.events.emit(RuntimeEvents.COMMITTED, { connection: this.name, offsets });
  }

  private async shutdown(deadline: number): Promise<void> {
    this.stopping = true;
    this.currentState = "stopping";
    clearInterval(this.commitTimer);
    clearInterval(this.watchdogTimer);
    clearTimeout(this.restartTimer);
    clearTimeout(this.holdTimer);
    this.availability.stop();
    // Race: stop() during start(); a start() still waiting for the first join must not wait forever.
    const waiter = this.joinWaiter;
    this.joinWaiter = undefined;
    waiter?.reject(new Error(`connection "${this.name}" was stopped before it joined its group`));

    // 1. Stop fetching. Pausing every topic keeps kafkajs from refetching in a tight loop what
    //    onBatch now refuses; onBatch refuses anyway for batches already on their way.
    this.reapplyPauses();

    // 2. Let the handler call in flight on each topic finish, until the deadline.
    const drained = await settlesBy(Promise.all([...this.channels.values()].map((channel) => channel.stop())), deadline);
    if (!drained) {
      this.logger.warn("handlers still running at the stop deadline; their records will be redelivered", {
        topics: [...this.channels.values()].filter((c) => c.busy).map((c) => c.topic),
      });
    }
    for (const channel of this.channels.values()) channel.clear();

    // 3. Commit what was handled. kafkajs ignores commits once its consumer stopped, so this comes first.
    const committed = await settlesBy(
      (async () => {
        await this.commitInFlight;
        await this.commit("stop");
      })(),
      Date.now() + this.commitOnStopTimeoutMs,
    );
    if (!committed) this.logger.warn("final commit did not finish in time", { timeoutMs: this.commitOnStopTimeoutMs });

    // 4. Leave the group and close the connections. Bounded too: a broker that does not answer
    //    must not keep a SIGTERM'd process alive (the group then expels the member after the session timeout).
    // Race: a consumer replacement in progress (topic set changed) settles first, so the consumer
    // disconnected here is the last one (a replacement checks `stopping` between its steps).
    await settlesBy(this.replacing, Date.now() + this.commitOnStopTimeoutMs);
    const consumer = this.consumer;
    const left = await settlesBy(
      (consumer?.disconnect() ?? Promise.resolve()).catch((error: unknown) => this.logger.warn("disconnect failed", { error })),
      Date.now() + this.commitOnStopTimeoutMs,
    );
    if (!left) this.logger.warn("leaving the group did not finish in time", { timeoutMs: this.commitOnStopTimeoutMs });
    for (const remove of this.removeListeners) remove();
    this.removeListeners = [];
    this.trackers.forgetAll();
    this.currentState = "stopped";
  }

  private async releaseAfterFailedStart(): Promise<void> {
    clearTimeout(this.restartTimer);
    clearTimeout(this.holdTimer);
    this.availability.stop();
    await Promise.all([...this.channels.values()].map((channel) => channel.stop()));
    // Bounded: against a server that never answers, kafkajs's disconnect waits for its pending
    // request (30 s); start() must not. The consumer is forgotten, so stop() does not wait for it either.
    const consumer = this.consumer;
    this.consumer = undefined;
    const disconnected = consumer?.disconnect().catch((error: unknown) => this.logger.debug("disconnect after a failed start failed", { error }));
    if (disconnected) await settlesBy(disconnected, Date.now() + 1_000);
    for (const remove of this.removeListeners) remove();
    this.removeListeners = [];
  }
}

/** kafkajs's `heartbeat()` of one batch, called at most once per interval while the batch waits for room. */
class Heartbeat {
  private last = Date.now();

  constructor(
    private readonly send: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  /** When the next heartbeat is due (epoch ms). */
  due(): number {
    return this.last + this.intervalMs;
  }

  /** Sends a heartbeat if one is due. Rejects with kafkajs's rebalance error when the group rebalances. */
  async ifDue(): Promise<void> {
    if (Date.now() < this.due()) return;
    this.last = Date.now();
    await this.send();
  }
}

/** Resolves `true` if `promise` settles before `deadline` (epoch ms), `false` otherwise. Never rejects. */
async function settlesBy(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
