// Errors the runtime raises or reports. Like kafkajs's errors, each carries a stable `code`,
// whether retrying can help (`retriable`) and the original `cause`.

/** Where a record sits in Kafka; attached to errors about that record. */
export interface RecordPosition {
  readonly topic: string;
  readonly partition: number;
  /** Kafka's int64 offset in decimal. */
  readonly offset: string;
}

/**
 * A record value that the codec cannot decode. Never retriable: the same bytes will never decode,
 * so the runtime counts it, emits `decodeError` and moves past the record ("poison record").
 * Codecs throw it without a position; the runtime adds topic/partition/offset with {@link DecodeError.at}.
 */
export class DecodeError extends Error {
  /** Stable code for logs and alerting. */
  readonly code = "KEF_DECODE_ERROR";
  /** Decoding the same bytes again cannot succeed. */
  readonly retriable = false;
  /** The record's topic, once known. */
  readonly topic: string | undefined;
  /** The record's partition, once known. */
  readonly partition: number | undefined;
  /** The record's offset (decimal int64), once known. */
  readonly offset: string | undefined;

  /** @param message what went wrong; @param options `cause` (the codec's error) and the record position if known. */
  constructor(message: string, options: { cause?: unknown; position?: RecordPosition } = {}) {
    super(options.position ? `${message} (${formatPosition(options.position)})` : message, { cause: options.cause });
    this.name = "DecodeError";
    this.topic = options.position?.topic;
    this.partition = options.position?.partition;
    this.offset = options.position?.offset;
  }

  /**
   * Wraps any error thrown while decoding the record at `position` into a positioned `DecodeError`
   * (an existing `DecodeError` keeps its message and cause).
   */
  static at(error: unknown, position: RecordPosition): DecodeError {
    if (error instanceof DecodeError) {
      return new DecodeError(stripPosition(error), { cause: error.cause ?? error, position });
    }
    const reason = error instanceof Error ? error.message : String(error);
    return new DecodeError(`cannot decode record: ${reason}`, { cause: error, position });
  }
}

function formatPosition(position: RecordPosition): string {
  return `${position.topic}[${position.partition}]@${position.offset}`;
}

function stripPosition(error: DecodeError): string {
  if (error.topic === undefined || error.partition === undefined || error.offset === undefined) return error.message;
  const suffix = ` (${formatPosition({ topic: error.topic, partition: error.partition, offset: error.offset })})`;
  return error.message.endsWith(suffix) ? error.message.slice(0, -suffix.length) : error.message;
}
