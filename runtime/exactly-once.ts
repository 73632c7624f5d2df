// Exactly-once handlers: a topic bound with `exactlyOnce` has a handler that returns the records it wants to
// produce. The records a partition handles in a row are grouped in one transaction (TransactionBatches): their
// outputs are held in memory, then TransactionalOutput writes them all and the last record's offset + 1 in one Kafka
// transaction, and only then are the records done (topic-channel.ts). The transaction is the commit: the partition's
// tracker is marked committed at that offset, so the Committer has nothing left to send for it.
//
// A transaction commits once it holds `transactionMaxRecords` records, once `transactionMaxMs` passed since its first
// record, before a failing handler's record is retried (so the records before it are not handled again), when the
// group rebalances (TopicChannel.hold) and at shutdown (TopicChannel.stop). When it fails, none of it is visible to
// read_committed readers and the channel handles its records again; a crash loses the open transaction the same way
// (its records were never committed, so the next owner reads them again).
//
// Fencing (EOS v1, which kafkajs implements): one transactional id per input partition,
// `<groupId>.<topic>.<partition>`. Whoever takes that partition (after a rebalance, or a restart after a SIGKILL)
// registers the id anew (InitProducerId) before it handles any record of it (TransactionalOutput.fence, called by
// partition-fences.ts); the coordinator then finishes the earlier owner's transaction (aborted, or committed if its
// EndTxn had arrived) and fences it, so a zombie can commit neither records nor offsets.
//
// Race (the restart duplicate this order fixes): the client reads the group's committed offset as soon as it joins,
// with an OffsetFetch that cannot ask for stable offsets (KIP-447's require_stable, which kafkajs does not send). If
// the earlier owner's last transaction is still completing then (EndTxn received, its offset not yet written by the
// commit markers), the broker answers with the offset before it, and the records of that transaction would be
// handled, and their output committed, a second time. So the committed offset the runtime goes by is read again
// *after* the registration: InitProducerId answers CONCURRENT_TRANSACTIONS (retried by kafkajs) until the earlier
// transaction is complete, markers included, so the offset read then is final. Records below it were committed by
// the earlier owner and are skipped.
//
// Race: records of one partition are handled one at a time, and a partition's transaction commits while none of its
// records runs (TopicChannel never takes a record of a committing partition), so one producer never has two
// transactions open and a transaction never misses a record handled before its offset. A producer whose transaction
// failed is dropped and replaced: its state in kafkajs may be stuck in a transaction, and the new one's InitProducerId
// aborts whatever is left open.

import type { RuntimeLogger } from "./logger.js";
import type { PartitionOffsets } from "./offset-tracker.js";
import { settingsDeclaration } from "./settings-declaration.js";
import type { ProducedRecord, TransactionalProducer, Transport } from "./transport/transport.js";
import type { TransactionSettings } from "./types.js";

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

/**
 * Refuses a connection whose exactly-once topics cannot be run in transactions whatever the client: with
 * `enableAutoCommit` records count as done as soon as they are buffered, so the Committer would commit past records
 * whose output is not written, outside any transaction (the generator refuses the same `.kef`; this catches bindings
 * written by hand). Throws a `RangeError` naming the connection and its exactly-once topics.
 */
export function checkExactlyOnceConnection(spec: {
  readonly name: string;
  readonly settings: { readonly enableAutoCommit?: boolean };
  readonly topics: readonly { readonly topic: string; readonly exactlyOnce?: boolean }[];
}): void {
  const topics = spec.topics.filter((t) => t.exactlyOnce).map((t) => JSON.stringify(t.topic));
  if (topics.length === 0 || !spec.settings.enableAutoCommit) return;
  throw new RangeError(
    `connection "${spec.name}" has exactly-once topics (${topics.join(", ")}) and enableAutoCommit = true: auto-commit ` +
      "counts a record as done once it is buffered, so its offset would be committed outside the transaction that " +
      "writes its output. Set enableAutoCommit = false on this connection, or exactlyOnce = false on these topics",
  );
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
  /** By transactional id: the producer, and its connection (which registers the id). */
  private readonly producers = new Map<
    string,
    { readonly producer: TransactionalProducer; readonly connected: Promise<TransactionalProducer> }
  >();
  private closed = false;
  /** By transactional id: the last transaction asked for, so that one id runs one transaction at a time, in order. */
  private readonly queues = new Map<string, Promise<unknown>>();

  /**
   * @param transport where the producers come from; it must have `createTransactionalProducer`.
   * @param logger for producers that did not disconnect cleanly.
   */
  constructor(
    private readonly transport: Pick<Transport, "client" | "createTransactionalProducer" | "admin">,
    private readonly logger: RuntimeLogger,
  ) {}

  /**
   * Produces `records` and commits `consumed.offset + 1` for `consumed.groupId` in one transaction. Resolves once the
   * transaction committed; rejects when it did not (nothing of it is visible to read_committed consumers).
   *
   * A reported failure can be ambiguous: the coordinator may have completed a commit whose answer the client never got
   * (an EndTxn timed out under load), and handling the records again would then write their output twice. So after a
   * failure the producer is replaced, the new one registers the id (InitProducerId waits until the coordinator has
   * finished whatever the old one left: committed or aborted), and the group's offset is read back: at or past
   * `consumed.offset + 1`, the transaction did commit and this resolves.
   *
   * Race: the partition may have been revoked while the transaction ran (a rebalance's hold commits open
   * transactions while the group moves partitions), and its failure is then usually the new owner's fence. Registering
   * the id again would fence the new owner in turn (its next transaction fails and is redone), so when `owned()` says
   * the partition is no longer this member's, the failure is reported as it is: the records are the new owner's.
   */
  commit(consumed: ConsumedRecord, records: ExactlyOnceResult, owned: () => boolean = () => true): Promise<void> {
    return this.serial(transactionalIdOf(consumed), () => this.commitNow(consumed, records, owned));
  }

  /**
   * Commits a partition's offset in a transaction of its own, with no records: the Committer's commit of an
   * exactly-once partition (records done outside a transaction, i.e. dead-lettered or skipped, and the first
   * position of a group with no offset). `offset` is asked when the transaction starts, after every transaction asked
   * for earlier on this id has ended, so it is never below what those committed; `undefined` commits nothing.
   * Resolves with what was committed.
   *
   * Race (why not a plain OffsetCommit): a plain commit computed before a transaction of the partition commits, and
   * answered after it, moves the group's offset back below that transaction, whose records the next owner then
   * handles, and whose output it writes, again (seen: 100 records of a fresh group's first transaction).
   */
  commitOffsets(
    partition: Pick<ConsumedRecord, "groupId" | "topic" | "partition">,
    offset: () => number | undefined,
  ): Promise<number | undefined> {
    const id = transactionalIdOf(partition);
    return this.serial(id, async () => {
      if (this.closed) throw new Error("the exactly-once producers are closed (the runtime is stopping)");
      const next = offset();
      if (next === undefined) return undefined;
      const producer = await this.connected(id);
      try {
        await producer.commitTransaction([], { ...partition, offset: String(next) });
      } catch (error) {
        this.drop(id, producer);
        throw error;
      }
      return next;
    });
  }

  /** Runs `task` after every task asked for earlier on `id` has ended. */
  private serial<T>(id: string, task: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(id) ?? Promise.resolve()).then(task, task);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(id, settled);
    void settled.then(() => {
      if (this.queues.get(id) === settled) this.queues.delete(id);
    });
    return run;
  }

  private async commitNow(consumed: ConsumedRecord, records: ExactlyOnceResult, owned: () => boolean): Promise<void> {
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
      if (owned() && (await this.committedPast(consumed))) {
        this.logger.warn("a transaction reported as failed had committed (its offset is the group's): not redone", {
          topic: consumed.topic,
          partition: consumed.partition,
          offset: consumed.offset,
          error,
        });
        return;
      }
      throw error;
    }
  }

  /**
   * Registers `partition`'s transactional id anew for a new owner of the partition, then reads the group's committed
   * offset of it (see the file comment: the registration waits until the previous owner's transaction is complete,
   * so the offset read after it is final). Resolves with that offset, or `undefined` when the group has none. A
   * producer of the id made earlier by this process (an earlier ownership) is replaced: the new registration fences
   * it. Rejects when the id cannot be registered or the offset read; the caller tries again.
   */
  async fence(partition: Pick<ConsumedRecord, "groupId" | "topic" | "partition">): Promise<string | undefined> {
    if (this.closed) throw new Error("the exactly-once producers are closed (the runtime is stopping)");
    const id = transactionalIdOf(partition);
    const earlier = this.producers.get(id);
    if (earlier) this.drop(id, earlier.producer);
    await this.connected(id);
    return (await this.transport.admin().committedOffsets(partition.groupId, partition.topic)).get(partition.partition);
  }

  /** Whether the group's committed offset of the consumed record's partition is past it (see {@link commit}). */
  private async committedPast(consumed: ConsumedRecord): Promise<boolean> {
    try {
      await this.connected(transactionalIdOf(consumed));
      const committed = (await this.transport.admin().committedOffsets(consumed.groupId, consumed.topic)).get(
        consumed.partition,
      );
      return committed !== undefined && BigInt(committed) > BigInt(consumed.offset);
    } catch (error) {
      // Unknown: handled again, as a failed transaction is.
      this.logger.debug("could not read the group's offset after a failed transaction", { error });
      return false;
    }
  }

  /** Disconnects every producer. */
  async close(): Promise<void> {
    this.closed = true;
    const producers = [...this.producers.values()];
    this.producers.clear();
    await Promise.all(
      producers.map(async ({ connected }) => {
        try {
          await (await connected).disconnect();
        } catch (error) {
          this.logger.debug("transactional producer did not disconnect cleanly", { error });
        }
      }),
    );
  }

  private connected(id: string): Promise<TransactionalProducer> {
    const existing = this.producers.get(id);
    if (existing) return existing.connected;
    const create = this.transport.createTransactionalProducer;
    if (!create)
      throw new Error(
        `client ${this.transport.client} cannot run exactly-once handlers (no transactions behind the transport)`,
      );
    const producer = create.call(this.transport, id);
    const connected = producer.connect().then(() => producer);
    const entry = { producer, connected };
    this.producers.set(id, entry);
    // A failed connect is forgotten, so that the next attempt tries again.
    connected.catch(() => {
      if (this.producers.get(id) === entry) this.producers.delete(id);
    });
    return connected;
  }

  /**
   * Forgets `producer` (unless the id has a newer one already: {@link fence} replaced it) and disconnects it. A commit
   * still running on it fails or completes at the coordinator as far as it got; a newer registration waits for that.
   */
  private drop(id: string, producer: TransactionalProducer): void {
    if (this.producers.get(id)?.producer === producer) this.producers.delete(id);
    producer
      .disconnect()
      .catch((error: unknown) => this.logger.debug("transactional producer did not disconnect cleanly", { error }));
  }
}

/** A consumed record as a transaction batch needs it (the channel's `ChannelRecord` is one). */
export interface BatchedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly message: { readonly offset: string };
  /** The partition's tracker when the record was accepted: done and committed are reported there. */
  readonly offsets: PartitionOffsets;
}

/** A record handled in an open transaction: what it produced, and what handling it again needs. */
export interface HandledRecord<R extends BatchedRecord> {
  readonly record: R;
  readonly produced: ExactlyOnceResult;
  readonly value: unknown;
  readonly key: unknown;
  /** Failed attempts before the one that produced `produced` (handler failures and failed transactions). */
  readonly attempts: number;
}

/** How {@link TransactionBatches.commit} ended. */
export type BatchOutcome<R extends BatchedRecord> =
  /** Committed (or there was nothing open): its records are done and their partition committed past them. */
  | { readonly kind: "committed"; readonly records: number }
  /** Its partition was revoked: not committed, its records are for the next owner. */
  | { readonly kind: "revoked"; readonly entries: readonly HandledRecord<R>[] }
  /** The transaction failed: nothing of it is visible; `entries` (in offset order) are to be handled again. */
  | { readonly kind: "failed"; readonly entries: readonly HandledRecord<R>[]; readonly error: unknown };

class OpenTransaction<R extends BatchedRecord> {
  readonly entries: HandledRecord<R>[] = [];
  /** The time limit passed: the next chance commits it. */
  due = false;
  timer: NodeJS.Timeout | undefined;

  constructor(readonly offsets: PartitionOffsets) {}
}

/** Construction parameters of {@link TransactionBatches}. */
export interface TransactionBatchesOptions {
  readonly output: TransactionalOutput;
  readonly groupId: string;
  readonly topic: string;
  readonly settings: TransactionSettings | undefined;
  /**
   * A partition's transaction reached its time limit. The channel commits it now if none of the partition's records
   * is running, else when the running one is added (or fails). Called from a timer (the system's: a test kit's fake
   * clock moves retries only).
   */
  readonly due: (partition: number) => void;
}

/**
 * The open transactions of one exactly-once topic, one per input partition: the records handled since the
 * partition's last commit and their outputs, held until {@link commit}. The channel decides when to commit (see the
 * file comment); this class owns the batches, their limits and what a commit does to the offsets.
 */
export class TransactionBatches<R extends BatchedRecord> {
  /** The most records per transaction. */
  readonly maxRecords: number;
  /** The longest a transaction stays open after its first record. */
  readonly maxMs: number;
  private readonly open = new Map<number, OpenTransaction<R>>();
  private held = 0;

  /** @param options see {@link TransactionBatchesOptions}. */
  constructor(private readonly options: TransactionBatchesOptions) {
    this.maxRecords = options.settings?.transactionMaxRecords ?? settingsDeclaration.transactionMaxRecords.default;
    this.maxMs = options.settings?.transactionMaxMs ?? settingsDeclaration.transactionMaxMs.default;
    if (!Number.isInteger(this.maxRecords) || this.maxRecords < 1)
      throw new RangeError(
        `transactionMaxRecords of topic "${options.topic}" must be an integer >= 1, got ${this.maxRecords}`,
      );
    if (!Number.isInteger(this.maxMs) || this.maxMs < 0)
      throw new RangeError(`transactionMaxMs of topic "${options.topic}" must be an integer >= 0, got ${this.maxMs}`);
  }

  /** Records held in open transactions. */
  get size(): number {
    return this.held;
  }

  /** The partitions with an open transaction. */
  partitions(): number[] {
    return [...this.open.keys()];
  }

  /** Whether `partition` has an open transaction. */
  isOpen(partition: number): boolean {
    return this.open.has(partition);
  }

  /** Whether `partition`'s open transaction passed its time limit. */
  isDue(partition: number): boolean {
    return this.open.get(partition)?.due ?? false;
  }

  /** Marks every open transaction due (a rebalance started: commit what was handled, as the Committer does). */
  markAllDue(): void {
    for (const batch of this.open.values()) batch.due = true;
  }

  /**
   * Adds a handled record to its partition's open transaction (opening one, and starting its time limit, if there is
   * none). Returns `true` when the transaction is to be committed now: it is full, or due.
   */
  add(entry: HandledRecord<R>): boolean {
    const { partition, offsets } = entry.record;
    let batch = this.open.get(partition);
    // Race: a batch of a tracker revoked (and the partition assigned again) since; the purge normally dropped it.
    if (batch && batch.offsets !== offsets) {
      this.discardBatch(partition, batch);
      batch = undefined;
    }
    if (!batch) {
      const opened = new OpenTransaction<R>(offsets);
      batch = opened;
      this.open.set(partition, opened);
      opened.timer = setTimeout(() => {
        opened.timer = undefined;
        opened.due = true;
        this.options.due(partition);
      }, this.maxMs);
    }
    batch.entries.push(entry);
    this.held++;
    return batch.entries.length >= this.maxRecords || batch.due;
  }

  /**
   * Commits `partition`'s open transaction: every output of its records and the last record's offset + 1, in one
   * Kafka transaction. On success its records are done and the tracker committed at that offset. The caller makes
   * sure no record of the partition runs meanwhile.
   */
  async commit(partition: number): Promise<BatchOutcome<R>> {
    const batch = this.open.get(partition);
    if (!batch) return { kind: "committed", records: 0 };
    this.discardBatch(partition, batch);
    const { entries, offsets } = batch;
    // A revoked partition's records are the next owner's: committing could only duplicate their output.
    if (offsets.revoked) return { kind: "revoked", entries };
    const last = entries[entries.length - 1]!.record;
    try {
      await this.options.output.commit(
        { groupId: this.options.groupId, topic: last.topic, partition, offset: last.message.offset },
        entries.flatMap((e) => e.produced),
        () => !offsets.revoked,
      );
    } catch (error) {
      return { kind: "failed", entries, error };
    }
    // A revoked tracker ignores these: a completion after a rebalance commits nothing.
    for (const e of entries) offsets.markDone(e.record.offset);
    // The transaction committed offset + 1 already: the Committer is not to send it again.
    offsets.markCommitted(last.offset + 1);
    return { kind: "committed", records: entries.length };
  }

  /**
   * Drops, uncommitted, the open transactions whose records `revoked` matches (it is asked about the first: a batch's
   * records share their partition and tracker); returns their records.
   */
  discard(revoked: (record: R) => boolean): HandledRecord<R>[] {
    const out: HandledRecord<R>[] = [];
    for (const [partition, batch] of this.open) {
      if (!revoked(batch.entries[0]!.record)) continue;
      this.discardBatch(partition, batch);
      out.push(...batch.entries);
    }
    return out;
  }

  private discardBatch(partition: number, batch: OpenTransaction<R>): void {
    clearTimeout(batch.timer);
    batch.timer = undefined;
    this.open.delete(partition);
    this.held -= batch.entries.length;
  }
}
