/**
 * kill -9 of a broker under load from kcat with acks=all: every record
 * kcat was told is delivered (librdkafka's delivery report, offset
 * included) is in the log after a restart, at that offset, and nothing
 * in the log is anything but a record kcat sent.
 */
import {execa} from 'execa'
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {startBroker} from '../helpers/broker.js'
import {waitFor} from './support.js'

describe('a broker killed under load', () => {
  test('loses no record it acknowledged (acks=all)', async () => {
    const c = cli()
    await c.run(['topic', 'create', 'load'])
    const broker = await startBroker(c.env)
    const producer = execa('kcat', ['-b', broker.address, '-P', '-t', 'load', '-p', '0', '-v', '-v', '-v', '-X', 'acks=all', '-X', 'message.timeout.ms=2000', '-X', 'linger.ms=1'], {
      reject: false,
      timeout: 60_000,
    })
    const delivered = new Set<number>()
    let stderr = ''
    producer.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      for (const m of stderr.matchAll(/Message delivered to partition 0 \(offset (\d+)\)/g)) delivered.add(Number(m[1]))
    })
    producer.stdin?.on('error', () => {})
    let sent = 0
    const feed = setInterval(() => {
      let chunk = ''
      for (let k = 0; k < 200; k++) chunk += `r${sent++}\n`
      producer.stdin?.write(chunk)
    }, 2)
    try {
      await waitFor(() => delivered.size >= 2000, '2000 deliveries', 30_000)
      broker.proc.kill('SIGKILL')
      await broker.proc
    } finally {
      clearInterval(feed)
      producer.stdin?.end()
    }
    await producer
    expect(delivered.size).toBeGreaterThanOrEqual(2000)

    // The next broker recovers the log; what it holds is read from the files.
    const next = await startBroker(c.env)
    await next.stop()
    const r = await c.run(['consume', 'load', '-e', '-F', '%o %s\n'])
    expect(r.exitCode, String(r.stderr)).toBe(0)
    const log = new Map<number, string>()
    for (const line of String(r.stdout).split('\n').filter(Boolean)) {
      const [offset, value] = line.split(' ')
      log.set(Number(offset), value)
    }
    const missing = [...delivered].filter((o) => !log.has(o))
    expect(missing, `acknowledged offsets missing after the restart`).toEqual([])
    // Only what kcat sent, each once.
    const values = [...log.values()]
    expect(values.every((v) => /^r\d+$/.test(v) && Number(v.slice(1)) < sent)).toBe(true)
    expect(new Set(values).size).toBe(values.length)
  })
})
