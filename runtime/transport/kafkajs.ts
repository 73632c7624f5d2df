// The kafkajs transport: the runtime's seam (transport.ts) over kafkajs 2.2.4. What knows kafkajs lives here and in
// kafkajs-producers.ts (its producer and transactional producer): its consumer settings, its events, its batch
// payload, its logs (offset resets are reported only there, pitfall 7) and its admin.

// First: it replaces kafkajs's read_committed filter, which has to happen before kafkajs loads (see the file).
import { abortedFilterWarning } from "./kafkajs-aborted.js";
import {
  Kafka,
  logLevel,
  type Admin,
  type Consumer,
  type ConsumerConfig,
  type ConsumerEvents,
  type ConsumerRunConfig,
  type InstrumentationEvent,
  type logCreator,
} from "kafkajs";
import { isMissingTopicError } from "../errors.js";
import type { NewTopic } from "../topic-provisioning.js";
import { namespaced, type RuntimeLogger } from "../logger.js";
import type { ConnectionSettings } from "../types.js";
import type {
  Assignment,
  GroupMember,
  MemberListener,
  OffsetToCommit,
  PausedTopic,
  Transport,
  TransportAdmin,
} from "./transport.js";
import { KafkajsProducer, KafkajsTransactionalProducer } from "./kafkajs-producers.js";

/**
 * The part of a kafkajs `Consumer` the transport uses. `kafka.consumer(config)` satisfies it; tests
 * pass an in-process fake.
 */
export type ConsumerPort = Pick<
  Consumer,
  "connect" | "disconnect" | "subscribe" | "run" | "commitOffsets" | "pause" | "resume" | "events"
> & {
  on(eventName: ConsumerEvents[keyof ConsumerEvents], listener: (event: InstrumentationEvent<any>) => void): () => void;
};

/** Creates the consumer of a connection, e.g. `(config) => kafka.consumer(config)`. */
export type ConsumerFactory = (config: ConsumerConfig) => ConsumerPort;

/** Where the kafkajs transport connects: an existing `Kafka` instance, or broker addresses. */
export type KafkajsConnection =
  { readonly kafka: Kafka } | { readonly brokers: readonly string[]; readonly clientId?: string };

/** Construction parameters of {@link kafkajsTransport}. */
export interface KafkajsTransportOptions {
  /** Where kafkajs's own log lines go (namespace `kefgen.kafkajs.<component>`), when the transport creates the `Kafka` instance. */
  readonly logger: RuntimeLogger;
  /** Creates each member's consumer; defaults to `kafka.consumer(config)`. For tests and instrumentation. */
  readonly createConsumer?: ConsumerFactory;
}

const OFFSET_RESET_LOG = "Offset out of range, resetting to default offset";

/** The kafkajs consumer settings of a connection. */
export function kafkajsConsumerConfig(s: ConnectionSettings): ConsumerConfig {
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
 * The kafkajs {@link Transport}. The `Kafka` instance is created at the first use (a transport whose
 * members come from `createConsumer` may never need it).
 */
export function kafkajsTransport(connection: KafkajsConnection, options: KafkajsTransportOptions): Transport {
  /** Members by group id, for what kafkajs only logs: offset resets, a member the coordinator does not know. */
  const byGroup = new Map<string, Set<KafkajsMember>>();
  let instance: Kafka | undefined;
  const kafka = (): Kafka =>
    (instance ??=
      "kafka" in connection
        ? connection.kafka
        : new Kafka({
            clientId: connection.clientId ?? "kefgen",
            brokers: [...connection.brokers],
            logLevel: logLevel.WARN,
            logCreator: kafkaLogCreator(options.logger, {
              offsetReset: (groupId, topic, partition) => {
                for (const member of byGroup.get(groupId) ?? []) member.offsetReset(topic, partition);
              },
              memberUnknown: (groupId, memberId) => {
                for (const member of byGroup.get(groupId) ?? []) member.memberUnknown(memberId);
              },
            }),
          }));
  const createConsumer: ConsumerFactory = options.createConsumer ?? ((config) => kafka().consumer(config));
  let admin: KafkajsAdmin | undefined;
  let filterWarning = abortedFilterWarning();
  return {
    client: "kafkajs",
    createMember(settings, listener, logger) {
      if (filterWarning !== undefined) {
        options.logger.warn(filterWarning);
        filterWarning = undefined;
      }
      const consumer = createConsumer(kafkajsConsumerConfig(settings));
      let group = byGroup.get(settings.groupId);
      if (!group) byGroup.set(settings.groupId, (group = new Set()));
      const members = group;
      const member: KafkajsMember = new KafkajsMember(consumer, listener, logger, () => members.delete(member));
      members.add(member);
      return member;
    },
    admin: () => (admin ??= new KafkajsAdmin(() => kafka().admin())),
    createProducer: (settings) => new KafkajsProducer(kafka(), settings),
    createTransactionalProducer: (transactionalId) => new KafkajsTransactionalProducer(kafka(), transactionalId),
  };
}

/** A {@link GroupMember} over one kafkajs consumer, always with manual offsets (pitfall 3). */
class KafkajsMember implements GroupMember {
  private removeListeners: (() => void)[] = [];
  /** kafkajs announced a rebalance (REBALANCING) and neither a join nor a crash followed yet. */
  private rejoining = false;
  /** The member id of the last join (kafkajs names it in what it logs). */
  private memberId: string | undefined;

  /**
   * @param consumer the kafkajs consumer (or a fake of its surface).
   * @param listener where the member's events go.
   * @param logger where a listener that threw is reported.
   * @param onDetach called once by {@link detach}.
   */
  constructor(
    private readonly consumer: ConsumerPort,
    private readonly listener: MemberListener,
    private readonly logger: RuntimeLogger,
    private readonly onDetach: () => void = () => {},
  ) {
    const guard =
      (what: string, body: (payload: any) => void) =>
      (event: InstrumentationEvent<any>): void =>
        this.guarded(what, () => body(event.payload));
    const events = consumer.events;
    this.removeListeners.push(
      consumer.on(
        events.GROUP_JOIN,
        guard("group join", (payload: { memberAssignment?: Assignment; memberId?: string }) => {
          this.rejoining = false;
          this.memberId = payload.memberId;
          listener.assigned(payload.memberAssignment ?? {});
        }),
      ),
      consumer.on(
        events.REBALANCING,
        guard("rebalance", () => this.rebalanceAnnounced()),
      ),
      consumer.on(
        events.CRASH,
        guard("crash", (payload: { error: unknown; restart: boolean }) => {
          this.rejoining = false;
          listener.crashed(payload.error, payload.restart);
        }),
      ),
      // kafkajs emits REBALANCING once its fetchers stopped, then joins; a fetch starts again only after the join
      // (GROUP_JOIN first) or after joinAndSync gave up (it retries only "rebalance in progress" and "unknown
      // member"; e.g. COORDINATOR_LOAD_IN_PROGRESS after a broker stall ends it), when the runner's retry starts the
      // fetchers again in the generation the member had. A fetch starting while rejoining is that second case.
      consumer.on(
        events.FETCH_START,
        guard("fetch start", () => {
          if (!this.rejoining) return;
          this.rejoining = false;
          listener.rebalanceAbandoned();
        }),
      ),
      // kafkajs emits FETCH when a fetch response arrived, before its batches are handed over.
      consumer.on(
        events.FETCH,
        guard("fetch", () => listener.fetched()),
      ),
    );
  }

  /** kafkajs logged that it reset a partition of this member's group whose offset was out of range. */
  offsetReset(topic: string, partition: number): void {
    this.listener.offsetReset(topic, partition);
  }

  /**
   * kafkajs logged that the coordinator does not know member `memberId` of this group and that it rejoins. Its runner
   * then joins without the REBALANCING event: for this member, that is announced to the listener as a rebalance
   * (the group gave the partitions out without it; handlers wait for the join), ended by the join, a crash or a fetch
   * that starts without a join (as after REBALANCING).
   */
  memberUnknown(memberId: string): void {
    if (this.memberId === undefined || memberId !== this.memberId || this.rejoining) return;
    this.guarded("rebalance", () => this.rebalanceAnnounced());
  }

  /** A rejoin began (REBALANCING, or a member its coordinator does not know): until a join, crash or fetch start. */
  private rebalanceAnnounced(): void {
    this.rejoining = true;
    this.listener.rebalancing();
  }

  /**
   * Runs a listener call for kafkajs: kafkajs calls listeners synchronously inside its join/fetch code (and its
   * logger) and does not catch a synchronous throw, so every listener call is guarded.
   */
  private guarded(what: string, body: () => void): void {
    try {
      body();
    } catch (error) {
      this.logger.error(`failed to handle ${what}`, { error });
    }
  }

  connect(): Promise<void> {
    return this.consumer.connect();
  }

  subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void> {
    return this.consumer.subscribe({ topics: [...topics], fromBeginning });
  }

  run(): Promise<void> {
    return this.consumer.run(this.runConfig());
  }

  /** The same kafkajs consumer again: its subscriptions and listeners survive a disconnect. */
  async restart(proceed: () => boolean): Promise<void> {
    await this.consumer.disconnect().catch(() => {});
    await this.consumer.connect();
    if (!proceed()) return;
    await this.consumer.run(this.runConfig());
  }

  disconnect(): Promise<void> {
    return this.consumer.disconnect();
  }

  detach(): void {
    for (const remove of this.removeListeners) remove();
    this.removeListeners = [];
    this.onDetach();
  }

  pause(topics: PausedTopic[]): void {
    this.consumer.pause(topics.map(kafkajsTopic));
  }

  resume(topics: PausedTopic[]): void {
    this.consumer.resume(topics.map(kafkajsTopic));
  }

  commit(offsets: OffsetToCommit[]): Promise<void> {
    return this.consumer.commitOffsets(offsets.map((o) => ({ ...o })));
  }

  private runConfig(): ConsumerRunConfig {
    return {
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: ({ batch, resolveOffset, heartbeat }) =>
        this.listener.batch({
          topic: batch.topic,
          partition: batch.partition,
          records: batch.messages,
          fetchedOffset: (batch as { fetchedOffset?: string }).fetchedOffset ?? batch.firstOffset() ?? undefined,
          highWatermark: batch.highWatermark,
          // kafkajs's resolveOffset(o) moves the partition's fetch position to o + 1.
          resolve: resolveOffset,
          heartbeat,
        }),
    };
  }
}

function kafkajsTopic(t: PausedTopic): { topic: string; partitions?: number[] } {
  return t.partitions ? { topic: t.topic, partitions: [...t.partitions] } : { topic: t.topic };
}

/**
 * A {@link TransportAdmin} over one kafkajs admin client, connected at the first question and
 * reconnected after a failure. `existing` is the same as `existingTopics` (a TopicDirectory).
 */
export class KafkajsAdmin implements TransportAdmin {
  private admin: Admin | undefined;
  private connecting: Promise<Admin> | undefined;

  /** @param createAdmin e.g. `() => kafka.admin()`. */
  constructor(private readonly createAdmin: () => Admin) {}

  /** `listTopics()` is one metadata request. */
  async existingTopics(topics: readonly string[]): Promise<ReadonlySet<string>> {
    const names = new Set(await this.ask((admin) => admin.listTopics()));
    return new Set(topics.filter((topic) => names.has(topic)));
  }

  /** Same as {@link existingTopics} (the TopicDirectory shape). */
  existing(topics: readonly string[]): Promise<ReadonlySet<string>> {
    return this.existingTopics(topics);
  }

  async endOffsets(topic: string): Promise<Map<number, string>> {
    const offsets = await this.ask((admin) => admin.fetchTopicOffsets(topic));
    return new Map(offsets.map((o) => [o.partition, o.high]));
  }

  async committedOffsets(groupId: string, topic: string): Promise<Map<number, string>> {
    const [result] = await this.ask((admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
    // kafkajs reports "-1" for a partition without a committed offset.
    return new Map((result?.partitions ?? []).filter((p) => p.offset !== "-1").map((p) => [p.partition, p.offset]));
  }

  /** kafkajs's createTopics returns false, not an error, when every topic exists already. */
  async createTopics(topics: readonly NewTopic[]): Promise<void> {
    if (topics.length === 0) return;
    try {
      await this.ask((admin) =>
        admin.createTopics({
          waitForLeaders: true,
          topics: topics.map((t) => ({
            topic: t.topic,
            numPartitions: t.partitions ?? -1,
            replicationFactor: t.replicationFactor ?? -1,
            configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
          })),
        }),
      );
    } catch (error) {
      // An aggregate of per-topic errors: name each topic and the broker's reason in one message.
      const errors = (error as { errors?: (Error & { topic?: string })[] }).errors;
      const reasons =
        Array.isArray(errors) && errors.length > 0
          ? errors.map((e) => `${e.topic ?? "?"}: ${e.message}`).join("; ")
          : (error as Error).message;
      throw new Error(`cannot create topics ${topics.map((t) => t.topic).join(", ")}: ${reasons}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    const current = this.admin ?? (this.connecting ? await this.connecting.catch(() => undefined) : undefined);
    this.admin = undefined;
    this.connecting = undefined;
    await current?.disconnect().catch(() => {});
  }

  private async ask<T>(question: (admin: Admin) => Promise<T>): Promise<T> {
    try {
      return await question(await this.connected());
    } catch (error) {
      // Reconnect at the next question: the connection may be what failed.
      const failed = this.admin;
      this.admin = undefined;
      this.connecting = undefined;
      await failed?.disconnect().catch(() => {});
      throw error;
    }
  }

  private connected(): Promise<Admin> {
    return (this.connecting ??= (async () => {
      const created = this.createAdmin();
      await created.connect();
      this.admin = created;
      return created;
    })());
  }
}

/** What kafkajs only logs, by group: an offset reset, a member its coordinator does not know (runner.js). */
interface LoggedEvents {
  offsetReset(groupId: string, topic: string, partition: number): void;
  memberUnknown(groupId: string, memberId: string): void;
}

const MEMBER_UNKNOWN_LOG = "The coordinator is not aware of this member, re-joining the group";

/**
 * Sends kafkajs's log lines to the runtime logger (namespace `kefgen.kafkajs.<component>`) and reports what kafkajs
 * only logs: its otherwise silent offset resets (pitfall 7), and a member its coordinator no longer knows.
 */
function kafkaLogCreator(logger: RuntimeLogger, events: LoggedEvents): logCreator {
  const loggers = new Map<string, RuntimeLogger>();
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, ...fields } = log;
      if (message === OFFSET_RESET_LOG && typeof fields.groupId === "string" && typeof fields.topic === "string") {
        events.offsetReset(fields.groupId, fields.topic, Number(fields.partition));
      }
      if (message === MEMBER_UNKNOWN_LOG && typeof fields.groupId === "string" && typeof fields.memberId === "string") {
        events.memberUnknown(fields.groupId, fields.memberId);
      }
      let target = loggers.get(namespace);
      if (!target) {
        target = namespaced(logger, namespace ? `kefgen.kafkajs.${namespace}` : "kefgen.kafkajs");
        loggers.set(namespace, target);
      }
      // kafkajs logs every error response at ERROR, also the retriable ones it retries itself (a fresh
      // broker's "group coordinator is not available"). Failures that matter surface as crashes.
      const retriedResponse = namespace === "Connection" && message.startsWith("Response ");
      switch (retriedResponse ? logLevel.DEBUG : level) {
        case logLevel.ERROR:
        case logLevel.NOTHING:
          target.error(message, fields);
          break;
        case logLevel.WARN:
          target.warn(message, fields);
          break;
        case logLevel.INFO:
          target.info(message, fields);
          break;
        default:
          target.debug(message, fields);
      }
    };
}
