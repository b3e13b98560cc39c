/**
 * atomic-write never leaves its temp file behind when a write fails (a
 * full disk, a target it cannot replace), and createFileExclusive lets
 * exactly one writer create a file.
 */
import {mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, test, vi} from 'vitest'

const failWrite = {on: false}
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  return {
    ...fs,
    writeSync: (...args: Parameters<typeof fs.writeSync>) => {
      if (failWrite.on) throw Object.assign(new Error('ENOSPC: no space left on device, write'), {code: 'ENOSPC'})
      return fs.writeSync(...args)
    },
  }
})

const {createFileExclusive, removeLeftoverTemps, writeFileAtomic} = await import('../../../src/core/store/atomic-write.js')

const dirs: string[] = []
afterEach(() => {
  failWrite.on = false
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'logpipe-aw-'))
  dirs.push(d)
  return d
}

describe('writeFileAtomic', () => {
  test('a full disk: the error is thrown, the old content stays, no temp file is left', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'f.json'), 'old')
    failWrite.on = true
    expect(() => writeFileAtomic(join(dir, 'f.json'), 'new')).toThrow(/ENOSPC/)
    expect(readdirSync(dir)).toEqual(['f.json'])
    expect(readFileSync(join(dir, 'f.json'), 'utf8')).toBe('old')
  })

  test('a target that cannot be replaced (a non-empty directory): no temp file is left', () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'f.json'))
    writeFileSync(join(dir, 'f.json', 'inside'), '')
    expect(() => writeFileAtomic(join(dir, 'f.json'), 'new')).toThrow()
    expect(readdirSync(dir)).toEqual(['f.json'])
  })

  test('createFileExclusive: the first writer wins, the second is told so, no temp files', () => {
    const dir = tempDir()
    expect(createFileExclusive(join(dir, 's.json'), 'first')).toBe(true)
    expect(createFileExclusive(join(dir, 's.json'), 'second')).toBe(false)
    expect(readFileSync(join(dir, 's.json'), 'utf8')).toBe('first')
    expect(readdirSync(dir)).toEqual(['s.json'])
  })

  test('removeLeftoverTemps removes only the temp files of that file', () => {
    const dir = tempDir()
    for (const n of ['.f.json.0123456789ab.tmp', '.g.json.0123456789ab.tmp', 'f.json', '.f.json.lock']) writeFileSync(join(dir, n), '')
    expect(removeLeftoverTemps(join(dir, 'f.json'))).toEqual(['.f.json.0123456789ab.tmp'])
    expect(readdirSync(dir).sort()).toEqual(['.f.json.lock', '.g.json.0123456789ab.tmp', 'f.json'])
  })
})
