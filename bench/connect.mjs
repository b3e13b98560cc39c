#!/usr/bin/env node
// Connect throughput, issue 12's performance point, used by `node bench/run.mjs connect`:
//
// - FileStreamSource -> topic -> FileStreamSink of N 100-byte lines with
//   Kafka's quickstart files (JsonConverter, schemas on), end to end: from
//   starting `logpipe connect standalone` until the sink file holds every
//   line (its bytes checked against the input once).
// - JDBC sink upserts (pk.mode=record_key, one new key per record) into a
//   PostgreSQL server started as the tests start it
//   (test/helpers/postgres-server.mjs): from starting the worker until the
//   table holds every row; the reference is `psql \copy` of the same rows
//   as CSV into the same table shape.
//
//   node bench/connect.mjs [N]      one end-to-end file run (default 1000000;
//                                   CONNECT_TRANSFORMS=1 adds the quickstart's
//                                   HoistField + InsertField)
//   node bench/connect.mjs jdbc [N] one JDBC run and one psql \copy (default 100000)
import {spawn} from 'node:child_process'
import {appendFileSync, copyFileSync, createReadStream, existsSync, mkdirSync, statSync, writeFileSync} from 'node:fs'
import {createHash} from 'node:crypto'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {NODE, ROOT, RUN_JS, quietGate, removeDir, run, tempDir, writeInput} from './lib.mjs'

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const hashOf = (file) =>
  new Promise((resolve, reject) => {
    const h = createHash('sha256')
    createReadStream(file).on('data', (d) => h.update(d)).on('end', () => resolve(h.digest('hex'))).on('error', reject)
  })

/** The quickstart's three files in `dir/config`, the input as `dir/test.txt`. */
function quickstart(dir, input, transforms) {
  mkdirSync(join(dir, 'config'), {recursive: true})
  for (const f of ['connect-standalone.properties', 'connect-file-source.properties', 'connect-file-sink.properties']) copyFileSync(join(ROOT, 'test/fixtures/connect', f), join(dir, 'config', f))
  appendFileSync(join(dir, 'config', 'connect-standalone.properties'), `\noffset.storage.file.filename=${join(dir, 'connect.offsets')}\noffset.flush.interval.ms=1000\n`)
  if (transforms)
    appendFileSync(join(dir, 'config', 'connect-file-source.properties'), '\ntransforms=MakeMap,InsertSource\ntransforms.MakeMap.type=org.apache.kafka.connect.transforms.HoistField$Value\ntransforms.MakeMap.field=line\ntransforms.InsertSource.type=org.apache.kafka.connect.transforms.InsertField$Value\ntransforms.InsertSource.static.field=data_source\ntransforms.InsertSource.static.value=test-file-source\n')
  copyFileSync(input, join(dir, 'test.txt'))
}

/** Starts a standalone worker; resolves its exit. */
function worker(dir, files) {
  const w = spawn(NODE, [RUN_JS, '--data-dir', join(dir, 'data'), 'connect', 'standalone', ...files], {cwd: dir, stdio: ['ignore', 'ignore', 'pipe']})
  let err = ''
  w.stderr.on('data', (d) => (err = (err + d).slice(-4000)))
  const exited = new Promise((resolve) => w.on('exit', (code, signal) => resolve({code, signal})))
  return {w, exited, err: () => err}
}

/**
 * One end-to-end run of FileStreamSource -> connect-test -> FileStreamSink
 * over `input`; {ms, ok (sink == input, when checked)}.
 */
export async function fileStreamRun(input, {check = false, transforms = false} = {}) {
  const dir = tempDir('logpipe-bench-connect-')
  try {
    quickstart(dir, input, transforms)
    const want = transforms ? null : statSync(input).size
    const sink = join(dir, 'test.sink.txt')
    await quietGate()
    const start = process.hrtime.bigint()
    const {w, exited, err} = worker(dir, ['config/connect-standalone.properties', 'config/connect-file-source.properties', 'config/connect-file-sink.properties'])
    let dead = false
    exited.then(() => (dead = true))
    // The sink writes each line as it came, so its size tells when every line is there (transforms change the line).
    let last = -1
    let stable = 0
    for (;;) {
      await sleep(10)
      const size = existsSync(sink) ? statSync(sink).size : 0
      if (want !== null ? size >= want : size > 0 && size === last && ++stable > 50) break
      if (size !== last) stable = 0
      last = size
      if (dead) throw new Error(`the worker exited before the sink had every line: ${err().trim().split('\n').slice(-2).join(' | ')}`)
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6 - (want === null ? 500 : 0)
    w.kill('SIGTERM')
    await exited
    const ok = check && want !== null ? (await hashOf(sink)) === (await hashOf(input)) : null
    return {ms, ok}
  } finally {
    removeDir(dir)
  }
}

/** `logpipe produce` then `logpipe consume -e` of the same file into a file: the same work without Connect; {ms, produceMs, consumeMs}. */
export async function produceConsumeRun(input) {
  const dir = tempDir('logpipe-bench-connect-ref-')
  try {
    const env = {LOGPIPE_DATA_DIR: join(dir, 'data')}
    await run(NODE, [RUN_JS, 'topic', 'create', 'connect-test'], {env, rss: false})
    const p = await run(NODE, [RUN_JS, 'produce', 'connect-test'], {env, stdin: input})
    const c = await run(NODE, [RUN_JS, 'consume', 'connect-test', '-e'], {env, stdout: join(dir, 'out.txt')})
    return {ms: p.ms + c.ms, produceMs: p.ms, consumeMs: c.ms}
  } finally {
    removeDir(dir)
  }
}

const KEY_SCHEMA = {type: 'struct', fields: [{type: 'int32', optional: false, field: 'id'}], optional: false}
const VALUE_SCHEMA = {type: 'struct', name: 'user', optional: false, fields: [{type: 'int32', optional: false, field: 'id'}, {type: 'string', optional: false, field: 'name'}, {type: 'int64', optional: false, field: 'visits'}]}

/** A data dir whose topic `users` holds n keyed JsonConverter records, and the same rows as CSV. */
export async function jdbcInput(n) {
  const dir = tempDir('logpipe-bench-jdbc-')
  const lines = []
  const csv = []
  for (let i = 0; i < n; i++) {
    const name = `user-${String(i).padStart(8, '0')}`
    lines.push(JSON.stringify({key: JSON.stringify({schema: KEY_SCHEMA, payload: {id: i}}), value: JSON.stringify({schema: VALUE_SCHEMA, payload: {id: i, name, visits: i * 3}})}))
    csv.push(`${i},${name},${i * 3}`)
  }
  writeFileSync(join(dir, 'records.jsonl'), lines.join('\n') + '\n')
  writeFileSync(join(dir, 'rows.csv'), csv.join('\n') + '\n')
  const env = {LOGPIPE_DATA_DIR: join(dir, 'data')}
  await run(NODE, [RUN_JS, 'topic', 'create', 'users'], {env, rss: false})
  await run(NODE, [RUN_JS, 'produce', 'users', '--input', 'json'], {env, stdin: join(dir, 'records.jsonl'), rss: false})
  writeFileSync(join(dir, 'worker.properties'), ['key.converter=org.apache.kafka.connect.json.JsonConverter', 'value.converter=org.apache.kafka.connect.json.JsonConverter', `offset.storage.file.filename=${join(dir, 'connect.offsets')}`, 'offset.flush.interval.ms=1000', ''].join('\n'))
  return {dir, n, csv: join(dir, 'rows.csv')}
}

export async function startPostgres() {
  const {startPostgres: start} = await import(pathToFileURL(join(ROOT, 'test/helpers/postgres-server.mjs')).href)
  return start()
}

/** One run of the JDBC sink upserting every record into a new table `bench_<i>`; {ms}. */
export async function jdbcUpsertRun(pg, input, i) {
  const table = `bench_${i}`
  const props = join(input.dir, `sink-${i}.properties`)
  writeFileSync(props, [`name=jdbc-${i}`, 'connector.class=io.confluent.connect.jdbc.JdbcSinkConnector', 'topics=users', `connection.url=${pg.url}`, 'insert.mode=upsert', 'pk.mode=record_key', 'auto.create=true', `table.name.format=${table}`, ''].join('\n'))
  await quietGate()
  const start = process.hrtime.bigint()
  const {w, exited, err} = worker(input.dir, ['worker.properties', props])
  let dead = false
  exited.then(() => (dead = true))
  // Each put() is one transaction and the records come in key order: the last key's row is there once every row is (counted after, untimed).
  for (;;) {
    await sleep(25)
    const have = await pg.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = '${table}'`)
    if (have[0].n === 1 && (await pg.query(`SELECT 1 FROM ${table} WHERE id = $1`, [input.n - 1])).length === 1) break
    if (dead) throw new Error(`the worker exited before the table had every row: ${err().trim().split('\n').slice(-2).join(' | ')}`)
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  w.kill('SIGTERM')
  await exited
  const rows = (await pg.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n
  if (rows !== input.n) throw new Error(`the table has ${rows} rows, expected ${input.n}`)
  await pg.query(`DROP TABLE ${table}`)
  return {ms}
}

/** The reference: `psql -c "\copy ..."` of the same rows into a table of the same shape (primary key included); {ms}. */
export async function psqlCopyRun(pg, input, i) {
  const table = `bench_copy_${i}`
  await pg.query(`CREATE TABLE ${table} (id INT NOT NULL, name TEXT NOT NULL, visits BIGINT NOT NULL, PRIMARY KEY (id))`)
  const r = await run(join(pg.bin, 'psql'), ['-X', '-q', '-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', '-d', 'postgres', '-c', `\\copy ${table} (id, name, visits) FROM '${input.csv}' CSV`], {rss: false, env: {PGPASSWORD: ''}})
  const n = (await pg.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n
  await pg.query(`DROP TABLE ${table}`)
  if (n !== input.n) throw new Error(`psql \\copy wrote ${n} rows, expected ${input.n}`)
  return {ms: r.ms}
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === 'jdbc') {
    const n = Number(process.argv[3] ?? 100_000)
    const pg = await startPostgres()
    const input = await jdbcInput(n)
    try {
      const j = await jdbcUpsertRun(pg, input, 0)
      const c = await psqlCopyRun(pg, input, 0)
      console.log(`${n} upserts in ${(j.ms / 1000).toFixed(2)} s: ${Math.round(n / (j.ms / 1000)).toLocaleString('en')} rows/s; psql \\copy ${(c.ms / 1000).toFixed(2)} s: ${Math.round(n / (c.ms / 1000)).toLocaleString('en')} rows/s`)
    } finally {
      await pg.stop()
      removeDir(input.dir)
    }
  } else {
    const n = Number(process.argv[2] ?? 1_000_000)
    const dir = tempDir('logpipe-bench-connect-in-')
    try {
      writeInput(join(dir, 'in.txt'), n)
      const r = await fileStreamRun(join(dir, 'in.txt'), {check: true, transforms: process.env.CONNECT_TRANSFORMS === '1'})
      console.log(`${n} lines end to end in ${(r.ms / 1000).toFixed(2)} s: ${Math.round(n / (r.ms / 1000)).toLocaleString('en')} lines/s${r.ok === null ? '' : r.ok ? ', sink == input' : ', SINK DIFFERS FROM INPUT'}`)
    } finally {
      removeDir(dir)
    }
  }
}
