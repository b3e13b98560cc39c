/**
 * What the library's tests share: a Logpipe on a fresh data directory whose
 * log entries are kept for the test to look at (none reach stderr), and a
 * wait for a condition or an event with a deadline instead of a sleep.
 */
import {join} from 'node:path'
import {Logpipe, logLevel, type LogEntry} from '../../src/index.js'
import {tempDir} from '../core/support.js'

export function newLogpipe(dataDir = join(tempDir('logpipe-lib-'), 'data')): {logpipe: Logpipe; logs: LogEntry[]; dataDir: string} {
  const logs: LogEntry[] = []
  const logpipe = new Logpipe({dataDir, clientId: 'test', logLevel: logLevel.DEBUG, logCreator: () => (entry) => logs.push(entry)})
  return {logpipe, logs, dataDir}
}

/** Polls `cond` until it holds, failing with `what` at the deadline. */
export async function until(cond: () => boolean, what: string, deadlineMs = 20_000): Promise<void> {
  const deadline = Date.now() + deadlineMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
