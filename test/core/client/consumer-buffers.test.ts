/**
 * The consumer's read buffers are lent to its partitions' readers one poll
 * at a time (1,000 partitions do not take a megabyte each): every record of
 * every partition must still come out whole and once, whether a poll runs
 * to the end or the caller stops it between batches (the partition then
 * keeps its buffer until its records are handed out).
 */
import {expect, test} from 'vitest'
import {Admin} from '../../../src/core/client/admin.js'
import {Consumer} from '../../../src/core/client/consumer.js'
import {Producer} from '../../../src/core/client/producer.js'
import {Store} from '../../../src/core/store/store.js'
import {tempDir} from '../support.js'

const PARTITIONS = 40
const PER_PARTITION = 300

async function filledStore(): Promise<Store> {
  const store = Store.open(tempDir())
  new Admin(store).createTopic('t', {partitions: PARTITIONS})
  // Small batches: several per partition, so reads stop between batches.
  const producer = new Producer(store, 't', {batchBytes: 4096})
  try {
    for (let round = 0; round < PER_PARTITION / 100; round++) {
      const records = []
      for (let p = 0; p < PARTITIONS; p++) {
        for (let i = 0; i < 100; i++) records.push({partition: p, value: `p${p}-r${round * 100 + i}-`.padEnd(60 + ((p * 7 + i) % 40), String.fromCharCode(97 + (p % 26)))})
      }
      await producer.send(records)
    }
  } finally {
    await producer.close()
  }
  return store
}

const expected = (p: number, n: number) => `p${p}-r${n}-`.padEnd(60 + ((p * 7 + (n % 100)) % 40), String.fromCharCode(97 + (p % 26)))

/** Stops every `n`th batch: partitions earlier in the order then read while a later one still has records waiting. */
function everyNth(n: number): () => boolean {
  let batches = 0
  return () => ++batches % n === 0
}

test.each([
  ['polls run to the end', () => false],
  ['the caller stops a poll every third batch', everyNth(3)],
])(`every record of ${PARTITIONS} partitions comes out whole and once when %s`, async (_what, shouldYield) => {
  const store = await filledStore()
  const consumer = new Consumer(store, ['t'])
  const seen = Array.from({length: PARTITIONS}, () => [] as string[])
  try {
    for (let polls = 0; polls < 100_000; polls++) {
      consumer.poll((a, r) => {
        seen[a.partition].push(r.value()!.toString())
      }, shouldYield)
      if (consumer.allAtEnd) break
    }
  } finally {
    consumer.close()
  }
  for (let p = 0; p < PARTITIONS; p++) {
    expect(seen[p].length, `partition ${p}`).toBe(PER_PARTITION)
    seen[p].forEach((v, n) => expect(v, `partition ${p} record ${n}`).toBe(expected(p, n)))
  }
})

test('a partition stopped midway keeps its buffer while an earlier one reads new records', async () => {
  const store = await filledStore()
  const consumer = new Consumer(store, ['t'])
  const producer = new Producer(store, 't')
  const seen = Array.from({length: PARTITIONS}, () => [] as string[])
  const shouldYield = everyNth(3)
  let more = 0
  try {
    for (let polls = 0; polls < 100_000; polls++) {
      consumer.poll((a, r) => {
        seen[a.partition].push(r.value()!.toString())
      }, shouldYield)
      // New records in partition 0 (more bytes than a batch, so a wrongly shared
      // buffer would be overwritten where the waiting records lie), read before
      // the partition left waiting is resumed.
      if (more < 1000) {
        const records = []
        for (let i = 0; i < 200; i++) records.push({partition: 0, value: expected(0, PER_PARTITION + more++)})
        await producer.send(records)
      } else if (consumer.allAtEnd) break
    }
  } finally {
    await producer.close()
    consumer.close()
  }
  for (let p = 0; p < PARTITIONS; p++) {
    const total = p === 0 ? PER_PARTITION + 1000 : PER_PARTITION
    expect(seen[p].length, `partition ${p}`).toBe(total)
    seen[p].forEach((v, n) => expect(v, `partition ${p} record ${n}`).toBe(expected(p, n)))
  }
})
