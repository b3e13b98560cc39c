/**
 * How the group code reads, writes and serialises its small metadata files
 * (member files, group.json, offsets, generations, the reset journal).
 *
 * - Writing: temp file (dot-named, so listings skip it), every byte written,
 *   fsync, rename (or link, to create only if absent), fsync of the
 *   directory. A failure at any step (ENOSPC) removes the temp file and
 *   leaves the old file as it was: never an empty or partial file.
 * - Reading: never follows a symbolic link, never reads more than a bound,
 *   and hands back "missing", "damaged: why" or the checked value, so each
 *   caller decides whether damage is an error, a notice or a rebuild.
 * - Serialising: `withGroupLock` around every read-modify-write of a
 *   group's files. It stands in for the store's shared metadata lock
 *   (store/metadata-lock.ts, being written); swapping it is this one
 *   function.
 */
import * as fs from 'node:fs'
import {basename, dirname, join} from 'node:path'
import {StoreError} from '../errors.js'
import {PartitionLock} from '../lock/partition-lock.js'
import {pidExists} from '../lock/process-identity.js'
import {randomBytes} from '../random.js'

/** The calls every byte of a group file goes through; a fault-injection test replaces one (an ENOSPC write). */
export const groupFileIo = {
  openSync: fs.openSync,
  writeSync: fs.writeSync,
  fsyncSync: fs.fsyncSync,
  closeSync: fs.closeSync,
  renameSync: fs.renameSync,
  linkSync: fs.linkSync,
  unlinkSync: fs.unlinkSync,
}

export interface WriteOptions {
  /** fsync the file and its directory (false for heartbeats: they need not survive a machine crash). */
  sync?: boolean
  /** Sync the directory too (a caller writing many files in one directory syncs it once at the end). */
  syncDir?: boolean
  /** Create only if absent: false when the file already existed (it is left as it was). */
  exclusive?: boolean
}

/** Replaces (or creates) `path` with `data` so that it holds the old content or the new, never a mix or nothing. */
export function writeGroupFile(path: string, data: string, options: WriteOptions = {}): boolean {
  const io = groupFileIo
  const sync = options.sync ?? true
  const dir = dirname(path)
  removeStaleTemps(dir)
  const tmp = join(dir, `.${basename(path)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`)
  let fd: number | null = null
  let created = true
  try {
    fd = io.openSync(tmp, 'wx', 0o600)
    const bytes = Buffer.from(data)
    for (let at = 0; at < bytes.length; ) at += io.writeSync(fd, bytes, at, bytes.length - at)
    if (sync) io.fsyncSync(fd)
    io.closeSync(fd)
    fd = null
    if (options.exclusive) {
      try {
        io.linkSync(tmp, path)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
        created = false
      }
      io.unlinkSync(tmp)
    } else {
      io.renameSync(tmp, path)
    }
  } catch (error) {
    if (fd !== null) {
      try {
        io.closeSync(fd)
      } catch {}
    }
    try {
      io.unlinkSync(tmp)
    } catch {}
    throw writeError(path, error)
  }
  if (sync && (options.syncDir ?? true)) syncDirectory(dir)
  return created
}

/** A writer's temp file: `.<name>.<pid>-<random>.tmp`. */
const TEMP = /^\..+\.(\d+)-[0-9a-f]+\.tmp$/
/** A temp file this old was left by a writer on another host that died (a write takes milliseconds). */
const STALE_TEMP_MS = 60_000
const TEMP_SWEEP_MS = 10_000
const sweptAt = new Map<string, number>()

/**
 * Removes temp files that killed writers left in `dir` (a kill between
 * writing a temp file and renaming it): one whose writer's pid is gone
 * from this host, or that is older than any write takes. At most once per
 * TEMP_SWEEP_MS per directory, so commits do not pay a listing each.
 */
function removeStaleTemps(dir: string): void {
  const now = Date.now()
  if (now - (sweptAt.get(dir) ?? 0) < TEMP_SWEEP_MS) return
  sweptAt.set(dir, now)
  let names: string[]
  try {
    names = fs.readdirSync(dir)
  } catch {
    return
  }
  for (const name of names) {
    const m = TEMP.exec(name)
    if (!m) continue
    const path = join(dir, name)
    const st = fs.lstatSync(path, {throwIfNoEntry: false})
    if (!st || !st.isFile()) continue
    if (pidExists(Number(m[1])) && now - st.mtimeMs < STALE_TEMP_MS) continue
    try {
      fs.unlinkSync(path)
    } catch {}
  }
}

export function writeGroupJson(path: string, value: unknown, options: WriteOptions = {}): boolean {
  return writeGroupFile(path, JSON.stringify(value, null, 2) + '\n', options)
}

export function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r')
  try {
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}

function writeError(path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new StoreError(`cannot write ${path}: no space left on the device; the old file is unchanged`, {
      hint: 'free some space on that disk, then run the command again',
      cause: error,
    })
  }
  if (code === undefined) return error as Error
  return new StoreError(`cannot write ${path}: ${(error as Error).message}`, {cause: error})
}

export type FileRead<T> = {kind: 'missing'} | {kind: 'damaged'; why: string} | {kind: 'ok'; value: T; ino: bigint}

/**
 * Reads a JSON file of the group's and checks it with `check`, which
 * returns the value or a string saying what is wrong. A symbolic link, a
 * directory, a file over `maxBytes`, text that is not JSON: all "damaged".
 */
export function readGroupJson<T>(path: string, check: (value: unknown) => T | string, maxBytes = 1 << 20): FileRead<T> {
  let fd: number
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return {kind: 'missing'}
    if (code === 'ELOOP') return {kind: 'damaged', why: 'it is a symbolic link (logpipe never follows one in its store)'}
    if (code === 'EISDIR') return {kind: 'damaged', why: 'it is a directory'}
    throw new StoreError(`cannot read ${path}: ${(error as Error).message}`, {cause: error})
  }
  let text: string
  let ino: bigint
  try {
    const st = fs.fstatSync(fd, {bigint: true})
    ino = st.ino
    if (!st.isFile()) return {kind: 'damaged', why: 'it is not a regular file'}
    if (st.size > BigInt(maxBytes)) return {kind: 'damaged', why: `it is ${st.size} bytes; the limit is ${maxBytes}`}
    const buf = Buffer.alloc(Number(st.size))
    let at = 0
    while (at < buf.length) {
      const n = fs.readSync(fd, buf, at, buf.length - at, at)
      if (n === 0) break
      at += n
    }
    text = buf.subarray(0, at).toString('utf8')
  } finally {
    fs.closeSync(fd)
  }
  if (text.trim() === '') return {kind: 'damaged', why: 'it is empty'}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return {kind: 'damaged', why: `it is not valid JSON (${(error as Error).message})`}
  }
  const checked = check(value)
  if (typeof checked === 'string') return {kind: 'damaged', why: checked}
  return {kind: 'ok', value: checked, ino}
}

/** Removes `path` only if it is still the file read as `ino` (a live member may have renamed a new one over it since). */
export function unlinkIfSame(path: string, ino: bigint | null): boolean {
  try {
    if (ino !== null && fs.lstatSync(path, {bigint: true}).ino !== ino) return false
    fs.unlinkSync(path)
    return true
  } catch {
    return false
  }
}

/** The inode of `path` itself (not of what a link points to); null when missing. */
export function inodeOf(path: string): bigint | null {
  try {
    return fs.lstatSync(path, {bigint: true}).ino
  } catch {
    return null
  }
}

/**
 * Makes `base/parts...` a chain of real directories. A component that is a
 * symbolic link or a file (planted: logpipe makes none) is removed, never
 * followed, and replaced by a directory, so no write below it lands outside
 * the store. Returns the paths it replaced, for the caller to say so.
 */
export function ensureDirs(base: string, ...parts: string[]): string[] {
  const replaced: string[] = []
  let path = base
  for (const part of parts) {
    path = join(path, part)
    let st: fs.Stats | null = null
    try {
      st = fs.lstatSync(path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    if (st?.isDirectory()) continue
    if (st) {
      fs.unlinkSync(path)
      replaced.push(path)
    }
    try {
      fs.mkdirSync(path, {mode: 0o700})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !fs.lstatSync(path).isDirectory()) throw error
    }
  }
  return replaced
}

/** True when every component of `base/parts...` is a real directory (no link on the way). */
/** The names in a directory; none when it is missing or not a directory. */
export function listNames(dir: string): string[] {
  try {
    return fs.readdirSync(dir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return []
    throw error
  }
}

export function realDirs(base: string, ...parts: string[]): boolean {
  let path = base
  for (const part of parts) {
    path = join(path, part)
    try {
      if (!fs.lstatSync(path).isDirectory()) return false
    } catch {
      return false
    }
  }
  return true
}

/** Helpers for `check` functions: each returns what is wrong, or null. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export const MAX_PARTITION = 2 ** 31 - 1

export function isPartition(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_PARTITION
}

export function isOffset(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0
}

/**
 * Runs `fn` holding the group's metadata lock (`groups/<g>/lock/`), so
 * read-modify-writes of group.json, offsets and the reset journal by
 * several processes never lose one another's update.
 */
export async function withGroupLock<T>(groupDir: string, fn: () => Promise<T> | T): Promise<T> {
  const dir = join(groupDir, 'lock')
  ensureDirs(groupDir, 'lock')
  const lock = new PartitionLock(dir, {client: 'logpipe-group', label: `group ${basename(groupDir)} metadata`})
  await lock.acquire()
  try {
    return await fn()
  } finally {
    // The group may have been renamed away under us (group delete): nothing left to release.
    await lock.release().catch(() => {})
  }
}
