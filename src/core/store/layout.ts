/**
 * Where the data directory keeps what more than one layer touches: a
 * group's committed offsets live in `groups/<group>/offsets/<topic>/`, read
 * and written by the group layer and removed by the store when the topic is
 * deleted (as Kafka deletes a topic's offsets with it).
 */
import {existsSync, lstatSync, readdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {validateGroupName} from './names.js'

export const OFFSETS_DIR = 'offsets'

/**
 * Removes every group's committed offsets for `topic` (`groupsRoot` is the
 * store's `groups/`). Idempotent: the store calls it again to finish a
 * delete that was cut short. Returns the groups that had offsets for it.
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
    // Names from a listing are checked like names from the command line, and
    // no link is followed on the way (rm would remove what it points into).
    if (!isValidGroup(group) || !isRealDir(join(groupsRoot, group)) || !isRealDir(join(groupsRoot, group, OFFSETS_DIR))) continue
    const dir = join(groupsRoot, group, OFFSETS_DIR, topic)
    if (!existsSync(dir)) continue
    rmSync(dir, {recursive: true, force: true})
    removed.push(group)
  }
  return removed
}

function isValidGroup(name: string): boolean {
  try {
    validateGroupName(name)
    return true
  } catch {
    return false
  }
}

function isRealDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory()
  } catch {
    return false
  }
}
