/**
 * A JDBC-style sink to PostgreSQL and SQLite with the Confluent JDBC sink's
 * keys (io.confluent.connect.jdbc.JdbcSinkConnector): `connection.url`
 * (jdbc:postgresql://HOST[:PORT]/DB[?user=..&password=..], a
 * postgresql:// URL, or jdbc:sqlite:PATH), `connection.user`, `connection.password`,
 * `insert.mode` insert|upsert|update, `pk.mode` none|kafka|record_key|
 * record_value with `pk.fields`, `auto.create`, `auto.evolve`,
 * `table.name.format` (${topic}), `delete.enabled` (a tombstone deletes
 * the row of its key). Values are Structs with a schema (JsonConverter with
 * schemas.enable, or a transform's output), as Confluent's requires.
 *
 * Each put() is one transaction: consecutive records for the same table
 * and statement go as one multi-row statement (an upsert keeps the last
 * row per key, as PostgreSQL refuses one key twice in a statement), so a
 * batch is all written or not at all and a commit never passes a row not
 * in the table. Lost connections are retried under errors.* (sink-retry.ts);
 * a batch the database refuses is written again a row at a time and the
 * refused rows go to the errant record reporter under errors.tolerance=all.
 * What differs per database is its dialect (postgresql-dialect.ts,
 * sqlite-dialect.ts).
 */
import {ConnectConfigError, ConnectDataError, ConnectTaskError} from '../../errors.js'
import {ConfigDef, NonEmptyString, Range, ValidString} from '../api/config-def.js'
import {type Props, SinkConnector, SinkTask, type TaskClass} from '../api/connector.js'
import type {SinkRecord} from '../api/connect-record.js'
import {Schema} from '../api/schema.js'
import {Struct} from '../api/struct.js'
import {type DatabaseConnection, type DatabaseDialect, literal, quote} from './database-dialect.js'
import {PostgresDialect, postgresConfig} from './postgresql-dialect.js'
import {SqliteDialect, sqlitePath} from './sqlite-dialect.js'
import {type Attempt, SinkRetrier, sinkErrorPolicy} from './sink-retry.js'

type InsertMode = 'insert' | 'upsert' | 'update'
type PkMode = 'none' | 'kafka' | 'record_key' | 'record_value'

const CONFIG = new ConfigDef()
  .define({name: 'connection.url', type: 'STRING', validator: NonEmptyString, importance: 'HIGH', documentation: 'JDBC connection URL: jdbc:postgresql://HOST:PORT/DB or jdbc:sqlite:PATH.'})
  .define({name: 'connection.user', type: 'STRING', defaultValue: null, importance: 'HIGH', documentation: 'JDBC connection user.'})
  .define({name: 'connection.password', type: 'PASSWORD', defaultValue: null, importance: 'HIGH', documentation: 'JDBC connection password.'})
  .define({name: 'insert.mode', type: 'STRING', defaultValue: 'insert', validator: ValidString.in('insert', 'upsert', 'update'), importance: 'HIGH', documentation: 'The insertion mode to use.'})
  .define({name: 'pk.mode', type: 'STRING', defaultValue: 'none', validator: ValidString.in('none', 'kafka', 'record_key', 'record_value'), importance: 'HIGH', documentation: 'The primary key mode.'})
  .define({name: 'pk.fields', type: 'LIST', defaultValue: '', importance: 'MEDIUM', documentation: 'List of comma-separated primary key field names; their meaning depends on pk.mode.'})
  .define({name: 'table.name.format', type: 'STRING', defaultValue: '${topic}', importance: 'MEDIUM', documentation: "A format string for the destination table name, which may contain '${topic}'."})
  .define({name: 'auto.create', type: 'BOOLEAN', defaultValue: false, importance: 'MEDIUM', documentation: 'Whether to automatically create the destination table based on record schema if it is found to be missing.'})
  .define({name: 'auto.evolve', type: 'BOOLEAN', defaultValue: false, importance: 'MEDIUM', documentation: 'Whether to automatically add columns in the table schema when found to be missing relative to the record schema.'})
  .define({name: 'delete.enabled', type: 'BOOLEAN', defaultValue: false, importance: 'MEDIUM', documentation: 'Whether to treat null record values as deletes. Requires pk.mode to be record_key.'})
  .define({name: 'batch.size', type: 'INT', defaultValue: 3000, validator: Range.atLeast(1), importance: 'MEDIUM', documentation: 'Specifies how many records to attempt to batch together for insertion into the destination table.'})

const KAFKA_PK = ['__connect_topic', '__connect_partition', '__connect_offset']

export class JdbcSinkConnector extends SinkConnector {
  static readonly CLASS_NAME = 'io.confluent.connect.jdbc.JdbcSinkConnector'
  private props: Props = {}
  private oneWriter = false

  override version(): string {
    return '1.0.0'
  }

  config(): ConfigDef {
    return CONFIG
  }

  start(props: Props): void {
    const c = CONFIG.parse(props)
    // A SQLite file has one writer at a time (sqlite-dialect.ts): more tasks would only wait for each other's lock.
    this.oneWriter = dialectOf(c) instanceof SqliteDialect
    if (c['insert.mode'] !== 'insert' && c['pk.mode'] === 'none') throw new ConnectConfigError(`insert.mode=${String(c['insert.mode'])} needs a primary key: set pk.mode to record_key, record_value or kafka`)
    if (c['delete.enabled'] && c['pk.mode'] !== 'record_key') throw new ConnectConfigError('delete.enabled=true requires pk.mode=record_key')
    this.props = props
  }

  taskClass(): TaskClass<SinkTask> {
    return JdbcSinkTask
  }

  taskConfigs(maxTasks: number): Props[] {
    return Array.from({length: this.oneWriter ? Math.min(1, maxTasks) : maxTasks}, () => ({...this.props}))
  }

  stop(): void {}
}

function dialectOf(c: Record<string, unknown>): DatabaseDialect {
  const raw = c['connection.url'] as string
  const text = raw.startsWith('jdbc:') ? raw.slice('jdbc:'.length) : raw
  if (text.startsWith('sqlite:')) return new SqliteDialect(sqlitePath(text, raw))
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new ConnectConfigError(`invalid value ${raw} for configuration connection.url: not a URL`, {hint: 'jdbc:postgresql://HOST:PORT/DATABASE or jdbc:sqlite:PATH'})
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') throw new ConnectConfigError(`invalid value ${raw} for configuration connection.url: logpipe's JDBC sink speaks to PostgreSQL and SQLite only (jdbc:postgresql://... or jdbc:sqlite:PATH)`)
  const password = c['connection.password'] as {value(): string} | null
  return new PostgresDialect(postgresConfig(url, raw, (c['connection.user'] as string | null) ?? null, password?.value() ?? null))
}

interface Column {
  name: string
  schema: Schema
}

/** One row to write: its statement kind, table, columns (key columns first) and values. */
interface Row {
  kind: 'insert' | 'upsert' | 'update' | 'delete'
  table: string
  columns: Column[]
  keyCount: number
  values: unknown[]
}

export class JdbcSinkTask extends SinkTask {
  private conn: DatabaseConnection | null = null
  private dialect!: DatabaseDialect
  private insertMode: InsertMode = 'insert'
  private pkMode: PkMode = 'none'
  private pkFields: string[] = []
  private tableFormat = '${topic}'
  private autoCreate = false
  private autoEvolve = false
  private deleteEnabled = false
  private batchSize = 3000
  private retrier: SinkRetrier | null = null
  /** The columns each table is known to have (names are always quoted, so kept as given). */
  private readonly tables = new Map<string, Set<string>>()

  override version(): string {
    return '1.0.0'
  }

  start(props: Props): void {
    const c = CONFIG.parse(props)
    this.dialect = dialectOf(c)
    this.insertMode = c['insert.mode'] as InsertMode
    this.pkMode = c['pk.mode'] as PkMode
    this.pkFields = (c['pk.fields'] as string[]).filter(Boolean)
    this.tableFormat = c['table.name.format'] as string
    this.autoCreate = c['auto.create'] as boolean
    this.autoEvolve = c['auto.evolve'] as boolean
    this.deleteEnabled = c['delete.enabled'] as boolean
    this.batchSize = c['batch.size'] as number
    this.retrier = new SinkRetrier(sinkErrorPolicy(props), (m) => this.context.log?.(m), () => this.context.errantRecordReporter?.() ?? null)
  }

  async put(records: SinkRecord[]): Promise<void> {
    if (records.length === 0) return
    const retrier = this.retrier!
    const rows: Row[] = []
    const from: SinkRecord[] = []
    for (const r of records) {
      let made: Row[]
      try {
        made = this.rowOf(r)
      } catch (error) {
        if (!retrier.tolerateAll || !(error instanceof ConnectDataError)) throw error
        await retrier.skip(`jdbc sink: record at ${r.topic}/${r.kafkaPartition} offset ${r.kafkaOffset}: ${error.message}`, [r])
        continue
      }
      for (const row of made) {
        rows.push(row)
        from.push(r)
      }
    }
    for (let i = 0; i < rows.length; i += this.batchSize) {
      const chunk = rows.slice(i, i + this.batchSize)
      const recs = from.slice(i, i + this.batchSize)
      const first = recs[0]
      const gave = await retrier.run(`jdbc sink: ${chunk.length} row(s) from ${first.topic}/${first.kafkaPartition} offset ${first.kafkaOffset}`, () => this.write(chunk))
      if (gave === true) continue
      if (gave.retriable || chunk.length === 1) {
        await retrier.skip(gave, recs)
        continue
      }
      // One refused row rolls back its whole transaction: the rows go again one at a time so only those the database refuses are skipped (Confluent's sink unrolls the same way).
      this.context.log?.(`${gave.message}; writing its rows one at a time`)
      for (let j = 0; j < chunk.length; j++) {
        const r = recs[j]
        await retrier.write(`jdbc sink: row from ${r.topic}/${r.kafkaPartition} offset ${r.kafkaOffset}`, [r], () => this.write([chunk[j]]))
      }
    }
  }

  private rowOf(r: SinkRecord): Row[] {
    const table = this.tableFormat.replaceAll('${topic}', r.topic)
    const where = `(topic='${r.topic}',partition=${r.kafkaPartition},offset=${r.kafkaOffset})`
    const keys = this.keyColumns(r, where)
    if (r.value === null) {
      if (!this.deleteEnabled) throw new ConnectDataError(`JDBC sink with delete.enabled=false needs records with a non-null Struct value and schema, but found record at ${where} with a null value; set delete.enabled=true (with pk.mode=record_key) for tombstones to delete rows`)
      return [{kind: 'delete', table, columns: keys.map((k) => k.column), keyCount: keys.length, values: keys.map((k) => k.value)}]
    }
    if (!(r.value instanceof Struct) || r.valueSchema?.type !== 'STRUCT') throw new ConnectDataError(`JDBC sink needs records with a Struct value and its schema, but found record at ${where} with ${r.valueSchema ? `schema ${r.valueSchema.type}` : 'no value schema'}; use JsonConverter with schemas.enable=true or a transform that gives a struct`)
    const value = r.value
    const keyNames = new Set(keys.map((k) => k.column.name))
    const rest = r.valueSchema.fields().filter((f) => !keyNames.has(f.name))
    const columns = [...keys.map((k) => k.column), ...rest.map((f) => ({name: f.name, schema: f.schema}))]
    const values = [...keys.map((k) => k.value), ...rest.map((f) => value.get(f))]
    return [{kind: this.insertMode, table, columns, keyCount: keys.length, values}]
  }

  private keyColumns(r: SinkRecord, where: string): {column: Column; value: unknown}[] {
    switch (this.pkMode) {
      case 'none':
        return []
      case 'kafka': {
        const names = this.pkFields.length === 3 ? this.pkFields : KAFKA_PK
        return [
          {column: {name: names[0], schema: Schema.STRING_SCHEMA}, value: r.topic},
          {column: {name: names[1], schema: Schema.INT32_SCHEMA}, value: r.kafkaPartition},
          {column: {name: names[2], schema: Schema.INT64_SCHEMA}, value: r.kafkaOffset},
        ]
      }
      case 'record_key': {
        if (r.key === null || r.keySchema === null) throw new ConnectDataError(`JDBC sink with pk.mode=record_key needs a key with a schema, but found record at ${where} with ${r.key === null ? 'a null key' : 'no key schema'}`)
        if (r.keySchema.type !== 'STRUCT') {
          if (this.pkFields.length !== 1) throw new ConnectConfigError('pk.mode=record_key with a primitive key needs exactly one name in pk.fields')
          return [{column: {name: this.pkFields[0], schema: r.keySchema}, value: r.key}]
        }
        return this.structColumns(r.key as Struct, r.keySchema, 'key', where)
      }
      case 'record_value':
        if (!(r.value instanceof Struct) || !r.valueSchema) throw new ConnectDataError(`JDBC sink with pk.mode=record_value needs a Struct value, but found record at ${where} without one`)
        return this.structColumns(r.value, r.valueSchema, 'value', where)
    }
  }

  private structColumns(s: Struct, schema: Schema, what: string, where: string): {column: Column; value: unknown}[] {
    const names = this.pkFields.length > 0 ? this.pkFields : schema.fields().map((f) => f.name)
    return names.map((n) => {
      const f = schema.field(n)
      if (!f) throw new ConnectDataError(`PK field ${n} is not in the record ${what} at ${where}`)
      return {column: {name: n, schema: f.schema}, value: s.get(f)}
    })
  }

  private async connection(): Promise<DatabaseConnection> {
    if (this.conn?.usable) return this.conn
    await this.conn?.close()
    this.conn = null
    this.conn = await this.dialect.connect()
    return this.conn
  }

  private async write(rows: Row[]): Promise<Attempt> {
    const d = this.dialect
    let conn: DatabaseConnection
    try {
      conn = await this.connection()
    } catch (error) {
      return {ok: false, retriable: true, reason: d.describe(error)}
    }
    try {
      await conn.run('BEGIN')
      const live: Row[] = []
      // A tombstone for a table that is not there yet has nothing to delete.
      for (const r of rows) if (await this.ensureTable(conn, r)) live.push(r)
      for (const group of statements(live)) for (const [text, params] of sqlOf(d, group)) await conn.run(text, params)
      await conn.run('COMMIT')
      return {ok: true}
    } catch (error) {
      await conn.run('ROLLBACK').catch(() => {})
      // What we learnt of the tables inside the failed transaction may be undone with it.
      this.tables.clear()
      const retriable = d.isTransient(error)
      if (retriable) {
        this.conn = null
        await conn.close().catch(() => {})
      }
      if (error instanceof ConnectDataError || error instanceof ConnectTaskError) return {ok: false, retriable: false, reason: error.message}
      return {ok: false, retriable, reason: d.describe(error)}
    }
  }

  /** Creates or evolves the row's table as allowed; false when it is a delete for a table that does not exist. */
  private async ensureTable(conn: DatabaseConnection, row: Row): Promise<boolean> {
    const d = this.dialect
    let known = this.tables.get(row.table)
    if (known && row.columns.every((c) => known!.has(c.name))) return true
    known = await conn.columns(row.table)
    if (known.size === 0) {
      if (row.kind === 'delete') return false
      if (!this.autoCreate) throw new ConnectTaskError(`Table ${quote(row.table)} is missing and auto-creation is disabled`)
      const cols = row.columns.map((c) => `${quote(c.name)} ${d.sqlType(c.schema)} ${c.schema.optional && row.columns.indexOf(c) >= row.keyCount ? 'NULL' : 'NOT NULL'}`)
      const pk = row.keyCount > 0 ? `,\nPRIMARY KEY(${row.columns.slice(0, row.keyCount).map((c) => quote(c.name)).join(',')})` : ''
      await conn.run(`CREATE TABLE IF NOT EXISTS ${quote(row.table)} (\n${cols.join(',\n')}${pk})`)
      known = new Set(row.columns.map((c) => c.name))
    } else {
      const missing = row.columns.filter((c) => !known!.has(c.name))
      if (missing.length > 0) {
        if (!this.autoEvolve) throw new ConnectTaskError(`Table ${quote(row.table)} is missing fields (${missing.map((c) => c.name).join(', ')}) and auto-evolution is disabled`)
        for (const c of missing) {
          if (!c.schema.optional && (c.schema.defaultValue === null || c.schema.defaultValue === undefined)) throw new ConnectTaskError(`Cannot ALTER TABLE ${quote(row.table)} to add missing field ${c.name}, as the field is not optional and does not have a default value`)
          const def = c.schema.defaultValue === null || c.schema.defaultValue === undefined ? '' : ` DEFAULT ${literal(d, c.schema, c.schema.defaultValue)}`
          await conn.run(`ALTER TABLE ${quote(row.table)} ADD ${quote(c.name)} ${d.sqlType(c.schema)}${def}${c.schema.optional ? ' NULL' : ''}`)
          known.add(c.name)
        }
      }
    }
    this.tables.set(row.table, known)
    return true
  }

  stop(): void {
    this.retrier?.stop()
    const c = this.conn
    this.conn = null
    if (c) void c.close().catch(() => {})
  }
}

/** Consecutive rows that can share one statement: same kind, table and columns. */
function statements(rows: Row[]): Row[][] {
  const out: Row[][] = []
  for (const r of rows) {
    const last = out.at(-1)?.[0]
    if (last && last.kind === r.kind && last.table === r.table && last.keyCount === r.keyCount && last.columns.length === r.columns.length && last.columns.every((c, i) => c.name === r.columns[i].name) && r.kind !== 'update') out.at(-1)!.push(r)
    else out.push([r])
  }
  return out
}

function sqlOf(d: DatabaseDialect, group: Row[]): [string, unknown[]][] {
  const first = group[0]
  const t = quote(first.table)
  const cols = first.columns
  const keys = cols.slice(0, first.keyCount)
  if (first.kind === 'update' || first.kind === 'delete') {
    return group.map((r) => {
      if (r.kind === 'delete') return [`DELETE FROM ${t} WHERE ${keys.map((k, i) => `${quote(k.name)} = ${d.placeholder(i + 1)}`).join(' AND ')}`, r.values.slice(0, r.keyCount).map((v, i) => d.param(keys[i].schema, v))]
      // SET before WHERE, so the parameters go values first, then keys.
      const rest = cols.slice(r.keyCount)
      const sets = rest.map((c, i) => `${quote(c.name)} = ${d.placeholder(i + 1)}`)
      const keyWhere = keys.map((k, i) => `${quote(k.name)} = ${d.placeholder(rest.length + i + 1)}`).join(' AND ')
      return [`UPDATE ${t} SET ${sets.join(', ')} WHERE ${keyWhere}`, [...r.values.slice(r.keyCount).map((v, i) => d.param(rest[i].schema, v)), ...r.values.slice(0, r.keyCount).map((v, i) => d.param(keys[i].schema, v))]]
    })
  }
  let rows = group
  if (first.kind === 'upsert') {
    // The last row of each key wins, as it would one statement at a time.
    const byKey = new Map<string, Row>()
    for (const r of group) {
      const k = JSON.stringify(r.values.slice(0, r.keyCount), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
      byKey.delete(k)
      byKey.set(k, r)
    }
    rows = [...byKey.values()]
  }
  const per = Math.max(1, Math.floor(d.maxParams / cols.length))
  const out: [string, unknown[]][] = []
  for (let i = 0; i < rows.length; i += per) {
    const part = rows.slice(i, i + per)
    const params: unknown[] = []
    const tuples = part.map((r) => `(${r.values.map((v, j) => (params.push(d.param(cols[j].schema, v)), d.placeholder(params.length))).join(',')})`)
    let text = `INSERT INTO ${t} (${cols.map((c) => quote(c.name)).join(',')}) VALUES ${tuples.join(',')}`
    if (first.kind === 'upsert') {
      const rest = cols.slice(first.keyCount)
      text += ` ON CONFLICT (${keys.map((k) => quote(k.name)).join(',')}) ${rest.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${rest.map((c) => `${quote(c.name)}=EXCLUDED.${quote(c.name)}`).join(',')}`}`
    }
    out.push([text, params])
  }
  return out
}
