/**
 * Membership liveness (DESIGN.md "Consumer groups"): a member is a file
 * rewritten on every heartbeat; it is dead once its heartbeat is older than
 * its own session timeout, or at once when its process is gone from this
 * host. A member on another host is judged by its heartbeat alone. Dead
 * members' files are tidied away by whoever looks; a member that leaves
 * removes its file and writes no more heartbeats. The group's assignment
 * strategy is its longest-standing member's.
 */
import {spawnSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {
  type MemberInfo,
  Membership,
  groupStrategy,
  isMemberAlive,
  liveMembers,
  membersDir,
  newMemberId,
  readMembers,
  removeDeadMembers,
} from '../../../src/core/group/membership.js'
import {isAlive} from '../../../src/core/lock/partition-lock.js'
import {tempDir} from '../support.js'
import {ManualClock} from '../../helpers/clock.js'

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0'])
  expect(isAlive(child.pid)).toBe(false)
  return child.pid
}

function info(overrides: Partial<MemberInfo> = {}): MemberInfo {
  return {
    memberId: 'm-1',
    clientId: 'test',
    host: hostname(),
    pid: process.pid,
    topics: ['t'],
    strategy: 'range',
    sessionTimeoutMs: 1000,
    joinedAt: new Date().toISOString(),
    heartbeatAt: Date.now(),
    owned: [],
    positions: {},
    ...overrides,
  }
}

/** A member file as another process would have written it. */
function writeMember(groupDir: string, m: MemberInfo): void {
  mkdirSync(membersDir(groupDir), {recursive: true})
  writeFileSync(join(membersDir(groupDir), `${m.memberId}.json`), JSON.stringify(m))
}

describe('isMemberAlive', () => {
  test('alive while the heartbeat is within the session timeout, dead just past it', () => {
    const now = 1_000_000
    const m = info({heartbeatAt: now - 1000, sessionTimeoutMs: 1000})
    expect(isMemberAlive(m, now)).toBe(true)
    expect(isMemberAlive(m, now + 1)).toBe(false)
    // Each member's own timeout counts, not the reader's.
    expect(isMemberAlive(info({heartbeatAt: now - 5000, sessionTimeoutMs: 60_000}), now)).toBe(true)
  })

  test('a member on this host whose process is gone is dead at once, whatever its heartbeat', () => {
    expect(isMemberAlive(info({pid: deadPid(), heartbeatAt: Date.now(), sessionTimeoutMs: 3_600_000}))).toBe(false)
    expect(isMemberAlive(info({pid: process.pid}))).toBe(true)
  })

  test('a member on another host is judged by its heartbeat alone (its pid means nothing here)', () => {
    const pid = deadPid()
    expect(isMemberAlive(info({host: `not-${hostname()}`, pid, heartbeatAt: Date.now()}))).toBe(true)
    expect(isMemberAlive(info({host: `not-${hostname()}`, pid: process.pid, heartbeatAt: Date.now() - 2000, sessionTimeoutMs: 1000}))).toBe(false)
  })
})

describe('member files', () => {
  test('join writes the file, heartbeat rewrites it atomically, leave removes it and stops heartbeats', () => {
    const dir = tempDir()
    const clock = new ManualClock(1_700_000_000_000)
    const m = new Membership(dir, {memberId: newMemberId('test'), clientId: 'test', topics: ['t'], strategy: 'sticky', sessionTimeoutMs: 1500}, clock)
    m.join()
    const first = readMembers(dir)
    expect(first).toHaveLength(1)
    expect(first[0]).toMatchObject({memberId: m.info.memberId, pid: process.pid, host: hostname(), topics: ['t'], strategy: 'sticky', sessionTimeoutMs: 1500, owned: []})
    expect(first[0]).toMatchObject({heartbeatAt: 1_700_000_000_000, joinedAt: new Date(1_700_000_000_000).toISOString()})
    clock.advance(5)
    m.heartbeat({owned: [{topic: 't', partition: 2}], positions: {'t/2': 17}})
    const [after] = readMembers(dir)
    expect(after.heartbeatAt).toBe(1_700_000_000_005)
    expect(after.owned).toEqual([{topic: 't', partition: 2}])
    expect(after.positions).toEqual({'t/2': 17})
    // No temp files left beside it.
    expect(readdirSync(membersDir(dir))).toEqual([`${m.info.memberId}.json`])
    m.leave()
    expect(existsSync(m.path)).toBe(false)
    m.heartbeat()
    expect(existsSync(m.path)).toBe(false)
    expect(readMembers(dir)).toEqual([])
  })

  test('liveMembers lists only the live, sorted by id; removeDeadMembers removes the dead and damaged files, saying so', () => {
    const dir = tempDir()
    const now = Date.now()
    writeMember(dir, info({memberId: 'c-live', heartbeatAt: now}))
    writeMember(dir, info({memberId: 'a-live-elsewhere', host: `not-${hostname()}`, pid: 1, heartbeatAt: now}))
    writeMember(dir, info({memberId: 'b-timed-out', heartbeatAt: now - 10_000, sessionTimeoutMs: 1000}))
    writeMember(dir, info({memberId: 'd-process-gone', pid: deadPid(), heartbeatAt: now}))
    // Junk the reader must skip: a temp file mid-rename, a torn file.
    writeFileSync(join(membersDir(dir), 'e.json.1234.tmp'), '{')
    writeFileSync(join(membersDir(dir), 'f-torn.json'), '{"memberId": "f-to')
    expect(readMembers(dir).map((m) => m.memberId)).toEqual(['a-live-elsewhere', 'b-timed-out', 'c-live', 'd-process-gone'])
    expect(liveMembers(dir, now).map((m) => m.memberId)).toEqual(['a-live-elsewhere', 'c-live'])
    const notices: string[] = []
    expect(removeDeadMembers(dir, now, (n) => notices.push(n)).map((m) => m.memberId).sort()).toEqual(['b-timed-out', 'd-process-gone'])
    expect(readdirSync(membersDir(dir)).sort()).toEqual(['a-live-elsewhere.json', 'c-live.json', 'e.json.1234.tmp'])
    expect(notices).toEqual([expect.stringMatching(/^removed damaged member file .*f-torn\.json: it is not valid JSON/)])
  })

  test('no members directory yet: nobody is there', () => {
    const dir = tempDir()
    expect(readMembers(join(dir, 'nope'))).toEqual([])
    expect(liveMembers(join(dir, 'nope'))).toEqual([])
  })

  test('a member whose heartbeats stop is dead once its session timeout has passed on the clock', () => {
    const dir = tempDir()
    const clock = new ManualClock(1_700_000_000_000)
    const m = new Membership(dir, {memberId: 'stalled', clientId: 'test', topics: ['t'], strategy: 'range', sessionTimeoutMs: 150}, clock)
    m.join()
    clock.advance(150)
    expect(liveMembers(dir, clock.now()).map((x) => x.memberId)).toEqual(['stalled'])
    clock.advance(1)
    expect(liveMembers(dir, clock.now())).toEqual([])
    // A heartbeat brings it back.
    m.heartbeat()
    expect(liveMembers(dir, clock.now()).map((x) => x.memberId)).toEqual(['stalled'])
    expect(JSON.parse(readFileSync(m.path, 'utf8')).memberId).toBe('stalled')
  })

  test('member ids are unique and carry the client id', () => {
    const ids = new Set(Array.from({length: 100}, () => newMemberId('logpipe-consume')))
    expect(ids.size).toBe(100)
    for (const id of ids) expect(id).toMatch(/^logpipe-consume-[0-9a-f]{16}$/)
  })
})

describe('groupStrategy', () => {
  test("the longest-standing member's strategy; ties go to the lowest id; none without members", () => {
    expect(groupStrategy([])).toBeNull()
    const members = [
      info({memberId: 'c', strategy: 'sticky', joinedAt: '2026-01-01T00:00:02.000Z'}),
      info({memberId: 'b', strategy: 'roundrobin', joinedAt: '2026-01-01T00:00:01.000Z'}),
      info({memberId: 'a', strategy: 'range', joinedAt: '2026-01-01T00:00:03.000Z'}),
    ]
    expect(groupStrategy(members)).toBe('roundrobin')
    expect(groupStrategy([...members].reverse())).toBe('roundrobin')
    const tie = [info({memberId: 'y', strategy: 'sticky', joinedAt: 'T'}), info({memberId: 'x', strategy: 'range', joinedAt: 'T'})]
    expect(groupStrategy(tie)).toBe('range')
  })
})
