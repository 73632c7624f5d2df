// A consumer process for the process-level guarantee tests (test/integration/guarantees-process.test.ts):
// one ConsumerRuntime with one topic of Tick records, run with tsx. It appends what happens to a log
// file with synchronous writes, so every line written before a SIGKILL survives it:
//   READY <ms>                       the consumer joined its group
//   S <ms> <partition> <offset>      a handler call started
//   H <ms> <partition> <offset>      a handler call finished (written before the handler returns,
//                                    i.e. before the runtime may commit the record)
//   C <ms> <partition>:<offset>,...  the runtime committed these offsets (after the broker acked)
//   T <ms>                           SIGTERM received; runtime.stop() starts
//   X <ms>                           runtime.stop() returned; the process exits with code 0
// Configuration: the JSON in KEFGEN_FAULT_CONFIG (see FaultConsumerConfig).

import { ConsumerRuntime, RuntimeEvents, bindTopic } from "../../runtime/index.js";
import { configFromEnv, serve, stderrLogger, syncLog } from "../support/child-process.js";
import { TICK_TYPE, sleep, tickCodec } from "../support/ticks.js";

/** What the parent passes in KEFGEN_FAULT_CONFIG. */
export interface FaultConsumerConfig {
  brokers: string[];
  groupId: string;
  topic: string;
  /** The log file (appended). */
  log: string;
  handlerDelayMs: number;
  concurrency: number;
  capacity: number;
  autoCommitIntervalMs: number;
  stopTimeoutMs: number;
  /** The broker's group.min.session.timeout.ms is 6 s by default; a short one lets a killed member go quickly. */
  sessionTimeoutMs: number;
  /** The Kafka client (default kafkajs). */
  client?: "kafkajs" | "platformatic";
}

const config = configFromEnv<FaultConsumerConfig>("KEFGEN_FAULT_CONFIG");
const log = syncLog(config.log);
const write = log.write;

const runtime = new ConsumerRuntime(
  [
    {
      name: "shared",
      kind: "shared",
      settings: {
        groupId: config.groupId,
        sessionTimeoutMs: config.sessionTimeoutMs,
        heartbeatIntervalMs: 500,
        maxPollIntervalMs: 30_000,
        enableAutoCommit: false,
        autoCommitIntervalMs: config.autoCommitIntervalMs,
        autoOffsetReset: "earliest",
        fetchMinBytes: 1,
        fetchMaxWaitMs: 100,
      },
      topics: [
        bindTopic({
          topic: config.topic,
          messageType: TICK_TYPE,
          codec: tickCodec,
          buffer: {
            maxBufferedMessages: config.capacity,
            backpressure: "ApplyBackpressure",
            concurrency: config.concurrency,
          },
          handler: async (_message, context) => {
            write(`S ${Date.now()} ${context.partition} ${context.offset}`);
            if (config.handlerDelayMs > 0) await sleep(config.handlerDelayMs);
            write(`H ${Date.now()} ${context.partition} ${context.offset}`);
          },
        }),
      ],
    },
  ],
  { brokers: config.brokers, clientId: "kefgen-fault" },
  { logger: stderrLogger, stopTimeoutMs: config.stopTimeoutMs, client: config.client ?? "kafkajs" },
);

runtime.on(RuntimeEvents.COMMITTED, (event) => {
  write(`C ${Date.now()} ${event.offsets.map((o) => `${o.partition}:${o.offset}`).join(",")}`);
});

await serve(runtime, log, {
  onSigterm: () => write(`T ${Date.now()}`),
  afterStop: () => write(`X ${Date.now()}`),
});
