/**
 * Replacing a small file so that a reader sees the old or the new content,
 * never a mix, and a crash leaves one of them: write a temp file, fsync it,
 * rename it over the target, fsync the directory. The temp file is
 * `.<name>.<random>.tmp` beside the target; a failed write (a full disk)
 * removes it, and only a kill between its creation and the rename leaves
 * one, which `removeLeftoverTemps` clears.
 */
import {closeSync, fsyncSync, linkSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'
import {randomBytes} from '../random.js'

function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
}

function writeTemp(tmp: string, data: string | Buffer, mode: number, durable = true): void {
  try {
    const fd = openSync(tmp, 'wx', mode)
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data)
      if (durable) fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch (error) {
    rmSync(tmp, {force: true})
    throw error
  }
}

/**
 * `durable: false` skips both fsyncs: still old-or-new for every reader,
 * but a machine crash may leave the old content. For files rewritten all
 * the time whose loss costs nothing (a broker's heartbeat): the fsyncs
 * block the caller's thread for milliseconds each on a busy disk.
 */
export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o600, durable = true): void {
  const tmp = tempPath(path)
  writeTemp(tmp, data, mode, durable)
  try {
    renameSync(tmp, path)
  } catch (error) {
    rmSync(tmp, {force: true})
    throw error
  }
  if (durable) syncDir(dirname(path))
}

/**
 * Writes `path` only if it does not exist yet (a hard link of the complete
 * temp file, which fails when the target exists): false when another
 * process was first.
 */
export function createFileExclusive(path: string, data: string | Buffer, mode = 0o600): boolean {
  const tmp = tempPath(path)
  writeTemp(tmp, data, mode)
  try {
    linkSync(tmp, path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    rmSync(tmp, {force: true})
  }
  syncDir(dirname(path))
  return true
}

export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n')
}

/**
 * Removes the temp files of `path` that a killed writer left behind, those
 * older than `minAgeMs` (0 when the caller holds the lock that every writer
 * of `path` holds, so none is in use). Returns the names removed.
 */
export function removeLeftoverTemps(path: string, minAgeMs = 0): string[] {
  const dir = dirname(path)
  const prefix = `.${basename(path)}.`
  const removed: string[] = []
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return removed
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !/^\.[^/]+\.[0-9a-f]{12}\.tmp$/.test(name)) continue
    const p = join(dir, name)
    try {
      if (minAgeMs > 0 && Date.now() - statSync(p).mtimeMs < minAgeMs) continue
      rmSync(p, {force: true})
      removed.push(name)
    } catch {}
  }
  return removed
}
