/**
 * Where each broker keeps its replicas. `broker start --log-dir DIR` records
 * DIR in `brokers/<id>.log-dir` (one line, the absolute path), kept after
 * the broker stops, so the file-path CLI can still find a replicated
 * partition's log when no broker runs. A replica of topic t, partition p,
 * lives at `<log-dir>/topics/<t>/<p>/`, the layout of a data directory's
 * partitions: a broker whose log dir is the data directory (the default)
 * keeps its replicas exactly where a store without brokers keeps them.
 */
import {isAbsolute, join} from 'node:path'
import {writeFileAtomic} from './atomic-write.js'
import {readFileNoFollow} from './fs.js'

const LOG_DIR_SUFFIX = '.log-dir'

export function logDirRecordPath(dataDir: string, brokerId: number): string {
  return join(dataDir, 'brokers', `${brokerId}${LOG_DIR_SUFFIX}`)
}

export function recordLogDir(dataDir: string, brokerId: number, logDir: string): void {
  writeFileAtomic(logDirRecordPath(dataDir, brokerId), logDir + '\n', 0o644)
}

/** The broker's log dir as last recorded; the data directory when it never recorded one. */
export function readLogDir(dataDir: string, brokerId: number): string {
  let text: string
  try {
    text = readFileNoFollow(logDirRecordPath(dataDir, brokerId), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return dataDir
    throw error
  }
  const dir = text.replace(/\n$/, '')
  // Not ours (a hand edit gone wrong): the data directory is the one place we know is the store's.
  return dir.length > 0 && dir.length < 4096 && isAbsolute(dir) && !dir.includes('\n') ? dir : dataDir
}

export function replicaDir(logDir: string, topic: string, partition: number): string {
  return join(logDir, 'topics', topic, String(partition))
}
