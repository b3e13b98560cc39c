/**
 * `connect distributed`: two workers of one group.id share the connectors
 * made over REST (on either worker), keep configs, offsets and statuses in
 * the three compacted topics, and when the worker running the sink is
 * killed with kill -9 the other takes it over: the sink file ends with
 * every source line (at least once, in order of first arrival).
 */
import {appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {execa} from 'execa'
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
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

describe('connect distributed', () => {
  test('two workers share the connectors; kill -9 of the one running the sink: the other takes it over and the sink file has every line', async () => {
    const c = cli()
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
      ].join('\n'),
    )
    const input = join(c.base, 'in.txt')
    const out = join(c.base, 'out.txt')
    const first = Array.from({length: 50}, (_, i) => `line ${i}`)
    writeFileSync(input, first.join('\n') + '\n')
    const a = c.run(['connect', 'distributed', w], {cwd: c.base})
    const b = c.run(['connect', 'distributed', w], {cwd: c.base})
    running.push(a, b)
    await waitFor(() => workers(c.dataDir).size === 2, 'both workers to listen')
    const urls = [...workers(c.dataDir).values()].map((x) => x.url)

    // The topics, compacted, with Kafka's partition counts.
    for (const [topic, partitions] of [['connect-configs', 1], ['connect-offsets', 25], ['connect-status', 5]] as const) {
      const t = JSON.parse(readFileSync(join(c.dataDir, 'topics', topic, 'topic.json'), 'utf8')) as {partitions: number; config: Record<string, string>}
      expect(t.partitions, topic).toBe(partitions)
      expect(t.config['cleanup.policy'], topic).toBe('compact')
    }

    // Made on different workers; Kafka's distributed answer has no tasks yet.
    const src = await curl(`${urls[0]}/connectors`, 'POST', {name: 'src', config: {'connector.class': 'FileStreamSource', file: input, topic: 'lines'}})
    expect(src).toMatchObject({status: 201, body: {name: 'src', tasks: [], type: 'source'}})
    expect((await curl(`${urls[1]}/connectors`, 'POST', {name: 'src', config: {'connector.class': 'FileStreamSource', file: input, topic: 'lines'}})).status).toBe(409)
    expect((await curl(`${urls[1]}/connectors`, 'POST', {name: 'snk', config: {'connector.class': 'FileStreamSink', topics: 'lines', file: out}})).status).toBe(201)

    // Both workers answer for both connectors, each run by one of them.
    const statuses = async (url: string) => (await curl(`${url}/connectors?expand=status`)).body as Record<string, {status: {connector: {state: string; worker_id: string}; tasks: {state: string}[]}}>
    const both = await eventually(
      () => statuses(urls[1]),
      (s) => ['src', 'snk'].every((n) => s[n]?.status.connector.state === 'RUNNING' && s[n].status.tasks[0]?.state === 'RUNNING'),
      'both connectors RUNNING',
    )
    const ids = [...workers(c.dataDir).values()].map((x) => x.worker_id).sort()
    expect([both.src.status.connector.worker_id, both.snk.status.connector.worker_id].sort()).toEqual(ids)
    expect(await statuses(urls[0])).toEqual(both)
    await waitFor(() => read(out).length >= 50, 'the first 50 lines in the sink file')

    // kill -9 the worker running the sink, then more lines.
    const sinkWorker = both.snk.status.connector.worker_id
    const [victimPid] = [...workers(c.dataDir)].find(([, e]) => e.worker_id === sinkWorker)!
    const victim = [a, b].find((p) => p.pid === victimPid)!
    victim.kill('SIGKILL')
    await victim.catch(() => undefined)
    const more = Array.from({length: 50}, (_, i) => `line ${50 + i}`)
    appendFileSync(input, more.join('\n') + '\n')
    const survivor = [...workers(c.dataDir)].find(([pid]) => pid !== victimPid)![1]
    await eventually(() => statuses(survivor.url), (s) => s.snk?.status.connector.worker_id === survivor.worker_id && s.snk.status.tasks[0]?.state === 'RUNNING', 'the survivor to run the sink')
    await waitFor(() => new Set(read(out)).size >= 100, 'every line in the sink file')
    const got = read(out)
    expect(new Set(got)).toEqual(new Set([...first, ...more]))
    // At least once, and in order of first arrival.
    expect([...new Set(got)]).toEqual([...first, ...more])

    // The status topic has Kafka's records.
    const st = await c.run(['consume', 'connect-status', '-e', '-f', '%k\t%s\n'])
    const records = lines(String(st.stdout)).map((l) => l.split('\t'))
    expect(records.map(([k]) => k)).toEqual(expect.arrayContaining(['status-connector-snk', 'status-task-snk-0', 'status-connector-src', 'status-task-src-0']))
    expect(JSON.parse(records.find(([k]) => k === 'status-connector-snk')![1])).toEqual({state: 'RUNNING', trace: null, worker_id: expect.any(String), generation: expect.any(Number)})
    const configs = await c.run(['consume', 'connect-configs', '-e', '-f', '%k\n'])
    expect(lines(String(configs.stdout))).toEqual(expect.arrayContaining(['connector-src', 'target-state-src', 'connector-snk', 'target-state-snk']))

    // Pause over REST on the survivor; then a clean stop.
    expect((await curl(`${survivor.url}/connectors/src/pause`, 'PUT')).status).toBe(202)
    await eventually(() => statuses(survivor.url), (s) => s.src?.status.connector.state === 'PAUSED', 'src PAUSED')
    const alive = [a, b].find((p) => p.pid !== victimPid)!
    alive.kill('SIGTERM')
    const r = await alive
    expect(r.exitCode, String(r.stderr)).toBe(0)
  }, 120_000)

  test('a worker file without the distributed keys is one error', async () => {
    const c = cli()
    writeFileSync(join(c.base, 'w.properties'), 'key.converter=JsonConverter\nvalue.converter=JsonConverter\n')
    const r = await c.run(['connect', 'distributed', join(c.base, 'w.properties')])
    expect(r.exitCode).toBe(2)
    expect(String(r.stderr)).toBe('logpipe: worker configuration: missing required configuration "group.id" which has no default value\n')
  })
})
