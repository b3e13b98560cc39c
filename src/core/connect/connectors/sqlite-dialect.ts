/**
 * SQLite for the JDBC-style sink (Confluent's SqliteDatabaseDialect, its
 * column types): `connection.url=jdbc:sqlite:PATH` (relative to the
 * worker's directory). The driver is node-sqlite3-wasm: SQLite compiled to
 * WebAssembly with a VFS on node:fs, so it runs on Node 20 (node:sqlite
 * needs 22.5) with nothing built or downloaded at install
 * (docs/ARCHITECTURE.md says why this one). Writes go through SQLite's
 * rollback journal with synchronous=FULL: a put() is one transaction,
 * fsynced at COMMIT, and one cut short by kill -9 is rolled back by the
 * next open.
 *
 * That VFS locks a database by making the directory `PATH.lock`, which a
 * killed process leaves behind (SQLite would then answer "database is
 * locked" for ever). So a task holds logpipe's own process lock on
 * `PATH.logpipe/` (the partition lock, taken at once from a dead holder)
 * while the database is open, and with it held removes a `PATH.lock` left
 * by a dead writer. One logpipe task writes one SQLite file at a time;
 * other programs may read it (the sqlite3 CLI does not see that VFS's
 * locks: it may see a transaction half-written while one is running).
 */
import {existsSync, mkdirSync, rmdirSync} from 'node:fs'
import {resolve} from 'node:path'
import {ConnectConfigError, ConnectDataError} from '../../errors.js'
import {PartitionLock} from '../../lock/partition-lock.js'
import {ConnectDate, ConnectTime, ConnectTimestamp, Decimal} from '../api/logical-types.js'
import type {Schema} from '../api/schema.js'
import {type DatabaseConnection, type DatabaseDialect, quote} from './database-dialect.js'
import {timeText} from './postgresql-dialect.js'

/** SQLite's SQLITE_MAX_VARIABLE_NUMBER is 32766 (since 3.32). */
const MAX_PARAMS = 30_000

interface SqliteDatabase {
  run(sql: string, values?: unknown[]): unknown
  all(sql: string, values?: unknown[]): Record<string, unknown>[]
  close(): void
  readonly isOpen: boolean
}

/** The file of a jdbc:sqlite: URL (after jdbc:), as the xerial driver reads it. */
export function sqlitePath(text: string, raw: string): string {
  let path = text.slice('sqlite:'.length)
  if (path.startsWith('file:')) path = path.slice('file:'.length)
  path = path.replace(/\?.*$/, '')
  if (path === '' || path === ':memory:') throw new ConnectConfigError(`invalid value ${raw} for configuration connection.url: a SQLite database file is needed (jdbc:sqlite:/path/to/db.sqlite); an in-memory one would be lost`)
  return resolve(path)
}

class SqliteConnection implements DatabaseConnection {
  usable = true

  constructor(
    private readonly db: SqliteDatabase,
    private readonly lock: PartitionLock,
  ) {}

  // The driver is synchronous: each call is one step of SQLite, done before the promise is.
  async run(sql: string, params?: unknown[]): Promise<void> {
    this.db.run(sql, params)
  }

  async columns(table: string): Promise<Set<string>> {
    return new Set(this.db.all(`PRAGMA table_info(${quote(table)})`).map((r) => String(r.name)))
  }

  async close(): Promise<void> {
    this.usable = false
    try {
      if (this.db.isOpen) this.db.close()
    } finally {
      await this.lock.release().catch(() => {})
    }
  }
}

export class SqliteDialect implements DatabaseDialect {
  readonly name = 'SQLite'
  readonly maxParams = MAX_PARAMS

  constructor(readonly path: string) {}

  placeholder(): string {
    return '?'
  }

  async connect(): Promise<DatabaseConnection> {
    const lockDir = `${this.path}.logpipe`
    mkdirSync(lockDir, {recursive: true})
    const lock = new PartitionLock(lockDir, {label: `SQLite database ${this.path}`, client: 'connect-jdbc-sink'})
    await lock.acquire()
    try {
      // Held by us now: a VFS lock directory still there was left by a writer that died.
      if (existsSync(`${this.path}.lock`)) rmdirSync(`${this.path}.lock`)
      const {default: sqlite} = (await import('node-sqlite3-wasm')) as unknown as {default: {Database: new (file: string) => SqliteDatabase}}
      const db = new sqlite.Database(this.path)
      db.run('PRAGMA synchronous = FULL')
      return new SqliteConnection(db, lock)
    } catch (error) {
      await lock.release().catch(() => {})
      throw error
    }
  }

  sqlType(s: Schema): string {
    switch (s.name) {
      case Decimal.LOGICAL_NAME:
      case ConnectDate.LOGICAL_NAME:
      case ConnectTime.LOGICAL_NAME:
      case ConnectTimestamp.LOGICAL_NAME:
        return 'NUMERIC'
    }
    switch (s.type) {
      case 'INT8':
      case 'INT16':
      case 'INT32':
      case 'INT64':
      case 'BOOLEAN':
        return 'INTEGER'
      case 'FLOAT32':
      case 'FLOAT64':
        return 'REAL'
      case 'STRING':
        return 'TEXT'
      case 'BYTES':
        return 'BLOB'
      default:
        throw new ConnectDataError(`JDBC sink: ${s.type} has no SQLite column type here; flatten or drop the field (transforms Flatten, ReplaceField)`)
    }
  }

  /** Booleans as 0/1 and times as UTC text, as SQLite has neither type; 64-bit integers stay exact as bigint. */
  param(s: Schema, v: unknown): unknown {
    if (v === null || v === undefined) return null
    if (v instanceof Date) return timeText(s, v)
    if (typeof v === 'boolean') return v ? 1 : 0
    if (v instanceof Uint8Array) return v
    if (typeof v === 'object') throw new ConnectDataError(`JDBC sink: a ${s.type} value has no SQLite column type here`)
    return v
  }

  /** SQLITE_BUSY / SQLITE_LOCKED: someone else is in the file now. */
  isTransient(error: unknown): boolean {
    return /database (table )?is locked|SQLITE_BUSY/i.test(String((error as {message?: unknown}).message ?? ''))
  }

  describe(error: unknown): string {
    return String((error as {message?: unknown}).message ?? error)
  }
}
