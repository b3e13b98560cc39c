/**
 * PartitionGroup (Kafka's): the lowest head timestamp goes first; an empty
 * partition with data still to read holds the task; one read to its end
 * holds it for max.task.idle.ms (0: not at all, -1: never); commits stop
 * at the first waiting record.
 */
import {expect, test} from 'vitest'
import {PartitionGroup} from '../../../src/core/streams/partition-group.js'
import {Headers} from '../../../src/index.js'
import type {RawRecord} from '../../../src/core/streams/task.js'

function rec(topic: string, offset: number, timestamp: number): RawRecord {
  return {topic, partition: 0, offset, key: null, value: Buffer.from(`${topic}${offset}`), timestamp, headers: new Headers()}
}

const drain = (g: PartitionGroup, now: number, atEnd: (t: string) => boolean) => {
  const out: string[] = []
  for (let r = g.next(now, atEnd); r !== null; r = g.next(now, atEnd)) out.push(`${r.topic}${r.offset}`)
  return out
}

test('lowest timestamp first; ties to the partition buffered first', () => {
  const g = new PartitionGroup(0)
  g.add(rec('a', 0, 5))
  g.add(rec('b', 0, 5))
  g.add(rec('b', 1, 6))
  g.add(rec('a', 1, 9))
  expect(drain(g, 0, () => true)).toEqual(['a0', 'b0', 'b1', 'a1'])
  expect(g.size).toBe(0)
})

test('an empty partition not read to its end holds the task; read to its end, it does not (max.task.idle.ms 0)', () => {
  const g = new PartitionGroup(0)
  g.queue('b', 0)
  g.add(rec('a', 0, 1))
  g.add(rec('a', 1, 2))
  expect(drain(g, 0, () => false)).toEqual([])
  expect(g.firstBufferedOffset('a', 0)).toBe(0)
  expect(drain(g, 0, (t) => t === 'b')).toEqual(['a0', 'a1'])
  expect(g.firstBufferedOffset('a', 0)).toBeNull()
})

test('max.task.idle.ms > 0 waits that long for an empty partition read to its end; -1 never waits', () => {
  const g = new PartitionGroup(100)
  g.queue('b', 0)
  g.add(rec('a', 0, 1))
  expect(drain(g, 1000, () => true)).toEqual([])
  expect(drain(g, 1099, () => true)).toEqual([])
  expect(drain(g, 1100, () => true)).toEqual(['a0'])
  const never = new PartitionGroup(-1)
  never.queue('b', 0)
  never.add(rec('a', 0, 1))
  expect(drain(never, 0, () => false)).toEqual(['a0'])
})

test('a dropped partition takes its waiting records with it', () => {
  const g = new PartitionGroup(-1)
  g.add(rec('a', 3, 1))
  g.add(rec('b', 7, 2))
  g.drop('a', 0)
  expect(g.size).toBe(1)
  expect(g.firstBufferedOffset('b', 0)).toBe(7)
  expect(drain(g, 0, () => true)).toEqual(['b7'])
})
