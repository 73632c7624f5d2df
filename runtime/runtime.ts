// ConsumerRuntime: what generated code instantiates. One Connection per ConnectionSpec (the shared
// connection first). Each connection runs on the Kafka client its settings or the options choose;
// one transport per client (kafkajs: one `Kafka` instance; platformatic: loaded at start).

import type { Kafka } from "kafkajs";
import type { ConnectionSpec } from "./types.js";
import type { BackoffSettings } from "./backoff.js";
import type { RetryTimers } from "./retry-timers.js";
import { Connection, type RestartSettings } from "./connection.js";
import type { TopicDirectory } from "./topic-availability.js";
import { kafkajsTransport, type ConsumerFactory } from "./transport/kafkajs.js";
import type { Transport } from "./transport/transport.js";
import { topicsToProvision, type NewTopic } from "./topic-provisioning.js";
import { ClientUnavailableError, DEFAULT_CLIENT, unsupportedSettings, type KafkaClient } from "./transport/clients.js";
import { platformaticTransport } from "./transport/platformatic.js";
import { RuntimeEventEmitter, RuntimeEvents, type RuntimeEventName, type RuntimeListener } from "./events.js";
import { createConsoleLogger, namespaced, type RuntimeLogger } from "./logger.js";
import type { MetricsSnapshot } from "./metrics.js";
import { DeadLetterPublisher } from "./dead-letter-publisher.js";
import { checkExactlyOnceConnection, TransactionalOutput } from "./exactly-once.js";
import { settingsDeclaration } from "./settings-declaration.js";
import { DEFAULT_HEALTH, ProgressWatch, type HealthReport, type HealthSettings } from "./health.js";

/** Where the runtime's consumers connect: an existing `Kafka` instance, or broker addresses. */
export type KafkaConnectionOptions =
  { readonly kafka: Kafka } | { readonly brokers: string[]; readonly clientId?: string };

/** Optional behaviour of a {@link ConsumerRuntime}. */
export interface ConsumerRuntimeOptions {
  /** Where the runtime logs (default: console, `warn` and above). kafkajs's own logs go here too when the runtime creates the `Kafka` instance. */
  readonly logger?: RuntimeLogger;
  /** How long `stop()` waits for in-flight handlers when no `timeoutMs` is given (default 30 s). */
  readonly stopTimeoutMs?: number;
  /** How long `stop()` waits for the final commit of each connection, and then for it to leave its group (default 5 s each). */
  readonly commitOnStopTimeoutMs?: number;
  /** Least time between two "dropping records" warnings of one topic; the drops in between are summed up (default 10 s). */
  readonly dropLogIntervalMs?: number;
  /**
   * Overrides every topic's retry waits: `initialDelayMs` doubling to `maxDelayMs`, no jitter. Without it each topic
   * waits as its `retryBackoffMs`/`retryMultiplier`/`retryMaxBackoffMs`/`retryJitterPercent` say (default 200 ms
   * doubling to 30 s, ± 20 %). Attempts and dead letters stay the topic's (see docs/runtime.md, "Failure handling").
   */
  readonly handlerRetry?: BackoffSettings;
  /**
   * Where the waits before a failed record's next attempt (handler retries, dead-letter write retries) are
   * scheduled; default the system's timers. `kefgen/testing`'s fake clock passes itself here.
   */
  readonly retryTimers?: RetryTimers;
  /** Restarts of a crashed consumer that kafkajs does not restart itself (default 1 s doubling to 30 s, unlimited). */
  readonly restart?: RestartSettings;
  /** Creates each kafkajs connection's consumer; defaults to `kafka.consumer(config)`. For tests and instrumentation. */
  readonly createConsumer?: ConsumerFactory;
  /**
   * The Kafka client of every connection whose `.kef` names none (default `"kafkajs"`). `"platformatic"`
   * needs the optional peer dependency `@platformatic/kafka`, Node.js 22.22+ (or 24.6+) and `brokers`.
   * See docs/runtime.md, "The transport seam".
   */
  readonly client?: KafkaClient;
  /**
   * One transport for every connection, dead letters and topic questions, instead of a Kafka client per `client`
   * (then `kafka` and `client` are ignored): `kefgen/testing`'s in-memory transport runs the same runtime without a
   * broker (docs/runtime.md, "Testing without a broker").
   */
  readonly transport?: Transport;
  /**
   * How long a connection's consumer may take to connect to a broker at start before `start()` rejects
   * with a `BrokerUnreachableError` naming the brokers, the cause and a hint (default 10 s).
   */
  readonly connectTimeoutMs?: number;
  /** How often a connection looks for its missing topics (default 5 s). See docs/runtime.md, "Missing topics". */
  readonly missingTopicCheckMs?: number;
  /** Tells which topics exist; defaults to the Kafka admin client (`listTopics`). For tests. */
  readonly topicDirectory?: TopicDirectory;
  /** When {@link ConsumerRuntime.health} calls a connection not ready and not live (default {@link DEFAULT_HEALTH}). */
  readonly health?: Partial<HealthSettings>;
  /**
   * `true`: at start, before any consumer joins, create the topics (and dead-letter topics) that are missing, as the
   * .kef declares them (`partitions`, `replicationFactor`, `config`; else the broker's defaults). Never changes a
   * topic that exists (`kefgen topics apply` does). `start()` rejects, naming the topics and the broker's reasons,
   * when they cannot be created (e.g. a replication factor above the cluster's size). Default `false`.
   */
  readonly ensureTopics?: boolean;
}

/**
 * Runs the consumers of a kefgen declaration: one Kafka consumer per {@link ConnectionSpec}, a
 * bounded buffer and a dispatcher per topic (one handler call at a time, or `concurrency` calls but never
 * two of one partition), offsets committed only for handled records. See docs/runtime.md.
 *
 * ```ts
 * const runtime = new ConsumerRuntime(connections, { brokers: ["localhost:9092"] });
 * runtime.on(RuntimeEvents.HANDLER_ERROR, (e) => console.error(e.topic, e.offset, e.error));
 * await runtime.start();
 * process.on("SIGTERM", () => void runtime.stop({ timeoutMs: 10_000 }));
 * ```
 *
 * A runtime is started once; after `stop()` create a new one.
 */
export class ConsumerRuntime {
  /** Event names, e.g. `runtime.on(runtime.events.CRASH, …)`. */
  readonly events = RuntimeEvents;

  private readonly logger: RuntimeLogger;
  private readonly emitter: RuntimeEventEmitter;
  private readonly connections: readonly Connection[];
  private readonly stopTimeoutMs: number;
  private readonly topicDirectory: TopicDirectory;
  private readonly deadLetters: DeadLetterPublisher;
  /** The transactional producers of the connections with exactly-once topics (runtime/exactly-once.ts). */
  private readonly transactionOutputs: TransactionalOutput[] = [];
  private readonly progress = new ProgressWatch();
  private readonly healthSettings: HealthSettings;
  /** The topics `ensureTopics` creates when missing; empty without the option. */
  private readonly topicsToEnsure: readonly NewTopic[];
  /** One transport per client in use. */
  private readonly transports: ReadonlyMap<KafkaClient, Transport>;
  /** The transport of the first connection (the shared one, if any): topic directory, dead letters, ensureTopics. */
  private readonly mainTransport: Transport;
  private startPromise: Promise<void> | undefined;
  private stopPromise: Promise<void> | undefined;

  /**
   * @param connections the connection specs (from generated code). At most one may be `shared`; names must be unique.
   * @param kafka an existing `Kafka` instance, or `brokers` (and `clientId`) to create one.
   * @param options logger, timeouts and backoffs; see {@link ConsumerRuntimeOptions}.
   */
  constructor(
    connections: readonly ConnectionSpec[],
    kafka: KafkaConnectionOptions,
    options: ConsumerRuntimeOptions = {},
  ) {
    const rootLogger = options.logger ?? createConsoleLogger();
    this.logger = namespaced(rootLogger, "kefgen.runtime");
    this.emitter = new RuntimeEventEmitter(namespaced(rootLogger, "kefgen.events"));
    this.stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
    this.healthSettings = { ...DEFAULT_HEALTH, ...options.health };
    validateSpecs(connections);

    this.topicsToEnsure = options.ensureTopics
      ? topicsToProvision(
          connections.flatMap((c) =>
            c.topics.map((t) => ({
              topic: t.topic,
              ...(t.provisioning ? { provisioning: t.provisioning } : {}),
              ...(t.failure?.deadLetter !== undefined ? { deadLetter: t.failure.deadLetter } : {}),
            })),
          ),
        )
      : [];
    const ordered = [...connections].sort((a, b) => Number(b.kind === "shared") - Number(a.kind === "shared"));
    const clientOf = (spec: ConnectionSpec): KafkaClient => spec.settings.client ?? options.client ?? DEFAULT_CLIENT;
    for (const spec of ordered) {
      const refused = unsupportedSettings(clientOf(spec), spec.settings);
      if (refused.length > 0) {
        throw new ClientUnavailableError(
          clientOf(spec),
          `connection "${spec.name}" runs on ${clientOf(spec)}, which cannot honour ${refused.join("; ")}. Choose client = platformatic or drop the setting`,
        );
      }
    }
    const transports = new Map<KafkaClient, Transport>();
    const transportOf = (client: KafkaClient): Transport => {
      if (options.transport) return options.transport;
      let transport = transports.get(client);
      if (!transport) {
        if (client === "platformatic") {
          if (!("brokers" in kafka))
            throw new ClientUnavailableError(
              client,
              "client = platformatic needs `brokers` (a kafkajs `Kafka` instance cannot be used by it)",
            );
          transport = platformaticTransport(kafka);
        } else {
          transport = kafkajsTransport(kafka, {
            logger: rootLogger,
            ...(options.createConsumer ? { createConsumer: options.createConsumer } : {}),
          });
        }
        transports.set(client, transport);
      }
      return transport;
    };
    // The topic directory, dead letters and ensureTopics use the first connection's client (the shared one, if any).
    const directoryTransport = transportOf(ordered[0] ? clientOf(ordered[0]) : (options.client ?? DEFAULT_CLIENT));
    this.topicDirectory = options.topicDirectory ?? {
      existing: (topics) => directoryTransport.admin().existingTopics(topics),
      close: () => directoryTransport.admin().close(),
    };
    this.transports = transports;
    this.mainTransport = directoryTransport;
    this.deadLetters = new DeadLetterPublisher(directoryTransport, namespaced(rootLogger, "kefgen.dead-letters"));

    const transactionsOf = (spec: ConnectionSpec): TransactionalOutput | undefined => {
      if (!spec.topics.some((t) => t.exactlyOnce)) return undefined;
      checkExactlyOnceConnection(spec);
      const transport = transportOf(clientOf(spec));
      if (!transport.createTransactionalProducer) {
        throw new ClientUnavailableError(
          clientOf(spec),
          `connection "${spec.name}" has exactly-once topics, which need Kafka transactions; the runtime runs them on kafkajs only (${settingsDeclaration.exactlyOnce.unsupported.why}). Choose client = kafkajs`,
        );
      }
      const output = new TransactionalOutput(transport, namespaced(rootLogger, "kefgen.exactly-once"));
      this.transactionOutputs.push(output);
      return output;
    };
    this.connections = ordered.map((spec) => {
      const transactions = transactionsOf(spec);
      return new Connection({
        spec,
        transport: this.watchFetches(spec.name, transportOf(clientOf(spec))),
        events: this.emitter,
        logger: rootLogger,
        ...(options.handlerRetry ? { handlerRetry: options.handlerRetry } : {}),
        ...(options.retryTimers ? { retryTimers: options.retryTimers } : {}),
        ...(options.restart ? { restart: options.restart } : {}),
        ...(options.commitOnStopTimeoutMs !== undefined
          ? { commitOnStopTimeoutMs: options.commitOnStopTimeoutMs }
          : {}),
        ...(options.dropLogIntervalMs !== undefined ? { dropLogIntervalMs: options.dropLogIntervalMs } : {}),
        ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
        ...(options.missingTopicCheckMs !== undefined ? { missingTopicCheckMs: options.missingTopicCheckMs } : {}),
        topicDirectory: this.topicDirectory,
        deadLetters: this.deadLetters,
        ...(transactions ? { transactions } : {}),
        ...("brokers" in kafka ? { brokers: kafka.brokers } : {}),
      });
    });
  }

  /**
   * Connects and subscribes every connection; resolves when every consumer joined its group. With
   * `autoOffsetReset = latest`, a partition without a committed offset starts at its end as of the first fetch,
   * just after: a record written in between is not read (docs/runtime.md, "Commits").
   * If one fails, the others are stopped and the error is rethrown. Calling it again returns the same promise.
   */
  start(): Promise<void> {
    if (this.stopPromise) return Promise.reject(new Error("this ConsumerRuntime was stopped; create a new one"));
    this.startPromise ??= this.startAll();
    return this.startPromise;
  }

  /**
   * Stops fetching, lets the handler call in flight on each topic finish within `timeoutMs`
   * (default {@link ConsumerRuntimeOptions.stopTimeoutMs}), commits handled offsets and leaves the
   * groups. Records not handled by then are redelivered to the group's next member. Idempotent.
   */
  stop(options: { timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? this.stopTimeoutMs);
    this.stopPromise ??= Promise.all(this.connections.map((connection) => connection.stop({ deadline }))).then(
      async () => {
        // Bounded: an admin connection to a broker that stopped answering must not hold stop() up.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.all([
            this.deadLetters.close(),
            this.topicDirectory.close(),
            ...this.transactionOutputs.map((o) => o.close()),
          ]),
          new Promise((resolve) => (timer = setTimeout(resolve, 2_000))),
        ]);
        clearTimeout(timer);
        this.logger.info("stopped");
      },
    );
    return this.stopPromise;
  }

  /** A snapshot of every connection's state, topic counters and partition lag. */
  metrics(): MetricsSnapshot {
    const connections = this.connections.map((connection) => connection.metrics());
    return { connections, connectionCount: connections.length };
  }

  /**
   * Liveness and readiness of every connection, for probes (see docs/operations.md, "Health").
   * `ready`: joined its group and fetching, or waiting by design for missing topics. `live`: not
   * crashed, and no running fetch loop without progress for `health.liveTimeoutMs`.
   */
  health(): HealthReport {
    return this.progress.report(this.metrics().connections, this.healthSettings);
  }

  /** Listens to a runtime event (see {@link RuntimeEvents}); returns a function that removes the listener. */
  on<E extends RuntimeEventName>(event: E, listener: RuntimeListener<E>): () => void {
    return this.emitter.on(event, listener);
  }

  /** Removes a listener added with {@link on}. */
  off<E extends RuntimeEventName>(event: E, listener: RuntimeListener<E>): void {
    this.emitter.off(event, listener);
  }

  private async startAll(): Promise<void> {
    // A client that cannot run here (Node.js too old, peer dependency missing) fails start() at once.
    await Promise.all([...this.transports.values()].map((transport) => transport.prepare?.()));
    if (this.topicsToEnsure.length > 0) {
      try {
        await this.createMissingTopics();
      } catch (error) {
        await this.stop({ timeoutMs: 0 });
        throw error;
      }
    }
    const results = await Promise.allSettled(this.connections.map((connection) => connection.start()));
    const failure = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failure) {
      this.logger.error("start failed; stopping the connections that started", { error: failure.reason });
      await this.stop({ timeoutMs: 0 });
      throw failure.reason;
    }
    this.logger.info("started", { connections: this.connections.map((c) => c.name) });
  }

  /** `ensureTopics`: creates the declared topics the cluster does not have yet. */
  private async createMissingTopics(): Promise<void> {
    const admin = this.mainTransport.admin();
    const existing = await admin.existingTopics(this.topicsToEnsure.map((t) => t.topic));
    const missing = this.topicsToEnsure.filter((t) => !existing.has(t.topic));
    if (missing.length === 0) return;
    await admin.createTopics(missing);
    this.logger.info("created missing topics", { topics: missing.map((t) => t.topic) });
  }

  /** The transport as connection `name` sees it: each fetch response is also noted for {@link health}. */
  private watchFetches(name: string, transport: Transport): Transport {
    return {
      ...transport,
      createMember: (settings, listener, logger) =>
        transport.createMember(
          settings,
          {
            assigned: (assignment) => listener.assigned(assignment),
            rebalancing: () => listener.rebalancing(),
            rebalanceAbandoned: () => listener.rebalanceAbandoned(),
            crashed: (error, restarting) => listener.crashed(error, restarting),
            fetched: () => {
              this.progress.fetched(name);
              listener.fetched();
            },
            offsetReset: (topic, partition) => listener.offsetReset(topic, partition),
            batch: (batch) => listener.batch(batch),
          },
          logger,
        ),
    };
  }
}

function validateSpecs(connections: readonly ConnectionSpec[]): void {
  const names = new Set<string>();
  let shared = 0;
  for (const spec of connections) {
    if (names.has(spec.name)) throw new Error(`two connections are named "${spec.name}"`);
    names.add(spec.name);
    if (spec.kind === "shared") shared++;
    if (spec.topics.length === 0) throw new Error(`connection "${spec.name}" has no topics`);
  }
  if (shared > 1) throw new Error("more than one shared connection");
}
