/**
 * A source and a sink connector written by a user as a JavaScript module,
 * found through plugin.path and named by connector.class; kill -9 of the
 * worker mid-stream loses nothing (every line reaches the sink at least
 * once); errors.tolerance with a dead letter queue and its
 * __connect.errors.* headers; a task that fails is FAILED and commits
 * nothing past the record it failed on.
 */
import {appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {describe, expect, test} from 'vitest'
import {cli, ROOT} from '../helpers/cli.js'
import {lines, trackProcesses, waitFor} from './support.js'

const running = trackProcesses()
const LIB = pathToFileURL(join(ROOT, 'dist', 'index.js')).href

/** A counting source (n records "seq-i", offsets {next}) and a sink appending "topic/offset value" lines, as a user would write them. */
const MODULE = `
import {ConfigDef, Range, Schema, SinkConnector, SinkTask, SourceConnector, SourceRecord, SourceTask} from '${LIB}'
import {appendFileSync} from 'node:fs'

export class CountingSourceTask extends SourceTask {
  start(props) { this.n = Number(props.count); this.topic = props.topic; const o = this.context.offsetStorageReader.offset({counter: 'one'}); this.next = o ? o.next : 0 }
  async poll() {
    if (this.next >= this.n) { await new Promise((r) => setTimeout(r, 50)); return null }
    const out = []
    for (let i = 0; i < 10 && this.next < this.n; i++, this.next++) out.push(new SourceRecord({sourcePartition: {counter: 'one'}, sourceOffset: {next: this.next + 1}, topic: this.topic, valueSchema: Schema.STRING_SCHEMA, value: 'seq-' + this.next}))
    return out
  }
  stop() {}
}

export class CountingSource extends SourceConnector {
  static CLASS_NAME = 'com.example.CountingSource'
  config() { return new ConfigDef().define({name: 'count', type: 'INT', validator: Range.atLeast(0), importance: 'HIGH', documentation: 'how many'}).define({name: 'topic', type: 'STRING', importance: 'HIGH', documentation: 'to'}) }
  start(props) { this.props = props }
  taskClass() { return CountingSourceTask }
  taskConfigs() { return [this.props] }
  stop() {}
}

export class LineSinkTask extends SinkTask {
  start(props) { this.file = props.file }
  put(records) { if (records.length) appendFileSync(this.file, records.map((r) => r.topic + '/' + r.kafkaOffset + ' ' + r.value + '\\n').join('')) }
  stop() {}
}

export class LineSink extends SinkConnector {
  static CLASS_NAME = 'com.example.LineSink'
  config() { return new ConfigDef().define({name: 'file', type: 'STRING', importance: 'HIGH', documentation: 'to'}) }
  start(props) { this.props = props }
  taskClass() { return LineSinkTask }
  taskConfigs(max) { return [this.props] }
  stop() {}
}
`

function setUp(extraWorker = '') {
  const c = cli()
  const plugins = join(c.base, 'plugins')
  mkdirSync(plugins)
  writeFileSync(join(plugins, 'counting.mjs'), MODULE)
  const worker = join(c.base, 'worker.properties')
  writeFileSync(
    worker,
    [
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      'value.converter=org.apache.kafka.connect.storage.StringConverter',
      `offset.storage.file.filename=${join(c.base, 'connect.offsets')}`,
      'offset.flush.interval.ms=200',
      `plugin.path=${plugins}`,
      extraWorker,
    ].join('\n'),
  )
  const props = (name: string, text: string) => {
    const p = join(c.base, `${name}.properties`)
    writeFileSync(p, text)
    return p
  }
  return {c, worker, props, out: join(c.base, 'out.txt')}
}

const read = (file: string) => (existsSync(file) ? lines(readFileSync(file, 'utf8')) : [])

describe('connectors of your own through plugin.path', () => {
  test('a user source and sink run by class name, and a restart goes on from the stored offset', async () => {
    const {c, worker, props, out} = setUp()
    const source = props('source', 'name=counter\nconnector.class=com.example.CountingSource\ncount=25\ntopic=numbers\n')
    const sink = props('sink', `name=lines\nconnector.class=LineSink\ntopics=numbers\nfile=${out}\n`)
    const w = c.run(['connect', 'standalone', worker, source, sink], {cwd: c.base})
    running.push(w)
    await waitFor(() => read(out).length >= 25, '25 lines from the user sink')
    w.kill('SIGTERM')
    expect((await w).exitCode).toBe(0)
    expect(read(out)).toEqual(Array.from({length: 25}, (_, i) => `numbers/${i} seq-${i}`))
    const offsets = JSON.parse(readFileSync(join(c.base, 'connect.offsets'), 'utf8'))
    expect(offsets.offsets).toEqual([{connector: 'counter', partition: {counter: 'one'}, offset: {next: 25}}])

    // Raised to 30: the source goes on at 25, the sink at its committed 25.
    writeFileSync(source, 'name=counter\nconnector.class=com.example.CountingSource\ncount=30\ntopic=numbers\n')
    const again = c.run(['connect', 'standalone', worker, source, sink], {cwd: c.base})
    running.push(again)
    await waitFor(() => read(out).length >= 30, '30 lines')
    again.kill('SIGTERM')
    expect((await again).exitCode).toBe(0)
    expect(read(out)).toEqual(Array.from({length: 30}, (_, i) => `numbers/${i} seq-${i}`))
  }, 60_000)

  test('a setting the connector definition refuses is told before anything runs', async () => {
    const {c, worker, props} = setUp()
    const source = props('source', 'name=counter\nconnector.class=CountingSource\ncount=-1\ntopic=numbers\n')
    const r = await c.run(['connect', 'standalone', worker, source], {cwd: c.base})
    expect(r.exitCode).toBe(2)
    expect(String(r.stderr)).toMatch(/logpipe: connector counter: invalid value -1 for configuration count: value must be at least 0/)
  })
})

describe('kill -9 of a standalone worker mid-stream', () => {
  test('the sink file ends with every source line at least once', async () => {
    const {c, worker, props} = setUp('consumer.session.timeout.ms=1000')
    const input = join(c.base, 'input.txt')
    const output = join(c.base, 'output.txt')
    const total = 3000
    const all = Array.from({length: total}, (_, i) => `line ${i}`)
    writeFileSync(input, all.slice(0, 1000).join('\n') + '\n')
    const source = props('source', `name=src\nconnector.class=org.apache.kafka.connect.file.FileStreamSourceConnector\nfile=${input}\ntopic=lines\nbatch.size=100\n`)
    const sink = props('sink', `name=dst\nconnector.class=FileStreamSinkConnector\nfile=${output}\ntopics=lines\n`)
    const w = c.run(['connect', 'standalone', worker, source, sink], {cwd: c.base})
    running.push(w)
    await waitFor(() => read(output).length >= 500, 'the sink under way')
    appendFileSync(input, all.slice(1000, 2000).join('\n') + '\n')
    w.kill('SIGKILL')
    await w.catch(() => {})
    appendFileSync(input, all.slice(2000).join('\n') + '\n')
    const again = c.run(['connect', 'standalone', worker, source, sink], {cwd: c.base})
    running.push(again)
    await waitFor(() => new Set(read(output)).size >= total, 'every line in the sink file', 45_000)
    again.kill('SIGTERM')
    expect((await again).exitCode).toBe(0)
    const got = read(output)
    expect(new Set(got)).toEqual(new Set(all))
    // At least once, and in order within the one partition: duplicates only repeat a stretch.
    expect(got.filter((l) => !all.includes(l))).toEqual([])
  }, 90_000)
})

describe('errors.tolerance and the dead letter queue', () => {
  const worker = (dir: string) =>
    [
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      'value.converter=org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable=false',
      `offset.storage.file.filename=${join(dir, 'connect.offsets')}`,
      'offset.flush.interval.ms=200',
    ].join('\n')

  test('errors.tolerance=all skips a record that does not convert and writes it to the dead letter queue with its context', async () => {
    const c = cli()
    writeFileSync(join(c.base, 'w.properties'), worker(c.base))
    const out = join(c.base, 'out.txt')
    writeFileSync(
      join(c.base, 'sink.properties'),
      `name=dst\nconnector.class=FileStreamSink\nfile=${out}\ntopics=in\nerrors.tolerance=all\nerrors.log.enable=true\nerrors.log.include.messages=true\nerrors.deadletterqueue.topic.name=dlq\nerrors.deadletterqueue.context.headers.enable=true\n`,
    )
    const p = await c.run(['produce', 'in', '--create'], {input: '"a"\nnot json\n"c"\n'})
    expect(p.exitCode).toBe(0)
    const w = c.run(['connect', 'standalone', join(c.base, 'w.properties'), join(c.base, 'sink.properties')], {cwd: c.base})
    running.push(w)
    await waitFor(() => read(out).length >= 2, 'the two good records')
    const dlq = await c.run(['consume', 'dlq', '-e', '--json'])
    w.kill('SIGTERM')
    const r = await w
    expect(r.exitCode).toBe(0)
    expect(read(out)).toEqual(['a', 'c'])
    expect(String(r.stderr)).toMatch(/Error encountered in task dst-0\. Executing stage 'VALUE_CONVERTER' with class 'org\.apache\.kafka\.connect\.json\.JsonConverter', where consumed record is \{topic='in', partition=0, offset=1/)
    const dead = lines(dlq.stdout).map((l) => JSON.parse(l))
    expect(dead).toHaveLength(1)
    expect(dead[0].value).toBe('not json')
    const headers = Object.fromEntries(dead[0].headers.map((h: {key: string; value: string}) => [h.key, h.value]))
    expect(headers).toMatchObject({
      '__connect.errors.topic': 'in',
      '__connect.errors.partition': '0',
      '__connect.errors.offset': '1',
      '__connect.errors.connector.name': 'dst',
      '__connect.errors.task.id': '0',
      '__connect.errors.stage': 'VALUE_CONVERTER',
      '__connect.errors.class.name': 'org.apache.kafka.connect.json.JsonConverter',
      '__connect.errors.exception.class.name': 'org.apache.kafka.connect.errors.DataException',
    })
    expect(headers['__connect.errors.exception.message']).toMatch(/invalid JSON/)
    expect(await c.run(['group', 'describe', 'connect-dst'])).toMatchObject({stdout: expect.stringMatching(/in\s+0\s+3\s+3\s+0/)})
  }, 60_000)

  test('errors.tolerance=none: the task is FAILED with its reason, and nothing is committed past the bad record', async () => {
    const c = cli()
    writeFileSync(join(c.base, 'w.properties'), worker(c.base))
    const out = join(c.base, 'out.txt')
    writeFileSync(join(c.base, 'sink.properties'), `name=dst\nconnector.class=FileStreamSink\nfile=${out}\ntopics=in\n`)
    expect((await c.run(['produce', 'in', '--create'], {input: '"a"\n"b"\nnot json\n"d"\n'})).exitCode).toBe(0)
    const r = await c.run(['connect', 'standalone', join(c.base, 'w.properties'), join(c.base, 'sink.properties')], {cwd: c.base})
    expect(r.exitCode).toBe(1)
    expect(String(r.stderr)).toMatch(/logpipe: task dst-0 FAILED: Tolerance exceeded in error handler: stage VALUE_CONVERTER with class org.apache.kafka.connect.json.JsonConverter failed: .*invalid JSON/)
    expect(String(r.stderr)).toMatch(/logpipe: every task has stopped: dst-0 FAILED\nhint: logpipe connect status NAME shows each reason/)
    // The bad record came in the first batch, which was not put: nothing of it is written or committed.
    expect(read(out)).toEqual([])
    const group = await c.run(['group', 'describe', 'connect-dst'])
    expect(String(group.stdout)).toMatch(/connect-dst\s+in\s+0\s+0\s+4\s+4\s/)
    const shown = await c.run(['connect', 'status', 'dst'])
    expect(shown.exitCode).toBe(0)
    const status = JSON.parse(String(shown.stdout))
    expect(status).toMatchObject({name: 'dst', type: 'sink', tasks: [{id: 0, state: 'FAILED'}]})
    expect(status.tasks[0].trace).toMatch(/^ConnectTaskError: Tolerance exceeded in error handler/)
    expect(lines((await c.run(['connect', 'list'])).stdout)).toEqual(['CONNECTOR  TYPE  STATE       TASKS', 'dst        sink  UNASSIGNED  0:FAILED'])
    const missing = await c.run(['connect', 'status', 'nope'])
    expect(missing.exitCode).toBe(3)
    expect(String(missing.stderr)).toBe('logpipe: connector nope not found\nhint: logpipe connect list shows the connectors\n')
  }, 60_000)
})
