import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {FencedEpochError, StoreError} from '../../../src/core/errors.js'
import {
  PARTITION_STATE_FILE,
  readPartitionMeta,
  updatePartitionMeta,
  writeInitialPartitionMeta,
} from '../../../src/core/store/partition-metadata.js'
import {tempDir} from '../support.js'

describe('partition.json: epoch-fenced partition state', () => {
  test('a new partition has no leader and every replica in sync', () => {
    const dir = tempDir()
    writeInitialPartitionMeta(dir, [2, 1, 3])
    expect(readPartitionMeta(dir)).toEqual({leader: -1, leaderEpoch: -1, isr: [2, 1, 3], version: 0})
  })

  test('an election writes the next epoch; every change bumps the version', () => {
    const dir = tempDir()
    writeInitialPartitionMeta(dir, [1, 2])
    updatePartitionMeta(dir, 0, () => ({leader: 1, leaderEpoch: 0, isr: [1, 2]}))
    const shrunk = updatePartitionMeta(dir, 0, (m) => ({...m, isr: [1]}))
    expect(shrunk).toEqual({leader: 1, leaderEpoch: 0, isr: [1], version: 2})
    expect(readPartitionMeta(dir)).toEqual(shrunk)
  })

  test('a writer with an older epoch cannot overwrite, and nothing changes', () => {
    const dir = tempDir()
    writeInitialPartitionMeta(dir, [1, 2])
    updatePartitionMeta(dir, 0, () => ({leader: 1, leaderEpoch: 0, isr: [1, 2]}))
    updatePartitionMeta(dir, 1, () => ({leader: 2, leaderEpoch: 1, isr: [2]}))
    // The old leader, paused while broker 2 was elected, tries to shrink the ISR to itself.
    let error: unknown
    try {
      updatePartitionMeta(dir, 0, (m) => ({...m, leader: 1, isr: [1]}))
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(FencedEpochError)
    expect((error as FencedEpochError).currentEpoch).toBe(1)
    expect(readPartitionMeta(dir)).toEqual({leader: 2, leaderEpoch: 1, isr: [2], version: 2})
  })

  test('an epoch never goes back, even from a writer at the current epoch', () => {
    const dir = tempDir()
    writeInitialPartitionMeta(dir, [1])
    updatePartitionMeta(dir, 3, () => ({leader: 1, leaderEpoch: 3, isr: [1]}))
    expect(() => updatePartitionMeta(dir, 3, (m) => ({...m, leaderEpoch: 2}))).toThrow(FencedEpochError)
  })

  test.each([
    ['not JSON', '{'],
    ['a bad leader', '{"leader":"x","leaderEpoch":0,"isr":[],"version":0}'],
    ['a repeated ISR member', '{"leader":1,"leaderEpoch":0,"isr":[1,1],"version":0}'],
    ['a negative version', '{"leader":1,"leaderEpoch":0,"isr":[1],"version":-1}'],
  ])('a damaged file (%s) is a StoreError naming it', (_what, text) => {
    const dir = tempDir()
    writeFileSync(join(dir, PARTITION_STATE_FILE), text)
    expect(() => readPartitionMeta(dir)).toThrow(StoreError)
    expect(() => readPartitionMeta(dir)).toThrow(PARTITION_STATE_FILE)
  })
})
