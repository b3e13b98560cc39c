/**
 * The three nodes around a repartition topic `<prefix>-repartition` (a
 * sink, a filter before it, a source after it), named as Kafka's
 * createRepartitionedSource names them: three counter values are always
 * used up, and a generated prefix (`KSTREAM-...-0000000007`) keeps the
 * generated names, a user's gives `<topic>-sink|-filter|-source`. The
 * filter drops records without a key where Kafka does (before a
 * groupBy's aggregation); `repartition()` passes them all.
 */
import type {ProcessorSupplier} from '../../processor.js'
import type {Serde} from '../../serdes.js'
import type {StreamPartitioner} from '../../topology-node.js'
import type {DslContext} from '../interfaces.js'
import {passThroughProcessor} from './kstream-stateless.js'
import {nullKeyFilterProcessor} from './ktable-processors.js'

const GENERATED = /^KSTREAM.*-[0-9]{10}$/

export interface RepartitionSpec {
  prefix: string
  parent: string
  keySerde: Serde<unknown> | null
  valueSerde: Serde<unknown> | null
  dropNullKeys: boolean
  partitioner?: StreamPartitioner<unknown, unknown> | null
  /** The topic's partition count (Repartitioned.numberOfPartitions); null: the runtime's. */
  numberOfPartitions?: number | null
  /** Another filter in place of the null-key one (KTable.groupBy's re-keying map). */
  filter?: ProcessorSupplier
}

/** Adds the nodes; returns the source's name (what reads the repartitioned records). */
export function addRepartition(b: DslContext, spec: RepartitionSpec): string {
  const topic = spec.prefix.endsWith('-repartition') ? spec.prefix : `${spec.prefix}-repartition`
  const genSink = b.newProcessorName('KSTREAM-SINK-')
  const genFilter = b.newProcessorName('KSTREAM-FILTER-')
  const genSource = b.newProcessorName('KSTREAM-SOURCE-')
  const generated = GENERATED.test(spec.prefix)
  const sink = generated ? genSink : `${topic}-sink`
  const filter = generated ? genFilter : `${topic}-filter`
  const source = generated ? genSource : `${topic}-source`
  const t = b.topology
  t.addProcessor(filter, spec.filter ?? (spec.dropNullKeys ? nullKeyFilterProcessor() : passThroughProcessor()), spec.parent)
  t.addSink(sink, topic, {keySerializer: spec.keySerde ?? undefined, valueSerializer: spec.valueSerde ?? undefined, partitioner: spec.partitioner ?? undefined}, filter)
  t.addSource(source, topic, {keyDeserializer: spec.keySerde ?? undefined, valueDeserializer: spec.valueSerde ?? undefined})
  t.internalTopics.add(topic)
  if (spec.numberOfPartitions) t.internalTopicPartitions.set(topic, spec.numberOfPartitions)
  return source
}
