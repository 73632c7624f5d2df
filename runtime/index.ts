// Public entry of the kefgen runtime ("kefgen/runtime"): everything generated code and users import.

export * from "./types.js";
export { TopicConsumer, bindTopic, type TopicDeclaration } from "./topic-consumer.js";
export { stringKey, bytesKey, noKey, avroKey, type KeyFormat } from "./key-format.js";
export { avroCodec, type AvroCodec, type AvroDuration } from "./avro-codec.js";
export {
  DecodeError,
  TopicMissingError,
  BrokerUnreachableError,
  NoOffsetError,
  type BrokerUnreachableReason,
  type RecordPosition,
} from "./errors.js";
export { DEFAULT_MISSING_TOPIC_CHECK_MS, adminTopicDirectory, type TopicDirectory } from "./topic-availability.js";
export { DEFAULT_CONNECT_TIMEOUT_MS } from "./broker-connect.js";
export {
  confluentFormat,
  subjectName,
  ABANDONED,
  PendingDecode,
  type ValueFormat,
  type RegistryWait,
  type ConfluentFormatOptions,
  type SubjectStrategy,
} from "./confluent-format.js";
export {
  singleObjectFormat,
  encodeSingleObject,
  parsingCanonicalForm,
  schemaFingerprint,
  crc64Avro,
  type SingleObjectFormatOptions,
  type SingleObjectWriter,
} from "./single-object-format.js";
export {
  SchemaRegistryClient,
  RegistryUnavailableError,
  RegistryAnswerError,
  type SchemaRegistryConfig,
  type RegistryAuthConfig,
  type SubjectVersion,
} from "./registry-client.js";
export { topicsToProvision, type TopicProvisioning, type NewTopic } from "./topic-provisioning.js";
export { ConsumerRuntime, type ConsumerRuntimeOptions, type KafkaConnectionOptions } from "./runtime.js";
export { transactionalIdOf, type ExactlyOnceResult } from "./exactly-once.js";
export {
  ProducerRuntime,
  TopicProducer,
  ProducerStoppedError,
  producersOf,
  type Producers,
  type ProducerRuntimeOptions,
  type TopicProducerSpec,
  type SendOptions,
  type ProducerRecord,
} from "./producer.js";
export {
  headerRoute,
  schemaRoute,
  routedCodec,
  routedEncoder,
  routeHandlers,
  type OneOf,
  type MemberHandlers,
  type RoutedMember,
  type HeaderRouteOptions,
  type SchemaRouteOptions,
} from "./routed-format.js";
export { RoutedTopicProducer, routedProducer } from "./routed-producer.js";
export {
  avroEncoder,
  confluentEncoder,
  singleObjectEncoder,
  stringKeyEncoder,
  bytesKeyEncoder,
  SchemaNotRegisteredError,
  type Encoder,
  type ConfluentEncoderOptions,
} from "./encoders.js";
export { DEFAULT_RESTART, type RestartSettings } from "./restart-policy.js";
export {
  kafkajsTransport,
  kafkajsConsumerConfig,
  type ConsumerFactory,
  type ConsumerPort,
  type KafkajsConnection,
} from "./transport/kafkajs.js";
export { platformaticTransport, type PlatformaticConnection } from "./transport/platformatic.js";
export {
  ClientUnavailableError,
  DEFAULT_CLIENT,
  PLATFORMATIC_NODE_FLOOR,
  platformaticRunsOn,
  type KafkaClient,
} from "./transport/clients.js";
export type {
  Transport,
  GroupMember,
  MemberListener,
  Assignment,
  TransportAdmin,
  TransportProducer,
  OutgoingRecord,
  ProducedRecord,
  TransactionalProducer,
  TransactionOffsets,
  ProducerSettings,
  FetchedBatch,
  FetchedRecord,
  RecordHeaders,
  OffsetToCommit,
  PausedTopic,
} from "./transport/transport.js";
export { DEFAULT_HANDLER_RETRY, type BackoffSettings } from "./backoff.js";
export {
  RuntimeEvents,
  RuntimeEventEmitter,
  type RuntimeEventName,
  type RuntimeEventMap,
  type RuntimeListener,
  type HandlerErrorEvent,
  type DecodeErrorEvent,
  type RegistryUnavailableEvent,
  type DroppedEvent,
  type TopicFlowEvent,
  type CommittedEvent,
  type CommittedOffset,
  type CrashEvent,
  type OffsetResetEvent,
  type SlowHandlerEvent,
  type RebalancingEvent,
  type GroupJoinEvent,
  type TopicMissingEvent,
  type TopicReturnedEvent,
  type TopicPartitionRef,
  type HandlerAttemptEvent,
  type DeadLetteredEvent,
  type DeadLetterFailedEvent,
  type PartitionStoppedEvent,
} from "./events.js";
export {
  DeadLetterHeaders,
  MAX_STACKTRACE_BYTES,
  MAX_MESSAGE_BYTES,
  deadLetterRecord,
  readDeadLetterHeaders,
  type DeadLetterCause,
  type DeadLetterInfo,
} from "./dead-letter.js";
export { DeadLetterPublisher, type DeadLetterSink } from "./dead-letter-publisher.js";
export {
  readDeadLetter,
  bindDeadLetters,
  NotADeadLetterError,
  type DeadLetter,
  type DeadLetterValue,
  type DeadLetterDeclaration,
  type DeadLetterBinding,
} from "./dead-letter-reader.js";
export { retryDelay, type RetryBackoff } from "./backoff.js";
export {
  createConsoleLogger,
  namespaced,
  silentLogger,
  type RuntimeLogger,
  type LogFields,
  type LogLevelName,
} from "./logger.js";
export {
  serveOperations,
  type OperationsServer,
  type OperationsServerOptions,
  type MetricsSource,
} from "./exporters/http.js";
export { DEFAULT_HEALTH, type HealthSettings, type HealthReport, type ConnectionHealth } from "./health.js";
export type {
  ProducerMetricsSnapshot,
  ProducerTopicMetrics,
  ProducerMetricsSource,
  SendEvent,
} from "./producer-metrics.js";
export type {
  MetricsSnapshot,
  ConnectionMetrics,
  TopicMetrics,
  PartitionLag,
  LatencySnapshot,
  ConnectionState,
} from "./metrics.js";
