/**
 * Topic and group names follow Kafka's rule: 1..249 of [a-zA-Z0-9._-], not
 * "." or "..". Every name that becomes a path passes through here, so no
 * name can reach outside the data directory. Unlike Kafka, a name may not
 * start with ".": the store's own entries beside topics and groups
 * (`.creating-*`, `.deleting-*`, locks, temp files) all do, so no user
 * name can collide with one or be mistaken for a leftover and removed.
 */
import {UsageError} from '../errors.js'

const LEGAL = /^[a-zA-Z0-9._-]+$/
export const MAX_NAME_LENGTH = 249

export function validateName(kind: 'topic' | 'group', name: string): string {
  const shown = name.length > 40 ? `${name.slice(0, 40)}...` : name
  if (name.length === 0) throw new UsageError(`${kind} name is empty`)
  if (name.length > MAX_NAME_LENGTH) {
    throw new UsageError(`${kind} name '${shown}' is ${name.length} characters; the limit is ${MAX_NAME_LENGTH}`)
  }
  if (name === '.' || name === '..') throw new UsageError(`${kind} name cannot be '${name}'`)
  if (!LEGAL.test(name)) {
    throw new UsageError(`${kind} name '${shown}' is not valid`, {hint: 'use only letters, digits, ".", "_" and "-"'})
  }
  if (name.startsWith('.')) {
    throw new UsageError(`${kind} name '${shown}' cannot start with '.'`, {hint: 'names starting with "." are kept for logpipe\'s own files; drop the leading "."'})
  }
  return name
}

export const validateTopicName = (name: string) => validateName('topic', name)
export const validateGroupName = (name: string) => validateName('group', name)

/**
 * Internal topics are the ones a system keeps for itself, named with a
 * leading "__" as Kafka names its own (__consumer_offsets,
 * __transaction_state) and Connect and Streams theirs; kafka-topics
 * --exclude-internal leaves them out.
 */
export function isInternalTopic(name: string): boolean {
  return name.startsWith('__')
}

/**
 * A member id becomes a file name (`members/<id>.json`), so it follows the
 * same rule as a name, and cannot start with '.' (the store's temporary and
 * internal files do).
 */
export function validateMemberId(id: string): string {
  const shown = id.length > 40 ? `${id.slice(0, 40)}...` : id
  if (id.length === 0 || id.length > MAX_NAME_LENGTH || id.startsWith('.') || !LEGAL.test(id)) {
    throw new UsageError(`member id '${shown}' is not valid`, {hint: 'use 1..249 letters, digits, ".", "_" and "-", not starting with "."'})
  }
  return id
}
