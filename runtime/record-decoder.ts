// RecordDecoder: one topic's decode path — a fetched record's value and key, read right before its handler runs
// (tombstones, bare Avro, framed formats, declared key types), and the waits for an unreachable schema registry that
// a framed record can make. The one owner of those waits; the channel (topic-channel.ts) decides what a record that
// cannot be decoded means (poison path, exactly-once transaction first).

import type { TopicBinding } from "./types.js";
import { DecodeError } from "./errors.js";
import { ABANDONED, PendingDecode, type RegistryWait } from "./confluent-format.js";
import { keyDecodeError } from "./key-format.js";
import { RuntimeEvents, type RuntimeEventEmitter } from "./events.js";
import type { RuntimeLogger } from "./logger.js";
import type { ChannelRecord } from "./topic-channel.js";

/** Construction parameters of a {@link RecordDecoder}. */
export interface RecordDecoderOptions {
  /** The connection's name (for events). */
  readonly connection: string;
  // `any`: a decoder serves one binding of whatever message type, like ConnectionSpec.topics.
  readonly binding: TopicBinding<any>;
  readonly events: RuntimeEventEmitter;
  readonly logger: RuntimeLogger;
}

/**
 * How decoding a record ended: its value and key; `{ error }` when it cannot be decoded (a poison record, a
 * {@link DecodeError} with its position); `undefined` when the wait for its writer schema was abandoned.
 */
export type DecodeOutcome =
  | { readonly value: unknown; readonly key: unknown; readonly error?: undefined }
  | { readonly error: DecodeError }
  | undefined;

/** Decodes one topic's records; see the file header. */
export class RecordDecoder {
  private readonly binding: TopicBinding<any>;
  /** Registry waits in progress; ended early by stop() and by cutting their partition's waits short. */
  private readonly sleeps = new Map<ChannelRecord, { timer: NodeJS.Timeout; end: () => void }>();
  private stopping = false;
  private registryFailures = 0;
  private waiting = 0;

  /** @param options see {@link RecordDecoderOptions}. */
  constructor(private readonly options: RecordDecoderOptions) {
    this.binding = options.binding;
  }

  /** Failed attempts to fetch a writer schema from an unreachable registry (each one made a record wait). */
  get registryUnavailable(): number {
    return this.registryFailures;
  }

  /** Records waiting right now for an unreachable registry. */
  get waitingForRegistry(): number {
    return this.waiting;
  }

  /** Whether `record` is sleeping between two attempts to reach the registry (not the handler's time). */
  isWaiting(record: ChannelRecord): boolean {
    return this.sleeps.has(record);
  }

  /**
   * Decodes a record's value and key (see {@link DecodeOutcome}). A wait for its writer schema is abandoned on stop
   * and when its partition is revoked: the record is delivered again later.
   */
  async decode(record: ChannelRecord): Promise<DecodeOutcome> {
    const { topic, partition, message } = record;
    let value: unknown;
    let key: unknown = message.key;
    try {
      if (message.value === null) {
        // A tombstone: delivered as null where the topic says `tombstones`, else a record no codec can read.
        if (!this.binding.tombstones)
          throw new DecodeError(
            "record has no value (tombstone); declare the topic with `tombstones` to receive it as null",
          );
        value = null;
      } else {
        const format = this.binding.format;
        // Bare Avro stays synchronous; a framed value waits only while its writer schema is being fetched.
        value = format ? format.decode(message.value, message.headers) : this.binding.codec.decode(message.value);
        if (value instanceof PendingDecode) value = await value.wait(this.registryWait(record));
        // Shut down or revoked while waiting for the registry: not done, so it is delivered again later.
        if (value === ABANDONED) return undefined;
      }
      const keyFormat = this.binding.key;
      if (keyFormat) {
        // A declared key type: a record without a key gets null; a key that cannot be read makes the record poison.
        try {
          key = message.key === null ? null : keyFormat.decode(message.key);
          if (key instanceof PendingDecode) key = await key.wait(this.registryWait(record));
        } catch (error) {
          throw keyDecodeError(error);
        }
        if (key === ABANDONED) return undefined;
      }
    } catch (cause) {
      return { error: DecodeError.at(cause, { topic, partition, offset: message.offset }) };
    }
    return { value, key };
  }

  /** Ends the registry waits of records matching `predicate` (revoked partitions) at once, as abandoned. */
  cutShort(predicate: (record: ChannelRecord) => boolean): void {
    for (const [record, sleep] of [...this.sleeps]) {
      if (predicate(record)) {
        clearTimeout(sleep.timer);
        sleep.end();
      }
    }
  }

  /** Ends every registry wait at once, as abandoned; later waits end at once too. */
  stop(): void {
    this.stopping = true;
    for (const sleep of this.sleeps.values()) {
      clearTimeout(sleep.timer);
      sleep.end();
    }
  }

  /**
   * How a framed record waits for an unreachable registry: an event and a count per failed attempt, and a sleep that
   * ends early (as abandoned) on stop() and when the record's partition is revoked. Its partition takes no other
   * record meanwhile (the record is running), so nothing after it is handled or committed; other partitions go on
   * when concurrency > 1, and other topics always.
   */
  private registryWait(record: ChannelRecord): RegistryWait {
    return {
      unavailable: (error, attempt, retryInMs) => {
        this.registryFailures++;
        const { topic, partition, message } = record;
        this.options.logger.warn("schema registry unavailable; the record waits", {
          topic,
          partition,
          offset: message.offset,
          attempt,
          retryInMs,
          error: error.message,
        });
        this.options.events.emit(RuntimeEvents.REGISTRY_UNAVAILABLE, {
          connection: this.options.connection,
          topic,
          partition,
          offset: message.offset,
          error,
          attempt,
          retryInMs,
        });
      },
      sleep: async (ms) => {
        this.waiting++;
        try {
          await this.sleep(record, ms);
        } finally {
          this.waiting--;
        }
        return !this.stopping && !record.offsets.revoked;
      },
    };
  }

  private sleep(record: ChannelRecord, ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const end = (): void => {
        this.sleeps.delete(record);
        resolve();
      };
      this.sleeps.set(record, { timer: setTimeout(end, ms), end });
    });
  }
}
