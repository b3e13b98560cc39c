/**
 * The DSL's session, join and suppression stores log every change, and a
 * new store given their changelog back (the last record per key, as a
 * compacted changelog keeps it) holds the same: what a restarted task's
 * restore relies on. A changelog value that is not the store's encoding is
 * refused, not trusted.
 */
import {expect, test} from 'vitest'
import {JoinWindowStore, OuterJoinStore, Serdes, SessionStore, StreamsError, SuppressionBuffer} from '../../../src/index.js'
import type {StateStore} from '../../../src/index.js'
import type {Header} from '../../../src/core/streams/record.js'

const S = Serdes.String()

type Restorable = StateStore & {init(i: unknown, topic: string): void; restore(k: Buffer, v: Buffer | null, t: number, h?: Header[]): void}

/** Opens `store` logging into a compacted map; `twin` is restored from it. */
function logged<T extends Restorable>(store: T, twin: T): {store: T; restoreTwin: () => T} {
  const changelog = new Map<string, {key: Buffer; value: Buffer | null; timestamp: number; headers?: Header[]}>()
  store.init({defaultKeySerde: S, defaultValueSerde: S, timestamp: () => 0, changelog: (key: Buffer, value: Buffer | null, timestamp: number, headers?: Header[]) => changelog.set(key.toString('latin1'), {key, value, timestamp, headers})}, 'app-x-changelog')
  return {
    store,
    restoreTwin() {
      // What a commit does first: a store that logs at the commit (the suppression buffer) logs now.
      ;(store as {flushCache?: () => void}).flushCache?.()
      twin.init({defaultKeySerde: S, defaultValueSerde: S, timestamp: () => 0}, 'app-x-changelog')
      for (const e of changelog.values()) twin.restore(e.key, e.value, e.timestamp, e.headers)
      return twin
    },
  }
}

test('session store: sessions put, merged away and expired come back as they were', () => {
  const {store, restoreTwin} = logged(new SessionStore<string, string>('s', 100, null, null), new SessionStore<string, string>('s', 100, null, null))
  store.put('a', 0, 10, 'x')
  store.put('b', 5, 5, 'y')
  store.remove('a', 0, 10)
  store.put('a', 0, 20, 'xz')
  store.put('c', 200, 210, 'late') // moves retention past b and a
  const twin = restoreTwin()
  expect(twin.all()).toEqual(store.all())
  expect(twin.all().map((s) => s.key)).toEqual(['c'])
})

test('join window store: duplicates with one timestamp survive a restore', () => {
  const {store, restoreTwin} = logged(new JoinWindowStore<string, string>('j', 50, null, null), new JoinWindowStore<string, string>('j', 50, null, null))
  store.put('k', 'v1', 10)
  store.put('k', 'v2', 10)
  store.put('k', 'v3', 30)
  const twin = restoreTwin()
  expect(twin.fetch('k', 0, 100)).toEqual([{timestamp: 10, value: 'v1'}, {timestamp: 10, value: 'v2'}, {timestamp: 30, value: 'v3'}])
})

test('outer join store: waiting lists come back, removed ones do not', () => {
  const {store, restoreTwin} = logged(new OuterJoinStore<string>('o', null, null, null), new OuterJoinStore<string>('o', null, null, null))
  store.add(10, true, 'k', 'A')
  store.add(10, true, 'k', 'A2')
  store.add(12, false, 'k', 'b')
  store.add(15, true, 'j', 'C')
  store.remove(15, true, 'j')
  const twin = restoreTwin()
  expect(twin.all()).toEqual(store.all())
  expect(twin.all().map((e) => [e.timestamp, e.left, e.values.map((v) => v.value)])).toEqual([
    [10, true, ['A', 'A2']],
    [12, false, ['b']],
  ])
  expect(() => twin.restore(Buffer.alloc(12), Buffer.from([0, 0, 0, 9, 1]), 0)).toThrow(StreamsError)
})

test('suppression buffer: entries keep their buffer time, prior value and order', () => {
  const {store, restoreTwin} = logged(new SuppressionBuffer<string, string>('b', null, null), new SuppressionBuffer<string, string>('b', null, null))
  store.put(20, 'k2', 'n2', null, 7)
  store.put(10, 'k1', 'n1', 'o1', 5)
  store.put(30, 'k1', 'n1b', 'n1', 9) // same key: keeps time 10 and prior o1
  const twin = restoreTwin()
  const drain = (b: SuppressionBuffer<string, string>) => {
    const out: unknown[] = []
    b.evictWhile(() => true, (e) => out.push(e))
    return out
  }
  expect(drain(twin)).toEqual([
    {key: 'k1', newValue: 'n1b', oldValue: 'o1', timestamp: 9},
    {key: 'k2', newValue: 'n2', oldValue: null, timestamp: 7},
  ])
  expect(() => twin.restore(Buffer.from('k'), Buffer.alloc(10), 0)).toThrow(StreamsError)
})
