/**
 * What the JDBC-style sink needs of a database, one dialect per database as
 * the Confluent JDBC connector's DatabaseDialect: how a parameter is
 * written, the column type of a Connect schema, how a value is bound, a
 * connection that runs statements and tells a table's columns, and which
 * errors are worth a retry. The SQL itself (INSERT, INSERT .. ON CONFLICT
 * DO UPDATE, UPDATE, DELETE, CREATE TABLE, ALTER TABLE ADD) is the same in
 * PostgreSQL and SQLite and is written by jdbc-sink.ts.
 */
import type {Schema} from '../api/schema.js'

export interface DatabaseConnection {
  run(sql: string, params?: unknown[]): Promise<void>
  /** The table's column names; empty when there is no such table. */
  columns(table: string): Promise<Set<string>>
  /** False once the connection was lost: the next write makes a new one. */
  readonly usable: boolean
  close(): Promise<void>
}

export interface DatabaseDialect {
  /** For messages: PostgreSQL, SQLite. */
  readonly name: string
  /** The most parameters one statement may bind. */
  readonly maxParams: number
  placeholder(n: number): string
  sqlType(s: Schema): string
  /** A value as the driver should bind it. */
  param(s: Schema, v: unknown): unknown
  connect(): Promise<DatabaseConnection>
  /** Connection trouble or a conflict worth a retry, not bad data. */
  isTransient(error: unknown): boolean
  describe(error: unknown): string
}

export const quote = (name: string) => `"${name.replaceAll('"', '""')}"`

/** A DEFAULT clause's value. */
export function literal(d: DatabaseDialect, s: Schema, v: unknown): string {
  const p = d.param(s, v)
  if (typeof p === 'number' || typeof p === 'bigint') return String(p)
  if (typeof p === 'boolean') return p ? 'TRUE' : 'FALSE'
  return `'${String(p).replaceAll("'", "''")}'`
}
