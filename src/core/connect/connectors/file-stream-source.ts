/**
 * org.apache.kafka.connect.file.FileStreamSourceConnector: each line of
 * `file` becomes a record on `topic` (value schema STRING, no key), at most
 * `batch.size` per poll. The source partition is {"filename": file}, as in
 * Kafka; the offset is {"position": the byte after the line} plus, ours,
 * {"file.id": "dev:inode:birth time", "file.head": a hash of the file's
 * first bytes (up to 1 KiB, no further than position)}, so the task knows on
 * restart whether the file at that path is still the one it read:
 *
 * - same file, at least `position` long, same first bytes: go on from `position`
 * - same file, now shorter or other first bytes: it was truncated (and
 *   perhaps written again); start again at 0
 * - another file (rotated: renamed away and made anew; or a new file that
 *   got a freed inode number): start the new one at 0
 *
 * While running, a file renamed away is read to its end through the open
 * descriptor before the new file at the path is opened, so rotation loses
 * nothing; its last line is sent even without a newline once the new file
 * is there. A truncation and rewrite past the old position between two
 * polls cannot be told from appends (as with `tail -F`).
 */
import {createHash} from 'node:crypto'
import {type BigIntStats, closeSync, fstatSync, openSync, readSync, statSync} from 'node:fs'
import {ConnectTaskError} from '../../errors.js'
import {ConfigDef, NonEmptyString, Range} from '../api/config-def.js'
import {type Props, SourceConnector, SourceTask, type TaskClass} from '../api/connector.js'
import {SourceRecord} from '../api/connect-record.js'
import {Schema} from '../api/schema.js'

const READ_BYTES = 64 << 10
/** A line longer than this is refused: it could not be one record anyway. */
const MAX_LINE_BYTES = 16 << 20
const IDLE_WAIT_MS = 100
const HEAD_BYTES = 1024

function fileId(st: BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.birthtimeNs}`
}

/** A hash of the file's first min(HEAD_BYTES, upTo) bytes: an appended file keeps it, a rewritten one does not. */
function headHash(fd: number, upTo: number): string {
  const n = Math.min(HEAD_BYTES, upTo)
  const buf = Buffer.alloc(n)
  let got = 0
  while (got < n) {
    const r = readSync(fd, buf, got, n - got, got)
    if (r === 0) break
    got += r
  }
  return createHash('sha256').update(buf.subarray(0, got)).digest('base64url').slice(0, 22)
}

export const FILE_CONFIG = 'file'
export const TOPIC_CONFIG = 'topic'
export const BATCH_SIZE_CONFIG = 'batch.size'

export class FileStreamSourceConnector extends SourceConnector {
  static readonly CLASS_NAME = 'org.apache.kafka.connect.file.FileStreamSourceConnector'
  private props: Props = {}

  override version(): string {
    return '1.0.0'
  }

  config(): ConfigDef {
    return new ConfigDef()
      .define({name: FILE_CONFIG, type: 'STRING', defaultValue: null, importance: 'HIGH', documentation: 'Source filename. If not specified, the standard input will be used'})
      .define({name: TOPIC_CONFIG, type: 'STRING', validator: NonEmptyString, importance: 'HIGH', documentation: 'The topic to publish data to'})
      .define({name: BATCH_SIZE_CONFIG, type: 'INT', defaultValue: 2000, validator: Range.atLeast(1), importance: 'LOW', documentation: 'The maximum number of records the source task can read from the file each time it is polled'})
  }

  start(props: Props): void {
    const c = this.config().parse(props)
    if (c[FILE_CONFIG] === null) throw new ConnectTaskError('FileStreamSourceConnector: reading standard input is not supported by logpipe; set file=PATH')
    if (String(c[TOPIC_CONFIG]).includes(',')) throw new ConnectTaskError(`'topic' in FileStreamSourceConnector configuration requires definition of a single topic`)
    this.props = props
  }

  taskClass(): TaskClass<SourceTask> {
    return FileStreamSourceTask
  }

  taskConfigs(): Props[] {
    // One file, one reader: Kafka's connector gives a single task whatever tasks.max says.
    return [{...this.props}]
  }

  stop(): void {}
}

interface OpenFile {
  fd: number
  id: string
  /** File position of buf[0]. */
  position: number
  buf: Buffer
  len: number
  /** Hash of the first HEAD_BYTES bytes once the file is that long (before, computed per record). */
  head: string | null
}

export class FileStreamSourceTask extends SourceTask {
  private filename = ''
  private topic = ''
  private batchSize = 2000
  private file: OpenFile | null = null
  private stopped = false
  private wake: (() => void) | null = null
  private readonly scratch = Buffer.allocUnsafe(READ_BYTES)

  override version(): string {
    return '1.0.0'
  }

  start(props: Props): void {
    this.filename = props[FILE_CONFIG]
    this.topic = props[TOPIC_CONFIG]
    this.batchSize = Number(props[BATCH_SIZE_CONFIG] ?? 2000)
  }

  private sourcePartition: {filename: string} | null = null

  /** One object for every record, so the worker sees runs of one partition without comparing maps. */
  private partition() {
    this.sourcePartition ??= {filename: this.filename}
    return this.sourcePartition
  }

  private open(): OpenFile | null {
    let fd: number
    try {
      fd = openSync(this.filename, 'r')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw new ConnectTaskError(`cannot open ${this.filename}: ${(error as Error).message}`)
    }
    const st = fstatSync(fd, {bigint: true})
    const id = fileId(st)
    const stored = this.context.offsetStorageReader.offset(this.partition())
    let position = 0
    const pos = stored?.position
    if (typeof pos === 'number' && Number.isSafeInteger(pos) && pos >= 0 && BigInt(pos) <= st.size) {
      const sameFile = stored?.['file.id'] === undefined || stored['file.id'] === id
      const sameHead = stored?.['file.head'] === undefined || stored['file.head'] === headHash(fd, pos)
      if (sameFile && sameHead) position = pos
    }
    return {fd, id, position, buf: Buffer.allocUnsafe(READ_BYTES), len: 0, head: null}
  }

  async poll(): Promise<SourceRecord[] | null> {
    if (this.stopped) return null
    this.file ??= this.open()
    const f = this.file
    if (!f) return this.idle()
    const records: SourceRecord[] = []
    for (;;) {
      this.takeLines(f, records)
      if (records.length >= this.batchSize) return records
      const n = readSync(f.fd, this.scratch, 0, READ_BYTES, f.position + f.len)
      if (n === 0) break
      this.append(f, this.scratch.subarray(0, n))
    }
    if (records.length > 0) return records
    this.checkReplaced(f, records)
    return records.length > 0 ? records : this.idle()
  }

  /** Complete lines from the buffer, each with the offset just past it. */
  private takeLines(f: OpenFile, out: SourceRecord[]): void {
    // Buffer.indexOf finds line ends ~6x faster than a byte loop; the next \r is looked for again only once passed.
    const buf = f.buf.subarray(0, f.len)
    let start = 0
    let cr = -2 // the next \r at or after start (-1: none in buf; -2: not looked for yet)
    while (out.length < this.batchSize) {
      const nl = buf.indexOf(0x0a, start)
      if (cr !== -1 && cr < start) cr = buf.indexOf(0x0d, start)
      let end = nl
      let next = nl + 1
      if (cr >= 0 && (nl < 0 || cr < nl)) {
        if (cr + 1 >= buf.length) break // \r at the end: wait to see whether \n follows
        end = cr
        next = buf[cr + 1] === 0x0a ? cr + 2 : cr + 1
      }
      if (end < 0) break
      out.push(this.record(buf.toString('utf8', start, end), f.position + next, f))
      start = next
    }
    if (start > 0) {
      f.buf.copy(f.buf, 0, start, f.len)
      f.len -= start
      f.position += start
    }
    if (f.len > MAX_LINE_BYTES) throw new ConnectTaskError(`${this.filename}: a line at byte ${f.position} is longer than ${MAX_LINE_BYTES} bytes`)
  }

  private append(f: OpenFile, chunk: Buffer): void {
    if (f.len + chunk.length > f.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(f.buf.length * 2, f.len + chunk.length))
      f.buf.copy(bigger, 0, 0, f.len)
      f.buf = bigger
    }
    chunk.copy(f.buf, f.len)
    f.len += chunk.length
  }

  private record(line: string, position: number, f: OpenFile): SourceRecord {
    let head = f.head
    if (head === null) {
      head = headHash(f.fd, position)
      if (position >= HEAD_BYTES) f.head = head
    }
    return new SourceRecord({
      sourcePartition: this.partition(),
      sourceOffset: {position, 'file.id': f.id, 'file.head': head},
      topic: this.topic,
      valueSchema: Schema.STRING_SCHEMA,
      value: line,
      timestamp: Date.now(),
    })
  }

  /** At the end of what we have: was the file truncated, or replaced by another at the same path? */
  private checkReplaced(f: OpenFile, out: SourceRecord[]): void {
    const size = fstatSync(f.fd).size
    if (size < f.position + f.len) {
      // Truncated in place: what was there is gone; read it anew from the start.
      f.position = 0
      f.len = 0
      f.head = null
      return
    }
    let st
    try {
      st = statSync(this.filename, {bigint: true})
    } catch {
      return // renamed away and not made anew yet: keep reading the old one
    }
    if (fileId(st) === f.id) return
    // Rotated: the old file is read to its end; its unfinished last line is all there will be.
    if (f.len > 0) out.push(this.record(f.buf.toString('utf8', 0, f.len), f.position + f.len, f))
    closeSync(f.fd)
    this.file = null
    const next = this.open()
    if (next) {
      // The new file is new: from its start, whatever offset was stored for the path.
      next.position = 0
      this.file = next
    }
  }

  private idle(): Promise<null> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, IDLE_WAIT_MS)
      function done() {
        clearTimeout(timer)
        resolve(null)
      }
      this.wake = done
    })
  }

  stop(): void {
    this.stopped = true
    this.wake?.()
    if (this.file) closeSync(this.file.fd)
    this.file = null
  }
}
