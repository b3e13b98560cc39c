/**
 * kafkajs's partitioner interface and its DefaultPartitioner: an explicit
 * partition wins, a keyed record goes to toPositive(murmur2(key)) %
 * partitions (Java's and logpipe's CLI's rule, so keyed records land alike
 * from all three), and unkeyed records go round the partitions, starting
 * at a random one per topic.
 */
import {randomInt} from 'node:crypto'
import {murmur2, toPositive} from '../core/client/murmur2.js'
import type {Message} from './types.js'

export interface PartitionMetadata {
  partitionErrorCode: number
  partitionId: number
  leader: number
  replicas: number[]
  isr: number[]
  offlineReplicas: number[]
}

export interface PartitionerArgs {
  topic: string
  partitionMetadata: PartitionMetadata[]
  message: Message
}

export type ICustomPartitioner = () => (args: PartitionerArgs) => number

const keyBytes = (key: Buffer | string): Buffer => (Buffer.isBuffer(key) ? key : Buffer.from(String(key)))

export const DefaultPartitioner: ICustomPartitioner = () => {
  const counters = new Map<string, number>()
  return ({topic, partitionMetadata, message}) => {
    const n = partitionMetadata.length
    if (message.partition !== null && message.partition !== undefined) return message.partition
    if (message.key !== null && message.key !== undefined) {
      const key = keyBytes(message.key)
      return toPositive(murmur2(key)) % n
    }
    const next = counters.get(topic) ?? randomInt(0, 2 ** 31)
    counters.set(topic, (next + 1) % 2 ** 31)
    return partitionMetadata[next % n].partitionId
  }
}

/** kafkajs names both; here both are the Java-compatible one (logpipe has no earlier partitioner to stay compatible with). */
export const Partitioners = {DefaultPartitioner, JavaCompatiblePartitioner: DefaultPartitioner}

/** What fetchTopicMetadata reports for a partition of the store: the store itself leads (node 0), one replica. */
export function storePartitionMetadata(partitions: number): PartitionMetadata[] {
  return Array.from({length: partitions}, (_, p) => ({partitionErrorCode: 0, partitionId: p, leader: 0, replicas: [0], isr: [0], offlineReplicas: []}))
}
