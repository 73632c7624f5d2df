// Connection: one group member (one ConnectionSpec) feeding one TopicChannel per topic. The member
// comes from a Transport (runtime/transport/transport.ts); nothing here knows the Kafka client. It keeps
// the lifecycle (start, group joins, rebalances, crashes, stop) and wires the parts that do the work:
// - FetchRouter: batches → channels, backpressure (fetch-router.ts);
// - PauseSet: what is paused and why, re-applied after every join (pause-set.ts);
// - Committer: handled watermarks → commits (committer.ts);
// - RestartPolicy: crash → bounded backoff → state (restart-policy.ts);
// - ConsumerReplacement: a new member when the set of existing topics changes (consumer-replacement.ts);
// - RejoinGate: offsets and buffers kept through a crash, committed before handling resumes (rejoin-gate.ts).
// Why it is over ~350 lines: what is left is one state machine (start, join, rebalance, crash,
// restart, stop) whose races are commented where they live; splitting it would put one race's two
// sides in two files.

import type { ConnectionSpec } from "./types.js";
import type { BackoffSettings } from "./backoff.js";
import type { RetryTimers } from "./retry-timers.js";
import { connectWithin, DEFAULT_CONNECT_TIMEOUT_MS } from "./broker-connect.js";
import { Committer, type CommitReason } from "./committer.js";
import { ConsumerReplacement } from "./consumer-replacement.js";
import { isMissingTopicError } from "./errors.js";
import { RuntimeEvents, type RuntimeEventEmitter } from "./events.js";
import { FetchRouter } from "./fetch-router.js";
import { namespaced, type RuntimeLogger } from "./logger.js";
import type { ConnectionMetrics, ConnectionState, PartitionLag } from "./metrics.js";
import { OffsetTracker, type PartitionOffsets } from "./offset-tracker.js";
import { PauseSet } from "./pause-set.js";
import { RejoinGate } from "./rejoin-gate.js";
import { DEFAULT_RESTART, RestartPolicy, type RestartSettings } from "./restart-policy.js";
import { TopicChannel } from "./topic-channel.js";
import type { DeadLetterSink } from "./dead-letter-publisher.js";
import { DEFAULT_MISSING_TOPIC_CHECK_MS, TopicAvailability, type TopicDirectory } from "./topic-availability.js";
import type { Assignment, GroupMember, MemberListener, Transport } from "./transport/transport.js";
import type { TransactionalOutput } from "./exactly-once.js";

export { MAX_HOLD_MS, ROOM_IDLE_MS } from "./fetch-router.js";
export type { RestartSettings } from "./restart-policy.js";

/** Construction parameters of a {@link Connection}. */
export interface ConnectionOptions {
  readonly spec: ConnectionSpec;
  /** The Kafka client the connection's group member comes from (see runtime/transport/transport.ts). */
  readonly transport: Pick<Transport, "createMember" | "client">;
  readonly events: RuntimeEventEmitter;
  /** The runtime's logger; the connection namespaces it as `kefgen.connection.<name>`. */
  readonly logger: RuntimeLogger;
  /** Overrides the topics' retry waits (see ConsumerRuntimeOptions.handlerRetry). */
  readonly handlerRetry?: BackoffSettings;
  /** Where retry waits are scheduled (see ConsumerRuntimeOptions.retryTimers). */
  readonly retryTimers?: RetryTimers;
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
  /** Where the topics' dead letters are written (the runtime's one producer). */
  readonly deadLetters?: DeadLetterSink;
  /** The transactional producers of exactly-once topics (runtime/exactly-once.ts); needed only when the spec has one. */
  readonly transactions?: TransactionalOutput;
}

/**
 * One Kafka consumer (group member) and the topics of one {@link ConnectionSpec}.
 *
 * Owns: the member and its lifecycle state, one {@link TopicChannel} per topic, the
 * {@link OffsetTracker} of the partitions it is assigned, and the rebalance hold. Each other piece of
 * state has one owner among the parts listed at the top of this file.
 */
export class Connection {
  /** The connection's name (`"shared"` or the exclusive connection's name). */
  readonly name: string;

  private readonly spec: ConnectionSpec;
  private readonly logger: RuntimeLogger;
  private readonly channels = new Map<string, TopicChannel>();
  private readonly trackers = new OffsetTracker();
  private readonly pauses: PauseSet;
  private readonly router: FetchRouter;
  private readonly committer: Committer;
  private readonly restarts: RestartPolicy;
  private readonly availability: TopicAvailability;
  private readonly replacement: ConsumerReplacement;
  private readonly rejoin: RejoinGate;
  private readonly commitOnStopTimeoutMs: number;

  private consumer: GroupMember | undefined;
  /** What the group member tells this connection. */
  private readonly listener: MemberListener;
  private currentState: ConnectionState = "stopped";
  private started = false;
  private stopping = false;
  private joined = false;
  private joinWaiter: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  private stopPromise: Promise<void> | undefined;
  private watchdogTimer: NodeJS.Timeout | undefined;
  /** Ends a rebalance hold that no group join or crash ended (see onRebalancing). */
  private holdTimer: NodeJS.Timeout | undefined;

  /** @param options see {@link ConnectionOptions}. */
  constructor(private readonly options: ConnectionOptions) {
    this.spec = options.spec;
    this.name = options.spec.name;
    this.logger = namespaced(options.logger, `kefgen.connection.${this.name}`);
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
          ...(options.retryTimers ? { retryTimers: options.retryTimers } : {}),
          ...(options.dropLogIntervalMs !== undefined ? { dropLogIntervalMs: options.dropLogIntervalMs } : {}),
          onTaken: (channel) => this.router.resumeIfRoom(channel),
          // Failure handling (failed-records.ts): a failed record pauses only its partition, through the one pause set.
          groupId: this.spec.settings.groupId,
          ...(options.deadLetters ? { deadLetters: options.deadLetters } : {}),
          ...(options.transactions ? { transactions: options.transactions } : {}),
          pausePartition: (partition, paused) => {
            if (paused) this.pauses.pause(binding.topic, partition, "failure");
            else this.pauses.resume(binding.topic, partition, !this.stopping, "failure");
          },
        }),
      );
    }
    const shared = { connection: this.name, events: options.events, logger: this.logger };
    this.listener = {
      assigned: (assignment) => this.onGroupJoin(assignment),
      rebalancing: () => this.onRebalancing(),
      rebalanceAbandoned: () => this.onRebalanceAbandoned(),
      crashed: (error, restarting) => this.onCrash(error, restarting),
      fetched: () => this.router.newResponse(),
      offsetReset: (topic, partition) => this.router.noteOffsetReset(topic, partition),
      batch: (batch) => this.router.route(batch),
    };
    this.pauses = new PauseSet(() => this.consumer, this.logger);
    this.router = new FetchRouter({
      ...shared,
      settings: this.spec.settings,
      channels: this.channels,
      trackers: this.trackers,
      pauses: this.pauses,
      stopping: () => this.stopping,
      onGroupOffsetConfirmed: () => this.rejoin.confirmed(),
    });
    this.committer = new Committer({
      ...shared,
      trackers: this.trackers,
      member: () => this.consumer,
      ...(options.transactions
        ? { transactions: { groupId: this.spec.settings.groupId, output: options.transactions } }
        : {}),
    });
    this.rejoin = new RejoinGate({
      trackers: this.trackers,
      hold: () => this.hold(),
      // Race: a rebalance that started while the rejoin commit was in flight holds until its own join.
      release: () => void (this.currentState !== "rebalancing" && this.releaseHold()),
      commit: () => this.committer.commitAfterInFlight("rejoin"),
      logger: this.logger,
    });
    this.restarts = new RestartPolicy(options.restart ?? DEFAULT_RESTART, () => void this.restartConsumer());
    this.availability = new TopicAvailability({
      ...shared,
      topics: [...this.channels.keys()],
      directory: options.topicDirectory ?? {
        existing: () => Promise.reject(new Error("no topic directory")),
        close: () => Promise.resolve(),
      },
      checkIntervalMs: options.missingTopicCheckMs ?? DEFAULT_MISSING_TOPIC_CHECK_MS,
      onReturned: () => void this.replacement.resubscribe(),
    });
    this.replacement = new ConsumerReplacement({
      connection: this.name,
      client: options.transport.client,
      availability: this.availability,
      mode: this.spec.settings.missingTopics,
      logger: this.logger,
      host: {
        launch: (topics) => this.launch(topics),
        dropMember: () => this.dropConsumer(),
        startWaiting: () => this.startWaiting(),
        stopping: () => this.stopping,
        joined: () => this.joined,
        restartWithBackoff: (error) => this.scheduleRestart(error),
        failStart: (error, reason) => this.failStart(error, reason),
        replacingMember: (error, missing) => {
          this.restarts.countRestart();
          this.currentState = "restarting";
          this.logger.warn("topics do not exist: consuming the others without them", { missing, error });
          this.options.events.emit(RuntimeEvents.CRASH, { connection: this.name, error, restarting: true });
        },
        prepareRejoin: async () => {
          if (this.currentState === "running") this.currentState = "rebalancing";
          this.hold();
          await settlesBy(this.committer.commit("rebalance"), Date.now() + this.commitOnStopTimeoutMs);
        },
      },
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
      this.logger.warn(
        "enableAutoCommit is on: records count as done when buffered (at-most-once); a crash loses buffered records",
        {
          groupId: settings.groupId,
        },
      );
    }
    for (const channel of this.channels.values()) channel.start();

    const joined = new Promise<void>((resolve, reject) => (this.joinWaiter = { resolve, reject }));
    joined.catch(() => {}); // observed below; avoids an unhandled rejection if connect() fails first
    try {
      try {
        await this.launch(this.replacement.present());
      } catch (error) {
        // kafkajs's subscribe() fails at once on a missing topic, without naming it.
        if (this.stopping || !isMissingTopicError(error)) throw error;
        await this.replacement.startWithoutMissing(error);
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
      this.committer.startInterval(settings.autoCommitIntervalMs);
      const limit = settings.maxPollIntervalMs;
      this.watchdogTimer = setInterval(
        () => this.checkSlowHandlers(limit),
        Math.min(5_000, Math.max(50, Math.floor(limit / 10))),
      );
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
    this.router.noteOffsetReset(topic, partition);
  }

  /** Commits every partition whose handled position advanced. Single flight: joins a commit already running. */
  commit(reason: CommitReason = "interval"): Promise<void> {
    return this.committer.commit(reason);
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
      restarts: this.restarts.restarts,
      lastCrash: this.restarts.lastCrash,
      nextRestartAt: this.currentState === "restarting" ? this.restarts.nextRestartAt : null,
      missingTopics: this.availability.missingTopics(),
      topicsFoundMissing: this.availability.timesMissing,
      topics: [...this.channels.values()].map((channel) => ({
        ...channel.metrics(),
        paused: this.pauses.isTopicPaused(channel.topic),
        missing: this.availability.isMissing(channel.topic),
      })),
      lag,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // The consumer (kafkajs cannot unsubscribe: a new topic set is a new consumer, see ConsumerReplacement)

  /** Creates, connects (within `connectTimeoutMs`), subscribes and runs a member for `topics`; none if empty. */
  private async launch(topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return;
    const consumer = this.options.transport.createMember(this.spec.settings, this.listener, this.logger);
    this.consumer = consumer;
    await connectWithin(() => consumer.connect(), {
      connection: this.name,
      brokers: this.options.brokers ?? [],
      timeoutMs: this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    });
    // Race: stop() ran meanwhile and may already have disconnected the member it saw; this one
    // must not stay connected (or join) behind its back.
    const abandon = async (): Promise<void> => void (await consumer.disconnect().catch(() => {}));
    if (this.stopping) return abandon();
    await consumer.subscribe(topics, this.spec.settings.autoOffsetReset === "earliest");
    if (this.stopping) return abandon();
    await consumer.run();
    if (this.stopping) return abandon();
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
    old?.detach();
    this.consumer = undefined;
    if (old)
      await settlesBy(
        old.disconnect().catch(() => {}),
        Date.now() + this.commitOnStopTimeoutMs,
      );
    this.router.assign({});
    const revoked = this.trackers.forgetAll();
    this.purge(new Set(revoked));
  }

  private checkSlowHandlers(limitMs: number): void {
    const now = Date.now();
    for (const channel of this.channels.values()) channel.reportSlowHandlers(now, limitMs);
  }

  // ---------------------------------------------------------------------------------------------
  // Group membership, crashes

  /**
   * After every join (first start, rebalance, restart): forget partitions no longer assigned and
   * purge their queued records (never commit for them), then re-apply the pause set.
   * Race: the member reports a join synchronously before it fetches again, so the purge and the
   * pauses are in place before any batch of the new generation is routed.
   */
  private onGroupJoin(assignment: Assignment): void {
    this.router.assign(assignment);
    const revoked = this.trackers.retainAssigned(assignment);
    for (const offsets of this.trackers.all()) offsets.rejoined = true;
    if (revoked.length > 0) {
      this.purge(new Set(revoked));
      this.logger.info("partitions revoked", { partitions: revoked.map((o) => `${o.topic}[${o.partition}]`) });
    }
    this.pauses.reapply(this.stopping ? [...this.channels.keys()] : undefined);
    // After a crash the gate keeps the handlers held until the restored partitions are committed.
    if (this.stopping || !this.rejoin.joined()) this.releaseHold();
    this.joined = true;
    this.restarts.succeeded();
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
    this.hold();
    this.options.events.emit(RuntimeEvents.REBALANCING, { connection: this.name });
    void this.committer.commit("rebalance");
  }

  /**
   * The rebalance announced to {@link onRebalancing} will not come: the member fetches again with the partitions it
   * had. Without this the hold would last `maxPollIntervalMs` (kafkajs after a 40 s broker stall: the rejoin met "the
   * coordinator is loading", was given up, and the handlers stood still for 30 s while fetching went on). Nothing
   * was revoked, so the hold simply ends; a hold of the RejoinGate (after a crash) ends when the gate settles.
   */
  private onRebalanceAbandoned(): void {
    if (this.stopping || this.currentState !== "rebalancing") return;
    this.currentState = "running";
    this.logger.info("the group did not rebalance: handling goes on with the same partitions", {
      groupId: this.groupId,
    });
    if (!this.rejoin.waiting) this.releaseHold();
  }

  private hold(): void {
    for (const channel of this.channels.values()) channel.hold();
    clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => this.releaseHold(), this.spec.settings.maxPollIntervalMs);
  }

  private releaseHold(): void {
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    for (const channel of this.channels.values()) channel.release();
  }

  /**
   * kafkajs crashed the consumer. It has already disconnected (and left the group) before emitting
   * CRASH, so nothing buffered belongs to this member until it rejoins: the RejoinGate suspends every
   * partition's offsets and holds the handlers; the next join restores the partitions assigned again
   * (their buffered records are kept) and purges the others (rejoin-gate.ts says why that is safe).
   * While stopping, everything is forgotten and purged instead. Then either kafkajs restarts the
   * consumer itself (`restart: true`), or the restart policy does, with bounded exponential backoff.
   */
  private onCrash(error: unknown, restart: boolean): void {
    this.router.assign({});
    if (this.stopping) {
      this.purge(new Set(this.trackers.forgetAll()));
      this.releaseHold();
      return;
    }
    // Kept, not forgotten: the next join restores what is assigned again (see rejoin-gate.ts).
    this.rejoin.crashed();
    this.restarts.noteCrash(error);
    if (isMissingTopicError(error)) {
      // kafkajs did not restart it (restartOnFailure, see kafkajsConsumerConfig); the others must go on.
      this.currentState = "restarting";
      void this.replacement.recover(error);
      return;
    }
    if (restart) {
      this.restarts.countRestart();
      this.currentState = "restarting";
      this.logger.error("consumer crashed; kafkajs restarts it", { error });
      this.options.events.emit(RuntimeEvents.CRASH, { connection: this.name, error, restarting: true });
      return;
    }
    // Before the first join a non-retriable crash is a configuration problem: fail start().
    if (!this.joined) return this.failStart(error, error);
    this.scheduleRestart(error);
  }

  /** The crash is final before the first join: state `crashed`, and start() rejects with `reason`. */
  private failStart(error: unknown, reason: unknown): void {
    this.currentState = "crashed";
    this.restarts.giveUp();
    this.options.events.emit(RuntimeEvents.CRASH, { connection: this.name, error, restarting: false });
    const waiter = this.joinWaiter;
    this.joinWaiter = undefined;
    waiter?.reject(reason);
  }

  private scheduleRestart(error: unknown): void {
    const decision = this.restarts.schedule();
    if (decision.kind === "give-up") {
      this.currentState = "crashed";
      this.logger.error("consumer crashed; giving up after repeated restarts", { attempts: decision.attempts, error });
      this.options.events.emit(RuntimeEvents.CRASH, { connection: this.name, error, restarting: false });
      return;
    }
    this.currentState = "restarting";
    this.logger.error("consumer crashed; restarting it", {
      attempt: decision.attempt,
      delayMs: decision.delayMs,
      error,
    });
    this.options.events.emit(RuntimeEvents.CRASH, { connection: this.name, error, restarting: true });
  }

  /**
   * Restarts the member (kafkajs: the same consumer; its subscriptions survive a disconnect).
   * A failure of connect() schedules the next attempt; a failed join comes back as another crash.
   */
  private async restartConsumer(): Promise<void> {
    const consumer = this.consumer;
    if (this.stopping || !consumer) return;
    try {
      await consumer.restart(() => !this.stopping);
    } catch (error) {
      if (!this.stopping) this.scheduleRestart(error);
    }
  }

  /** Drops queued records of revoked partitions and resumes topics whose buffer became drained. */
  private purge(revoked: ReadonlySet<PartitionOffsets>): void {
    if (revoked.size === 0) return;
    for (const channel of this.channels.values()) {
      channel.purge((record) => revoked.has(record.offsets));
      this.router.resumeIfRoom(channel);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Shutdown

  private async shutdown(deadline: number): Promise<void> {
    this.stopping = true;
    this.currentState = "stopping";
    this.committer.stopInterval();
    clearInterval(this.watchdogTimer);
    this.restarts.cancel();
    this.rejoin.cancel();
    clearTimeout(this.holdTimer);
    this.availability.stop();
    // Race: stop() during start(); a start() still waiting for the first join must not wait forever.
    const waiter = this.joinWaiter;
    this.joinWaiter = undefined;
    waiter?.reject(new Error(`connection "${this.name}" was stopped before it joined its group`));

    // 1. Stop fetching. Pausing every topic keeps kafkajs from refetching in a tight loop what the
    //    router now refuses; the router refuses anyway for batches already on their way.
    this.pauses.reapply([...this.channels.keys()]);

    // 2. Let the handler call in flight on each topic finish, until the deadline.
    const drained = await settlesBy(
      Promise.all([...this.channels.values()].map((channel) => channel.stop())),
      deadline,
    );
    if (!drained) {
      this.logger.warn("handlers still running at the stop deadline; their records will be redelivered", {
        topics: [...this.channels.values()].filter((c) => c.busy).map((c) => c.topic),
      });
    }
    for (const channel of this.channels.values()) channel.clear();

    // 3. Commit what was handled. kafkajs ignores commits once its consumer stopped, so this comes first.
    const committed = await settlesBy(this.committer.commitFinal(), Date.now() + this.commitOnStopTimeoutMs);
    if (!committed) this.logger.warn("final commit did not finish in time", { timeoutMs: this.commitOnStopTimeoutMs });

    // 4. Leave the group and close the connections. Bounded too: a broker that does not answer
    //    must not keep a SIGTERM'd process alive (the group then expels the member after the session timeout).
    // Race: a consumer replacement in progress (topic set changed) settles first, so the consumer
    // disconnected here is the last one (a replacement checks `stopping` between its steps).
    await settlesBy(this.replacement.settled(), Date.now() + this.commitOnStopTimeoutMs);
    const consumer = this.consumer;
    const left = await settlesBy(
      (consumer?.disconnect() ?? Promise.resolve()).catch((error: unknown) =>
        this.logger.warn("disconnect failed", { error }),
      ),
      Date.now() + this.commitOnStopTimeoutMs,
    );
    if (!left) this.logger.warn("leaving the group did not finish in time", { timeoutMs: this.commitOnStopTimeoutMs });
    consumer?.detach();
    this.trackers.forgetAll();
    this.currentState = "stopped";
  }

  private async releaseAfterFailedStart(): Promise<void> {
    this.restarts.cancel();
    clearTimeout(this.holdTimer);
    this.availability.stop();
    await Promise.all([...this.channels.values()].map((channel) => channel.stop()));
    // Bounded: against a server that never answers, kafkajs's disconnect waits for its pending
    // request (30 s); start() must not. The consumer is forgotten, so stop() does not wait for it either.
    const consumer = this.consumer;
    this.consumer = undefined;
    const disconnected = consumer
      ?.disconnect()
      .catch((error: unknown) => this.logger.debug("disconnect after a failed start failed", { error }));
    if (disconnected) await settlesBy(disconnected, Date.now() + 1_000);
    consumer?.detach();
  }
}

/** Resolves `true` if `promise` settles before `deadline` (epoch ms), `false` otherwise. Never rejects. */
async function settlesBy(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>(
    (resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))),
  );
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
