/**
 * The admin side of replication, against broker processes sharing one
 * data directory, run as a user runs them: `topic elect-leaders`
 * (preferred and unclean) with every answer kafka-leader-election would
 * print; `topic reassign` (one partition, and a kafka-reassign-partitions
 * plan) moving a partition while kcat produces with acks=all; `topic
 * verify --replicas` finding replicas that differ below the high watermark;
 * partitions added to a replicated topic (topic alter, CreatePartitions).
 */
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {Kafka, logLevel} from 'kafkajs'
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {cluster, consumeValues, kcatProducer, producerTo, sameBytes, setWritable} from '../helpers/replication.js'
import {EXIT, expectCleanError, waitFor} from './support.js'
import {ErrorCode} from '../../src/core/wire/error-codes.js'
import {KafkaConnection} from '../../src/core/wire/kafka-connection.js'
import {electLeaders} from '../../src/core/wire/messages/43-elect-leaders.js'

const NO_REBALANCE = ['-X', 'auto.leader.rebalance.enable=false']

describe('topic elect-leaders', () => {
  test('preferred: leadership goes back to the preferred replica only when asked; asked again, nothing to do', async () => {
    const c = cli()
    const k = cluster(c, NO_REBALANCE)
    for (const id of [1, 2, 3]) await k.start(id)
    expect((await c.run(['topic', 'create', 'pref', '--replication-factor', '3'])).exitCode).toBe(0)
    await waitFor(() => k.state('pref', 0).leader >= 0, 'a first leader', 20_000)
    const preferred = k.state('pref', 0).leader
    const victim = k.brokers.get(preferred)!
    victim.proc.kill('SIGKILL')
    await victim.proc
    await waitFor(() => k.state('pref', 0).leader >= 0 && k.state('pref', 0).leader !== preferred, 'another leader', 20_000)
    const interim = k.state('pref', 0).leader

    // The preferred broker down: nothing to elect it with.
    const down = await c.run(['topic', 'elect-leaders', '--topic', 'pref', '--partition', '0'])
    expect(down.exitCode).toBe(EXIT.RUNTIME)
    expect(String(down.stderr)).toMatch(/^logpipe: 1 replica\(s\) could not be elected\n/)
    expect(String(down.stdout)).toContain(`Error completing leader election (PREFERRED) for partition: pref-0: PREFERRED_LEADER_NOT_AVAILABLE: the preferred leader, broker ${preferred}, is not alive`)

    await k.start(preferred)
    await waitFor(() => k.state('pref', 0).isr.length === 3, 'the preferred replica back in the ISR', 20_000)
    // Without auto.leader.rebalance.enable it stays a follower.
    expect(k.state('pref', 0).leader).toBe(interim)

    const elected = await c.run(['topic', 'elect-leaders', '--topic', 'pref'])
    expect(elected.exitCode, String(elected.stderr)).toBe(0)
    expect(String(elected.stdout).trim()).toBe('Successfully completed leader election (PREFERRED) for partitions pref-0')
    const after = k.state('pref', 0)
    expect(after.leader).toBe(preferred)
    expect(after.leaderEpoch).toBe(2)

    const again = await c.run(['topic', 'elect-leaders', '--json'])
    expect(again.exitCode, String(again.stderr)).toBe(0)
    expect(JSON.parse(String(again.stdout))).toEqual([{topic: 'pref', partition: 0, result: 'not-needed', leader: preferred}])
    // The request file is gone: a later change of leader is not taken for this one.
    expect(existsSync(join(c.dataDir, 'topics', 'pref', '0', 'election.json'))).toBe(false)

    // ElectLeaders (key 43) answers the same through any broker.
    const wire = await KafkaConnection.open(k.brokers.get(interim)!.host, k.brokers.get(interim)!.port, 'elect-test')
    try {
      const answer = await wire.request(electLeaders, 2, {electionType: 0, topicPartitions: [{topic: 'pref', partitions: [0]}, {topic: 'nope', partitions: [0]}], timeoutMs: 5000})
      expect(answer.errorCode).toBe(ErrorCode.NONE)
      expect(answer.replicaElectionResults.map((r) => [r.topic, r.partitionResult.map((p) => [p.partitionId, p.errorCode])])).toEqual([
        ['pref', [[0, ErrorCode.ELECTION_NOT_NEEDED]]],
        ['nope', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
      ])
    } finally {
      wire.close()
    }

    const toLeader = await producerTo(k.brokers.get(preferred)!)
    try {
      expect((await toLeader.send('pref', -1, ['through the preferred leader'])).errorCode).toBe(ErrorCode.NONE)
    } finally {
      toLeader.close()
    }
    await k.stopAll()
    expect(await consumeValues(c, 'pref')).toEqual(['through the preferred leader'])
  }, 120_000)

  test('unclean: a partition whose ISR died gets the out-of-sync replica as leader when asked, not before', async () => {
    const c = cli()
    const k = cluster(c)
    for (const id of [1, 2]) await k.start(id)
    expect((await c.run(['topic', 'create', 'lost', '--replication-factor', '2'])).exitCode).toBe(0)
    await waitFor(() => k.state('lost', 0).leader >= 0, 'a leader', 20_000)
    const leaderId = k.state('lost', 0).leader
    const followerId = leaderId === 1 ? 2 : 1
    const follower = k.brokers.get(followerId)!
    follower.proc.kill('SIGSTOP')
    await waitFor(() => k.state('lost', 0).isr.length === 1, 'the ISR to shrink to the leader', 15_000)

    const notNeeded = await c.run(['topic', 'elect-leaders', '--topic', 'lost', '--election-type', 'UNCLEAN'])
    expect(notNeeded.exitCode, String(notNeeded.stderr)).toBe(0)
    expect(String(notNeeded.stdout).trim()).toBe('Valid replica already elected for partitions lost-0')

    const leader = k.brokers.get(leaderId)!
    leader.proc.kill('SIGKILL')
    await leader.proc
    follower.proc.kill('SIGCONT')
    // Out of the ISR and unclean election off: awake (heartbeating again, so scanning too), it does not lead by itself.
    const alive = async () => (JSON.parse(String((await c.run(['broker', 'list', '--json'])).stdout)) as Array<{id: number; alive: boolean}>).find((b) => b.id === followerId)?.alive
    const deadline = Date.now() + 10_000
    while (!(await alive()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    expect(k.state('lost', 0).leader).toBe(leaderId)
    const preferredOnly = await c.run(['topic', 'elect-leaders', '--topic', 'lost'])
    expect(preferredOnly.exitCode).toBe(EXIT.RUNTIME)
    expect(String(preferredOnly.stdout)).toMatch(/PREFERRED_LEADER_NOT_AVAILABLE/)

    const elected = await c.run(['topic', 'elect-leaders', '--topic', 'lost', '--election-type', 'unclean'])
    expect(elected.exitCode, String(elected.stderr)).toBe(0)
    expect(String(elected.stdout).trim()).toBe('Successfully completed leader election (UNCLEAN) for partitions lost-0')
    expect(k.state('lost', 0)).toMatchObject({leader: followerId, isr: [followerId]})
    await waitFor(() => /elected leader at epoch 1 \(unclean: was out of the ISR\)/.test(follower.stderr()), 'the unclean election logged', 5_000)
    await k.stopAll()
  }, 90_000)

  test('bad requests: a topic that is not replicated, a partition it lacks, an unknown election type', async () => {
    const c = cli()
    expect((await c.run(['topic', 'create', 'plain', '--partitions', '2'])).exitCode).toBe(0)
    expectCleanError(await c.run(['topic', 'elect-leaders', '--topic', 'plain']), EXIT.USAGE, /topic 'plain' is not replicated/)
    expectCleanError(await c.run(['topic', 'elect-leaders', '--topic', 'nope']), EXIT.NOT_FOUND, /nope/)
    expectCleanError(await c.run(['topic', 'elect-leaders', '--election-type', 'random']), EXIT.USAGE, /--election-type must be preferred or unclean/)
    expectCleanError(await c.run(['topic', 'elect-leaders', '--partition', '1']), EXIT.USAGE, /--partition goes with --topic/)
    const none = await c.run(['topic', 'elect-leaders'])
    expect(none.exitCode, String(none.stderr)).toBe(0)
    expect(String(none.stdout).trim()).toBe('No replicated partitions to elect leaders for')
  }, 30_000)
})

describe('topic reassign', () => {
  test('a partition moves to a new broker while kcat produces with acks=all: the leader moves off, no acknowledged record lost', async () => {
    const c = cli()
    const k = cluster(c)
    for (const id of [1, 2, 3, 4]) await k.start(id)
    expect((await c.run(['topic', 'create', 'moving', '--replication-factor', '3'])).exitCode).toBe(0)
    await waitFor(() => k.state('moving', 0).leader >= 0, 'a first leader', 20_000)
    const before = (JSON.parse(readFileSync(join(c.dataDir, 'topics', 'moving', 'topic.json'), 'utf8')) as {replicas: number[][]}).replicas[0]
    const leader = k.state('moving', 0).leader
    const newcomer = [1, 2, 3, 4].find((id) => !before.includes(id))!
    // The new broker first (the preferred leader), the old leader out.
    const target = [newcomer, ...before.filter((id) => id !== leader)]
    const producer = kcatProducer([...k.brokers.values()].map((b) => b.address).join(','), 'moving')
    try {
      await waitFor(() => producer.delivered.size >= 2000, '2000 deliveries before the move', 30_000)
      const started = await c.run(['topic', 'reassign', '--topic', 'moving', '--partition', '0', '--replicas', target.join(',')])
      expect(started.exitCode, String(started.stderr)).toBe(0)
      expect(String(started.stdout)).toContain(`{"version":1,"partitions":[{"topic":"moving","partition":0,"replicas":[${before.join(',')}],"log_dirs":["any","any","any"]}]}`)
      expect(String(started.stdout)).toContain('Successfully started partition reassignments for moving-0')
      const verify = async () => String((await c.run(['topic', 'reassign', '--topic', 'moving', '--partition', '0', '--replicas', target.join(','), '--verify'])).stdout)
      const deadline = Date.now() + 40_000
      let status = await verify()
      while (!status.includes('Reassignment of partition moving-0 is completed.') && Date.now() < deadline) {
        expect(status).toContain('Reassignment of partition moving-0 is still in progress.')
        await new Promise((r) => setTimeout(r, 200))
        status = await verify()
      }
      expect(status).toBe('Status of partition reassignment:\nReassignment of partition moving-0 is completed.\n')
      await waitFor(() => target.includes(k.state('moving', 0).leader), 'a leader among the new replicas', 20_000)
      const atMove = producer.delivered.size
      await waitFor(() => producer.delivered.size >= atMove + 2000, '2000 deliveries after the move', 30_000)
    } finally {
      await producer.stop()
    }
    const topic = JSON.parse(readFileSync(join(c.dataDir, 'topics', 'moving', 'topic.json'), 'utf8')) as {replicas: number[][]; reassigning?: unknown}
    expect(topic.replicas[0]).toEqual(target)
    expect(topic.reassigning).toBeUndefined()
    await waitFor(() => k.state('moving', 0).isr.length === 3, 'the new replicas all in the ISR', 20_000)
    expect([...k.state('moving', 0).isr].sort()).toEqual([...target].sort())
    // The old leader's broker dropped its copy.
    await waitFor(() => !existsSync(join(k.logDir(leader), 'topics', 'moving', '0')), 'the removed replica deleted', 10_000)
    await waitFor(() => sameBytes(k.segments(target[0], 'moving', 0), k.segments(target[1], 'moving', 0)) && sameBytes(k.segments(target[1], 'moving', 0), k.segments(target[2], 'moving', 0)), 'byte-identical replicas', 20_000)
    await k.stopAll()
    const r = await c.run(['consume', 'moving', '-e', '-F', '%o\n'])
    expect(r.exitCode, String(r.stderr)).toBe(0)
    const offsets = new Set(String(r.stdout).split('\n').filter(Boolean).map(Number))
    const missing = [...producer.delivered].filter((o) => !offsets.has(o))
    expect(missing, 'acknowledged offsets missing after the move').toEqual([])
  }, 180_000)

  test('a plan file: --execute then --verify; bad plans refused before anything changes', async () => {
    const c = cli()
    const k = cluster(c)
    for (const id of [1, 2, 3]) await k.start(id)
    expect((await c.run(['topic', 'create', 'planned', '--replication-factor', '2', '--partitions', '2'])).exitCode).toBe(0)
    await waitFor(() => [0, 1].every((p) => k.state('planned', p).leader >= 0), 'leaders', 20_000)
    const before = (JSON.parse(readFileSync(join(c.dataDir, 'topics', 'planned', 'topic.json'), 'utf8')) as {replicas: number[][]}).replicas
    const spare = (p: number) => [1, 2, 3].find((id) => !before[p].includes(id))!
    const plan = {version: 1, partitions: [0, 1].map((p) => ({topic: 'planned', partition: p, replicas: [before[p][1], spare(p)]}))}
    const path = join(c.base, 'plan.json')
    writeFileSync(path, JSON.stringify(plan))
    expectCleanError(await c.run(['topic', 'reassign', '--reassignment-json-file', path]), EXIT.USAGE, /say --execute or --verify/)
    const bad = join(c.base, 'bad.json')
    writeFileSync(bad, JSON.stringify({version: 1, partitions: [plan.partitions[0], {topic: 'planned', partition: 1, replicas: []}]}))
    expectCleanError(await c.run(['topic', 'reassign', '--reassignment-json-file', bad, '--execute']), EXIT.USAGE, /partition planned-1: no replicas given/)
    writeFileSync(bad, JSON.stringify({version: 1, partitions: [{topic: 'planned', partition: 0, replicas: [1, 9]}]}))
    expectCleanError(await c.run(['topic', 'reassign', '--reassignment-json-file', bad, '--execute']), EXIT.USAGE, /broker\(s\) 9 are not alive/)
    expect((JSON.parse(readFileSync(join(c.dataDir, 'topics', 'planned', 'topic.json'), 'utf8')) as {replicas: number[][]}).replicas).toEqual(before)

    const executed = await c.run(['topic', 'reassign', '--reassignment-json-file', path, '--execute'])
    expect(executed.exitCode, String(executed.stderr)).toBe(0)
    expect(String(executed.stdout)).toContain('Successfully started partition reassignments for planned-0,planned-1')
    const verify = async () => String((await c.run(['topic', 'reassign', '--reassignment-json-file', path, '--verify'])).stdout)
    const deadline = Date.now() + 30_000
    let status = await verify()
    while (status.includes('still in progress') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200))
      status = await verify()
    }
    expect(status).toBe('Status of partition reassignment:\nReassignment of partition planned-0 is completed.\nReassignment of partition planned-1 is completed.\n')
    for (const p of [0, 1]) await waitFor(() => [...k.state('planned', p).isr].sort().join() === [...plan.partitions[p].replicas].sort().join(), `partition ${p}'s ISR`, 20_000)
    const described = String((await c.run(['topic', 'describe', 'planned'])).stdout)
    for (const p of [0, 1]) expect(described).toContain(`\tPartition: ${p}\tLeader: ${k.state('planned', p).leader}\tReplicas: ${plan.partitions[p].replicas.join(',')}\tIsr: `)
    await k.stopAll()
  }, 90_000)
})

describe('topic reassign changing the replication factor', () => {
  test('a longer replica list adds a replica that catches up and joins the ISR; a shorter one drops one; kcat produces throughout', async () => {
    const c = cli()
    const k = cluster(c)
    for (const id of [1, 2, 3]) await k.start(id)
    expect((await c.run(['topic', 'create', 'factor', '--replication-factor', '2', '--config', 'min.insync.replicas=1'])).exitCode).toBe(0)
    await waitFor(() => k.state('factor', 0).isr.length === 2, 'both replicas in the ISR', 20_000)
    const topicJson = () => JSON.parse(readFileSync(join(c.dataDir, 'topics', 'factor', 'topic.json'), 'utf8')) as {replicas: number[][]; replicationFactor: number; reassigning?: unknown}
    const before = topicJson().replicas[0]
    const spare = [1, 2, 3].find((id) => !before.includes(id))!
    const producer = kcatProducer([...k.brokers.values()].map((b) => b.address).join(','), 'factor')
    const untilComplete = async (replicas: number[]) => {
      const verify = async () => String((await c.run(['topic', 'reassign', '--topic', 'factor', '--partition', '0', '--replicas', replicas.join(','), '--verify'])).stdout)
      const deadline = Date.now() + 40_000
      while (!(await verify()).includes('Reassignment of partition factor-0 is completed.')) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for the reassignment to ${replicas.join(',')}`)
        await new Promise((r) => setTimeout(r, 200))
      }
    }
    const describeLine = async () => String((await c.run(['topic', 'describe', 'factor'])).stdout)
    try {
      await waitFor(() => producer.delivered.size >= 2000, '2000 deliveries before the change', 30_000)

      // 2 -> 3: the new replica copies the partition, then joins the ISR.
      const grown = [...before, spare]
      const started = await c.run(['topic', 'reassign', '--topic', 'factor', '--partition', '0', '--replicas', grown.join(',')])
      expect(started.exitCode, String(started.stderr)).toBe(0)
      expect(String(started.stdout)).toContain('Successfully started partition reassignments for factor-0')
      await untilComplete(grown)
      await waitFor(() => k.state('factor', 0).isr.length === 3, 'the added replica in the ISR', 20_000)
      expect(topicJson()).toMatchObject({replicas: [grown], replicationFactor: 3})
      expect(topicJson().reassigning).toBeUndefined()
      const described = await describeLine()
      expect(described).toContain('\tReplicationFactor: 3\t')
      expect(described).toContain(`\tReplicas: ${grown.join(',')}\tIsr: `)
      const atGrow = producer.delivered.size
      await waitFor(() => producer.delivered.size >= atGrow + 1000, '1000 deliveries at replication factor 3', 30_000)

      // 3 -> 2: the first replica leaves; its broker deletes its copy.
      const leaving = grown[0]
      const shrunk = grown.slice(1)
      expect((await c.run(['topic', 'reassign', '--topic', 'factor', '--partition', '0', '--replicas', shrunk.join(',')])).exitCode).toBe(0)
      await untilComplete(shrunk)
      expect(topicJson()).toMatchObject({replicas: [shrunk], replicationFactor: 2})
      await waitFor(() => !existsSync(join(k.logDir(leaving), 'topics', 'factor', '0')), 'the removed replica deleted', 20_000)
      await waitFor(() => shrunk.includes(k.state('factor', 0).leader) && [...k.state('factor', 0).isr].sort().join() === [...shrunk].sort().join(), 'the ISR of the two replicas left', 20_000)
      expect(await describeLine()).toContain(`\tReplicationFactor: 2\t`)
      const atShrink = producer.delivered.size
      await waitFor(() => producer.delivered.size >= atShrink + 1000, '1000 deliveries at replication factor 2', 30_000)
    } finally {
      await producer.stop()
    }
    const [a, b] = topicJson().replicas[0]
    await waitFor(() => sameBytes(k.segments(a, 'factor', 0), k.segments(b, 'factor', 0)), 'byte-identical replicas', 20_000)
    await k.stopAll()
    const r = await c.run(['consume', 'factor', '-e', '-F', '%o\n'])
    expect(r.exitCode, String(r.stderr)).toBe(0)
    const offsets = new Set(String(r.stdout).split('\n').filter(Boolean).map(Number))
    expect([...producer.delivered].filter((o) => !offsets.has(o)), 'acknowledged offsets missing').toEqual([])
  }, 180_000)
})

describe('topic reassign --throttle', () => {
  test('the rates and throttled replicas are set for the move, the data still arrives, and --verify removes them once it is done', async () => {
    const c = cli()
    const k = cluster(c)
    for (const id of [1, 2, 3]) await k.start(id)
    expect((await c.run(['topic', 'create', 'thr', '--replication-factor', '2', '--config', 'min.insync.replicas=1'])).exitCode).toBe(0)
    await waitFor(() => k.state('thr', 0).isr.length === 2, 'both replicas in the ISR', 20_000)
    const bootstrap = [...k.brokers.values()].map((b) => b.address).join(',')
    const lines = Array.from({length: 4000}, (_, i) => `throttled-${i}-${'x'.repeat(40)}`)
    const produced = await c.run(['produce', 'thr', '--bootstrap-server', bootstrap, '-X', 'acks=all'], {input: lines.join('\n') + '\n'})
    expect(produced.exitCode, String(produced.stderr)).toBe(0)
    const topicJson = () => JSON.parse(readFileSync(join(c.dataDir, 'topics', 'thr', 'topic.json'), 'utf8')) as {replicas: number[][]; config: Record<string, string>}
    const before = topicJson().replicas[0]
    const spare = [1, 2, 3].find((id) => !before.includes(id))!
    const target = [...before, spare]

    const started = await c.run(['topic', 'reassign', '--topic', 'thr', '--partition', '0', '--replicas', target.join(','), '--throttle', '20000'])
    expect(started.exitCode, String(started.stderr)).toBe(0)
    expect(String(started.stdout)).toContain('The inter-broker throttle limit was set to 20000 B/s')
    expect(topicJson().config).toEqual({
      'min.insync.replicas': 1,
      'leader.replication.throttled.replicas': before.map((id) => `0:${id}`).join(','),
      'follower.replication.throttled.replicas': `0:${spare}`,
    })
    for (const id of [1, 2, 3]) {
      expect(JSON.parse(readFileSync(join(c.dataDir, 'brokers', `${id}.config.json`), 'utf8'))).toEqual({'leader.replication.throttled.rate': 20000, 'follower.replication.throttled.rate': 20000})
    }
    // Each broker applies them at its next scan.
    for (const id of [1, 2, 3]) await waitFor(() => k.brokers.get(id)!.stderr().includes('replication throttles: leader 20000 bytes/s, follower 20000 bytes/s'), `broker ${id} throttled`, 20_000)
    expectCleanError(await c.run(['topic', 'reassign', '--topic', 'thr', '--partition', '0', '--replicas', target.join(','), '--verify', '--throttle', '5']), EXIT.USAGE, /--throttle goes with starting a reassignment/)

    const verify = async () => String((await c.run(['topic', 'reassign', '--topic', 'thr', '--partition', '0', '--replicas', target.join(','), '--verify'])).stdout)
    const deadline = Date.now() + 90_000
    let status = await verify()
    while (!status.includes('is completed.')) {
      expect(status).toBe('Status of partition reassignment:\nReassignment of partition thr-0 is still in progress.\n')
      expect(existsSync(join(c.dataDir, 'brokers', `${spare}.config.json`))).toBe(true)
      if (Date.now() > deadline) throw new Error('timed out waiting for the throttled reassignment')
      await new Promise((r) => setTimeout(r, 300))
      status = await verify()
    }
    expect(status).toBe(
      'Status of partition reassignment:\nReassignment of partition thr-0 is completed.\n\nClearing broker-level throttles on brokers 1,2,3\nClearing topic-level throttles on topic thr\n',
    )
    expect(topicJson().config).toEqual({'min.insync.replicas': 1})
    for (const id of [1, 2, 3]) expect(existsSync(join(c.dataDir, 'brokers', `${id}.config.json`))).toBe(false)
    for (const id of [1, 2, 3]) await waitFor(() => k.brokers.get(id)!.stderr().includes('replication throttles: leader unlimited, follower unlimited'), `broker ${id} unthrottled`, 20_000)
    // Asked again, nothing is left to clear.
    expect(await verify()).toBe('Status of partition reassignment:\nReassignment of partition thr-0 is completed.\n')
    await waitFor(() => k.state('thr', 0).isr.length === 3, 'the new replica in the ISR', 20_000)
    await waitFor(() => sameBytes(k.segments(spare, 'thr', 0), k.segments(before[0], 'thr', 0)), 'the new replica byte-identical', 20_000)
    await k.stopAll()
    expect(await consumeValues(c, 'thr')).toEqual(lines)
  }, 180_000)
})

describe('topic verify --replicas', () => {
  test('identical replicas pass; a changed batch below the high watermark and a short ISR member are reported per partition', async () => {
    const c = cli()
    const k = cluster(c)
    for (const id of [1, 2, 3]) await k.start(id)
    expect((await c.run(['topic', 'create', 'same', '--replication-factor', '3'])).exitCode).toBe(0)
    await waitFor(() => k.state('same', 0).leader >= 0, 'a leader', 20_000)
    const leaderId = k.state('same', 0).leader
    const toLeader = await producerTo(k.brokers.get(leaderId)!)
    try {
      for (let i = 0; i < 4; i++) expect((await toLeader.send('same', -1, [`v${i}`, `w${i}`])).errorCode).toBe(ErrorCode.NONE)
    } finally {
      toLeader.close()
    }
    await k.stopAll()
    const ok = await c.run(['topic', 'verify', 'same', '--replicas'])
    expect(ok.exitCode, String(ok.stderr)).toBe(0)
    expect(String(ok.stdout)).toContain(`partition 0: replicas identical up to the high watermark 8 (against broker ${leaderId}; `)
    expect(String(ok.stdout)).toContain('same: 1 partitions, 8 batches compared across replicas: OK')

    const [a, b] = [1, 2, 3].filter((id) => id !== leaderId)
    // The partition leader epoch lies outside the CRC: a batch still whole, but not the leader's.
    const segment = (id: number) => join(k.logDir(id), 'topics', 'same', '0', '00000000000000000000.log')
    const changed = readFileSync(segment(a))
    changed.writeInt32BE(7, changed.readInt32BE(8) + 12 + 12)
    writeFileSync(segment(a), changed)
    const short = readFileSync(segment(b))
    writeFileSync(segment(b), short.subarray(0, short.readInt32BE(8) + 12))
    const bad = await c.run(['topic', 'verify', 'same', '--replicas'])
    expect(bad.exitCode).toBe(EXIT.RUNTIME)
    expect(String(bad.stdout)).toContain(`partition 0: broker ${a}'s replica differs from broker ${leaderId}'s at batch 2-3`)
    expect(String(bad.stdout)).toContain(`partition 0: broker ${b}'s replica ends at offset 2, below the high watermark 8, though it is in the ISR`)
    expect(String(bad.stderr)).toMatch(/^logpipe: same: 1 partitions, \d+ batches compared across replicas: 1 partition\(s\) diverge\n/)
    expectCleanError(await c.run(['topic', 'create', 'single']).then(() => c.run(['topic', 'verify', 'single', '--replicas'])), EXIT.USAGE, /topic 'single' is not replicated/)
  }, 60_000)
})

describe('partitions added to a replicated topic', () => {
  test('topic alter --partitions and CreatePartitions place replicas as Kafka does, and running brokers lead and follow them at once', async () => {
    const c = cli()
    const k = cluster(c)
    for (const id of [1, 2, 3]) await k.start(id)
    expect((await c.run(['topic', 'create', 'grows', '--replication-factor', '2'])).exitCode).toBe(0)
    const altered = await c.run(['topic', 'alter', 'grows', '--partitions', '3'])
    expect(altered.exitCode, String(altered.stderr)).toBe(0)
    const kafka = new Kafka({clientId: 'grows-test', brokers: [...k.brokers.values()].map((b) => b.address), logLevel: logLevel.NOTHING, retry: {retries: 8}})
    const admin = kafka.admin()
    await admin.connect()
    try {
      await admin.createPartitions({topicPartitions: [{topic: 'grows', count: 5}]})
    } finally {
      await admin.disconnect()
    }
    const topic = JSON.parse(readFileSync(join(c.dataDir, 'topics', 'grows', 'topic.json'), 'utf8')) as {partitions: number; replicas: number[][]}
    expect(topic.partitions).toBe(5)
    expect(topic.replicas).toHaveLength(5)
    for (const r of topic.replicas) expect(new Set(r).size).toBe(2)
    // Round robin over the three brokers, going on from partition 0's first replica.
    const firsts = topic.replicas.map((r) => r[0])
    for (let p = 1; p < 5; p++) expect(firsts[p]).toBe([1, 2, 3][([1, 2, 3].indexOf(firsts[0]) + p) % 3])
    await waitFor(() => [0, 1, 2, 3, 4].every((p) => k.state('grows', p).leader === topic.replicas[p][0]), 'every new partition led by its preferred replica', 20_000)
    const producer = kafka.producer({allowAutoTopicCreation: false})
    await producer.connect()
    try {
      for (let p = 0; p < 5; p++) await producer.send({topic: 'grows', acks: -1, messages: [{partition: p, value: `p${p}`}]})
    } finally {
      await producer.disconnect()
    }
    for (let p = 0; p < 5; p++) {
      const [a, b] = topic.replicas[p]
      await waitFor(() => sameBytes(k.segments(a, 'grows', p), k.segments(b, 'grows', p)) && k.segments(a, 'grows', p).get('00000000000000000000.log')!.length > 0, `partition ${p} on both its replicas`, 10_000)
    }
    await k.stopAll()
    expect((await consumeValues(c, 'grows')).sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4'])
  }, 60_000)
})

describe('produce without a broker to a replicated topic', () => {
  test('refused with one line while no broker runs; through the brokers once they do', async () => {
    const c = cli()
    const k = cluster(c)
    for (const id of [1, 2]) await k.start(id)
    expect((await c.run(['topic', 'create', 'guarded', '--replication-factor', '2'])).exitCode).toBe(0)
    await waitFor(() => k.state('guarded', 0).leader >= 0, 'a leader', 20_000)
    // Both brokers have opened their replicas (each at its own scan) before they stop.
    await waitFor(() => [1, 2].every((id) => existsSync(join(k.logDir(id), 'topics', 'guarded', '0', '00000000000000000000.log'))), 'both replicas made', 20_000)
    await k.stopAll()
    const refused = await c.run(['produce', 'guarded'], {input: 'behind their backs\n'})
    expectCleanError(refused, EXIT.RUNTIME, /^logpipe: topic 'guarded' is replicated \(replication factor 2\): it is written through its brokers, and none is running$/)
    for (const id of [1, 2]) expect(k.segments(id, 'guarded', 0).get('00000000000000000000.log')!.length).toBe(0)

    for (const id of [1, 2]) await k.start(id)
    await waitFor(() => k.state('guarded', 0).leader >= 0 && k.state('guarded', 0).isr.length === 2, 'a leader and a full ISR', 20_000)
    const through = await c.run(['produce', 'guarded', '-X', 'acks=all'], {input: 'through the leader\n'})
    expect(through.exitCode, String(through.stderr)).toBe(0)
    await waitFor(() => sameBytes(k.segments(1, 'guarded', 0), k.segments(2, 'guarded', 0)) && k.segments(1, 'guarded', 0).get('00000000000000000000.log')!.length > 0, 'the record on both replicas', 10_000)
    await k.stopAll()
    expect(await consumeValues(c, 'guarded')).toEqual(['through the leader'])
  }, 60_000)
})

describe('a log dir that cannot be written', () => {
  test("the broker takes its replicas offline, others lead them, and it rejoins once the dir heals", async () => {
    const c = cli()
    const k = cluster(c)
    for (const id of [1, 2, 3]) await k.start(id)
    expect((await c.run(['topic', 'create', 'disk', '--replication-factor', '3', '--config', 'min.insync.replicas=2'])).exitCode).toBe(0)
    await waitFor(() => k.state('disk', 0).leader >= 0 && k.state('disk', 0).isr.length === 3, 'a leader and a full ISR', 20_000)
    const failed = k.state('disk', 0).leader
    const toOld = await producerTo(k.brokers.get(failed)!)
    try {
      expect((await toOld.send('disk', -1, ['before'])).errorCode).toBe(ErrorCode.NONE)
    } finally {
      toOld.close()
    }
    await setWritable(k.logDir(failed), false)
    try {
      await waitFor(() => k.state('disk', 0).leader >= 0 && k.state('disk', 0).leader !== failed, 'another leader', 20_000)
      expect(k.brokers.get(failed)!.stderr()).toMatch(/log dir .* cannot be written \(E[A-Z]+\): its 1 replica\(s\) go offline/)
      expect(k.state('disk', 0).isr).not.toContain(failed)
      const toNew = await producerTo(k.brokers.get(k.state('disk', 0).leader)!)
      try {
        let code = (await toNew.send('disk', -1, ['while the disk is out'])).errorCode
        const deadline = Date.now() + 10_000
        while (code === ErrorCode.NOT_LEADER_OR_FOLLOWER && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50))
          code = (await toNew.send('disk', -1, ['while the disk is out'])).errorCode
        }
        expect(code).toBe(ErrorCode.NONE)
      } finally {
        toNew.close()
      }
    } finally {
      await setWritable(k.logDir(failed), true)
    }
    await waitFor(() => k.state('disk', 0).isr.length === 3, 'the healed broker back in the ISR', 20_000)
    expect(k.brokers.get(failed)!.stderr()).toMatch(/can be written again/)
    await waitFor(() => sameBytes(k.segments(1, 'disk', 0), k.segments(2, 'disk', 0)) && sameBytes(k.segments(2, 'disk', 0), k.segments(3, 'disk', 0)), 'byte-identical replicas', 20_000)
    await k.stopAll()
    expect(await consumeValues(c, 'disk')).toEqual(['before', 'while the disk is out'])
  }, 90_000)
})
