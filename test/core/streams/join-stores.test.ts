/**
 * A stream-stream join's stores as Kafka's: persistent under a task
 * directory (every change written through to lmdb, only flushed writes
 * survive a reopen, read back whole at init), changelog keys and values in
 * Kafka's bytes (WindowKeySchema with a sequence number; the shared
 * outer-join store's list as ListValueStore writes it, LeftOrRightValue
 * inside), the sequence going on after a restore, and logpipe's earlier
 * list format still read.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, expect, test} from 'vitest'
import {JoinWindowStore, OuterJoinStore, Serdes, StreamsError} from '../../../src/index.js'

const S = Serdes.String()
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'logpipe-join-stores-'))
  dirs.push(d)
  return d
}

type Logged = Array<{key: string; value: string | null}>

function open<T extends {init(i: unknown, topic: string): void}>(store: T, stateDir?: string): {store: T; log: Logged} {
  const log: Logged = []
  store.init({defaultKeySerde: S, defaultValueSerde: S, timestamp: () => 0, stateDir, changelog: (k: Buffer, v: Buffer | null) => log.push({key: k.toString('hex'), value: v?.toString('hex') ?? null})}, 'app-j-changelog')
  return {store, log}
}

const hex = (...parts: Array<string | number[]>) => parts.map((p) => (typeof p === 'string' ? Buffer.from(p).toString('hex') : Buffer.from(p).toString('hex'))).join('')
const int64 = (n: number) => {
  const b = Buffer.alloc(8)
  b.writeBigInt64BE(BigInt(n))
  return [...b]
}
const int32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return [...b]
}

test("join window store: Kafka's changelog key (key, timestamp, sequence from 1) and the value's own bytes", () => {
  const {store, log} = open(new JoinWindowStore<string, string>('j', 100, null, null))
  store.put('k', 'v1', 10)
  store.put('k', 'v2', 10)
  expect(log).toEqual([
    {key: hex('k', int64(10), int32(1)), value: hex('v1')},
    {key: hex('k', int64(10), int32(2)), value: hex('v2')},
  ])
})

test('join window store: a restored store numbers on after the largest sequence restored, so no changelog key is used twice', () => {
  const first = open(new JoinWindowStore<string, string>('j', 100, null, null))
  first.store.put('k', 'a', 10)
  first.store.put('k', 'b', 10)
  const twin = open(new JoinWindowStore<string, string>('j', 100, null, null))
  for (const e of first.log) twin.store.restore(Buffer.from(e.key, 'hex'), e.value === null ? null : Buffer.from(e.value, 'hex'), 10)
  twin.store.put('k', 'c', 10)
  expect(twin.log).toEqual([{key: hex('k', int64(10), int32(3)), value: hex('c')}])
  expect(twin.store.fetch('k', 0, 20).map((e) => e.value)).toEqual(['a', 'b', 'c'])
  // A tombstone (a crashed run's record logged back over) removes the record it names.
  twin.store.restore(Buffer.from(first.log[0].key, 'hex'), null, 10)
  expect(twin.store.fetch('k', 0, 20).map((e) => e.value)).toEqual(['b', 'c'])
  expect(twin.store.changelogValue(Buffer.from(first.log[1].key, 'hex'))).toEqual({value: Buffer.from('b'), timestamp: 10})
  expect(twin.store.changelogValue(Buffer.from(first.log[0].key, 'hex'))).toBeNull()
})

test('join window store under a task directory: flushed records survive a reopen, unflushed and expired ones do not', () => {
  const dir = tmp()
  const a = open(new JoinWindowStore<string, string>('j', 100, null, null, true), dir)
  a.store.put('k', 'old', 10)
  a.store.put('k', 'kept', 150)
  a.store.put('k', 'dup', 150)
  a.store.flush()
  a.store.put('k', 'not flushed', 160)
  a.store.close()
  const b = open(new JoinWindowStore<string, string>('j', 100, null, null, true), dir)
  expect(b.store.fetch('k', 0, 1000)).toEqual([{timestamp: 150, value: 'kept'}, {timestamp: 150, value: 'dup'}])
  expect(b.log).toEqual([]) // read back from the files, not logged again
  b.store.put('k', 'next', 150)
  expect(b.log[0].key).toBe(hex('k', int64(150), int32(4)))
  b.store.close()
})

test("outer join store: Kafka's key (timestamp, side, key) and ListValueStore's list of LeftOrRightValue", () => {
  const {store, log} = open(new OuterJoinStore<string>('o', null, null, null))
  store.add(10, true, 'k', 'A')
  store.add(10, true, 'k', 'BB')
  store.remove(10, true, 'k')
  expect(log).toEqual([
    {key: hex(int64(10), [1], 'k'), value: hex([1], int32(1), int32(2), [1], 'A')},
    {key: hex(int64(10), [1], 'k'), value: hex([1], int32(2), int32(2), [1], 'A', int32(3), [1], 'BB')},
    {key: hex(int64(10), [1], 'k'), value: null},
  ])
  const right = open(new OuterJoinStore<string>('o', null, null, null))
  right.store.add(12, false, 'k', 'b')
  expect(right.log[0]).toEqual({key: hex(int64(12), [0], 'k'), value: hex([1], int32(1), int32(2), [0], 'b')})
})

test("outer join store: logpipe's earlier list format is still restored; a value that is neither is refused", () => {
  const {store} = open(new OuterJoinStore<string>('o', null, null, null))
  store.restore(Buffer.from(hex(int64(10), [1], 'k'), 'hex'), Buffer.from(hex(int32(2), [1], int32(1), 'A', [0], int32(1), 'b'), 'hex'), 10)
  expect(store.all()).toEqual([{timestamp: 10, left: true, key: 'k', values: [{left: true, value: 'A'}, {left: false, value: 'b'}]}])
  expect(() => store.restore(Buffer.from(hex(int64(11), [1], 'k'), 'hex'), Buffer.from([2, 0, 0, 0, 1, 0, 0, 0, 1, 1]), 11)).toThrow(StreamsError)
  expect(() => store.restore(Buffer.from(hex(int64(11), [1], 'k'), 'hex'), Buffer.from(hex([1], int32(1), int32(9), [1], 'A'), 'hex'), 11)).toThrow(StreamsError)
})

test('outer join store under a task directory: waiting lists survive a reopen once flushed', () => {
  const dir = tmp()
  const a = open(new OuterJoinStore<string>('o', null, null, null, true), dir)
  a.store.add(10, true, 'k', 'A')
  a.store.add(12, false, 'j', 'b')
  a.store.add(14, true, 'x', 'gone')
  a.store.remove(14, true, 'x')
  a.store.flush()
  a.store.add(16, true, 'y', 'not flushed')
  a.store.close()
  const b = open(new OuterJoinStore<string>('o', null, null, null, true), dir)
  expect(b.store.all().map((e) => [e.timestamp, e.key, e.values.map((v) => v.value)])).toEqual([
    [10, 'k', ['A']],
    [12, 'j', ['b']],
  ])
  b.store.close()
})
