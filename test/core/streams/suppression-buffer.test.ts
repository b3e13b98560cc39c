/**
 * The suppression buffer's changelog in Kafka's bytes
 * (InMemoryTimeOrderedKeyValueChangeBuffer, version 3: header `v` = 3,
 * the record context, prior, old and new values, buffer time), read back
 * into the same entries; logpipe's earlier value still read, Kafka's
 * versions 1 and 2 and damaged values refused.
 */
import {expect, test} from 'vitest'
import {Serdes, StreamsError, SuppressionBuffer} from '../../../src/index.js'
import type {Header} from '../../../src/core/streams/record.js'
import type {RecordContext} from '../../../src/core/streams/state/state-store.js'

const S = Serdes.String()

type Logged = {key: Buffer; value: Buffer | null; timestamp: number; headers?: Header[]}

function open(context: () => RecordContext): {buffer: SuppressionBuffer<string, string>; log: Logged[]} {
  const log: Logged[] = []
  const buffer = new SuppressionBuffer<string, string>('b', null, null)
  buffer.init({defaultKeySerde: S, defaultValueSerde: S, timestamp: () => 0, recordContext: context, changelog: (key: Buffer, value: Buffer | null, timestamp: number, headers?: Header[]) => log.push({key, value, timestamp, headers})}, 'app-b-changelog')
  return {buffer, log}
}

function drain(b: SuppressionBuffer<string, string>): unknown[] {
  const out: unknown[] = []
  b.evictWhile(() => true, (e) => out.push(e))
  return out
}

/** Kafka's layout written out field by field (BufferValue.serialize, ProcessorRecordContext.serialize, then the buffer time). */
function v3(c: {timestamp: number; offset: number; topic: string; partition: number; headers: Array<[string, string | null]>}, prior: string | null, old: string | null | 'same', value: string | null, time: number): Buffer {
  const parts: Buffer[] = []
  const i64 = (n: number) => {
    const b = Buffer.alloc(8)
    b.writeBigInt64BE(BigInt(n))
    parts.push(b)
  }
  const i32 = (n: number) => {
    const b = Buffer.alloc(4)
    b.writeInt32BE(n)
    parts.push(b)
  }
  const arr = (s: string | null) => {
    if (s === null) return i32(-1)
    i32(Buffer.byteLength(s))
    parts.push(Buffer.from(s))
  }
  i64(c.timestamp)
  i64(c.offset)
  arr(c.topic)
  i32(c.partition)
  i32(c.headers.length)
  for (const [k, v] of c.headers) {
    arr(k)
    arr(v)
  }
  arr(prior)
  if (old === 'same') i32(-2)
  else arr(old)
  arr(value)
  i64(time)
  return Buffer.concat(parts)
}

const V3 = [{key: 'v', value: Buffer.from([3])}]

test("each key changed since the last commit is logged at the commit, once, as Kafka's version 3 value with the header v=3; an emitted entry as a tombstone", () => {
  let ctx: RecordContext = {timestamp: 5, offset: 41, topic: 'app-x-repartition', partition: 2, headers: [{key: 'h', value: Buffer.from('1')}, {key: 'n', value: null}]}
  const {buffer, log} = open(() => ctx)
  buffer.put(100, 'k', 'n1', 'o1', 5)
  expect(log).toEqual([]) // nothing until the commit
  buffer.flushCache()
  ctx = {timestamp: 9, offset: 42, topic: 'app-x-repartition', partition: 2, headers: []}
  buffer.put(300, 'k', 'n2', 'n1', 9) // keeps its place (100) and its prior (o1)
  buffer.put(250, 'j', 'first', null, 8)
  buffer.put(200, 'j', 'x', null, 9) // j again before the commit: logged once, as it is then (its place stays 250)
  buffer.flushCache()
  buffer.flushCache() // nothing changed since: nothing logged
  expect(log.map((l) => [l.key.toString(), l.timestamp, l.headers])).toEqual([
    ['k', 5, V3],
    ['k', 9, V3],
    ['j', 9, V3],
  ])
  expect(log[0].value).toEqual(v3({timestamp: 5, offset: 41, topic: 'app-x-repartition', partition: 2, headers: [['h', '1'], ['n', null]]}, 'o1', 'same', 'n1', 100))
  expect(log[1].value).toEqual(v3({timestamp: 9, offset: 42, topic: 'app-x-repartition', partition: 2, headers: []}, 'o1', 'n1', 'n2', 100))
  expect(log[2].value).toEqual(v3({timestamp: 9, offset: 42, topic: 'app-x-repartition', partition: 2, headers: []}, null, null, 'x', 250))
  // Kafka's size estimate: 8 + key + prior + old (not the prior's) + new + 16 + topic + 4 + headers.
  expect(buffer.bufferSize()).toBe(8 + 1 + 2 + 2 + 2 + 16 + 17 + 4 + (8 + 1 + 1 + 16 + 17 + 4))
  expect(drain(buffer)).toEqual([
    {key: 'k', newValue: 'n2', oldValue: 'o1', timestamp: 9},
    {key: 'j', newValue: 'x', oldValue: null, timestamp: 9},
  ])
  expect(log).toHaveLength(3)
  buffer.flushCache()
  expect(log.slice(3).map((l) => [l.key.toString(), l.value])).toEqual([
    ['k', null],
    ['j', null],
  ])
})

test('a buffer restored from its changelog holds the same entries, in the same order, with the same context and size', () => {
  const ctx: RecordContext = {timestamp: 7, offset: 3, topic: 'in', partition: 0, headers: [{key: 'h', value: Buffer.from('v')}]}
  const a = open(() => ctx)
  a.buffer.put(20, 'k2', 'n2', null, 7)
  a.buffer.put(10, 'k1', 'n1', 'o1', 5)
  a.buffer.flushCache()
  a.buffer.put(30, 'k1', 'n1b', 'n1', 9)
  a.buffer.flushCache()
  const compacted = new Map(a.log.map((l) => [l.key.toString('latin1'), l]))
  const b = open(() => ctx)
  for (const l of compacted.values()) b.buffer.restore(l.key, l.value, l.timestamp, l.headers)
  expect(b.buffer.bufferSize()).toBe(a.buffer.bufferSize())
  expect(b.buffer.minTimestamp()).toBe(10)
  // What a restarted task logs back over a crashed run's record: the same bytes and header.
  expect(b.buffer.changelogValue(Buffer.from('k1'))).toEqual({value: compacted.get('k1')!.value, timestamp: 9, headers: V3})
  expect(b.log).toEqual([])
  expect(drain(b.buffer)).toEqual(drain(a.buffer))
})

test("logpipe's earlier value (no header) is still read; Kafka's versions 1 and 2 and damaged values are refused", () => {
  const {buffer} = open(() => ({timestamp: 0, offset: -1, topic: '', partition: -1, headers: []}))
  const legacy = Buffer.alloc(16 + 4 + 2 + 4 + 2)
  legacy.writeBigInt64BE(10n, 0)
  legacy.writeBigInt64BE(4n, 8)
  legacy.writeInt32BE(2, 16)
  legacy.write('o1', 20)
  legacy.writeInt32BE(2, 22)
  legacy.write('n1', 26)
  buffer.restore(Buffer.from('k'), legacy, 4)
  expect(buffer.minTimestamp()).toBe(10)
  expect(drain(buffer)).toEqual([{key: 'k', newValue: 'n1', oldValue: 'o1', timestamp: 4}])
  const good = v3({timestamp: 1, offset: 0, topic: 't', partition: 0, headers: []}, null, null, 'x', 5)
  expect(() => buffer.restore(Buffer.from('k'), good, 1, [{key: 'v', value: Buffer.from([2])}])).toThrow(StreamsError)
  expect(() => buffer.restore(Buffer.from('k'), good, 1, [{key: 'v', value: Buffer.from([1])}])).toThrow(StreamsError)
  expect(() => buffer.restore(Buffer.from('k'), good.subarray(0, good.length - 1), 1, V3)).toThrow(StreamsError)
  expect(() => buffer.restore(Buffer.from('k'), Buffer.concat([good, Buffer.alloc(1)]), 1, V3)).toThrow(StreamsError)
  expect(() => buffer.restore(Buffer.from('k'), Buffer.alloc(10), 0)).toThrow(StreamsError)
  buffer.restore(Buffer.from('k'), good, 1, V3)
  expect(drain(buffer)).toEqual([{key: 'k', newValue: 'x', oldValue: null, timestamp: 1}])
})
