// The one catalogue of kefgen diagnostics: every code with its title, and every message a code is reported with.
// Codes are stable and banded by stage: KEF1xxx syntax, KEF2xxx semantics, KEF3xxx Avro, KEF4xxx output/IO.
// A code names a kind of problem and may be reported with several messages; a message belongs to one code and
// has one severity. Call sites pass only the arguments: `c.accept(messages.unknownSetting, range, { name })`. The
// texts of related locations are the `notes` table at the end, made into locations by `related()` (diagnostics.ts).
// Over ~350 lines on purpose: it is the one table of every message, so that no text is written anywhere else.

export type Severity = "error" | "warning";

/** Every diagnostic code and its title (docs/diagnostics.md is generated from this table). */
export const codes = {
  KEF1001: "unexpected character",
  KEF1002: "syntax error",
  KEF1003: "unterminated string",
  KEF1004: "unterminated block comment",
  KEF1005: "nesting too deep",
  KEF2001: "unknown message type",
  KEF2002: "unknown connection",
  KEF2003: "duplicate message",
  KEF2004: "duplicate topic",
  KEF2005: "duplicate connection",
  KEF2006: "unknown setting",
  KEF2007: "wrong value type",
  KEF2008: "setting not allowed here",
  KEF2009: "setting not supported by the connection's Kafka client",
  KEF2010: "duplicate setting",
  KEF2011: "value out of range",
  KEF2012: "missing group id",
  KEF2013: "group id used by two connections",
  KEF2014: "duplicate shared block",
  KEF2015: "handler name collision",
  KEF2016: "unused connection",
  KEF2017: "invalid name",
  KEF2018: "at-most-once delivery",
  KEF2019: "heartbeat interval close to the session timeout",
  KEF2020: "session timeout outside the broker's default bounds",
  KEF2021: "generated name collision",
  KEF2022: "reserved handler name",
  KEF2030: "unknown unit",
  KEF2031: "number not written in plain decimal",
  KEF2032: "unit apart from its number",
  KEF2033: "number that cannot be represented",
  KEF2034: "blank or invisible characters in a string setting",
  KEF2035: "Kafka-internal topic",
  KEF2036: "topic names that collide in Kafka's metric names",
  KEF2050: "unknown registry",
  KEF2051: "framed topic without a registry",
  KEF2052: "registry not chosen",
  KEF2053: "duplicate registry",
  KEF2054: "secret written in the .kef",
  KEF2055: "invalid registry setting",
  KEF2056: "registry setting without effect",
  KEF2057: "unused registry",
  KEF2070: "unknown topic clause",
  KEF2071: "duplicate topic clause",
  KEF2072: "key type shadows a message",
  KEF2080: "plan: rebalance timeout below the session timeout",
  KEF2081: "plan: rebalance timeout below the retry backoff",
  KEF2082: "plan: waiting for topics while reading from the latest offset",
  KEF2083: "plan: one group waits for topics of several",
  KEF2100: "a record that always fails stalls its partition",
  KEF2101: "decode errors skipped: poison records are lost",
  KEF2102: "onDecodeError = deadLetter without a dead-letter topic",
  KEF2103: "retry backoff above its maximum",
  KEF2104: "invalid dead-letter topic",
  KEF2110: "exactly-once topic with a drop mode",
  KEF2111: "exactly-once topic with auto-commit",
  KEF2112: "transaction setting without effect",
  KEF2120: "message type listed twice on a multi-type topic",
  KEF2121: "multi-type topic member that is not an Avro record",
  KEF2122: "invalid route",
  KEF2123: "route = schema on a topic that is not Confluent-framed",
  KEF2124: "route on a topic of one message type",
  KEF2140: "unknown topic config",
  KEF2141: "invalid topic config value",
  KEF2142: "not something a topic's { } says",
  KEF2143: "invalid partition count or replication factor",
  KEF2144: "said twice in a topic's { }",
  KEF3001: "invalid Avro schema",
  KEF3002: "schema file not found",
  KEF3003: "schema file is not valid JSON",
  KEF3004: "Avro name that would lose data",
  KEF3005: "type not found in schema file",
  KEF3006: "logical type ignored",
  KEF3007: "Avro schema too large",
  KEF3010: "writer schema the message cannot read",
  KEF3011: "writer schema not self-contained",
  KEF2090: "writers on a topic that is not single-object",
  KEF3015: "field added without a default (breaks BACKWARD)",
  KEF3016: "field removed that old readers need (breaks FORWARD)",
  KEF3017: "type changed incompatibly",
  KEF3018: "named type renamed without an alias",
  KEF3019: "fixed size changed",
  KEF3020: "enum symbol removed (breaks BACKWARD)",
  KEF3021: "enum symbol added without an enum default (breaks FORWARD)",
  KEF3022: "union branch removed (breaks BACKWARD)",
  KEF3023: "union branch added (breaks FORWARD)",
  KEF3037: "message type removed",
  KEF3038: "bare-Avro topic's schema changed",
  KEF3039: "namespace changed without an alias",
  KEF4001: "cannot read input",
  KEF4002: "cannot write output",
  KEF4003: "invalid project config",
  KEF4004: "file outside the project root",
  KEF4005: "not a regular file",
  KEF4006: "file too large",
  KEF4010: "would overwrite a file kefgen did not generate",
  KEF4011: "output left by an interrupted build",
  KEF4012: "another kefgen process is writing the output",
  KEF4020: "not in a git repository",
  KEF4021: "git ref not found",
  KEF4022: "old version cannot be checked",
  KEF4023: "git failed",
  KEF4030: "schema incompatible with the registry's latest version",
  KEF4031: "subject not registered",
  KEF4032: "registry unreachable",
  KEF4033: "registry refused the credentials",
  KEF4034: "registry answered with an error",
  KEF4035: "registry environment variable not set",
} as const;

export type DiagnosticCode = keyof typeof codes;

/** The names in a template's `{name}` placeholders; `{ ... }` with anything but a name inside is text. */
type Placeholders<T extends string> = T extends `${string}{${infer P}}${infer Rest}`
  ? P extends `${string}${" " | "{" | "." | '"' | "="}${string}` | ""
    ? Placeholders<`${P extends `${string}{${infer Inner}` ? `{${Inner}` : ""}${Rest}`>
    : P | Placeholders<Rest>
  : never;

/** One catalogue entry: the code, its severity and the message (and optional hint) with `{name}` placeholders. */
export interface MessageDef<T extends string = string, H extends string = string> {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly text: T;
  readonly hint?: H;
}

/** The arguments an entry's placeholders need, each a string or a number. */
export type MessageArgs<M extends MessageDef> =
  M extends MessageDef<infer T, infer H>
    ? { readonly [K in Placeholders<T> | Placeholders<H>]: string | number }
    : never;

/**
 * A message with its arguments: what code that finds a problem but does not report it returns (check-literals.ts,
 * files.ts, schema-limits.ts). The stage that has the place reports it with `accept(p.entry, range, p.args, ...)`.
 */
export interface Problem {
  readonly entry: MessageDef;
  readonly args: Readonly<Record<string, string | number>>;
}

/** A problem of `entry`, its arguments checked against the entry's placeholders. */
export function problem<M extends MessageDef>(entry: M, args: MessageArgs<M>): Problem {
  return { entry, args };
}

function error<const T extends string, const H extends string = never>(
  code: DiagnosticCode,
  text: T,
  hint?: H,
): MessageDef<T, H> {
  return hint === undefined ? { code, severity: "error", text } : { code, severity: "error", text, hint };
}

function warning<const T extends string, const H extends string = never>(
  code: DiagnosticCode,
  text: T,
  hint?: H,
): MessageDef<T, H> {
  return hint === undefined ? { code, severity: "warning", text } : { code, severity: "warning", text, hint };
}

/**
 * Every message kefgen reports, grouped by the stage that reports it. A message's text is a template; what varies
 * comes in as `{name}` arguments, already quoted where the message shows a quoted value. A hint here is the
 * message's fixed hint; a computed one (did you mean ...?) is passed where the diagnostic is made.
 */
export const messages = {
  // -------------------------------------------------------------------------------------------
  // Syntax (grammar/, generator/parse.ts)

  expectedButFound: error("KEF1002", "expected {expected} but found {found}"),
  expectedTopicBodyItem: error(
    "KEF1002",
    "expected {expected} but found {found} (a topic's body holds 'consumer …', 'producer { … }', 'partitions = …', 'replicationFactor = …' and 'config { … }')",
  ),
  expectedDeclaration: error(
    "KEF1002",
    "expected a declaration ('message', 'shared', 'connection' or 'topic') but found {found}",
  ),
  expectedAtLeastOne: error("KEF1002", "expected at least one {expected} but found {found}"),
  unexpectedCharacter: error("KEF1001", "unexpected character {character}"),
  notAKefFile: error(
    "KEF1001",
    "{count} more unexpected characters: this does not look like a .kef file, so it was not parsed",
  ),
  invalidEscape: error("KEF1003", "invalid escape in string"),
  unterminatedString: error("KEF1003", "unterminated string"),
  unterminatedComment: error("KEF1004", "unterminated block comment"),
  nestingTooDeep: error("KEF1005", "brackets nested deeper than {max} levels"),
  invalidJson: error("KEF3003", "invalid JSON: {problem}"),

  // -------------------------------------------------------------------------------------------
  // Declarations, names and topics (check.ts and the stages around it, names.ts, topic clauses, producers)

  noKefFileMatches: error("KEF4001", 'no .kef file matches "{pattern}"'),
  cannotReadSchemaFile: error("KEF4001", 'cannot read schema file "{path}": {reason}'),
  schemaFileNotFound: error(
    "KEF3002",
    'schema file "{path}" not found',
    "looked for {shown}; paths are relative to the .kef file",
  ),
  messageTwice: error("KEF2003", 'message "{name}" is declared twice'),
  keywordMessageName: error(
    "KEF2017",
    '"{name}" is a keyword and cannot name a message',
    'choose another name, e.g. "{capitalized}"',
  ),
  reservedMessageName: error(
    "KEF2017",
    '"{name}" cannot name a message: it is reserved in TypeScript or by generated code',
    'choose another name, e.g. "{name}Message"',
  ),
  sharedTwice: error("KEF2014", "the shared connection is configured twice"),
  connectionTwice: error("KEF2005", 'connection "{name}" is declared twice'),
  keywordConnectionName: error(
    "KEF2017",
    '"{name}" is a keyword and cannot name a connection',
    'choose another name, e.g. "{name}Connection"',
  ),
  topicTwice: error("KEF2004", 'topic "{name}" is declared twice'),
  invalidTopicName: error("KEF2017", 'invalid topic name "{name}": {problem}'),
  topicWithoutHandlerName: error(
    "KEF2017",
    'topic "{name}" has no letters or digits to name its handler',
    'name it: topic "{name}" as someName : ...',
  ),
  reservedHandlerName: error(
    "KEF2022",
    '"{key}" cannot be a handler name: {reason}',
    'name it: topic "{topic}" as {suggestion}Topic : ...',
  ),
  unknownConnection: error("KEF2002", 'unknown connection "{name}"'),
  unknownConnectionNoneDeclared: error(
    "KEF2002",
    'unknown connection "{name}"',
    'declare it: connection {name} exclusive { groupId = "..." }',
  ),
  metricNameCollision: warning(
    "KEF2036",
    `topics "{name}" and "{other}" collide in Kafka's metric names, where '.' becomes '_'`,
    "a broker refuses to create one of them while the other exists; use only '.' or only '_' in topic names",
  ),
  unusedConnection: warning(
    "KEF2016",
    'connection "{name}" is not used by any topic',
    'use it with: topic "..." : Message { consumer via {name} }',
  ),
  sharedWithoutGroupId: error(
    "KEF2012",
    "the shared connection has no groupId",
    'add: shared { groupId = "my-service" }',
  ),
  exclusiveConsumerWithoutGroupId: error(
    "KEF2012",
    'the exclusive consumer of topic "{topic}" has no groupId',
    'add groupId = "..." to its settings; exclusive connections need their own group',
  ),
  connectionWithoutGroupId: error(
    "KEF2012",
    'connection "{name}" has no groupId',
    'add groupId = "..." to its settings; exclusive connections need their own group',
  ),
  groupIdOfShared: error(
    "KEF2013",
    'group id "{groupId}" is already used by the shared connection',
    "each connection is its own Kafka consumer and needs its own group",
  ),
  groupIdOfConnection: error(
    "KEF2013",
    'group id "{groupId}" is already used by connection "{other}"',
    "each connection is its own Kafka consumer and needs its own group",
  ),
  heartbeatNotBelowSession: error(
    "KEF2011",
    "heartbeatIntervalMs ({heartbeat}) must be below sessionTimeoutMs ({session})",
    "a third of the session timeout or less is usual",
  ),
  heartbeatCloseToSession: warning(
    "KEF2019",
    "heartbeatIntervalMs ({heartbeat}) is more than a third of sessionTimeoutMs ({session}): one late heartbeat can expel the member",
    "a heartbeat interval of at most {third} leaves room for two missed heartbeats",
  ),
  sessionTimeoutOutsideBrokerBounds: warning(
    "KEF2020",
    "sessionTimeoutMs ({session}) is outside the broker defaults group.min.session.timeout.ms (6000) and group.max.session.timeout.ms (1800000)",
    "brokers with default settings refuse the join with INVALID_SESSION_TIMEOUT",
  ),
  unknownMessage: error("KEF2001", 'unknown message type "{name}"'),
  unknownMessageNoneDeclared: error(
    "KEF2001",
    'unknown message type "{name}"',
    'declare it: message {name} from "{name}.avsc"',
  ),
  // names.ts
  handlerNameCollision: error(
    "KEF2015",
    '{later} and {earlier} would both be handled by "{name}"',
    "name one of them: topic {topic} as someOtherName : ...",
  ),
  connectionNameCollision: error(
    "KEF2015",
    '{later} would be named "{name}", like {earlier}',
    "give the topic another name with `as`, or rename the connection",
  ),
  generatedNameCollision: error("KEF2021", '{later} and {earlier} would both be named "{name}" in the generated code'),
  // topic-clauses.ts
  unknownTopicClause: error(
    "KEF2070",
    'unknown clause "{word}" after the message type of topic "{topic}"',
    "a topic may say key <string | bytes | none | Message> and tombstones",
  ),
  topicClauseTwice: error("KEF2071", 'topic "{topic}" says "{word}" twice'),
  builtinKeyShadowsMessage: warning(
    "KEF2072",
    'key {key} is the built-in key type, not message "{key}"',
    'rename message "{key}" to use it as a key',
  ),
  // topic-config.ts
  consumerClauseTwice: error("KEF2144", 'the consumer clause is said twice for topic "{topic}"'),
  producerClauseTwice: error("KEF2144", 'the producer clause is said twice for topic "{topic}"'),
  provisioningSettingTwice: error("KEF2144", '"{name}" is said twice for topic "{topic}"'),
  topicConfigTwice: error("KEF2144", 'topic config "{key}" is said twice for topic "{topic}"'),
  notATopicSetting: error(
    "KEF2142",
    `"{name}" is not something a topic's { } says`,
    "a topic's { } takes partitions, replicationFactor, config { ... } and consumer ...; consumer settings go in consumer { ... }",
  ),
  invalidPartitions: error("KEF2143", "{name} must be a whole number from 1 to {max}, not {value}"),
  invalidReplicationFactor: error(
    "KEF2143",
    "{name} must be a whole number from 1 to {max}, not {value}",
    "the number of brokers that keep a copy of each partition, at most the cluster's size",
  ),
  notATopicBlock: error(
    "KEF2142",
    `"{word} { }" is not something a topic's { } says`,
    "Kafka topic configs go in config { ... }, producer settings in producer { ... }",
  ),
  unknownTopicConfig: error(
    "KEF2140",
    'unknown topic config "{key}"',
    "see Kafka's topic-level configs; docs/language.md#provisioning lists those kefgen knows",
  ),
  invalidTopicConfigValue: error("KEF2141", 'invalid value for topic config "{key}": {problem}'),
  // failure.ts
  retryBackoffAboveMaximum: error(
    "KEF2103",
    'retryBackoffMs ({backoff}) is above retryMaxBackoffMs ({maximum}) for topic "{topic}"',
    "the first wait is retryBackoffMs and no wait is longer than retryMaxBackoffMs: raise the maximum or lower the first wait",
  ),
  invalidDeadLetterTopic: error("KEF2104", 'invalid dead-letter topic "{deadLetter}" for topic "{topic}": {problem}'),
  invalidDefaultDeadLetterTopic: error(
    "KEF2104",
    'invalid dead-letter topic "{deadLetter}" for topic "{topic}": {problem}',
    'name it: deadLetter = "..."',
  ),
  ownDeadLetterTopic: error(
    "KEF2104",
    'topic "{topic}" cannot be its own dead-letter topic: a failing record would come back to fail again',
    'use deadLetter = default ("{defaultDeadLetter}") or another topic',
  ),
  decodeErrorsWithoutDeadLetter: error(
    "KEF2102",
    'onDecodeError = deadLetter, but topic "{topic}" has no dead-letter topic',
    'add deadLetter = default (writes to "{defaultDeadLetter}") or deadLetter = "some-topic"',
  ),
  decodeErrorsSkipped: warning(
    "KEF2101",
    'onDecodeError = skip: a record of topic "{topic}" that cannot be decoded is counted, committed past and lost',
    "onDecodeError = deadLetter keeps its bytes in the dead-letter topic",
  ),
  decodeErrorsSkippedWithoutDeadLetter: warning(
    "KEF2101",
    'onDecodeError = skip: a record of topic "{topic}" that cannot be decoded is counted, committed past and lost',
    "add deadLetter = default to keep its bytes, or use onDecodeError = stop",
  ),
  retriesForever: warning(
    "KEF2100",
    'topic "{topic}" has no dead-letter topic and retries without limit: a record that always fails stalls its partition, retried forever',
    "add deadLetter = default, or bound the retries (retryAttempts = 10): the partition then stops and reports the record",
  ),
  // plan.ts (warnings of `kefgen plan`, about a connection's resolved settings)
  rebalanceTimeoutBelowSession: warning(
    "KEF2080",
    "maxPollIntervalMs ({maxPoll}) is below sessionTimeoutMs ({session}): kafkajs sends it as the rebalance timeout, so a rebalance can give up on a member whose session is still alive",
    "keep maxPollIntervalMs at or above sessionTimeoutMs",
  ),
  rebalanceTimeoutBelowRetryWait: warning(
    "KEF2081",
    "maxPollIntervalMs ({maxPoll}) is below the longest retry wait of its topics (retryMaxBackoffMs, {longestWait} ms): a record that keeps failing makes no progress for whole rebalance timeouts, and a rebalance meanwhile hands it to the next owner, which starts its retries over",
    "raise maxPollIntervalMs above {longestWait}, or lower retryMaxBackoffMs",
  ),
  waitingFromLatest: warning(
    "KEF2082",
    "missingTopics = wait with autoOffsetReset = latest: records written to a topic before the connection finds it (every missingTopicCheckMs) are skipped",
    "use autoOffsetReset = earliest for topics that may be created after the service starts",
  ),
  groupWaitsForSeveralTopics: warning(
    "KEF2083",
    'group "{groupId}" reads {topics} topics with missingTopics = wait: when a missing one appears the whole group rejoins, pausing every topic of the connection',
    "give a topic that may be missing its own exclusive connection, or create the topics before the service starts",
  ),
  // producer.ts
  idempotentWithoutAcksAll: error(
    "KEF2009",
    'acks = {acks} is not supported with idempotent = true (topic "{topic}"): an idempotent producer waits for every in-sync replica',
    "use acks = all, or set idempotent = false",
  ),
  idempotentInFlightAboveLimit: error(
    "KEF2009",
    'maxInFlight = {maxInFlight} is not supported with idempotent = true (topic "{topic}"): the broker checks the order of at most {limit} batches in flight',
    "use maxInFlight = {limit} or less, or set idempotent = false",
  ),
  // check-exactly-once.ts
  exactlyOnceWithDrops: error(
    "KEF2110",
    'topic "{topic}" is exactly-once but backpressure = {backpressure}: a dropped record would be committed past outside any transaction',
    "use backpressure = ApplyBackpressure (the default) on an exactly-once topic",
  ),
  exactlyOnceOnPlatformatic: error(
    "KEF2009",
    "exactlyOnce = true is not supported by the {client} client: {why}",
    "use the kafkajs client (the default) on the connection of an exactly-once topic",
  ),
  exactlyOnceWithAutoCommit: error(
    "KEF2111",
    'topic "{topic}" is exactly-once but its connection has enableAutoCommit = true: offsets would be committed as records are buffered, outside the transactions',
    "leave enableAutoCommit false (the default) on the connection of an exactly-once topic",
  ),
  transactionSettingWithoutEffect: warning(
    "KEF2112",
    '"{key}" has no effect: topic "{topic}" is not exactly-once',
    "add exactlyOnce = true, or remove it",
  ),
  // multi-type.ts
  memberTwice: error(
    "KEF2120",
    'message "{name}" is listed twice on topic "{topic}"',
    "list each message type of a multi-type topic once",
  ),
  memberSameAvroName: error(
    "KEF2120",
    'messages "{name}" and "{other}" of topic "{topic}" are both the Avro record {type}: their records could not be told apart',
    "a multi-type topic's records are routed by the full Avro name of their type; give each member its own record",
  ),
  memberNotARecord: error(
    "KEF2121",
    'message "{name}" of multi-type topic "{topic}" is not an Avro record (its schema is {kind})',
    "the members of a multi-type topic are routed by their record's full name: each must be a record",
  ),
  invalidRoute: error(
    "KEF2122",
    'route = {value} on topic "{topic}" is not a route',
    "write route = header(\"$type\") (a header names each record's type, any header name) or route = schema (the registry's writer schema does)",
  ),
  schemaRouteNotConfluent: error(
    "KEF2123",
    'route = schema on topic "{topic}" needs Confluent framing, but the topic is {format}',
    "write format = confluent in the topic's consumer block (or on its connection, or in the shared block), or route by a header",
  ),
  routeOnSingleType: error(
    "KEF2124",
    'topic "{topic}" has one message type: route says how the types of a multi-type topic are told apart',
    "remove route, or list the other types: topic : A | B",
  ),

  // -------------------------------------------------------------------------------------------
  // Settings (check-settings.ts, check-literals.ts, settings.ts)

  // check-settings.ts
  unknownSetting: error("KEF2006", 'unknown setting "{name}"'),
  settingTwice: error("KEF2010", '"{name}" is set twice'),
  producerSettingOnTopicConsumer: error(
    "KEF2008",
    '"{name}" cannot be set {where}',
    'producer settings go in the topic\'s producer block: topic "..." : Message { producer { {name} = ... } }',
  ),
  connectionSettingOnTopic: error(
    "KEF2008",
    '"{name}" cannot be set {where}',
    'only {settings} can be set per topic; use "consumer exclusive { ... }" or a named connection for consumer settings',
  ),
  producerSettingOnConnection: error(
    "KEF2008",
    '"{name}" cannot be set {where}',
    'producer settings go in the shared block or in a topic\'s producer block: topic "..." : Message { producer { {name} = ... } }',
  ),
  produceInProducerBlock: error(
    "KEF2008",
    '"{name}" cannot be set {where}',
    "a producer block already asks for this topic's producer; produce = true belongs in the shared block",
  ),
  notAProducerSetting: error(
    "KEF2008",
    '"{name}" cannot be set {where}',
    "only {settings} can be set in a producer block",
  ),
  atMostOnce: warning(
    "KEF2018",
    "enableAutoCommit = true commits records before they are handled: records in buffers are lost on a crash (at-most-once)",
    "leave it false (the default): offsets are then committed only after the handler finished (at-least-once)",
  ),
  wrongValue: error("KEF2007", '"{name}" must be {expected}, not {shown}'),
  wrongValueUnquoted: error(
    "KEF2007",
    '"{name}" must be {expected}, not {shown}',
    'write it in quotes: {name} = "{text}"',
  ),
  wrongValueQuoted: error(
    "KEF2007",
    '"{name}" must be {expected}, not {shown}',
    "write it without quotes: {name} = {text}",
  ),
  emptySetting: error("KEF2011", '"{name}" cannot be empty'),
  wrongUnit: error("KEF2007", '"{name}" must be {wanted}, not {raw}', "units for {wanted}: {units}"),
  unitOnCount: error(
    "KEF2007",
    '"{name}" must be a plain number, not {raw}',
    "write it without a unit: {name} = {value}",
  ),
  notWholeNumber: error("KEF2007", '"{name}" must be a whole number{ofUnit}, not {shown}'),
  outOfRange: error("KEF2011", '"{name}" must be between {min} and {max}{unit}, not {shown}'),
  outOfRangeInSeconds: error(
    "KEF2011",
    '"{name}" must be between {min} and {max}{unit}, not {shown}',
    "values are in milliseconds: did you mean {raw}s?",
  ),
  notOneOf: error("KEF2007", '"{name}" must be one of {values}, not {shown}'),
  unsupportedByProducer: error("KEF2009", "{setting} is not supported by the {client} producer: {why}"),
  unsupportedOnClient: error(
    "KEF2009",
    "{setting} is not supported by the {client} client: {why}",
    "choose the platformatic client: client = platformatic (on this connection or on shared)",
  ),
  unsupportedInheritedOnClient: error(
    "KEF2009",
    '{setting} is not supported by the {client} client (inherited by connection "{connection}"): {why}',
    "choose the platformatic client: client = platformatic (on this connection or on shared)",
  ),
  // check-literals.ts
  notPlainDecimal: error("KEF2031", '"{name}" must be a plain decimal number, not {raw}', "{form} are not supported"),
  notPlainDecimalWrite: error(
    "KEF2031",
    '"{name}" must be a plain decimal number, not {raw}',
    "{form} are not supported: write {name} = {decimal}",
  ),
  unknownUnitOnCount: error(
    "KEF2030",
    'unknown unit "{unit}" in {raw}',
    '"{name}" takes a plain number, without a unit',
  ),
  unknownUnitMeant: error(
    "KEF2030",
    'unknown unit "{unit}" in {raw}',
    "did you mean {value}{meant}? units for {wanted}: {units}",
  ),
  unknownUnit: error("KEF2030", 'unknown unit "{unit}" in {raw}', "units for {wanted}: {units}"),
  unitApart: error(
    "KEF2032",
    "the unit of {raw} is apart from its number",
    "a unit must touch its number: write {value}{unit}",
  ),
  numberTooLarge: error(
    "KEF2033",
    "{shown} is too large to be represented",
    "numbers must stay below 1.7976931348623157e308",
  ),
  numberTooSmall: error(
    "KEF2033",
    "{shown} is too small to be represented: it would be read as 0",
    "write 0 if you mean zero",
  ),
  negativeZero: error("KEF2033", "{shown} is negative zero", "write {positive}"),
  blankSetting: error("KEF2034", '"{name}" cannot be blank', 'write a name, e.g. {name} = "my-service"'),
  whitespaceInSetting: error("KEF2034", '"{name}" has whitespace at its {end}', "write {name} = {trimmed}"),
  invisibleInSetting: error(
    "KEF2034",
    '"{name}" contains the invisible character U+{code}',
    "use visible characters only: letters, digits, '.', '_' and '-' are safe everywhere",
  ),
  internalTopic: error(
    "KEF2035",
    'topic "{name}" is internal to Kafka: it holds {holds}',
    "consume your own topics; Kafka's internal topics are not written in a format kefgen can decode",
  ),
  internalTopicName: error(
    "KEF2035",
    'topic "{name}" is named like an internal topic: names starting with "__" are reserved for Kafka',
    'rename the topic without the leading "__"',
  ),

  // -------------------------------------------------------------------------------------------
  // Registries and record formats (registries.ts, registry-check.ts)

  registryTwice: error("KEF2053", 'registry "{name}" is declared twice'),
  unknownRegistrySetting: error("KEF2055", 'unknown registry setting "{name}"', "a registry has: {keys}"),
  registryWithoutUrl: error(
    "KEF2055",
    'registry "{name}" has no url',
    'add: url = "http://localhost:8081" (or url = env("SR_URL"))',
  ),
  envTakesOneName: error("KEF2055", 'env(...) takes the name of one environment variable, like env("{example}")'),
  secretInKef: error(
    "KEF2054",
    "the {what} is written in the .kef: secrets may only come from the environment",
    'write env("{example}") and set {example} where the consumer runs',
  ),
  secretNotFromEnv: error("KEF2055", 'the {what} must be env("NAME"), not {value}'),
  registryUrlNotHttp: error("KEF2055", "registry url must be an http:// or https:// URL, not {url}"),
  registryUrlWithCredentials: error(
    "KEF2054",
    "the registry url holds credentials: secrets may only come from the environment",
    'remove them from the url and write auth = basic(env("SR_USER"), env("SR_PASSWORD"))',
  ),
  basicAuthArguments: error(
    "KEF2055",
    'basic(...) takes a user name and a password: basic(env("SR_USER"), env("SR_PASSWORD"))',
  ),
  bearerAuthArguments: error("KEF2055", 'bearer(...) takes one token: bearer(env("SR_TOKEN"))'),
  invalidAuth: error(
    "KEF2055",
    'auth must be basic(env("USER"), env("PASSWORD")) or bearer(env("TOKEN")), not {value}',
  ),
  registrySettingWithoutEffect: warning(
    "KEF2056",
    '"{key}" has no effect: topic "{topic}" is read as {format}',
    "add format = confluent, or remove it",
  ),
  unknownRegistry: error("KEF2050", 'unknown registry "{name}"'),
  unknownRegistryNoneDeclared: error(
    "KEF2050",
    'unknown registry "{name}"',
    'declare it: registry {name} { url = "http://localhost:8081" }',
  ),
  confluentWithoutRegistry: error(
    "KEF2051",
    'topic "{topic}" is read with format = confluent but no registry is declared',
    'declare one: registry main { url = "http://localhost:8081" }',
  ),
  registryNotChosen: error(
    "KEF2052",
    'topic "{topic}" is read with format = confluent but does not say which registry',
    "add registry = {choices} to its settings (or to its connection's)",
  ),
  unusedRegistry: warning(
    "KEF2057",
    'registry "{name}" is not used by any topic',
    "read a topic with it: format = confluent",
  ),

  // -------------------------------------------------------------------------------------------
  // Avro schemas and their evolution (avro*.ts, compat.ts, against.ts, writers.ts, schema-limits.ts)

  writersWithoutEffect: warning(
    "KEF2090",
    'writers of message "{name}" have no effect: no topic reads it with format = singleObject',
    "only single-object records name their writer schema; add format = singleObject to its topic, or remove the writers",
  ),
  missingMember: error("KEF3001", 'missing "{key}" in Avro {kind}'),
  memberNotString: error("KEF3001", '"{key}" must be a string'),
  invalidName: error(
    "KEF3001",
    "invalid Avro {what} name {name}",
    "names start with a letter or '_' and contain only letters, digits and '_'",
  ),
  notASchema: error("KEF3001", "an Avro schema must be a type name, an object or a union array"),
  typeNotAName: error(
    "KEF3001",
    '"type" must be a type name',
    'write the schema itself instead of wrapping it in {"type": ...}',
  ),
  longRepresentationMisplaced: error(
    "KEF3001",
    '"{property}" applies to a plain long only',
    "a logical type decides its own representation",
  ),
  longRepresentationInvalid: error("KEF3001", '"{property}" must be "bigint" or "number"'),
  typeDefinedTwice: error("KEF3001", 'Avro type "{name}" is defined twice'),
  namedTypeIsPrimitive: error("KEF3001", 'a named Avro type cannot be called "{name}"'),
  recordWithoutFields: error("KEF3001", 'Avro record "{name}" needs a "fields" array'),
  fieldNotObject: error("KEF3001", "an Avro field must be an object with a name and a type"),
  fieldTwice: error("KEF3001", 'field "{field}" appears twice in "{record}"'),
  fieldWithoutType: error("KEF3001", 'missing "type" in field "{field}"'),
  enumWithoutSymbols: error("KEF3001", 'Avro enum "{name}" needs a "symbols" array'),
  invalidEnumSymbol: error(
    "KEF3001",
    "invalid enum symbol {symbol}",
    "symbols start with a letter or '_' and contain only letters, digits and '_'",
  ),
  enumSymbolNotString: error(
    "KEF3001",
    "invalid enum symbol",
    "symbols start with a letter or '_' and contain only letters, digits and '_'",
  ),
  enumSymbolTwice: error("KEF3001", 'enum symbol "{symbol}" appears twice'),
  enumDefaultNotSymbol: error("KEF3001", 'the default of enum "{name}" must be one of its symbols'),
  fixedWithoutSize: error("KEF3001", 'Avro fixed "{name}" needs a non-negative integer "size"'),
  unionInUnion: error("KEF3001", "an Avro union cannot directly contain another union"),
  unionBranchTwice: error(
    "KEF3001",
    'the union has two "{branch}" branches',
    "a union holds at most one branch of each type (named types count by name)",
  ),
  emptyUnion: error("KEF3001", "an Avro union needs at least one branch"),
  typeDefinedDifferently: error(
    "KEF3001",
    'Avro type "{name}" is defined again, differently',
    "one name, one definition: rename one of them or make them identical",
  ),
  unknownType: error("KEF3001", 'unknown Avro type "{name}"'),
  avscRejected: error("KEF3001", "invalid Avro schema: {reason}"),
  protoKey: error(
    "KEF3004",
    '"__proto__" cannot be used as a key in an Avro schema',
    "avsc and JavaScript objects treat it as the prototype, so the value would be lost",
  ),
  inheritedTypeName: error(
    "KEF3004",
    'an Avro type cannot be called "{name}"',
    'every JavaScript object has a "{name}" property: avsc cannot use the name as a union branch key; give the type a namespace or another name',
  ),
  protoField: error(
    "KEF3004",
    'field "__proto__" of "{record}" would be silently dropped when decoding',
    "rename the field; avsc cannot decode a field named __proto__",
  ),
  inheritedEnumSymbol: error(
    "KEF3004",
    'enum symbol "{symbol}" cannot be used',
    'every JavaScript object has a "{symbol}" property: avsc, which looks symbols up in an object, would reject the schema or accept values that are not symbols',
  ),
  selectAmbiguous: error(
    "KEF3005",
    '"{name}" names several types in {file}: {types}',
    "write the full name, e.g. #{example}",
  ),
  selectNotFound: error("KEF3005", '{file} defines no Avro type "{name}"'),
  logicalTypeIgnored: warning(
    "KEF3006",
    'logical type "{name}" is ignored: {reason}',
    "the value is read as the underlying {underlying}, as the Avro specification asks",
  ),
  schemaTooLarge: error(
    "KEF3007",
    "{what} is too large: more than {limit} JSON values",
    "split it into several schema files, one per message, that use each other's named types",
  ),
  avscTooComplex: error(
    "KEF3007",
    "the Avro schema is too large for avsc to compile",
    "split it: fewer fields per record (avsc compiles each record into one function), or fewer types per schema",
  ),
  writerUnreadable: error(
    "KEF3010",
    'message "{message}" cannot read records written with "{writer}": {path}: {reason}',
    "Avro's resolution rules decide which writers a reader can read (docs/language.md, Evolution)",
  ),
  writerUsesUndefinedType: error(
    "KEF3011",
    'writer schema "{writer}" uses type {type}, which it does not define',
    "a writer schema is built on its own: define every named type it uses in it",
  ),
  writerCannotBeBuilt: error("KEF3011", 'writer schema "{writer}" cannot be built: {reason}'),
  fieldAddedWithoutDefault: error(
    "KEF3015",
    '{path}: field "{field}" was added without a default: the new schema of {what} cannot read records written with the one in {ref} (BACKWARD)',
    'give the field a default, e.g. "default": null with a ["null", ...] type',
  ),
  fieldRemovedWithoutDefault: error(
    "KEF3016",
    '{path}: field "{field}" was removed, and the old schema has no default for it: the schema of {what} in {ref} cannot read records written with the new one (FORWARD)',
    "keep the field, or give it a default in a release deployed before it is removed",
  ),
  typeChangedBackward: error(
    "KEF3017",
    "{path}: the type changed ({change}): the new schema of {what} cannot read records written with the one in {ref} (BACKWARD)",
    "Avro promotes int → long → float → double and string ↔ bytes; any other change needs a new field",
  ),
  typeChangedForward: error(
    "KEF3017",
    "{path}: the type changed ({change}): the schema of {what} in {ref} cannot read records written with the new one (FORWARD)",
    "Avro promotes int → long → float → double and string ↔ bytes; any other change needs a new field",
  ),
  renamedBackward: error(
    "KEF3018",
    "{path}: a named type was renamed ({change}): the new schema of {what} cannot read records written with the one in {ref} (BACKWARD)",
    'add the old full name to the type\'s "aliases"',
  ),
  renamedForward: error(
    "KEF3018",
    "{path}: a named type was renamed ({change}): the schema of {what} in {ref} cannot read records written with the new one (FORWARD)",
    'readers of the schema in {ref} do not know the new name; add the new name to their "aliases" first',
  ),
  fixedSizeChangedBackward: error(
    "KEF3019",
    "{path}: a fixed size changed ({change}): the new schema of {what} cannot read records written with the one in {ref} (BACKWARD)",
    "a fixed type's size cannot change; use a new type and field",
  ),
  fixedSizeChangedForward: error(
    "KEF3019",
    "{path}: a fixed size changed ({change}): the schema of {what} in {ref} cannot read records written with the new one (FORWARD)",
    "a fixed type's size cannot change; use a new type and field",
  ),
  enumSymbolsRemoved: error(
    "KEF3020",
    "{path}: enum {symbolWord} {symbols} removed, and the new enum has no default: the new schema of {what} cannot read records written with the one in {ref} (BACKWARD)",
    'keep the {symbolWord}, or give the enum a "default" symbol for readers to use',
  ),
  enumSymbolsAdded: error(
    "KEF3021",
    "{path}: enum {symbolWord} {symbols} added, and the old enum has no default: the schema of {what} in {ref} cannot read records written with the new one (FORWARD)",
    'readers of the schema in {ref} fail on the new {symbolWord}; an enum "default" in the readers\' schema, deployed first, lets them read it as that symbol',
  ),
  unionBranchRemoved: error(
    "KEF3022",
    "{path}: a union lost a branch ({change}): the new schema of {what} cannot read records written with the one in {ref} (BACKWARD)",
    "keep the branch: records written with it cannot be read otherwise",
  ),
  unionBranchAdded: error(
    "KEF3023",
    "{path}: a union gained a branch ({change}): the schema of {what} in {ref} cannot read records written with the new one (FORWARD)",
    "readers of the schema in {ref} cannot read values of the new branch; add it to the readers first",
  ),
  messageRemoved: warning(
    "KEF3037",
    'message "{name}" was removed since {ref}: nothing checks what producers of its topics still write',
    "if its topics are still written, keep the message (a consumer may read them again later)",
  ),
  bareAvroSchemaChanged: warning(
    "KEF3038",
    'topic "{topic}" is bare Avro, and the schema of "{message}" changed since {ref}: a bare-Avro reader cannot tell records written with the old schema from new ones',
    "bare Avro carries no writer schema, so old records are decoded with the new schema: they fail, or decode into wrong values. Only a framing that names the writer schema (Confluent's, or Avro's single-object encoding) lets a reader resolve them",
  ),
  namespaceMoved: warning(
    "KEF3039",
    '{kind} "{old}" moved to "{new}" since {ref}: Avro\'s rules match names without their namespace, but the runtime does so only when no two named types of the reader share a simple name, and {clash} do',
    'add "aliases": [{oldJson}] to "{new}"',
  ),
  againstNotInGit: error(
    "KEF4020",
    "--against {ref}: {file} is not in a git repository",
    "--against compares with a version committed to git; run it inside the repository",
  ),
  againstRefNotFound: error(
    "KEF4021",
    'git ref "{ref}" not found',
    "give a branch, a tag or a commit, e.g. --against HEAD or --against origin/main",
  ),
  againstOldSyntaxErrors: warning("KEF4022", "cannot check against {ref}: {file} has syntax errors there"),
  againstOldHasErrors: warning("KEF4022", "cannot check against {ref}: the project has errors there (first: {first})"),
  againstGitFailed: error("KEF4023", "--against {ref}: git failed: {reason}"),

  // -------------------------------------------------------------------------------------------
  // Emitting a build's output (emit*.ts, program.ts build())

  cannotWriteOutput: error("KEF4002", 'cannot write to "{dir}": {reason}'),

  // -------------------------------------------------------------------------------------------
  // Output, files and commands (write.ts, files.ts, config.ts, fmt.ts, graph.ts, cli/)

  // files.ts: a file that was not read. `what` names it as the user wrote it (`schema file "x.avsc"`, `"shop.kef"`).
  cannotRead: error("KEF4001", "cannot read {what}: {reason}"),
  outsideRoot: error(
    "KEF4004",
    "{what} is outside the project root",
    'the project root is "{root}"; to read files from another directory, list it in "allowOutside" in kefgen.config.json',
  ),
  leadsOutsideRoot: error(
    "KEF4004",
    '{what} leads outside the project root: it resolves to "{realPath}"',
    'the project root is "{root}"; to read files from another directory, list it in "allowOutside" in kefgen.config.json',
  ),
  notRegularFile: error("KEF4005", "{what} is {kind}, not a regular file"),
  fileTooLarge: error(
    "KEF4006",
    "{what} is larger than {limit}",
    "kefgen reads .kef, schema and config files of at most {limit}",
  ),
  // config.ts: kefgen.config.json
  configUnreadable: error("KEF4003", "cannot read the project config: {reason}"),
  configNotRegularFile: error("KEF4003", "the project config is {kind}, not a regular file"),
  configTooLarge: error("KEF4003", "the project config is larger than {limit}"),
  configNotObject: error("KEF4003", "the project config must be a JSON object"),
  configUnknownKey: error("KEF4003", 'unknown key "{key}" in the project config', "keys are: {keys}"),
  configNotString: error("KEF4003", '"{key}" must be a non-empty string'),
  configNotStringList: error("KEF4003", '"{key}" must be a non-empty array of strings'),
  configUnsafeRuntimeImport: error(
    "KEF4003",
    '"runtimeImport" holds a control or invisible character',
    "it is written into the imports of every generated file: give a module specifier, e.g. kefgen/runtime",
  ),
  configWithoutFiles: error("KEF4003", 'the project config needs "files"', 'e.g. "files": ["kef/**/*.kef"]'),
  // write.ts: what a build's output plan means. `{temps}` is "1 temporary file" or "N temporary files".
  anotherWriter: error(
    "KEF4012",
    'another kefgen process (pid {pid}) is writing to "{out}" right now',
    "wait until it has finished, then run this command again",
  ),
  notGenerated: error(
    "KEF4010",
    'refusing to overwrite "{file}": kefgen did not generate it (its first line is not "{header}")',
    "move it away, choose another output directory with --out, or pass --force to overwrite it",
  ),
  interruptedMix: error(
    "KEF4011",
    'interrupted build: the output in "{out}" is a mix of two builds',
    "run kefgen build to write every file again",
  ),
  interruptedMixWithTemps: error(
    "KEF4011",
    'interrupted build: the output in "{out}" is a mix of two builds ({temps} left: {names})',
    "run kefgen build to write every file again",
  ),
  interruptedRewritten: warning(
    "KEF4011",
    'the previous build into "{out}" was interrupted; every file is written again',
  ),
  interruptedRewrittenWithTemps: warning(
    "KEF4011",
    'the previous build into "{out}" was interrupted; every file is written again and its temporary files removed',
  ),
  leftoverTemps: error(
    "KEF4011",
    'interrupted build: temporary files left in "{out}" ({temps} left: {names}); the generated files themselves are all from one build',
    "run kefgen build to remove them",
  ),
  leftoverTempsRemoved: warning(
    "KEF4011",
    'removed the temporary files an interrupted build left in "{out}" ({temps} left: {names}); the generated files were all from one build',
  ),
  // cli/fmt.ts, cli/graph.ts
  cannotWrite: error("KEF4002", 'cannot write "{file}": {reason}'),
  // cli/registry-check.ts: `{reason}` is what the registry client says.
  registryVariableUnset: error(
    "KEF4035",
    '{reason}: registry "{registry}" was not asked',
    "set it where kefgen registry check runs",
  ),
  subjectNotRegistered: warning(
    "KEF4031",
    'subject "{subject}" is not registered in registry "{registry}" ({url}): nothing to check {message} against',
    "its first producer registers it (or register it yourself)",
  ),
  schemaIncompatible: error(
    "KEF4030",
    '{message} is not compatible with version {version} (id {id}) of subject "{subject}" in registry "{registry}" ({url}): {reasons}',
    "the registry's compatibility level decides; change the schema so that it is compatible (e.g. give a new field a default)",
  ),
  credentialsRefused: error(
    "KEF4033",
    'registry "{registry}" ({url}) refused the credentials: {reason}',
    "check {variables}",
  ),
  credentialsMissing: error(
    "KEF4033",
    'registry "{registry}" ({url}) refused the credentials: {reason}',
    'declare them: auth = basic(env("SR_USER"), env("SR_PASSWORD")) or bearer(env("SR_TOKEN"))',
  ),
  registryUnreachable: error("KEF4032", "{reason}", "start it, or check its url"),
  registryError: error("KEF4034", 'subject "{subject}": {reason}'),
} as const satisfies Record<string, MessageDef>;

/** A related location's text: what the place a diagnostic points to besides its own is (`{what}` placeholders as in messages). */
export interface NoteDef<T extends string = string> {
  readonly text: T;
}

/** The arguments a note's placeholders need, each a string or a number. */
export type NoteArgs<N extends NoteDef> =
  N extends NoteDef<infer T> ? { readonly [K in Placeholders<T>]: string | number } : never;

function note<const T extends string>(text: T): NoteDef<T> {
  return { text };
}

/**
 * Every text a related location is printed with (after its `file:line:column`), grouped like `messages`. Made into a
 * related location by `related(notes.firstSet, {}, { file, range })` (diagnostics.ts).
 */
export const notes = {
  // Declarations, names and topics
  firstDeclared: note('{kind} "{name}" is first declared here'),
  sharedFirstDeclared: note("the shared block is first declared here"),
  usedHere: note("used here"),
  topicIsHere: note('topic "{name}" is here'),
  firstSaid: note("first said here"),
  nameOwnerIsHere: note("{what} is here"),
  apiNamedAfterConfig: note('the generated API is named "{name}" after "name" in the project config'),
  apiNamedAfterNamespace: note('the generated API is named "{name}" after this namespace'),
  apiNamedAfterFile: note('the generated API is named "{name}" after this file'),

  // Settings
  firstSet: note("first set here"),

  // Avro schemas and their evolution
  otherDefinition: note('the other definition, in the schema of message "{message}"'),
  asItIsInRef: note("as it is in {ref}"),
} as const satisfies Record<string, NoteDef>;
