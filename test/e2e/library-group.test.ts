/**
 * A consumer group shared by the library and the CLI: a library consumer
 * and a `logpipe consume -g` process split a topic's partitions; when the
 * CLI member stops (SIGTERM, a clean leave) the library member takes its
 * partitions from the offsets the CLI committed, and every record is
 * handled, none skipped.
 */
import {expect, test} from 'vitest'
import {Logpipe, logLevel, AssignerProtocol} from '../../src/index.js'
import {cli} from '../helpers/cli.js'
import {trackProcesses, waitFor} from './support.js'

const running = trackProcesses()

test('a library consumer and a consume -g process share a group and hand partitions over', async () => {
  const c = cli()
  const logpipe = new Logpipe({dataDir: c.dataDir, logLevel: logLevel.NOTHING})
  const admin = logpipe.admin()
  await admin.connect()
  await admin.createTopics({topics: [{topic: 't', numPartitions: 4}]})
  const producer = logpipe.producer()
  await producer.connect()
  const round = (r: number) => producer.send({topic: 't', messages: [0, 1, 2, 3].map((partition) => ({value: `r${r}`, partition}))})

  const library: string[] = []
  const consumer = logpipe.consumer({groupId: 'mixed'})
  await consumer.connect()
  await consumer.subscribe({topics: ['t'], fromBeginning: true})
  await consumer.run({eachMessage: async ({partition, message}) => void library.push(`${partition} ${message.value}`)})

  const proc = c.run(['consume', 't', '-g', 'mixed', '-F', '%p %s\\n'])
  running.push(proc)
  let cliOut = ''
  proc.stdout!.on('data', (d: Buffer) => (cliOut += d.toString()))

  // Stable: each member owns what the assignment gives it (the hand-over is done).
  const shares = async () => {
    const {groups} = await admin.describeGroups(['mixed'])
    return groups[0].state === 'Stable' ? groups[0].members.map((m) => AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment.t ?? []) : []
  }
  let last: number[][] = []
  const deadline = Date.now() + 20_000
  while (!(last.length === 2 && last.every((s) => s.length === 2))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for a stable group of two members of two partitions; last: ${JSON.stringify(last)}`)
    last = await shares()
    await new Promise((r) => setTimeout(r, 25))
  }
  expect(last.flat().sort()).toEqual([0, 1, 2, 3])

  await round(1)
  await waitFor(() => library.length + cliOut.split('\n').filter(Boolean).length === 4, 'round 1 handled by the two members')
  const cliLines = cliOut.split('\n').filter(Boolean)
  expect(cliLines).toHaveLength(2)
  expect(library).toHaveLength(2)

  proc.kill('SIGTERM')
  const result = await proc
  expect(result.exitCode, String(result.stderr)).toBe(0)
  await round(2)
  await waitFor(() => library.filter((l) => l.endsWith('r2')).length === 4, 'round 2 all at the library member')
  await consumer.disconnect()
  await producer.disconnect()
  expect([...library, ...cliLines].sort()).toEqual(['0 r1', '0 r2', '1 r1', '1 r2', '2 r1', '2 r2', '3 r1', '3 r2'])
  const [offsets] = await admin.fetchOffsets({groupId: 'mixed', topics: ['t']})
  expect(offsets.partitions.map((p) => p.offset)).toEqual(['2', '2', '2', '2'])
})
