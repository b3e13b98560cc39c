/**
 * A real PostgreSQL server for a test (postgres-server.mjs, shared with
 * bench/connect.mjs): initdb into a temp dir, pg_ctl start on a free port,
 * trust authentication, fsync off; stopped and removed after. Missing
 * binaries fail the test: it is never skipped.
 */
import {startPostgres as start} from './postgres-server.mjs'

export interface PostgresServer {
  port: number
  url: string
  /** The server's bin directory (psql, pg_ctl). */
  bin: string
  /** Where its unix socket is. */
  socketDir: string
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>
  stop(): Promise<void>
}

export const startPostgres = start as () => Promise<PostgresServer>
