/**
 * Load for the fault matrix: a producer that keeps writing ticks with acks=all and reports each
 * acknowledged batch to an {@link InvariantChecker}, carrying on through broker faults (a send that
 * fails is not acknowledged and is not counted; the next one is tried after a short pause).
 */
import { Kafka, logLevel, type Producer } from "kafkajs";
import type { InvariantChecker } from "./invariants.js";
import { tickCodec } from "./ticks.js";

/** Produces `batchSize` ticks per partition in turn, every `pauseMs`, until {@link stop}. */
export class AckedProducer {
  /** Sends that were not acknowledged (broker down or unreachable). */
  failures = 0;
  /** Records acknowledged. */
  acked = 0;
  private running = true;
  private readonly producer: Producer;
  private readonly loop: Promise<void>;

  /**
   * @param brokers bootstrap addresses.
   * @param topics the topics written to, each with its partition count.
   * @param checker told about every acknowledged record.
   */
  constructor(
    brokers: string[],
    private readonly topics: ReadonlyArray<{ topic: string; partitions: number }>,
    private readonly checker: InvariantChecker,
    private readonly options: { batchSize: number; pauseMs: number; idempotent?: boolean } = {
      batchSize: 50,
      pauseMs: 20,
    },
  ) {
    this.producer = new Kafka({
      clientId: "kefgen-fault-load",
      brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      requestTimeout: 5_000,
    }).producer({
      allowAutoTopicCreation: false,
      idempotent: options.idempotent ?? false,
      retry: { retries: 2, maxRetryTime: 2_000 },
    });
    this.loop = this.run();
  }

  /** Stops producing after the send in flight; production counts as ended for the checker. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.checker.productionEnded();
    await this.producer.disconnect().catch(() => undefined);
  }

  private async run(): Promise<void> {
    let connected = false;
    let seq = 0;
    while (this.running) {
      try {
        if (!connected) {
          await this.producer.connect();
          connected = true;
        }
        for (const { topic, partitions } of this.topics) {
          for (let partition = 0; partition < partitions && this.running; partition++) {
            const [meta] = await this.producer.send({
              topic,
              acks: -1,
              messages: Array.from({ length: this.options.batchSize }, () => ({
                partition,
                value: tickCodec.encode({ seq: seq++, source: topic }),
              })),
            });
            if (!meta || meta.baseOffset === undefined) throw new Error("no record metadata");
            this.checker.acked(topic, partition, Number(meta.baseOffset), this.options.batchSize);
            this.acked += this.options.batchSize;
          }
        }
      } catch {
        this.failures++;
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.pauseMs));
    }
  }
}
