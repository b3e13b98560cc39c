/**
 * The writer's seams a broker needs: appendAsLeader takes RecordBatch bytes
 * as a Kafka producer sends them (here: encoded by kafkajs, an encoder
 * nobody here wrote), assigns offsets and stamps the leader epoch, both
 * outside the CRC, and stores them otherwise byte for byte; appendAsFollower
 * stores a leader's batches unchanged. And the embedded clients reach the
 * files only through a PartitionFactory.
 */
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {describe, expect, test} from 'vitest'
import {Producer} from '../../../src/core/client/producer.js'
import {CorruptRecordError, RecordTooLargeError} from '../../../src/core/errors.js'
import type {PartitionFactory} from '../../../src/core/log/partition.js'
import {checkBatch} from '../../../src/core/record/batch-header.js'
import * as L from '../../../src/core/record/batch-layout.js'
import {Store} from '../../../src/core/store/store.js'
import {kafkajsDecodeBatch} from '../../helpers/kafkajs.js'
import {tempDir, utf8} from '../support.js'
import {T0, appendBatch, batchesOf, openLog, readBack} from './log-helpers.js'

const require = createRequire(import.meta.url)
const {RecordBatch: KafkajsRecordBatch} = require('kafkajs/src/protocol/recordBatch/v0')
const KafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0')
const {Types: KafkajsCompression} = require('kafkajs/src/protocol/message/compression')

/** A batch as kafkajs's producer encodes it: base offset 0, epoch -1 (NO_PARTITION_LEADER_EPOCH). */
async function kafkajsBatch(values: string[], compression = KafkajsCompression.None, firstOffset = 0): Promise<Buffer> {
  const records = values.map((v, i) => KafkajsRecord({offsetDelta: i, timestampDelta: i, key: Buffer.from(`k${i}`), value: Buffer.from(v), headers: {h: Buffer.from('x')}}))
  const Long = require('kafkajs/src/utils/long')
  const encoder = await KafkajsRecordBatch({
    compression,
    firstOffset: Long.fromNumber(firstOffset),
    firstTimestamp: T0,
    maxTimestamp: T0 + values.length - 1,
    partitionLeaderEpoch: -1,
    lastOffsetDelta: values.length - 1,
    records,
  })
  return Buffer.from(encoder.buffer)
}

describe('appendAsLeader', () => {
  test('batches kafkajs encoded, with each of its codecs, get the next offsets and the leader epoch; the rest of their bytes, CRC included, is as sent', async () => {
    const dir = tempDir()
    const {log} = openLog(dir, {}, undefined, {leaderEpoch: 7})
    await log.acquire()
    appendBatch(log, [{timestamp: T0, key: null, value: utf8('before')}])
    const values = [['a', 'b', 'c'], ['d', 'e'], ['f'], ['g', 'h'], ['i', 'j', 'k']]
    const codecs = [KafkajsCompression.None, KafkajsCompression.GZIP, KafkajsCompression.Snappy, KafkajsCompression.LZ4, KafkajsCompression.ZSTD]
    const originals = await Promise.all(values.map((v, i) => kafkajsBatch(v, codecs[i])))
    const sent = Buffer.concat(originals)
    const copy = Buffer.from(sent)
    const results = log.appendAsLeader(sent)
    await log.release()
    expect(results.map((r) => [r.baseOffset, r.lastOffset])).toEqual([[1, 3], [4, 5], [6, 6], [7, 8], [9, 11]])

    const data = readFileSync(`${dir}/00000000000000000000.log`)
    const stored = batchesOf(dir, 0).slice(1)
    expect(stored).toHaveLength(5)
    for (const [i, original] of originals.entries()) {
      const at = stored[i].position
      const batch = data.subarray(at, at + stored[i].size)
      expect(batch.length).toBe(original.length)
      expect(batch.readInt16BE(L.ATTRIBUTES_OFFSET) & L.COMPRESSION_CODEC_MASK).toBe(codecs[i])
      expect(L.readInt64(batch, L.BASE_OFFSET_OFFSET)).toBe(results[i].baseOffset)
      expect(batch.readInt32BE(L.PARTITION_LEADER_EPOCH_OFFSET)).toBe(7)
      // Everything after the epoch (magic, CRC, attributes, records) is what kafkajs wrote.
      expect(batch.subarray(L.MAGIC_OFFSET).equals(original.subarray(L.MAGIC_OFFSET))).toBe(true)
      expect(checkBatch(batch, 0, batch.length, L.MAX_BATCH_SIZE)).toBe(batch.length)
      expect((await kafkajsDecodeBatch(Buffer.from(batch))).firstOffset).toBe(String(results[i].baseOffset))
    }
    expect(copy.subarray(L.MAGIC_OFFSET, originals[0].length).equals(sent.subarray(L.MAGIC_OFFSET, originals[0].length))).toBe(true)
    expect(readBack(dir).map((r) => [r.offset, r.value!.toString()])).toEqual(['before', ...values.flat()].map((v, i) => [i, v]))
  })

  test('a request with one bad batch writes nothing; a batch over max.message.bytes is refused', async () => {
    const dir = tempDir()
    const {log} = openLog(dir, {'max.message.bytes': 200})
    await log.acquire()
    const good = await kafkajsBatch(['a'])
    const bad = await kafkajsBatch(['b'])
    bad[bad.length - 1] ^= 1
    expect(() => log.appendAsLeader(Buffer.concat([good, bad]))).toThrow(CorruptRecordError)
    expect(() => log.appendAsLeader(Buffer.concat([good, good.subarray(0, 30)]))).toThrow(/cut short; nothing was written/)
    const big = await kafkajsBatch(['x'.repeat(300)])
    expect(() => log.appendAsLeader(big)).toThrow(RecordTooLargeError)
    expect(log.logEndOffset).toBe(0)
    log.appendAsLeader(good)
    await log.release()
    expect(readBack(dir).map((r) => r.value!.toString())).toEqual(['a'])
  })
})

describe('appendAsFollower', () => {
  test("a leader's batches are stored unchanged, gaps kept; one overlapping the log is refused", async () => {
    const dir = tempDir()
    const {log} = openLog(dir, {'segment.bytes': 400})
    await log.acquire()
    const fromLeader = [await kafkajsBatch(['a', 'b'], KafkajsCompression.None, 0), await kafkajsBatch(['c'], KafkajsCompression.None, 5), await kafkajsBatch(['d', 'e', 'f'], KafkajsCompression.None, 6)]
    for (const b of fromLeader) b.writeInt32BE(3, L.PARTITION_LEADER_EPOCH_OFFSET) // the leader's epoch; outside the CRC
    const results = log.appendAsFollower(Buffer.concat(fromLeader.map((b) => Buffer.from(b))))
    expect(results.map((r) => [r.baseOffset, r.lastOffset])).toEqual([[0, 1], [5, 5], [6, 8]])
    expect(log.logEndOffset).toBe(9)
    expect(() => log.appendAsFollower(fromLeader[2])).toThrow(/overlaps the log, which ends at 9/)
    await log.release()
    expect(readBack(dir).map((r) => [r.offset, r.value!.toString()])).toEqual([[0, 'a'], [1, 'b'], [5, 'c'], [6, 'd'], [7, 'e'], [8, 'f']])
    // Byte for byte, across the segments the small segment.bytes made.
    const onDisk = Buffer.concat(
      (await import('../../../src/core/log/file-names.js')).listSegmentBaseOffsets(dir).map((b) => readFileSync(`${dir}/${String(b).padStart(20, '0')}.log`)),
    )
    expect(onDisk.equals(Buffer.concat(fromLeader))).toBe(true)
  })
})

describe('PartitionFactory', () => {
  test('the producer and consumer reach partitions only through the factory they are given', async () => {
    const root = tempDir()
    const store = Store.open(root)
    store.createTopic('t', 1, 1, {})
    const used: string[] = []
    const factory: PartitionFactory = {
      writer: (topic, p, config, options) => {
        used.push(`writer ${topic}/${p}`)
        return store.partitions.writer(topic, p, config, options)
      },
      reader: (topic, p, buffer) => {
        used.push(`reader ${topic}/${p}`)
        return store.partitions.reader(topic, p, buffer)
      },
    }
    const producer = new Producer(store, 't', {partitionFactory: factory})
    await producer.send([{value: Buffer.from('via the factory')}])
    await producer.close()
    const {Consumer} = await import('../../../src/core/client/consumer.js')
    const consumer = new Consumer(store, ['t'], {partitionFactory: factory})
    const values: string[] = []
    for await (const r of consumer.records({exitAtEnd: true})) values.push(r.value!.toString())
    expect(values).toEqual(['via the factory'])
    expect(used).toEqual(['writer t/0', 'reader t/0'])
  })
})
