/**
 * ListOffsets v7 with a client nobody here wrote: @platformatic/kafka's
 * admin (a dev dependency; it sends the highest ListOffsets version both
 * sides know, 7 against our broker) asks for -3, the record with the
 * largest timestamp (KIP-734), beside earliest, latest and a time, on
 * records the CLI wrote to the files before the broker started.
 */
import {describe, expect, test} from 'vitest'
import {Admin} from '@platformatic/kafka'
import {cli} from '../helpers/cli.js'
import {startBroker} from '../helpers/broker.js'

describe('ListOffsets v7 from @platformatic/kafka', () => {
  test('-3 answers the first record with the largest timestamp; -2, -1 and a time as before; an empty partition -1', async () => {
    const c = cli()
    await c.run(['topic', 'create', 'times', '--partitions', '2'])
    const t0 = Date.now() - 60_000
    const stamps = [0, 4000, 1000, 4000, 2000]
    const lines = stamps.map((ts, i) => JSON.stringify({value: `v${i}`, timestamp: t0 + ts, partition: 0})).join('\n')
    await c.run(['produce', 'times', '--input', 'json'], {input: `${lines}\n`})
    const broker = await startBroker(c.env)
    const admin = new Admin({clientId: 'logpipe-test', bootstrapBrokers: [broker.address], retries: 1})
    try {
      const ask = async (timestamp: bigint) => {
        const topics = await admin.listOffsets({topics: [{name: 'times', partitions: [0, 1].map((partitionIndex) => ({partitionIndex, timestamp}))}]})
        return topics[0].partitions.sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => [p.offset, p.timestamp])
      }
      expect(await ask(-3n)).toEqual([
        [1n, BigInt(t0 + 4000)],
        [-1n, -1n],
      ])
      expect((await ask(-2n)).map(([offset]) => offset)).toEqual([0n, 0n])
      expect((await ask(-1n)).map(([offset]) => offset)).toEqual([5n, 0n])
      expect((await ask(BigInt(t0 + 1500)))[0]).toEqual([1n, BigInt(t0 + 4000)])
    } finally {
      await admin.close()
    }
    expect(broker.stderr()).not.toMatch(/unsupported|closed/i)
  })
})
