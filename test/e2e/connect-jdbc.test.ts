/**
 * The JDBC-style sink against a real PostgreSQL server the test starts
 * itself (test/helpers/postgres.ts): upserts by record key into a table
 * auto.created from the record schema, a later record with a new optional
 * field auto.evolves it, a tombstone deletes its row (delete.enabled), all
 * checked by SQL; kill -9 mid-stream then a restart ends at exactly the
 * final state; plain inserts with pk.mode=kafka; a missing table
 * without auto.create fails the task and commits nothing.
 */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {startPostgres, type PostgresServer} from '../helpers/postgres.js'
import {trackProcesses} from './support.js'

const running = trackProcesses()
let db: PostgresServer

beforeAll(async () => {
  db = await startPostgres()
}, 120_000)

afterAll(async () => {
  await db?.stop()
})

const KEY_SCHEMA = {type: 'struct', fields: [{type: 'int32', optional: false, field: 'id'}], optional: false}
const key = (id: number) => JSON.stringify({schema: KEY_SCHEMA, payload: {id}})
function value(fields: Record<string, unknown>, extra: {type: string; optional: boolean; field: string}[] = []) {
  const schema = {type: 'struct', fields: [{type: 'int32', optional: false, field: 'id'}, {type: 'string', optional: false, field: 'name'}, {type: 'int64', optional: true, field: 'visits'}, ...extra], optional: false, name: 'user'}
  return JSON.stringify({schema, payload: fields})
}
const line = (k: string | null, v: string | null) => JSON.stringify({key: k, value: v})

function setUp(connector: string) {
  const c = cli()
  writeFileSync(
    join(c.base, 'w.properties'),
    ['key.converter=org.apache.kafka.connect.json.JsonConverter', 'value.converter=org.apache.kafka.connect.json.JsonConverter', `offset.storage.file.filename=${join(c.base, 'offsets')}`, 'offset.flush.interval.ms=200'].join('\n'),
  )
  writeFileSync(join(c.base, 'sink.properties'), connector)
  return {c, args: ['connect', 'standalone', join(c.base, 'w.properties'), join(c.base, 'sink.properties')]}
}

async function rowsOf(table: string, order = 'id'): Promise<Record<string, unknown>[]> {
  const exists = await db.query<{n: string}>('SELECT count(*)::text AS n FROM information_schema.tables WHERE table_name = $1', [table])
  return exists[0].n === '0' ? [] : db.query(`SELECT * FROM "${table}" ORDER BY ${order}`)
}

describe('JDBC sink to PostgreSQL', () => {
  test('upsert by record_key into an auto.created table, auto.evolve for a new field, a tombstone deletes', async () => {
    const {c, args} = setUp(
      [
        'name=users-sink',
        'connector.class=io.confluent.connect.jdbc.JdbcSinkConnector',
        'topics=users',
        `connection.url=${db.url}`,
        'insert.mode=upsert',
        'pk.mode=record_key',
        'auto.create=true',
        'auto.evolve=true',
        'delete.enabled=true',
        'table.name.format=kafka_${topic}',
        '',
      ].join('\n'),
    )
    const first = [line(key(1), value({id: 1, name: 'ann', visits: 1})), line(key(2), value({id: 2, name: 'bob', visits: null})), line(key(1), value({id: 1, name: 'ann', visits: 2})), line(key(3), value({id: 3, name: 'cy', visits: 9}))]
    expect((await c.run(['produce', 'users', '--create', '--input', 'json'], {input: first.join('\n') + '\n'})).exitCode).toBe(0)
    const w = c.run(args, {cwd: c.base})
    running.push(w)
    await waitForRows('kafka_users', 3)
    expect(await rowsOf('kafka_users')).toEqual([
      {id: 1, name: 'ann', visits: '2'},
      {id: 2, name: 'bob', visits: null},
      {id: 3, name: 'cy', visits: '9'},
    ])
    const columns = await db.query<{column_name: string; data_type: string; is_nullable: string}>("SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'kafka_users' ORDER BY ordinal_position")
    expect(columns).toEqual([
      {column_name: 'id', data_type: 'integer', is_nullable: 'NO'},
      {column_name: 'name', data_type: 'text', is_nullable: 'NO'},
      {column_name: 'visits', data_type: 'bigint', is_nullable: 'YES'},
    ])

    const later = [line(key(2), null), line(key(3), value({id: 3, name: 'cy', visits: 10, email: 'cy@example.com'}, [{type: 'string', optional: true, field: 'email'}]))]
    expect((await c.run(['produce', 'users', '--input', 'json'], {input: later.join('\n') + '\n'})).exitCode).toBe(0)
    await waitForRows('kafka_users', 2, (rows) => rows.some((r) => r.email === 'cy@example.com'))
    w.kill('SIGTERM')
    expect((await w).exitCode).toBe(0)
    expect(await rowsOf('kafka_users')).toEqual([
      {id: 1, name: 'ann', visits: '2', email: null},
      {id: 3, name: 'cy', visits: '10', email: 'cy@example.com'},
    ])
    expect(String((await c.run(['group', 'describe', 'connect-users-sink'])).stdout)).toMatch(/users\s+0\s+6\s+6\s+0/)
  }, 120_000)

  test('kill -9 mid-stream and a restart: the upserted table ends exactly at the final state', async () => {
    const {c, args} = setUp(`name=kv\nconnector.class=JdbcSink\ntopics=kv\nconnection.url=${db.url}\ninsert.mode=upsert\npk.mode=record_key\nauto.create=true\nbatch.size=50\n`)
    const keys = 40
    const total = 4000
    const updates = Array.from({length: total}, (_, i) => line(key(i % keys), value({id: i % keys, name: `v${i}`, visits: i})))
    expect((await c.run(['produce', 'kv', '--create', '--input', 'json'], {input: updates.join('\n') + '\n'})).exitCode).toBe(0)
    const w = c.run(args, {cwd: c.base})
    running.push(w)
    // Killed as soon as the first rows are in: the replay after the restart re-upserts what was not committed.
    await waitForRows('kv', keys)
    w.kill('SIGKILL')
    await w.catch(() => {})
    const again = c.run(args, {cwd: c.base})
    running.push(again)
    const last = (id: number) => total - keys + id
    await waitForRows('kv', keys, (rows) => rows.every((r) => r.visits === String(last(r.id as number))))
    again.kill('SIGTERM')
    expect((await again).exitCode).toBe(0)
    expect(await rowsOf('kv')).toEqual(Array.from({length: keys}, (_, id) => ({id, name: `v${last(id)}`, visits: String(last(id))})))
  }, 120_000)

  test('insert with pk.mode=kafka keeps every record; a missing table without auto.create fails and commits nothing', async () => {
    const {c, args} = setUp(`name=log\nconnector.class=JdbcSink\ntopics=events\nconnection.url=${db.url}\npk.mode=kafka\nauto.create=true\ntable.name.format=log_\${topic}\n`)
    const events = [1, 2, 2].map((n, i) => line(null, value({id: n, name: `e${i}`, visits: null})))
    expect((await c.run(['produce', 'events', '--create', '--input', 'json'], {input: events.join('\n') + '\n'})).exitCode).toBe(0)
    const w = c.run(args, {cwd: c.base})
    running.push(w)
    await waitForRows('log_events', 3)
    w.kill('SIGTERM')
    expect((await w).exitCode).toBe(0)
    expect(await rowsOf('log_events', '__connect_offset')).toEqual([0, 1, 2].map((o) => ({__connect_topic: 'events', __connect_partition: 0, __connect_offset: String(o), id: [1, 2, 2][o], name: `e${o}`, visits: null})))

    const strict = setUp(`name=strict\nconnector.class=JdbcSink\ntopics=events\nconnection.url=${db.url}\ntable.name.format=nowhere_\${topic}\n`)
    expect((await strict.c.run(['produce', 'events', '--create', '--input', 'json'], {input: events[0] + '\n'})).exitCode).toBe(0)
    const r = await strict.c.run(strict.args, {cwd: strict.c.base})
    expect(r.exitCode).toBe(1)
    expect(String(r.stderr)).toMatch(/logpipe: task strict-0 FAILED: jdbc sink: 1 row\(s\) from events\/0 offset 0 failed: Table "nowhere_events" is missing and auto-creation is disabled/)
    expect(String((await strict.c.run(['group', 'describe', 'connect-strict'])).stdout)).toMatch(/events\s+0\s+0\s+1\s+1/)
  }, 120_000)
})

/** Polls the table until it has `n` rows (and `also` holds), to a deadline. */
async function waitForRows(table: string, n: number, also: (rows: Record<string, unknown>[]) => boolean = () => true): Promise<void> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const rows = await rowsOf(table)
    if (rows.length === n && also(rows)) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} rows in ${table}; have ${JSON.stringify(rows)}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
