/**
 * The dead-letter topic of `consume --exec`: a record whose command kept
 * failing is written there unchanged (key, value, timestamp, headers), with
 * `logpipe.error.*` headers saying where it came from and why it failed.
 * The topic is created (one partition) on the first dead letter.
 */
import {Store} from '../store/store.js'
import type {KafkaClient} from './kafka-client.js'
import type {Clock} from '../clock.js'
import {Admin} from './admin.js'
import type {ExecFailure} from './exec-runner.js'
import {Producer} from './producer.js'

export const DEAD_LETTER_HEADER_PREFIX = 'logpipe.error.'

/**
 * Writes a record that kept failing to the dead-letter topic, with headers
 * saying why: into the store's files, or through the broker the records
 * came from (`target` a KafkaClient: CreateTopics, then Produce with
 * acks=all, so a dead letter is stored before its record is committed).
 */
export function deadLetterWriter(target: Store | KafkaClient, topic: string, notice: (m: string) => void, clock?: Clock): (f: ExecFailure) => Promise<void> {
  let producer: Producer | null = null
  return async (f) => {
    producer ??= target instanceof Store ? fileProducer(target, topic, notice, clock) : await brokerProducer(target, topic, notice, clock)
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

function fileProducer(store: Store, topic: string, notice: (m: string) => void, clock?: Clock): Producer {
  if (!store.topicExists(topic)) {
    new Admin(store).createTopic(topic, {partitions: 1})
    notice(`created dead-letter topic ${topic}`)
  }
  return new Producer(store, topic, {clock})
}

async function brokerProducer(client: KafkaClient, topic: string, notice: (m: string) => void, clock?: Clock): Promise<Producer> {
  // Loaded here: a consume without dead letters never loads the producer's wire side.
  const {WireAdmin} = await import('./wire-admin.js')
  const {ProduceSender} = await import('./produce-sender.js')
  const admin = new WireAdmin(client)
  if (!(await admin.topicExists(topic)) && (await admin.createTopic({name: topic, partitions: 1}, true))) notice(`created dead-letter topic ${topic}`)
  const meta = await client.retrying(() => client.topic(topic))
  return new Producer(null, topic, {clock, remote: {partitions: meta.partitions.length, sender: new ProduceSender(client, {acks: -1})}})
}
