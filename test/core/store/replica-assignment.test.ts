import {describe, expect, test} from 'vitest'
import {UsageError} from '../../../src/core/errors.js'
import {assignAddedPartitions, assignReplicas, checkAssignment} from '../../../src/core/store/replica-assignment.js'

describe('assignReplicas (Kafka rack-unaware placement)', () => {
  // Kafka's AdminZkClientTest/ReplicaAssignmentTest vector: 5 brokers, 10 partitions, RF 3, fixed start 0.
  test('matches the placement Kafka computes for a fixed start', () => {
    expect(assignReplicas(10, 3, [0, 1, 2, 3, 4], {fixedStart: 0})).toEqual([
      [0, 1, 2],
      [1, 2, 3],
      [2, 3, 4],
      [3, 4, 0],
      [4, 0, 1],
      [0, 2, 3],
      [1, 3, 4],
      [2, 4, 0],
      [3, 0, 1],
      [4, 1, 2],
    ])
  })

  test('sorts the brokers and shifts the start: the first replicas go round the brokers evenly', () => {
    const a = assignReplicas(6, 2, [12, 10, 11], {random: () => 1})
    expect(a.map((r) => r[0])).toEqual([11, 12, 10, 11, 12, 10])
    for (const r of a) expect(new Set(r).size).toBe(2)
  })

  test('every partition gets distinct brokers whatever the random start', () => {
    for (let start = 0; start < 4; start++) {
      for (const r of assignReplicas(9, 4, [1, 2, 3, 4], {random: () => start})) expect([...r].sort()).toEqual([1, 2, 3, 4])
    }
  })

  test('refuses a factor above the live brokers, with a hint', () => {
    expect(() => assignReplicas(1, 3, [1, 2])).toThrow(UsageError)
    expect(() => assignReplicas(1, 3, [1, 2])).toThrow(/replication factor 3 is larger than the 2 live broker/)
    expect(() => assignReplicas(1, 2, [])).toThrow(/0 live broker/)
  })

  test('checkAssignment rejects what topic.json must not hold', () => {
    expect(checkAssignment([[1, 2]], 1, 2)).toEqual([[1, 2]])
    expect(checkAssignment([[1, 1]], 1, 2)).toMatch(/twice/)
    expect(checkAssignment([[1]], 1, 2)).toMatch(/not a list of 2/)
    expect(checkAssignment([[1, 2]], 2, 2)).toMatch(/1 partitions, not 2/)
    expect(checkAssignment([[1, -3]], 1, 2)).toMatch(/not a broker id/)
    expect(checkAssignment('x', 1, 2)).toMatch(/not a list/)
  })
})

describe('assignAddedPartitions (Kafka: partitions added to a topic go on with its placement)', () => {
  test('added to a topic placed from broker 0, they are what placing all of them at once gives', () => {
    const brokers = [0, 1, 2, 3, 4]
    const all = assignReplicas(10, 3, brokers, {fixedStart: 0})
    const added = assignAddedPartitions(all.slice(0, 3), 10, brokers)
    expect(added).toEqual(all.slice(3))
  })

  test('start at the broker leading partition 0 (or the next one up), with the replication factor of the topic', () => {
    const added = assignAddedPartitions([[3, 1], [1, 2]], 4, [1, 2, 3])
    expect(added).toHaveLength(2)
    for (const r of added) expect(new Set(r).size).toBe(2)
    expect(added.map((r) => r[0])).toEqual([2, 3])
    // The broker that led partition 0 is gone: the start is the next id above it (5), and partition 1 is one on from there (1).
    expect(assignAddedPartitions([[4, 1]], 2, [1, 2, 5])[0][0]).toBe(1)
  })

  test('more replicas than live brokers is refused, as at create', () => {
    expect(() => assignAddedPartitions([[1, 2, 3]], 2, [1, 2])).toThrow(UsageError)
  })
})
