/**
 * Nothing read from a group's files is trusted (DESIGN.md section 2):
 *
 * - a member is named by its file's name, never by the memberId inside it,
 *   so a planted `{"memberId":"../../victim"}` can delete nothing outside
 *   the members directory; such a file, and one with hostile topic names,
 *   partitions or positions, is damaged: left out and removed with a notice,
 *   while the live members stay;
 * - a symbolic link where a member file, an offsets directory or a
 *   generation file should be is never followed: not read through, not
 *   written through;
 * - offsets directories and files whose names are not a topic or a
 *   partition are ignored, and a damaged offsets file or journal is an
 *   error naming the file;
 * - a damaged generation file is rebuilt above the committed generation by
 *   the next owner, and no owner's generation matches it meanwhile.
 */
import {existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {join, relative} from 'node:path'
import {describe, expect, test} from 'vitest'
import {StoreError} from '../../../src/core/errors.js'
import {type MemberInfo, liveMembers, membersDir, readMembers, removeDeadMembers} from '../../../src/core/group/membership.js'
import {OffsetStore} from '../../../src/core/group/offset-store.js'
import {PartitionOwnership, ownershipDir, readGeneration} from '../../../src/core/group/ownership.js'
import {tempDir} from '../support.js'

function member(overrides: Record<string, unknown> = {}): MemberInfo {
  return {
    memberId: 'm-1',
    clientId: 'test',
    host: hostname(),
    pid: process.pid,
    topics: ['t'],
    strategy: 'range',
    sessionTimeoutMs: 10_000,
    joinedAt: new Date().toISOString(),
    heartbeatAt: Date.now(),
    owned: [],
    positions: {},
    ...overrides,
  } as MemberInfo
}

function plant(groupDir: string, fileName: string, content: unknown): string {
  mkdirSync(membersDir(groupDir), {recursive: true})
  const path = join(membersDir(groupDir), fileName)
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}

describe('member files', () => {
  test('a planted memberId with ../ deletes nothing outside: the victim survives, the planted file goes with a notice', () => {
    const base = tempDir()
    const groupDir = join(base, 'data', 'groups', 'g')
    const victim = join(base, 'victim.json')
    writeFileSync(victim, 'precious\n')
    // The path old code unlinked: members/<memberId>.json.
    const escape = relative(membersDir(groupDir), join(base, 'victim'))
    expect(escape.startsWith('..')).toBe(true)
    const live = member({memberId: 'live-1'})
    plant(groupDir, 'live-1.json', live)
    // Dead at once (its heartbeat is long past its session timeout).
    plant(groupDir, 'evil.json', member({memberId: escape, heartbeatAt: 0, sessionTimeoutMs: 1}))
    const notices: string[] = []
    removeDeadMembers(groupDir, Date.now(), (n) => notices.push(n))
    expect(readFileSync(victim, 'utf8')).toBe('precious\n')
    expect(readdirSync(membersDir(groupDir))).toEqual(['live-1.json'])
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatch(/evil\.json: memberId '\.\.\/.*' is not the file's name/)
    expect(liveMembers(groupDir).map((m) => m.memberId)).toEqual(['live-1'])
  })

  test('hostile topics, partitions and positions make a member file damaged; the live members are untouched', () => {
    const dir = tempDir()
    plant(dir, 'ok.json', member({memberId: 'ok'}))
    const hostile: Array<[string, Record<string, unknown>]> = [
      ['topic-up', {topics: ['../../etc']}],
      ['topic-dot', {topics: ['..']}],
      ['topic-type', {topics: [7]}],
      ['owned-up', {owned: [{topic: '../x', partition: 0}]}],
      ['owned-negative', {owned: [{topic: 't', partition: -1}]}],
      ['owned-huge', {owned: [{topic: 't', partition: 1e12}]}],
      ['owned-fraction', {owned: [{topic: 't', partition: 0.5}]}],
      ['positions-up', {positions: {'../x/0': 1}}],
      ['positions-negative', {positions: {'t/0': -5}}],
      ['strategy', {strategy: 'mine'}],
      ['pid', {pid: -1}],
      ['null', {}],
    ]
    for (const [id, o] of hostile) plant(dir, `${id}.json`, id === 'null' ? 'null' : member({memberId: id, ...o}))
    plant(dir, 'empty.json', '')
    plant(dir, 'names-other.json', member({memberId: 'ok'}))
    const damaged: string[] = []
    expect(readMembers(dir, (d) => damaged.push(relative(membersDir(dir), d.path))).map((m) => m.memberId)).toEqual(['ok'])
    expect(damaged.sort()).toEqual([...hostile.map(([id]) => `${id}.json`), 'empty.json', 'names-other.json'].sort())
    const notices: string[] = []
    removeDeadMembers(dir, Date.now(), (n) => notices.push(n))
    expect(notices).toHaveLength(damaged.length)
    expect(readdirSync(membersDir(dir))).toEqual(['ok.json'])
  })

  test('a member file that is a symbolic link is not read through; removing it removes the link only', () => {
    const base = tempDir()
    const outside = join(base, 'outside.json')
    writeFileSync(outside, JSON.stringify(member({memberId: 'linked'})))
    mkdirSync(membersDir(join(base, 'g')), {recursive: true})
    symlinkSync(outside, join(membersDir(join(base, 'g')), 'linked.json'))
    const notices: string[] = []
    expect(readMembers(join(base, 'g'))).toEqual([])
    removeDeadMembers(join(base, 'g'), Date.now(), (n) => notices.push(n))
    expect(notices[0]).toMatch(/symbolic link/)
    expect(existsSync(outside)).toBe(true)
    expect(readdirSync(membersDir(join(base, 'g')))).toEqual([])
  })
})

describe('offsets files', () => {
  test('names that are not a topic or a partition file are ignored, said; hostile content is a StoreError naming the file', async () => {
    const dir = tempDir()
    const s = new OffsetStore(dir)
    await s.commit('t', 0, 5, 1, 'm1')
    mkdirSync(join(dir, 'offsets', 'bad name'), {recursive: true})
    writeFileSync(join(dir, 'offsets', 'bad name', '0.json'), JSON.stringify({offset: 1, generation: 0, memberId: null, committedAt: ''}))
    for (const name of ['99999999999.json', '-1.json', '01.json', '1e3.json', 'x.json']) writeFileSync(join(dir, 'offsets', 't', name), '{}')
    const notices: string[] = []
    const all = new OffsetStore(dir, {onNotice: (n) => notices.push(n)}).readAll()
    expect([...all.keys()]).toEqual(['t'])
    expect([...all.get('t')!.keys()]).toEqual([0])
    expect(notices).toEqual([expect.stringMatching(/ignoring .*bad name: not a valid topic name/)])

    const hostile = [
      {offset: 1, generation: 0, memberId: '../../x', committedAt: ''},
      {offset: 1e300, generation: 0, memberId: null, committedAt: ''},
      {offset: 1, generation: -2, memberId: null, committedAt: ''},
      {offset: 1, generation: 0, memberId: null},
      [1, 2],
      null,
    ]
    for (const h of hostile) {
      writeFileSync(join(dir, 'offsets', 't', '3.json'), JSON.stringify(h))
      let error: unknown
      try {
        s.readAll()
      } catch (e) {
        error = e
      }
      expect(error, JSON.stringify(h)).toBeInstanceOf(StoreError)
      expect((error as StoreError).message).toContain(join(dir, 'offsets', 't', '3.json'))
      expect((error as StoreError).hint).toContain('logpipe group reset-offsets')
      expect((error as StoreError).hint).toContain('--topic t:3')
    }
  })

  test('an offsets directory that is a symbolic link is not followed: not listed, and a commit replaces the link', async () => {
    const base = tempDir()
    const outside = join(base, 'outside')
    mkdirSync(outside)
    writeFileSync(join(outside, '0.json'), JSON.stringify({offset: 77, generation: 0, memberId: null, committedAt: ''}))
    const dir = join(base, 'g')
    mkdirSync(join(dir, 'offsets'), {recursive: true})
    symlinkSync(outside, join(dir, 'offsets', 't'))
    const notices: string[] = []
    const s = new OffsetStore(dir, {onNotice: (n) => notices.push(n)})
    expect(s.readAll().size).toBe(0)
    expect(await s.commit('t', 0, 5, 1, 'm1')).toBe('committed')
    expect(notices).toEqual([expect.stringMatching(/replaced .*offsets\/t, which was not a directory/)])
    expect(readdirSync(outside)).toEqual(['0.json'])
    expect(JSON.parse(readFileSync(join(outside, '0.json'), 'utf8')).offset).toBe(77)
    expect(s.read('t', 0)?.offset).toBe(5)
  })

  test('a reset journal with a hostile topic is a damaged journal: an error naming it whose hint is a reset, and that reset replaces it', async () => {
    const dir = tempDir()
    const s = new OffsetStore(dir)
    await s.commit('t', 0, 5, 1, 'm1')
    writeFileSync(join(dir, 'reset-journal.json'), JSON.stringify({startedAt: '', entries: [{topic: '../../x', partition: 0, offset: 1, generation: 0}]}))
    expect(() => s.read('t', 0)).toThrow(StoreError)
    await expect(s.commit('t', 0, 6, 1, 'm1')).rejects.toThrow(/reset-journal\.json .* is damaged: entry 0: topic is not a valid topic name/)
    const notices: string[] = []
    await new OffsetStore(dir, {onNotice: (n) => notices.push(n)}).reset('t', 0, 2)
    expect(notices).toEqual([expect.stringMatching(/discarding .*reset-journal\.json/)])
    expect(existsSync(join(dir, 'reset-journal.json'))).toBe(false)
    expect(s.read('t', 0)?.offset).toBe(2)
  })
})

describe('generation files', () => {
  test('a damaged generation is matched by no owner, and the next owner rebuilds it above the committed generation', async () => {
    const groupDir = tempDir()
    const dir = ownershipDir(groupDir, 't', 0)
    mkdirSync(dir, {recursive: true})
    for (const text of ['', '{"generation": -3}', '{"generation": "4"}', 'null']) {
      writeFileSync(join(dir, 'generation'), text)
      expect(readGeneration(dir)).toBe(-1)
    }
    const owner = new PartitionOwnership(groupDir, 't', 0, 'm1', 2000)
    expect(await owner.tryAcquire(6)).toBe(true)
    try {
      expect(owner.generation).toBe(7)
      expect(readGeneration(dir)).toBe(7)
      expect(owner.valid).toBe(true)
      writeFileSync(join(dir, 'generation'), '{')
      expect(owner.valid).toBe(false)
    } finally {
      await owner.release()
    }
  })

  test('topic names and partitions become ownership paths only when valid', () => {
    expect(() => ownershipDir('/g', '../x', 0)).toThrow()
    expect(() => ownershipDir('/g', 't', -1)).toThrow()
    expect(() => ownershipDir('/g', 't', 2 ** 40)).toThrow()
  })
})
