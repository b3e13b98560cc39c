/**
 * Where source offsets live: the standalone worker's file (offset-file.ts)
 * or a distributed group's offset.storage.topic (offset-topic.ts). Tasks
 * stage offsets once their records are written; flush() makes them
 * durable (the worker awaits it).
 */
import type {OffsetStorageReader} from '../api/connector.js'
import type {SourceOffset, SourcePartition} from '../api/connect-record.js'

export interface SourceOffsetEntry {
  connector: string
  partition: SourcePartition
  offset: SourceOffset | null
}

export interface SourceOffsetStore {
  get(connector: string, partition: SourcePartition): SourceOffset | null
  stage(connector: string, partition: SourcePartition, offset: SourceOffset | null): void
  readonly dirty: boolean
  flush(): void | Promise<void>
  readerFor(connector: string): OffsetStorageReader
  entries(connector?: string): SourceOffsetEntry[]
  resetConnector(connector: string): void | Promise<void>
}
