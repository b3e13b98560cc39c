/**
 * Kafka Connect's REST API on `connect standalone`, called with curl as a
 * Kafka user calls it, bodies and status codes compared with what Kafka
 * documents (connect.html's REST API section, KIP-875 for stop and
 * offsets, KIP-558 for topics); then the CLI's lifecycle commands, which
 * talk to the same API, and `connect run CONFIG.json`.
 */
import {appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {execa} from 'execa'
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {EXIT, expectCleanError, lines, trackProcesses, waitFor} from './support.js'

const running = trackProcesses()

interface Answer {
  status: number
  body: unknown
  text: string
}

async function curl(url: string, method = 'GET', body?: unknown): Promise<Answer> {
  const args = ['-s', '-S', '-X', method, '-w', '\n%{http_code}', url]
  if (body !== undefined) args.push('-H', 'Content-Type: application/json', '--data-binary', typeof body === 'string' ? body : JSON.stringify(body))
  const r = await execa('curl', args, {reject: false})
  const out = String(r.stdout)
  const cut = out.lastIndexOf('\n')
  const text = out.slice(0, cut)
  return {status: Number(out.slice(cut + 1)), text, body: text === '' ? undefined : JSON.parse(text)}
}

/** Polls an async check until it holds (no sleeping: each round is a request). */
async function eventually<T>(get: () => Promise<T>, ok: (v: T) => boolean, what: string, deadlineMs = 20_000): Promise<T> {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    const v = await get()
    if (ok(v)) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const read = (f: string) => (existsSync(f) ? lines(readFileSync(f, 'utf8')) : [])

function workerFile(dir: string, extra = ''): string {
  const f = join(dir, 'worker.properties')
  writeFileSync(
    f,
    [
      'bootstrap.servers=localhost:9092',
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      'value.converter=org.apache.kafka.connect.storage.StringConverter',
      `offset.storage.file.filename=${join(dir, 'connect.offsets')}`,
      'offset.flush.interval.ms=200',
      // Port 0: any free port, so tests never contend for 8083; the worker registers where it listens.
      'listeners=http://127.0.0.1:0',
      extra,
    ].join('\n'),
  )
  return f
}

/** The URL the worker registered under <data-dir>/connect/workers/. */
async function workerUrl(dataDir: string): Promise<string> {
  const dir = join(dataDir, 'connect', 'workers')
  await waitFor(() => existsSync(dir) && readdirSync(dir).some((n) => n.endsWith('.json')), 'the worker to register its REST API')
  const entry = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((n) => n.endsWith('.json'))!), 'utf8')) as {url: string; worker_id: string}
  expect(entry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  return entry.url
}

describe('connect standalone: the REST API, with curl', () => {
  test("Kafka's endpoints, status codes and bodies, from GET / to DELETE /connectors/NAME", async () => {
    const c = cli()
    const input = join(c.base, 'in.txt')
    const out = join(c.base, 'out.txt')
    writeFileSync(input, 'one\ntwo\n')
    writeFileSync(join(c.base, 'source.properties'), `name=src\nconnector.class=FileStreamSource\nfile=${input}\ntopic=lines\n`)
    const w = c.run(['connect', 'standalone', workerFile(c.base), join(c.base, 'source.properties')], {cwd: c.base})
    running.push(w)
    const url = await workerUrl(c.dataDir)
    const workerId = url.replace('http://', '')

    // GET /: the worker's version and the cluster id (here the store's id).
    const root = await curl(`${url}/`)
    expect(root.status).toBe(200)
    expect(Object.keys(root.body as object)).toEqual(['version', 'commit', 'kafka_cluster_id'])
    expect((root.body as {kafka_cluster_id: string}).kafka_cluster_id).toBe(JSON.parse(readFileSync(join(c.dataDir, 'store.json'), 'utf8')).storeId)

    expect(await curl(`${url}/connectors`)).toMatchObject({status: 200, body: ['src']})
    const status = await eventually(() => curl(`${url}/connectors/src/status`), (a) => (a.body as {tasks: {state: string}[]}).tasks[0]?.state === 'RUNNING', 'src RUNNING')
    expect(status.text).toBe(`{"name":"src","connector":{"state":"RUNNING","worker_id":"${workerId}"},"tasks":[{"id":0,"state":"RUNNING","worker_id":"${workerId}"}],"type":"source"}`)
    const info = {name: 'src', config: {name: 'src', 'connector.class': 'FileStreamSource', file: input, topic: 'lines'}, tasks: [{connector: 'src', task: 0}], type: 'source'}
    expect(await curl(`${url}/connectors/src`)).toMatchObject({status: 200, body: info})
    expect(await curl(`${url}/connectors/src/config`)).toMatchObject({status: 200, body: info.config})
    expect(await curl(`${url}/connectors?expand=status&expand=info`)).toMatchObject({status: 200, body: {src: {status: status.body, info}}})
    expect((await curl(`${url}/connectors/src/tasks`)).body).toEqual([{id: {connector: 'src', task: 0}, config: {...info.config, 'task.class': 'FileStreamSourceTask'}}])
    expect((await curl(`${url}/connectors/src/tasks/0/status`)).body).toEqual({id: 0, state: 'RUNNING', worker_id: workerId})
    expect(await eventually(() => curl(`${url}/connectors/src/topics`), (a) => JSON.stringify(a.body).includes('lines'), 'the active topic')).toMatchObject({body: {src: {topics: ['lines']}}})
    expect((await curl(`${url}/connector-plugins`)).body).toEqual([
      {class: 'org.apache.kafka.connect.file.FileStreamSourceConnector', type: 'source', version: expect.any(String)},
      {class: 'org.apache.kafka.connect.file.FileStreamSinkConnector', type: 'sink', version: expect.any(String)},
      {class: 'logpipe.connect.ExecSourceConnector', type: 'source', version: expect.any(String)},
      {class: 'logpipe.connect.ExecSinkConnector', type: 'sink', version: expect.any(String)},
      {class: 'logpipe.connect.HttpSinkConnector', type: 'sink', version: expect.any(String)},
      {class: 'io.confluent.connect.jdbc.JdbcSinkConnector', type: 'sink', version: expect.any(String)},
    ])

    // Kafka's error bodies.
    expect(await curl(`${url}/connectors/nope`)).toMatchObject({status: 404, body: {error_code: 404, message: 'Connector nope not found'}})
    expect(await curl(`${url}/connectors/src/tasks/5/status`)).toMatchObject({status: 404, body: {error_code: 404, message: 'No status found for task src-5'}})
    expect(await curl(`${url}/nowhere`)).toMatchObject({status: 404, body: {error_code: 404, message: 'HTTP 404 Not Found'}})
    expect(await curl(`${url}/connectors/src/pause`, 'GET')).toMatchObject({status: 405, body: {error_code: 405, message: 'HTTP 405 Method Not Allowed'}})

    // Validate: Kafka's ConfigInfos, an error for the missing topics.
    const v = await curl(`${url}/connector-plugins/FileStreamSinkConnector/config/validate`, 'PUT', {'connector.class': 'FileStreamSinkConnector', name: 'x', file: out})
    expect(v.status).toBe(200)
    const infos = v.body as {name: string; error_count: number; groups: string[]; configs: {definition: Record<string, unknown>; value: {name: string; errors: string[]}}[]}
    expect(infos).toMatchObject({name: 'FileStreamSinkConnector', error_count: 1, groups: expect.arrayContaining(['Common', 'Error Handling'])})
    expect(infos.configs.find((x) => x.value.name === 'topics')?.value.errors).toEqual(['Must configure one of topics or topics.regex'])
    expect(Object.keys(infos.configs[0].definition)).toEqual(['name', 'type', 'required', 'default_value', 'importance', 'documentation', 'group', 'width', 'display_name', 'dependents', 'order'])
    expect(Object.keys(infos.configs[0].value)).toEqual(['name', 'value', 'recommended_values', 'errors', 'visible'])

    // POST /connectors: 201 with ConnectorInfo; again 409; a bad config 400 with Kafka's message.
    const sink = {name: 'snk', config: {'connector.class': 'FileStreamSink', topics: 'lines', file: out}}
    const created = await curl(`${url}/connectors`, 'POST', sink)
    expect(created).toMatchObject({status: 201, body: {name: 'snk', config: {...sink.config, name: 'snk'}, tasks: [{connector: 'snk', task: 0}], type: 'sink'}})
    expect(await curl(`${url}/connectors`, 'POST', sink)).toMatchObject({status: 409, body: {error_code: 409, message: 'Connector snk already exists'}})
    const bad = await curl(`${url}/connectors`, 'POST', {name: 'bad', config: {'connector.class': 'FileStreamSink', file: out}})
    expect(bad.status).toBe(400)
    expect((bad.body as {message: string}).message).toBe(
      'Connector configuration is invalid and contains the following 1 error(s):\nMust configure one of topics or topics.regex\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`',
    )
    expect(await curl(`${url}/connectors/snk/config`, 'PUT', {...sink.config, name: 'other'})).toMatchObject({
      status: 400,
      body: {error_code: 400, message: "Connector name configuration (other) doesn't match connector name in the URL (snk)"},
    })
    await waitFor(() => read(out).length >= 2, 'the sink made over REST to write')
    expect(read(out)).toEqual(['one', 'two'])

    // Pause (202): the tasks go PAUSED and a line appended meanwhile waits; resume (202) lets it through.
    expect(await curl(`${url}/connectors/src/pause`, 'PUT')).toMatchObject({status: 202, body: undefined})
    await eventually(() => curl(`${url}/connectors/src/status`), (a) => JSON.stringify(a.body).includes('"tasks":[{"id":0,"state":"PAUSED"'), 'src PAUSED')
    expect(((await curl(`${url}/connectors/src/status`)).body as {connector: {state: string}}).connector.state).toBe('PAUSED')
    appendFileSync(input, 'three\n')
    // The topic's end does not move while paused: two records, read twice a flush interval apart.
    const ends = async () => lines(String((await c.run(['consume', 'lines', '-e'])).stdout)).length
    expect(await ends()).toBe(2)
    expect(await curl(`${url}/connectors/src/resume`, 'PUT')).toMatchObject({status: 202})
    await waitFor(() => read(out).length >= 3, 'the line appended while paused')

    // Stop (KIP-875): STOPPED with no tasks; only then may the offsets be altered.
    expect((await curl(`${url}/connectors/snk/offsets`, 'DELETE')).body).toEqual({
      error_code: 400,
      message: "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/snk/stop' endpoint",
    })
    expect(await curl(`${url}/connectors/snk/stop`, 'PUT')).toMatchObject({status: 202})
    expect(await curl(`${url}/connectors/snk/status`)).toMatchObject({body: {name: 'snk', connector: {state: 'STOPPED', worker_id: workerId}, tasks: [], type: 'sink'}})
    expect((await curl(`${url}/connectors/snk`)).body).toMatchObject({tasks: []})
    expect((await curl(`${url}/connectors/snk/offsets`)).body).toEqual({offsets: [{partition: {kafka_topic: 'lines', kafka_partition: 0}, offset: {kafka_offset: 3}}]})
    const altered = await curl(`${url}/connectors/snk/offsets`, 'PATCH', {offsets: [{partition: {kafka_topic: 'lines', kafka_partition: 0}, offset: {kafka_offset: 1}}]})
    expect(altered).toMatchObject({status: 200, body: {message: 'The offsets for this connector have been altered successfully'}})
    expect((await curl(`${url}/connectors/snk/offsets`)).body).toEqual({offsets: [{partition: {kafka_topic: 'lines', kafka_partition: 0}, offset: {kafka_offset: 1}}]})
    // Resumed, the sink goes on from offset 1: two and three again.
    expect(await curl(`${url}/connectors/snk/resume`, 'PUT')).toMatchObject({status: 202})
    await waitFor(() => read(out).length >= 5, 'the sink to replay from offset 1')
    expect(read(out)).toEqual(['one', 'two', 'three', 'two', 'three'])

    // A source's offsets are its own partition and offset maps.
    expect(await curl(`${url}/connectors/src/stop`, 'PUT')).toMatchObject({status: 202})
    const srcOffsets = (await curl(`${url}/connectors/src/offsets`)).body as {offsets: {partition: unknown; offset: {position: number}}[]}
    expect(srcOffsets.offsets).toEqual([{partition: {filename: input}, offset: expect.objectContaining({position: 14})}])
    expect(await curl(`${url}/connectors/src/offsets`, 'DELETE')).toMatchObject({
      status: 200,
      body: {message: 'The Connect framework-managed offsets for this connector have been reset successfully. However, if this connector manages offsets externally, they will need to be manually reset in the system that the connector uses.'},
    })
    expect((await curl(`${url}/connectors/src/offsets`)).body).toEqual({offsets: []})

    // Restart: the plain POST 204; with includeTasks 202 and the status, what restarts RESTARTING.
    expect(await curl(`${url}/connectors/snk/restart`, 'POST')).toMatchObject({status: 204, body: undefined})
    const r = await curl(`${url}/connectors/snk/restart?includeTasks=true`, 'POST')
    expect(r).toMatchObject({status: 202, body: {name: 'snk', connector: {state: 'RESTARTING'}, tasks: [{id: 0, state: 'RESTARTING'}], type: 'sink'}})
    expect(await curl(`${url}/connectors/snk/tasks/0/restart`, 'POST')).toMatchObject({status: 204})
    expect(await curl(`${url}/connectors/snk/topics/reset`, 'PUT')).toMatchObject({status: 202})
    expect((await curl(`${url}/connectors/snk/topics`)).body).toEqual({snk: {topics: []}})

    // PUT config of an existing connector: 200; DELETE: 204, then 404.
    const out2 = join(c.base, 'out2.txt')
    expect(await curl(`${url}/connectors/snk/config`, 'PUT', {...sink.config, file: out2})).toMatchObject({status: 200, body: {name: 'snk', config: {file: out2}}})
    expect(await curl(`${url}/connectors/snk`, 'DELETE')).toMatchObject({status: 204, body: undefined})
    expect(await curl(`${url}/connectors/snk`)).toMatchObject({status: 404})
    expect((await curl(`${url}/connectors`)).body).toEqual(['src'])

    w.kill('SIGTERM')
    const done = await w
    expect(done.exitCode, `${String(done.signal)} ${String(done.stderr)}`).toBe(0)
    // Unregistered on a clean stop.
    expect(readdirSync(join(c.dataDir, 'connect', 'workers'))).toEqual([])
  }, 90_000)

  test('a connector made over REST is gone after a restart, as with Kafka\'s standalone herder; its offsets stay', async () => {
    const c = cli()
    const input = join(c.base, 'in.txt')
    writeFileSync(input, 'a\nb\n')
    writeFileSync(join(c.base, 'source.properties'), `name=src\nconnector.class=FileStreamSource\nfile=${input}\ntopic=t\n`)
    const args = ['connect', 'standalone', workerFile(c.base), join(c.base, 'source.properties')]
    const first = c.run(args, {cwd: c.base})
    running.push(first)
    const url = await workerUrl(c.dataDir)
    const out = join(c.base, 'out.txt')
    expect((await curl(`${url}/connectors`, 'POST', {name: 'snk', config: {'connector.class': 'FileStreamSink', topics: 't', file: out}})).status).toBe(201)
    await waitFor(() => read(out).length >= 2, 'the sink')
    first.kill('SIGTERM')
    expect((await first).exitCode).toBe(0)

    const second = c.run(args, {cwd: c.base})
    running.push(second)
    const url2 = await workerUrl(c.dataDir)
    expect((await curl(`${url2}/connectors`)).body).toEqual(['src'])
    // Made again, it goes on from its group's commit: nothing twice.
    appendFileSync(input, 'c\n')
    expect((await curl(`${url2}/connectors`, 'POST', {name: 'snk', config: {'connector.class': 'FileStreamSink', topics: 't', file: out}})).status).toBe(201)
    await waitFor(() => read(out).length >= 3, 'the line appended')
    second.kill('SIGTERM')
    expect((await second).exitCode).toBe(0)
    expect(read(out)).toEqual(['a', 'b', 'c'])
  }, 60_000)
})

describe('connect pause|resume|stop|restart|delete and connect list|status --json, through the REST API', () => {
  test('the commands find the worker running on the data directory; --url names one', async () => {
    const c = cli()
    const input = join(c.base, 'in.txt')
    writeFileSync(input, 'x\n')
    writeFileSync(join(c.base, 'source.properties'), `name=src\nconnector.class=FileStreamSource\nfile=${input}\ntopic=t\n`)
    const w = c.run(['connect', 'standalone', workerFile(c.base), join(c.base, 'source.properties')], {cwd: c.base})
    running.push(w)
    const url = await workerUrl(c.dataDir)
    const state = async () => JSON.parse(String((await c.run(['connect', 'status', 'src', '--json'])).stdout)) as {connector: {state: string}; tasks: {state: string}[]}
    await eventually(state, (s) => s.tasks[0]?.state === 'RUNNING', 'RUNNING')

    const paused = await c.run(['connect', 'pause', 'src'])
    expect(paused.exitCode, String(paused.stderr)).toBe(0)
    expect(String(paused.stdout)).toBe('connector src: pause requested\n')
    await eventually(state, (s) => s.connector.state === 'PAUSED' && s.tasks[0]?.state === 'PAUSED', 'PAUSED')
    const list = await c.run(['connect', 'list', '--json'])
    expect(JSON.parse(String(list.stdout))).toMatchObject({src: {status: {name: 'src', connector: {state: 'PAUSED'}, tasks: [{id: 0, state: 'PAUSED'}], type: 'source'}}})
    expect(lines((await c.run(['connect', 'list'])).stdout)).toEqual(['CONNECTOR  TYPE    STATE   TASKS', 'src        source  PAUSED  0:PAUSED'])

    expect((await c.run(['connect', 'resume', 'src', '--url', url])).exitCode).toBe(0)
    await eventually(state, (s) => s.connector.state === 'RUNNING', 'RUNNING again')
    const restarted = await c.run(['connect', 'restart', 'src', '--include-tasks'])
    expect(restarted.exitCode, String(restarted.stderr)).toBe(0)
    expect(JSON.parse(String(restarted.stdout))).toMatchObject({name: 'src', connector: {state: 'RESTARTING'}, tasks: [{id: 0, state: 'RESTARTING'}]})
    await eventually(state, (s) => s.tasks[0]?.state === 'RUNNING', 'RUNNING after the restart')
    expect((await c.run(['connect', 'stop', 'src'])).exitCode).toBe(0)
    await eventually(state, (s) => s.connector.state === 'STOPPED' && s.tasks.length === 0, 'STOPPED')

    // Kafka's 404 is exit 3, with Kafka's message.
    expectCleanError(await c.run(['connect', 'pause', 'nope']), EXIT.NOT_FOUND, /^logpipe: Connector nope not found$/)
    const deleted = await c.run(['connect', 'delete', 'src'])
    expect(deleted.exitCode).toBe(0)
    expect((await curl(`${url}/connectors`)).body).toEqual([])
    w.kill('SIGTERM')
    expect((await w).exitCode).toBe(0)
  }, 60_000)

  test('with no worker running: one clear error', async () => {
    const c = cli()
    expect((await c.run(['topic', 'create', 't'])).exitCode).toBe(0)
    // Port 9 (discard) on loopback: nothing listens there.
    const r = await c.run(['connect', 'pause', 'src', '--url', 'http://127.0.0.1:9'])
    expectCleanError(r, EXIT.RUNTIME, /^logpipe: no Connect worker answers at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)$/)
    expectCleanError(await c.run(['connect', 'resume', 'src', '--url', 'ftp://x']), EXIT.USAGE, /--url must be http:\/\/HOST:PORT/)
  })
})

describe('connect run CONFIG.json', () => {
  test("one connector from the REST API's body shape, with the REST API up", async () => {
    const c = cli()
    const out = join(c.base, 'out.txt')
    const envelope = (s: string) => JSON.stringify({schema: {type: 'string', optional: false}, payload: s})
    expect((await c.run(['produce', 'words', '--create'], {input: `${envelope('hello')}\n${envelope('world')}\n`})).exitCode).toBe(0)
    const config = join(c.base, 'sink.json')
    writeFileSync(config, JSON.stringify({name: 'words-sink', config: {'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector', topics: 'words', file: out, 'tasks.max': 1}}))
    const w = c.run(['connect', 'run', config, '--rest', '127.0.0.1:0'], {cwd: c.base})
    running.push(w)
    await waitFor(() => read(out).length >= 2, 'the sink file')
    // The default worker: Kafka's JsonConverter with schemas.enable, reading the envelopes.
    expect(read(out)).toEqual(['hello', 'world'])
    const url = await workerUrl(c.dataDir)
    expect((await curl(`${url}/connectors/words-sink/config`)).body).toEqual({'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector', topics: 'words', file: out, 'tasks.max': '1', name: 'words-sink'})
    w.kill('SIGINT')
    const r = await w
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(String(r.stderr)).toMatch(/connect run: running words-sink \(sink, 1 task\); REST API on http:\/\/127\.0\.0\.1:\d+/)
  }, 60_000)

  test('a config that is not the REST shape is one error', async () => {
    const c = cli()
    writeFileSync(join(c.base, 'bad.json'), '{"name": "x", "config": {"connector.class": "FileStreamSink", "topics": ["a"]}}')
    expectCleanError(await c.run(['connect', 'run', join(c.base, 'bad.json')]), EXIT.USAGE, /setting topics must be a string, not an array/)
    writeFileSync(join(c.base, 'broken.json'), '{"name": ')
    expectCleanError(await c.run(['connect', 'run', join(c.base, 'broken.json')]), EXIT.USAGE, /broken\.json: not JSON/)
  })
})
