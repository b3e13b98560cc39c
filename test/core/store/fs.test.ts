/**
 * The store's no-follow file helpers: a link where the store keeps a file
 * or directory is a StoreError naming it, and what it points to is never
 * opened, created, truncated or written.
 */
import {closeSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {StoreError} from '../../../src/core/errors.js'
import {OPEN, copyFileNoFollow, openNoFollow, readFileNoFollow, refuseLinkedDirs, writeFileNoFollow} from '../../../src/core/store/fs.js'
import {tempDir} from '../support.js'

const LINK_MESSAGE = / is a symbolic link; logpipe does not follow links inside its data directory$/

function linkedFile() {
  const dir = tempDir()
  const target = join(dir, 'outside')
  writeFileSync(target, 'outside bytes\n')
  const link = join(dir, 'in-store')
  symlinkSync(target, link)
  return {dir, target, link, mtimeMs: statSync(target).mtimeMs}
}

function expectLinkError(fn: () => unknown, path: string): StoreError {
  let caught: unknown
  try {
    fn()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(StoreError)
  const error = caught as StoreError
  expect(error.message).toBe(`${path} is a symbolic link; logpipe does not follow links inside its data directory`)
  expect(error.message).not.toContain('\n')
  expect(error.hint).toMatch(/^replace it with the real (file|directory) \(`/)
  return error
}

describe('openNoFollow', () => {
  const following = Object.entries(OPEN).filter(([name]) => name !== 'createExclusive')
  test.each(following)('%s through a link: StoreError naming the link, the target untouched', (_name, flags) => {
    const {link, target, mtimeMs} = linkedFile()
    expectLinkError(() => openNoFollow(link, flags), link)
    expect(readFileSync(target, 'utf8')).toBe('outside bytes\n')
    expect(statSync(target).mtimeMs).toBe(mtimeMs)
  })

  test('createExclusive at a link: EEXIST, as at any name already taken, the target untouched', () => {
    const {link, target, mtimeMs} = linkedFile()
    expect(() => openNoFollow(link, OPEN.createExclusive)).toThrow(expect.objectContaining({code: 'EEXIST'}))
    expect(readFileSync(target, 'utf8')).toBe('outside bytes\n')
    expect(statSync(target).mtimeMs).toBe(mtimeMs)
  })

  test('a dangling link is not created through', () => {
    const dir = tempDir()
    const link = join(dir, '00000000000000000000.index')
    symlinkSync(join(dir, 'would-be-created'), link)
    expect(() => openNoFollow(link, OPEN.append)).toThrow(LINK_MESSAGE)
    expect(existsSync(join(dir, 'would-be-created'))).toBe(false)
  })

  test('a regular file opens; a missing one is ENOENT as with openSync', () => {
    const dir = tempDir()
    const path = join(dir, 'f')
    writeFileSync(path, 'x')
    closeSync(openNoFollow(path, OPEN.readWrite))
    expect(() => openNoFollow(join(dir, 'missing'), OPEN.read)).toThrow(expect.objectContaining({code: 'ENOENT'}))
  })

  test('the hint names the copy that replaces the link with its target', () => {
    const {link, target} = linkedFile()
    expect(expectLinkError(() => openNoFollow(link, OPEN.read), link).hint).toContain(`cp --remove-destination ${target} ${link}`)
  })
})

describe('readFileNoFollow, writeFileNoFollow, copyFileNoFollow', () => {
  test('read and write a regular file as readFileSync and writeFileSync do', () => {
    const dir = tempDir()
    const path = join(dir, 'f')
    const big = Buffer.alloc(100_000, 7)
    writeFileNoFollow(path, big)
    expect(readFileNoFollow(path).equals(big)).toBe(true)
    writeFileNoFollow(path, 'short\n')
    expect(readFileNoFollow(path, 'utf8')).toBe('short\n')
    expect(() => readFileNoFollow(join(dir, 'missing'))).toThrow(expect.objectContaining({code: 'ENOENT'}))
  })

  test('none goes through a link, at either end of a copy', () => {
    const {dir, link, target, mtimeMs} = linkedFile()
    const plain = join(dir, 'plain')
    writeFileSync(plain, 'plain\n')
    expectLinkError(() => readFileNoFollow(link, 'utf8'), link)
    expectLinkError(() => writeFileNoFollow(link, 'overwritten'), link)
    expectLinkError(() => copyFileNoFollow(plain, link), link)
    expectLinkError(() => copyFileNoFollow(link, join(dir, 'copy')), link)
    expect(readFileSync(target, 'utf8')).toBe('outside bytes\n')
    expect(statSync(target).mtimeMs).toBe(mtimeMs)
    copyFileNoFollow(plain, join(dir, 'copy'))
    expect(readFileSync(join(dir, 'copy'), 'utf8')).toBe('plain\n')
  })
})

describe('refuseLinkedDirs', () => {
  test('a link at any component below the base is refused, naming it; a missing one ends the check', () => {
    const base = tempDir()
    const outside = tempDir()
    mkdirSync(join(base, 'topic'))
    symlinkSync(outside, join(base, 'topic', '0'))
    expectLinkError(() => refuseLinkedDirs(base, 'topic', '0'), join(base, 'topic', '0'))
    expect(expectLinkError(() => refuseLinkedDirs(base, 'topic', '0'), join(base, 'topic', '0')).hint).toContain(`cp -a ${outside}`)
    expect(() => refuseLinkedDirs(base, 'topic', '1', 'x')).not.toThrow()
    expect(() => refuseLinkedDirs(base, 'topic')).not.toThrow()
  })

  test('the base itself (a data directory the user named) may be a link', () => {
    const real = tempDir()
    const holder = tempDir()
    mkdirSync(join(real, 'topic'))
    symlinkSync(real, join(holder, 'data'))
    expect(() => refuseLinkedDirs(join(holder, 'data'), 'topic')).not.toThrow()
  })
})
