/** The nodes a Topology is made of, shared by the topology and its description. */
import type {ProcessorSupplier} from './processor.js'
import type {Serde} from './serdes.js'

/** Kafka's TimestampExtractor: the record's own timestamp unless told otherwise. */
export type TimestampExtractor = (record: {topic: string; partition: number; offset: number; key: unknown; value: unknown; timestamp: number}, partitionTime: number) => number

export type TopicNameExtractor<K, V> = (key: K, value: V, context: {topic: string | null; partition: number | null; offset: number | null}) => string

/** Kafka's StreamPartitioner: a partition for the record, or undefined for the default (murmur2 of the key bytes). */
export type StreamPartitioner<K, V> = (topic: string, key: K, value: V, numPartitions: number) => number | undefined

export interface SourceNode {
  kind: 'source'
  name: string
  topics: string[]
  pattern: RegExp | null
  keySerde: Serde<unknown> | null
  valueSerde: Serde<unknown> | null
  timestampExtractor: TimestampExtractor | null
}

export interface ProcessorNode {
  kind: 'processor'
  name: string
  parents: string[]
  supplier: ProcessorSupplier
  stores: string[]
}

export interface SinkNode {
  kind: 'sink'
  name: string
  parents: string[]
  topic: string | TopicNameExtractor<unknown, unknown>
  keySerde: Serde<unknown> | null
  valueSerde: Serde<unknown> | null
  partitioner: StreamPartitioner<unknown, unknown> | null
}

export type TopologyNode = SourceNode | ProcessorNode | SinkNode

