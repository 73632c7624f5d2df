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

/**
 * Topics a connection consumes that do not exist on the cluster. `start()` rejects with it when the
 * connection's `missingTopics` setting is `"fail"` (the default).
 */
export class TopicMissingError extends Error {
  /** Stable code for logs and alerting. */
  readonly code = "KEF_TOPIC_MISSING";
  /** Creating the topics (or setting `missingTopics = wait`) makes a new start succeed. */
  readonly retriable = true;
  /** The connection's name (`"shared"` or the exclusive connection's name). */
  readonly connection: string;
  /** The topics that do not exist, in declaration order. */
  readonly topics: readonly string[];
  /** The Kafka client the connection consumes with (a transport's `client`: `"kafkajs"`, `"platformatic"`), if known. */
  readonly client: string | undefined;

  /**
   * @param connection the connection's name; @param topics the missing topics; @param options `cause`: the client's
   * error; `client`: the client the connection consumes with, named in the hint.
   */
  constructor(connection: string, topics: readonly string[], options: { cause?: unknown; client?: string } = {}) {
    const list = topics.map((t) => JSON.stringify(t)).join(", ");
    // The runtime asks its client never to create topics (kafkajs allowAutoTopicCreation, platformatic
    // autocreateTopics: false), so that a typo in a topic name is an error, not a new empty topic.
    const consumer = options.client === undefined ? "a consumer" : `the runtime's ${options.client} consumer`;
    super(
      `connection "${connection}": topic${topics.length === 1 ? "" : "s"} ${list} ${topics.length === 1 ? "does" : "do"} not exist on the cluster; ` +
        `hint: create ${topics.length === 1 ? "it" : "them"} (kefgen topics apply, or the runtime option ensureTopics: true; ${consumer} never creates topics by itself), or set missingTopics = wait to start without ${topics.length === 1 ? "it" : "them"}`,
      { cause: options.cause },
    );
    this.name = "TopicMissingError";
    this.connection = connection;
    this.topics = [...topics];
    this.client = options.client;
  }
}

/** Why a broker could not be reached, as far as the runtime can tell. */
export type BrokerUnreachableReason =
  "connection refused" | "host not found" | "connection timed out" | "no answer" | "other";

/**
 * A connection's consumer could not connect to any broker within the connect deadline
 * (`connectTimeoutMs`). Names the brokers tried, the cause and a hint.
 */
export class BrokerUnreachableError extends Error {
  /** Stable code for logs and alerting. */
  readonly code = "KEF_BROKER_UNREACHABLE";
  /** A broker that comes up makes a new start succeed. */
  readonly retriable = true;
  /** The broker addresses tried (`host:port`); empty when a `Kafka` instance was passed and kafkajs did not say. */
  readonly brokers: readonly string[];
  /** The connection's name. */
  readonly connection: string;
  /** Why, as far as the runtime can tell (`no answer`: something accepted the connection and never answered). */
  readonly reason: BrokerUnreachableReason;

  /**
   * @param details the connection, brokers tried, reason, how long it tried, and `cause` (kafkajs's error, if any).
   */
  constructor(details: {
    connection: string;
    brokers: readonly string[];
    reason: BrokerUnreachableReason;
    elapsedMs: number;
    cause?: unknown;
  }) {
    const where = details.brokers.length > 0 ? details.brokers.join(", ") : "the brokers of the given Kafka instance";
    const why =
      details.reason === "other"
        ? causeMessage(details.cause)
        : details.reason === "no answer"
          ? `no answer within ${details.elapsedMs} ms`
          : details.reason;
    super(
      `connection "${details.connection}": cannot reach Kafka at ${where} (${why}); hint: ${HINTS[details.reason]}`,
      { cause: details.cause },
    );
    this.name = "BrokerUnreachableError";
    this.connection = details.connection;
    this.brokers = [...details.brokers];
    this.reason = details.reason;
  }
}

const HINTS: Readonly<Record<BrokerUnreachableReason, string>> = {
  "connection refused": "is the broker running? check KAFKA_BROKERS / the brokers option",
  "host not found": "check the host names in KAFKA_BROKERS / the brokers option",
  "connection timed out":
    "is the address reachable from here (firewall, VPN)? check KAFKA_BROKERS / the brokers option",
  "no answer":
    "something accepted the connection but did not answer as Kafka: is this the broker's client listener (not another service), and does it need TLS (ssl) or SASL?",
  other: "check KAFKA_BROKERS / the brokers option and the broker's logs",
};

function causeMessage(cause: unknown): string {
  return cause instanceof Error ? cause.message : cause === undefined ? "unknown cause" : String(cause);
}

/** The error and its `cause`s, outermost first (bounded, in case of a cycle). */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    chain.push(e);
    e = (e as { cause?: unknown; originalError?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  return chain;
}

/** kafkajs's error types that mean "this topic (or partition) does not exist on the broker". */
const MISSING_TOPIC_TYPES = new Set(["UNKNOWN_TOPIC_OR_PARTITION", "UNKNOWN_TOPIC_ID"]);

/** Whether kafkajs's `error` (or one of its causes) says a topic or partition does not exist. */
export function isMissingTopicError(error: unknown): boolean {
  return causeChain(error).some((e) => MISSING_TOPIC_TYPES.has(String((e as { type?: unknown }).type)));
}

/**
 * Classifies a failed connect: the brokers kafkajs named in its errors (`broker`, `host:port`) and the
 * operating system's error code. `timedOut`: the runtime's deadline passed before kafkajs gave up.
 */
export function describeConnectFailure(
  error: unknown,
  timedOut: boolean,
): { reason: BrokerUnreachableReason; brokers: string[] } {
  const chain = causeChain(error);
  const brokers = [
    ...new Set(chain.map((e) => (e as { broker?: unknown }).broker).filter((b): b is string => typeof b === "string")),
  ];
  const codes = new Set(chain.map((e) => (e as { code?: unknown }).code).filter((c) => typeof c === "string"));
  const text = chain.map((e) => (e instanceof Error ? e.message : String(e))).join(" | ");
  let reason: BrokerUnreachableReason;
  if (codes.has("ECONNREFUSED") || /ECONNREFUSED/.test(text)) reason = "connection refused";
  else if (codes.has("ENOTFOUND") || codes.has("EAI_AGAIN") || /ENOTFOUND|EAI_AGAIN/.test(text))
    reason = "host not found";
  else if (
    codes.has("ETIMEDOUT") ||
    codes.has("EHOSTUNREACH") ||
    codes.has("ENETUNREACH") ||
    /Connection timeout|ETIMEDOUT/.test(text)
  )
    reason = "connection timed out";
  else if (timedOut || /Broker not connected|Request .* timed out/i.test(text)) reason = "no answer";
  else reason = "other";
  return { reason, brokers };
}

/**
 * A partition the consumer must read has no usable offset and `autoOffsetReset = none` forbids
 * choosing one: the group has no committed offset for it, or the committed offset is out of range.
 * The member crashes with it (a `crash` event) instead of resetting silently. Set an offset (e.g.
 * `kafka-consumer-groups --reset-offsets`) or choose `earliest`/`latest`.
 */
export class NoOffsetError extends Error {
  /** Stable code for logs and alerting. */
  readonly code = "KEF_NO_OFFSET";
  /** Retrying finds the same missing offset until someone commits one. */
  readonly retriable = false;

  /** @param position the partition; `reason`: no committed offset, or the committed one is out of range. */
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly reason: "no-committed-offset" | "out-of-range",
    readonly groupId: string,
  ) {
    super(
      reason === "no-committed-offset"
        ? `group "${groupId}" has no committed offset for ${topic}[${partition}] and autoOffsetReset = none`
        : `the offset of group "${groupId}" for ${topic}[${partition}] is out of range and autoOffsetReset = none`,
    );
    this.name = "NoOffsetError";
  }
}
