/**
 * How the store opens its own files: never through a symbolic link. logpipe
 * makes no links inside its data directory, so one there was planted, and
 * following it would let whoever planted it make the next producer truncate
 * and write a file outside the store (a segment linked to ~/.bashrc). Files
 * are opened with O_NOFOLLOW (the last component); the directories the store
 * walks into (`topics/<topic>/<partition>`) are checked with lstat, since
 * O_NOFOLLOW does not look at the components before the last.
 *
 * A rename over a link replaces the link, and unlink removes the link
 * itself, so neither needs a check. Paths a user names (`dump FILE`) may
 * follow links: the user chose them.
 */
import {closeSync, constants, fstatSync, lstatSync, openSync, readSync, readlinkSync, writeSync} from 'node:fs'
import {join} from 'node:path'
import {StoreError} from '../errors.js'

const {O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY} = constants

/** The flag sets the store opens with, as fs.constants (O_NOFOLLOW is added by openNoFollow). */
export const OPEN = {
  /** 'r' */
  read: O_RDONLY,
  /** 'r+' */
  readWrite: O_RDWR,
  /** 'a': created when missing, written at the end. */
  append: O_WRONLY | O_CREAT | O_APPEND,
  /** 'w': created when missing, emptied when not. */
  write: O_WRONLY | O_CREAT | O_TRUNC,
  /** 'w+' */
  readWriteNew: O_RDWR | O_CREAT | O_TRUNC,
  /** 'wx': created, or EEXIST. */
  createExclusive: O_WRONLY | O_CREAT | O_EXCL,
} as const

function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`
}

/** The StoreError for a link found at `path`, with the command that puts the real file or directory there instead. */
export function symlinkError(path: string, isDirectory = false): StoreError {
  let target: string | null = null
  try {
    target = readlinkSync(path)
  } catch {}
  const p = shellWord(path)
  const t = target === null ? 'TARGET' : shellWord(target)
  const fix = isDirectory ? `rm ${p} && cp -a ${t} ${p}` : `cp --remove-destination ${t} ${p}`
  return new StoreError(`${path} is a symbolic link; logpipe does not follow links inside its data directory`, {
    hint: `replace it with the real ${isDirectory ? 'directory' : 'file'} (\`${fix}\`), or remove it (\`rm ${p}\`) if it does not belong there`,
  })
}

/** openSync(path, flags | O_NOFOLLOW); a link at `path` is a StoreError naming it, any other failure is thrown as it is (ENOENT stays ENOENT). */
export function openNoFollow(path: string, flags: number, mode?: number): number {
  try {
    return openSync(path, flags | O_NOFOLLOW, mode)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw symlinkError(path)
    throw error
  }
}

/** readFileSync without following a link at `path`. */
export function readFileNoFollow(path: string): Buffer
export function readFileNoFollow(path: string, encoding: BufferEncoding): string
export function readFileNoFollow(path: string, encoding?: BufferEncoding): Buffer | string {
  const fd = openNoFollow(path, OPEN.read)
  try {
    let buf = Buffer.allocUnsafe(Math.max(fstatSync(fd).size, 4096))
    let at = 0
    for (;;) {
      if (at === buf.length) {
        const grown = Buffer.allocUnsafe(buf.length * 2)
        buf.copy(grown, 0, 0, at)
        buf = grown
      }
      const n = readSync(fd, buf, at, buf.length - at, at)
      if (n === 0) break
      at += n
    }
    const data = buf.subarray(0, at)
    return encoding === undefined ? Buffer.from(data) : data.toString(encoding)
  } finally {
    closeSync(fd)
  }
}

/** writeFileSync without following a link at `path`. */
export function writeFileNoFollow(path: string, data: string | Buffer, mode?: number): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data
  const fd = openNoFollow(path, OPEN.write, mode)
  try {
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at)
  } finally {
    closeSync(fd)
  }
}

/** copyFileSync that follows a link at neither end. */
export function copyFileNoFollow(from: string, to: string): void {
  const src = openNoFollow(from, OPEN.read)
  try {
    const dest = openNoFollow(to, OPEN.write, fstatSync(src).mode & 0o777)
    try {
      const buf = Buffer.allocUnsafe(1 << 20)
      let at = 0
      for (;;) {
        const n = readSync(src, buf, 0, buf.length, at)
        if (n === 0) break
        for (let w = 0; w < n; ) w += writeSync(dest, buf, w, n - w, at + w)
        at += n
      }
    } finally {
      closeSync(dest)
    }
  } finally {
    closeSync(src)
  }
}

/**
 * Checks that no component of `base/parts...` is a symbolic link (`base`
 * itself, the data directory or a part of it the user named, is not
 * checked). It stops at the first that does not exist: creating it is the
 * caller's business.
 */
export function refuseLinkedDirs(base: string, ...parts: string[]): void {
  let path = base
  for (const part of parts) {
    path = join(path, part)
    let isLink: boolean
    try {
      isLink = lstatSync(path).isSymbolicLink()
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') return
      throw error
    }
    if (isLink) throw symlinkError(path, true)
  }
}
