/**
 * Connector and task status, and each connector's config, under the data
 * directory's connect/ (DESIGN §2): connect/connectors/<name>.json holds
 * the config as given, connect/status/<name>.json the states as Kafka's
 * REST API shows them (RUNNING, PAUSED, FAILED with a trace, UNASSIGNED),
 * plus the worker's pid so a reader can tell a worker that was killed
 * (its tasks are then UNASSIGNED, as Kafka shows a dead worker's).
 */
import {mkdirSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {writeJsonAtomic} from '../../store/atomic-write.js'
import {ConnectConfigError, NotFoundError} from '../../errors.js'

export type ConnectState = 'RUNNING' | 'PAUSED' | 'FAILED' | 'UNASSIGNED' | 'RESTARTING' | 'STOPPED'

export interface TaskStatus {
  id: number
  state: ConnectState
  worker_id: string
  trace?: string
}

export interface ConnectorStatus {
  name: string
  connector: {state: ConnectState; worker_id: string; trace?: string}
  tasks: TaskStatus[]
  type: 'source' | 'sink'
}

interface StatusFile extends ConnectorStatus {
  pid: number
  updatedAt: number
}

export class StatusStore {
  readonly dir: string

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'connect')
  }

  private path(kind: 'status' | 'connectors' | 'topics', name: string): string {
    validateConnectorName(name)
    return join(this.dir, kind, `${name}.json`)
  }

  saveConfig(name: string, config: Record<string, string>): void {
    mkdirSync(join(this.dir, 'connectors'), {recursive: true})
    writeJsonAtomic(this.path('connectors', name), config)
  }

  save(status: ConnectorStatus): void {
    mkdirSync(join(this.dir, 'status'), {recursive: true})
    const file: StatusFile = {...status, pid: process.pid, updatedAt: Date.now()}
    writeJsonAtomic(this.path('status', status.name), file)
  }

  /** A deleted connector's config and status go; its topics and offsets stay (as Kafka's do). */
  remove(name: string): void {
    for (const kind of ['connectors', 'status'] as const) rmSync(this.path(kind, name), {force: true})
  }

  /** KIP-558: the topics a connector's tasks used since the last reset. */
  saveTopics(name: string, topics: string[]): void {
    mkdirSync(join(this.dir, 'topics'), {recursive: true})
    writeJsonAtomic(this.path('topics', name), [...topics].sort())
  }

  topics(name: string): string[] {
    try {
      const v = JSON.parse(readFileSync(this.path('topics', name), 'utf8')) as unknown
      return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : []
    } catch {
      return []
    }
  }

  names(): string[] {
    try {
      return readdirSync(join(this.dir, 'connectors'))
        .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
        .map((n) => n.slice(0, -5))
        .sort()
    } catch {
      return []
    }
  }

  config(name: string): Record<string, string> {
    return readJson(this.path('connectors', name), name) as Record<string, string>
  }

  /** The status as last written; a worker no longer alive shows its connector and tasks UNASSIGNED. */
  status(name: string): ConnectorStatus {
    const f = readJson(this.path('status', name), name) as Partial<StatusFile>
    if (typeof f !== 'object' || f === null || typeof f.name !== 'string' || !f.connector || !Array.isArray(f.tasks)) throw new NotFoundError(`connector ${name}: status file is damaged`)
    const alive = typeof f.pid === 'number' && pidAlive(f.pid)
    const status: ConnectorStatus = {name: f.name, connector: f.connector, tasks: f.tasks, type: f.type === 'sink' ? 'sink' : 'source'}
    if (alive) return status
    // What a killed worker left: nothing runs it now. A FAILED task stays FAILED with its trace.
    const idle = (s: ConnectState): ConnectState => (s === 'FAILED' ? s : 'UNASSIGNED')
    return {...status, connector: {...status.connector, state: idle(status.connector.state)}, tasks: status.tasks.map((t) => ({...t, state: idle(t.state)}))}
  }
}

function readJson(path: string, name: string): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    throw new NotFoundError(`connector ${name} not found`, {hint: 'logpipe connect list shows the connectors'})
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new NotFoundError(`connector ${name}: ${path} is damaged`)
  }
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** A connector's name becomes a file name: letters, digits, '.', '_', '-' (Kafka allows more; we need it safe on disk). */
export function validateConnectorName(name: string): void {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(name) || name === '.' || name === '..') {
    throw new ConnectConfigError(`invalid connector name ${JSON.stringify(name)}`, {hint: "use letters, digits, '.', '_' and '-' (at most 249)"})
  }
}
