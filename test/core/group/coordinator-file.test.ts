/**
 * coordinator.json is read back as strictly as any file from the data
 * directory: the protocol bytes a coordinator keeps (base64) are checked
 * before a takeover turns them into a member's metadata and assignment.
 */
import {hostname} from 'node:os'
import {describe, expect, test} from 'vitest'
import {checkCoordinatorFile} from '../../../src/core/group/coordinator-file.js'

const member = (more: Record<string, unknown> = {}) => ({
  memberId: 'rdkafka-1',
  groupInstanceId: null,
  clientId: 'rdkafka',
  clientHost: '/127.0.0.1',
  sessionTimeoutMs: 45_000,
  rebalanceTimeoutMs: 300_000,
  topics: ['t'],
  assignment: [{topic: 't', partition: 0}],
  ...more,
})

const file = (m: unknown) => ({
  coordinator: {brokerId: 1, pid: process.pid, host: hostname(), startTime: '1', bootId: 'b'},
  updatedAt: Date.now(),
  state: 'Stable',
  generation: 3,
  protocolType: 'consumer',
  protocol: 'range',
  leader: 'rdkafka-1',
  members: [m],
})

describe('coordinator.json members', () => {
  test('a file of an older broker, without protocol bytes, reads as before', () => {
    const r = checkCoordinatorFile(file(member()))
    expect(typeof r).toBe('object')
    if (typeof r === 'object') expect(r.members[0].protocols).toBeUndefined()
  })

  test('protocol metadata and the assignment as sent come back as written', () => {
    const data = {protocols: [{name: 'range', metadata: Buffer.from('sub').toString('base64')}], assignmentData: Buffer.from('assigned').toString('base64')}
    const r = checkCoordinatorFile(file(member(data)))
    expect(typeof r === 'object' && r.members[0]).toMatchObject(data)
  })

  test.each([
    ['metadata that is not base64', {protocols: [{name: 'range', metadata: 'not base64!'}]}, 'protocols is not a list of names and base64 metadata'],
    ['a protocol without a name', {protocols: [{metadata: ''}]}, 'protocols is not a list of names and base64 metadata'],
    ['protocols that are not a list', {protocols: 'range'}, 'protocols is not a list'],
    ['too many protocols', {protocols: Array.from({length: 65}, () => ({name: 'x', metadata: ''}))}, 'protocols is not a list'],
    ['an assignment that is not base64', {assignmentData: 'abc'}, 'assignmentData is not base64'],
    ['an assignment past the bound', {assignmentData: 'A'.repeat(512 * 1024 + 4)}, 'assignmentData is not base64'],
  ])('%s is refused', (_what, more, why) => {
    expect(checkCoordinatorFile(file(member(more)))).toBe(`member 0: ${why}`)
  })
})
