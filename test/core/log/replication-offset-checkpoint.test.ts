import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {formatCheckpoint, parseCheckpoint, ReplicationOffsetCheckpoint} from '../../../src/core/log/replication-offset-checkpoint.js'

describe("replication-offset-checkpoint (Kafka's layout)", () => {
  test('written sorted in Kafka\'s lines, read back, and not rewritten when nothing moved', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logpipe-hwm-'))
    const notices: string[] = []
    const c = new ReplicationOffsetCheckpoint(dir, (m) => notices.push(m))
    expect(c.highWatermark('orders', 0)).toBe(0)
    c.write([
      {topic: 'orders', partition: 1, highWatermark: 980},
      {topic: 'orders', partition: 0, highWatermark: 1250},
      {topic: 'a.b-c_d', partition: 10, highWatermark: 0},
    ])
    expect(readFileSync(c.path, 'utf8')).toBe('0\n3\na.b-c_d 10 0\norders 0 1250\norders 1 980\n')
    const again = new ReplicationOffsetCheckpoint(dir, (m) => notices.push(m))
    expect(again.highWatermark('orders', 0)).toBe(1250)
    expect(again.highWatermark('orders', 1)).toBe(980)
    expect(again.highWatermark('orders', 2)).toBe(0)
    // Same content: the file is left alone (the broker writes it at every interval).
    writeFileSync(c.path, formatCheckpoint(new Map([['orders 0', 1250], ['orders 1', 980], ['a.b-c_d 10', 0]])))
    expect(notices).toEqual([])
  })

  test.each([
    ['', /version/],
    ['1\n0\n', /version "1" is not 0/],
    ['0\n2\norders 0 5\n', /says 2 entries, holds 1/],
    ['0\n1\norders 0\n', /line 3/],
    ['0\n1\norders 0 -5\n', /line 3/],
    ['0\n1\nor ders 0 5\n', /line 3/],
    ['0\n1\n../x 0 5\n', /line 3/],
    ['0\nmany\n', /entry count/],
  ])('%j is no checkpoint', (text, why) => {
    expect(parseCheckpoint(text)).toMatch(why)
  })

  test('a damaged file is said once and read as empty: replicas start at 0, nothing uncommitted is exposed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logpipe-hwm-'))
    writeFileSync(join(dir, 'replication-offset-checkpoint'), '0\n1\norders 0 99999999999999999999\n')
    const notices: string[] = []
    const c = new ReplicationOffsetCheckpoint(dir, (m) => notices.push(m))
    expect(c.highWatermark('orders', 0)).toBe(0)
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatch(/is damaged \(line 3 is not "topic partition offset"\); replicas start at high watermark 0/)
  })
})
