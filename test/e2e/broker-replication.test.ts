/**
 * Replication across broker processes: three `broker start` processes,
 * each with its own --log-dir, sharing one data directory as their
 * metadata store; a topic with replication factor 3; kcat producing with
 * acks=all while the partition's leader is killed with SIGKILL. Checks:
 * a new leader is elected at the next epoch, every record kcat was told is
 * delivered is in the log at its offset afterwards, the killed broker comes
 * back as a follower, catches up and rejoins the ISR, and the three
 * replicas' segment files are byte for byte the same. Plus
 * min.insync.replicas refusing acks=all writes with NOT_ENOUGH_REPLICAS, a
 * paused leader (SIGSTOP past the session timeout) fenced when it wakes, and
 * an old leader's records past the new leader's epoch boundary truncated
 * when it rejoins (after an unclean election).
 */
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {execa} from 'execa'
import {Kafka, logLevel} from 'kafkajs'
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {cluster, consumeValues, producerTo, sameBytes} from '../helpers/replication.js'
import {waitFor} from './support.js'
import {KafkaConnection} from '../../src/core/wire/kafka-connection.js'
import {produce} from '../../src/core/wire/messages/00-produce.js'
import {ErrorCode} from '../../src/core/wire/error-codes.js'
import {buildBatch} from '../core/support.js'

describe('replication over three brokers', () => {
  test('kill -9 of the leader under acks=all: a new leader, no acknowledged record lost, replicas byte-identical', async () => {
    const c = cli()
    const k = cluster(c)
    for (const id of [1, 2, 3]) await k.start(id)
    const created = await c.run(['topic', 'create', 'orders', '--replication-factor', '3'])
    expect(created.exitCode, String(created.stderr)).toBe(0)
    const topic = JSON.parse(readFileSync(join(c.dataDir, 'topics', 'orders', 'topic.json'), 'utf8')) as {replicas: number[][]}
    expect([...topic.replicas[0]].sort()).toEqual([1, 2, 3])
    await waitFor(() => k.state('orders', 0).leader >= 0, 'a first leader', 20_000)
    const first = k.state('orders', 0)
    expect(first.leader).toBe(topic.replicas[0][0])
    expect(first.leaderEpoch).toBe(0)

    const bootstrap = [...k.brokers.values()].map((b) => b.address).join(',')
    const producer = execa('kcat', ['-b', bootstrap, '-P', '-t', 'orders', '-p', '0', '-v', '-v', '-v', '-X', 'acks=all', '-X', 'message.timeout.ms=30000', '-X', 'linger.ms=1', '-X', 'topic.metadata.refresh.interval.ms=500'], {
      reject: false,
      timeout: 90_000,
    })
    const delivered = new Map<number, number>()
    let stderr = ''
    producer.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      const cut = stderr.lastIndexOf('\n')
      for (const m of stderr.slice(0, cut + 1).matchAll(/Message delivered to partition 0 \(offset (\d+)\)/g)) delivered.set(Number(m[1]), delivered.size)
      stderr = stderr.slice(cut + 1)
    })
    producer.stdin?.on('error', () => {})
    let sent = 0
    const feed = setInterval(() => {
      let chunk = ''
      for (let i = 0; i < 50; i++) chunk += `r${sent++}\n`
      producer.stdin?.write(chunk)
    }, 5)
    let killed = -1
    try {
      await waitFor(() => delivered.size >= 1000, '1000 deliveries before the kill', 30_000)
      killed = first.leader
      const victim = k.brokers.get(killed)!
      victim.proc.kill('SIGKILL')
      await victim.proc
      await waitFor(() => {
        const s = k.state('orders', 0)
        return s.leader >= 0 && s.leader !== killed && s.leaderEpoch === 1
      }, 'a new leader at epoch 1', 15_000)
      const atKill = delivered.size
      await waitFor(() => delivered.size >= atKill + 1000, '1000 deliveries through the new leader', 30_000)
    } finally {
      clearInterval(feed)
      producer.stdin?.end()
    }
    await producer
    const after = k.state('orders', 0)
    expect(after.isr).not.toContain(killed)
    // What kafka-topics would print, before the killed broker is back.
    const described = await c.run(['topic', 'describe', 'orders', '--under-replicated-partitions'])
    expect(described.exitCode, String(described.stderr)).toBe(0)
    expect(String(described.stdout)).toContain(`\tPartition: 0\tLeader: ${after.leader}\tReplicas: ${topic.replicas[0].join(',')}\tIsr: ${after.isr.join(',')}`)
    // broker list reads what each broker last wrote with its heartbeat: poll until the leader's next one says so.
    const brokers = async () => JSON.parse(String((await c.run(['broker', 'list', '--json'])).stdout)) as Array<{id: number; alive: boolean; underReplicated: number}>
    const deadline = Date.now() + 10_000
    let list = await brokers()
    while (list.find((b) => b.id === after.leader)?.underReplicated !== 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100))
      list = await brokers()
    }
    expect(list.find((b) => b.id === after.leader)).toMatchObject({alive: true, underReplicated: 1})
    expect(list.find((b) => b.id === killed)).toMatchObject({alive: false})
    const json = JSON.parse(String((await c.run(['topic', 'describe', 'orders', '--json'])).stdout)) as {partitions: Array<{leader: {brokerId: number; leaderEpoch: number}; replicas: number[]; isr: number[]}>}
    expect(json.partitions[0]).toMatchObject({leader: {brokerId: after.leader, leaderEpoch: 1}, replicas: topic.replicas[0], isr: after.isr})

    // The killed broker comes back as a follower, truncates if it must, catches up and rejoins.
    await k.start(killed)
    const others = [1, 2, 3].filter((id) => id !== killed)
    await waitFor(() => k.state('orders', 0).isr.length === 3, 'the restarted broker back in the ISR', 20_000)
    await waitFor(
      () => sameBytes(k.segments(killed, 'orders', 0), k.segments(others[0], 'orders', 0)) && sameBytes(k.segments(others[0], 'orders', 0), k.segments(others[1], 'orders', 0)),
      'byte-identical replicas',
      20_000,
    )
    const healthy = await c.run(['topic', 'describe', 'orders', '--under-replicated-partitions'])
    expect(String(healthy.stdout)).not.toContain('Partition: 0')
    await k.stopAll()

    // Read through the files (no broker runs): the leader's replica, by brokers/<id>.log-dir.
    const r = await c.run(['consume', 'orders', '-e', '-F', '%o %s\n'])
    expect(r.exitCode, String(r.stderr)).toBe(0)
    const log = new Map<number, string>()
    for (const line of String(r.stdout).split('\n').filter(Boolean)) {
      const [offset, value] = line.split(' ')
      expect(log.has(Number(offset))).toBe(false)
      log.set(Number(offset), value)
    }
    const missing = [...delivered.keys()].filter((o) => !log.has(o))
    expect(missing, 'acknowledged offsets missing after the failover').toEqual([])
    expect([...log.values()].every((v) => /^r\d+$/.test(v) && Number(v.slice(1)) < sent)).toBe(true)
    // Every replica holds the same bytes, segment for segment.
    for (const id of [1, 2, 3]) expect(sameBytes(k.segments(id, 'orders', 0), k.segments(1, 'orders', 0)), `replica of broker ${id}`).toBe(true)
  }, 150_000)

  test('min.insync.replicas: acks=all is refused with NOT_ENOUGH_REPLICAS once the ISR is too small, acks=1 still written', async () => {
    const c = cli()
    const k = cluster(c)
    for (const id of [1, 2]) await k.start(id)
    const created = await c.run(['topic', 'create', 'strict', '--replication-factor', '2', '--config', 'min.insync.replicas=2'])
    expect(created.exitCode, String(created.stderr)).toBe(0)
    await waitFor(() => k.state('strict', 0).leader >= 0, 'a leader', 20_000)
    const leaderId = k.state('strict', 0).leader
    const leader = k.brokers.get(leaderId)!
    const follower = k.brokers.get(leaderId === 1 ? 2 : 1)!
    const connection = await KafkaConnection.open(leader.host, leader.port, 'replication-test')
    try {
      const send = async (acks: number) => {
        const records = buildBatch([{timestamp: Date.now(), key: null, value: Buffer.from(`acks ${acks}`)}])
        const response = await connection.request(produce, 8, {transactionalId: null, acks, timeoutMs: 5000, topicData: [{name: 'strict', partitionData: [{index: 0, records}]}]})
        return response.responses[0].partitionResponses[0]
      }
      expect((await send(-1)).errorCode).toBe(ErrorCode.NONE)
      follower.proc.kill('SIGKILL')
      await follower.proc
      await waitFor(() => k.state('strict', 0).isr.length === 1, 'the ISR to shrink to the leader', 15_000)
      const refused = await send(-1)
      expect(refused.errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS)
      expect(refused.errorMessage).toMatch(/1 in-sync replica\(s\), min\.insync\.replicas is 2/)
      expect((await send(1)).errorCode).toBe(ErrorCode.NONE)
    } finally {
      connection.close()
    }
    await k.stopAll()
  }, 60_000)

  test('a leader paused past the session timeout is replaced, and fenced when it wakes: it refuses writes and follows', async () => {
    const c = cli()
    const k = cluster(c)
    for (const id of [1, 2, 3]) await k.start(id)
    expect((await c.run(['topic', 'create', 'paused', '--replication-factor', '3'])).exitCode).toBe(0)
    await waitFor(() => k.state('paused', 0).leader >= 0, 'a leader', 20_000)
    const oldId = k.state('paused', 0).leader
    const old = k.brokers.get(oldId)!
    const toOld = await producerTo(old)
    try {
      expect((await toOld.send('paused', -1, ['before the pause'])).errorCode).toBe(ErrorCode.NONE)
      old.proc.kill('SIGSTOP')
      await waitFor(() => {
        const s = k.state('paused', 0)
        return s.leader !== oldId && s.leader >= 0
      }, 'a new leader while the old one is stopped', 20_000)
      const next = k.state('paused', 0)
      expect(next.leaderEpoch).toBe(1)
      const toNew = await producerTo(k.brokers.get(next.leader)!)
      try {
        // partition.json names the new leader a moment before that broker has opened the partition for writes:
        // until then it answers NOT_LEADER_OR_FOLLOWER, which a client retries, as against Kafka after an election.
        let code = (await toNew.send('paused', -1, ['through the new leader'])).errorCode
        const deadline = Date.now() + 10_000
        while (code === ErrorCode.NOT_LEADER_OR_FOLLOWER && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50))
          code = (await toNew.send('paused', -1, ['through the new leader'])).errorCode
        }
        expect(code).toBe(ErrorCode.NONE)
      } finally {
        toNew.close()
      }
      old.proc.kill('SIGCONT')
      await waitFor(() => /no longer leader at epoch 0/.test(old.stderr()), 'the woken leader to see it was replaced', 10_000)
      const late = await toOld.send('paused', 1, ['from the woken leader'])
      expect(late.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    } finally {
      toOld.close()
    }
    // It never wrote partition.json after losing: the epoch only went up, and it rejoins as a follower.
    await waitFor(() => k.state('paused', 0).isr.length === 3, 'the woken broker back in the ISR', 20_000)
    expect(k.state('paused', 0).leaderEpoch).toBeGreaterThanOrEqual(1)
    await waitFor(() => sameBytes(k.segments(1, 'paused', 0), k.segments(2, 'paused', 0)) && sameBytes(k.segments(2, 'paused', 0), k.segments(3, 'paused', 0)), 'byte-identical replicas', 20_000)
    await k.stopAll()
    expect(await consumeValues(c, 'paused')).toEqual(['before the pause', 'through the new leader'])
  }, 90_000)

  test('after an unclean election, the old leader truncates what the new one never had, at the epoch boundary', async () => {
    const c = cli()
    const k = cluster(c)
    for (const id of [1, 2]) await k.start(id)
    expect((await c.run(['topic', 'create', 'split', '--replication-factor', '2', '--config', 'unclean.leader.election.enable=true'])).exitCode).toBe(0)
    await waitFor(() => k.state('split', 0).leader >= 0, 'a leader', 20_000)
    const leaderId = k.state('split', 0).leader
    const followerId = leaderId === 1 ? 2 : 1
    const leader = k.brokers.get(leaderId)!
    const follower = k.brokers.get(followerId)!
    const toLeader = await producerTo(leader)
    try {
      expect((await toLeader.send('split', -1, ['both have this'])).errorCode).toBe(ErrorCode.NONE)
      follower.proc.kill('SIGSTOP')
      await waitFor(() => k.state('split', 0).isr.length === 1, 'the ISR to shrink to the leader', 15_000)
      expect((await toLeader.send('split', 1, ['only the old leader', 'ever had these'])).errorCode).toBe(ErrorCode.NONE)
    } finally {
      toLeader.close()
    }
    leader.proc.kill('SIGKILL')
    await leader.proc
    follower.proc.kill('SIGCONT')
    await waitFor(() => k.state('split', 0).leader === followerId, 'the out-of-sync replica elected (unclean)', 20_000)
    await waitFor(() => /elected leader at epoch 1 \(unclean: was out of the ISR\)/.test(follower.stderr()), 'the unclean election logged', 5_000)
    const toNew = await producerTo(follower)
    try {
      expect((await toNew.send('split', 1, ['the new leader wrote this'])).errorCode).toBe(ErrorCode.NONE)
    } finally {
      toNew.close()
    }
    await k.start(leaderId)
    const back = k.brokers.get(leaderId)!
    await waitFor(() => /truncated to offset 1 \(was 3\)/.test(back.stderr()), 'the old leader to truncate at the epoch boundary', 20_000)
    await waitFor(() => sameBytes(k.segments(1, 'split', 0), k.segments(2, 'split', 0)), 'byte-identical replicas', 20_000)
    await k.stopAll()
    expect(await consumeValues(c, 'split')).toEqual(['both have this', 'the new leader wrote this'])
  }, 90_000)

  test('kafkajs: CreateTopics with a replication factor makes a replicated topic; Metadata gives leader, replicas and ISR; acks=-1 sends land on every replica', async () => {
    const c = cli()
    const k = cluster(c)
    for (const id of [1, 2]) await k.start(id)
    const kafka = new Kafka({clientId: 'replication-test', brokers: [...k.brokers.values()].map((b) => b.address), logLevel: logLevel.NOTHING, retry: {retries: 5}})
    const admin = kafka.admin()
    await admin.connect()
    try {
      expect(await admin.createTopics({topics: [{topic: 'wire', numPartitions: 2, replicationFactor: 2}], waitForLeaders: false})).toBe(true)
      await waitFor(() => [0, 1].every((p) => k.state('wire', p).leader >= 0), 'leaders of both partitions', 20_000)
      const meta = await admin.fetchTopicMetadata({topics: ['wire']})
      for (const p of meta.topics[0].partitions) {
        const s = k.state('wire', p.partitionId)
        expect(p.leader).toBe(s.leader)
        expect([...p.replicas].sort()).toEqual([1, 2])
        expect([...p.isr].sort()).toEqual([1, 2])
      }
      const producer = kafka.producer({allowAutoTopicCreation: false})
      await producer.connect()
      for (let i = 0; i < 20; i++) await producer.send({topic: 'wire', acks: -1, messages: [{key: `k${i}`, value: `v${i}`}]})
      await producer.disconnect()
    } finally {
      await admin.disconnect()
    }
    for (const p of [0, 1]) await waitFor(() => sameBytes(k.segments(1, 'wire', p), k.segments(2, 'wire', p)), `identical replicas of partition ${p}`, 10_000)
    await k.stopAll()
    expect((await consumeValues(c, 'wire')).sort()).toEqual(Array.from({length: 20}, (_, i) => `v${i}`).sort())
  }, 60_000)

  test('the high watermark survives a restart (replication-offset-checkpoint): not hidden below, not exposed above', async () => {
    const c = cli()
    // The ISR never shrinks here, so the high watermark can move only by the followers' fetches.
    const k = cluster(c, ['-X', 'replica.lag.time.max.ms=600000', '-X', 'replica.high.watermark.checkpoint.interval.ms=100'])
    for (const id of [1, 2, 3]) await k.start(id)
    expect((await c.run(['topic', 'create', 'hw', '--replication-factor', '3'])).exitCode).toBe(0)
    await waitFor(() => k.state('hw', 0).leader >= 0, 'a leader', 20_000)
    const leaderId = k.state('hw', 0).leader
    const leader = k.brokers.get(leaderId)!
    const toLeader = await producerTo(leader)
    try {
      for (let i = 0; i < 5; i++) expect((await toLeader.send('hw', -1, [`c${i}a`, `c${i}b`])).errorCode).toBe(ErrorCode.NONE)
      const checkpoint = join(k.logDir(leaderId), 'replication-offset-checkpoint')
      await waitFor(() => existsSync(checkpoint) && readFileSync(checkpoint, 'utf8') === '0\n1\nhw 0 10\n', 'the leader to checkpoint high watermark 10', 10_000)
      // Followers stopped: what the leader takes now is in its log only, above the high watermark.
      for (const id of [1, 2, 3]) if (id !== leaderId) k.brokers.get(id)!.proc.kill('SIGSTOP')
      expect((await toLeader.send('hw', 1, ['above the high watermark'])).errorCode).toBe(ErrorCode.NONE)
      await new Promise((r) => setImmediate(r))
    } finally {
      toLeader.close()
    }
    for (const b of k.brokers.values()) b.proc.kill('SIGKILL')
    await Promise.all([...k.brokers.values()].map((b) => b.proc))
    // The old leader alone: it leads again (preferred or in the ISR), its followers never fetch, so its high watermark is what it saved.
    await k.start(leaderId)
    const back = k.brokers.get(leaderId)!
    await waitFor(() => /elected leader at epoch 1/.test(back.stderr()), 'the restarted leader elected', 20_000)
    const read = await execa('kcat', ['-b', back.address, '-C', '-e', '-t', 'hw', '-p', '0', '-f', '%o %s\n'], {reject: false, timeout: 30_000})
    expect(read.exitCode, read.stderr).toBe(0)
    expect(read.stdout.split('\n').filter(Boolean)).toEqual(Array.from({length: 10}, (_, i) => `${i} c${i >> 1}${i % 2 === 0 ? 'a' : 'b'}`))
    expect(back.stderr()).toMatch(/log end 11/)
    await k.stopAll()
  }, 90_000)
})
