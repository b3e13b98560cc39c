/**
 * The JDBC-style sink to SQLite (connection.url=jdbc:sqlite:PATH), checked
 * with the sqlite3 CLI (Debian's `sqlite3`, which .ci/run installs) once the
 * worker has stopped: upserts by record key into an auto.created table,
 * auto.evolve, tombstone deletes; insert.mode=update and pk.mode=record_value
 * into a table made beforehand; a NOT NULL violation to the dead letter
 * queue; kill -9 of the worker mid-stream then a restart ends at exactly
 * the final state.
 */
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {lines, trackProcesses} from './support.js'

const running = trackProcesses()

const KEY_SCHEMA = {type: 'struct', fields: [{type: 'int32', optional: false, field: 'id'}], optional: false}
const key = (id: number) => JSON.stringify({schema: KEY_SCHEMA, payload: {id}})
function value(fields: Record<string, unknown>, extra: {type: string; optional: boolean; field: string}[] = []) {
  const schema = {type: 'struct', fields: [{type: 'int32', optional: false, field: 'id'}, {type: 'string', optional: true, field: 'name'}, {type: 'int64', optional: true, field: 'visits'}, ...extra], optional: false, name: 'user'}
  return JSON.stringify({schema, payload: fields})
}
const line = (k: string | null, v: string | null) => JSON.stringify({key: k, value: v})

function setUp(connector: (db: string) => string) {
  const c = cli()
  const db = join(c.base, 'sink.sqlite')
  writeFileSync(
    join(c.base, 'w.properties'),
    ['key.converter=org.apache.kafka.connect.json.JsonConverter', 'value.converter=org.apache.kafka.connect.json.JsonConverter', `offset.storage.file.filename=${join(c.base, 'offsets')}`, 'offset.flush.interval.ms=100'].join('\n'),
  )
  writeFileSync(join(c.base, 'sink.properties'), connector(db))
  return {c, db, args: ['connect', 'standalone', join(c.base, 'w.properties'), join(c.base, 'sink.properties')]}
}

/** Rows by the sqlite3 CLI, as JSON objects. */
function sql(db: string, query: string): Record<string, unknown>[] {
  const out = execFileSync('sqlite3', ['-json', db, query], {encoding: 'utf8'})
  return out.trim() === '' ? [] : (JSON.parse(out) as Record<string, unknown>[])
}

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** The group's committed offset of partition 0 (-1 before any commit). */
async function committed(c: ReturnType<typeof cli>, group: string, topic: string): Promise<number> {
  const out = String((await c.run(['group', 'describe', group])).stdout)
  const m = new RegExp(`\\s${topic}\\s+0\\s+(\\d+|-)\\s`).exec(out)
  return m && m[1] !== '-' ? Number(m[1]) : -1
}

describe('JDBC sink to SQLite', () => {
  test('upsert by record_key into an auto.created table, auto.evolve for a new field, a tombstone deletes', async () => {
    const {c, db, args} = setUp((file) => `name=users\nconnector.class=io.confluent.connect.jdbc.JdbcSinkConnector\ntopics=users\nconnection.url=jdbc:sqlite:${file}\ntasks.max=3\ninsert.mode=upsert\npk.mode=record_key\nauto.create=true\nauto.evolve=true\ndelete.enabled=true\ntable.name.format=kafka_\${topic}\n`)
    const records = [
      line(key(1), value({id: 1, name: 'ann', visits: 1})),
      line(key(2), value({id: 2, name: 'bob', visits: null})),
      line(key(1), value({id: 1, name: 'ann', visits: 2})),
      line(key(3), value({id: 3, name: 'cy', visits: 9})),
      line(key(2), null),
      line(key(3), value({id: 3, name: 'cy', visits: 10, email: 'cy@example.com'}, [{type: 'string', optional: true, field: 'email'}])),
      line(key(9), null),
    ]
    expect((await c.run(['produce', 'users', '--create', '--input', 'json'], {input: records.slice(0, 4).join('\n') + '\n'})).exitCode).toBe(0)
    // What a writer killed inside a transaction leaves: the driver's lock directory, which would otherwise refuse every open.
    mkdirSync(`${db}.lock`)
    const w = c.run(args, {cwd: c.base})
    running.push(w)
    await waitFor(async () => (await committed(c, 'connect-users', 'users')) === 4, 'the first four committed')
    expect((await c.run(['produce', 'users', '--input', 'json'], {input: records.slice(4).join('\n') + '\n'})).exitCode).toBe(0)
    await waitFor(async () => (await committed(c, 'connect-users', 'users')) === 7, 'all seven committed')
    w.kill('SIGTERM')
    expect((await w).exitCode).toBe(0)
    expect(sql(db, 'SELECT * FROM kafka_users ORDER BY id')).toEqual([
      {id: 1, name: 'ann', visits: 2, email: null},
      {id: 3, name: 'cy', visits: 10, email: 'cy@example.com'},
    ])
    expect(sql(db, "SELECT name, type, \"notnull\", pk FROM pragma_table_info('kafka_users') ORDER BY cid")).toEqual([
      {name: 'id', type: 'INTEGER', notnull: 1, pk: 1},
      {name: 'name', type: 'TEXT', notnull: 0, pk: 0},
      {name: 'visits', type: 'INTEGER', notnull: 0, pk: 0},
      {name: 'email', type: 'TEXT', notnull: 0, pk: 0},
    ])
    expect(sql(db, 'PRAGMA integrity_check')).toEqual([{integrity_check: 'ok'}])
    expect(existsSync(`${db}.lock`)).toBe(false)
    // One writer per SQLite file, whatever tasks.max says.
    expect(JSON.parse(String((await c.run(['connect', 'status', 'users'])).stdout)).tasks.map((t: {id: number}) => t.id)).toEqual([0])
  }, 60_000)

  test('insert.mode=update with pk.mode=record_value and pk.fields changes existing rows only; insert appends', async () => {
    const {c, db, args} = setUp((file) => `name=upd\nconnector.class=JdbcSink\ntopics=people\nconnection.url=jdbc:sqlite:${file}\ninsert.mode=update\npk.mode=record_value\npk.fields=id\n`)
    execFileSync('sqlite3', [db, "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, visits INTEGER); INSERT INTO people VALUES (1, 'old', 0), (2, 'two', 0);"])
    const records = [line(null, value({id: 1, name: 'new', visits: 5})), line(null, value({id: 7, name: 'nobody', visits: 1})), line(null, value({id: 2, name: 'two', visits: 3}))]
    expect((await c.run(['produce', 'people', '--create', '--input', 'json'], {input: records.join('\n') + '\n'})).exitCode).toBe(0)
    const w = c.run(args, {cwd: c.base})
    running.push(w)
    await waitFor(async () => (await committed(c, 'connect-upd', 'people')) === 3, 'three committed')
    w.kill('SIGTERM')
    expect((await w).exitCode).toBe(0)
    expect(sql(db, 'SELECT * FROM people ORDER BY id')).toEqual([
      {id: 1, name: 'new', visits: 5},
      {id: 2, name: 'two', visits: 3},
    ])

    writeFileSync(join(c.base, 'sink.properties'), `name=ins\nconnector.class=JdbcSink\ntopics=people\nconnection.url=jdbc:sqlite:${db}\ntable.name.format=log\nauto.create=true\n`)
    const again = c.run(args, {cwd: c.base})
    running.push(again)
    await waitFor(async () => (await committed(c, 'connect-ins', 'people')) === 3, 'three inserted')
    again.kill('SIGTERM')
    expect((await again).exitCode).toBe(0)
    expect(sql(db, 'SELECT id, name FROM log ORDER BY rowid')).toEqual([
      {id: 1, name: 'new'},
      {id: 7, name: 'nobody'},
      {id: 2, name: 'two'},
    ])
  }, 60_000)

  test('a row SQLite refuses (NOT NULL) goes to the dead letter queue and the rest are written; under none the task fails with the reason', async () => {
    const {c, db, args} = setUp((file) => `name=nn\nconnector.class=JdbcSink\ntopics=people\nconnection.url=jdbc:sqlite:${file}\ninsert.mode=upsert\npk.mode=record_value\npk.fields=id\nerrors.tolerance=all\nerrors.deadletterqueue.topic.name=dlq\nerrors.deadletterqueue.context.headers.enable=true\n`)
    execFileSync('sqlite3', [db, 'CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, visits INTEGER);'])
    const records = [line(null, value({id: 1, name: 'a', visits: 1})), line(null, value({id: 2, name: null, visits: 1})), line(null, value({id: 3, name: 'c', visits: 1}))]
    expect((await c.run(['produce', 'people', '--create', '--input', 'json'], {input: records.join('\n') + '\n'})).exitCode).toBe(0)
    const w = c.run(args, {cwd: c.base})
    running.push(w)
    await waitFor(async () => (await committed(c, 'connect-nn', 'people')) === 3, 'three committed')
    w.kill('SIGTERM')
    expect((await w).exitCode).toBe(0)
    expect(sql(db, 'SELECT id, name FROM people ORDER BY id')).toEqual([
      {id: 1, name: 'a'},
      {id: 3, name: 'c'},
    ])
    const dead = lines((await c.run(['consume', 'dlq', '-e', '--json'])).stdout).map((l) => JSON.parse(l) as {value: string; headers: {key: string; value: string}[]})
    expect(dead.map((d) => JSON.parse(d.value).payload.id)).toEqual([2])
    expect(Object.fromEntries(dead[0].headers.map((h) => [h.key, h.value]))['__connect.errors.exception.message']).toMatch(/offset 1 failed: NOT NULL constraint failed: people.name/)

    writeFileSync(join(c.base, 'sink.properties'), `name=nn2\nconnector.class=JdbcSink\ntopics=people\nconnection.url=jdbc:sqlite:${db}\ntable.name.format=people2\ninsert.mode=upsert\npk.mode=record_value\npk.fields=id\n`)
    execFileSync('sqlite3', [db, 'CREATE TABLE people2 (id INTEGER PRIMARY KEY, name TEXT NOT NULL, visits INTEGER);'])
    const r = await c.run(args, {cwd: c.base})
    expect(r.exitCode).toBe(1)
    const status = JSON.parse(String((await c.run(['connect', 'status', 'nn2'])).stdout))
    expect(status.tasks[0].trace).toMatch(/jdbc sink: 3 row\(s\) from people\/0 offset 0 failed: NOT NULL constraint failed: people2.name/)
    expect(sql(db, 'SELECT * FROM people2')).toEqual([])
  }, 60_000)

  test('kill -9 mid-stream and a restart: the upserted table ends exactly at the final state, the file intact', async () => {
    const {c, db, args} = setUp((file) => `name=kv\nconnector.class=JdbcSink\ntopics=kv\nconnection.url=jdbc:sqlite:${file}\ninsert.mode=upsert\npk.mode=record_key\nauto.create=true\nbatch.size=50\n`)
    const keys = 40
    const total = 20_000
    const updates = Array.from({length: total}, (_, i) => line(key(i % keys), value({id: i % keys, name: `v${i}`, visits: i})))
    expect((await c.run(['produce', 'kv', '--create', '--input', 'json'], {input: updates.join('\n') + '\n'})).exitCode).toBe(0)
    const w = c.run(args, {cwd: c.base})
    running.push(w)
    // Killed as soon as something is committed, while later batches are being written: the replay re-upserts what was not committed.
    await waitFor(async () => (await committed(c, 'connect-kv', 'kv')) > 0, 'a first commit')
    w.kill('SIGKILL')
    await w.catch(() => {})
    const at = await committed(c, 'connect-kv', 'kv')
    expect(at).toBeLessThan(total)
    const again = c.run(args, {cwd: c.base})
    running.push(again)
    await waitFor(async () => (await committed(c, 'connect-kv', 'kv')) === total, 'everything committed', 60_000)
    again.kill('SIGTERM')
    expect((await again).exitCode).toBe(0)
    const last = (id: number) => total - keys + id
    expect(sql(db, 'SELECT * FROM kv ORDER BY id')).toEqual(Array.from({length: keys}, (_, id) => ({id, name: `v${last(id)}`, visits: last(id)})))
    expect(sql(db, 'PRAGMA integrity_check')).toEqual([{integrity_check: 'ok'}])
  }, 120_000)
})
