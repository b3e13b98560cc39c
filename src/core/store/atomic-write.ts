/**
 * Replacing a small file so that a reader sees the old or the new content,
 * never a mix, and a crash leaves one of them: write a temp file, fsync it,
 * rename it over the target, fsync the directory.
 */
import {closeSync, fsyncSync, openSync, renameSync, writeSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'
import {randomBytes} from 'node:crypto'

export function writeFileAtomic(path: string, data: string | Buffer, mode = 0o600): void {
  const dir = dirname(path)
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const fd = openSync(tmp, 'w', mode)
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
  syncDir(dir)
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
