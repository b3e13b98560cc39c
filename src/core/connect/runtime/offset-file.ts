/**
 * Source offsets of a standalone worker, in the file named by
 * `offset.storage.file.filename` (Kafka's FileOffsetBackingStore). Kafka
 * writes a Java-serialized map there; we write JSON:
 *
 *   {"logpipe":"connect-offsets","version":1,
 *    "offsets":[{"connector":"local-file-source","partition":{"filename":"test.txt"},"offset":{"position":8}}]}
 *
 * Offsets a task reports are staged, and written (atomically: temp file,
 * fsync, rename) by flush(), which the worker calls every
 * `offset.flush.interval.ms` and on a clean stop. A file in another format
 * (Kafka's own) is refused rather than overwritten.
 */
import {mkdirSync, readFileSync} from 'node:fs'
import {dirname} from 'node:path'
import {ConnectConfigError} from '../../errors.js'
import {writeFileAtomic} from '../../store/atomic-write.js'
import type {OffsetStorageReader} from '../api/connector.js'
import type {SourceOffset, SourcePartition} from '../api/connect-record.js'
import {isPlainObject} from '../api/schema.js'
import type {SourceOffsetStore} from './source-offset-store.js'

const MARK = 'connect-offsets'

interface Entry {
  connector: string
  partition: SourcePartition
  offset: SourceOffset | null
}

export class OffsetFile implements SourceOffsetStore {
  private readonly stored = new Map<string, Entry>()
  private readonly staged = new Map<string, Entry>()

  constructor(readonly path: string) {
    this.load()
  }

  private load(): void {
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      throw new ConnectConfigError(`offset.storage.file.filename: cannot read ${this.path}: ${(error as Error).message}`)
    }
    const notOurs = () =>
      new ConnectConfigError(`offset.storage.file.filename: ${this.path} is not a logpipe offsets file`, {
        hint: "it may be Kafka Connect's own (a Java-serialized map); name another file, or remove it to start the connectors from scratch",
      })
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch {
      throw notOurs()
    }
    if (!isPlainObject(doc) || doc.logpipe !== MARK || doc.version !== 1 || !Array.isArray(doc.offsets)) throw notOurs()
    for (const e of doc.offsets as unknown[]) {
      if (!isPlainObject(e) || typeof e.connector !== 'string' || !isPlainObject(e.partition) || !(e.offset === null || isPlainObject(e.offset))) throw notOurs()
      const entry = {connector: e.connector, partition: e.partition, offset: e.offset as SourceOffset | null}
      this.stored.set(keyOf(entry.connector, entry.partition), entry)
    }
  }

  /** The newest offset known for the partition, staged or stored. */
  get(connector: string, partition: SourcePartition): SourceOffset | null {
    const k = keyOf(connector, partition)
    return (this.staged.get(k) ?? this.stored.get(k))?.offset ?? null
  }

  /** An offset to be written at the next flush. */
  stage(connector: string, partition: SourcePartition, offset: SourceOffset | null): void {
    this.staged.set(keyOf(connector, partition), {connector, partition, offset})
  }

  get dirty(): boolean {
    return this.staged.size > 0
  }

  flush(): void {
    if (this.staged.size === 0) return
    for (const [k, e] of this.staged) this.stored.set(k, e)
    this.staged.clear()
    mkdirSync(dirname(this.path), {recursive: true})
    const offsets = [...this.stored.values()]
    writeFileAtomic(this.path, JSON.stringify({logpipe: MARK, version: 1, offsets}) + '\n', 0o644)
  }

  /** Forgets every offset of one connector (KIP-875's DELETE), written at once. */
  resetConnector(connector: string): void {
    for (const [k, e] of [...this.stored, ...this.staged]) {
      if (e.connector !== connector) continue
      this.stored.delete(k)
      this.staged.delete(k)
    }
    mkdirSync(dirname(this.path), {recursive: true})
    writeFileAtomic(this.path, JSON.stringify({logpipe: MARK, version: 1, offsets: [...this.stored.values()]}) + '\n', 0o644)
  }

  /** What one connector's tasks read through their context. */
  readerFor(connector: string): OffsetStorageReader {
    return {
      offset: (partition) => this.get(connector, partition),
      offsets: (partitions) => new Map(partitions.map((p) => [p, this.get(connector, p)])),
    }
  }

  entries(connector?: string): Entry[] {
    const all = new Map([...this.stored, ...this.staged])
    return [...all.values()].filter((e) => connector === undefined || e.connector === connector)
  }
}

/** A partition map's identity regardless of key order. */
function keyOf(connector: string, partition: SourcePartition): string {
  return JSON.stringify([connector, canonical(partition)])
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical)
  if (isPlainObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]))
  return v
}
