/**
 * The dead-letter topic of `consume --exec`: a record whose command kept
 * failing is written there unchanged (key, value, timestamp, headers), with
 * `logpipe.error.*` headers saying where it came from and why it failed.
 * The topic is created (one partition) on the first dead letter.
 */
import type {Store} from '../store/store.js'
import type {Clock} from '../clock.js'
import {Admin} from './admin.js'
import type {ExecFailure} from './exec-runner.js'
import {Producer} from './producer.js'

export const DEAD_LETTER_HEADER_PREFIX = 'logpipe.error.'

/** Writes a record that kept failing to the dead-letter topic, with headers saying why. */
export function deadLetterWriter(store: Store, topic: string, notice: (m: string) => void, clock?: Clock): (f: ExecFailure) => Promise<void> {
  let producer: Producer | null = null
  return async (f) => {
    if (!producer) {
      if (!store.topicExists(topic)) {
        new Admin(store).createTopic(topic, {partitions: 1})
        notice(`created dead-letter topic ${topic}`)
      }
      producer = new Producer(store, topic, {clock})
    }
    const why = (key: string, value: string) => ({key: `${DEAD_LETTER_HEADER_PREFIX}${key}`, value: Buffer.from(value)})
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
          ...(f.exitCode !== null || f.signal !== null ? [why('exit.code', f.exitCode === null ? `signal ${f.signal}` : String(f.exitCode))] : []),
          ...(f.reason !== undefined ? [why('reason', f.reason)] : []),
          why('attempts', String(f.attempts)),
          why('stderr', f.stderrTail),
        ],
      },
    ])
    await producer.releaseAll()
  }
}
