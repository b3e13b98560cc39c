/**
 * Which Connect workers run on this data directory and where their REST
 * APIs listen: connect/workers/<pid>.json ({worker_id, url, pid, kind,
 * startedAt}), written when a worker listens, removed when it stops; one
 * whose pid is gone is passed over (and tidied). The CLI's connect
 * commands find a worker here when no --url is given, as Kafka's users
 * know theirs is on localhost:8083.
 */
import {mkdirSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {writeJsonAtomic} from '../../store/atomic-write.js'
import {isPlainObject} from '../api/schema.js'

export interface WorkerEntry {
  worker_id: string
  url: string
  pid: number
  kind: 'standalone' | 'distributed'
  group?: string
  startedAt: number
}

export class WorkerRegistry {
  private readonly dir: string

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'connect', 'workers')
  }

  register(entry: Omit<WorkerEntry, 'pid' | 'startedAt'>): () => void {
    mkdirSync(this.dir, {recursive: true})
    const path = join(this.dir, `${process.pid}.json`)
    writeJsonAtomic(path, {...entry, pid: process.pid, startedAt: Date.now()})
    return () => rmSync(path, {force: true})
  }

  /** Live workers, oldest first. */
  live(): WorkerEntry[] {
    let names: string[]
    try {
      names = readdirSync(this.dir).filter((n) => /^\d+\.json$/.test(n))
    } catch {
      return []
    }
    const out: WorkerEntry[] = []
    for (const n of names) {
      let v: unknown
      try {
        v = JSON.parse(readFileSync(join(this.dir, n), 'utf8'))
      } catch {
        continue
      }
      if (!isPlainObject(v) || typeof v.url !== 'string' || !/^http:\/\//.test(v.url) || typeof v.worker_id !== 'string' || !Number.isInteger(v.pid) || typeof v.startedAt !== 'number') continue
      if (!pidAlive(v.pid as number)) {
        rmSync(join(this.dir, n), {force: true})
        continue
      }
      out.push({worker_id: v.worker_id, url: v.url, pid: v.pid as number, kind: v.kind === 'distributed' ? 'distributed' : 'standalone', startedAt: v.startedAt, ...(typeof v.group === 'string' ? {group: v.group} : {})})
    }
    return out.sort((a, b) => a.startedAt - b.startedAt)
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
