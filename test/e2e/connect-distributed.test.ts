/**
 * `connect distributed`: two workers of one group.id share the connectors
 * AND tasks made over REST (on either worker): the leader gives the two
 * tasks of a sink over a 2-partition topic to different workers, task
 * configs are in the config topic, status shows each task's worker. A
 * FileStreamSource tails a growing file into the topic while one worker
 * is killed with kill -9 (the sink file ends with every line at least
 * once) or stopped cleanly (every line exactly once); either way the
 * survivor then runs every task, and its status says so.
 */
import {appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {pathToFileURL} from 'node:url'
import {setTimeout as sleep} from 'node:timers/promises'
import {join} from 'node:path'
import {execa} from 'execa'
import {describe, expect, test} from 'vitest'
import {cli, ROOT} from '../helpers/cli.js'
import {lines, trackProcesses, waitFor} from './support.js'

const running = trackProcesses()

async function curl(url: string, method = 'GET', body?: unknown): Promise<{status: number; body: unknown}> {
  const args = ['-s', '-S', '-X', method, '-w', '\n%{http_code}', url]
  if (body !== undefined) args.push('-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(body))
  const out = String((await execa('curl', args, {reject: false})).stdout)
  const cut = out.lastIndexOf('\n')
  const text = out.slice(0, cut)
  return {status: Number(out.slice(cut + 1)), body: text === '' ? undefined : JSON.parse(text)}
}

async function eventually<T>(get: () => Promise<T>, ok: (v: T) => boolean, what: string, deadlineMs = 30_000): Promise<T> {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    const v = await get()
    if (ok(v)) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** The registered workers' URLs by pid. */
function workers(dataDir: string): Map<number, {url: string; worker_id: string}> {
  const dir = join(dataDir, 'connect', 'workers')
  const out = new Map<number, {url: string; worker_id: string}>()
  if (!existsSync(dir)) return out
  for (const n of readdirSync(dir)) {
    if (!n.endsWith('.json')) continue
    try {
      const e = JSON.parse(readFileSync(join(dir, n), 'utf8')) as {url: string; worker_id: string; pid: number}
      out.set(e.pid, e)
    } catch {
      // Being written.
    }
  }
  return out
}

const read = (f: string) => (existsSync(f) ? lines(readFileSync(f, 'utf8')) : [])


type Status = {connector: {state: string; worker_id: string}; tasks: {id: number; state: string; worker_id: string}[]}

/** Two workers of one group, a 2-partition topic `lines`, src (FileStreamSource of in.txt) and snk (FileStreamSink, tasks.max=2, to out.txt), all RUNNING. */
function workerFile(c: ReturnType<typeof cli>, protocol: string[]): string {
  const w = join(c.base, 'connect-distributed.properties')
  writeFileSync(
    w,
    [
      'bootstrap.servers=localhost:9092',
      'group.id=connect-cluster',
      'config.storage.topic=connect-configs',
      'offset.storage.topic=connect-offsets',
      'status.storage.topic=connect-status',
      'config.storage.replication.factor=1',
      'key.converter=org.apache.kafka.connect.json.JsonConverter',
      'value.converter=org.apache.kafka.connect.json.JsonConverter',
      'offset.flush.interval.ms=200',
      'heartbeat.interval.ms=300',
      'listeners=http://127.0.0.1:0',
      ...protocol,
    ].join('\n'),
  )
  return w
}

async function cluster(protocol: string[]) {
  const c = cli()
  const w = workerFile(c, protocol)
  expect((await c.run(['topic', 'create', 'lines', '--partitions', '2'])).exitCode).toBe(0)
  const input = join(c.base, 'in.txt')
  const out = join(c.base, 'out.txt')
  const first = Array.from({length: 50}, (_, i) => `line ${i}`)
  writeFileSync(input, first.join('\n') + '\n')
  const a = c.run(['connect', 'distributed', w], {cwd: c.base})
  await waitFor(() => workers(c.dataDir).size === 1, 'the first worker to listen')
  const b = c.run(['connect', 'distributed', w], {cwd: c.base})
  running.push(a, b)
  await waitFor(() => workers(c.dataDir).size === 2, 'both workers to listen')
  const byPid = workers(c.dataDir)
  const ids = [...byPid.values()].map((x) => x.worker_id).sort()
  // The leader (the first to join) publishes its URL with the assignment; urls[0] is the leader's, urls[1] the other's.
  const assignmentFile = join(c.dataDir, 'groups', 'connect-cluster', 'connect-assignment.json')
  const assignment = () => (existsSync(assignmentFile) ? (JSON.parse(readFileSync(assignmentFile, 'utf8')) as {generation: number; leaderUrl: string; members: string[]}) : null)
  await waitFor(() => assignment()?.members.length === 2, 'an assignment over both workers')
  const leaderUrl = assignment()!.leaderUrl
  const urls = [leaderUrl, ...[...byPid.values()].map((x) => x.url).filter((u) => u !== leaderUrl)]
  expect(urls).toHaveLength(2)

  // Made on different workers (the other forwards to the leader); Kafka's distributed answer has no tasks yet.
  const src = await curl(`${urls[0]}/connectors`, 'POST', {name: 'src', config: {'connector.class': 'FileStreamSource', file: input, topic: 'lines'}})
  expect(src).toMatchObject({status: 201, body: {name: 'src', tasks: [], type: 'source'}})
  expect((await curl(`${urls[1]}/connectors`, 'POST', {name: 'src', config: {'connector.class': 'FileStreamSource', file: input, topic: 'lines'}})).status).toBe(409)
  expect((await curl(`${urls[1]}/connectors`, 'POST', {name: 'snk', config: {'connector.class': 'FileStreamSink', topics: 'lines', file: out, 'tasks.max': '2'}})).status).toBe(201)

  const statuses = async (url: string) => (await curl(`${url}/connectors?expand=status`)).body as Record<string, {status: Status}>
  const allRunning = (s: Record<string, {status: Status}>, tasks: Record<string, number>) =>
    Object.entries(tasks).every(([n, count]) => s[n]?.status.connector.state === 'RUNNING' && s[n].status.tasks.length === count && s[n].status.tasks.every((t) => t.state === 'RUNNING'))
  const both = await eventually(() => statuses(urls[1]), (s) => allRunning(s, {src: 1, snk: 2}), 'src and snk with all their tasks RUNNING')
  return {c, a, b, input, out, first, urls, ids, statuses, allRunning, both}
}

/** Appends `count` lines to `file` a few at a time until done; returns them all. */
async function appendSlowly(file: string, from: number, count: number): Promise<string[]> {
  const all: string[] = []
  for (let i = 0; i < count; i += 10) {
    const batch = Array.from({length: Math.min(10, count - i)}, (_, j) => `line ${from + i + j}`)
    appendFileSync(file, batch.join('\n') + '\n')
    all.push(...batch)
    await sleep(20)
  }
  return all
}

describe('connect distributed', () => {
  test('the leader spreads the tasks (incremental cooperative); kill -9 of one worker mid-stream: after scheduled.rebalance.max.delay.ms the survivor runs every task and the sink file has every line at least once', async () => {
    const {c, a, b, input, out, first, urls, ids, statuses, allRunning, both} = await cluster(['scheduled.rebalance.max.delay.ms=1000'])

    // The topics, compacted, with Kafka's partition counts.
    for (const [topic, partitions] of [['connect-configs', 1], ['connect-offsets', 25], ['connect-status', 5]] as const) {
      const t = JSON.parse(readFileSync(join(c.dataDir, 'topics', topic, 'topic.json'), 'utf8')) as {partitions: number; config: Record<string, string>}
      expect(t.partitions, topic).toBe(partitions)
      expect(t.config['cleanup.policy'], topic).toBe('compact')
    }

    // The two tasks of the sink run on different workers; both workers answer alike.
    const sinkWorkers = both.snk.status.tasks.map((t) => t.worker_id)
    expect([...sinkWorkers].sort()).toEqual(ids)
    for (const s of [both.src.status, both.snk.status]) for (const id of [s.connector.worker_id, ...s.tasks.map((t) => t.worker_id)]) expect(ids).toContain(id)
    // The other worker's parts come from the status topic, written as their states change.
    await eventually(() => statuses(urls[0]), (s) => JSON.stringify(s) === JSON.stringify(both), 'the other worker to show the same statuses')

    // A request for the leader that was forwarded already is not forwarded again: Kafka's 409; the leader takes it.
    expect(await curl(`${urls[1]}/connectors/snk/restart?forward=false`, 'POST')).toEqual({status: 409, body: {error_code: 409, message: 'Cannot complete request because of a conflicting operation (e.g. worker rebalance)'}})
    expect((await curl(`${urls[0]}/connectors/snk/restart?forward=false`, 'POST')).status).toBe(204)
    expect((await curl(`${urls[1]}/connectors/nope/restart`, 'POST')).body).toEqual({error_code: 404, message: 'Connector nope not found'})

    // The task configs, as the connector made them, from either worker.
    const tasks = await curl(`${urls[0]}/connectors/snk/tasks`)
    expect(tasks.status).toBe(200)
    expect(tasks.body).toEqual([0, 1].map((task) => ({id: {connector: 'snk', task}, config: expect.objectContaining({'connector.class': 'FileStreamSink', topics: 'lines', file: out, 'tasks.max': '2', 'task.class': expect.any(String)})})))
    expect((await curl(`${urls[1]}/connectors/snk/tasks`)).body).toEqual(tasks.body)
    expect((await curl(`${urls[1]}/connectors/snk`)).body).toMatchObject({name: 'snk', tasks: [{connector: 'snk', task: 0}, {connector: 'snk', task: 1}], type: 'sink'})
    expect((await curl(`${urls[1]}/connectors/snk/tasks/1/status`)).body).toEqual({id: 1, state: 'RUNNING', worker_id: sinkWorkers[1]})

    // The config topic has Kafka's task records, each set put in force by its commit.
    const configs = await c.run(['consume', 'connect-configs', '-e', '-f', '%k\t%s\n'])
    const configRecords = lines(String(configs.stdout)).map((l) => l.split('\t'))
    const keys = configRecords.map(([k]) => k)
    expect(keys).toEqual(expect.arrayContaining(['connector-src', 'target-state-src', 'connector-snk', 'target-state-snk', 'task-src-0', 'commit-src', 'task-snk-0', 'task-snk-1', 'commit-snk']))
    expect(keys.lastIndexOf('commit-snk')).toBeGreaterThan(keys.lastIndexOf('task-snk-1'))
    expect(JSON.parse(configRecords.findLast(([k]) => k === 'commit-snk')![1])).toEqual({tasks: 2})
    expect(JSON.parse(configRecords.findLast(([k]) => k === 'task-snk-1')![1])).toEqual({properties: expect.objectContaining({topics: 'lines', 'tasks.max': '2'})})
    await waitFor(() => new Set(read(out)).size >= 50, 'the first 50 lines in the sink file')

    // kill -9 the worker running the source task (it runs one sink task too) while lines are being appended.
    const victimId = both.src.status.tasks[0].worker_id
    const [victimPid] = [...workers(c.dataDir)].find(([, e]) => e.worker_id === victimId)!
    const victim = [a, b].find((p) => p.pid === victimPid)!
    const survivorProcess = [a, b].find((p) => p.pid !== victimPid)!
    const survivor = [...workers(c.dataDir)].find(([pid]) => pid !== victimPid)![1]
    const appending = appendSlowly(input, 50, 200)
    await waitFor(() => new Set(read(out)).size >= 80, 'lines appended after the start in the sink file')
    victim.kill('SIGKILL')
    await victim.catch(() => undefined)
    const more = await appending

    // The survivor runs every task, and its status says so.
    const after = await eventually(
      () => statuses(survivor.url),
      (s) => allRunning(s, {src: 1, snk: 2}) && [s.src.status, s.snk.status].every((x) => x.connector.worker_id === survivor.worker_id && x.tasks.every((t) => t.worker_id === survivor.worker_id)),
      'the survivor to run every connector and task',
    )
    expect(after.snk.status.tasks.map((t) => t.id)).toEqual([0, 1])
    // `logpipe connect status` finds the live worker and shows the same.
    const cliStatus = await c.run(['connect', 'status', 'snk'])
    expect(cliStatus.exitCode, String(cliStatus.stderr)).toBe(0)
    expect(JSON.parse(String(cliStatus.stdout))).toMatchObject({name: 'snk', tasks: [0, 1].map((id) => ({id, state: 'RUNNING', worker_id: survivor.worker_id}))})
    await waitFor(() => new Set(read(out)).size >= 250, 'every line in the sink file')
    expect(new Set(read(out))).toEqual(new Set([...first, ...more]))

    // The status topic has Kafka's records.
    const st = await c.run(['consume', 'connect-status', '-e', '-f', '%k\t%s\n'])
    const records = lines(String(st.stdout)).map((l) => l.split('\t'))
    expect(records.map(([k]) => k)).toEqual(expect.arrayContaining(['status-connector-snk', 'status-task-snk-0', 'status-task-snk-1', 'status-connector-src', 'status-task-src-0']))
    expect(JSON.parse(records.findLast(([k]) => k === 'status-task-snk-1')![1])).toEqual({state: 'RUNNING', trace: null, worker_id: survivor.worker_id, generation: expect.any(Number)})

    // Pause over REST on the survivor; then a clean stop.
    expect((await curl(`${survivor.url}/connectors/src/pause`, 'PUT')).status).toBe(202)
    await eventually(() => statuses(survivor.url), (s) => s.src?.status.connector.state === 'PAUSED' && s.src.status.tasks[0]?.state === 'PAUSED', 'src PAUSED')
    survivorProcess.kill('SIGTERM')
    const r = await survivorProcess
    expect(r.exitCode, String(r.stderr)).toBe(0)
  }, 180_000)

  test.each([
    ['eager', ['connect.protocol=eager']],
    ['incremental cooperative', ['connect.protocol=sessioned', 'scheduled.rebalance.max.delay.ms=500']],
  ])('%s protocol, a clean stop of one worker mid-stream: its tasks stop and flush before the survivor starts them, so no line is written twice', async (_, protocol) => {
    const {c, a, b, input, out, first, statuses, allRunning, both} = await cluster(protocol)
    expect([...new Set(both.snk.status.tasks.map((t) => t.worker_id))]).toHaveLength(2)
    await waitFor(() => read(out).length >= 50, 'the first 50 lines in the sink file')
    const leavingId = both.src.status.tasks[0].worker_id
    const [leavingPid] = [...workers(c.dataDir)].find(([, e]) => e.worker_id === leavingId)!
    const leaving = [a, b].find((p) => p.pid === leavingPid)!
    const stayingProcess = [a, b].find((p) => p.pid !== leavingPid)!
    const staying = [...workers(c.dataDir)].find(([pid]) => pid !== leavingPid)![1]
    const appending = appendSlowly(input, 50, 200)
    await waitFor(() => read(out).length >= 80, 'lines appended after the start in the sink file')
    leaving.kill('SIGTERM')
    const left = await leaving
    expect(left.exitCode, String(left.stderr)).toBe(0)
    const more = await appending
    await eventually(
      () => statuses(staying.url),
      (s) => allRunning(s, {src: 1, snk: 2}) && [s.src.status, s.snk.status].every((x) => x.connector.worker_id === staying.worker_id && x.tasks.every((t) => t.worker_id === staying.worker_id)),
      'the staying worker to run every connector and task',
    )
    await waitFor(() => read(out).length >= 250, 'every line in the sink file')
    // Give a duplicate the time to show up: one more line goes through after all the others.
    appendFileSync(input, 'last\n')
    await waitFor(() => read(out).includes('last'), 'the last line')
    const got = read(out)
    expect([...got].sort()).toEqual([...first, ...more, 'last'].sort())
    stayingProcess.kill('SIGTERM')
    expect((await stayingProcess).exitCode).toBe(0)
  }, 180_000)

  test('a worker joins while a lone worker streams: some connectors and tasks move to it, each stopped and flushed first, so no line is written twice', async () => {
    const c = cli()
    const w = workerFile(c, [])
    expect((await c.run(['topic', 'create', 'lines', '--partitions', '2'])).exitCode).toBe(0)
    const input = join(c.base, 'in.txt')
    const out = join(c.base, 'out.txt')
    const first = Array.from({length: 50}, (_, i) => `line ${i}`)
    writeFileSync(input, first.join('\n') + '\n')
    const a = c.run(['connect', 'distributed', w], {cwd: c.base})
    running.push(a)
    await waitFor(() => workers(c.dataDir).size === 1, 'the first worker to listen')
    const [alone] = [...workers(c.dataDir).values()]
    expect((await curl(`${alone.url}/connectors`, 'POST', {name: 'src', config: {'connector.class': 'FileStreamSource', file: input, topic: 'lines'}})).status).toBe(201)
    expect((await curl(`${alone.url}/connectors`, 'POST', {name: 'snk', config: {'connector.class': 'FileStreamSink', topics: 'lines', file: out, 'tasks.max': '2'}})).status).toBe(201)
    const status = async (n: string) => (await curl(`${alone.url}/connectors/${n}/status`)).body as Status
    const parts = async () => [await status('src'), await status('snk')]
    const running2 = (ss: Status[]) => ss[0].tasks.length === 1 && ss[1].tasks.length === 2 && ss.every((s) => s.connector.state === 'RUNNING' && s.tasks.every((t) => t.state === 'RUNNING'))
    await eventually(parts, running2, 'everything RUNNING on the lone worker')
    await waitFor(() => read(out).length >= 50, 'the first 50 lines in the sink file')

    const appending = appendSlowly(input, 50, 300)
    await waitFor(() => read(out).length >= 80, 'lines appended after the start in the sink file')
    const b = c.run(['connect', 'distributed', w], {cwd: c.base})
    running.push(b)
    await waitFor(() => workers(c.dataDir).size === 2, 'the second worker to listen')
    const joiner = [...workers(c.dataDir).values()].find((x) => x.worker_id !== alone.worker_id)!
    // The loads even out: one of the two connectors and one of the three tasks go to the new worker.
    const moved = await eventually(
      parts,
      (ss) => running2(ss) && ss.filter((s) => s.connector.worker_id === joiner.worker_id).length === 1 && ss.flatMap((s) => s.tasks).filter((t) => t.worker_id === joiner.worker_id).length === 1,
      'one connector and one task on the new worker',
    )
    expect(moved.flatMap((s) => [s.connector.worker_id, ...s.tasks.map((t) => t.worker_id)]).filter((x) => x === alone.worker_id)).toHaveLength(3)
    const more = await appending
    appendFileSync(input, 'last\n')
    await waitFor(() => read(out).includes('last'), 'the last line')
    await waitFor(() => read(out).length >= 351, 'every line in the sink file')
    expect([...read(out)].sort()).toEqual([...first, ...more, 'last'].sort())
    for (const p of [b, a]) {
      p.kill('SIGTERM')
      expect((await p).exitCode).toBe(0)
    }

    // The whole group restarted: the new leader gives out everything at once (no wait for the workers that left), going on where they stopped.
    const again = c.run(['connect', 'distributed', w], {cwd: c.base})
    running.push(again)
    await waitFor(() => workers(c.dataDir).size === 1, 'the restarted worker to listen')
    const [fresh] = [...workers(c.dataDir).values()]
    await eventually(async () => [(await curl(`${fresh.url}/connectors/src/status`)).body as Status, (await curl(`${fresh.url}/connectors/snk/status`)).body as Status], running2, 'everything RUNNING after the restart')
    appendFileSync(input, 'after the restart\n')
    await waitFor(() => read(out).includes('after the restart'), 'the line appended after the restart')
    expect([...read(out)].sort()).toEqual([...first, ...more, 'last', 'after the restart'].sort())
    again.kill('SIGTERM')
    expect((await again).exitCode).toBe(0)
  }, 180_000)

  test("a connector's requestTaskReconfiguration: its owner writes the new task configs, and the leader spreads the new tasks", async () => {
    const c = cli()
    const plugins = join(c.base, 'plugins')
    mkdirSync(plugins)
    const lib = pathToFileURL(join(ROOT, 'dist', 'index.js')).href
    // A source whose number of tasks is the number in shards.txt, watched while it runs (as a connector watching its source system would).
    writeFileSync(
      join(plugins, 'sharded.mjs'),
      `
import {ConfigDef, SourceConnector, SourceTask} from '${lib}'
import {readFileSync} from 'node:fs'
export class ShardTask extends SourceTask {
  start() {}
  async poll() { await new Promise((r) => setTimeout(r, 50)); return null }
  stop() {}
}
export class Sharded extends SourceConnector {
  static CLASS_NAME = 'com.example.Sharded'
  config() { return new ConfigDef().define({name: 'shards.file', type: 'STRING', importance: 'HIGH', documentation: 'where the number of shards is'}) }
  shards() { return Number(readFileSync(this.file, 'utf8').trim()) }
  start(props) {
    this.file = props['shards.file']
    this.seen = this.shards()
    this.timer = setInterval(() => { const n = this.shards(); if (n !== this.seen) { this.seen = n; this.context.requestTaskReconfiguration() } }, 50)
  }
  taskClass() { return ShardTask }
  taskConfigs(max) { return Array.from({length: Math.min(max, this.shards())}, (_, i) => ({shard: String(i)})) }
  stop() { clearInterval(this.timer) }
}
`,
    )
    const w = workerFile(c, [`plugin.path=${plugins}`, 'scheduled.rebalance.max.delay.ms=0'])
    const shards = join(c.base, 'shards.txt')
    writeFileSync(shards, '1\n')
    const a = c.run(['connect', 'distributed', w], {cwd: c.base})
    running.push(a)
    await waitFor(() => workers(c.dataDir).size === 1, 'the first worker to listen')
    const b = c.run(['connect', 'distributed', w], {cwd: c.base})
    running.push(b)
    await waitFor(() => workers(c.dataDir).size === 2, 'both workers to listen')
    const [url] = [...workers(c.dataDir).values()].map((x) => x.url)
    expect((await curl(`${url}/connectors`, 'POST', {name: 'sh', config: {'connector.class': 'com.example.Sharded', 'shards.file': shards, 'tasks.max': '5'}})).status).toBe(201)
    const status = async () => (await curl(`${url}/connectors/sh/status`)).body as Status
    const tasksRunning = (n: number) => (s: Status) => s.connector.state === 'RUNNING' && s.tasks.length === n && s.tasks.every((t) => t.state === 'RUNNING')
    await eventually(status, tasksRunning(1), 'one task RUNNING')
    expect(((await curl(`${url}/connectors/sh/tasks`)).body as {config: Record<string, string>}[]).map((t) => t.config.shard)).toEqual(['0'])

    writeFileSync(shards, '3\n')
    const three = await eventually(status, tasksRunning(3), 'three tasks RUNNING')
    expect(((await curl(`${url}/connectors/sh/tasks`)).body as {config: Record<string, string>}[]).map((t) => t.config.shard)).toEqual(['0', '1', '2'])
    expect(new Set(three.tasks.map((t) => t.worker_id)).size).toBe(2)
    const configs = lines(String((await c.run(['consume', 'connect-configs', '-e', '-f', '%k %s\n'])).stdout))
    expect(configs.filter((l) => l.startsWith('commit-sh '))).toEqual(['commit-sh {"tasks":1}', 'commit-sh {"tasks":3}'])

    writeFileSync(shards, '2\n')
    await eventually(status, tasksRunning(2), 'two tasks RUNNING')
    for (const p of [b, a]) {
      p.kill('SIGTERM')
      expect((await p).exitCode).toBe(0)
    }
  }, 180_000)

  test('PUT /connectors/NAME/config with a changed config restarts each task once, on the new task configs', async () => {
    const c = cli()
    const plugins = join(c.base, 'plugins')
    mkdirSync(plugins)
    const lib = pathToFileURL(join(ROOT, 'dist', 'index.js')).href
    const starts = join(c.base, 'starts.txt')
    // Each task start appends "task tag" to starts.txt, so the test counts starts across both worker processes.
    writeFileSync(
      join(plugins, 'counted.mjs'),
      `
import {ConfigDef, SourceConnector, SourceTask} from '${lib}'
import {appendFileSync} from 'node:fs'
export class CountedTask extends SourceTask {
  start(props) { appendFileSync(props['starts.file'], props.task + ' ' + props.tag + '\\n') }
  async poll() { await new Promise((r) => setTimeout(r, 50)); return null }
  stop() {}
}
export class Counted extends SourceConnector {
  static CLASS_NAME = 'com.example.Counted'
  config() {
    return new ConfigDef()
      .define({name: 'starts.file', type: 'STRING', importance: 'HIGH', documentation: 'where task starts are written'})
      .define({name: 'tag', type: 'STRING', importance: 'HIGH', documentation: 'passed to every task'})
  }
  start(props) { this.props = props }
  taskClass() { return CountedTask }
  taskConfigs(max) { return Array.from({length: max}, (_, i) => ({task: String(i), tag: this.props.tag, 'starts.file': this.props['starts.file']})) }
  stop() {}
}
`,
    )
    const w = workerFile(c, [`plugin.path=${plugins}`, 'scheduled.rebalance.max.delay.ms=0'])
    const a = c.run(['connect', 'distributed', w], {cwd: c.base})
    running.push(a)
    await waitFor(() => workers(c.dataDir).size === 1, 'the first worker to listen')
    const b = c.run(['connect', 'distributed', w], {cwd: c.base})
    running.push(b)
    await waitFor(() => workers(c.dataDir).size === 2, 'both workers to listen')
    const [url] = [...workers(c.dataDir).values()].map((x) => x.url)
    const config = (tag: string) => ({'connector.class': 'com.example.Counted', 'starts.file': starts, tag, 'tasks.max': '2'})
    expect((await curl(`${url}/connectors`, 'POST', {name: 'ct', config: config('a')})).status).toBe(201)
    const status = async () => (await curl(`${url}/connectors/ct/status`)).body as Status
    const running2 = (s: Status) => s.connector.state === 'RUNNING' && s.tasks.length === 2 && s.tasks.every((t) => t.state === 'RUNNING')
    await eventually(status, running2, 'two tasks RUNNING')
    await eventually(async () => read(starts).sort(), (l) => l.length === 2, 'two task starts')
    expect(read(starts).sort()).toEqual(['0 a', '1 a'])

    expect((await curl(`${url}/connectors/ct/config`, 'PUT', config('b'))).status).toBe(200)
    await eventually(async () => read(starts).filter((l) => l.endsWith(' b')).sort(), (l) => l.length === 2, 'both tasks started on the new config')
    await eventually(status, running2, 'two tasks RUNNING again')
    // Several heartbeats (300 ms) later nothing else has started: one restart per task, none on the old config in between.
    await sleep(2000)
    expect(read(starts).sort()).toEqual(['0 a', '0 b', '1 a', '1 b'])
    expect(((await curl(`${url}/connectors/ct/tasks`)).body as {config: Record<string, string>}[]).map((t) => t.config.tag)).toEqual(['b', 'b'])

    // The same config again changes nothing, so nothing restarts.
    expect((await curl(`${url}/connectors/ct/config`, 'PUT', config('b'))).status).toBe(200)
    await sleep(1500)
    expect(read(starts)).toHaveLength(4)
    for (const p of [b, a]) {
      p.kill('SIGTERM')
      expect((await p).exitCode).toBe(0)
    }
  }, 180_000)

  test('a worker file without the distributed keys is one error', async () => {
    const c = cli()
    writeFileSync(join(c.base, 'w.properties'), 'key.converter=JsonConverter\nvalue.converter=JsonConverter\n')
    const r = await c.run(['connect', 'distributed', join(c.base, 'w.properties')])
    expect(r.exitCode).toBe(2)
    expect(String(r.stderr)).toBe('logpipe: worker configuration: missing required configuration "group.id" which has no default value\n')
  })
})
