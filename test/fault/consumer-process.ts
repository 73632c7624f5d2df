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

import { closeSync, openSync, writeSync } from "node:fs";
import { ConsumerRuntime, RuntimeEvents, bindTopic, type RuntimeLogger } from "../../runtime/index.js";
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

const config = JSON.parse(process.env["KEFGEN_FAULT_CONFIG"] ?? "null") as FaultConsumerConfig | null;
if (!config) {
  process.stderr.write("KEFGEN_FAULT_CONFIG is not set\n");
  process.exit(2);
}
process.env["KAFKAJS_NO_PARTITIONER_WARNING"] ??= "1";

const fd = openSync(config.log, "a");
const write = (line: string): void => void writeSync(fd, `${line}\n`);

const logger: RuntimeLogger = {
  debug() {},
  info() {},
  warn: (message, fields) => process.stderr.write(`warn: ${message} ${safeJson(fields)}\n`),
  error: (message, fields) => process.stderr.write(`error: ${message} ${safeJson(fields)}\n`),
};

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
  { logger, stopTimeoutMs: config.stopTimeoutMs, client: config.client ?? "kafkajs" },
);

runtime.on(RuntimeEvents.COMMITTED, (event) => {
  write(`C ${Date.now()} ${event.offsets.map((o) => `${o.partition}:${o.offset}`).join(",")}`);
});

process.once("SIGTERM", () => {
  write(`T ${Date.now()}`);
  void runtime.stop().then(
    () => {
      write(`X ${Date.now()}`);
      closeSync(fd);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`stop failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
});

try {
  await runtime.start();
  write(`READY ${Date.now()}`);
} catch (error) {
  process.stderr.write(`start failed: ${String(error)}\n`);
  process.exit(2);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (v instanceof Error ? v.message : v));
  } catch {
    return String(value);
  }
}
