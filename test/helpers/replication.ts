/**
 * A cluster of `broker start` processes for replication tests: each with
 * its own --log-dir under the test's base directory, fast timeouts, and
 * readers of partition.json and of each replica's segment files.
 */
import {readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {execa} from 'execa'
import {expect} from 'vitest'
import type {cli} from './cli.js'
import {type RunningBroker, startBroker} from './broker.js'
import {KafkaConnection} from '../../src/core/wire/kafka-connection.js'
import {produce} from '../../src/core/wire/messages/00-produce.js'
import {buildBatch} from '../core/support.js'

export const FAST = [
  ['broker.session.timeout.ms', 3000],
  ['broker.heartbeat.interval.ms', 1000],
  ['leadership.scan.interval.ms', 100],
  ['replica.lag.time.max.ms', 2000],
  ['replica.fetch.wait.max.ms', 200],
].flatMap(([k, v]) => ['-X', `${k}=${v}`])

export interface PartitionJson {
  leader: number
  leaderEpoch: number
  isr: number[]
}

export function cluster(c: ReturnType<typeof cli>, extra: string[] = []) {
  const brokers = new Map<number, RunningBroker>()
  const logDir = (id: number) => join(c.base, `disk${id}`)
  return {
    brokers,
    logDir,
    async start(id: number) {
      brokers.set(id, await startBroker(c.env, ['--id', String(id), '--log-dir', logDir(id), ...FAST, ...extra]))
    },
    state(topic: string, partition: number): PartitionJson {
      return JSON.parse(readFileSync(join(c.dataDir, 'topics', topic, String(partition), 'partition.json'), 'utf8')) as PartitionJson
    },
    segments(id: number, topic: string, partition: number): Map<string, Buffer> {
      const dir = join(logDir(id), 'topics', topic, String(partition))
      return new Map(readdirSync(dir).filter((n) => n.endsWith('.log')).sort().map((n) => [n, readFileSync(join(dir, n))]))
    },
    async stopAll() {
      await Promise.all([...brokers.values()].map((b) => (b.proc.exitCode === null && b.proc.signalCode === null ? b.stop() : undefined)))
    },
  }
}

/** Produce requests straight to one broker, answered per partition. */
export async function producerTo(broker: RunningBroker) {
  const connection = await KafkaConnection.open(broker.host, broker.port, 'replication-test')
  return {
    async send(topic: string, acks: number, values: string[]) {
      const records = buildBatch(values.map((v) => ({timestamp: Date.now(), key: null, value: Buffer.from(v)})))
      const response = await connection.request(produce, 8, {transactionalId: null, acks, timeoutMs: 5000, topicData: [{name: topic, partitionData: [{index: 0, records}]}]})
      return response.responses[0].partitionResponses[0]
    },
    close: () => connection.close(),
  }
}

export async function consumeValues(c: ReturnType<typeof cli>, topic: string): Promise<string[]> {
  const r = await c.run(['consume', topic, '-e'])
  expect(r.exitCode, String(r.stderr)).toBe(0)
  return String(r.stdout).split('\n').filter(Boolean)
}

export function sameBytes(a: Map<string, Buffer>, b: Map<string, Buffer>): boolean {
  return a.size === b.size && [...a].every(([name, bytes]) => b.get(name)?.equals(bytes) === true)
}

/**
 * kcat -P with acks=all into partition 0, fed 50 records every 5 ms until
 * stopped; `delivered` holds every offset kcat was told is acknowledged.
 */
export function kcatProducer(bootstrap: string, topic: string) {
  const producer = execa('kcat', ['-b', bootstrap, '-P', '-t', topic, '-p', '0', '-v', '-v', '-v', '-X', 'acks=all', '-X', 'message.timeout.ms=30000', '-X', 'linger.ms=1', '-X', 'topic.metadata.refresh.interval.ms=500'], {
    reject: false,
    timeout: 120_000,
  })
  const delivered = new Set<number>()
  let stderr = ''
  producer.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
    const cut = stderr.lastIndexOf('\n')
    for (const m of stderr.slice(0, cut + 1).matchAll(/Message delivered to partition 0 \(offset (\d+)\)/g)) delivered.add(Number(m[1]))
    stderr = stderr.slice(cut + 1)
  })
  producer.stdin?.on('error', () => {})
  let sent = 0
  const feed = setInterval(() => {
    let chunk = ''
    for (let i = 0; i < 50; i++) chunk += `r${sent++}\n`
    producer.stdin?.write(chunk)
  }, 5)
  return {
    delivered,
    sent: () => sent,
    async stop() {
      clearInterval(feed)
      producer.stdin?.end()
      await producer
    },
  }
}

/**
 * Makes a log dir unwritable, or writable again, as a failed disk would be:
 * `chattr -R +i` when running as root (whom file modes do not stop, and an
 * immutable file refuses writes even through descriptors opened before),
 * else `chmod -R a-w` (new files refused; the broker's write probe sees it).
 */
export async function setWritable(dir: string, writable: boolean): Promise<void> {
  if (process.getuid?.() === 0) await execa('chattr', ['-R', writable ? '-i' : '+i', dir])
  else await execa('chmod', ['-R', writable ? 'u+w' : 'a-w', dir])
}
