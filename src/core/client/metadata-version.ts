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
