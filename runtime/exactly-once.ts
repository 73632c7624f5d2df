// Exactly-once handlers: a topic bound with `exactlyOnce` has a handler that returns the records it wants to
// produce. TransactionalOutput writes them and the consumed record's offset + 1 in one Kafka transaction, per input
// partition, then the channel marks the record done (topic-channel.ts). The transaction is the commit: the
// channel also marks the partition's tracker committed at that offset, so the Committer has nothing left to send
// for it.
//
// Fencing (EOS v1, which kafkajs implements): one transactional id per input partition,
// `<groupId>.<topic>.<partition>`. Whoever handles that partition next (after a rebalance, or a restart after a
// SIGKILL) registers the same id at its first transaction; the coordinator then aborts the open transaction of the
// earlier owner and fences it, so a zombie can commit neither records nor offsets.
//
// Race: records of one partition are handled one at a time (TopicChannel never runs two of a partition at once), so
// one producer never has two transactions open. A producer whose transaction failed is dropped and replaced: its
// state in kafkajs may be stuck in a transaction, and the new one's InitProducerId aborts whatever is left open.

import type { RuntimeLogger } from "./logger.js";
import type { ProducedRecord, TransactionalProducer, Transport } from "./transport/transport.js";

/** What an exactly-once handler returns: the records to produce in the transaction of the record it handled. */
export type ExactlyOnceResult = readonly ProducedRecord[];

/** The consumed record a transaction commits past. */
export interface ConsumedRecord {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  /** Kafka's int64 in decimal. */
  readonly offset: string;
}

/** The transactional id of an input partition (see the file comment). */
export function transactionalIdOf(record: Pick<ConsumedRecord, "groupId" | "topic" | "partition">): string {
  return `${record.groupId}.${record.topic}.${record.partition}`;
}

/** Reads what an exactly-once handler returned; throws (the handler's failure path) when it is not a list of records. */
export function producedRecords(topic: string, returned: unknown): ExactlyOnceResult {
  if (returned === undefined || returned === null) return [];
  if (!Array.isArray(returned))
    throw new TypeError(
      `the exactly-once handler of topic "${topic}" must return an array of records to produce, got ${typeof returned}`,
    );
  for (const r of returned as unknown[]) {
    if (r === null || typeof r !== "object" || typeof (r as ProducedRecord).topic !== "string") {
      throw new TypeError(`the exactly-once handler of topic "${topic}" returned a record without a topic`);
    }
  }
  return returned as ExactlyOnceResult;
}

/**
 * The transactional producers of a runtime's exactly-once topics: one per input partition, created at its first
 * transaction and kept until {@link close}.
 */
export class TransactionalOutput {
  private readonly producers = new Map<string, Promise<TransactionalProducer>>();
  private closed = false;

  /**
   * @param transport where the producers come from; it must have `createTransactionalProducer`.
   * @param logger for producers that did not disconnect cleanly.
   */
  constructor(
    private readonly transport: Pick<Transport, "client" | "createTransactionalProducer">,
    private readonly logger: RuntimeLogger,
  ) {}

  /**
   * Produces `records` and commits `consumed.offset + 1` for `consumed.groupId` in one transaction. Resolves once the
   * transaction committed; rejects when it did not (nothing of it is visible to read_committed consumers).
   */
  async commit(consumed: ConsumedRecord, records: ExactlyOnceResult): Promise<void> {
    if (this.closed) throw new Error("the exactly-once producers are closed (the runtime is stopping)");
    const id = transactionalIdOf(consumed);
    const producer = await this.connected(id);
    try {
      await producer.commitTransaction(records, {
        groupId: consumed.groupId,
        topic: consumed.topic,
        partition: consumed.partition,
        offset: String(BigInt(consumed.offset) + 1n),
      });
    } catch (error) {
      this.drop(id, producer);
      throw error;
    }
  }

  /** Disconnects every producer. */
  async close(): Promise<void> {
    this.closed = true;
    const producers = [...this.producers.values()];
    this.producers.clear();
    await Promise.all(
      producers.map(async (connecting) => {
        try {
          await (await connecting).disconnect();
        } catch (error) {
          this.logger.debug("transactional producer did not disconnect cleanly", { error });
        }
      }),
    );
  }

  private connected(id: string): Promise<TransactionalProducer> {
    let connecting = this.producers.get(id);
    if (!connecting) {
      const create = this.transport.createTransactionalProducer;
      if (!create)
        throw new Error(
          `client ${this.transport.client} cannot run exactly-once handlers (no transactions behind the transport)`,
        );
      const producer = create.call(this.transport, id);
      const started = producer.connect().then(() => producer);
      connecting = started;
      this.producers.set(id, started);
      // A failed connect is forgotten, so that the next attempt tries again.
      started.catch(() => {
        if (this.producers.get(id) === started) this.producers.delete(id);
      });
    }
    return connecting;
  }

  private drop(id: string, producer: TransactionalProducer): void {
    this.producers.delete(id);
    producer
      .disconnect()
      .catch((error: unknown) => this.logger.debug("transactional producer did not disconnect cleanly", { error }));
  }
}
