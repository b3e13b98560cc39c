/**
 * Committed offsets (DESIGN.md "Reading and offsets"): one small JSON file
 * per partition, replaced atomically; a commit never moves an offset back
 * by accident ('backwards') and never replaces one made under a newer
 * ownership generation ('fenced'), and a refused commit leaves the file as
 * it was. Only an operator's reset moves an offset anywhere.
 */
import {readdirSync, readFileSync, statSync, writeFileSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {StoreError} from '../../../src/core/errors.js'
import {OffsetStore} from '../../../src/core/group/offset-store.js'
import {tempDir} from '../support.js'

const fileOf = (dir: string, topic: string, p: number) => join(dir, 'offsets', topic, `${p}.json`)

describe('OffsetStore', () => {
  test('a commit is read back, one file per partition, with no temp files left', async () => {
    const dir = tempDir()
    const s = new OffsetStore(dir)
    expect(s.read('t', 0)).toBeNull()
    expect(await s.commit('t', 0, 5, 1, 'm1')).toBe('committed')
    expect(await s.commit('t', 3, 9, 2, 'm2')).toBe('committed')
    expect(await s.commit('u', 0, 0, 1, 'm1')).toBe('committed')
    expect(s.read('t', 0)).toMatchObject({offset: 5, generation: 1, memberId: 'm1'})
    expect(JSON.parse(readFileSync(fileOf(dir, 't', 3), 'utf8'))).toMatchObject({offset: 9, generation: 2, memberId: 'm2'})
    expect(readdirSync(join(dir, 'offsets', 't')).sort()).toEqual(['0.json', '3.json'])
    const all = s.readAll()
    expect([...all.keys()]).toEqual(['t', 'u'])
    expect([...all.get('t')!].map(([p, c]) => [p, c.offset])).toEqual([[0, 5], [3, 9]])
  })

  test('forward under the same or a newer generation; the same offset again is unchanged', async () => {
    const s = new OffsetStore(tempDir())
    expect(await s.commit('t', 0, 5, 1, 'm1')).toBe('committed')
    expect(await s.commit('t', 0, 5, 1, 'm1')).toBe('unchanged')
    expect(await s.commit('t', 0, 8, 1, 'm1')).toBe('committed')
    // The next owner starts where the last one committed: same offset, newer generation.
    expect(await s.commit('t', 0, 8, 2, 'm2')).toBe('committed')
    expect(s.read('t', 0)).toMatchObject({offset: 8, generation: 2, memberId: 'm2'})
  })

  test('a commit from an older generation is fenced and changes nothing', async () => {
    const dir = tempDir()
    const s = new OffsetStore(dir)
    expect(await s.commit('t', 0, 10, 2, 'new-owner')).toBe('committed')
    const before = readFileSync(fileOf(dir, 't', 0), 'utf8')
    // Forward or not, the old owner's commit is refused.
    expect(await s.commit('t', 0, 50, 1, 'old-owner')).toBe('fenced')
    expect(await s.commit('t', 0, 10, 1, 'old-owner')).toBe('fenced')
    expect(await s.commit('t', 0, 3, 1, 'old-owner')).toBe('fenced')
    expect(readFileSync(fileOf(dir, 't', 0), 'utf8')).toBe(before)
    expect(s.read('t', 0)).toMatchObject({offset: 10, generation: 2, memberId: 'new-owner'})
  })

  test('a commit that would go backwards is refused and changes nothing', async () => {
    const dir = tempDir()
    const s = new OffsetStore(dir)
    await s.commit('t', 0, 10, 1, 'm1')
    const before = readFileSync(fileOf(dir, 't', 0), 'utf8')
    expect(await s.commit('t', 0, 9, 1, 'm1')).toBe('backwards')
    expect(await s.commit('t', 0, 0, 2, 'm2')).toBe('backwards')
    expect(readFileSync(fileOf(dir, 't', 0), 'utf8')).toBe(before)
  })

  test('reset moves an offset anywhere, keeps the generation (owners stay fenced), names no member', async () => {
    const s = new OffsetStore(tempDir())
    await s.commit('t', 0, 10, 3, 'm1')
    await s.reset('t', 0, 2)
    expect(s.read('t', 0)).toMatchObject({offset: 2, generation: 3, memberId: null})
    // An owner of an older generation is still fenced after the reset...
    expect(await s.commit('t', 0, 11, 2, 'stale')).toBe('fenced')
    // ...and the current generation carries on from the reset offset.
    expect(await s.commit('t', 0, 4, 3, 'm1')).toBe('committed')
    await s.reset('u', 1, 7)
    expect(s.read('u', 1)).toMatchObject({offset: 7, generation: 0})
  })

  test('a damaged offsets file is a clear StoreError naming it, with a hint', async () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'offsets', 't'), {recursive: true})
    for (const text of ['{"offset": ', '{"offset": -1, "generation": 0}', '{"offset": "7"}']) {
      writeFileSync(fileOf(dir, 't', 0), text)
      let error: unknown
      try {
        new OffsetStore(dir).read('t', 0)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(StoreError)
      expect((error as StoreError).message).toContain(fileOf(dir, 't', 0))
      expect((error as StoreError).hint).toMatch(/reset-offsets/)
    }
    // Files that are not <partition>.json are not offsets.
    writeFileSync(fileOf(dir, 't', 0), '{"offset": 1, "generation": 1, "memberId": null, "committedAt": ""}')
    writeFileSync(join(dir, 'offsets', 't', '.0.json.abc.tmp'), '{')
    expect([...new OffsetStore(dir).readAll().get('t')!.keys()]).toEqual([0])
  })
})

describe('OffsetStore.commitAll (a broker coordinator\'s commits)', () => {
  test('the client\'s word: back as well as forward, the ownership generation kept, metadata and topic id stored; an unchanged offset is not rewritten', async () => {
    const dir = tempDir()
    const s = new OffsetStore(dir)
    expect(await s.commit('t', 0, 9, 4, 'file-member')).toBe('committed')
    await s.commitAll([{topic: 't', partition: 0, offset: 3, metadata: 'm', topicId: 'abc-1'}, {topic: 't', partition: 1, offset: 7, metadata: null}], 'wire-1')
    expect(s.read('t', 0)).toMatchObject({offset: 3, generation: 4, memberId: 'wire-1', metadata: 'm', topicId: 'abc-1'})
    expect(s.read('t', 1)).toMatchObject({offset: 7, generation: 0, memberId: 'wire-1'})
    expect(s.read('t', 1)!.metadata).toBeUndefined()
    const ino = statSync(fileOf(dir, 't', 0)).ino
    await s.commitAll([{topic: 't', partition: 0, offset: 3, metadata: 'm', topicId: 'abc-1'}], 'wire-1')
    expect(statSync(fileOf(dir, 't', 0)).ino).toBe(ino)
    await s.commitAll([{topic: 't', partition: 0, offset: 4, metadata: 'm', topicId: 'abc-1'}], null)
    expect(statSync(fileOf(dir, 't', 0)).ino).not.toBe(ino)
    expect(s.read('t', 0)).toMatchObject({offset: 4, memberId: null})
    await expect(s.commitAll([{topic: 't', partition: 0, offset: 1, metadata: 'x'.repeat(4097)}], null)).rejects.toThrow(StoreError)
  })
})
