/**
 * `consume --exec-stream CMD`: ONE long-lived handler (/bin/sh -c CMD) gets
 * the records on its stdin, formatted as for stdout (`-f`, or `--json`
 * lines), and answers every line it reads with one line on its stdout, in
 * order. A line `ERR` or `ERR <reason>` means that record failed; any other
 * line means it is done, so `cat` is a valid handler (it echoes each line).
 * A record whose formatted bytes hold k newlines (a value with a newline in
 * it) is k lines to a line-reading handler, so it is done after k answers.
 *
 * Why this shape: spawning a shell per record (`--exec`) costs ~2 ms; a
 * pipe to one process costs microseconds. Answers in order need no ids: the
 * oldest record not answered is the one each line is about.
 *
 * At-least-once, as `--exec`: per partition the position safe to commit is
 * the oldest record not handed on (PendingOffsets). A failed record is sent
 * again after a backoff (behind the records already sent), up to
 * `retries`, then goes to the dead-letter topic or stops the consumer. A
 * handler that exits, closes its stdout, or stalls (records waiting and no
 * answer for `timeoutMs`) is killed and started again, and every record not
 * answered is sent to the new one; the oldest of them is charged one failed
 * attempt (a poison record that kills the handler each time must end, not
 * loop), unless the handler exited 0 after answering some records (a
 * handler that quits after N records is allowed).
 *
 * The handler runs in its own process group: a Ctrl-C is ours to handle
 * (stop sending, close its stdin so it finishes what it has, commit what it
 * answered), and a stall is killed with everything the shell started.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import type {Assignment, ConsumedRecord} from './consumer.js'
import {Consumer} from './consumer.js'
import {PendingOffsets, type ExecFailure} from './exec-runner.js'
import {FormatBuffer} from './format-buffer.js'
import type {RecordFormatter} from './format.js'
import type {RecordReader} from '../record/record.js'
import type {Store} from '../store/store.js'
import {LogpipeError, UsageError} from '../errors.js'
import {type Clock, systemClock} from '../clock.js'

export interface ExecStreamOptions {
  command: string
  format: RecordFormatter
  retries: number
  /** Records sent and not answered at most (back-pressure: reading stops there). */
  maxInFlight: number
  /** A handler with records waiting and no answer for this long is killed and started again. */
  timeoutMs: number
  /** First retry (and restart) delay; doubled each attempt, capped at 10 s. */
  backoffMs?: number
  /** Reads a failed record back from where the records come from, for the dead-letter topic. */
  readBack: RecordReadBack
  deadLetter?: (failure: ExecFailure) => Promise<void>
  onNotice?: (message: string) => void
  clock?: Clock
}

const CHUNK = 1 << 20
/** Room kept for one record before formatting it: a larger record grows the chunk. */
const ROOM = 64 << 10
/** Bytes sent and not answered at most, whatever the record count. */
const MAX_IN_FLIGHT_BYTES = 16 << 20
const STDERR_TAIL = 2048
const REASON_MAX = 1024
const NL = 0x0a

/** One record sent (or about to be): where its bytes are and how many answers it needs. */
interface Entry {
  topic: string
  partition: number
  offset: number
  pending: PendingOffsets
  chunk: Buffer
  start: number
  end: number
  lines: number
  answered: number
  failedReason: string | null
  attempts: number
}

interface Handler {
  child: ChildProcess
  /** Records answered by this handler. */
  answered: number
  stderrTail: string
  /** The part of a line read so far (its first bytes: enough to tell ERR and keep a reason). */
  partial: Buffer | null
  partialLength: number
  gone: boolean
  /** Why we killed it, if we did. */
  killedFor: string | null
  exited: Promise<void>
}

export class ExecStream {
  private readonly o: ExecStreamOptions
  private readonly clock: Clock
  /** Sent or waiting to be sent, oldest first; answers match them in this order. */
  private readonly fifo: Entry[] = []
  private fifoHead = 0
  private inFlightBytes = 0
  /** Bytes not yet written to the handler, in fifo order. */
  private unsent: Buffer[] = []
  private readonly out = new ChunkBuffer()
  private readonly pending = new Map<string, PendingOffsets>()
  private readonly released = new Set<string>()
  private handler: Handler | null = null
  private restartTimer: NodeJS.Timeout | null = null
  private readonly retryTimers = new Set<NodeJS.Timeout>()
  private consecutiveDeaths = 0
  private lastProgress = 0
  private readonly stallTimer: NodeJS.Timeout
  private waiters: Array<() => void> = []
  private stopping = false
  private closed = false
  /** Set when a record failed for good and there is no dead-letter topic. */
  fatal: ExecFailure | null = null
  /** Set when the handler broke the protocol (more answers than lines). */
  error: LogpipeError | null = null
  handedOn = 0

  constructor(options: ExecStreamOptions) {
    this.o = options
    this.clock = options.clock ?? systemClock
    this.stallTimer = setInterval(() => this.checkStall(), Math.max(10, Math.min(1000, options.timeoutMs / 4)))
    this.stallTimer.unref()
  }

  private get inFlight(): number {
    return this.fifo.length - this.fifoHead
  }

  /** Stop polling: the window is full. */
  get full(): boolean {
    return this.inFlight >= this.o.maxInFlight || this.inFlightBytes >= MAX_IN_FLIGHT_BYTES
  }

  get busy(): boolean {
    return this.inFlight > 0 || this.retryTimers.size > 0
  }

  get broken(): boolean {
    return this.fatal !== null || this.error !== null
  }

  /** Formats the record into the send buffer; it is written out by flush(). */
  push(a: Assignment, r: RecordReader): void {
    const key = `${a.topic}/${a.partition}`
    let pending = this.pending.get(key)
    if (!pending) this.pending.set(key, (pending = new PendingOffsets()))
    pending.add(r.offset)
    this.released.delete(key)
    const out = this.out
    if (out.buf.length - out.pos < ROOM) this.newChunk()
    const start = out.pos
    this.o.format(out, a, r)
    const chunk = out.buf
    const end = out.pos
    if (end === start || chunk[end - 1] !== NL) {
      throw new UsageError('--exec-stream sends one line per record: the output format must end with \\n', {hint: "e.g. -f '%s\\n' (the default) or --json"})
    }
    const lines = countLines(chunk, start, end)
    this.append({topic: a.topic, partition: a.partition, offset: r.offset, pending, chunk, start, end, lines, answered: 0, failedReason: null, attempts: 0})
  }

  private append(e: Entry): void {
    if (this.inFlight === 0) this.lastProgress = this.clock.now()
    this.fifo.push(e)
    this.inFlightBytes += e.end - e.start
  }

  /** The bytes formatted so far go to the unsent list; formatting goes on in a new chunk. */
  private newChunk(): void {
    this.takeFormatted()
    if (this.out.buf.length === CHUNK) this.retired.push(this.out.buf)
    this.out.fresh(this.spare.pop())
  }

  /** Full chunks, oldest first, some of whose records may still wait for an answer. */
  private readonly retired: Buffer[] = []
  /** Chunks whose records are all answered: formatting goes on in them (no megabyte of garbage per chunk). */
  private readonly spare: Buffer[] = []

  /**
   * Records are formatted and answered in order, so every chunk older than
   * the oldest waiting record's is done with (a retried record has its own
   * copy; one redelivered after a death keeps its place in the order).
   */
  private recycle(): void {
    const head = this.inFlight > 0 ? this.fifo[this.fifoHead].chunk : this.out.buf
    if (this.retired.length === 0 || head === this.retired[0]) return
    const at = this.retired.indexOf(head)
    if (at === -1 && head !== this.out.buf) return // a retry's own copy at the head: nothing can be said
    const done = this.retired.splice(0, at === -1 ? this.retired.length : at)
    for (const c of done) if (this.spare.length < 2) this.spare.push(c)
  }

  private takeFormatted(): void {
    const out = this.out
    if (out.pos > out.sent) {
      this.unsent.push(out.buf.subarray(out.sent, out.pos))
      out.sent = out.pos
    }
  }

  /** Writes what is formatted to the handler (starting it if need be); resolves when it may take more. */
  async flush(): Promise<void> {
    this.takeFormatted()
    if (this.unsent.length === 0 || this.stopping || this.broken) return
    if (!this.handler) {
      if (this.restartTimer) return // restarting after a backoff: it gets everything then
      this.start()
    }
    const h = this.handler!
    const pieces = this.unsent
    this.unsent = []
    let ok = true
    for (const p of pieces) ok = h.child.stdin!.write(p)
    if (!ok && !h.gone) {
      await new Promise<void>((resolve) => {
        const done = () => {
          h.child.stdin!.off('drain', done)
          h.child.stdin!.off('close', done)
          resolve()
        }
        h.child.stdin!.on('drain', done)
        h.child.stdin!.on('close', done)
        void h.exited.then(done)
      })
    }
  }

  private start(): void {
    const child = spawn('/bin/sh', ['-c', this.o.command], {stdio: ['pipe', 'pipe', 'pipe'], detached: true})
    let exited!: () => void
    const h: Handler = {child, answered: 0, stderrTail: '', partial: null, partialLength: 0, gone: false, killedFor: null, exited: new Promise((r) => (exited = r))}
    this.handler = h
    this.lastProgress = this.clock.now()
    child.stdin!.on('error', () => {}) // EPIPE: the handler went away; 'close' says how
    child.stderr!.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk)
      h.stderrTail = (h.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL)
    })
    child.stdout!.on('data', (chunk: Buffer) => {
      if (this.handler === h) this.answers(h, chunk)
    })
    child.stdout!.on('end', () => {
      // No more answers can come: a handler still running with records waiting is of no use.
      // An exiting handler closes its stdout first: give the exit a moment to be seen as one.
      const t = setTimeout(() => {
        if (this.handler === h && !h.gone && !this.closed) this.kill(h, 'closed its stdout')
      }, 200)
      t.unref()
      void h.exited.then(() => clearTimeout(t))
    })
    let spawnError: string | null = null
    child.on('error', (error) => {
      spawnError = error.message
    })
    child.on('close', (code, signal) => {
      h.gone = true
      exited()
      if (this.handler === h) this.died(h, spawnError ? 127 : code, signal, spawnError)
    })
  }

  private kill(h: Handler, why: string): void {
    if (h.gone) return
    h.killedFor ??= why
    try {
      process.kill(-h.child.pid!, 'SIGKILL')
    } catch {
      h.child.kill('SIGKILL')
    }
  }

  /** Lines from the handler: each answers the oldest record not answered. */
  private answers(h: Handler, chunk: Buffer): void {
    let from = 0
    for (;;) {
      const nl = chunk.indexOf(NL, from)
      if (nl === -1) {
        this.keepPartial(h, chunk, from, chunk.length)
        break
      }
      let failed: string | null = null
      if (h.partialLength > 0) {
        this.keepPartial(h, chunk, from, nl)
        failed = errReason(h.partial!, 0, Math.min(h.partialLength, REASON_MAX))
        h.partialLength = 0
      } else {
        failed = errReason(chunk, from, Math.min(nl, from + REASON_MAX))
      }
      from = nl + 1
      if (!this.answer(h, failed)) return
    }
    this.lastProgress = this.clock.now()
    this.recycle()
    this.wakeWaiters()
  }

  private keepPartial(h: Handler, chunk: Buffer, from: number, to: number): void {
    const room = REASON_MAX - h.partialLength
    if (room <= 0 || to <= from) return
    h.partial ??= Buffer.allocUnsafe(REASON_MAX)
    h.partialLength += chunk.copy(h.partial, h.partialLength, from, Math.min(to, from + room))
  }

  /** One answer line; false when the handler broke the protocol. */
  private answer(h: Handler, failedReason: string | null): boolean {
    if (this.inFlight === 0) {
      this.error ??= new LogpipeError('--exec-stream handler printed more lines than it was given (one answer line per input line)', {
        hint: 'print diagnostics to stderr; records with newlines in them are safest with --json',
      })
      this.kill(h, 'broke the protocol')
      this.wakeWaiters()
      return false
    }
    const e = this.fifo[this.fifoHead]
    e.answered++
    if (failedReason !== null && e.failedReason === null) e.failedReason = failedReason
    if (e.answered < e.lines) return true
    this.shift()
    h.answered++
    this.consecutiveDeaths = 0
    if (e.failedReason === null) this.finish(e)
    else this.failed(e, {exitCode: null, signal: null, stderrTail: '', reason: e.failedReason})
    return true
  }

  private shift(): Entry {
    const e = this.fifo[this.fifoHead]
    this.fifo[this.fifoHead++] = undefined as unknown as Entry
    this.inFlightBytes -= e.end - e.start
    if (this.fifoHead > 4096 && this.fifoHead * 2 > this.fifo.length) {
      this.fifo.splice(0, this.fifoHead)
      this.fifoHead = 0
    }
    return e
  }

  private finish(e: Entry): void {
    e.pending.finish(e.offset)
    this.handedOn++
  }

  /** One failed attempt of `e`: again after a backoff, else the dead-letter topic, else fatal. */
  private failed(e: Entry, how: {exitCode: number | null; signal: string | null; stderrTail: string; reason: string}): void {
    e.attempts++
    if (this.stopping) return // interrupted, not a bad record: stays uncommitted
    const key = `${e.topic}/${e.partition}`
    if (this.released.has(key)) return
    if (e.attempts <= this.o.retries) {
      // Its own copy: the chunk it was in may be freed meanwhile.
      const bytes = Buffer.from(e.chunk.subarray(e.start, e.end))
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer)
        if (this.stopping || this.broken || this.released.has(key)) return this.wakeWaiters()
        this.takeFormatted()
        this.append({...e, chunk: bytes, start: 0, end: bytes.length, answered: 0, failedReason: null})
        this.unsent.push(bytes)
        void this.flush()
        this.wakeWaiters()
      }, this.backoff(e.attempts))
      this.retryTimers.add(timer)
      return
    }
    void this.giveUp(e, how)
  }

  private backoff(attempt: number): number {
    return Math.min(10_000, (this.o.backoffMs ?? 100) * 2 ** (attempt - 1))
  }

  private async giveUp(e: Entry, how: {exitCode: number | null; signal: string | null; stderrTail: string; reason: string}): Promise<void> {
    const job: ConsumedRecord = {topic: e.topic, partition: e.partition, offset: e.offset, timestamp: 0, key: null, value: null, headers: []}
    const failure: ExecFailure = {job, exitCode: how.exitCode, signal: how.signal, stderrTail: how.stderrTail, reason: how.reason, attempts: e.attempts}
    if (this.o.deadLetter) {
      // Hold the record's place (busy) while it is written.
      const marker = setTimeout(() => {}, 1 << 30)
      this.retryTimers.add(marker)
      try {
        Object.assign(job, await this.o.readBack(e.topic, e.partition, e.offset))
        await this.o.deadLetter(failure)
        this.o.onNotice?.(`--exec-stream failed for ${e.topic}/${e.partition} offset ${e.offset} (${how.reason}, ${e.attempts} attempts); sent to the dead-letter topic`)
        this.finish(e)
        return
      } catch (error) {
        this.o.onNotice?.(`could not write ${e.topic}/${e.partition} offset ${e.offset} to the dead-letter topic: ${(error as Error).message}`)
      } finally {
        clearTimeout(marker)
        this.retryTimers.delete(marker)
        this.wakeWaiters()
      }
    }
    this.fatal ??= failure
    this.wakeWaiters()
  }

  /** The handler is gone: charge the oldest record not answered (see the header), start again, send them all. */
  private died(h: Handler, code: number | null, signal: string | null, spawnError: string | null): void {
    this.handler = null
    const waiting = this.inFlight
    if (this.stopping || this.closed || this.broken) return this.wakeWaiters()
    const how = h.killedFor
      ? `${h.killedFor}`
      : spawnError
        ? `could not start: ${spawnError}`
        : signal
          ? `was killed by ${signal}`
          : `exited ${code}`
    if (waiting === 0) return this.wakeWaiters() // started again with the next record
    const clean = code === 0 && !h.killedFor && h.answered > 0
    // The records sent but not answered go again, in order, to the next handler.
    const again = this.fifo.slice(this.fifoHead)
    this.fifo.length = 0
    this.fifoHead = 0
    this.inFlightBytes = 0
    this.takeFormatted()
    this.unsent = []
    if (!clean) {
      const head = again.shift()!
      this.failed(head, {exitCode: code, signal, stderrTail: h.stderrTail, reason: `handler ${how}`})
    }
    if (this.broken) return this.wakeWaiters() // that record failed for good: the error says so
    this.o.onNotice?.(`--exec-stream handler ${how} with ${waiting} record(s) not answered; starting it again and sending them again`)
    for (const e of again) {
      if (this.released.has(`${e.topic}/${e.partition}`)) continue
      e.answered = 0
      e.failedReason = null
      this.append(e)
      this.unsent.push(e.chunk.subarray(e.start, e.end))
    }
    this.consecutiveDeaths++
    const delay = clean ? 0 : this.backoff(this.consecutiveDeaths)
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null
      void this.flush()
      this.wakeWaiters()
    }, delay)
    this.wakeWaiters()
  }

  private checkStall(): void {
    const h = this.handler
    if (!h || h.gone || this.inFlight === 0) return
    if (this.clock.now() - this.lastProgress > this.o.timeoutMs) this.kill(h, `gave no answer for ${this.o.timeoutMs} ms`)
  }

  /** The position safe to commit: the oldest record not handed on, else `position`. */
  safePosition(topic: string, partition: number, position: number): number {
    return this.pending.get(`${topic}/${partition}`)?.oldest ?? position
  }

  /** A partition is leaving us: its records not answered yet are not sent again; wait for those in the handler. */
  async release(topic: string, partition: number): Promise<void> {
    this.released.add(`${topic}/${partition}`)
    const mine = () => this.fifo.some((e, i) => i >= this.fifoHead && e.topic === topic && e.partition === partition)
    while (mine() && !this.broken && !this.stopping && (this.handler || this.restartTimer)) await this.changed()
  }

  forget(topic: string, partition: number): void {
    this.pending.delete(`${topic}/${partition}`)
  }

  /** Resolves when something changed (answers, a death, a retry due), or at once when nothing can. */
  changed(): Promise<void> {
    if (!this.busy && !this.restartTimer) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  private wakeWaiters(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  /** Every record sent is answered (or failed for good). */
  async drain(): Promise<void> {
    await this.flush()
    while (this.busy && !this.broken && !this.stopping) {
      await this.changed()
      await this.flush()
    }
  }

  /** Ctrl-C, SIGTERM: send nothing more; close() lets the handler finish what it has. */
  stop(): void {
    this.stopping = true
    for (const t of this.retryTimers) clearTimeout(t)
    this.retryTimers.clear()
    if (this.restartTimer) clearTimeout(this.restartTimer)
    this.restartTimer = null
    this.wakeWaiters()
  }

  /**
   * Ends the handler: its stdin is closed, so it answers what it has and
   * exits; one that does not within the timeout is killed.
   */
  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.stallTimer)
    for (const t of this.retryTimers) clearTimeout(t)
    if (this.restartTimer) clearTimeout(this.restartTimer)
    const h = this.handler
    if (!h) return
    h.child.stdin!.end()
    if (!h.gone) {
      const timer = setTimeout(() => this.kill(h, 'did not exit after its input ended'), this.o.timeoutMs)
      await h.exited
      clearTimeout(timer)
    }
    this.handler = null
    const code = h.child.exitCode
    if (h.killedFor && !this.broken) this.o.onNotice?.(`--exec-stream handler ${h.killedFor}; killed`)
    else if (code !== null && code !== 0 && !this.broken) this.o.onNotice?.(`--exec-stream handler exited ${code} after its input ended`)
  }
}

/** The error a failure for good becomes. */
export function execStreamFailureError(f: ExecFailure): LogpipeError {
  const tail = f.stderrTail.trim().split('\n').pop()
  return new LogpipeError(
    `--exec-stream: ${f.reason} for ${f.job.topic}/${f.job.partition} offset ${f.job.offset} after ${f.attempts} attempt(s); that record was not committed${tail ? ` (stderr: ${tail})` : ''}`,
    {hint: 'use --retries N, or --dead-letter-topic T to set failing records aside and go on'},
  )
}

/** Newlines in buf[start, end): a byte loop for short records, memchr (on a view, so it stops at `end`) for long ones. */
function countLines(buf: Buffer, start: number, end: number): number {
  let n = 0
  if (end - start < 512) {
    for (let i = start; i < end; i++) if (buf[i] === NL) n++
    return n
  }
  const view = buf.subarray(start, end)
  for (let i = view.indexOf(NL); i !== -1; i = view.indexOf(NL, i + 1)) n++
  return n
}

/** `ERR` or `ERR <reason>` at buf[from, to): the reason ('ERR' when none); null for any other line. */
function errReason(buf: Buffer, from: number, to: number): string | null {
  let end = to
  if (end > from && buf[end - 1] === 0x0d) end-- // CRLF
  if (end - from < 3 || buf[from] !== 0x45 || buf[from + 1] !== 0x52 || buf[from + 2] !== 0x52) return null
  if (end - from === 3) return 'ERR'
  if (buf[from + 3] !== 0x20) return null
  return buf.toString('utf8', from, end)
}

/** A record read back from its log, for the dead-letter topic (its bytes were not kept). */
export type RecordReadBack = (topic: string, partition: number, offset: number) => Promise<Partial<ConsumedRecord>>

/** Reads a record back from the store's files. */
export function storeReadBack(store: Store): RecordReadBack {
  return async (topic, partition, offset) => {
    const c = new Consumer(store, [topic], {partitions: [partition], offset: {kind: 'absolute', offset}})
    try {
      let found: Partial<ConsumedRecord> | null = null
      c.poll((_a, r) => {
        if (r.offset === offset) found = r.toRecord()
        return false
      })
      if (!found) throw new LogpipeError(`offset ${offset} is no longer in the log`)
      return found
    } finally {
      c.close()
    }
  }
}

/** The send buffer: formatted bytes up to `sent` were handed on; a new chunk leaves the old one to them. */
class ChunkBuffer extends FormatBuffer {
  sent = 0

  constructor() {
    super(Buffer.allocUnsafe(CHUNK))
  }

  fresh(reuse?: Buffer): void {
    this.setBuffer(reuse ?? Buffer.allocUnsafe(CHUNK))
    this.pos = 0
    this.sent = 0
  }
}
