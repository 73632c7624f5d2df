// The kafkajs transport's producers (kafkajs.ts creates them): a TransportProducer over a kafkajs producer, which keeps
// one kafkajs send in flight per topic when idempotent, and a TransactionalProducer over a kafkajs transactional one.

// First, as in kafkajs.ts: kafkajs's read_committed filter is replaced before kafkajs loads (see the file).
import "./kafkajs-aborted.js";
import { CompressionTypes, Partitioners, type Kafka, type Message, type Producer } from "kafkajs";
import type {
  OutgoingRecord,
  ProducedRecord,
  ProducerSettings,
  TransactionalProducer,
  TransactionOffsets,
  TransportProducer,
} from "./transport.js";

const KAFKAJS_ACKS = { all: -1, leader: 1, none: 0 } as const;

/**
 * The partitioner of every kafkajs producer the runtime makes, named rather than left to kafkajs's default: the same
 * one (murmur2 of the key, as Kafka's Java producer), but a producer created without one has kafkajs print a warning
 * about its v2.0.0 change of default to the user's console, about a choice the user never made.
 */
const PARTITIONER = Partitioners.DefaultPartitioner;

/**
 * The real `setImmediate`, taken when this module loads. The send lane's waits are event-loop turns, not time: a test
 * that fakes timers around a real producer (`vi.useFakeTimers()` fakes `setImmediate` by default) must not stall its
 * sends. Timers faked before this module loads are what it takes, as any module would.
 */
const realSetImmediate = setImmediate;

/**
 * A {@link TransportProducer} over a kafkajs producer (by default idempotent, `acks: -1`).
 *
 * An idempotent producer has one kafkajs send at a time per topic. kafkajs 2.2.4 gives a batch its sequence numbers
 * (per topic and partition) when it builds the request and takes them back when the request fails
 * (producer/sendMessages.js), then retries the batch. A send to the same topic that was waiting for the broker
 * meanwhile takes the same numbers, and the broker, which had written the first batch before its connection broke,
 * answers the second as a duplicate of it: the second send resolves and its records are not written, and the first
 * batch, retried with the next numbers, is written twice. One cut connection under five concurrent sends lost one
 * batch of 100 and doubled another in each of three runs (test/integration/producer-connection-cut.test.ts, where
 * kafkajs's own producer does it too). Sends to other topics use other numbers: they go on meanwhile.
 *
 * So the sends to a topic made while one is in flight wait, and go together in its next kafkajs send (one request
 * per broker), up to {@link COMBINED_BYTES}: as the Java producer fills its batches while earlier ones are in flight.
 * Each send still resolves once its own records are acknowledged, or rejects with the error of the kafkajs send that
 * carried them; records keep the order of their sends.
 */
export class KafkajsProducer implements TransportProducer {
  private readonly producer;
  private readonly acks: number;
  private readonly compression: CompressionTypes;
  private readonly idempotent: boolean;
  /** Idempotent: per topic, the sends waiting for its kafkajs send in flight. */
  private readonly lanes = new Map<string, SendLane>();

  constructor(kafka: Kafka, settings?: ProducerSettings) {
    this.idempotent = settings?.idempotent ?? true;
    this.producer = kafka.producer({
      createPartitioner: PARTITIONER,
      allowAutoTopicCreation: false,
      idempotent: this.idempotent,
      ...(settings ? { maxInFlightRequests: settings.maxInFlight } : {}),
    });
    this.acks = KAFKAJS_ACKS[settings?.acks ?? "all"];
    this.compression = settings?.compression === "gzip" ? CompressionTypes.GZIP : CompressionTypes.None;
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async send(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    const messages = records.map(kafkajsMessage);
    if (!this.idempotent) {
      await this.producer.send({ topic, acks: this.acks, compression: this.compression, messages });
      return;
    }
    const lane = this.lanes.get(topic) ?? { waiting: [], sending: false };
    this.lanes.set(topic, lane);
    return new Promise<void>((resolve, reject) => {
      lane.waiting.push({ messages, bytes: sizeOf(records), resolve, reject });
      if (!lane.sending) void this.sendWaiting(topic, lane);
    });
  }

  /** Sends what waits for `topic`, a kafkajs send at a time, until nothing waits. */
  private async sendWaiting(topic: string, lane: SendLane): Promise<void> {
    lane.sending = true;
    while (lane.waiting.length > 0) {
      const taken = [lane.waiting.shift()!];
      let bytes = taken[0]!.bytes;
      while (lane.waiting.length > 0 && bytes + lane.waiting[0]!.bytes <= COMBINED_BYTES) {
        bytes += lane.waiting[0]!.bytes;
        taken.push(lane.waiting.shift()!);
      }
      const messages = taken.length === 1 ? taken[0]!.messages : taken.flatMap((send) => send.messages);
      let settle: () => void;
      try {
        await this.producer.send({ topic, acks: this.acks, compression: this.compression, messages });
        settle = () => {
          for (const send of taken) send.resolve();
        };
      } catch (error) {
        settle = () => {
          for (const send of taken) send.reject(error);
        };
      }
      // The senders learn the outcome in the event loop's next check phase, and what waits is taken in the one after.
      // Senders told of an acknowledgement often send again at once (R10's five senders of 100 records each do);
      // told now, their next sends would reach the lane after the next kafkajs send had taken what waited, and go in
      // one more request after it (R10 at ~1 KB: requests of 100 and 400 records by turns, traced). Given this one turn,
      // they go together with what waited: one request per round trip. Each send is still resolved after its
      // acknowledgement, in the order of the sends (setImmediate runs its callbacks in order, and the promise
      // reactions of one before the next). The real one, taken at load: fake timers do not stall the lane.
      realSetImmediate(settle);
      await new Promise<void>((resolve) => realSetImmediate(resolve));
    }
    lane.sending = false;
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}

/**
 * The most bytes of keys and values that sends waiting together go in one kafkajs send with: half the broker's
 * default `message.max.bytes` (1 MiB), which bounds one partition's record batch. A single larger send goes alone.
 */
const COMBINED_BYTES = 512 * 1024;

/** One topic's sends of an idempotent {@link KafkajsProducer}: those waiting, and whether its kafkajs send is in flight. */
interface SendLane {
  readonly waiting: WaitingSend[];
  sending: boolean;
}

/** A send waiting for the kafkajs send in flight (see {@link KafkajsProducer}). */
interface WaitingSend {
  readonly messages: Message[];
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Bytes of the records' keys and values (a string's length stands for its bytes). */
function sizeOf(records: readonly OutgoingRecord[]): number {
  let bytes = 0;
  for (const r of records) bytes += (r.value?.length ?? 0) + (r.key?.length ?? 0);
  return bytes;
}

function kafkajsMessage(r: OutgoingRecord): Message {
  // The common record has only a key and a value: it is a kafkajs message as it is (kafkajs reads messages, never
  // writes them), no object to build per record (R10 in bench/RESULTS.md).
  if (r.headers === undefined && r.partition === undefined && r.timestamp === undefined) return r;
  return {
    key: r.key ?? null,
    value: r.value,
    ...(r.headers ? { headers: { ...r.headers } } : {}),
    ...(r.partition !== undefined ? { partition: r.partition } : {}),
    ...(r.timestamp !== undefined ? { timestamp: r.timestamp } : {}),
  };
}

/**
 * A {@link TransactionalProducer} over a kafkajs transactional producer (idempotent, one request in flight, as
 * kafkajs requires). kafkajs sends InitProducerId at the first transaction; its `sendOffsets` is EOS v1's
 * (group id only, no generation), so fencing rests on the transactional id (runtime/exactly-once.ts).
 */
export class KafkajsTransactionalProducer implements TransactionalProducer {
  private readonly producer: Producer;

  constructor(kafka: Kafka, transactionalId: string) {
    this.producer = kafka.producer({
      createPartitioner: PARTITIONER,
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
  }

  /**
   * Connects and registers the transactional id at once (InitProducerId, through an empty transaction that sends
   * nothing): the coordinator fences older producers of the id and finishes what they left, committed or aborted.
   */
  async connect(): Promise<void> {
    await this.producer.connect();
    const transaction = await this.producer.transaction();
    await transaction.abort();
  }

  async commitTransaction(records: readonly ProducedRecord[], offsets: TransactionOffsets): Promise<void> {
    const transaction = await this.producer.transaction();
    try {
      const byTopic = new Map<string, Message[]>();
      for (const r of records) {
        let messages = byTopic.get(r.topic);
        if (!messages) byTopic.set(r.topic, (messages = []));
        messages.push(kafkajsMessage(r));
      }
      if (byTopic.size > 0)
        await transaction.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        });
      await transaction.sendOffsets({
        consumerGroupId: offsets.groupId,
        topics: [{ topic: offsets.topic, partitions: [{ partition: offsets.partition, offset: offsets.offset }] }],
      });
      await transaction.commit();
    } catch (error) {
      // The caller drops this producer either way; the next one's InitProducerId aborts what is left open.
      if (transaction.isActive()) await transaction.abort().catch(() => {});
      throw error;
    }
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}
