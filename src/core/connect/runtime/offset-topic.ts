/**
 * Source offsets of a distributed group in offset.storage.topic, as Kafka
 * writes them there: the key is the JSON array [connector, partition]
 * (["local-file-source",{"filename":"test.txt"}]), the value the offset
 * as JSON, null to forget it. A worker reads the topic before it starts a
 * connector (so one taken over from a killed worker goes on from what that
 * one flushed) and writes staged offsets on flush.
 */
import type {TopicWriters} from '../../client/topic-writers.js'
import type {Store} from '../../store/store.js'
import type {OffsetStorageReader} from '../api/connector.js'
import type {SourceOffset, SourcePartition} from '../api/connect-record.js'
import {isPlainObject} from '../api/schema.js'
import type {SourceOffsetEntry, SourceOffsetStore} from './source-offset-store.js'
import {TopicLog} from './topic-log.js'

export const OFFSET_TOPIC_PARTITIONS = 25

export class OffsetTopic implements SourceOffsetStore {
  private readonly log: TopicLog
  private readonly known = new Map<string, SourceOffsetEntry>()
  private readonly staged = new Map<string, SourceOffsetEntry>()

  constructor(store: Store, topic: string, notice: (m: string) => void, writers: TopicWriters, partitions = OFFSET_TOPIC_PARTITIONS) {
    this.log = new TopicLog(store, topic, partitions, notice, writers)
    this.refresh()
  }

  /** Takes in what other workers wrote. */
  refresh(): void {
    for (const {key, value} of this.log.catchUp()) {
      let k: unknown
      try {
        k = JSON.parse(key)
      } catch {
        continue
      }
      if (!Array.isArray(k) || k.length !== 2 || typeof k[0] !== 'string' || !isPlainObject(k[1])) continue
      let offset: unknown = null
      if (value !== null) {
        try {
          offset = JSON.parse(value.toString('utf8'))
        } catch {
          continue
        }
        if (!isPlainObject(offset)) continue
      }
      this.known.set(keyOf(k[0], k[1]), {connector: k[0], partition: k[1], offset: offset as SourceOffset | null})
    }
  }

  get(connector: string, partition: SourcePartition): SourceOffset | null {
    const k = keyOf(connector, partition)
    return (this.staged.get(k) ?? this.known.get(k))?.offset ?? null
  }

  stage(connector: string, partition: SourcePartition, offset: SourceOffset | null): void {
    this.staged.set(keyOf(connector, partition), {connector, partition, offset})
  }

  get dirty(): boolean {
    return this.staged.size > 0
  }

  async flush(): Promise<void> {
    if (this.staged.size === 0) return
    const batch = [...this.staged.entries()]
    this.staged.clear()
    for (const [k, e] of batch) {
      await this.log.write(k, e.offset === null ? null : JSON.stringify(e.offset))
      this.known.set(k, e)
    }
  }

  readerFor(connector: string): OffsetStorageReader {
    return {
      offset: (partition) => this.get(connector, partition),
      offsets: (partitions) => new Map(partitions.map((p) => [p, this.get(connector, p)])),
    }
  }

  entries(connector?: string): SourceOffsetEntry[] {
    this.refresh()
    const all = new Map([...this.known, ...this.staged])
    return [...all.values()].filter((e) => e.offset !== null && (connector === undefined || e.connector === connector))
  }

  async resetConnector(connector: string): Promise<void> {
    for (const e of this.entries(connector)) this.stage(connector, e.partition, null)
    await this.flush()
  }

  close(): Promise<void> {
    return this.log.close()
  }
}

/** Kafka's key: [connector, partition] as JSON, the partition's keys sorted so one partition is one key. */
function keyOf(connector: string, partition: SourcePartition): string {
  return JSON.stringify([connector, canonical(partition)])
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical)
  if (isPlainObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]))
  return v
}
