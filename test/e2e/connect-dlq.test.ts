/**
 * Sink failures to the dead letter queue through the worker's
 * ErrantRecordReporter (KIP-610): a command exiting non-zero, an HTTP
 * endpoint answering 400 for some records, and rows a real PostgreSQL
 * refuses (a NOT NULL and a type violation), under errors.tolerance=all go to
 * errors.deadletterqueue.topic.name as they were consumed, with Kafka's
 * __connect.errors.* headers, and the task goes on; under none the task
 * fails with the reason in `connect status` and commits nothing past it.
 * A sink written by a user reports through context.errantRecordReporter().
 */
import {createServer, type Server} from 'node:http'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterAll, afterEach, beforeAll, describe, expect, test} from 'vitest'
import {cli, ROOT} from '../helpers/cli.js'
import {startPostgres, type PostgresServer} from '../helpers/postgres.js'
import {lines, trackProcesses} from './support.js'

const running = trackProcesses()

function setUp(connector: string, valueSchemas: boolean) {
  const c = cli()
  writeFileSync(
    join(c.base, 'w.properties'),
    [
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      'value.converter=org.apache.kafka.connect.json.JsonConverter',
      `value.converter.schemas.enable=${valueSchemas}`,
      `offset.storage.file.filename=${join(c.base, 'offsets')}`,
      'offset.flush.interval.ms=200',
    ].join('\n'),
  )
  writeFileSync(join(c.base, 'sink.properties'), connector)
  return {c, args: ['connect', 'standalone', join(c.base, 'w.properties'), join(c.base, 'sink.properties')]}
}

const DLQ = 'errors.tolerance=all\nerrors.deadletterqueue.topic.name=dlq\nerrors.deadletterqueue.context.headers.enable=true\n'

interface Dead {
  offset: number
  value: string
  headers: Record<string, string>
}

async function deadLetters(c: ReturnType<typeof cli>): Promise<Dead[]> {
  const r = await c.run(['consume', 'dlq', '-e', '--json'])
  return lines(r.stdout).map((l) => {
    const j = JSON.parse(l) as {offset: number; value: string; headers: {key: string; value: string}[]}
    return {offset: j.offset, value: j.value, headers: Object.fromEntries(j.headers.map((h) => [h.key, h.value]))}
  })
}

/** Polls an async condition to a deadline. */
async function waitFor(cond: () => boolean | Promise<boolean>, what: string, deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const committed = async (c: ReturnType<typeof cli>, group: string) => String((await c.run(['group', 'describe', group])).stdout)

const USER_SINK = `
import {ConfigDef, SinkConnector, SinkTask} from '${pathToFileURL(join(ROOT, 'dist', 'index.js')).href}'
import {appendFileSync} from 'node:fs'

export class PickySinkTask extends SinkTask {
  start(props) { this.file = props.file }
  async put(records) {
    const reporter = this.context.errantRecordReporter()
    for (const r of records) {
      if (String(r.value).startsWith('bad')) await reporter.report(r, new Error('picky sink refuses ' + r.value))
      else appendFileSync(this.file, r.value + '\\n')
    }
  }
  stop() {}
}

export class PickySink extends SinkConnector {
  static CLASS_NAME = 'com.example.PickySink'
  config() { return new ConfigDef().define({name: 'file', type: 'STRING', importance: 'HIGH', documentation: 'to'}) }
  start(props) { this.props = props }
  taskClass() { return PickySinkTask }
  taskConfigs() { return [this.props] }
  stop() {}
}
`

describe('a sink of your own', () => {
  test('context.errantRecordReporter() sends a record to the dead letter queue under all, and fails the task under none', async () => {
    const {c, args} = setUp('', false)
    const plugins = join(c.base, 'plugins')
    mkdirSync(plugins)
    writeFileSync(join(plugins, 'picky.mjs'), USER_SINK)
    writeFileSync(join(c.base, 'w.properties'), `key.converter=org.apache.kafka.connect.storage.StringConverter\nvalue.converter=org.apache.kafka.connect.storage.StringConverter\noffset.storage.file.filename=${join(c.base, 'offsets')}\nplugin.path=${plugins}\n`)
    const out = join(c.base, 'out.txt')
    writeFileSync(join(c.base, 'sink.properties'), `name=picky\nconnector.class=com.example.PickySink\ntopics=in\nfile=${out}\n${DLQ}errors.log.enable=true\n`)
    expect((await c.run(['produce', 'in', '--create'], {input: 'a\nbad-b\nc\n'})).exitCode).toBe(0)
    const w = c.run(args, {cwd: c.base})
    running.push(w)
    await waitFor(() => existsSync(out) && lines(readFileSync(out, 'utf8')).length >= 2, 'the good records')
    await waitFor(async () => (await deadLetters(c)).length >= 1, 'the dead letter')
    w.kill('SIGTERM')
    const r = await w
    expect(r.exitCode).toBe(0)
    expect(lines(readFileSync(out, 'utf8'))).toEqual(['a', 'c'])
    const dead = await deadLetters(c)
    expect(dead.map((d) => [d.value, d.headers['__connect.errors.class.name'], d.headers['__connect.errors.exception.message']])).toEqual([['bad-b', 'PickySinkTask', 'picky sink refuses bad-b']])
    expect(String(r.stderr)).toMatch(/Error encountered in task picky-0\. Executing stage 'TASK_PUT' with class 'PickySinkTask'/)

    writeFileSync(join(c.base, 'sink.properties'), `name=picky2\nconnector.class=com.example.PickySink\ntopics=in\nfile=${out}\n`)
    const s = await c.run(args, {cwd: c.base})
    expect(s.exitCode).toBe(1)
    expect(String(s.stderr)).toMatch(/logpipe: task picky2-0 FAILED: Tolerance exceeded in error handler: stage TASK_PUT with class PickySinkTask failed: picky sink refuses bad-b/)
  }, 60_000)
})

describe('exec sink failures', () => {
  test('a record whose command fails goes to the dead letter queue with its key and value as consumed', async () => {
    const {c, args} = setUp(`name=run\nconnector.class=ExecSink\ntopics=in\ncommand=[ "$(cat)" != no ]\n${DLQ}`, false)
    expect((await c.run(['produce', 'in', '--create', '-K', ':'], {input: 'a:"yes"\nb:"no"\nc:"yes"\n'})).exitCode).toBe(0)
    const w = c.run(args, {cwd: c.base})
    running.push(w)
    await waitFor(async () => (await committed(c, 'connect-run')).match(/in\s+0\s+3\s+3\s+0/) !== null, 'all three handled')
    w.kill('SIGTERM')
    expect((await w).exitCode).toBe(0)
    const dead = await deadLetters(c)
    expect(dead.map((d) => [d.value, d.headers['__connect.errors.offset'], d.headers['__connect.errors.class.name']])).toEqual([['"no"', '1', 'ExecSinkTask']])
    expect(dead[0].headers['__connect.errors.exception.message']).toMatch(/exec sink: .* for in\/0 offset 1 failed: exit status 1/)
    expect(lines((await c.run(['consume', 'dlq', '-e', '-f', '%k\\n'])).stdout)).toEqual(['b'])
  }, 60_000)
})

describe('HTTP sink failures', () => {
  let server: Server | null = null
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
    server = null
  })

  async function serve(): Promise<{url: string; got: string[]}> {
    const got: string[] = []
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString('utf8')))
      req.on('end', () => {
        got.push(body)
        const bad = body.includes('bad')
        res.writeHead(bad ? 400 : 200, {'content-type': 'text/plain'})
        res.end(bad ? 'field x is required' : 'ok')
      })
    })
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()))
    return {url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/in`, got}
  }

  test('a record answered 400 goes to the dead letter queue as consumed, with its context headers, and the task goes on', async () => {
    const {url, got} = await serve()
    const {c, args} = setUp(`name=web\nconnector.class=HttpSink\ntopics=in\nhttp.api.url=${url}\n${DLQ}`, false)
    expect((await c.run(['produce', 'in', '--create', '-K', ':', '-H', 'trace=t1'], {input: 'k1:{"id":1}\nk2:{"id":2,"bad":true}\nk3:{"id":3}\nk4:"bad too"\n'})).exitCode).toBe(0)
    const w = c.run(args, {cwd: c.base})
    running.push(w)
    await waitFor(() => got.length >= 4, 'four requests')
    await waitFor(async () => (await deadLetters(c)).length >= 2, 'two dead letters')
    w.kill('SIGTERM')
    const r = await w
    expect(r.exitCode).toBe(0)
    expect(got).toEqual(['{"id":1}', '{"id":2,"bad":true}', '{"id":3}', '"bad too"'])
    const dead = await deadLetters(c)
    expect(dead.map((d) => d.value)).toEqual(['{"id":2,"bad":true}', '"bad too"'])
    expect(dead[0].headers).toMatchObject({
      trace: 't1',
      '__connect.errors.topic': 'in',
      '__connect.errors.partition': '0',
      '__connect.errors.offset': '1',
      '__connect.errors.connector.name': 'web',
      '__connect.errors.task.id': '0',
      '__connect.errors.stage': 'TASK_PUT',
      '__connect.errors.class.name': 'HttpSinkTask',
      '__connect.errors.exception.class.name': 'org.apache.kafka.connect.errors.ConnectException',
    })
    expect(dead[0].headers['__connect.errors.exception.message']).toMatch(/http sink: POST .* offset 1 failed: HTTP 400: field x is required/)
    expect(dead[1].headers['__connect.errors.offset']).toBe('3')
    const keys = lines((await c.run(['consume', 'dlq', '-e', '-f', '%k\\n'])).stdout)
    expect(keys).toEqual(['k2', 'k4'])
    expect(await committed(c, 'connect-web')).toMatch(/in\s+0\s+4\s+4\s+0/)
  }, 60_000)

  test('errors.tolerance=none: a 400 fails the task with the reason in connect status, and writes no dead letter', async () => {
    const {url} = await serve()
    const {c, args} = setUp(`name=strict\nconnector.class=HttpSink\ntopics=in\nhttp.api.url=${url}\nerrors.deadletterqueue.topic.name=dlq\n`, false)
    expect((await c.run(['produce', 'in', '--create'], {input: '{"id":1}\n"bad"\n'})).exitCode).toBe(0)
    const r = await c.run(args, {cwd: c.base})
    expect(r.exitCode).toBe(1)
    const status = JSON.parse(String((await c.run(['connect', 'status', 'strict'])).stdout))
    expect(status.tasks[0].state).toBe('FAILED')
    expect(status.tasks[0].trace).toMatch(/http sink: POST .* offset 1 failed: HTTP 400: field x is required/)
    // Record 0 came in the same put() as the refused one: delivered again on a restart, never lost.
    expect(await committed(c, 'connect-strict')).toMatch(/in\s+0\s+0\s+2\s+2/)
    expect((await c.run(['topic', 'list'])).stdout).not.toMatch(/dlq/)
  }, 60_000)
})

describe('JDBC sink failures', () => {
  let db: PostgresServer
  beforeAll(async () => {
    db = await startPostgres()
  }, 120_000)
  afterAll(async () => {
    await db?.stop()
  })

  const schema = {type: 'struct', optional: false, name: 'person', fields: [{type: 'int32', optional: false, field: 'id'}, {type: 'string', optional: true, field: 'name'}, {type: 'string', optional: true, field: 'age'}]}
  const person = (id: number, name: string | null, age: string | null) => `${id}:${JSON.stringify({schema, payload: {id, name, age}})}`
  const input = [person(1, 'ann', '30'), person(2, null, '40'), person(3, 'cy', 'old'), person(4, 'dee', '50'), person(1, 'ann', '31')].join('\n') + '\n'

  test('rows the database refuses (NOT NULL, a type) go to the dead letter queue; the rest of their batch is written', async () => {
    await db.query('CREATE TABLE people (id INT PRIMARY KEY, name TEXT NOT NULL, age INT)')
    const {c, args} = setUp(`name=db\nconnector.class=JdbcSink\ntopics=people\nconnection.url=${db.url}\ninsert.mode=upsert\npk.mode=record_value\npk.fields=id\n${DLQ}`, true)
    expect((await c.run(['produce', 'people', '--create', '-K', ':'], {input})).exitCode).toBe(0)
    const w = c.run(args, {cwd: c.base})
    running.push(w)
    await waitFor(async () => (await deadLetters(c)).length >= 2 && (await db.query('SELECT 1 FROM people')).length >= 2, 'two rows and two dead letters')
    w.kill('SIGTERM')
    const r = await w
    expect(r.exitCode).toBe(0)
    expect(await db.query('SELECT id, name, age FROM people ORDER BY id')).toEqual([
      {id: 1, name: 'ann', age: 31},
      {id: 4, name: 'dee', age: 50},
    ])
    const dead = await deadLetters(c)
    expect(dead.map((d) => [d.headers['__connect.errors.offset'], JSON.parse(d.value).payload.id])).toEqual([
      ['1', 2],
      ['2', 3],
    ])
    expect(dead[0].headers).toMatchObject({'__connect.errors.stage': 'TASK_PUT', '__connect.errors.class.name': 'JdbcSinkTask', '__connect.errors.connector.name': 'db'})
    expect(dead[0].headers['__connect.errors.exception.message']).toMatch(/offset 1 failed: null value in column "name".*violates not-null constraint/)
    expect(dead[1].headers['__connect.errors.exception.message']).toMatch(/offset 2 failed: invalid input syntax for type integer: "old"/)
    expect(String(r.stderr)).toMatch(/writing its rows one at a time/)
    expect(await committed(c, 'connect-db')).toMatch(/people\s+0\s+5\s+5\s+0/)
  }, 120_000)

  test('errors.tolerance=none: the refused row fails the task with the database reason in connect status; nothing is written or committed', async () => {
    await db.query('CREATE TABLE strict_people (id INT PRIMARY KEY, name TEXT NOT NULL, age INT)')
    const {c, args} = setUp(`name=strictdb\nconnector.class=JdbcSink\ntopics=people\nconnection.url=${db.url}\ntable.name.format=strict_\${topic}\ninsert.mode=upsert\npk.mode=record_value\npk.fields=id\n`, true)
    expect((await c.run(['produce', 'people', '--create', '-K', ':'], {input})).exitCode).toBe(0)
    const r = await c.run(args, {cwd: c.base})
    expect(r.exitCode).toBe(1)
    const status = JSON.parse(String((await c.run(['connect', 'status', 'strictdb'])).stdout))
    expect(status.tasks[0].state).toBe('FAILED')
    expect(status.tasks[0].trace).toMatch(/jdbc sink: 5 row\(s\) from people\/0 offset 0 failed: invalid input syntax for type integer: "old"/)
    expect(await db.query('SELECT * FROM strict_people')).toEqual([])
    expect(await committed(c, 'connect-strictdb')).toMatch(/people\s+0\s+0\s+5\s+5/)
  }, 120_000)
})

