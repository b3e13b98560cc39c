// Replication's figures (issue 11, Performance): brokers sharing one data
// dir, each with its own log dir.
//
//   runReplicatedThroughput({records, input})  kcat -P -X acks=all into RF=1 (one broker) and RF=3 (three)
//   runFailover({runs})                        kill -9 of a leader -> first acks=all write acknowledged through the new one
//   runCatchUp({records, input})               a follower restarted `records` behind -> back in the ISR
//
// Brokers run with their defaults (broker.session.timeout.ms 9000,
// leadership.scan.interval.ms 1000, replica.lag.time.max.ms 30000), as a
// user would start them.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {createRequire} from 'node:module'
import {ROOT, logpipe, percentile, removeDir, run, sleep, tempDir} from './lib.mjs'
import {startBroker} from './broker.mjs'

const partitionState = (dataDir, topic, p = 0) => {
  try {
    return JSON.parse(readFileSync(join(dataDir, 'topics', topic, String(p), 'partition.json'), 'utf8'))
  } catch {
    return null
  }
}

async function until(cond, what, ms) {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

async function cluster(ids, extra = []) {
  const d = tempDir()
  const brokers = new Map()
  const start = async (id) => brokers.set(id, await startBroker(d, ['--id', String(id), '--log-dir', join(d, `disk${id}`), ...extra]))
  for (const id of ids) await start(id)
  return {
    dir: d,
    brokers,
    start,
    bootstrap: () => [...brokers.values()].map((b) => b.address).join(','),
    state: (topic, p) => partitionState(d, topic, p),
    async close() {
      await Promise.all([...brokers.values()].map((b) => b.stop()))
      removeDir(d)
    },
  }
}

async function createReplicated(k, topic, factor, config = []) {
  await logpipe(k.dir, ['topic', 'create', topic, '--replication-factor', String(factor), ...config.flatMap((c) => ['--config', c])], {rss: false})
  if (factor === 1) {
    // No partition.json for a topic of one replica: the broker leads it from its next scan; ask it until it says so.
    const deadline = Date.now() + 30_000
    for (;;) {
      const r = await run('kcat', ['-L', '-J', '-b', k.bootstrap(), '-t', topic], {stdout: 'pipe', allowFail: true, rss: false, gate: false})
      const meta = r.code === 0 ? JSON.parse(r.stdout) : null
      if (meta?.topics?.[0]?.partitions?.[0]?.leader >= 0) return
      if (Date.now() > deadline) throw new Error(`timed out waiting for a leader of ${topic}`)
      await sleep(50)
    }
  }
  await until(() => (k.state(topic, 0)?.leader ?? -1) >= 0, `a leader of ${topic}`, 30_000)
  if (factor > 1) await until(() => k.state(topic, 0).isr.length === factor, `the full ISR of ${topic}`, 30_000)
}

/** One kcat -P -X acks=all run into a fresh cluster of `factor` brokers; the run's timing. */
async function oneThroughput(factor, input) {
  const k = await cluster(Array.from({length: factor}, (_, i) => i + 1))
  try {
    await createReplicated(k, 't', factor, factor > 1 ? ['min.insync.replicas=2'] : [])
    return await run('kcat', ['-P', '-b', k.bootstrap(), '-t', 't', '-p', '0', '-X', 'acks=all'], {stdin: input, sync: true})
  } finally {
    await k.close()
  }
}

export async function runReplicatedThroughput({input, runs}) {
  const rf1 = []
  const rf3 = []
  for (let i = 0; i < runs; i++) {
    rf1.push(await oneThroughput(1, input))
    rf3.push(await oneThroughput(3, input))
  }
  return {rf1, rf3}
}

/**
 * 3 brokers, RF 3, min.insync.replicas 2; a kafkajs producer sends one
 * acks=all record at a time (its latencies before the kill are the p50/p99
 * reported); the leader is killed with SIGKILL and the time to the first
 * acknowledgement of a send begun after it is taken. kafkajs retries
 * every 10-50 ms here, so its backoff adds at most that.
 */
export async function runFailover({runs, warmupSends = 300}) {
  const {Kafka, logLevel} = createRequire(join(ROOT, 'package.json'))('kafkajs')
  const times = []
  const latencies = []
  for (let i = 0; i < runs; i++) {
    const k = await cluster([1, 2, 3])
    let producer
    try {
      await createReplicated(k, 'f', 3, ['min.insync.replicas=2'])
      const kafka = new Kafka({clientId: 'bench-failover', brokers: k.bootstrap().split(','), logLevel: logLevel.NOTHING, requestTimeout: 3000, retry: {initialRetryTime: 10, maxRetryTime: 50, retries: 1000, factor: 0.2, multiplier: 1.5}})
      producer = kafka.producer({allowAutoTopicCreation: false, retry: {initialRetryTime: 10, maxRetryTime: 50, retries: 1000, factor: 0.2, multiplier: 1.5}})
      await producer.connect()
      for (let j = 0; j < warmupSends; j++) {
        const t = performance.now()
        await producer.send({topic: 'f', acks: -1, messages: [{partition: 0, value: `w${j}`}]})
        latencies.push(performance.now() - t)
      }
      const leader = k.state('f', 0).leader
      let killedAt = 0
      let firstAck = 0
      let n = 0
      const sending = (async () => {
        while (firstAck === 0) {
          const sentAt = performance.now()
          await producer.send({topic: 'f', acks: -1, messages: [{partition: 0, value: `f${n++}`}]})
          // A send begun before the kill may have been answered by the old leader just before it died: only one begun after counts.
          if (killedAt > 0 && sentAt >= killedAt && firstAck === 0) firstAck = performance.now()
        }
      })()
      await sleep(200)
      killedAt = performance.now()
      await k.brokers.get(leader).kill9()
      await Promise.race([sending, sleep(60_000).then(() => Promise.reject(new Error('no acknowledgement within 60 s of the kill')))])
      times.push(firstAck - killedAt)
    } finally {
      await producer?.disconnect().catch(() => {})
      await k.close()
    }
  }
  const sorted = [...latencies].sort((a, b) => a - b)
  return {times, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99)}
}

/**
 * 3 brokers, RF 3; a follower is stopped, `records` go in through kcat
 * (acks=1, so the ISR need not wait for it), the ISR drops it
 * (replica.lag.time.max.ms 2000 here, so the run does not wait 30 s), it
 * is started again, and the time from its start to its return to the ISR
 * in partition.json is taken.
 */
export async function runCatchUp({input, records}) {
  const k = await cluster([1, 2, 3], ['-X', 'replica.lag.time.max.ms=2000'])
  try {
    await createReplicated(k, 'c', 3)
    const leader = k.state('c', 0).leader
    const follower = [1, 2, 3].find((id) => id !== leader)
    await k.brokers.get(follower).stop()
    await until(() => !k.state('c', 0).isr.includes(follower), 'the stopped follower out of the ISR', 60_000)
    await run('kcat', ['-P', '-b', k.bootstrap().split(',').filter((a) => a !== k.brokers.get(follower).address).join(','), '-t', 'c', '-p', '0', '-X', 'acks=1'], {stdin: input, sync: true})
    const t0 = performance.now()
    await k.start(follower)
    await until(() => k.state('c', 0).isr.includes(follower), 'the restarted follower back in the ISR', 120_000)
    const ms = performance.now() - t0
    return {records, ms, rate: records / (ms / 1000)}
  } finally {
    await k.close()
  }
}
