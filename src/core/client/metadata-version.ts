/**
 * A cheap "has topic.json changed" for running clients, in place of Kafka's
 * metadata refresh: one stat, and the file is read again only when this
 * changes. writeJsonAtomic renames a new file into place, so every rewrite
 * gives another inode; mtime and size catch a file edited in place.
 */
import {statSync} from 'node:fs'
import {join} from 'node:path'
import type {Store} from '../store/store.js'

export function topicMetadataVersion(store: Store, topic: string): string | null {
  const st = statSync(join(store.topicDir(topic), 'topic.json'), {throwIfNoEntry: false})
  return st ? `${st.ino}:${st.mtimeMs}:${st.size}` : null
}

/**
 * The topic's partition count when topic.json changed since `known` (a
 * version from topicMetadataVersion), with the version it was read at;
 * null when it did not change, or is being rewritten or deleted just now
 * (the next check sees how that ends).
 */
export function changedPartitionCount(store: Store, topic: string, known: string | null): {version: string; partitions: number} | null {
  const version = topicMetadataVersion(store, topic)
  if (version === null || version === known) return null
  try {
    return {version, partitions: store.readTopic(topic).partitions}
  } catch {
    return null
  }
}
