/**
 * A consume session: poll the consumer, format records into the output (or
 * hand them to the --exec runner), flush with backpressure, wait for new
 * data when there is none. With a group it also commits what has been
 * handed on and leaves the group cleanly at the end (count reached, end of
 * log with exitAtEnd, an interrupt).
 *
 * The caller brings the process's side: where the bytes go (an OutputSink,
 * stdout for the CLI) and what interrupts it (Ctrl-C and SIGTERM for the
 * CLI), so Connect and Streams run the same loop into their own sinks.
 */
import type {Assignment, Consumer} from './consumer.js'
import {ExecRunner, execFailureError} from './exec-runner.js'
import {ExecStream, execStreamFailureError, storeReadBack} from './exec-stream.js'
import {GroupConsumer} from './group-consumer.js'
import {deadLetterWriter} from './dead-letter.js'
import type {FormatBuffer} from './format-buffer.js'
import type {RecordFormatter} from './format.js'
import type {AssignmentStrategy} from '../group/assignors.js'
import type {AutoOffsetReset} from '../group/group-member.js'
import type {OffsetSpec} from '../log/offset-spec.js'
import type {RecordReader} from '../record/record.js'
import type {Store} from '../store/store.js'
import type {FetchSession} from './fetch-session.js'
import type {KafkaClient} from './kafka-client.js'
import {CorruptRecordError} from '../errors.js'
import type {MemoryArena} from '../codec/memory-arena.js'
import {type Clock, systemClock} from '../clock.js'

/** Where a session's formatted records go: a FormatBuffer that writes itself out. */
export interface OutputSink extends FormatBuffer {
  /** Nearly full: polling stops after the current batch and the sink is flushed. */
  readonly isFull: boolean
  /** The reader went away (a closed pipe): nothing more is written, and the session ends. */
  readonly closed: boolean
  /** Hands the bytes on; resolves when more may be written (backpressure). */
  flush(): Promise<void>
  /** Resolves once every byte handed on so far has been written out. */
  settled(): Promise<void>
  /** flush(), then settled(). */
  end(): Promise<void>
}

export interface ExecSettings {
  command: string
  retries: number
  concurrency: number
  deadLetterTopic?: string
  /** One long-lived handler fed the formatted records (exec-stream.ts) instead of a command per record. */
  stream?: {maxInFlight: number; timeoutMs: number}
}

export interface GroupSettings {
  group: string
  sessionTimeoutMs: number
  strategy: AssignmentStrategy
  autoOffsetReset: AutoOffsetReset
  /** Where to start partitions the group has no committed offset for (an explicit -o); null: autoOffsetReset. */
  startWithoutCommit: OffsetSpec | null
  /** The member's client id (group describe's CLIENT-ID); default logpipe-consume. */
  clientId?: string
  /** Subscribe to every topic matching this, now and created later (kafka-console-consumer --include). */
  include?: RegExp
  /** Each partition ends before its first record at or after this time (kcat's -o e@TIME). */
  stopAtTimestamp?: number
  /** metadata.max.age.ms through a broker: how often a pattern and partition counts are looked at again. */
  metadataMaxAgeMs?: number
  /** group.instance.id: a static member (through a broker only). */
  groupInstanceId?: string
}

export interface ConsumeSessionSettings {
  /** null when the consumer reads through a broker (`remote`). */
  store: Store | null
  /** The broker a group joins and reads through, and dead letters go to, when there is no store. */
  remote?: {client: KafkaClient; session: FetchSession}
  topics: string[]
  format: RecordFormatter
  output: OutputSink
  count: number
  exitAtEnd: boolean
  exec?: ExecSettings
  group?: GroupSettings
  /** What is read when there is no group (with one, the session makes its own). */
  consumer?: Consumer
  notice: (message: string) => void
  /** The group consumer's read buffers come from here; give the output's buffers the same arena. */
  arena?: MemoryArena
  /**
   * Subscribes `stop` to the caller's interrupts while records are read,
   * returning the unsubscribe. A stop hands on and commits what was read,
   * starts no more commands and passes the signal on to the running ones
   * (which are then not retried); a second stop kills them.
   */
  interrupts?: (stop: (signal?: NodeJS.Signals) => void) => () => void
  /** The group member's and the dead-letter producer's time. */
  clock?: Clock
  /** End once no record came for this long (kafka-console-consumer --timeout-ms). */
  idleTimeoutMs?: number
  /** Hand the output on after every batch instead of when the buffer fills (kcat's -u). */
  unbuffered?: boolean
}

const MAX_QUEUED = 1000

/** Room for a few read buffers and the output buffers (about a megabyte each). */
export const CONSUME_ARENA_BYTES = 12 << 20

export async function runConsumeSession(s: ConsumeSessionSettings): Promise<void> {
  const out = s.output
  const source = s.store ?? s.remote?.client
  if (!source) throw new TypeError('runConsumeSession: give it a store, or the broker it reads through')
  const deadLetter = s.exec?.deadLetterTopic ? deadLetterWriter(source, s.exec.deadLetterTopic, s.notice, s.clock) : undefined
  const stream = s.exec?.stream ? new ExecStream({
    command: s.exec.command,
    format: s.format,
    retries: s.exec.retries,
    maxInFlight: s.exec.stream.maxInFlight,
    timeoutMs: s.exec.stream.timeoutMs,
    readBack: s.store ? storeReadBack(s.store) : async (topic, partition, offset) => (await import('./broker-consumer.js')).readBackThrough(s.remote!.client, topic, partition, offset),
    deadLetter,
    onNotice: s.notice,
    clock: s.clock,
  }) : null
  const runner = s.exec && !stream ? new ExecRunner({
    command: s.exec.command,
    retries: s.exec.retries,
    concurrency: s.exec.concurrency,
    deadLetter,
    onNotice: s.notice,
  }) : null
  const handOn = async () => {
    await out.flush()
    await out.settled()
  }
  let gc: GroupConsumer | null = null
  let consumer: Consumer
  if (s.group) {
    const g = s.group
    gc = new GroupConsumer(s.store, g.group, s.topics, {
      remote: s.store ? undefined : s.remote,
      metadataMaxAgeMs: g.metadataMaxAgeMs,
      groupInstanceId: g.groupInstanceId,
      sessionTimeoutMs: g.sessionTimeoutMs,
      strategy: g.strategy,
      autoOffsetReset: g.autoOffsetReset,
      startWithoutCommit: g.startWithoutCommit ?? undefined,
      clientId: g.clientId ?? 'logpipe-consume',
      include: g.include,
      stopAtTimestamp: g.stopAtTimestamp,
      onNotice: s.notice,
      exec: runner ?? stream ?? undefined,
      handOn,
      arena: s.arena,
      clock: s.clock,
    })
    consumer = gc.consumer
  } else if (s.consumer) {
    consumer = s.consumer
  } else {
    throw new TypeError('runConsumeSession: give it a consumer, or group settings')
  }

  let remaining = s.count
  let stopping = false
  const stop = (signal?: NodeJS.Signals) => {
    if (stopping) {
      runner?.kill()
      return
    }
    stopping = true
    // Commands not started stay uncommitted for the next owner; a command
    // the signal interrupted is not a failed record (no retry, no dead
    // letter). Running ones are waited for, then we commit and leave.
    runner?.stop(signal)
    stream?.stop()
    consumer.interrupt()
  }
  const unsubscribe = s.interrupts?.(stop)
  const visit = (a: Assignment, r: RecordReader) => {
    if (stream) stream.push(a, r)
    else if (runner) runner.push({topic: a.topic, partition: a.partition, ...r.toRecord()})
    else s.format(out, a, r)
    // A full --exec-stream window stops the poll mid-batch, so the window holds exactly.
    return --remaining > 0 && !stream?.full
  }
  const shouldYield = s.unbuffered ? () => true : () => out.isFull || (runner !== null && runner.queued >= MAX_QUEUED) || (stream?.full ?? false)
  const now = () => (s.clock ?? systemClock).now()
  let lastRecordAt = now()
  const busy = () => Boolean(runner?.busy || stream?.busy)
  try {
    if (gc) await gc.start()
    for (;;) {
      const {records, stopped} = consumer.poll(visit, shouldYield)
      await out.flush()
      // Through a broker, answers wait in the socket until the event loop reads them: let it, so the next Fetch goes out while these records are written.
      if (s.remote && records > 0) await new Promise<void>((resolve) => setImmediate(resolve))
      if (stream) {
        await stream.flush()
        // Back-pressure: nothing more is read while the window is full.
        while (stream.full && !stream.broken && !stopping) await stream.changed()
      }
      if (runner && runner.queued >= MAX_QUEUED) await runner.changed()
      if (gc?.member.failure) throw gc.member.failure
      if (gc) await gc.commit()
      if (out.closed || (stopped && remaining <= 0) || stopping || runner?.fatal || stream?.broken || consumer.allDone) break
      if (records > 0) lastRecordAt = now()
      else {
        // In a group, "every partition at its end" counts only once the member holds all the plan gives it.
        if (s.exitAtEnd && consumer.allAtEnd && !busy() && (gc?.member.holdsItsAssignment ?? true)) break
        let wait = busy() ? 20 : undefined
        if (s.idleTimeoutMs !== undefined) {
          const left = lastRecordAt + s.idleTimeoutMs - now()
          if (left <= 0 && !busy()) break
          wait = Math.max(1, Math.min(wait ?? 100, left))
        }
        if (stream?.busy) await Promise.race([stream.changed(), consumer.waitForData(wait)])
        else await consumer.waitForData(wait)
      }
    }
    if (runner) await runner.drain()
    if (stream && !stopping) await stream.drain()
  } finally {
    unsubscribe?.()
    // The handler answers what it was given before the last commit.
    if (stream) await stream.close()
    if (gc) await gc.close()
    else consumer.close()
    await out.end()
  }
  if (runner?.fatal) throw execFailureError(runner.fatal)
  if (stream?.error) throw stream.error
  if (stream?.fatal) throw execStreamFailureError(stream.fatal)
  // exitAtEnd stopped short of the end in the damaged partitions: say so in the exit code.
  if (s.exitAtEnd && consumer.damage.length > 0) throw damagedPartitionsError(consumer.damage)
}

function damagedPartitionsError(damage: readonly CorruptRecordError[]): CorruptRecordError {
  const n = damage.length
  return new CorruptRecordError(`stopped short of the end of ${n} partition${n === 1 ? '' : 's'} at damaged data (named above)`, {hint: damage[0].hint})
}
