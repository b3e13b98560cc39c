/**
 * Producing records read from byte streams (stdin, files): split at the
 * delimiter with Buffer.indexOf, optionally split key from value, and hand
 * byte ranges to the Producer, which copies them into its batch buffers.
 * Nothing is allocated per record in text mode.
 *
 * Batches go out when full (--batch-bytes) or `lingerMs` after their first
 * record, whichever comes first, so a slow stdin still gets every record
 * written promptly; at the end of input everything is flushed.
 */
import {readSync} from 'node:fs'
import type {Readable} from 'node:stream'
import {LogpipeError, RecordTooLargeError, UsageError} from '../errors.js'
import {encodeHeaders, NO_HEADERS, type RecordHeader} from '../record/header.js'
import {type JsonRecordFields, readJsonRecord} from './json-record.js'
import {type ScannedJsonRecord, scanJsonRecord} from './json-record-scan.js'
import type {Producer} from './producer.js'

export interface DelimitedInputOptions {
  delimiter: Buffer
  keySeparator?: Buffer
  /** One key for every record. */
  key?: Buffer
  headers?: RecordHeader[]
  input?: 'text' | 'json'
  lingerMs: number
  /** kcat's -Z: an empty value or key is sent as NULL (an empty value makes a tombstone). */
  emptyAsNull?: boolean
  /** kcat's -T: every record's input bytes, delimiter included, are copied here as they are read. */
  tee?: TeeSink
}

/** Where -T copies the input: a buffer that is handed on after each chunk. */
export interface TeeSink {
  writeBytes(src: Buffer, start?: number, end?: number): void
  flush(): Promise<void>
}

const EMPTY = Buffer.alloc(0)

/** buf.indexOf(byte, start) within [start, end): Buffer.indexOf takes no end, and a line without the byte would be searched on into the next ones. */
function indexOfByte(buf: Buffer, byte: number, start: number, end: number): number {
  for (let i = start; i < end; i++) if (buf[i] === byte) return i
  return -1
}
/** How far into a line -K's separator is looked for in JavaScript before Buffer.indexOf takes over. */
const KEY_SCAN_BYTES = 32

export class DelimitedInput {
  private readonly producer: Producer
  private readonly options: DelimitedInputOptions
  private readonly headers: Buffer
  private leftover: Buffer = EMPTY
  private lingerTimer: NodeJS.Timeout | null = null
  private failure: unknown = null
  private current: Readable | null = null
  /** The partition of the -k key, worked out on first use and again when the topic grows. */
  private keyPartition = -1
  private keyPartitionOf = 0
  records = 0

  constructor(producer: Producer, options: DelimitedInputOptions) {
    if (options.delimiter.length === 0) throw new UsageError('-D/--delimiter cannot be empty')
    if (options.keySeparator && options.keySeparator.length === 0) throw new UsageError('-K/--key-separator cannot be empty')
    this.producer = producer
    this.options = options
    this.headers = options.headers && options.headers.length > 0 ? encodeHeaders(options.headers) : NO_HEADERS
  }

  /** Reads one stream to its end; records split across chunks are joined. */
  async consume(stream: Readable): Promise<void> {
    this.current = stream
    const delim = this.options.delimiter
    const maxRecord = this.producer.config['max.message.bytes']
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (this.failure) throw this.failure
        const now = this.producer.clock.now()
        let buf: Buffer = chunk
        let start = 0
        if (this.leftover.length > 0) {
          const first = delim.length === 1 ? chunk.indexOf(delim[0]) : -1
          if (first >= 0) {
            // Join only the record that straddles the boundary.
            const joined = Buffer.concat([this.leftover, chunk.subarray(0, first)])
            this.leftover = EMPTY
            this.add(joined, 0, joined.length, now)
            start = first + 1
          } else {
            buf = Buffer.concat([this.leftover, chunk])
            this.leftover = EMPTY
          }
        }
        start = this.split(buf, start, buf.length, now)
        if (start < buf.length) {
          this.leftover = buf.subarray(start)
          if (this.leftover.length > maxRecord) {
            throw new RecordTooLargeError(
              `record ${this.records + 1} is over max.message.bytes (${maxRecord}) and was not written`,
              {hint: 'check -D/--delimiter, or raise the topic config max.message.bytes'},
            )
          }
        }
        await this.flushAhead()
        if (this.options.tee) await this.options.tee.flush()
        this.armLinger()
      }
    } catch (error) {
      if (this.failure) throw this.failure
      // Stopped on purpose (Ctrl-C): the stream ends early, not in error.
      if (!this.stopped) throw error
    } finally {
      this.current = null
    }
  }

  /**
   * Reads a regular file by descriptor into one reused buffer (no buffer
   * per chunk), as the fastest path for `produce T < file` and FILE args.
   */
  async consumeFile(fd: number): Promise<void> {
    const chunk = 1 << 20
    const maxRecord = this.producer.config['max.message.bytes']
    const size = chunk + maxRecord + this.options.delimiter.length + 1
    // --input json: the scratch its text is written into comes from the same
    // memory as the batches, so the producer's copy of it is a copyWithin.
    const scratch = this.options.input === 'json' ? 3 * maxRecord : 0
    // Every FILE is read into the memory the first one got: the producer
    // shares only one input region with its batches, so a new buffer per
    // file would be ~2 MB of external memory each (peak RSS grew with the
    // number of files) and a Buffer.copy per record instead of a copyWithin.
    let whole = this.fileBuffer
    if (whole === null || whole.length < size + scratch) whole = this.fileBuffer = this.producer.inputBuffer(size + scratch)
    const buf = whole.subarray(0, size)
    if (scratch > this.jsonScratch.length) this.jsonScratch = whole.subarray(size)
    let have = 0
    if (this.leftover.length > 0) {
      have = this.leftover.copy(buf, 0)
      this.leftover = EMPTY
    }
    while (!this.stopped) {
      if (this.failure) throw this.failure
      const n = readSync(fd, buf, have, chunk, null)
      have += n
      if (n === 0) break
      const start = this.split(buf, 0, have, this.producer.clock.now())
      if (have - start > maxRecord) {
        throw new RecordTooLargeError(`record ${this.records + 1} is over max.message.bytes (${maxRecord}) and was not written`, {
          hint: 'check -D/--delimiter, or raise the topic config max.message.bytes',
        })
      }
      buf.copy(buf, 0, start, have)
      have -= start
      await this.flushAhead()
      if (this.options.tee) await this.options.tee.flush()
      // No linger timer: a regular file has its next chunk at once, and the
      // timer, firing during a lock wait, sealed batches half full.
    }
    // What is left is the file's last record without a delimiter; endOfStream() adds it.
    if (have > 0) this.leftover = Buffer.from(buf.subarray(0, have))
  }

  /** The flush of an earlier chunk, while it is not done (waiting for a lock another writer holds, or for a broker's answers). */
  private inflight: Promise<void> | null = null

  /**
   * After a chunk: writes what is queued, without waiting for it while the
   * flush waits on somebody else (the lock is another writer's, or a broker
   * is to answer) and the producer's memory budget has room. Several
   * producers of one partition then encode on the cores the lock holder
   * leaves idle (waiting on each lock in turn, 4 producers ran one at a
   * time), and each take writes all that queued meanwhile; through a broker
   * the client encodes the next batches while the broker writes these.
   * Records stay in order: batches are written in the order they were sealed.
   */
  private async flushAhead(): Promise<void> {
    const p = this.producer
    if (this.inflight === null) {
      if (p.readyBatches === 0) return
      // With every lock it needs in hand, a flush is done without waiting on anybody.
      if (!p.flushMayWait) return p.flush(false)
      const flush = p.flush(false)
      this.inflight = flush
      flush.then(
        () => {
          if (this.inflight === flush) this.inflight = null
        },
        (error) => {
          if (this.inflight === flush) this.inflight = null
          this.failure ??= error
        },
      )
    }
    // One turn of the event loop: the lock wait's poll gets its turn, and an uncontended take is done by then.
    await new Promise<void>((resolve) => setImmediate(resolve))
    if (this.inflight !== null && !p.hasRoom) await this.inflight.catch(() => {})
    if (this.failure) throw this.failure
  }

  /** Adds every whole record in buf[start, end); returns where the unfinished rest begins. */
  private split(buf: Buffer, start: number, end: number, now: number): number {
    const delim = this.options.delimiter
    if (this.plainKeyed) return this.splitKeyed(buf, start, end, now)
    if (delim.length === 1) {
      const d = delim[0]
      for (let i = buf.indexOf(d, start); i >= 0 && i < end; i = buf.indexOf(d, start)) {
        this.add(buf, start, i, now)
        start = i + 1
      }
    } else {
      for (let i = buf.indexOf(delim, start); i >= 0 && i + delim.length <= end; i = buf.indexOf(delim, start)) {
        this.add(buf, start, i, now)
        start = i + delim.length
      }
    }
    return start
  }

  /**
   * One stream (file) has ended: its last record may lack a final
   * delimiter, and must not be joined to the next stream's first.
   */
  endOfStream(): void {
    if (this.leftover.length > 0) {
      const last = this.leftover
      this.leftover = EMPTY
      this.add(last, 0, last.length, this.producer.clock.now(), false)
    }
  }

  /** One record made of all of `buf` (a whole FILE, with --whole-file): no delimiter splits it. */
  addWhole(buf: Buffer): void {
    const max = this.producer.config['max.message.bytes']
    if (buf.length > max) {
      throw new RecordTooLargeError(`record ${this.records + 1} is over max.message.bytes (${max}) and was not written`, {hint: 'raise the topic config max.message.bytes'})
    }
    this.add(buf, 0, buf.length, this.producer.clock.now(), false)
  }

  /** The last record of the input may lack a final delimiter. */
  async finish(): Promise<void> {
    this.endOfStream()
    this.disarmLinger()
    if (this.inflight !== null) await this.inflight.catch(() => {})
    if (this.failure) throw this.failure
    await this.producer.flush(true)
  }

  /** Stops reading (Ctrl-C): what was read so far is still written by finish(). */
  stop(): void {
    this.stopped = true
    this.current?.destroy()
  }

  /** True after stop(): no more input will be read. */
  stopped = false

  /**
   * `-K` with one-byte delimiter and separator and nothing else per record
   * (no -T, -Z, -k, JSON): the common keyed produce, split in one loop.
   * The key's end is looked for byte by byte over the first bytes of the
   * line, where keys are, before asking Buffer.indexOf, whose call into C++
   * cost more than the scan of a short key; the partition is the key's
   * murmur2 over its bytes in the chunk.
   */
  private get plainKeyed(): boolean {
    const o = this.options
    return (
      o.keySeparator !== undefined && o.keySeparator.length === 1 && o.delimiter.length === 1 &&
      o.input !== 'json' && !o.tee && !o.emptyAsNull && o.key === undefined
    )
  }

  private splitKeyed(buf: Buffer, start: number, end: number, now: number): number {
    const d = this.options.delimiter[0]
    const sep = this.options.keySeparator![0]
    const p = this.producer
    const headers = this.headers
    // Where Buffer.indexOf last found a separator (Infinity: none in the
    // rest of buf). It searches past the line's end, so lines without a
    // separator would each scan on to the next one; remembering it keeps
    // the split linear.
    let sepAt = -1
    try {
      for (let i = buf.indexOf(d, start); i >= 0 && i < end; i = buf.indexOf(d, start)) {
        let k = -1
        const near = Math.min(i, start + KEY_SCAN_BYTES)
        for (let j = start; j < near; j++) {
          if (buf[j] === sep) {
            k = j
            break
          }
        }
        if (k < 0 && near < i) {
          if (sepAt < near) {
            sepAt = buf.indexOf(sep, near)
            if (sepAt < 0) sepAt = Infinity
          }
          if (sepAt < i) k = sepAt
        }
        if (k >= 0) p.add(p.partitionFor(buf, start, k), now, buf, start, k, buf, k + 1, i, headers)
        else p.add(p.partitionFor(null, 0, 0), now, null, 0, 0, buf, start, i, headers)
        this.records++
        start = i + 1
      }
    } catch (error) {
      throw this.named(error)
    }
    return start
  }

  /** `delimited`: the record was followed by the delimiter in the input (a file's last record may not be). */
  private add(buf: Buffer, start: number, end: number, now: number, delimited = true): void {
    try {
      if (this.options.tee) {
        this.options.tee.writeBytes(buf, start, end)
        if (delimited) this.options.tee.writeBytes(this.options.delimiter)
      }
      if (this.options.input === 'json') return this.addJson(buf, start, end, now)
      const p = this.producer
      let key: Buffer | null = this.options.key ?? null
      let keyStart = 0
      let keyEnd = key ? key.length : 0
      let valueStart = start
      const sep = this.options.keySeparator
      if (sep) {
        const k = sep.length === 1 ? indexOfByte(buf, sep[0], start, end) : buf.indexOf(sep, start)
        if (k >= 0 && k + sep.length <= end) {
          key = buf
          keyStart = start
          keyEnd = k
          valueStart = k + sep.length
        }
      }
      if (this.options.emptyAsNull && key !== null && keyEnd === keyStart) key = null
      // -k: one key for every record, so one partition; hash it once per partition count.
      let partition: number
      if (key !== null && key === this.options.key) {
        if (this.keyPartitionOf !== p.partitions) {
          this.keyPartition = p.partitionFor(key, keyStart, keyEnd)
          this.keyPartitionOf = p.partitions
        }
        partition = this.keyPartition
      } else {
        partition = p.partitionFor(key, keyStart, keyEnd)
      }
      if (this.options.emptyAsNull) {
        if (valueStart === end) {
          p.add(partition, now, key, keyStart, keyEnd, null, 0, 0, this.headers)
          this.records++
          return
        }
      }
      p.add(partition, now, key, keyStart, keyEnd, buf, valueStart, end, this.headers)
      this.records++
    } catch (error) {
      throw this.named(error)
    }
  }

  /** The line being read (reused), and where its key and value text are written as UTF-8. */
  private readonly scanned: ScannedJsonRecord = {keyStart: -1, keyEnd: -1, valueStart: -1, valueEnd: -1, partition: undefined, timestamp: undefined}
  private readonly jsonFields: JsonRecordFields = {key: null, value: null, headers: null, partition: undefined, timestamp: undefined}
  private jsonScratch: Buffer = Buffer.alloc(0)
  /** consumeFile's read buffer (and JSON scratch after it), kept for the next FILE. */
  private fileBuffer: Buffer | null = null

  private addJson(buf: Buffer, start: number, end: number, now: number): void {
    if (isBlank(buf, start, end)) return
    const s = this.scanned
    if (scanJsonRecord(buf, start, end, s)) {
      // Key and value are spans of the line: copied into the batch as they are.
      let key: Buffer | null = buf
      let keyStart = s.keyStart
      let keyEnd = s.keyEnd
      if (keyStart < 0) {
        key = this.options.key ?? null
        keyStart = 0
        keyEnd = key ? key.length : 0
      }
      const value = s.valueStart < 0 ? null : buf
      this.addJsonRecord(key, keyStart, keyEnd, value, s.valueStart, s.valueEnd, this.headers, s.partition, s.timestamp ?? now)
      return
    }
    const r = readJsonRecord(buf.toString('utf8', start, end), this.jsonFields)
    const headers = r.headers ? encodeHeaders([...(this.options.headers ?? []), ...r.headers]) : this.headers
    // Text goes into one scratch buffer, which the producer copies into its batch: no Buffer per record.
    const k = r.key ?? this.options.key ?? null
    const v = r.value
    const room = 3 * ((typeof k === 'string' ? k.length : 0) + (typeof v === 'string' ? v.length : 0)) // UTF-8 of one UTF-16 unit is at most 3 bytes
    if (room > this.jsonScratch.length) this.jsonScratch = Buffer.allocUnsafe(Math.max(room, 2 * this.jsonScratch.length, 4096))
    const scratch = this.jsonScratch
    let key: Buffer | null = null
    let keyStart = 0
    let keyEnd = 0
    let at = 0
    if (typeof k === 'string') {
      key = scratch
      keyEnd = at = scratch.write(k, 0, 'utf8')
    } else if (k !== null) {
      key = k
      keyEnd = k.length
    }
    let value: Buffer | null = null
    let valueStart = 0
    let valueEnd = 0
    if (typeof v === 'string') {
      value = scratch
      valueStart = at
      valueEnd = at + scratch.write(v, at, 'utf8')
    } else if (v !== null) {
      value = v
      valueEnd = v.length
    }
    this.addJsonRecord(key, keyStart, keyEnd, value, valueStart, valueEnd, headers, r.partition, r.timestamp ?? now)
  }

  private addJsonRecord(key: Buffer | null, keyStart: number, keyEnd: number, value: Buffer | null, valueStart: number, valueEnd: number, headers: Buffer | undefined, linePartition: number | undefined, timestamp: number): void {
    const p = this.producer
    let partition: number
    if (linePartition !== undefined && p.fixedPartition === undefined) {
      // -p/--partition on the command line wins over the record's own.
      if (linePartition >= p.partitions) {
        throw new UsageError(`its "partition" ${linePartition} does not exist: topic '${p.topic}' has partitions 0..${p.partitions - 1}`, {
          hint: 'give -p/--partition N to send every record to one partition, or drop the "partition" field',
        })
      }
      partition = linePartition
    } else {
      partition = p.partitionFor(key, keyStart, keyEnd)
    }
    p.add(partition, timestamp, key, keyStart, keyEnd, value, valueStart, valueEnd, headers)
    this.records++
  }

  /** Puts the record's number into errors about one record. */
  private named(error: unknown): unknown {
    if (error instanceof RecordTooLargeError || error instanceof UsageError) {
      const E = error.constructor as new (m: string, o: {hint?: string}) => LogpipeError
      const n = this.records + 1
      // "record is 5070 bytes ..." reads as "record 2 is 5070 bytes ...".
      const text = error.message.startsWith('record is ') ? `record ${n} is ${error.message.slice(10)}` : `record ${n}: ${error.message}`
      return new E(`${text}; it was not written`, {hint: error.hint})
    }
    return error
  }

  private armLinger(): void {
    if (this.lingerTimer || this.lingerImmediate || this.producer.pendingRecords === 0) return
    const expire = () => {
      this.lingerTimer = null
      this.lingerImmediate = null
      this.producer.flush(true).catch((error) => {
        this.failure = error
        this.current?.destroy(error as Error)
      })
    }
    // setTimeout(0) waits at least 1 ms; --linger-ms 0 means "after this chunk", which is setImmediate.
    if (this.options.lingerMs === 0) {
      if (this.lingerImmediate === null) this.lingerImmediate = setImmediate(expire)
    } else {
      this.lingerTimer = setTimeout(expire, this.options.lingerMs)
    }
  }

  private lingerImmediate: NodeJS.Immediate | null = null

  private disarmLinger(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer)
    if (this.lingerImmediate) clearImmediate(this.lingerImmediate)
    this.lingerTimer = null
    this.lingerImmediate = null
  }
}

/** A line of nothing but JSON whitespace is skipped, as an empty line is. */
function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i]
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return false
  }
  return true
}
