/**
 * A partition as the clients see it: a writer that appends batches while it
 * holds the partition's leadership, and a reader that follows the log. The
 * embedded producer and consumer get them from a PartitionFactory instead of
 * building the file classes, so a broker client (Produce and Fetch over the
 * wire) can stand in for the files behind the same interfaces.
 *
 * Files: PartitionLog (partition-log.ts) is the writer, LogReader
 * (log-reader.ts) the reader.
 */
import type {BatchBuilder} from '../record/record-batch.js'
import type {LogConfig} from './log-config.js'
import type {BatchRange, ReaderStall} from './log-reader.js'
import type {AppendResult, PartitionLogOptions} from './partition-log.js'

export interface PartitionWriter {
  /** Takes leadership (the write lock) and brings the log end up to date. */
  acquire(): Promise<void>
  /** Lets go of leadership. */
  release(): Promise<void>
  /**
   * Who else waits for leadership now (opaque names, empty when nobody):
   * a holder keeps leadership while this is empty. Absent where waiters
   * cannot be seen; the holder then lets go on time alone.
   */
  othersWaiting?(): string[]
  /** Lets go of leadership for those waiters, leaving them their turn before the next acquire. */
  yieldTo?(waiters: string[]): Promise<void>
  close(): Promise<void>
  readonly holdsLock: boolean
  /** The offset the next record gets; while leadership is held. */
  readonly logEndOffset: number
  /** The embedded producer's batch: sealed at the log end under this writer's epoch. */
  append(builder: BatchBuilder): AppendResult
  /** RecordBatch bytes a producer sent: offsets assigned and leader epoch stamped, else unchanged. */
  appendAsLeader(batches: Buffer): AppendResult[]
  /** A leader's batches, unchanged. */
  appendAsFollower(batches: Buffer): AppendResult[]
}

export interface PartitionReader {
  /** A directory whose changes mean new data (watched with fs.watch); null when the reader learns of it otherwise. */
  readonly dir: string | null
  seek(offset: number): void
  /** The next run of whole, CRC-checked batches; null when nothing new is there yet. */
  poll(): BatchRange | null
  logStartOffset(): number
  logEndOffset(): number
  offsetForTimestamp(timestamp: number): number
  /** Damage the reader stopped at, once known to be damage. */
  readonly stall: ReaderStall | null
  /** The read stopped at bad bytes not yet known to be damage. */
  readonly suspecting: boolean
  /** A watcher of `dir` reports every change in it from now on (`on`), or stopped doing so. */
  watched?(on: boolean): void
  /** What the watcher of `dir` reported (fs.watch's event and file name). */
  changed?(event: string, name: string | null): void
  /** Where `dir` is null: `listener` is called whenever new data may be there (a broker's answer came). */
  subscribe?(listener: () => void): void
  /**
   * Read buffers passed between readers (see Consumer.poll): the reader's
   * buffer, once the caller is done with the last poll's bytes, and a
   * buffer for the next read. Absent where a reader keeps its own.
   */
  takeBuffer?(): Buffer | null
  giveBuffer?(buffer: Buffer): boolean
  close(): void
}

export interface PartitionFactory {
  writer(topic: string, partition: number, config: LogConfig, options: PartitionLogOptions): PartitionWriter
  /** `buffer`, when given, becomes the read buffer (a MemoryArena's, shared with the output). */
  reader(topic: string, partition: number, buffer?: Buffer): PartitionReader
}
