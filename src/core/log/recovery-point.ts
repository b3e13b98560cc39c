/**
 * A partition's recovery point: the offset below which every batch was
 * written by a holder that let go of the lock cleanly, so a writer taking
 * over after a crash checks and may cut only what lies past it. Damage below
 * it is never "recovered" by truncation: readers report it and `topic verify
 * --repair` is the one tool that cuts it.
 *
 * The file is Kafka's `recovery-point-offset-checkpoint` format (version 0,
 * an entry count, then `topic partition offset` lines), with the one entry
 * of its own partition, since each partition directory keeps its own.
 */
import {renameSync, rmSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'
import {readFileNoFollow, writeFileNoFollow} from '../store/fs.js'

export const RECOVERY_POINT_FILE = 'recovery-point-offset-checkpoint'

export type RecoveryPoint = {offset: number} | {offset: null; damaged: string | null}

/** The recovery point, `{offset: null, damaged: null}` when there is none, or what is wrong with the file. */
export function readRecoveryPoint(dir: string): RecoveryPoint {
  const path = join(dir, RECOVERY_POINT_FILE)
  let text: string
  try {
    text = readFileNoFollow(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {offset: null, damaged: null}
    throw error
  }
  const lines = text.split('\n')
  if (lines[0] !== '0') return {offset: null, damaged: `${path}: version '${lines[0].slice(0, 20)}' is not 0`}
  if (lines[1] !== '1') return {offset: null, damaged: `${path}: entry count '${lines[1]?.slice(0, 20)}' is not 1`}
  const m = /^\S+ \S+ (\d{1,16})$/.exec(lines[2] ?? '')
  const offset = m ? Number(m[1]) : NaN
  if (!Number.isSafeInteger(offset) || lines.slice(3).some((l) => l !== '')) {
    return {offset: null, damaged: `${path}: entry '${(lines[2] ?? '').slice(0, 60)}' is not 'topic partition offset'`}
  }
  return {offset}
}

/** Replaces the file atomically (temp, rename); no fsync, as the batches below it were not synced either. */
export function writeRecoveryPoint(dir: string, offset: number): void {
  const topic = basename(dirname(dir))
  const partition = basename(dir)
  const path = join(dir, RECOVERY_POINT_FILE)
  const tmp = `${path}.${process.pid}.tmp`
  // A leftover of ours, or something planted under our name: either way not to be written through.
  rmSync(tmp, {force: true})
  writeFileNoFollow(tmp, `0\n1\n${topic} ${partition} ${offset}\n`)
  renameSync(tmp, path)
}
