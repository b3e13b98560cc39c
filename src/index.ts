/**
 * logpipe as a library. First the kafkajs-shaped facade (`new Logpipe({dataDir})`
 * with producer(), consumer({groupId}) and admin(), kafkajs's names for
 * everything a kafkajs user touches), then the fast layer it is built on:
 * the topic and group admins and the zero-copy producer and consumer the
 * commands use, exported under Log* names so kafkajs's names mean kafkajs's
 * things here.
 *
 * Also the Broker that serves a store over the Kafka protocol.
 */
// Loaded at import, before a user's code can set a signal handler that
// removes itself (core/lock/lockfile.ts says why that order matters).
import 'proper-lockfile'
export {Logpipe, Logpipe as Kafka} from './lib/logpipe.js'
export type {LogpipeConfig, LogpipeConfig as KafkaConfig} from './lib/logpipe.js'
export {Producer, PRODUCER_EVENTS} from './lib/producer.js'
export type {ProducerConfig} from './lib/producer.js'
export {Consumer} from './lib/consumer.js'
export {CONSUMER_EVENTS, PartitionAssigners} from './lib/consumer-types.js'
export type {
  Batch,
  CommitOffsetsPayload,
  ConsumerConfig,
  ConsumerEvents,
  ConsumerRunConfig,
  ConsumerSubscribeTopic,
  ConsumerSubscribeTopics,
  CrashPayload,
  EachBatchHandler,
  EachBatchPayload,
  EachMessageHandler,
  EachMessagePayload,
  GroupJoinPayload,
  OffsetsByTopicPartition,
} from './lib/consumer-types.js'
export {Admin, GROUP_ERROR_CODES} from './lib/admin.js'
export type {GroupDescription, GroupOffsets, ITopicMetadata, MemberDescription, PartitionOffsets} from './lib/admin.js'
export {AssignerProtocol} from './lib/assigner-protocol.js'
export {DefaultPartitioner, Partitioners} from './lib/partitioners.js'
export type {ICustomPartitioner, PartitionerArgs, PartitionMetadata} from './lib/partitioners.js'
export type {RetryOptions} from './lib/retry.js'
export {logLevel} from './lib/logger.js'
export type {LogCreator, LogEntry, LogLevel} from './lib/logger.js'
export type {InstrumentationEvent, RemoveInstrumentationEventListener} from './lib/events.js'
export {CompressionTypes} from './lib/types.js'
export type {
  Compression,
  CompressionType,
  IHeaders,
  ITopicConfig,
  KafkaMessage,
  MemberAssignment,
  Message,
  ProducerBatch,
  ProducerRecord,
  RecordMetadata,
  TopicMessages,
  TopicPartition,
  TopicPartitionOffset,
  TopicPartitions,
} from './lib/types.js'

// Errors: every one a LogpipeError with `retriable`, told apart by class. kafkajs's names for the ones kafkajs code catches.
export * from './core/errors.js'
export {
  LogpipeError as KafkaJSError,
  RetriesExceededError as KafkaJSNumberOfRetriesExceeded,
  DeleteGroupsError as KafkaJSDeleteGroupsError,
  LockError as KafkaJSLockTimeout,
} from './core/errors.js'

// The fast layer.
export {Admin as TopicAdmin} from './core/client/admin.js'
export type {PartitionDescription, TopicDescription, VerifyReport, SegmentProblem} from './core/client/admin.js'
export {GroupAdmin} from './core/group/group-admin.js'
export type {GroupAdminOptions, GroupSummary, GroupState, PartitionLag, GroupDescription as LogGroupDescription, ResetSpec, ResetPlanRow, DescribedMember} from './core/group/group-admin.js'
export type {MemberInfo} from './core/group/membership.js'
export type {AssignmentStrategy} from './core/group/assignors.js'
export {Producer as LogProducer} from './core/client/producer.js'
export type {ProducerOptions as LogProducerOptions, ProducerRecord as LogProducerRecord, RecordMetadata as LogRecordMetadata} from './core/client/producer.js'
export {Consumer as LogConsumer} from './core/client/consumer.js'
export type {ConsumerOptions as LogConsumerOptions, ConsumedRecord} from './core/client/consumer.js'
export {systemClock} from './core/clock.js'
export type {Clock} from './core/clock.js'
export {parseOffsetSpec} from './core/log/offset-spec.js'
export type {OffsetSpec} from './core/log/offset-spec.js'
export type {LogConfig, ConfigOverrides} from './core/log/log-config.js'
export type {CompressionName} from './core/record/compression.js'
export {partitionForKey} from './core/client/partitioner.js'
export {murmur2, toPositive} from './core/client/murmur2.js'
export {Store} from './core/store/store.js'
export type {TopicMeta, StoreInfo, StoreOpenOptions} from './core/store/store.js'
export type {PartitionReassignment} from './core/store/replica-assignment.js'
export {resolveDataDir} from './core/store/data-dir.js'
export type {RecordHeader} from './core/record/header.js'
export type {LeaderInfo} from './core/lock/partition-lock.js'
export {Broker} from './core/broker/broker.js'
export type {BrokerOptions} from './core/broker/broker.js'
export {defaultBrokerConfig, parseBrokerConfig} from './core/broker/broker-config.js'
export type {BrokerConfig} from './core/broker/broker-config.js'
export {createBrokerLog} from './core/broker/broker-log.js'
export type {BrokerLog, LogLevel as BrokerLogLevel} from './core/broker/broker-log.js'
export {listRegistrations, isBrokerAlive} from './core/broker/registry.js'
export type {BrokerRegistration, BrokerListing, LedPartition} from './core/broker/registry.js'
export type {SupportedApi} from './core/broker/broker-context.js'
export {UsersFile, SASL_MECHANISMS} from './core/broker/sasl/users-file.js'
export type {ScramCredential} from './core/wire/sasl/scram.js'
export type {SaslMechanism, SaslUser} from './core/broker/sasl/users-file.js'

// Streams: Kafka Streams' DSL and Processor API, and the TopologyTestDriver for tests.
export * from './core/streams/index.js'
// Kafka Connect: the data model, the Connector API, ConfigDef and the converters (docs/CONNECT.md).
export {Schema, SchemaBuilder, SCHEMA_TYPES, validateValue, valuesEqual} from './core/connect/api/schema.js'
export type {Field, SchemaAndValue, SchemaType} from './core/connect/api/schema.js'
export {Struct} from './core/connect/api/struct.js'
export {Decimal, ConnectDate, ConnectTime, ConnectTimestamp} from './core/connect/api/logical-types.js'
export {ConnectHeaders} from './core/connect/api/headers.js'
export type {ConnectHeader} from './core/connect/api/headers.js'
export {ConnectRecord, SourceRecord, SinkRecord} from './core/connect/api/connect-record.js'
export type {ConnectRecordFields, SourceRecordFields, SinkRecordFields, SourcePartition, SourceOffset, TimestampType} from './core/connect/api/connect-record.js'
export {Connector, SourceConnector, SinkConnector, SourceTask, SinkTask} from './core/connect/api/connector.js'
export type {
  ConnectorContext,
  MaybePromise,
  OffsetStorageReader,
  Props,
  SinkTaskContext,
  SourceTaskContext,
  Task,
  TaskClass,
  TopicPartition as ConnectTopicPartition,
  WrittenRecordMetadata,
} from './core/connect/api/connector.js'
export {ConfigDef, NO_DEFAULT_VALUE, NonEmptyString, Password, Range, ValidString, validList} from './core/connect/api/config-def.js'
export type {ConfigKey, ConfigType, ConfigValue, Importance, Validator} from './core/connect/api/config-def.js'
export type {Converter, HeaderConverter} from './core/connect/api/converter.js'
export {JsonConverter} from './core/connect/converters/json-converter.js'
export {StringConverter} from './core/connect/converters/string-converter.js'
export {ByteArrayConverter} from './core/connect/converters/byte-array-converter.js'
export {BooleanConverter, DoubleConverter, FloatConverter, IntegerConverter, LongConverter, ShortConverter} from './core/connect/converters/number-converters.js'
export {SimpleHeaderConverter} from './core/connect/converters/simple-header-converter.js'
export {FileStreamSourceConnector, FileStreamSourceTask} from './core/connect/connectors/file-stream-source.js'
export {FileStreamSinkConnector, FileStreamSinkTask} from './core/connect/connectors/file-stream-sink.js'
export {ExecSinkConnector, ExecSinkTask} from './core/connect/connectors/exec-sink.js'
export {HttpSinkConnector, HttpSinkTask} from './core/connect/connectors/http-sink.js'
export {JdbcSinkConnector, JdbcSinkTask} from './core/connect/connectors/jdbc-sink.js'
export type {Predicate, PredicateClass, Transformation, TransformationClass} from './core/connect/api/transformation.js'
export {StandaloneWorker} from './core/connect/runtime/standalone-worker.js'
export type {StandaloneOptions} from './core/connect/runtime/standalone-worker.js'
export type {ConnectorStatus, ConnectState, TaskStatus} from './core/connect/runtime/status-store.js'
export {parseProperties} from './core/connect/runtime/java-properties.js'
export type {ConfigInfo, ConfigInfos} from './core/connect/runtime/config-infos.js'
export type {ConnectorClass, PluginInfo} from './core/connect/runtime/plugins.js'
export {Plugins} from './core/connect/runtime/plugins.js'
export type {ConnectorInfo, ConnectorOffsets, ConnectorTaskId, RestartRequest, TaskInfo, WorkerInfo} from './core/connect/runtime/herder.js'
export type {SourceOffsetEntry, SourceOffsetStore} from './core/connect/runtime/source-offset-store.js'
export {StatusStore} from './core/connect/runtime/status-store.js'
export type {WorkerSettings} from './core/connect/runtime/worker-config.js'
