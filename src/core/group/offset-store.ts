/**
 * Committed offsets of a consumer group: one small JSON file per
 * topic-partition at `groups/<group>/offsets/<topic>/<partition>.json`,
 * replaced atomically (temp file, fsync, rename, fsync of the directory).
 * A committed offset is the next offset to read. A commit never moves an
 * offset backwards and never replaces one made under a newer ownership
 * generation; only `reset` (an explicit operator action) may do either.
 */
import {existsSync, mkdirSync, readFileSync, readdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {writeJsonAtomic} from '../store/atomic-write.js'
import {StoreError} from '../errors.js'

export interface CommittedOffset {
  offset: number
  /** Ownership generation of the partition when committed (0 for resets). */
  generation: number
  memberId: string | null
  committedAt: string
}

export type CommitOutcome = 'committed' | 'unchanged' | 'fenced' | 'backwards'

export class OffsetStore {
  readonly groupDir: string

  constructor(groupDir: string) {
    this.groupDir = groupDir
  }

  private dir(topic: string): string {
    return join(this.groupDir, 'offsets', topic)
  }

  private path(topic: string, partition: number): string {
    return join(this.dir(topic), `${partition}.json`)
  }

  read(topic: string, partition: number): CommittedOffset | null {
    const path = this.path(topic, partition)
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw error
    }
    try {
      const c = JSON.parse(text) as CommittedOffset
      if (!Number.isSafeInteger(c.offset) || c.offset < 0) throw new Error('offset is not a non-negative integer')
      return c
    } catch (error) {
      throw new StoreError(`${path} is damaged: ${(error as Error).message}`, {hint: 'reset it with `logpipe group reset-offsets`'})
    }
  }

  /** Every committed offset: topic -> partition -> offset. */
  readAll(): Map<string, Map<number, CommittedOffset>> {
    const out = new Map<string, Map<number, CommittedOffset>>()
    const root = join(this.groupDir, 'offsets')
    if (!existsSync(root)) return out
    for (const topic of readdirSync(root).sort()) {
      if (topic.startsWith('.')) continue
      const parts = new Map<number, CommittedOffset>()
      for (const name of readdirSync(join(root, topic))) {
        const m = /^(\d+)\.json$/.exec(name)
        if (!m) continue
        const c = this.read(topic, Number(m[1]))
        if (c) parts.set(Number(m[1]), c)
      }
      if (parts.size > 0) out.set(topic, new Map([...parts].sort((a, b) => a[0] - b[0])))
    }
    return out
  }

  /**
   * A member's commit. Refused ('fenced') when a commit from a newer
   * generation is already there, and ('backwards') when it would move the
   * offset back.
   */
  commit(topic: string, partition: number, offset: number, generation: number, memberId: string): CommitOutcome {
    const current = this.read(topic, partition)
    if (current) {
      if (current.generation > generation) return 'fenced'
      if (current.offset > offset) return 'backwards'
      if (current.offset === offset && current.generation === generation) return 'unchanged'
    }
    this.write(topic, partition, {offset, generation, memberId, committedAt: new Date().toISOString()})
    return 'committed'
  }

  /** An operator's reset: moves the offset anywhere, keeping the generation so owners stay fenced correctly. */
  reset(topic: string, partition: number, offset: number): void {
    const current = this.read(topic, partition)
    this.write(topic, partition, {offset, generation: current?.generation ?? 0, memberId: null, committedAt: new Date().toISOString()})
  }

  private write(topic: string, partition: number, c: CommittedOffset): void {
    mkdirSync(this.dir(topic), {recursive: true, mode: 0o700})
    writeJsonAtomic(this.path(topic, partition), c)
  }
}

/**
 * Removes every group's committed offsets for `topic` (`groupsRoot` is the
 * store's `groups/`), as Kafka does when a topic is deleted. Idempotent:
 * the store calls it again to finish a delete that was cut short. Returns
 * the groups that had offsets for it.
 */
export function deleteTopicOffsets(groupsRoot: string, topic: string): string[] {
  let groups: string[]
  try {
    groups = readdirSync(groupsRoot)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const removed: string[] = []
  for (const group of groups) {
    if (group.startsWith('.')) continue
    const dir = join(groupsRoot, group, 'offsets', topic)
    if (!existsSync(dir)) continue
    rmSync(dir, {recursive: true, force: true})
    removed.push(group)
  }
  return removed
}
