// The platformatic transport: the runtime's seam (transport.ts) over @platformatic/kafka 2.12. Its
// consumer streams (`consume()`) fetch ahead and move the position past every fetched record, and
// pause only whole streams; the seam needs per-partition pauses and positions that move only by
// `resolve`. So this member keeps the client's group membership (join, sync, background heartbeats,
// static membership) and commits, and runs its own fetch loop over the client's `fetch()`: positions
// per partition, a pause set, offset resets by `autoOffsetReset`. The client is loaded lazily
// (clients.ts): importing this file loads nothing of it. The admin and the producer are in
// platformatic-cluster.ts.
// Why it is over ~350 lines: the member's fetch loop, positions and group events are one state
// machine (a join changes the positions the loop reads, a rebalance holds its commits).

import type { Consumer, ClusterMetadata, ConsumerGroupJoinPayload } from "@platformatic/kafka";
import { NoOffsetError } from "../errors.js";
import type { RuntimeLogger } from "../logger.js";
import type { ConnectionSettings } from "../types.js";
import { loadPlatformatic as loadModule } from "./clients.js";
import { PlatformaticAdmin, PlatformaticProducer, type ClientOptions } from "./platformatic-cluster.js";
import type { FetchedRecord, RecordHeaders } from "./records.js";
import type { Assignment, GroupMember, MemberListener, OffsetToCommit, PausedTopic, Transport } from "./transport.js";

/** Where the platformatic transport connects. */
export interface PlatformaticConnection {
  readonly brokers: readonly string[];
  readonly clientId?: string;
}

/** The @platformatic/kafka module. Not exported: no declaration file may name the package. */
type PlatformaticModule = typeof import("@platformatic/kafka");

const loadPlatformatic = (): Promise<PlatformaticModule> => loadModule() as Promise<PlatformaticModule>;

/** Kafka's OFFSET_OUT_OF_RANGE error code. */
const OFFSET_OUT_OF_RANGE = 1;
/** A record batch holding transaction markers, not records. */
const IS_CONTROL = 1 << 5;
/** ListOffsets timestamps. */
const EARLIEST = -2n;
const LATEST = -1n;
/** How long the fetch loop sleeps when it has nothing to fetch, unless woken earlier. */
const IDLE_MS = 100;

/** The error a stale batch's `heartbeat()` rejects with: the group rebalanced since its fetch. */
class RebalancedError extends Error {
  readonly retriable = true;
  constructor() {
    super("the group rebalanced since this batch was fetched");
    this.name = "RebalancedError";
  }
}

/** A missing topic, shaped as the runtime recognises it (`isMissingTopicError`: `type`). */
function missingTopicError(topics: readonly string[], cause?: unknown): Error {
  const error = new Error(`topics do not exist: ${topics.join(", ")}`, { cause }) as Error & { type: string };
  error.type = "UNKNOWN_TOPIC_OR_PARTITION";
  return error;
}

/**
 * The client's metadata request turns Kafka's UNKNOWN_TOPIC_OR_PARTITION into a `UserError` that
 * carries only a message naming the topic (clients/base/base.js): this reads the name back.
 */
const UNKNOWN_TOPIC_MESSAGE = /^Unknown topic (.+)\.$/;

/** The topic a platformatic "unknown topic" error names, `""` when it carries a Kafka code but no name, else `undefined`. */
function unknownTopicOf(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const walk = (e: unknown): string | undefined => {
    if (!e || typeof e !== "object" || seen.has(e)) return undefined;
    seen.add(e);
    const { apiId, errors, cause, message } = e as {
      apiId?: unknown;
      errors?: unknown;
      cause?: unknown;
      message?: unknown;
    };
    const named = typeof message === "string" ? UNKNOWN_TOPIC_MESSAGE.exec(message)?.[1] : undefined;
    if (named !== undefined) return named;
    if (apiId === "UNKNOWN_TOPIC_OR_PARTITION" || apiId === "UNKNOWN_TOPIC_ID") return "";
    for (const nested of Array.isArray(errors) ? errors : []) {
      const found = walk(nested);
      if (found !== undefined) return found;
    }
    return walk(cause);
  };
  return walk(error);
}

function isPlatformaticMissingTopic(error: unknown): boolean {
  return unknownTopicOf(error) !== undefined;
}

/** The client's fetch response. */
type FetchResponse = Awaited<ReturnType<Consumer["fetch"]>>;

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** The platformatic {@link Transport}; @platformatic/kafka is loaded at the first connect (or {@link Transport.prepare}). */
export function platformaticTransport(connection: PlatformaticConnection): Transport {
  const options = { clientId: connection.clientId ?? "kefgen", bootstrapBrokers: [...connection.brokers] };
  let admin: PlatformaticAdmin | undefined;
  return {
    client: "platformatic",
    prepare: async () => void (await loadPlatformatic()),
    createMember: (settings, listener, logger) => new PlatformaticMember(options, settings, listener, logger),
    admin: () => (admin ??= new PlatformaticAdmin(options)),
    createProducer: () => new PlatformaticProducer(options),
  };
}

/**
 * A {@link GroupMember} over one @platformatic/kafka `Consumer` (a new one after each restart: a
 * closed client cannot reconnect). Auto-commit is off; nothing is committed but {@link commit}'s offsets.
 */
class PlatformaticMember implements GroupMember {
  private lib: PlatformaticModule | undefined;
  private consumer: Consumer | undefined;
  private topics: readonly string[] = [];
  private fromBeginning = false;
  /** The fetch loop runs (between run() and disconnect() or a crash). */
  private running = false;
  private loop: Promise<void> | undefined;
  /** Counts group joins; a fetch or batch of an older join is stale. */
  private generation = 0;
  /** Between the client's "rebalance" and its next join. */
  private rebalancing = false;
  private assignment = new Map<string, number[]>();
  /** Next offset to fetch per assigned partition; absent: to be looked up (committed offset or reset). */
  private readonly positions = new Map<string, bigint>();
  /** Paused partitions (`key(topic, p)`) and whole topics. */
  private readonly pausedPartitions = new Set<string>();
  private readonly pausedTopics = new Set<string>();
  private wake: (() => void) | undefined;
  /** Which wanted partition goes first in the next fetch request. */
  private rotation = 0;
  /** Commits sent and not answered yet, each with the offsets array the client retries with. */
  private readonly commitsInFlight = new Map<Promise<void>, { topic: string; partition: number }[]>();
  private detached = false;
  private joinedOnce: (() => void) | undefined;

  constructor(
    private readonly client: ClientOptions,
    private readonly settings: ConnectionSettings,
    private readonly listener: MemberListener,
    private readonly logger: RuntimeLogger,
  ) {}

  async connect(): Promise<void> {
    this.lib ??= await loadPlatformatic();
    const s = this.settings;
    const consumer = new this.lib.Consumer({
      ...this.client,
      groupId: s.groupId,
      ...(s.groupInstanceId !== undefined ? { groupInstanceId: s.groupInstanceId } : {}),
      sessionTimeout: s.sessionTimeoutMs,
      heartbeatInterval: s.heartbeatIntervalMs,
      // Like kafkajs's rebalanceTimeout: what the Java client sends as max.poll.interval.ms.
      rebalanceTimeout: Math.max(s.maxPollIntervalMs, s.sessionTimeoutMs),
      minBytes: s.fetchMinBytes,
      maxWaitTime: s.fetchMaxWaitMs,
      autocommit: false,
      autocreateTopics: false,
      // Runs before every JoinGroup is sent: a rejoin waits for the commits in flight (the one the
      // runtime starts when it hears of a rebalance among them), as the Java client commits in
      // onPartitionsRevoked before it rejoins. Its result is the subscription's user data (none).
      protocolsMetadata: async () => {
        await this.commitsSettled();
        return Buffer.alloc(0);
      },
      // kafkajs's default: records of aborted transactions are not delivered.
      isolationLevel: 1,
    });
    this.consumer = consumer;
    // Events of a client replaced by a restart are ignored.
    const current = () => this.consumer === consumer;
    consumer.on("consumer:group:join", (payload) => current() && this.guard("group join", () => this.onJoin(payload)));
    consumer.on(
      "consumer:group:rebalance",
      () =>
        current() &&
        this.guard("rebalance", () => {
          this.rebalancing = true;
          this.listener.rebalancing();
        }),
    );
    // Emitted when a rejoin after a rebalance failed for good: the member is out of its group.
    consumer.on("error", (error: unknown) => current() && this.guard("crash", () => this.crash(error)));
    try {
      await consumer.metadata({ topics: [] });
    } catch (error) {
      await consumer.close(true).catch(() => {});
      throw error;
    }
  }

  async subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void> {
    const consumer = this.required();
    // One metadata request per topic: the client names only the first unknown topic of a request.
    const found = await Promise.all(
      topics.map((topic) =>
        consumer.metadata({ topics: [topic], autocreateTopics: false, forceUpdate: true }).then(
          (metadata: ClusterMetadata) => metadata.topics.has(topic),
          (error: unknown) => {
            if (isPlatformaticMissingTopic(error)) return false;
            throw error;
          },
        ),
      ),
    );
    const missing = topics.filter((_, i) => !found[i]);
    if (missing.length > 0) throw missingTopicError(missing);
    this.topics = [...topics];
    this.fromBeginning = fromBeginning;
    for (const topic of topics) consumer.topics.track(topic);
  }

  async run(): Promise<void> {
    const consumer = this.required();
    this.running = true;
    const joined = new Promise<void>((resolve) => (this.joinedOnce = resolve));
    try {
      await consumer.joinGroup({});
    } catch (error) {
      this.crash(error);
      return;
    }
    this.loop ??= this.fetchLoop(consumer);
    await joined;
  }

  async restart(proceed: () => boolean): Promise<void> {
    await this.close(false);
    await this.connect();
    await this.subscribe(this.topics, this.fromBeginning);
    if (!proceed()) return;
    await this.run();
  }

  disconnect(): Promise<void> {
    return this.close(true);
  }

  /** Stops calling the listener: the fetch loop ends (disconnect() still leaves and closes). */
  detach(): void {
    this.detached = true;
    this.running = false;
    this.wake?.();
  }

  pause(topics: PausedTopic[]): void {
    if (!this.running) throw new Error("the platformatic member is not running");
    for (const t of topics) {
      if (t.partitions) for (const p of t.partitions) this.pausedPartitions.add(key(t.topic, p));
      else this.pausedTopics.add(t.topic);
    }
  }

  resume(topics: PausedTopic[]): void {
    if (!this.running) throw new Error("the platformatic member is not running");
    for (const t of topics) {
      if (t.partitions) for (const p of t.partitions) this.pausedPartitions.delete(key(t.topic, p));
      else {
        this.pausedTopics.delete(t.topic);
        for (const k of [...this.pausedPartitions])
          if (k.startsWith(`${t.topic}\u0000`)) this.pausedPartitions.delete(k);
      }
    }
    this.wake?.();
  }

  /**
   * Commits exactly `offsets`. Race: when the coordinator answers that the group moved on, the client
   * rejoins and sends the same request again; {@link onJoin} first removes from it every partition the
   * new generation does not assign to this member, so it never commits for a revoked partition.
   */
  async commit(offsets: OffsetToCommit[]): Promise<void> {
    if (offsets.length === 0) return;
    const request = offsets.map((o) => ({
      topic: o.topic,
      partition: o.partition,
      offset: BigInt(o.offset),
      leaderEpoch: -1,
    }));
    const sent = this.required().commit({ offsets: request });
    this.commitsInFlight.set(sent, request);
    try {
      await sent;
    } finally {
      this.commitsInFlight.delete(sent);
    }
    // Partitions were revoked meanwhile and left out: not everything asked for was committed.
    if (request.length !== offsets.length) throw new RebalancedError();
  }

  /** Resolves when the commits in flight are answered, or after a bound (a commit that waits for this join itself). */
  private async commitsSettled(): Promise<void> {
    const deadline = Date.now() + Math.min(5_000, this.settings.sessionTimeoutMs / 2);
    // A commit queued behind another (the runtime's rebalance commit) starts when that one is
    // answered: look again after each round, until none is in flight or the bound passed.
    while (this.commitsInFlight.size > 0 && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))));
      await Promise.race([Promise.allSettled([...this.commitsInFlight.keys()]), bound]);
      clearTimeout(timer);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  // ---------------------------------------------------------------------------------------------

  private required(): Consumer {
    if (!this.consumer) throw new Error("the platformatic member is not connected");
    return this.consumer;
  }

  /** Listener calls are guarded: a throw must not break the client's own event emission. */
  private guard(what: string, body: () => void): void {
    if (this.detached) return;
    try {
      body();
    } catch (error) {
      this.logger.error(`failed to handle ${what}`, { error });
    }
  }

  /**
   * A join (first, after a rebalance, after a restart): a new generation. Positions of partitions
   * no longer assigned are forgotten; new ones are looked up by the loop before it fetches them.
   * The listener hears it synchronously, before the loop fetches for the new generation.
   */
  private onJoin(payload: ConsumerGroupJoinPayload): void {
    this.generation++;
    this.rebalancing = false;
    const next = new Map<string, number[]>();
    for (const a of payload.assignments ?? [])
      next.set(
        a.topic,
        [...a.partitions].sort((x, y) => x - y),
      );
    this.assignment = next;
    for (const request of this.commitsInFlight.values()) {
      const kept = request.filter((o) => next.get(o.topic)?.includes(o.partition));
      request.splice(0, request.length, ...kept);
    }
    // Positions are per generation: a partition kept across the rebalance is read again from the
    // group's committed offset, like the Java client after a (non-cooperative) rebalance.
    this.positions.clear();
    const assignment: Record<string, number[]> = {};
    for (const [topic, partitions] of next) assignment[topic] = partitions;
    this.listener.assigned(assignment as Assignment);
    this.wake?.();
    this.joinedOnce?.();
    this.joinedOnce = undefined;
  }

  private crash(error: unknown): void {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    this.joinedOnce?.();
    this.joinedOnce = undefined;
    const unknown = unknownTopicOf(error);
    this.listener.crashed(
      unknown === undefined ? error : missingTopicError(unknown ? [unknown] : this.topics, error),
      false,
    );
  }

  /** Leaves (unless a static member: it keeps its place for its session timeout) and closes the client. */
  private async close(leave: boolean): Promise<void> {
    this.running = false;
    this.wake?.();
    const consumer = this.consumer;
    this.consumer = undefined;
    const loop: Promise<void> | undefined = this.loop;
    this.loop = undefined;
    if (!consumer) return;
    try {
      if (this.settings.groupInstanceId !== undefined || !leave) {
        // The client's close() sends LeaveGroup, which ends a static membership at once. Without a
        // member id it sends none (and stops heartbeating): the group keeps the member until its
        // session timeout, so a restart within it gets the same partitions without a rebalance.
        consumer.memberId = null;
        await new Promise<void>((resolve) => consumer.leaveGroup(false, () => resolve()));
      }
      await consumer.close(true);
    } finally {
      await Promise.resolve(loop).catch(() => {});
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  private isPaused(topic: string, partition: number): boolean {
    return this.pausedTopics.has(topic) || this.pausedPartitions.has(key(topic, partition));
  }

  /** Fetches until the member stops or crashes; each response's partitions go to the listener one at a time. */
  private async fetchLoop(consumer: Consumer): Promise<void> {
    while (this.running && this.consumer === consumer) {
      const generation = this.generation;
      try {
        if (this.rebalancing || this.assignment.size === 0) {
          await this.idle(IDLE_MS);
          continue;
        }
        await this.lookUpPositions(consumer, generation);
        if (generation !== this.generation || !this.running) continue;
        const wanted: { topic: string; partition: number; offset: bigint }[] = [];
        for (const [topic, partitions] of this.assignment) {
          for (const partition of partitions) {
            const offset = this.positions.get(key(topic, partition));
            if (offset !== undefined && !this.isPaused(topic, partition)) wanted.push({ topic, partition, offset });
          }
        }
        if (wanted.length === 0) {
          await this.idle(IDLE_MS);
          continue;
        }
        // The broker answers partitions in request order and the router takes them in that order: the
        // first place rotates, so no partition is always the one that finds the buffer full.
        const first = this.rotation++ % wanted.length;
        await this.fetchOnce(consumer, generation, [...wanted.slice(first), ...wanted.slice(0, first)]);
      } catch (error) {
        if (!this.running || this.consumer !== consumer) return;
        if (error instanceof NoOffsetError || !isRetriable(error)) {
          this.crash(error);
          return;
        }
        this.logger.warn("fetch failed; retrying", { error });
        await this.idle(IDLE_MS);
      }
    }
  }

  /** Positions of assigned partitions that have none: the group's committed offset, else `autoOffsetReset`. */
  private async lookUpPositions(consumer: Consumer, generation: number): Promise<void> {
    const unknown = new Map<string, number[]>();
    for (const [topic, partitions] of this.assignment) {
      const missing = partitions.filter((p) => !this.positions.has(key(topic, p)));
      if (missing.length > 0) unknown.set(topic, missing);
    }
    if (unknown.size === 0) return;
    const committed = await consumer.listCommittedOffsets({
      topics: [...unknown].map(([topic, partitions]) => ({ topic, partitions })),
    });
    if (generation !== this.generation) return;
    const reset = new Map<string, number[]>();
    for (const [topic, partitions] of unknown) {
      for (const partition of partitions) {
        const offset = committed.get(topic)?.[partition];
        if (offset !== undefined && offset >= 0n) this.positions.set(key(topic, partition), offset);
        else if (this.settings.autoOffsetReset === "none")
          throw new NoOffsetError(topic, partition, "no-committed-offset", this.settings.groupId);
        else reset.set(topic, [...(reset.get(topic) ?? []), partition]);
      }
    }
    await this.resetPositions(consumer, generation, reset, this.fromBeginning ? EARLIEST : LATEST);
  }

  private async resetPositions(
    consumer: Consumer,
    generation: number,
    partitions: ReadonlyMap<string, number[]>,
    timestamp: bigint,
  ): Promise<void> {
    if (partitions.size === 0) return;
    const offsets = await consumer.listOffsets({
      topics: [...partitions.keys()],
      partitions: Object.fromEntries(partitions),
      timestamp,
    });
    if (generation !== this.generation) return;
    for (const [topic, list] of partitions) {
      for (const partition of list) {
        const offset = offsets.get(topic)?.[partition];
        if (offset === undefined || offset < 0n)
          throw new Error(`no ${timestamp === EARLIEST ? "earliest" : "latest"} offset for ${topic}[${partition}]`);
        this.positions.set(key(topic, partition), offset);
      }
    }
  }

  private async fetchOnce(
    consumer: Consumer,
    generation: number,
    wanted: { topic: string; partition: number; offset: bigint }[],
  ): Promise<void> {
    const metadata = await consumer.metadata({ topics: [...this.topics] });
    const byNode = new Map<
      number,
      {
        topicId: string;
        partitions: {
          partition: number;
          fetchOffset: bigint;
          partitionMaxBytes: number;
          currentLeaderEpoch: number;
          lastFetchedEpoch: number;
        }[];
      }[]
    >();
    const topicsById = new Map<string, string>();
    const requested = new Map<string, bigint>();
    for (const w of wanted) {
      const topicMetadata = metadata.topics.get(w.topic);
      const leader = topicMetadata?.partitions[w.partition]?.leader;
      if (!topicMetadata || leader === undefined) throw missingTopicError([w.topic]);
      topicsById.set(topicMetadata.id, w.topic);
      requested.set(key(w.topic, w.partition), w.offset);
      let list = byNode.get(leader);
      if (!list) byNode.set(leader, (list = []));
      let entry = list.find((e) => e.topicId === topicMetadata.id);
      if (!entry) list.push((entry = { topicId: topicMetadata.id, partitions: [] }));
      entry.partitions.push({
        partition: w.partition,
        fetchOffset: w.offset,
        partitionMaxBytes: 1_048_576,
        currentLeaderEpoch: -1,
        lastFetchedEpoch: -1,
      });
    }
    for (const [node, topics] of byNode) {
      let response: FetchResponse;
      try {
        response = await consumer.fetch({
          node,
          topics,
          minBytes: this.settings.fetchMinBytes,
          maxWaitTime: this.settings.fetchMaxWaitMs,
        });
      } catch (error) {
        const partial = (error as { response?: FetchResponse }).response;
        if (!partial || !(await this.handleOutOfRange(consumer, generation, partial, topicsById))) throw error;
        continue;
      }
      if (!this.running || generation !== this.generation) return;
      this.listener.fetched();
      for (const topicResponse of response.responses) {
        const topic = topicsById.get(topicResponse.topicId) ?? topicResponse.topicId;
        for (const p of topicResponse.partitions) {
          if (!this.running || generation !== this.generation) return;
          const k = key(topic, p.partitionIndex);
          const from = requested.get(k);
          // A partition paused since the request: its records are fetched again after resume.
          if (from === undefined || this.isPaused(topic, p.partitionIndex) || this.positions.get(k) !== from) continue;
          await this.deliver(generation, topic, p.partitionIndex, from, p.highWatermark, p.records ?? []);
        }
      }
    }
  }

  /** Resets out-of-range partitions by `autoOffsetReset` and reports each; false when the error was another. */
  private async handleOutOfRange(
    consumer: Consumer,
    generation: number,
    response: FetchResponse,
    topicsById: ReadonlyMap<string, string>,
  ): Promise<boolean> {
    const outOfRange = new Map<string, number[]>();
    for (const t of response.responses ?? []) {
      for (const p of t.partitions) {
        if (p.errorCode === 0) continue;
        if (p.errorCode !== OFFSET_OUT_OF_RANGE) return false;
        const topic = topicsById.get(t.topicId) ?? t.topicId;
        outOfRange.set(topic, [...(outOfRange.get(topic) ?? []), p.partitionIndex]);
      }
    }
    if (outOfRange.size === 0) return false;
    if (this.settings.autoOffsetReset === "none") {
      const [topic, partitions] = [...outOfRange][0]!;
      throw new NoOffsetError(topic, partitions[0]!, "out-of-range", this.settings.groupId);
    }
    await this.resetPositions(
      consumer,
      generation,
      outOfRange,
      this.settings.autoOffsetReset === "earliest" ? EARLIEST : LATEST,
    );
    if (generation !== this.generation) return true;
    for (const [topic, partitions] of outOfRange)
      for (const partition of partitions) this.listener.offsetReset(topic, partition);
    return true;
  }

  /** Hands one partition's records to the listener; its `resolve` moves the position (only in this generation). */
  private async deliver(
    generation: number,
    topic: string,
    partition: number,
    from: bigint,
    highWatermark: bigint,
    batches: NonNullable<FetchResponse["responses"][number]["partitions"][number]["records"]>,
  ): Promise<void> {
    const records: FetchedRecord[] = [];
    let last: bigint | undefined;
    for (const batch of batches) {
      last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
      if (batch.attributes & IS_CONTROL) continue;
      for (const r of batch.records) {
        const offset = batch.firstOffset + BigInt(r.offsetDelta);
        if (offset < from) continue;
        records.push({
          offset: offset.toString(),
          key: r.key ?? null,
          value: r.value ?? null,
          timestamp: (batch.firstTimestamp + r.timestampDelta).toString(),
          headers: headersOf(r.headers),
        });
      }
    }
    const k = key(topic, partition);
    if (records.length === 0) {
      // Only transaction markers (or records before the position): step over them.
      if (last !== undefined && last >= from) this.positions.set(k, last + 1n);
      return;
    }
    try {
      await this.listener.batch({
        topic,
        partition,
        records,
        fetchedOffset: from.toString(),
        highWatermark: highWatermark.toString(),
        resolve: (offset) => {
          if (generation === this.generation && this.positions.has(k)) this.positions.set(k, BigInt(offset) + 1n);
        },
        // The client heartbeats in the background; waiting inside a batch only has to stop when the group rebalanced.
        heartbeat: () =>
          generation !== this.generation || this.rebalancing
            ? Promise.reject(new RebalancedError())
            : Promise.resolve(),
      });
    } catch (error) {
      if (!(error instanceof RebalancedError))
        this.logger.error("failed to route a batch", { topic, partition, error });
    }
  }
}

function isRetriable(error: unknown): boolean {
  if (isPlatformaticMissingTopic(error)) return false;
  return Boolean(
    (error as { retriable?: unknown; canRetry?: unknown }).canRetry ??
    (error as { retriable?: unknown }).retriable ??
    true,
  );
}

function headersOf(headers: readonly [Buffer | null, Buffer | null][]): RecordHeaders | undefined {
  if (headers.length === 0) return {};
  const out: Record<string, Buffer | Buffer[]> = {};
  for (const [name, value] of headers) {
    if (name === null) continue;
    const k = name.toString();
    const v = value ?? Buffer.alloc(0);
    const existing = out[k];
    out[k] = existing === undefined ? v : Array.isArray(existing) ? [...existing, v] : [existing, v];
  }
  return out;
}
