// Which of a connection's topics exist on the cluster. kafkajs cannot unsubscribe a topic, and a
// consumer subscribed to a topic that no longer exists crashes at every fetch and rejoin (it restarts
// itself every 300 ms, forever, and no topic of the connection is consumed meanwhile). So the
// connection asks this class which topics exist, runs its consumer on those only, and this class looks
// for the missing ones every `checkIntervalMs` until they exist again.

import type { Admin } from "kafkajs";
import { KafkajsAdmin } from "./transport/kafkajs.js";
import { RuntimeEvents, type RuntimeEventEmitter } from "./events.js";
import type { RuntimeLogger } from "./logger.js";

/** Default of `missingTopicCheckMs`: how often a connection looks for its missing topics. */
export const DEFAULT_MISSING_TOPIC_CHECK_MS = 5_000;

/** Tells which topics exist. The runtime's default asks the Kafka admin client; tests pass a fake. */
export interface TopicDirectory {
  /** The names among `topics` that exist on the cluster now. Rejects when the cluster cannot be asked. */
  existing(topics: readonly string[]): Promise<ReadonlySet<string>>;
  /** Releases what it holds (the admin connection). */
  close(): Promise<void>;
}

/**
 * A {@link TopicDirectory} over one kafkajs admin client, connected at the first question and
 * reconnected after a failure. `listTopics()` is one metadata request.
 */
export function adminTopicDirectory(createAdmin: () => Admin): TopicDirectory {
  return new KafkajsAdmin(createAdmin);
}

/** Construction parameters of a {@link TopicAvailability}. */
export interface TopicAvailabilityOptions {
  /** The connection's name, for events. */
  readonly connection: string;
  /** The connection's topics, in declaration order. */
  readonly topics: readonly string[];
  /** Where to ask which topics exist. */
  readonly directory: TopicDirectory;
  /** Where `topicMissing` and `topicReturned` go. */
  readonly events: RuntimeEventEmitter;
  /** The connection's logger. */
  readonly logger: RuntimeLogger;
  /** How often missing topics are looked for. */
  readonly checkIntervalMs: number;
  /** Called when the periodic check found missing topics that exist again. */
  readonly onReturned: (topics: readonly string[]) => void;
}

/**
 * The set of a connection's topics known to be missing, and the periodic check that notices when
 * they come back. Owns that set (the connection asks it which topics to subscribe); emits
 * `topicMissing` and `topicReturned`.
 */
export class TopicAvailability {
  private readonly missing = new Map<string, number>(); // topic → since (epoch ms)
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private missingCount = 0;

  /** @param options see {@link TopicAvailabilityOptions}. */
  constructor(private readonly options: TopicAvailabilityOptions) {}

  /** The topics to subscribe: every declared topic not known to be missing, in declaration order. */
  present(): string[] {
    return this.options.topics.filter((topic) => !this.missing.has(topic));
  }

  /** The topics known to be missing, in declaration order. */
  missingTopics(): string[] {
    return this.options.topics.filter((topic) => this.missing.has(topic));
  }

  /** Whether `topic` is known to be missing. */
  isMissing(topic: string): boolean {
    return this.missing.has(topic);
  }

  /** How often a topic of the connection was found missing since start (one `topicMissing` event each). */
  get timesMissing(): number {
    return this.missingCount;
  }

  /**
   * Asks the directory which topics exist and updates the missing set: a topic newly missing emits
   * `topicMissing` (`when`, and `waiting`: whether the connection goes on without it), one that exists
   * again emits `topicReturned`. Rejects, changing nothing, when the directory cannot answer.
   */
  async check(when: "start" | "running", waiting: boolean): Promise<{ newlyMissing: string[]; returned: string[] }> {
    const existing = await this.options.directory.existing(this.options.topics);
    const newlyMissing: string[] = [];
    const returned: string[] = [];
    const now = Date.now();
    for (const topic of this.options.topics) {
      const since = this.missing.get(topic);
      if (existing.has(topic) && since !== undefined) {
        this.missing.delete(topic);
        returned.push(topic);
        this.options.logger.info("topic exists again: consuming it again", { topic, missingForMs: now - since });
        this.options.events.emit(RuntimeEvents.TOPIC_RETURNED, {
          connection: this.options.connection,
          topic,
          missingForMs: now - since,
        });
      } else if (!existing.has(topic) && since === undefined) {
        this.missing.set(topic, now);
        this.missingCount++;
        newlyMissing.push(topic);
        const what = waiting
          ? `its partitions are dropped from the connection, the other topics go on; checking every ${this.options.checkIntervalMs} ms and consuming it again once it exists`
          : "start() fails (missingTopics = fail)";
        this.options.logger.warn(`topic does not exist: ${what}`, { topic, when });
        this.options.events.emit(RuntimeEvents.TOPIC_MISSING, {
          connection: this.options.connection,
          topic,
          when,
          waiting,
          checkIntervalMs: this.options.checkIntervalMs,
        });
      }
    }
    return { newlyMissing, returned };
  }

  /** Looks for the missing topics every `checkIntervalMs` until none is missing (or {@link stop}). */
  watch(): void {
    if (this.stopped || this.timer || this.missing.size === 0) return;
    this.timer = setTimeout(() => void this.poll(), this.options.checkIntervalMs);
  }

  /** Ends the periodic check for good. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    try {
      const { returned } = await this.check("running", true);
      if (returned.length > 0 && !this.stopped) this.options.onReturned(returned);
    } catch (error) {
      this.options.logger.debug("could not check whether the missing topics exist; trying again", { error });
    }
    this.watch();
  }
}
