/**
 * Replication throttles: the token bucket a broker's throttled replica
 * traffic draws from, the topic's throttled-replicas lists, and the
 * broker's rates as `topic reassign --throttle` writes them.
 */
import {join} from 'node:path'
import {mkdirSync, writeFileSync} from 'node:fs'
import {describe, expect, test} from 'vitest'
import {FOLLOWER_RATE, LEADER_RATE, ReplicationQuota, dynamicConfigPath, readThrottleRates, writeThrottleRates} from '../../../src/core/broker/replication-quota.js'
import {checkConfigValue, isThrottledReplica} from '../../../src/core/log/log-config.js'
import {tempDir} from '../support.js'

describe('ReplicationQuota', () => {
  test('lets a second of bytes go, then waits as long as the overdraft takes to refill', () => {
    let now = 0
    const q = new ReplicationQuota(1000, () => now)
    expect(q.allowed()).toBe(true)
    q.record(1500) // one fetch may overdraw it: a batch is never cut
    expect(q.allowed()).toBe(false)
    expect(q.delayMs()).toBe(501)
    now = 400
    expect(q.allowed()).toBe(false)
    now = 501
    expect(q.allowed()).toBe(true)
    expect(q.delayMs()).toBe(0)
  })

  test('unlimited by default (Kafka\'s Long.MAX_VALUE), and a new rate applies at once', () => {
    let now = 0
    const q = new ReplicationQuota(Number.MAX_SAFE_INTEGER, () => now)
    q.record(1e12)
    expect(q.allowed()).toBe(true)
    q.setRate(100)
    expect(q.unlimited).toBe(false)
    q.record(200)
    expect(q.delayMs()).toBe(1001)
    now = 2000
    expect(q.allowed()).toBe(true)
  })
})

describe('throttled replicas', () => {
  test('a list of partition:broker pairs, or *, as Kafka writes it', () => {
    expect(isThrottledReplica('0:1,1:2', 0, 1)).toBe(true)
    expect(isThrottledReplica('0:1, 1:2', 1, 2)).toBe(true)
    expect(isThrottledReplica('0:1,1:2', 0, 2)).toBe(false)
    expect(isThrottledReplica('*', 7, 9)).toBe(true)
    expect(isThrottledReplica('', 0, 1)).toBe(false)
    expect(checkConfigValue('leader.replication.throttled.replicas', '0:1,1:2')).toEqual({value: '0:1,1:2'})
    expect(checkConfigValue('follower.replication.throttled.replicas', '*')).toEqual({value: '*'})
    expect(checkConfigValue('leader.replication.throttled.replicas', '0-1')).toEqual({problem: expect.stringMatching(/not a list of partition:broker pairs/)})
  })

  test("a broker's rates: written for a move, read back, removed; a damaged file applies nothing and says so", () => {
    const dataDir = tempDir()
    mkdirSync(join(dataDir, 'brokers'), {recursive: true})
    expect(readThrottleRates(dataDir, 2)).toEqual({})
    writeThrottleRates(dataDir, 2, 5000)
    expect(readThrottleRates(dataDir, 2)).toEqual({[LEADER_RATE]: 5000, [FOLLOWER_RATE]: 5000})
    writeThrottleRates(dataDir, 2, null)
    expect(readThrottleRates(dataDir, 2)).toEqual({})
    writeFileSync(dynamicConfigPath(dataDir, 3), '{"leader.replication.throttled.rate": -4')
    const problems: string[] = []
    expect(readThrottleRates(dataDir, 3, (m) => problems.push(m))).toEqual({})
    writeFileSync(dynamicConfigPath(dataDir, 3), '{"leader.replication.throttled.rate": -4}')
    expect(readThrottleRates(dataDir, 3, (m) => problems.push(m))).toEqual({})
    expect(problems).toHaveLength(2)
    expect(problems[1]).toMatch(/leader.replication.throttled.rate is -4, not a positive integer/)
  })
})
