/** The idempotence rules of one partition's producers, and their snapshot files. */
import {readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {BATCHES_KEPT, lastSequence, ProducerState, snapshotFileName} from '../../../src/core/broker/producer-state.js'
import {ErrorCode} from '../../../src/core/wire/error-codes.js'
import {tempDir} from '../support.js'

/** Records batches of `size` records from sequence 0 on, at offsets 100 apart. */
function withBatches(n: number, size = 10, id = 7, epoch = 0): ProducerState {
  const s = new ProducerState()
  for (let i = 0; i < n; i++) s.record(id, epoch, i * size, i * size + size - 1, i * 100, i * 100 + size - 1)
  return s
}

describe('ProducerState.check', () => {
  test('an unknown producer is taken at any sequence, as Kafka does', () => {
    const s = new ProducerState()
    expect(s.check(1, 0, 0, 9)).toEqual({kind: 'append'})
    expect(s.check(1, 0, 42, 50)).toEqual({kind: 'append'})
  })

  test('the next batch in sequence is appended; a gap or a step back is OUT_OF_ORDER_SEQUENCE_NUMBER', () => {
    const s = withBatches(2)
    expect(s.check(7, 0, 20, 29)).toEqual({kind: 'append'})
    expect(s.check(7, 0, 21, 29)).toMatchObject({kind: 'refuse', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER})
    expect(s.check(7, 0, 30, 39)).toMatchObject({kind: 'refuse', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER})
    // Overlapping a kept batch without being it is out of order too.
    expect(s.check(7, 0, 5, 14)).toMatchObject({kind: 'refuse', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER})
  })

  test('each of the last 5 batches is a duplicate with its own offsets; the 6th back is forgotten', () => {
    const s = withBatches(BATCHES_KEPT + 1)
    for (let i = 1; i <= BATCHES_KEPT; i++) expect(s.check(7, 0, i * 10, i * 10 + 9)).toEqual({kind: 'duplicate', firstOffset: i * 100, lastOffset: i * 100 + 9})
    expect(s.check(7, 0, 0, 9).kind).toBe('refuse')
    expect(s.entry(7)!.batches).toHaveLength(BATCHES_KEPT)
  })

  test('an older epoch is INVALID_PRODUCER_EPOCH; a newer one must start at sequence 0', () => {
    const s = withBatches(1, 10, 7, 3)
    expect(s.check(7, 2, 10, 19)).toMatchObject({kind: 'refuse', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH})
    expect(s.check(7, 4, 5, 9)).toMatchObject({kind: 'refuse', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER})
    expect(s.check(7, 4, 0, 9)).toEqual({kind: 'append'})
    s.record(7, 4, 0, 9, 500, 509)
    expect(s.entry(7)).toEqual({epoch: 4, batches: [{firstSeq: 0, lastSeq: 9, firstOffset: 500, lastOffset: 509}]})
  })

  test('sequences wrap from Int32 max to 0', () => {
    expect(lastSequence(0x7ffffffe, 3)).toBe(1)
    const s = new ProducerState()
    s.record(7, 0, 0x7ffffff0, 0x7fffffff, 0, 15)
    expect(s.check(7, 0, 0, 4)).toEqual({kind: 'append'})
  })
})

describe('snapshots', () => {
  test('a snapshot reads back as written; older ones beyond two are removed', () => {
    const dir = tempDir()
    const s = withBatches(3)
    s.writeSnapshot(dir, 100)
    s.writeSnapshot(dir, 200)
    s.writeSnapshot(dir, 300)
    expect(readdirSync(dir).sort()).toEqual([snapshotFileName(200), snapshotFileName(300)])
    const loaded = ProducerState.loadSnapshot(dir, 300)!
    expect(loaded.offset).toBe(300)
    expect(loaded.state.entry(7)).toEqual(s.entry(7))
  })

  test('a snapshot past the log end is removed; a damaged one falls back to the one before', () => {
    const dir = tempDir()
    withBatches(1).writeSnapshot(dir, 50)
    withBatches(2).writeSnapshot(dir, 150)
    writeFileSync(join(dir, snapshotFileName(150)), '{"version":1,"offset":150,"producers":[{"id":-3}]}')
    withBatches(3).writeSnapshot(dir, 1000)
    // 50 was dropped when 1000 came; 1000 is past the end, 150 is damaged: nothing usable.
    expect(ProducerState.loadSnapshot(dir, 400)).toBeNull()
    expect(readdirSync(dir)).toEqual([snapshotFileName(150)])
    withBatches(2).writeSnapshot(dir, 160)
    writeFileSync(join(dir, snapshotFileName(160)), 'not json')
    expect(ProducerState.loadSnapshot(dir, 400)).toBeNull()
    withBatches(2).writeSnapshot(dir, 170)
    expect(ProducerState.loadSnapshot(dir, 400)!.state.entry(7)!.batches).toHaveLength(2)
  })

  test('offsets in a snapshot beyond its own offset are refused', () => {
    const dir = tempDir()
    writeFileSync(join(dir, snapshotFileName(10)), JSON.stringify({version: 1, offset: 10, producers: [{id: 1, epoch: 0, batches: [{firstSeq: 0, lastSeq: 1, firstOffset: 0, lastOffset: 99}]}]}))
    expect(ProducerState.loadSnapshot(dir, 10)).toBeNull()
  })
})

test('the temp file of a snapshot write a kill interrupted is removed at load', () => {
  const dir = tempDir()
  writeFileSync(join(dir, `.${snapshotFileName(40)}.a1b2c3d4e5f6.tmp`), '{"ver')
  writeFileSync(join(dir, '00000000000000000000.log'), '')
  expect(ProducerState.loadSnapshot(dir, 100)).toBeNull()
  expect(readdirSync(dir)).toEqual(['00000000000000000000.log'])
})
