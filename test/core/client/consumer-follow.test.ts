/**
 * A consumer following a partition learns of appends and of new segments
 * from its fs.watch of the partition directory, and lists the directory
 * only when a segment file other than the one it reads changed. Where the
 * watcher misses a change, the end of a poll interval makes it list anyway.
 */
import {expect, test} from 'vitest'
import {Admin} from '../../../src/core/client/admin.js'
import {Consumer} from '../../../src/core/client/consumer.js'
import {Producer} from '../../../src/core/client/producer.js'
import {Store} from '../../../src/core/store/store.js'
import {listSegmentBaseOffsets} from '../../../src/core/log/file-names.js'
import {tempDir} from '../support.js'

const ROUNDS = 12
const PER_ROUND = 5
const value = (round: number, i: number) => `r${round}-${i}-`.padEnd(100, 'x')
const expected = Array.from({length: ROUNDS * PER_ROUND}, (_, n) => value(Math.floor(n / PER_ROUND), n % PER_ROUND))

/** A following consumer of a topic whose segments hold a round or two, and what its reader is told. */
async function follower(pollIntervalMs?: number) {
  const store = Store.open(tempDir())
  new Admin(store).createTopic('t', {partitions: 1, config: {'segment.bytes': 1024}})
  const consumer = new Consumer(store, ['t'], {offset: {kind: 'end'}, pollIntervalMs})
  // Watching starts at the first wait: have it running before anything is produced.
  await consumer.waitForData(1)
  const reader = consumer.assignments[0].reader
  const told: {event: string; name: string | null}[] = []
  const changed = reader.changed!.bind(reader)
  return {store, consumer, reader, told, changed}
}

/** Each round once the consumer has every record before it; it waits only by waitForData. */
async function produceAndFollow(store: Store, consumer: Consumer, wait: () => Promise<void>): Promise<string[]> {
  const producer = new Producer(store, 't')
  const values: string[] = []
  try {
    for (let round = 0; round < ROUNDS; round++) {
      await producer.send(Array.from({length: PER_ROUND}, (_, i) => ({value: value(round, i)})))
      for (;;) {
        consumer.poll((_a, r) => {
          values.push(r.value()!.toString())
        })
        if (values.length >= (round + 1) * PER_ROUND) break
        await wait()
      }
      // At the end of what is there, as a tail is between appends: the next round comes after the reader found nothing more.
      consumer.poll(() => {
        throw new Error('a record past the round')
      })
      expect(consumer.allAtEnd).toBe(true)
    }
  } finally {
    await producer.close()
    consumer.close()
  }
  return values
}

test('a following consumer reads on across every roll, woken and told of each new segment by its watcher', async () => {
  const {store, consumer, reader, told, changed} = await follower()
  reader.changed = (event, name) => {
    told.push({event, name})
    changed(event, name)
  }
  // A wait far longer than the test: every wake-up and every new segment came from the watcher.
  const values = await produceAndFollow(store, consumer, () => consumer.waitForData(3_600_000))
  expect(values).toEqual(expected)
  const segments = listSegmentBaseOffsets(store.partitionDir('t', 0))
  expect(segments.length).toBeGreaterThan(ROUNDS / 3)
  // No poll interval ended (that tells the reader of a change with no name).
  expect(told.filter((t) => t.name === null)).toEqual([])
  expect(told.some((t) => t.event === 'rename' && t.name === `${String(segments.at(-1)).padStart(20, '0')}.log`)).toBe(true)
})

test('where the watcher names no new segment, the end of a poll interval lists the directory and the consumer reads on', async () => {
  const {store, consumer, reader, told, changed} = await follower(20)
  // A watcher that loses every event naming a file (as an overflowed inotify
  // queue does): only the poll interval's "nothing heard" reaches the reader.
  reader.changed = (event, name) => {
    told.push({event, name})
    if (name === null) changed(event, null)
  }
  const values = await produceAndFollow(store, consumer, () => consumer.waitForData())
  expect(values).toEqual(expected)
  expect(listSegmentBaseOffsets(store.partitionDir('t', 0)).length).toBeGreaterThan(ROUNDS / 3)
  expect(told.some((t) => t.name === null)).toBe(true)
})
