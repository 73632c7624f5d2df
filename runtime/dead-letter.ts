// The dead-letter record format, written and read here only: the original key, value and headers byte for byte,
// plus Spring Kafka's DeadLetterPublishingRecoverer headers (so its tools, and Spring consumers, read them) and one
// kefgen header with the attempt count. Header values are bytes exactly as Spring writes them: partition a 4-byte
// and offset and timestamp 8-byte big-endian integers, the rest UTF-8 text.

import type { OutgoingRecord, RecordHeaders } from "./transport/transport.js";
import type { FetchedRecord } from "./transport/records.js";

/** Header names (Spring Kafka's `KafkaHeaders.DLT_*`, and kefgen's own). */
export const DeadLetterHeaders = {
  ORIGINAL_TOPIC: "kafka_dlt-original-topic",
  ORIGINAL_PARTITION: "kafka_dlt-original-partition",
  ORIGINAL_OFFSET: "kafka_dlt-original-offset",
  ORIGINAL_TIMESTAMP: "kafka_dlt-original-timestamp",
  ORIGINAL_TIMESTAMP_TYPE: "kafka_dlt-original-timestamp-type",
  ORIGINAL_CONSUMER_GROUP: "kafka_dlt-original-consumer-group",
  EXCEPTION_FQCN: "kafka_dlt-exception-fqcn",
  EXCEPTION_MESSAGE: "kafka_dlt-exception-message",
  EXCEPTION_STACKTRACE: "kafka_dlt-exception-stacktrace",
  /** kefgen: how many handler calls the record got (0 for a record that could not be decoded). */
  ATTEMPTS: "kefgen_dlt-attempts",
} as const;

/** Most bytes of a stack trace kept in `kafka_dlt-exception-stacktrace` (UTF-8; longer ones are cut and marked). */
export const MAX_STACKTRACE_BYTES = 16_384;
/** Most bytes of the error message kept in `kafka_dlt-exception-message`. */
export const MAX_MESSAGE_BYTES = 4_096;

/** Where a dead-lettered record came from and why it failed. */
export interface DeadLetterCause {
  readonly topic: string;
  readonly partition: number;
  readonly record: FetchedRecord;
  readonly groupId: string;
  readonly error: unknown;
  /** Handler calls made; 0 for a record that could not be decoded. */
  readonly attempts: number;
}

/** What the headers of a dead-letter record say (see {@link readDeadLetterHeaders}). */
export interface DeadLetterInfo {
  readonly originalTopic: string;
  readonly originalPartition: number;
  /** Kafka's int64 offset, in decimal. */
  readonly originalOffset: string;
  /** Epoch milliseconds, in decimal. */
  readonly originalTimestamp: string;
  readonly timestampType: string;
  readonly consumerGroup: string;
  /** The error's class name (`DecodeError`, `TypeError`, …): Spring's "fqcn", as JavaScript knows it. */
  readonly errorClass: string;
  readonly errorMessage: string;
  readonly stacktrace: string;
  /** Absent on records written by something other than kefgen. */
  readonly attempts?: number;
}

/**
 * The dead-letter record for `cause`: same key, value and headers, the headers above added (replacing any of the
 * same name, e.g. from an earlier dead-lettering). `partition`: the original partition number, when the dead-letter
 * topic has that many partitions (`deadLetterPartitions`), else absent (the producer's partitioner decides by key).
 */
export function deadLetterRecord(cause: DeadLetterCause, deadLetterPartitions: number): OutgoingRecord {
  const { record, error } = cause;
  const err = error instanceof Error ? error : undefined;
  const added: Record<string, Buffer> = {
    [DeadLetterHeaders.ORIGINAL_TOPIC]: Buffer.from(cause.topic, "utf8"),
    [DeadLetterHeaders.ORIGINAL_PARTITION]: int32(cause.partition),
    [DeadLetterHeaders.ORIGINAL_OFFSET]: int64(record.offset),
    [DeadLetterHeaders.ORIGINAL_TIMESTAMP]: int64(record.timestamp),
    // kafkajs does not tell the timestamp type of fetched records; topics default to CreateTime.
    [DeadLetterHeaders.ORIGINAL_TIMESTAMP_TYPE]: Buffer.from("CreateTime", "utf8"),
    [DeadLetterHeaders.ORIGINAL_CONSUMER_GROUP]: Buffer.from(cause.groupId, "utf8"),
    [DeadLetterHeaders.EXCEPTION_FQCN]: Buffer.from(err?.name ?? typeof error, "utf8"),
    [DeadLetterHeaders.EXCEPTION_MESSAGE]: truncated(err ? err.message : String(error), MAX_MESSAGE_BYTES),
    [DeadLetterHeaders.EXCEPTION_STACKTRACE]: truncated(err?.stack ?? String(error), MAX_STACKTRACE_BYTES),
    [DeadLetterHeaders.ATTEMPTS]: Buffer.from(String(cause.attempts), "utf8"),
  };
  const headers: RecordHeaders = { ...record.headers, ...added };
  return {
    key: record.key,
    value: record.value,
    headers,
    ...(cause.partition < deadLetterPartitions ? { partition: cause.partition } : {}),
  };
}

/** Reads the dead-letter headers of a record; `undefined` when it has no `kafka_dlt-original-topic`. */
export function readDeadLetterHeaders(headers: RecordHeaders | undefined): DeadLetterInfo | undefined {
  const topic = one(headers, DeadLetterHeaders.ORIGINAL_TOPIC);
  if (!topic) return undefined;
  const text = (name: string): string => one(headers, name)?.toString("utf8") ?? "";
  const partition = one(headers, DeadLetterHeaders.ORIGINAL_PARTITION);
  const offset = one(headers, DeadLetterHeaders.ORIGINAL_OFFSET);
  const timestamp = one(headers, DeadLetterHeaders.ORIGINAL_TIMESTAMP);
  const attempts = one(headers, DeadLetterHeaders.ATTEMPTS);
  return {
    originalTopic: topic.toString("utf8"),
    originalPartition: partition?.length === 4 ? partition.readInt32BE(0) : -1,
    originalOffset: offset?.length === 8 ? offset.readBigInt64BE(0).toString() : "",
    originalTimestamp: timestamp?.length === 8 ? timestamp.readBigInt64BE(0).toString() : "",
    timestampType: text(DeadLetterHeaders.ORIGINAL_TIMESTAMP_TYPE),
    consumerGroup: text(DeadLetterHeaders.ORIGINAL_CONSUMER_GROUP),
    errorClass: text(DeadLetterHeaders.EXCEPTION_FQCN),
    errorMessage: text(DeadLetterHeaders.EXCEPTION_MESSAGE),
    stacktrace: text(DeadLetterHeaders.EXCEPTION_STACKTRACE),
    ...(attempts ? { attempts: Number(attempts.toString("utf8")) } : {}),
  };
}

function one(headers: RecordHeaders | undefined, name: string): Buffer | undefined {
  const value = headers?.[name];
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  return last === undefined ? undefined : Buffer.isBuffer(last) ? last : Buffer.from(last, "utf8");
}

function int32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeInt32BE(value, 0);
  return out;
}

function int64(decimal: string): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigInt64BE(BigInt(decimal), 0);
  return out;
}

/** `text` as UTF-8, cut to at most `max` bytes (on a character boundary) with a marker saying so. */
export function truncated(text: string, max: number): Buffer {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= max) return bytes;
  const marker = Buffer.from(`… [truncated, ${bytes.length} bytes]`, "utf8");
  let end = max - marker.length;
  // Back up to the start of a UTF-8 character (continuation bytes are 10xxxxxx).
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return Buffer.concat([bytes.subarray(0, end), marker]);
}
