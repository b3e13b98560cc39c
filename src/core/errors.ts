/**
 * Errors carry the exit code the CLI uses, an optional hint, and whether a
 * retry could succeed (as kafkajs's errors do). Callers test with
 * `instanceof`, never by message.
 */
export const ExitCode = {
  OK: 0,
  RUNTIME: 1,
  USAGE: 2,
  NOT_FOUND: 3,
} as const

export interface LogpipeErrorOptions {
  hint?: string
  retriable?: boolean
  cause?: unknown
}

export class LogpipeError extends Error {
  readonly exitCode: number = ExitCode.RUNTIME
  readonly hint?: string
  readonly retriable: boolean

  constructor(message: string, options: LogpipeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = new.target.name
    this.hint = options.hint
    this.retriable = options.retriable ?? false
  }
}

/** Bad flags or arguments: exit 2. */
export class UsageError extends LogpipeError {
  override readonly exitCode = ExitCode.USAGE
}

/** A topic, group, file or offset that does not exist: exit 3. */
export class NotFoundError extends LogpipeError {
  override readonly exitCode = ExitCode.NOT_FOUND
}

/** A record or batch larger than `max.message.bytes`. */
export class RecordTooLargeError extends LogpipeError {}

/** Bytes that do not decode as what they claim to be. */
export class CorruptRecordError extends LogpipeError {}

/** An index whose entries cannot be trusted; the log is the truth, rebuild it. */
export class CorruptIndexError extends LogpipeError {}

/**
 * A partition whose log is damaged where a writer may not cut it (below its
 * recovery point): writing stops until `topic verify --repair` cuts it.
 */
export class DamagedLogError extends LogpipeError {
  readonly segmentBaseOffset: number
  readonly position: number
  readonly offset: number

  constructor(message: string, where: {segmentBaseOffset: number; position: number; offset: number}, options: LogpipeErrorOptions = {}) {
    super(message, options)
    this.segmentBaseOffset = where.segmentBaseOffset
    this.position = where.position
    this.offset = where.offset
  }
}

/** The store or a topic's metadata cannot be read. */
export class StoreError extends LogpipeError {}

/** A topic was deleted while a client was using it. */
export class TopicDeletedError extends StoreError {}

/** The partition write lock is held by someone else and did not come free. */
export class LockError extends LogpipeError {
  constructor(message: string, options: LogpipeErrorOptions = {}) {
    super(message, {retriable: true, ...options})
  }
}

/**
 * The lock is a live broker's: it leads the partition and keeps the lock
 * while it runs, so waiting for it is pointless. The write goes through
 * that broker instead (topic-writers.ts), or waits until it stopped.
 */
export class LedByBrokerError extends LockError {
  constructor(
    message: string,
    readonly brokerId: number,
    options: LogpipeErrorOptions = {},
  ) {
    super(message, options)
  }
}

/**
 * Bytes from a socket that do not decode as the Kafka message they claim to
 * be: a length or count that is negative or runs past the end, a null where
 * the version allows none, a varint too long. The connection that sent them
 * cannot be trusted further.
 */
export class WireDecodeError extends LogpipeError {}

/** A length-prefixed frame that is negative or larger than `socket.request.max.bytes`. */
export class FrameSizeError extends WireDecodeError {
  readonly size: number

  constructor(message: string, size: number, options: LogpipeErrorOptions = {}) {
    super(message, options)
    this.size = size
  }
}

/** A value that a message version cannot carry (a null where it is not nullable, a string over 32767 bytes). */
export class WireEncodeError extends LogpipeError {}

/** An API version the schema does not describe; a broker answers UNSUPPORTED_VERSION. */
export class UnsupportedVersionError extends LogpipeError {
  readonly apiKey: number
  readonly version: number

  constructor(message: string, apiKey: number, version: number, options: LogpipeErrorOptions = {}) {
    super(message, options)
    this.apiKey = apiKey
    this.version = version
  }
}

/**
 * An error code a Kafka-protocol server answered with (error-codes.ts has
 * the table): `code` and Kafka's `kafkaName` (NOT_LEADER_OR_FOLLOWER ...),
 * retriable as Kafka's own clients treat it.
 */
export class KafkaProtocolError extends LogpipeError {
  readonly code: number
  readonly kafkaName: string

  constructor(code: number, kafkaName: string, message: string, retriable: boolean) {
    super(`${kafkaName}: ${message}`, {retriable})
    this.code = code
    this.kafkaName = kafkaName
  }
}

/**
 * A group member acted on a partition the group has since given to another
 * member (Kafka's REBALANCE_IN_PROGRESS / ILLEGAL_GENERATION): retry after
 * the rebalance, on the partitions the member owns then.
 */
export class RebalanceError extends LogpipeError {
  constructor(message: string, options: LogpipeErrorOptions = {}) {
    super(message, {retriable: true, ...options})
  }
}

/** A broker could not start, serve or stop as asked. */
export class BrokerError extends LogpipeError {}

/**
 * A write through the files to a replicated topic: its replicas are its
 * brokers', kept in step by them (epochs, ISR, high watermark), so only a
 * broker may append to one.
 */
export class ReplicatedTopicError extends BrokerError {}

/** A live broker is registered under the id asked for. */
export class BrokerAlreadyRunningError extends BrokerError {}

/** This broker does not (or no longer) lead the partition asked for: Kafka's NOT_LEADER_OR_FOLLOWER. */
export class NotLeaderError extends BrokerError {
  constructor(message: string, options: LogpipeErrorOptions = {}) {
    super(message, {retriable: true, ...options})
  }
}

/** A handler kept failing through every retry (kafkajs's KafkaJSNumberOfRetriesExceeded); `cause` is its last error. */
export class RetriesExceededError extends LogpipeError {
  readonly retryCount: number

  constructor(message: string, retryCount: number, options: LogpipeErrorOptions = {}) {
    super(message, {retriable: true, ...options})
    this.retryCount = retryCount
  }
}

/** Some groups could not be deleted (kafkajs's KafkaJSDeleteGroupsError): each with its code and error. */
export class DeleteGroupsError extends LogpipeError {
  readonly groups: Array<{groupId: string; errorCode: number; error: LogpipeError}>

  constructor(message: string, groups: Array<{groupId: string; errorCode: number; error: LogpipeError}>, options: LogpipeErrorOptions = {}) {
    super(message, options)
    this.groups = groups
  }
}

/** A group change (reset, delete) refused because the group has live members, as Kafka's NON_EMPTY_GROUP. */
export class GroupNotEmptyError extends LogpipeError {}

/** No server of a bootstrap list (or a broker the metadata named) could be reached: `code` is the socket's (ECONNREFUSED ...). */
export class BrokerUnreachableError extends LogpipeError {
  readonly address: string
  readonly code: string

  constructor(address: string, code: string, options: LogpipeErrorOptions = {}) {
    super(`cannot reach ${address} (${code})`, {retriable: true, ...options})
    this.address = address
    this.code = code
  }
}

/**
 * A SASL login refused (Kafka's SASL_AUTHENTICATION_FAILED): a wrong
 * password, an unknown user, a mechanism the user may not use, or a token
 * that does not parse. The message is for the broker's log; the client is
 * told only that authentication failed, as Kafka tells it.
 */
export class SaslAuthenticationError extends LogpipeError {}

/**
 * A change of a replicated partition's state (partition.json) from a
 * writer whose leader epoch is below the one recorded: a leader that lost
 * its election, or one that was paused while another was elected.
 */
export class FencedEpochError extends LogpipeError {
  readonly currentEpoch: number

  constructor(message: string, currentEpoch: number, options: LogpipeErrorOptions = {}) {
    super(message, {retriable: true, ...options})
    this.currentEpoch = currentEpoch
  }
}

/** A Connect value that does not fit its schema, or bytes a converter cannot read (Kafka's DataException). */
export class ConnectDataError extends LogpipeError {}

/** A connector or worker setting that is missing or invalid (Kafka's ConfigException): exit 2. */
export class ConnectConfigError extends UsageError {}

/** A connector task failed and was not tolerated: the task is FAILED with this as its reason (Kafka's ConnectException). */
export class ConnectTaskError extends LogpipeError {}

/** A Connect request that clashes with the worker's state (Kafka's 409): a connector that exists already, a rebalance under way. */
export class ConnectConflictError extends LogpipeError {}

/**
 * The Connect REST API answered with an error: its HTTP status and the
 * message of Kafka's body ({"error_code", "message"}). A 404 is exit 3, a
 * 400 exit 2, the rest exit 1.
 */
export class ConnectRestError extends LogpipeError {
  override readonly exitCode: number
  readonly status: number

  constructor(status: number, message: string, options: LogpipeErrorOptions = {}) {
    super(message, options)
    this.status = status
    this.exitCode = status === 404 ? ExitCode.NOT_FOUND : status === 400 ? ExitCode.USAGE : ExitCode.RUNTIME
  }
}

/** No Connect worker answers at the address asked (nothing listens there, or it is not a Connect worker). */
export class ConnectWorkerUnreachableError extends LogpipeError {}
