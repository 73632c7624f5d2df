// ConsumerReplacement: runs a connection's group member on the topics that exist, and replaces it
// when that set changes. kafkajs cannot unsubscribe a topic, and a member subscribed to a topic that
// no longer exists crashes at every fetch and rejoin, so a changed topic set is a new member:
// missing topics are dropped (the others go on), and found again by TopicAvailability.

import { DEFAULT_MISSING_TOPICS, type MissingTopicsMode } from "./types.js";
import { isMissingTopicError, TopicMissingError } from "./errors.js";
import type { RuntimeLogger } from "./logger.js";
import type { TopicAvailability } from "./topic-availability.js";

/** What a {@link ConsumerReplacement} asks of its connection. */
export interface ReplacementHost {
  /** Creates, connects, subscribes and runs a member on `topics` (none if empty). */
  launch(topics: readonly string[]): Promise<void>;
  /** Leaves the group with the current member (bounded) and forgets what it owned. */
  dropMember(): Promise<void>;
  /** No topic exists: no member; state `waiting`; a start() waiting for its join is done. */
  startWaiting(): void;
  /** `true` once the connection is stopping. */
  stopping(): boolean;
  /** `true` once the connection joined its group at least once. */
  joined(): boolean;
  /** An ordinary crash: restart with backoff. */
  restartWithBackoff(error: unknown): void;
  /** Before the first join with `missingTopics = fail`: the crash is final and start() rejects with `reason`. */
  failStart(error: unknown, reason: Error): void;
  /** A member is replaced because topics are missing (counted as a restart, reported as a crash that restarts). */
  replacingMember(error: unknown, missing: readonly string[]): void;
  /** Holds every dispatcher and commits what was handled, before a planned rejoin. */
  prepareRejoin(): Promise<void>;
}

/**
 * Owns the connection's {@link TopicAvailability} and serialises member replacements (one after
 * the other). Every decision about a missing topic is made here; the connection carries it out.
 */
export class ConsumerReplacement {
  /** Member replacements run one after the other. */
  private replacing: Promise<void> = Promise.resolve();

  private readonly connection: string;
  /** The Kafka client the connection consumes with, for {@link TopicMissingError}'s hint. */
  private readonly client: string | undefined;
  private readonly availability: TopicAvailability;
  private readonly mode: MissingTopicsMode;
  private readonly host: ReplacementHost;
  private readonly logger: RuntimeLogger;

  /**
   * @param options.availability which topics exist; its `onReturned` should call {@link resubscribe}.
   * @param options.mode the connection's `missingTopics` setting.
   * @param options.client the Kafka client the connection consumes with (a transport's `client`).
   */
  constructor(options: {
    connection: string;
    client?: string;
    availability: TopicAvailability;
    mode: MissingTopicsMode | undefined;
    host: ReplacementHost;
    logger: RuntimeLogger;
  }) {
    this.connection = options.connection;
    this.client = options.client;
    this.availability = options.availability;
    this.mode = options.mode ?? DEFAULT_MISSING_TOPICS;
    this.host = options.host;
    this.logger = options.logger;
  }

  /** The topics to run a member on: those not known to be missing. */
  present(): string[] {
    return this.availability.present();
  }

  private missingError(missing: readonly string[], cause: unknown): TopicMissingError {
    return new TopicMissingError(this.connection, missing, {
      cause,
      ...(this.client === undefined ? {} : { client: this.client }),
    });
  }

  /** Settles when the replacement in progress (if any) is done. */
  settled(): Promise<void> {
    return this.replacing;
  }

  /**
   * start() met a missing topic (kafkajs's subscribe() fails at once, without naming it).
   * `missingTopics = fail`: reject with the topics' names. `wait`: run a new member on the topics that
   * exist (none: state `waiting`) and look for the others periodically. If the cluster says every
   * topic exists after all (it was just created), start once more with all.
   */
  async startWithoutMissing(error: unknown): Promise<void> {
    const waiting = this.mode === "wait";
    try {
      await this.availability.check("start", waiting);
    } catch (directoryError) {
      this.logger.debug("could not ask which topics exist", { error: directoryError });
      throw error;
    }
    const missing = this.availability.missingTopics();
    if (missing.length > 0 && !waiting) throw this.missingError(missing, error);
    await this.host.dropMember();
    await this.host.launch(this.availability.present());
    this.availability.watch();
  }

  /**
   * The client reported a missing topic (the member crashed, or a new one could not subscribe). Asks
   * which topics exist: missing ones are dropped (`topicMissing`) and the member is replaced by one
   * on the others, which go on; if none is missing after all, it is a normal restart with backoff.
   * Before the first join with `missingTopics = fail`, start() fails naming the topics.
   */
  async recover(error: unknown): Promise<void> {
    const joined = this.host.joined();
    const failStart = !joined && this.mode === "fail";
    let newlyMissing: string[] = [];
    try {
      ({ newlyMissing } = await this.availability.check(joined ? "running" : "start", !failStart));
    } catch (directoryError) {
      this.logger.debug("could not ask which topics exist", { error: directoryError });
    }
    if (this.host.stopping()) return;
    const missing = this.availability.missingTopics();
    // Nothing newly missing (the cluster still lists the topic, or cannot be asked): replacing the
    // member at once could loop as fast as the client fails, so this is an ordinary restart with backoff.
    if (newlyMissing.length === 0) return this.host.restartWithBackoff(error);
    if (failStart) return this.host.failStart(error, this.missingError(missing, error));
    this.host.replacingMember(error, missing);
    await this.replace();
    this.availability.watch();
  }

  /**
   * Missing topics exist again: a planned rejoin with the full topic set. Like a rebalance, every
   * dispatcher is held and what was handled is committed first, so only the calls in flight can be
   * handled again (by whoever owns their partition next).
   */
  async resubscribe(): Promise<void> {
    if (this.host.stopping()) return;
    await this.host.prepareRejoin();
    await this.replace();
  }

  /** Replaces the member by one on the topics that exist now. Serialised; failures restart with backoff. */
  replace(): Promise<void> {
    this.replacing = this.replacing.then(async () => {
      if (this.host.stopping()) return;
      await this.host.dropMember();
      if (this.host.stopping()) return;
      const topics = this.availability.present();
      if (topics.length === 0) return this.host.startWaiting();
      try {
        await this.host.launch(topics);
      } catch (error) {
        if (this.host.stopping()) return;
        if (isMissingTopicError(error)) void this.recover(error);
        else this.host.restartWithBackoff(error);
      }
    });
    return this.replacing;
  }
}
