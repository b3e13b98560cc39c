/**
 * The mirror in-process: a target that fails right after a write lands
 * (what a kill -9 between the write and its commit leaves), then a restart
 * that must find those records in the target and not write them again; and
 * the progress string read from a file anyone can edit.
 */
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {Producer} from '../../../src/core/client/producer.js'
import {Mirror} from '../../../src/core/mirror/mirror.js'
import {encodeProgress, parseProgress} from '../../../src/core/mirror/mirror-progress.js'
import {StoreTarget} from '../../../src/core/mirror/mirror-target.js'
import {Store} from '../../../src/core/store/store.js'
import * as L from '../../../src/core/record/batch-layout.js'
import {readAll, tempDir} from '../support.js'

class CrashAfterWrites extends StoreTarget {
  constructor(
    store: Store,
    private left: number,
  ) {
    super(store)
  }

  override async write(topic: string, partition: number, batch: Buffer) {
    const r = await super.write(topic, partition, batch)
    if (--this.left === 0) throw new Error('crash after the write, before its commit')
    return r
  }
}

const values = (dir: string) => readAll(dir).map((r) => r.value!.toString())

describe('Mirror', () => {
  test('records written but not committed when a run dies are found in the target and not written again', async () => {
    const base = tempDir()
    const source = Store.open(join(base, 'a'))
    const targetStore = Store.open(join(base, 'b'))
    source.createTopic('t', 1, 1, {})
    const producer = new Producer(source, 't', {batchBytes: 16_384})
    const sent = Array.from({length: 2000}, (_, i) => `value-${i}`.padEnd(40, '.'))
    await producer.send(sent.map((value) => ({value, partition: 0})))
    await producer.close()

    // Batches of about 4 KiB: the run dies after its third write lands.
    const crashing = new Mirror(source, new CrashAfterWrites(targetStore, 3), {include: /^t$/, exitAtEnd: true, batchBytes: 4096})
    await expect(crashing.run()).rejects.toThrow(/crash after the write/)
    const partial = values(targetStore.partitionDir('t', 0))
    expect(partial.length).toBeGreaterThan(0)
    expect(partial.length).toBeLessThan(sent.length)

    const notices: string[] = []
    const target = new StoreTarget(targetStore)
    const summary = await new Mirror(source, target, {include: /^t$/, exitAtEnd: true, onNotice: (m) => notices.push(m)}).run()
    expect(values(targetStore.partitionDir('t', 0))).toEqual(sent)
    expect(summary.records).toBe(sent.length - partial.length)
    expect(notices.join('\n')).toMatch(/records after offset \d+ reached the target before the last run stopped/)

    // The batches carry the run's producer id, epoch 0 and sequences from 0, as an idempotent producer's.
    const reader = targetStore.openReader('t', 0)
    const range = reader.poll()!
    expect(L.readInt64(range.buf, range.start + L.PRODUCER_ID_OFFSET)).toBeGreaterThan(0)
    expect(range.buf.readInt32BE(range.start + L.BASE_SEQUENCE_OFFSET)).toBe(0)
    reader.close()
  })

  test.each([
    ['absent', undefined],
    ['not JSON', '{'],
    ['another format', JSON.stringify({mirror: 2, producerId: 1, producerEpoch: 0, targetOffset: 0})],
    ['a negative offset', JSON.stringify({mirror: 1, producerId: 1, producerEpoch: 0, targetOffset: -1})],
    ['an id as a string', JSON.stringify({mirror: 1, producerId: '1', producerEpoch: 0, targetOffset: 0})],
    ['an epoch past int16', JSON.stringify({mirror: 1, producerId: 1, producerEpoch: 40_000, targetOffset: 0})],
    ['an unsafe offset', '{"mirror":1,"producerId":1,"producerEpoch":0,"targetOffset":1e300}'],
    ['an array', '[1]'],
    ['too long', ' '.repeat(2000)],
  ])('progress that is %s reads as none', (_, text) => {
    expect(parseProgress(text)).toBeNull()
  })

  test('progress round-trips', () => {
    const p = {producerId: 2 ** 47 - 1, producerEpoch: 3, targetOffset: 123_456}
    expect(parseProgress(encodeProgress(p))).toEqual(p)
  })
})
