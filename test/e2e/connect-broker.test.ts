/**
 * Connect beside a running broker: the broker leads the data dir's
 * partitions and holds their locks, so a worker that wrote the files
 * would fail its source task ("locked by pid N for over 30000 ms").
 * Kafka's quickstart runs with a broker up: the source writes through the
 * broker (the topic stays led by broker 0 throughout), the sink's group
 * joins through its coordinator, a record the sink cannot convert goes to
 * the dead letter queue through the broker too, and a distributed worker
 * keeps its config, offset and status topics through it.
 */
import {appendFileSync, existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {QUICKSTART_FILES, quickstartDir} from '../helpers/connect-quickstart.js'
import {startBroker} from '../helpers/broker.js'
import {lines, trackProcesses, waitFor} from './support.js'

/** waitFor for a condition that must ask something (a command, an HTTP call). */
async function waitUntil(cond: () => Promise<boolean>, what: string, deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const running = trackProcesses()
const BROKER_ARGS = ['-X', 'group.initial.rebalance.delay.ms=0']

const sinkLines = (file: string) => (existsSync(file) ? lines(readFileSync(file, 'utf8')) : [])

describe('connect beside a broker', () => {
  test('the quickstart writes through the broker, the sink group joins through it, dead letters go through it', async () => {
    const c = cli()
    const dir = quickstartDir(c.base)
    appendFileSync(join(dir, 'config', 'connect-standalone.properties'), '\noffset.flush.interval.ms=200\n')
    // The sink tolerates what it cannot convert, into a dead letter queue the worker creates.
    appendFileSync(join(dir, 'config', 'connect-file-sink.properties'), '\nerrors.tolerance=all\nerrors.deadletterqueue.topic.name=dlq\n')
    writeFileSync(join(dir, 'test.txt'), 'foo\nbar\n')
    expect((await c.run(['topic', 'create', 'connect-test'])).exitCode).toBe(0)
    const broker = await startBroker(c.env, BROKER_ARGS)

    const worker = c.run(['connect', 'standalone', ...QUICKSTART_FILES], {cwd: dir})
    running.push(worker)
    const sink = join(dir, 'test.sink.txt')
    await waitFor(() => sinkLines(sink).length >= 2, 'foo and bar in test.sink.txt')
    appendFileSync(join(dir, 'test.txt'), 'Another line\n')
    await waitFor(() => sinkLines(sink).length >= 3, 'the appended line in test.sink.txt')

    // A line no JsonConverter reads, produced by the CLI (through the broker as well): the sink sends it to the dead letters.
    const bad = await c.run(['produce', 'connect-test'], {input: 'not json\n'})
    expect(bad.exitCode, String(bad.stderr)).toBe(0)
    await waitUntil(async () => lines(String((await c.run(['consume', 'dlq', '-e'])).stdout)).length === 1, 'the record in the dead letter queue', 30_000)
    expect(lines(String((await c.run(['consume', 'dlq', '-e'])).stdout))).toEqual(['not json'])

    worker.kill('SIGTERM')
    const w = await worker
    expect(w.exitCode, String(w.stderr)).toBe(0)
    expect(String(w.stderr)).toContain('writing through it')
    expect(String(w.stderr)).not.toMatch(/FAILED|locked by/)
    expect(sinkLines(sink)).toEqual(['foo', 'bar', 'Another line'])

    // The broker led the topic all along, and the sink's group committed through its coordinator.
    const described = await c.run(['topic', 'describe', 'connect-test'])
    // On the files the leader column names the lock's holder: the broker's process.
    expect(String(described.stdout)).toContain(`\tPartition: 0\tLeader: pid:${broker.proc.pid}@`)
    const group = await c.run(['group', 'describe', 'connect-local-file-sink', '--json'])
    expect(group.exitCode, String(group.stderr)).toBe(0)
    const offsets = (JSON.parse(String(group.stdout)) as {partitions: {topic: string; partition: number; currentOffset: number | null}[]}).partitions
    expect(offsets.find((p) => p.topic === 'connect-test' && p.partition === 0)?.currentOffset).toBe(4)
    expect(broker.stderr()).not.toMatch(/ERROR/)
  })

  test('a distributed worker keeps its config, offset and status topics through the broker', async () => {
    const c = cli()
    const broker = await startBroker(c.env, BROKER_ARGS)
    const port = 18000 + Math.floor(Math.random() * 2000)
    writeFileSync(
      join(c.base, 'worker.properties'),
      [
        'group.id=connect-cluster',
        'config.storage.topic=connect-configs',
        'offset.storage.topic=connect-offsets',
        'status.storage.topic=connect-status',
        'key.converter=org.apache.kafka.connect.storage.StringConverter',
        'value.converter=org.apache.kafka.connect.storage.StringConverter',
        'offset.flush.interval.ms=200',
        `listeners=http://127.0.0.1:${port}`,
        '',
      ].join('\n'),
    )
    writeFileSync(join(c.base, 'in.txt'), 'one\ntwo\n')
    const worker = c.run(['connect', 'distributed', 'worker.properties'], {cwd: c.base})
    running.push(worker)
    const base = `http://127.0.0.1:${port}`
    await waitUntil(async () => (await fetch(`${base}/`).catch(() => null))?.ok === true, 'the REST API')
    const created = await fetch(`${base}/connectors`, {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({name: 'src', config: {'connector.class': 'FileStreamSource', file: join(c.base, 'in.txt'), topic: 'lines'}}),
    })
    expect(created.status).toBe(201)
    await waitUntil(async () => lines(String((await c.run(['consume', 'lines', '-e'])).stdout)).length === 2, 'both lines in topic lines', 30_000)
    await waitUntil(async () => ((await (await fetch(`${base}/connectors/src/status`)).json()) as {tasks: {state: string}[]}).tasks[0]?.state === 'RUNNING', 'the task RUNNING')

    worker.kill('SIGTERM')
    const w = await worker
    expect(w.exitCode, String(w.stderr)).toBe(0)
    expect(String(w.stderr)).toContain('writing through it')
    expect(String(w.stderr)).not.toMatch(/FAILED|locked by/)
    // Every internal topic was written, each led by the broker.
    for (const t of ['connect-configs', 'connect-offsets', 'connect-status', 'lines']) {
      const d = await c.run(['topic', 'describe', t])
      expect(String(d.stdout), t).toContain(`\tPartition: 0\tLeader: pid:${broker.proc.pid}@`)
    }
    expect(lines(String((await c.run(['consume', 'connect-configs', '-e', '-f', '%k\n'])).stdout))).toContain('connector-src')
    expect(lines(String((await c.run(['consume', 'connect-offsets', '-e', '-f', '%k\n'])).stdout)).some((k) => k.startsWith('["src",'))).toBe(true)
    expect(broker.stderr()).not.toMatch(/ERROR/)
  })

  test('a worker started before the broker goes on through it once the broker leads its topic', async () => {
    const c = cli()
    const dir = quickstartDir(c.base)
    appendFileSync(join(dir, 'config', 'connect-standalone.properties'), '\noffset.flush.interval.ms=200\n')
    writeFileSync(join(dir, 'test.txt'), 'foo\nbar\n')
    expect((await c.run(['topic', 'create', 'connect-test'])).exitCode).toBe(0)
    const worker = c.run(['connect', 'standalone', ...QUICKSTART_FILES], {cwd: dir})
    running.push(worker)
    let stderr = ''
    worker.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    const sink = join(dir, 'test.sink.txt')
    await waitFor(() => sinkLines(sink).length >= 2, 'foo and bar in test.sink.txt')

    const broker = await startBroker(c.env, BROKER_ARGS)
    appendFileSync(join(dir, 'test.txt'), 'after the broker\n')
    // At once, not after the 30 s lock timeout: the source task is told the broker leads the partition and writes through it.
    await waitFor(() => sinkLines(sink).length >= 3, 'the line written after the broker started', 15_000)
    expect(stderr).toMatch(/task local-file-source-0: topic connect-test partition 0 is led by broker 0 .*; writing through it from now on/)
    expect(stderr).not.toMatch(/FAILED/)
    worker.kill('SIGTERM')
    const w = await worker
    expect(w.exitCode, String(w.stderr)).toBe(0)
    expect(sinkLines(sink)).toEqual(['foo', 'bar', 'after the broker'])
    expect(String((await c.run(['topic', 'describe', 'connect-test'])).stdout)).toContain(`\tPartition: 0\tLeader: pid:${broker.proc.pid}@`)
  })
})
