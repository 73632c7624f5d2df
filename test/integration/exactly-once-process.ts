// A consume → transform → produce process for test/integration/exactly-once.test.ts, run with tsx: one
// ConsumerRuntime reading an input topic of numbered records ("1", "2", ...) and producing one output record per
// input, with the same number. `exactlyOnce: true`: the handler returns the output record and the runtime writes it
// and the input offset in a transaction (runtime/exactly-once.ts), several records of a partition per transaction as
// `transaction` says. `false` (the control, at-least-once): the
// handler sends the output with an idempotent producer and the runtime commits the input offset afterwards.
// It appends `READY <ms>` and `H <ms> <partition> <offset>` (a handler call returned) lines to a log file with
// synchronous writes, so the lines survive a SIGKILL. Configuration: the JSON in KEFGEN_EOS_CONFIG.

// The runtime before kafkajs, as an application should import them: the runtime replaces kafkajs's read_committed
// filter as it loads (runtime/transport/kafkajs-aborted.ts).
import {
  ConsumerRuntime,
  bindTopic,
  kafkajsTransport,
  type Codec,
  type ExactlyOnceResult,
  type Transport,
} from "../../runtime/index.js";
import { Kafka, logLevel } from "kafkajs";
import { configFromEnv, serve, stderrLogger, syncLog } from "../support/child-process.js";
import { sleep } from "../support/ticks.js";

/** What the parent passes in KEFGEN_EOS_CONFIG. */
export interface ExactlyOnceProcessConfig {
  brokers: string[];
  groupId: string;
  input: string;
  output: string;
  log: string;
  exactlyOnce: boolean;
  handlerDelayMs: number;
  /** The at-least-once control's commit interval; a long one leaves more handled records uncommitted at the kill. */
  autoCommitIntervalMs: number;
  /** Exactly-once: records and time per transaction (absent: the runtime's defaults). */
  transaction?: { transactionMaxRecords: number; transactionMaxMs: number };
}

const config = configFromEnv<ExactlyOnceProcessConfig>("KEFGEN_EOS_CONFIG");
const log = syncLog(config.log);
const write = log.write;
const text: Codec<string> = { decode: (b) => b.toString("utf8"), encode: (s) => Buffer.from(s, "utf8") };

// The control's producer: idempotent, acks = all, outside any transaction.
const plain = config.exactlyOnce
  ? undefined
  : new Kafka({ clientId: "kefgen-eos-control", brokers: config.brokers, logLevel: logLevel.NOTHING }).producer({
      idempotent: true,
    });
await plain?.connect();

// Exactly-once: every transaction is logged (`T <ms> <partition> <offset>` before its commit starts, `C ...` once it
// committed), so the parent sees where a kill landed.
function loggedTransactions(transport: Transport): Transport {
  const create = transport.createTransactionalProducer!.bind(transport);
  return {
    ...transport,
    createTransactionalProducer: (id) => {
      const producer = create(id);
      return {
        connect: () => producer.connect(),
        disconnect: () => producer.disconnect(),
        commitTransaction: async (records, offsets) => {
          write(`T ${Date.now()} ${offsets.partition} ${offsets.offset}`);
          await producer.commitTransaction(records, offsets);
          write(`C ${Date.now()} ${offsets.partition} ${offsets.offset}`);
        },
      };
    },
  };
}

const input = {
  topic: config.input,
  messageType: "kefgen.test.Number",
  codec: text,
  buffer: { maxBufferedMessages: 100, backpressure: "ApplyBackpressure", concurrency: 3 },
} as const;
const runtime = new ConsumerRuntime(
  [
    {
      name: "shared",
      kind: "shared",
      settings: {
        groupId: config.groupId,
        sessionTimeoutMs: 6_000,
        heartbeatIntervalMs: 500,
        maxPollIntervalMs: 30_000,
        enableAutoCommit: false,
        autoCommitIntervalMs: config.autoCommitIntervalMs,
        autoOffsetReset: "earliest",
        fetchMinBytes: 1,
        fetchMaxWaitMs: 100,
      },
      topics: [
        plain
          ? bindTopic<string>({
              ...input,
              handler: async (value, context) => {
                if (config.handlerDelayMs > 0) await sleep(config.handlerDelayMs);
                await plain.send({ topic: config.output, acks: -1, messages: [{ key: value, value }] });
                write(`H ${Date.now()} ${context.partition} ${context.offset}`);
              },
            })
          : bindTopic<string>({
              ...input,
              exactlyOnce: true,
              ...(config.transaction ? { transaction: config.transaction } : {}),
              handler: async (value, context): Promise<ExactlyOnceResult> => {
                if (config.handlerDelayMs > 0) await sleep(config.handlerDelayMs);
                write(`H ${Date.now()} ${context.partition} ${context.offset}`);
                return [{ topic: config.output, key: value, value }];
              },
            }),
      ],
    },
  ],
  { brokers: config.brokers, clientId: "kefgen-eos" },
  {
    logger: stderrLogger,
    stopTimeoutMs: 5_000,
    transport: loggedTransactions(
      kafkajsTransport({ brokers: config.brokers, clientId: "kefgen-eos" }, { logger: stderrLogger }),
    ),
  },
);

await serve(runtime, log, { afterStop: () => plain?.disconnect() });
