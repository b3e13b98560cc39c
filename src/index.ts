/**
 * logpipe as a library: the same Admin, Producer and Consumer the commands
 * are built on.
 */
export {Admin} from './core/client/admin.js'
export type {PartitionDescription, TopicDescription, VerifyReport, SegmentProblem} from './core/client/admin.js'
export {Producer} from './core/client/producer.js'
export type {ProducerOptions, ProducerRecord, RecordMetadata} from './core/client/producer.js'
export {Consumer} from './core/client/consumer.js'
export type {ConsumerOptions, ConsumedRecord} from './core/client/consumer.js'
export {parseOffsetSpec} from './core/log/offset-spec.js'
export type {OffsetSpec} from './core/log/offset-spec.js'
export {partitionForKey} from './core/client/partitioner.js'
export {murmur2, toPositive} from './core/client/murmur2.js'
export {Store} from './core/store/store.js'
export type {TopicMeta} from './core/store/store.js'
export {resolveDataDir} from './core/store/data-dir.js'
export {BatchBuilder} from './core/record/record-batch.js'
export {RecordReader, decodeRecords} from './core/record/record.js'
export type {Record} from './core/record/record.js'
export type {RecordHeader} from './core/record/header.js'
export * from './core/errors.js'
