/** Kafka's StreamsException and TopologyException, as LogpipeErrors. */
import {LogpipeError, UsageError} from '../errors.js'

/** Processing failed: a serde, a store, a processor of the user's. */
export class StreamsError extends LogpipeError {}

/** The topology is not valid (a name used twice, a parent that does not exist, a store not connected). */
export class TopologyError extends UsageError {}
