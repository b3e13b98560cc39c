/**
 * A task directory's `.checkpoint` file, as Kafka's OffsetCheckpoint
 * writes it: a version line (0), a count line, then one
 * `<topic> <partition> <offset>` line per changelog partition, the offset
 * being the next changelog offset the store on disk has not applied. It
 * is written (to a temporary file, synced, renamed over) after the stores
 * are flushed at a commit, so it never claims more than the files hold.
 * Anything else read back is not a checkpoint: the task restores from
 * scratch.
 */
import {closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync} from 'node:fs'
import {join} from 'node:path'

export const CHECKPOINT_FILE = '.checkpoint'

export type Checkpoint = Map<string, number>

export function checkpointKey(topic: string, partition: number): string {
  return `${topic} ${partition}`
}

export function writeCheckpoint(taskDir: string, offsets: Checkpoint): void {
  const lines = ['0', String(offsets.size), ...[...offsets].map(([tp, o]) => `${tp} ${o}`)]
  const path = join(taskDir, CHECKPOINT_FILE)
  const tmp = `${path}.tmp`
  const fd = openSync(tmp, 'w')
  try {
    writeSync(fd, lines.join('\n') + '\n')
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
}

/** The checkpoint, or null when there is none or it is not one (a torn or foreign file). */
export function readCheckpoint(taskDir: string): Checkpoint | null {
  let text: string
  try {
    text = readFileSync(join(taskDir, CHECKPOINT_FILE), 'utf8')
  } catch {
    return null
  }
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  if (lines.length < 2 || lines[0] !== '0' || !/^\d+$/.test(lines[1])) return null
  const n = Number(lines[1])
  if (lines.length !== n + 2) return null
  const out: Checkpoint = new Map()
  for (const line of lines.slice(2)) {
    const m = /^(\S+) (\d+) (\d+)$/.exec(line)
    if (!m) return null
    const offset = Number(m[3])
    if (!Number.isSafeInteger(offset)) return null
    out.set(checkpointKey(m[1], Number(m[2])), offset)
  }
  return out
}

export function deleteCheckpoint(taskDir: string): void {
  rmSync(join(taskDir, CHECKPOINT_FILE), {force: true})
}
