/**
 * Topic names from a request are a client's, not the command line's: one
 * that is not a legal name ('../x', 300 characters) names no topic, which
 * handlers answer per topic (UNKNOWN_TOPIC_OR_PARTITION) instead of failing
 * the request, and it never becomes a path.
 */
import {UsageError} from '../errors.js'
import type {Store} from '../store/store.js'

export function topicExists(store: Store, name: string): boolean {
  try {
    return store.topicExists(name)
  } catch (error) {
    if (error instanceof UsageError) return false
    throw error
  }
}
