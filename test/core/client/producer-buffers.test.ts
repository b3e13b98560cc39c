/**
 * The producer's memory with many partitions: a budget (Kafka's
 * buffer.memory) that seals every open batch when reached, batches written
 * as they are sealed while their locks are held, and locks taken once,
 * lowest first, for all the partitions keyed input fills. And the keyed
 * split of `-K` input (DelimitedInput), read back record by record.
 */
import {closeSync, openSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {expect, test, vi} from 'vitest'
import {Admin} from '../../../src/core/client/admin.js'
import {DelimitedInput} from '../../../src/core/client/delimited-input.js'
import {Producer} from '../../../src/core/client/producer.js'
import {partitionForKey} from '../../../src/core/client/partitioner.js'
import {PartitionLock, readLeaderInfo} from '../../../src/core/lock/partition-lock.js'
import {Store} from '../../../src/core/store/store.js'
import {batchesOf} from '../log/log-helpers.js'
import {readAll, tempDir} from '../support.js'

/** Produces the file's lines as `produce T -K:` does: read by descriptor into the producer's arena. */
async function produceFile(producer: Producer, path: string, keySeparator = ':'): Promise<void> {
  const input = new DelimitedInput(producer, {delimiter: Buffer.from('\n'), keySeparator: Buffer.from(keySeparator), lingerMs: 1000})
  const fd = openSync(path, 'r')
  try {
    await input.consumeFile(fd)
  } finally {
    closeSync(fd)
  }
  await input.finish()
  await producer.close()
}

test('over the memory budget every open batch is sealed; each partition keeps its records in input order, none is lost, and each lock is taken once', async () => {
  const dir = tempDir()
  const store = Store.open(join(dir, 'data'))
  const partitions = 20
  new Admin(store).createTopic('k', {partitions})
  const n = 40_000
  const keyOf = (i: number) => `key${(i * 7919) % 500}`
  const lines = Array.from({length: n}, (_, i) => `${keyOf(i)}:${i} `.padEnd(30, 'x'))
  const input = join(dir, 'in.txt')
  writeFileSync(input, lines.join('\n') + '\n')

  // 20 partitions of 8 KiB batches would hold 160 KiB; the budget is 64 KiB.
  const budget = 64 << 10
  await produceFile(new Producer(store, 'k', {bufferMemory: budget}), input)

  const seen: number[] = []
  let batches = 0
  let bytes = 0
  for (let p = 0; p < partitions; p++) {
    const pdir = store.partitionDir('k', p)
    const records = readAll(pdir)
    const ids = records.map((r) => Number(r.value!.toString().split(' ')[0]))
    // In input order within the partition, and each where its key hashes.
    expect(ids).toEqual([...ids].sort((a, b) => a - b))
    for (const [j, r] of records.entries()) {
      expect(r.key!.toString()).toBe(keyOf(ids[j]))
      expect(partitionForKey(r.key!, partitions)).toBe(p)
      expect(r.offset).toBe(j)
    }
    seen.push(...ids)
    const onDisk = batchesOf(pdir, 0)
    batches += onDisk.length
    bytes += onDisk.reduce((sum, b) => sum + b.size, 0)
    for (const b of onDisk) expect(b.size).toBeLessThanOrEqual(8 << 10)
    expect(readLeaderInfo(pdir)!.generation).toBe(1)
  }
  expect(seen.sort((a, b) => a - b)).toEqual(Array.from({length: n}, (_, i) => i))
  // Sealed by the budget at about its share per partition, not at the 8 KiB batch size.
  expect(bytes / batches).toBeLessThan(1.5 * (budget / partitions))
}, 60_000)

test('-K splits each line at its first separator, near the start or far into the line; a line without one has a null key', async () => {
  const dir = tempDir()
  const store = Store.open(join(dir, 'data'))
  new Admin(store).createTopic('t')
  const longKey = 'k'.repeat(45)
  const lines = ['a:1', `${longKey}:far`, 'no separator here', ':empty key', 'empty value:', 'k:v:w', `${'x'.repeat(200)}`, `${'y'.repeat(31)}:at 31`, `${'z'.repeat(32)}:at 32`]
  const input = join(dir, 'in.txt')
  writeFileSync(input, lines.join('\n') + '\nlast:unterminated')
  await produceFile(new Producer(store, 't'), input)
  const got = readAll(store.partitionDir('t', 0)).map((r) => [r.key?.toString() ?? null, r.value!.toString()])
  expect(got).toEqual([
    ['a', '1'],
    [longKey, 'far'],
    [null, 'no separator here'],
    ['', 'empty key'],
    ['empty value', ''],
    ['k', 'v:w'],
    [null, 'x'.repeat(200)],
    ['y'.repeat(31), 'at 31'],
    ['z'.repeat(32), 'at 32'],
    ['last', 'unterminated'],
  ])
})

test('several FILEs are read into the one input buffer the first got, and a file ending without a delimiter is not joined to the next', async () => {
  const dir = tempDir()
  const store = Store.open(join(dir, 'data'))
  new Admin(store).createTopic('t')
  const producer = new Producer(store, 't')
  const inputBuffer = vi.spyOn(producer, 'inputBuffer')
  const input = new DelimitedInput(producer, {delimiter: Buffer.from('\n'), lingerMs: 1000})
  const files = [['a1', 'a2', 'a3-unterminated'], ['b1'], Array.from({length: 30_000}, (_, i) => `c${i} `.padEnd(99, 'c'))]
  for (const [i, lines] of files.entries()) {
    const path = join(dir, `in${i}.txt`)
    writeFileSync(path, lines.join('\n') + (i === 0 ? '' : '\n'))
    const fd = openSync(path, 'r')
    try {
      await input.consumeFile(fd)
    } finally {
      closeSync(fd)
    }
    input.endOfStream()
  }
  await input.finish()
  await producer.close()
  expect(readAll(store.partitionDir('t', 0)).map((r) => r.value!.toString())).toEqual(files.flat())
  // One buffer for all: a new one per file grew peak RSS with the number of files.
  expect(inputBuffer).toHaveBeenCalledTimes(1)
})

test('while another writer holds the lock, a FILE is read and encoded on up to the memory budget, and all of it is written in order once the lock is free', async () => {
  const dir = tempDir()
  const store = Store.open(join(dir, 'data'))
  new Admin(store).createTopic('t')
  const n = 100_000
  const path = join(dir, 'in.txt')
  writeFileSync(path, Array.from({length: n}, (_, i) => `${i} `.padEnd(99, 'v')).join('\n') + '\n')
  const holder = new PartitionLock(store.partitionDir('t', 0))
  await holder.acquire()
  const budget = 4 << 20
  const producer = new Producer(store, 't', {bufferMemory: budget, batchBytes: 256 << 10})
  const input = new DelimitedInput(producer, {delimiter: Buffer.from('\n'), lingerMs: 1000})
  const fd = openSync(path, 'r')
  const done = input.consumeFile(fd).then(() => input.finish())
  try {
    // Until the input stops: it then waits for the lock with its budget full.
    let seen = -1
    while (input.records !== seen) {
      seen = input.records
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    // Waiting on the lock after the first chunk read ~10,000 records and stopped there.
    expect(input.records).toBeGreaterThan(20_000)
    // The budget, the open batch and one 1 MiB chunk of input at most.
    expect(input.records * 100).toBeLessThan(budget + (256 << 10) + (1 << 20))
    expect(producer.hasRoom).toBe(false)
    expect(readAll(store.partitionDir('t', 0))).toEqual([])
  } finally {
    await holder.release()
  }
  await done
  closeSync(fd)
  await producer.close()
  const values = readAll(store.partitionDir('t', 0)).map((r) => Number(r.value!.toString().split(' ')[0]))
  expect(values).toEqual(Array.from({length: n}, (_, i) => i))
}, 30_000)
