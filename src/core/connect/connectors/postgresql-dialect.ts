/**
 * PostgreSQL for the JDBC-style sink (Confluent's PostgreSqlDatabaseDialect):
 * `jdbc:postgresql://HOST[:PORT]/DB[?user=..&password=..]` or a
 * postgresql:// URL, through node-postgres (`pg`), loaded when the first
 * task connects.
 */
import type {Client, ClientConfig} from 'pg'
import {ConnectConfigError, ConnectDataError} from '../../errors.js'
import {ConnectDate, ConnectTime, ConnectTimestamp, Decimal} from '../api/logical-types.js'
import type {Schema} from '../api/schema.js'
import type {DatabaseConnection, DatabaseDialect} from './database-dialect.js'

/** PostgreSQL takes at most 65535 parameters per statement. */
const MAX_PARAMS = 30_000

export function postgresConfig(url: URL, raw: string, user: string | null, password: string | null): ClientConfig {
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') throw new ConnectConfigError(`invalid value ${raw} for configuration connection.url: not a PostgreSQL URL`)
  const q = url.searchParams
  return {
    host: q.get('host') ?? (decodeURIComponent(url.hostname) || 'localhost'),
    port: url.port ? Number(url.port) : 5432,
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined,
    user: user ?? q.get('user') ?? (decodeURIComponent(url.username) || undefined),
    password: password ?? q.get('password') ?? (decodeURIComponent(url.password) || undefined),
  }
}

class PostgresConnection implements DatabaseConnection {
  usable = true

  constructor(private readonly client: Client) {
    // A dropped connection is told here as well as to the query that was running; the retry makes a new one.
    client.on('error', () => {
      this.usable = false
    })
  }

  async run(sql: string, params?: unknown[]): Promise<void> {
    await this.client.query(sql, params)
  }

  async columns(table: string): Promise<Set<string>> {
    const res = await this.client.query<{column_name: string}>('SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1', [table])
    return new Set(res.rows.map((r) => r.column_name))
  }

  async close(): Promise<void> {
    this.usable = false
    await this.client.end().catch(() => {})
  }
}

export class PostgresDialect implements DatabaseDialect {
  readonly name = 'PostgreSQL'
  readonly maxParams = MAX_PARAMS

  constructor(private readonly config: ClientConfig) {}

  placeholder(n: number): string {
    return `$${n}`
  }

  async connect(): Promise<DatabaseConnection> {
    const {default: pg} = await import('pg')
    const client = new pg.Client(this.config)
    const conn = new PostgresConnection(client)
    await client.connect()
    return conn
  }

  sqlType(s: Schema): string {
    switch (s.name) {
      case Decimal.LOGICAL_NAME:
        return 'DECIMAL'
      case ConnectDate.LOGICAL_NAME:
        return 'DATE'
      case ConnectTime.LOGICAL_NAME:
        return 'TIME'
      case ConnectTimestamp.LOGICAL_NAME:
        return 'TIMESTAMP'
    }
    switch (s.type) {
      case 'INT8':
      case 'INT16':
        return 'SMALLINT'
      case 'INT32':
        return 'INT'
      case 'INT64':
        return 'BIGINT'
      case 'FLOAT32':
        return 'REAL'
      case 'FLOAT64':
        return 'DOUBLE PRECISION'
      case 'BOOLEAN':
        return 'BOOLEAN'
      case 'STRING':
        return 'TEXT'
      case 'BYTES':
        return 'BYTEA'
      default:
        throw new ConnectDataError(`JDBC sink: ${s.type} has no PostgreSQL column type here; flatten or drop the field (transforms Flatten, ReplaceField)`)
    }
  }

  /** Times in UTC text (the driver would use the local zone), 64-bit integers as text. */
  param(s: Schema, v: unknown): unknown {
    if (v === null || v === undefined) return null
    if (v instanceof Date) return timeText(s, v)
    if (typeof v === 'bigint') return v.toString()
    if (v instanceof Uint8Array) return Buffer.from(v)
    if (typeof v === 'object') throw new ConnectDataError(`JDBC sink: a ${s.type} value has no PostgreSQL column type here`)
    return v
  }

  /** SQLSTATE class 08, 40001, 40P01, 57P0x, 53300 and socket errors. */
  isTransient(error: unknown): boolean {
    const code = (error as {code?: unknown}).code
    if (typeof code !== 'string') return false
    return /^08|^40001$|^40P01$|^57P0[123]$|^53300$/.test(code) || /^E(CONN|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH|AI_AGAIN)/.test(code)
  }

  describe(error: unknown): string {
    const e = error as {code?: string; message?: string}
    return e.code && !String(e.message).includes(e.code) ? `${e.message} (${e.code})` : String(e.message ?? error)
  }
}

/** A Connect Date, Time or Timestamp as SQL text in UTC. */
export function timeText(s: Schema, v: Date): string {
  const iso = v.toISOString()
  if (s.name === ConnectDate.LOGICAL_NAME) return iso.slice(0, 10)
  if (s.name === ConnectTime.LOGICAL_NAME) return iso.slice(11, 23)
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`
}
