/**
 * The kafkajs-shaped consumer: a group member that hands records to
 * eachMessage / eachBatch in kafkajs's payload shapes and commits only what
 * its handlers finished; two members share the partitions and the survivor
 * takes all of them when the other disconnects.
 */
import {describe, expect, test} from 'vitest'
import {type EachMessagePayload, type GroupJoinPayload, type InstrumentationEvent, type KafkaMessage, RebalanceError, RetriesExceededError, UsageError} from '../../src/index.js'
import {newLogpipe, until} from './support.js'

async function seed(logpipe: ReturnType<typeof newLogpipe>['logpipe'], topic: string, partitions: number, perPartition: number) {
  const admin = logpipe.admin()
  await admin.connect()
  await admin.createTopics({topics: [{topic, numPartitions: partitions}]})
  const producer = logpipe.producer()
  await producer.connect()
  for (let p = 0; p < partitions; p++) {
    await producer.send({topic, messages: Array.from({length: perPartition}, (_, i) => ({value: `p${p}-${i}`, partition: p, key: `k${i}`, headers: {h: 'v', twice: ['a', 'b']}, timestamp: String(1000 + i)}))})
  }
  await producer.disconnect()
  return admin
}

describe('consumer', () => {
  test('eachMessage gets kafkajs payloads from the beginning and the group commits what was handled', async () => {
    const {logpipe} = newLogpipe()
    const admin = await seed(logpipe, 't', 2, 3)
    const consumer = logpipe.consumer({groupId: 'g'})
    await consumer.connect()
    await consumer.subscribe({topics: ['t'], fromBeginning: true})
    const seen: EachMessagePayload[] = []
    const joins: InstrumentationEvent<GroupJoinPayload>[] = []
    consumer.on(consumer.events.GROUP_JOIN, (e) => joins.push(e))
    const commits: unknown[] = []
    consumer.on(consumer.events.COMMIT_OFFSETS, (e) => commits.push(e.payload))
    await consumer.run({eachMessage: async (payload) => void seen.push(payload)})
    await until(() => seen.length === 6, 'six messages')
    await consumer.disconnect()

    const first = seen.find((s) => s.partition === 0)!
    expect(first.topic).toBe('t')
    const m: KafkaMessage = first.message
    expect({key: m.key?.toString(), value: m.value?.toString(), offset: m.offset, timestamp: m.timestamp, attributes: m.attributes}).toEqual({key: 'k0', value: 'p0-0', offset: '0', timestamp: '1000', attributes: 0})
    expect(m.headers).toEqual({h: Buffer.from('v'), twice: [Buffer.from('a'), Buffer.from('b')]})
    expect(m.size).toBeGreaterThan(10)
    expect(seen.filter((s) => s.partition === 1).map((s) => s.message.value?.toString())).toEqual(['p1-0', 'p1-1', 'p1-2'])
    expect(joins[0].payload).toMatchObject({groupId: 'g', groupProtocol: 'range', memberAssignment: {t: [0, 1]}, isLeader: true})
    expect(commits.length).toBeGreaterThan(0)
    expect(await admin.fetchOffsets({groupId: 'g', topics: ['t']})).toEqual([
      {topic: 't', partitions: [{partition: 0, offset: '3', metadata: null}, {partition: 1, offset: '3', metadata: null}]},
    ])
  })

  test('without fromBeginning a new group starts at the end; a second run resumes from the committed offset', async () => {
    const {logpipe} = newLogpipe()
    await seed(logpipe, 't', 1, 2)
    const producer = logpipe.producer()
    await producer.connect()
    const consumer = logpipe.consumer({groupId: 'late'})
    await consumer.connect()
    await consumer.subscribe({topic: 't'})
    const values: string[] = []
    await consumer.run({eachMessage: async ({message}) => void values.push(message.value!.toString())})
    await producer.send({topic: 't', messages: [{value: 'new'}]})
    await until(() => values.length === 1, 'the new record')
    await consumer.stop()
    await producer.send({topic: 't', messages: [{value: 'after'}]})
    await consumer.run({eachMessage: async ({message}) => void values.push(message.value!.toString())})
    await until(() => values.length === 2, 'the record sent while stopped')
    await consumer.disconnect()
    await producer.disconnect()
    expect(values).toEqual(['new', 'after'])
  })

  test('eachBatch: resolveOffset, isRunning, isStale, and an unresolved batch is not committed with eachBatchAutoResolve off', async () => {
    const {logpipe} = newLogpipe()
    const admin = await seed(logpipe, 't', 1, 4)
    const consumer = logpipe.consumer({groupId: 'b'})
    await consumer.connect()
    await consumer.subscribe({topics: [/^t$/], fromBeginning: true})
    const batches: string[][] = []
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({batch, resolveOffset, isRunning, isStale, commitOffsetsIfNecessary, uncommittedOffsets}) => {
        batches.push(batch.messages.map((m) => m.offset))
        expect(isRunning()).toBe(true)
        expect(isStale()).toBe(false)
        expect(batch.highWatermark).toBe('4')
        expect(batch.firstOffset()).toBe(batch.messages[0].offset)
        resolveOffset(batch.messages[1].offset)
        expect(uncommittedOffsets()).toEqual({topics: [{topic: 't', partitions: [{partition: 0, offset: '2'}]}]})
        await commitOffsetsIfNecessary()
      },
    })
    await until(() => batches.length >= 1, 'a batch')
    await consumer.stop()
    expect(batches[0]).toEqual(['0', '1', '2', '3'])
    expect((await admin.fetchOffsets({groupId: 'b', topics: ['t']}))[0].partitions[0].offset).toBe('2')
    await consumer.disconnect()
  })

  test('autoCommit off: nothing is committed until commitOffsets, which refuses partitions the member does not own', async () => {
    const {logpipe} = newLogpipe()
    const admin = await seed(logpipe, 't', 1, 2)
    const consumer = logpipe.consumer({groupId: 'manual'})
    await consumer.connect()
    await consumer.subscribe({topics: ['t'], fromBeginning: true})
    let n = 0
    await consumer.run({autoCommit: false, eachMessage: async () => void n++})
    await until(() => n === 2, 'two messages')
    expect((await admin.fetchOffsets({groupId: 'manual', topics: ['t']}))[0].partitions[0].offset).toBe('-1')
    await consumer.commitOffsets([{topic: 't', partition: 0, offset: '1'}])
    expect((await admin.fetchOffsets({groupId: 'manual', topics: ['t']}))[0].partitions[0].offset).toBe('1')
    await admin.createTopics({topics: [{topic: 'other'}]})
    await expect(consumer.commitOffsets([{topic: 'other', partition: 0, offset: '0'}])).rejects.toBeInstanceOf(RebalanceError)
    await consumer.disconnect()
    // Leaving does not commit either.
    expect((await admin.fetchOffsets({groupId: 'manual', topics: ['t']}))[0].partitions[0].offset).toBe('1')
  })

  test('seek hands out records again from the offset sought; pause stops a partition until resume', async () => {
    const {logpipe} = newLogpipe()
    await seed(logpipe, 't', 2, 3)
    const consumer = logpipe.consumer({groupId: 's'})
    await consumer.connect()
    await consumer.subscribe({topics: ['t'], fromBeginning: true})
    const seen: string[] = []
    let paused = false
    await consumer.run({
      eachMessage: async ({partition, message, pause}) => {
        seen.push(`${partition}:${message.offset}`)
        if (partition === 1 && message.offset === '0' && !paused) {
          paused = true
          pause()
        }
      },
    })
    await until(() => seen.filter((s) => s.startsWith('0:')).length === 3 && seen.some((s) => s.startsWith('1:')), 'partition 0, and partition 1 paused')
    expect(seen.filter((s) => s.startsWith('1:'))).toEqual(['1:0'])
    expect(consumer.paused()).toEqual([{topic: 't', partitions: [1]}])
    consumer.seek({topic: 't', partition: 0, offset: '1'})
    await until(() => seen.filter((s) => s.startsWith('0:')).length === 5, 'partition 0 again from offset 1')
    consumer.resume([{topic: 't', partitions: [1]}])
    await until(() => seen.filter((s) => s.startsWith('1:')).length === 3, 'partition 1 after resume')
    await consumer.disconnect()
    expect(seen.filter((s) => s.startsWith('0:'))).toEqual(['0:0', '0:1', '0:2', '0:1', '0:2'])
    expect(seen.filter((s) => s.startsWith('1:'))).toEqual(['1:0', '1:1', '1:2'])
  })

  test('a handler that keeps failing is retried with the same message, then CRASH with RetriesExceededError', async () => {
    const {logpipe} = newLogpipe()
    const admin = await seed(logpipe, 't', 1, 2)
    const consumer = logpipe.consumer({groupId: 'c', retry: {retries: 2, initialRetryTime: 1, restartOnFailure: async () => false}})
    await consumer.connect()
    await consumer.subscribe({topics: ['t'], fromBeginning: true})
    const offsets: string[] = []
    let crash: {error: Error; restart: boolean} | null = null
    consumer.on(consumer.events.CRASH, (e) => (crash = e.payload))
    await consumer.run({
      eachMessage: async ({message}) => {
        offsets.push(message.offset)
        if (message.offset === '1') throw new Error('boom')
      },
    })
    await until(() => crash !== null, 'the crash')
    expect(offsets).toEqual(['0', '1', '1', '1'])
    expect(crash!.error).toBeInstanceOf(RetriesExceededError)
    expect(((crash!.error as RetriesExceededError).cause as Error).message).toBe('boom')
    expect(crash!.restart).toBe(false)
    // What was handled before the failure is committed when the member leaves.
    expect((await admin.fetchOffsets({groupId: 'c', topics: ['t']}))[0].partitions[0].offset).toBe('1')
    await consumer.disconnect()
  })

  test('two consumers of one group share the partitions; when one disconnects the other takes them all, with nothing lost', async () => {
    const {logpipe} = newLogpipe()
    await seed(logpipe, 't', 4, 0)
    const producer = logpipe.producer()
    await producer.connect()
    const seen = new Map<string, string[]>()
    const assignments = new Map<string, number[]>()
    const member = async (name: string) => {
      const c = logpipe.consumer({groupId: 'shared'})
      c.on(c.events.GROUP_JOIN, (e) => assignments.set(name, e.payload.memberAssignment.t ?? []))
      await c.connect()
      await c.subscribe({topics: ['t'], fromBeginning: true})
      seen.set(name, [])
      await c.run({eachMessage: async ({partition, message}) => void seen.get(name)!.push(`${partition}:${message.value}`)})
      return c
    }
    const a = await member('a')
    const b = await member('b')
    await until(() => (assignments.get('a')?.length ?? 0) === 2 && (assignments.get('b')?.length ?? 0) === 2, 'two partitions each')
    expect([...assignments.get('a')!, ...assignments.get('b')!].sort()).toEqual([0, 1, 2, 3])
    const sendRound = (round: number) => producer.send({topic: 't', messages: [0, 1, 2, 3].map((p) => ({value: `r${round}`, partition: p}))})
    await sendRound(1)
    await until(() => seen.get('a')!.length + seen.get('b')!.length === 4, 'round 1')
    expect(seen.get('a')!.map((s) => Number(s[0])).sort()).toEqual(assignments.get('a'))
    await b.disconnect()
    await until(() => assignments.get('a')?.length === 4, 'a owning all four')
    await sendRound(2)
    await until(() => seen.get('a')!.filter((s) => s.endsWith('r2')).length === 4, 'round 2 at a')
    await a.disconnect()
    await producer.disconnect()
    const all = [...seen.get('a')!, ...seen.get('b')!].sort()
    expect(all).toEqual(['0:r1', '0:r2', '1:r1', '1:r2', '2:r1', '2:r2', '3:r1', '3:r2'])
  })

  test('run before subscribe, and methods before connect, are usage errors', async () => {
    const {logpipe} = newLogpipe()
    const consumer = logpipe.consumer({groupId: 'u'})
    await expect(consumer.subscribe({topics: ['t']})).rejects.toBeInstanceOf(UsageError)
    await consumer.connect()
    await expect(consumer.run({eachMessage: async () => {}})).rejects.toThrow(/subscribe to a topic first/)
    expect(() => logpipe.consumer({groupId: '../x'})).toThrow(UsageError)
  })
})

describe('consumer run options', () => {
  test('partitionsConsumedConcurrently hands batches of several partitions out at once', async () => {
    const {logpipe} = newLogpipe()
    await seed(logpipe, 't', 2, 1)
    const consumer = logpipe.consumer({groupId: 'conc'})
    await consumer.connect()
    await consumer.subscribe({topics: ['t'], fromBeginning: true})
    const started = new Set<number>()
    const done: number[] = []
    await consumer.run({
      partitionsConsumedConcurrently: 2,
      eachMessage: async ({partition}) => {
        started.add(partition)
        // Each handler waits for the other partition's to start: only concurrent handling gets past this.
        await until(() => started.size === 2, 'both partitions in handlers at once')
        done.push(partition)
      },
    })
    await until(() => done.length === 2, 'both handlers done')
    await consumer.disconnect()
  })

  test('autoCommitThreshold commits between messages; a RegExp subscribes to the matching topics only', async () => {
    const {logpipe} = newLogpipe()
    await seed(logpipe, 'orders', 1, 4)
    await seed(logpipe, 'orders-eu', 1, 2)
    await seed(logpipe, 'users', 1, 1)
    const consumer = logpipe.consumer({groupId: 'th'})
    await consumer.connect()
    await consumer.subscribe({topics: [/^orders/], fromBeginning: true})
    const commits: string[] = []
    consumer.on(consumer.events.COMMIT_OFFSETS, (e) => commits.push(e.payload.topics.map((t) => t.partitions.map((p) => `${t.topic}@${p.offset}`).join()).join()))
    const topics = new Set<string>()
    let n = 0
    await consumer.run({autoCommitThreshold: 2, eachMessage: async ({topic}) => void (topics.add(topic), n++)})
    await until(() => n === 6, 'six orders')
    await consumer.disconnect()
    expect([...topics].sort()).toEqual(['orders', 'orders-eu'])
    expect(commits).toContain('orders@2')
    expect(commits).toContain('orders@4')
  })

  test('stop() and disconnect() from inside eachMessage end the run after the handler returns', async () => {
    const {logpipe} = newLogpipe()
    const admin = await seed(logpipe, 't', 1, 3)
    const consumer = logpipe.consumer({groupId: 'self-stop'})
    await consumer.connect()
    await consumer.subscribe({topics: ['t'], fromBeginning: true})
    let stopped = false
    consumer.on(consumer.events.STOP, () => (stopped = true))
    const seen: string[] = []
    await consumer.run({
      eachMessage: async ({message}) => {
        seen.push(message.offset)
        if (message.offset === '1') await consumer.disconnect()
      },
    })
    await until(() => stopped, 'the stop')
    expect(seen).toEqual(['0', '1'])
    expect((await admin.fetchOffsets({groupId: 'self-stop', topics: ['t']}))[0].partitions[0].offset).toBe('2')
  })
})

describe('consumer events', () => {
  test('on() returns the remover; a listener that throws is logged and the others still hear the event; unknown names are refused', async () => {
    const {logpipe, logs} = newLogpipe()
    await seed(logpipe, 't', 1, 1)
    const consumer = logpipe.consumer({groupId: 'ev'})
    const heard: string[] = []
    const remove = consumer.on(consumer.events.CONNECT, () => heard.push('removed'))
    consumer.on(consumer.events.CONNECT, () => {
      throw new Error('listener bug')
    })
    consumer.on(consumer.events.CONNECT, (e) => heard.push(e.type))
    remove()
    await consumer.connect()
    expect(heard).toEqual(['consumer.connect'])
    expect(logs.some((l) => l.label === 'ERROR' && l.log.message.includes('listener bug'))).toBe(true)
    expect(() => consumer.on('consumer.nope' as never, () => {})).toThrow(UsageError)
    await consumer.disconnect()
  })
})

describe('consumer rebalance', () => {
  test('a partition taken away mid-batch: the batch sees isStale(), what it resolved is committed, and the new owner goes on from there', async () => {
    const {logpipe} = newLogpipe()
    await seed(logpipe, 't', 2, 10)
    const handled: string[] = []
    let bOwns = false
    let sawStale = false
    const a = logpipe.consumer({groupId: 'reb'})
    await a.connect()
    await a.subscribe({topics: ['t'], fromBeginning: true})
    await a.run({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 2,
      eachBatch: async ({batch, resolveOffset, isStale}) => {
        for (const m of batch.messages) {
          if (isStale()) {
            sawStale = true
            break
          }
          handled.push(`${batch.partition}:${m.offset}`)
          resolveOffset(m.offset)
          // Both batches hold here until one of them is taken away (and handed to the second member).
          if (m.offset === '2') await until(() => isStale() || bOwns, 'a partition taken away')
        }
      },
    })
    const b = logpipe.consumer({groupId: 'reb'})
    b.on(b.events.GROUP_JOIN, (e) => (bOwns = (e.payload.memberAssignment.t ?? []).length > 0))
    await b.connect()
    await b.subscribe({topics: ['t'], fromBeginning: true})
    await b.run({eachMessage: async ({partition, message}) => void handled.push(`${partition}:${message.offset}`)})
    await until(() => new Set(handled).size === 20, 'all twenty records handled')
    await a.disconnect()
    await b.disconnect()
    expect(sawStale).toBe(true)
    // Nothing skipped, nothing handled twice: the new owner started where the old one's handler stopped.
    expect(handled).toHaveLength(20)
    expect(handled.filter((h) => h.endsWith(':3'))).toHaveLength(2)
  })
})
