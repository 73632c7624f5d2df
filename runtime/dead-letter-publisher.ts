// DeadLetterPublisher: writes dead-letter records through the transport's producer (acks=all, idempotent), one
// producer for the whole runtime, connected at the first dead letter. It only writes: when to write, and what to do
// when a write fails (the partition waits and retries), is the channel's business (topic-channel.ts).

import { deadLetterRecord, type DeadLetterCause } from "./dead-letter.js";
import type { RuntimeLogger } from "./logger.js";
import type { Transport, TransportProducer } from "./transport/transport.js";

/** Where a channel sends dead letters. `publish` resolves once the record is acknowledged by every in-sync replica. */
export interface DeadLetterSink {
  publish(deadLetterTopic: string, cause: DeadLetterCause): Promise<void>;
}

/**
 * A {@link DeadLetterSink} over a {@link Transport}. The dead-letter topic's partition count is looked up (admin
 * end offsets) before the first write to it, so that a record keeps its partition number when the dead-letter topic
 * has enough partitions; a missing topic makes that lookup, and so the write, fail (nothing is created).
 */
export class DeadLetterPublisher implements DeadLetterSink {
  private producer: Promise<TransportProducer> | undefined;
  private readonly partitions = new Map<string, number>();
  private closed = false;

  /**
   * @param transport where the producer and the admin client come from.
   * @param logger for failures to disconnect.
   */
  constructor(
    private readonly transport: Pick<Transport, "createProducer" | "admin">,
    private readonly logger: RuntimeLogger,
  ) {}

  /** Writes the dead letter of `cause` to `deadLetterTopic`. Rejects when it was not written (nothing to undo). */
  async publish(deadLetterTopic: string, cause: DeadLetterCause): Promise<void> {
    if (this.closed) throw new Error("the dead-letter producer is closed (the runtime is stopping)");
    const partitions = await this.partitionCount(deadLetterTopic);
    const producer = await this.connected();
    try {
      await producer.send(deadLetterTopic, [deadLetterRecord(cause, partitions)]);
    } catch (error) {
      // The topic may have been deleted or re-created with another partition count: look again next time.
      this.partitions.delete(deadLetterTopic);
      throw error;
    }
  }

  /** Disconnects the producer, if it was ever connected. */
  async close(): Promise<void> {
    this.closed = true;
    const producer = this.producer;
    this.producer = undefined;
    if (!producer) return;
    try {
      await (await producer).disconnect();
    } catch (error) {
      this.logger.debug("dead-letter producer did not disconnect cleanly", { error });
    }
  }

  private async partitionCount(topic: string): Promise<number> {
    const known = this.partitions.get(topic);
    if (known !== undefined) return known;
    const count = (await this.transport.admin().endOffsets(topic)).size;
    if (count === 0) throw new Error(`dead-letter topic "${topic}" has no partitions`);
    this.partitions.set(topic, count);
    return count;
  }

  private connected(): Promise<TransportProducer> {
    if (!this.producer) {
      const producer = this.transport.createProducer();
      const connecting = producer.connect().then(() => producer);
      this.producer = connecting;
      // A failed connect is forgotten, so that the next dead letter tries again.
      connecting.catch(() => {
        if (this.producer === connecting) this.producer = undefined;
      });
    }
    return this.producer;
  }
}
