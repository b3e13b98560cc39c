/**
 * The consume loop: poll the consumer, format records into the output (or
 * hand them to the --exec runner), flush with backpressure, wait for new
 * data when there is none. With a group it also commits what has been
 * handed on and leaves the group cleanly at the end (count reached, end of
 * log with -e, Ctrl-C, SIGTERM).
 */
import type {Assignment, Consumer} from '../core/client/consumer.js'
import {ExecRunner, execFailureError, type ExecFailure} from '../core/client/exec-runner.js'
import {GroupConsumer} from '../core/client/group-consumer.js'
import {Producer} from '../core/client/producer.js'
import {Admin} from '../core/client/admin.js'
import type {AssignmentStrategy} from '../core/group/assignors.js'
import type {AutoOffsetReset} from '../core/group/group-member.js'
import type {OffsetSpec} from '../core/log/offset-spec.js'
import type {RecordReader} from '../core/record/record.js'
import type {Store} from '../core/store/store.js'
import {CorruptRecordError} from '../core/errors.js'
import type {RecordFormatter} from './format.js'
import {Output} from './output.js'
import type {MemoryArena} from '../core/codec/memory-arena.js'

export interface ExecSettings {
  command: string
  retries: number
  concurrency: number
  deadLetterTopic?: string
}

export interface GroupSettings {
  group: string
  sessionTimeoutMs: number
  strategy: AssignmentStrategy
  autoOffsetReset: AutoOffsetReset
  /** Applied to each partition as it is assigned; null means the committed offset. */
  /** Where to start partitions the group has no committed offset for (an explicit -o); null: --auto-offset-reset. */
  startWithoutCommit: OffsetSpec | null
}

export interface LoopSettings {
  store: Store
  topics: string[]
  format: RecordFormatter
  count: number
  exitAtEnd: boolean
  exec?: ExecSettings
  group?: GroupSettings
  /** Used when there is no group. */
  consumer?: Consumer
  notice: (message: string) => void
  /** Read buffers (the consumer's) and output buffers come from here. */
  arena: MemoryArena
}

const MAX_QUEUED = 1000

/** Room for a few read buffers and the output buffers (about a megabyte each). */
export const CONSUME_ARENA_BYTES = 12 << 20

export async function runConsumeLoop(s: LoopSettings): Promise<void> {
  const out = new Output(process.stdout, undefined, s.arena)
  const runner = s.exec ? new ExecRunner({
    command: s.exec.command,
    retries: s.exec.retries,
    concurrency: s.exec.concurrency,
    deadLetter: s.exec.deadLetterTopic ? deadLetterWriter(s.store, s.exec.deadLetterTopic, s.notice) : undefined,
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
      sessionTimeoutMs: g.sessionTimeoutMs,
      strategy: g.strategy,
      autoOffsetReset: g.autoOffsetReset,
      startWithoutCommit: g.startWithoutCommit ?? undefined,
      clientId: 'logpipe-consume',
      onNotice: s.notice,
      exec: runner ?? undefined,
      handOn,
      arena: s.arena,
    })
    consumer = gc.consumer
  } else {
    consumer = s.consumer!
  }

  let remaining = s.count
  let stopping = false
  const stop = () => {
    stopping = true
    // Commands not started stay uncommitted for the next owner; a command
    // the same Ctrl-C interrupted is not a failed record (no retry, no
    // dead letter). Running ones are waited for, then we commit and leave.
    runner?.stop()
    consumer.interrupt()
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  const visit = (a: Assignment, r: RecordReader) => {
    if (runner) runner.push({topic: a.topic, partition: a.partition, ...r.toRecord()})
    else s.format(out, a, r)
    return --remaining > 0
  }
  const shouldYield = () => out.isFull || (runner !== null && runner.queued >= MAX_QUEUED)
  try {
    if (gc) await gc.start()
    for (;;) {
      const {records, stopped} = consumer.poll(visit, shouldYield)
      await out.flush()
      if (runner && runner.queued >= MAX_QUEUED) await runner.changed()
      if (gc) await gc.commit()
      if (out.closed || stopped || remaining <= 0 || stopping || runner?.fatal) break
      if (records === 0) {
        if (s.exitAtEnd && consumer.allAtEnd && !runner?.busy) break
        await consumer.waitForData(runner?.busy ? 20 : undefined)
      }
    }
    if (runner) await runner.drain()
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
    if (gc) await gc.close()
    else consumer.close()
    await out.end()
  }
  if (runner?.fatal) throw execFailureError(runner.fatal)
  // -e stopped short of the end in the damaged partitions: say so in the exit code.
  if (s.exitAtEnd && consumer.damage.length > 0) throw damagedPartitionsError(consumer.damage)
}

function damagedPartitionsError(damage: readonly CorruptRecordError[]): CorruptRecordError {
  const n = damage.length
  return new CorruptRecordError(`stopped short of the end of ${n} partition${n === 1 ? '' : 's'} at damaged data (named above)`, {hint: damage[0].hint})
}

/** Writes a record that kept failing to the dead-letter topic, with headers saying why. */
function deadLetterWriter(store: Store, topic: string, notice: (m: string) => void): (f: ExecFailure) => Promise<void> {
  let producer: Producer | null = null
  return async (f) => {
    if (!producer) {
      if (!store.topicExists(topic)) {
        new Admin(store).createTopic(topic, {partitions: 1})
        notice(`created dead-letter topic ${topic}`)
      }
      producer = new Producer(store, topic)
    }
    const why = (key: string, value: string) => ({key: `logpipe.error.${key}`, value: Buffer.from(value)})
    await producer.send([
      {
        key: f.job.key,
        value: f.job.value,
        timestamp: f.job.timestamp,
        headers: [
          ...f.job.headers,
          why('topic', f.job.topic),
          why('partition', String(f.job.partition)),
          why('offset', String(f.job.offset)),
          why('exit.code', f.exitCode === null ? `signal ${f.signal}` : String(f.exitCode)),
          why('attempts', String(f.attempts)),
          why('stderr', f.stderrTail),
        ],
      },
    ])
    await producer.releaseAll()
  }
}
