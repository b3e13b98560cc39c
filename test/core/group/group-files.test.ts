/**
 * How group files are written and serialised (DESIGN.md section 2,
 * "Nothing read from a file is trusted"; issue 8 points 5, 9 and 11):
 *
 * - a write that fails at any step (an injected ENOSPC halfway through the
 *   bytes, a failing fsync or rename) leaves the old file exactly as it
 *   was and no temporary file, and says so in one StoreError line;
 * - group.json is never left empty: a failed first write leaves none, and
 *   an empty or damaged one is rebuilt with a notice;
 * - a reset whose journal cannot be written changes nothing; one that
 *   fails after the journal is in place reads as all new at once, and the
 *   next writer finishes it;
 * - concurrent processes committing to one partition never lose a newer
 *   offset (every read-modify-write holds the group lock).
 */
import {execFile, spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterEach, describe, expect, test} from 'vitest'
import {StoreError} from '../../../src/core/errors.js'
import {groupFileIo, writeGroupJson} from '../../../src/core/group/group-files.js'
import {ensureGroup} from '../../../src/core/group/group-member.js'
import {Membership, readMembers} from '../../../src/core/group/membership.js'
import {OffsetStore} from '../../../src/core/group/offset-store.js'
import {ROOT} from '../../helpers/cli.js'
import {tempDir} from '../support.js'

const real = {...groupFileIo}
afterEach(() => Object.assign(groupFileIo, real))

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), {code: 'ENOSPC'})

/** From the `after`-th write on, writes half of what is asked, then the next one throws ENOSPC (a disk filling up). */
function diskFullAfter(after: number): void {
  let calls = 0
  let half = false
  groupFileIo.writeSync = ((fd: number, buf: Buffer, offset: number, length: number) => {
    if (calls++ < after) return real.writeSync(fd, buf, offset, length)
    if (!half) {
      half = true
      return real.writeSync(fd, buf, offset, Math.max(1, Math.floor(length / 2)))
    }
    throw enospc()
  }) as typeof groupFileIo.writeSync
}

function expectDiskFull(fn: () => unknown): StoreError {
  let error: unknown
  try {
    fn()
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(StoreError)
  expect((error as StoreError).message).toMatch(/^cannot write .*: no space left on the device; the old file is unchanged$/)
  expect((error as StoreError).hint).toMatch(/free some space/)
  return error as StoreError
}

describe('writing a group file', () => {
  test('ENOSPC halfway through the bytes leaves the old file intact and no temp file', () => {
    const dir = tempDir()
    const path = join(dir, 'group.json')
    writeGroupJson(path, {group: 'g', createdAt: 'then'})
    const before = readFileSync(path, 'utf8')
    diskFullAfter(0)
    expectDiskFull(() => writeGroupJson(path, {group: 'g', createdAt: 'now', padding: 'x'.repeat(10_000)}))
    expect(readFileSync(path, 'utf8')).toBe(before)
    expect(readdirSync(dir)).toEqual(['group.json'])
  })

  test('a failing fsync or rename leaves the old file intact and no temp file', () => {
    const dir = tempDir()
    const path = join(dir, 'x.json')
    writeGroupJson(path, {v: 1})
    for (const step of ['fsyncSync', 'renameSync'] as const) {
      groupFileIo[step] = (() => {
        throw enospc()
      }) as never
      expectDiskFull(() => writeGroupJson(path, {v: 2}))
      Object.assign(groupFileIo, real)
      expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({v: 1})
      expect(readdirSync(dir)).toEqual(['x.json'])
    }
  })

  test('a member heartbeat on a full disk keeps the last heartbeat readable', () => {
    const dir = tempDir()
    const m = new Membership(dir, {memberId: 'm-1', clientId: 't', topics: ['t'], strategy: 'range', sessionTimeoutMs: 10_000})
    m.join()
    diskFullAfter(0)
    expectDiskFull(() => m.heartbeat({positions: {'t/0': 5}}))
    Object.assign(groupFileIo, real)
    expect(readMembers(dir).map((x) => x.memberId)).toEqual(['m-1'])
    expect(readdirSync(join(dir, 'members'))).toEqual(['m-1.json'])
  })
})

describe('temp files a killed writer left', () => {
  test('are removed by the next write in their directory when their writer is gone; a live writer\'s is kept', () => {
    const dir = tempDir()
    const dead = spawnSync(process.execPath, ['-e', '0']).pid
    const left = join(dir, `.0.json.${dead}-0123456789ab.tmp`)
    const live = join(dir, `.1.json.${process.pid}-0123456789ab.tmp`)
    writeFileSync(left, '{"offset": 1')
    writeFileSync(live, '{"offset": 2')
    writeGroupJson(join(dir, '0.json'), {offset: 3})
    expect(readdirSync(dir).sort()).toEqual(['.1.json.' + process.pid + '-0123456789ab.tmp', '0.json'])
    expect(existsSync(live)).toBe(true)
  })
})

describe('group.json', () => {
  test('a first write on a full disk leaves no group.json at all (never an empty one), and no temp file', async () => {
    const data = tempDir()
    diskFullAfter(0)
    await expect(ensureGroup(data, 'g')).rejects.toThrow(/no space left/)
    expect(readdirSync(join(data, 'groups', 'g'))).toEqual([])
    Object.assign(groupFileIo, real)
    await ensureGroup(data, 'g')
    expect(JSON.parse(readFileSync(join(data, 'groups', 'g', 'group.json'), 'utf8'))).toMatchObject({group: 'g'})
  })

  test('an empty, partial or wrong group.json (what a full disk used to leave) is rebuilt, saying so', async () => {
    const data = tempDir()
    mkdirSync(join(data, 'groups', 'g'), {recursive: true})
    for (const text of ['', '{"group": "g", "crea', '{"group": "other", "createdAt": ""}', 'null']) {
      writeFileSync(join(data, 'groups', 'g', 'group.json'), text)
      const notices: string[] = []
      await ensureGroup(data, 'g', (n) => notices.push(n))
      expect(notices).toEqual([expect.stringMatching(/^group g: rebuilt .*group\.json: it was damaged: /)])
      expect(JSON.parse(readFileSync(join(data, 'groups', 'g', 'group.json'), 'utf8'))).toMatchObject({group: 'g'})
    }
    const notices: string[] = []
    await ensureGroup(data, 'g', (n) => notices.push(n))
    expect(notices).toEqual([])
  })
})

describe('reset-offsets is all-or-nothing', () => {
  const entries = (n: number, offset: number) => Array.from({length: n}, (_, p) => ({topic: 't', partition: p, offset}))
  const offsetsOf = (dir: string) => [...(new OffsetStore(dir).readAll().get('t') ?? new Map()).values()].map((c) => c.offset)

  test('a journal that cannot be written (disk full) changes nothing and leaves no file behind', async () => {
    const dir = tempDir()
    await new OffsetStore(dir).resetAll(entries(20, 5))
    const before = readdirSync(dir).sort()
    diskFullAfter(0)
    await expect(new OffsetStore(dir).resetAll(entries(20, 9))).rejects.toThrow(/no space left/)
    Object.assign(groupFileIo, real)
    expect(offsetsOf(dir)).toEqual(Array(20).fill(5))
    expect(readdirSync(dir).sort()).toEqual(before)
    expect(readdirSync(join(dir, 'offsets', 't')).filter((n) => n.endsWith('.tmp'))).toEqual([])
  })

  test('a failure after the journal is in place reads as all new at once; the next writer finishes it and says so', async () => {
    const dir = tempDir()
    await new OffsetStore(dir).resetAll(entries(20, 5))
    // The journal is one write; the disk fills at the 8th offsets file.
    diskFullAfter(8)
    await expect(new OffsetStore(dir).resetAll(entries(20, 9))).rejects.toThrow(/no space left/)
    Object.assign(groupFileIo, real)
    const onDisk = readdirSync(join(dir, 'offsets', 't')).map((n) => JSON.parse(readFileSync(join(dir, 'offsets', 't', n), 'utf8')).offset)
    expect(new Set(onDisk)).toEqual(new Set([5, 9]))
    expect(offsetsOf(dir)).toEqual(Array(20).fill(9))
    const notices: string[] = []
    await new OffsetStore(dir, {onNotice: (n) => notices.push(n)}).settle()
    expect(notices).toEqual([expect.stringMatching(/finished an interrupted reset-offsets of 20 partition\(s\)/)])
    expect(existsSync(join(dir, 'reset-journal.json'))).toBe(false)
    expect(readdirSync(join(dir, 'offsets', 't')).map((n) => JSON.parse(readFileSync(join(dir, 'offsets', 't', n), 'utf8')).offset)).toEqual(Array(20).fill(9))
  })
})

describe('serialised read-modify-write', () => {
  test('four processes committing interleaved offsets to one partition lose no newer offset', async () => {
    const dir = tempDir()
    mkdirSync(dir, {recursive: true})
    const K = 4
    const N = 60
    const script = join(ROOT, 'test', 'fixtures', 'groups', 'commit-race.mjs')
    const results = await Promise.all(
      Array.from({length: K}, (_, k) => promisify(execFile)(process.execPath, [script, dir, String(k), String(K), String(N)]).then((r) => JSON.parse(r.stdout) as {lost: number; committed: number})),
    )
    expect(results.map((r) => r.lost)).toEqual(Array(K).fill(0))
    // The highest offset anyone committed is the one that stays.
    expect(new OffsetStore(dir).read('t', 0)?.offset).toBe(N * K - 1)
  }, 60_000)
})
