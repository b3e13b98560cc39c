/**
 * Where the data directory keeps what more than one layer touches: a
 * group's committed offsets live in `groups/<group>/offsets/<topic>/`, read
 * and written by the group layer and removed by the store when the topic is
 * deleted (as Kafka deletes a topic's offsets with it).
 */
import {existsSync, lstatSync, readdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {validateGroupName, validateTopicName} from './names.js'

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

/** A topic's metadata file, `topics/<topic>/topic.json`: a topic exists when it does. */
export const TOPIC_FILE = 'topic.json'

/**
 * The topics of the store at `dataDir`, sorted: entries of `topics/` with a
 * legal name and a topic.json (a topic being created or deleted is a
 * dot-named directory, so it is never listed). Reads only; none when
 * there is no store.
 */
export function listTopicNames(dataDir: string): string[] {
  const root = join(dataDir, 'topics')
  return namesIn(root)
    .filter((name) => isValidTopic(name) && existsSync(join(root, name, TOPIC_FILE)))
    .sort()
}

/** The groups of the store at `dataDir`, sorted: real directories of `groups/` with a legal name. Reads only. */
export function listGroupNames(dataDir: string): string[] {
  const root = join(dataDir, 'groups')
  return namesIn(root)
    .filter((name) => isValidGroup(name) && isRealDir(join(root, name)))
    .sort()
}

function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    // No directory yet is no names; anything else (topics/ made a file, unreadable) is a damaged store, said as such.
    if (code === 'ENOENT') return []
    throw error
  }
}

function isValidTopic(name: string): boolean {
  try {
    validateTopicName(name)
    return true
  } catch {
    return false
  }
}
