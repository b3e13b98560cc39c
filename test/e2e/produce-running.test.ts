/**
 * A producer that keeps running while the topic changes under it: deleted
 * (it says so, naming the topic rather than its input, and how many records
 * it wrote before), or given more partitions (keyed records hash over the
 * new count once the producer has seen it, as Kafka's producer after a
 * metadata refresh), and a following consumer reads the new partitions.
 */
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {EXIT, STACK_LINE, library, lines, trackProcesses, watchOutput} from './support.js'

const running = trackProcesses()

/** Polls an asynchronous condition (a CLI run) to a deadline. */
async function waitUntil(cond: () => Promise<boolean>, what: string, deadlineMs = 20_000): Promise<void> {
  const deadline = Date.now() + deadlineMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
  }
}

describe('a topic deleted under a running producer', () => {
  test('ends it with exit 1 and a message naming the topic and the records written before', async () => {
    const {run} = cli()
    await run(['topic', 'create', 't'])
    const producer = run(['produce', 't', '--json', '--linger-ms', '0'])
    running.push(producer)
    producer.stdin!.write('a\nb\nc\n')
    await waitUntil(async () => lines((await run(['consume', 't', '-e'])).stdout).length === 3, 'the first three records in the log')
    expect(String((await run(['topic', 'delete', 't'])).exitCode)).toBe('0')
    // More input after the delete: the producer's next write finds the topic gone.
    producer.stdin!.write('d\ne\n')
    producer.stdin!.end()
    const r = await producer
    const stderr = String(r.stderr)
    expect(r.exitCode, stderr).toBe(EXIT.RUNTIME)
    // With --json the error is one JSON object on stderr (docs/JSON.md).
    expect(lines(stderr)).toHaveLength(1)
    const {error} = JSON.parse(lines(stderr)[0]) as {error: {message: string; code: string; hint: string}}
    expect(error.message).toMatch(/^topic 't' was deleted while producing; 3 records were written before it/)
    expect(error.code).toBe('TOPIC_DELETED')
    expect(error.hint).toMatch(/logpipe topic create t/)
    expect(stderr).not.toMatch(/cannot read|no such file/)
    expect(stderr).not.toMatch(STACK_LINE)
    // Only what was written before the delete was acknowledged.
    expect(lines(r.stdout).map((l) => JSON.parse(l).offset)).toEqual([0, 1, 2])
  })
})

describe('partitions added under a running producer', () => {
  test('keyed records written after `topic alter --partitions` land in the new partitions', async () => {
    const {run} = cli()
    const {partitionForKey} = await library()
    await run(['topic', 'create', 't'])
    const producer = run(['produce', 't', '-K:', '--linger-ms', '0'])
    running.push(producer)
    let written = 0
    const writeKeys = (n: number) => {
      let text = ''
      for (let i = 0; i < n; i++, written++) text += `key-${written}:v${written}\n`
      producer.stdin!.write(text)
    }
    type Row = {partition: number; key: string}
    const records = async (): Promise<Row[]> => lines((await run(['consume', 't', '-e', '--json'])).stdout).map((l) => JSON.parse(l))
    writeKeys(10)
    await waitUntil(async () => (await records()).length === 10, 'the first records in the log')
    expect(String((await run(['topic', 'alter', 't', '--partitions', '4'])).exitCode)).toBe('0')
    // The producer sees the new count at its next burst; keep writing until it has.
    await waitUntil(async () => {
      writeKeys(20)
      return (await records()).some((r) => r.partition > 0)
    }, 'a record in a new partition')
    producer.stdin!.end()
    const r = await producer
    expect(r.exitCode, String(r.stderr)).toBe(0)
    const all = await records()
    expect(all.length).toBe(written)
    for (const row of all) {
      // Each record is where the hash over 1 or over 4 partitions puts it: nothing in between.
      const key = Buffer.from(row.key)
      expect([0, partitionForKey(key, 4)]).toContain(row.partition)
    }
    expect(all.slice(0, 10).every((row) => row.partition === 0)).toBe(true)
  })
})

describe('partitions added under a following consumer', () => {
  test('`consume` without -p reads the new partitions from their start', async () => {
    const {run} = cli()
    await run(['topic', 'create', 't'])
    await run(['produce', 't'], {input: 'old\n'})
    const consumer = run(['consume', 't', '-F', '%p %s\n'])
    running.push(consumer)
    const out = watchOutput(consumer)
    await out.until((s) => s.includes('0 old\n'), 'the first record')
    expect(String((await run(['topic', 'alter', 't', '--partitions', '3'])).exitCode)).toBe('0')
    await run(['produce', 't', '-p', '2'], {input: 'new\n'})
    await out.until((s) => s.includes('2 new\n'), 'the record in the new partition')
    consumer.kill('SIGINT')
    await consumer
  })
})
