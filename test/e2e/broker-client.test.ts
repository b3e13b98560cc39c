/**
 * The CLI through a broker (our own client: kafka-client.ts,
 * produce-sender.ts, fetch-session.ts): produce and consume with
 * --bootstrap-server give what the file path gives, byte for byte; with a
 * live broker in the data dir the commands follow it, and fall back to the
 * files once it stopped; an unreachable server is one clean line; kcat
 * reads what went through our client.
 */
import {writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'
import {execa} from 'execa'
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {startBroker} from '../helpers/broker.js'
import {EXIT, expectCleanError, expectOk, randomRecords} from './support.js'

/** Text records without the delimiter or the key separator. */
function keyedLines(seed: number, n: number): string {
  const keys = randomRecords(seed, n, 12, 0x0a).map((b) => Buffer.from(b.filter((x) => x !== 0x3a)).toString('hex'))
  const values = randomRecords(seed + 1, n, 80, 0x0a).map((b) => Buffer.from(b).toString('base64'))
  return keys.map((k, i) => `${k}:${values[i]}\n`).join('')
}

/** A port nothing listens on: bound, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as {port: number}).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

const FORMAT = '%t %p %o %T %K:%k %S:%s %h\n'

describe('produce and consume through a broker', () => {
  test('--bootstrap-server produce then consume reads what the file path reads, in every output form', async () => {
    const files = cli()
    const wire = cli()
    const input = keyedLines(31, 400)
    for (const c of [files, wire]) expectOk(await c.run(['topic', 'create', 'orders', '--partitions', '3']))
    const broker = await startBroker(wire.env)
    const viaFiles = await files.run(['produce', 'orders', '-K:', '--json'], {input})
    const viaWire = await wire.run(['produce', 'orders', '-K:', '--json', '--bootstrap-server', broker.address], {input})
    expectOk(viaFiles)
    expectOk(viaWire)
    // The same partitions (murmur2 over the same keys) and offsets, acknowledged in the same form.
    expect(String(viaWire.stdout).split('\n').sort()).toEqual(String(viaFiles.stdout).split('\n').sort())

    const forms = [['-F', FORMAT, '-p', '1'], ['--json', '-o', '-5'], ['-J', '-o', '7', '-p', '2'], ['-K', '=', '-o', 'beginning'], ['-o', 'end'], ['--json', '-o', '@0']]
    const throughBroker: string[] = []
    for (const args of forms) {
      const r = await wire.run(['consume', 'orders', '-e', '--bootstrap-server', broker.address, ...args])
      expectOk(r)
      throughBroker.push(String(r.stdout))
    }
    await broker.stop()
    // Partitions interleave by read timing; within one partition the order is the log's.
    const sorted = (s: string) => s.split('\n').sort().join('\n')
    for (const [i, args] of forms.entries()) {
      const r = await wire.run(['consume', 'orders', '-e', ...args])
      expectOk(r)
      const want = String(r.stdout)
      expect(args.includes('-p') ? throughBroker[i] : sorted(throughBroker[i]), args.join(' ')).toBe(args.includes('-p') ? want : sorted(want))
      if (!args.includes('end')) expect(want.length, args.join(' ')).toBeGreaterThan(0)
    }
  })

  test('with a live broker in the data dir the commands go through it; once it stopped they use the files', async () => {
    const c = cli()
    expectOk(await c.run(['topic', 'create', 'follow']))
    const broker = await startBroker(c.env)
    // The broker leads the partition (holds its lock): only a write through it can land while it runs.
    const p = await c.run(['produce', 'follow', '--json'], {input: 'a\nb\n', timeout: 30_000})
    expectOk(p)
    expect(String(p.stdout)).toBe('{"topic":"follow","partition":0,"offset":0}\n{"topic":"follow","partition":0,"offset":1}\n')
    const r = await c.run(['consume', 'follow', '-e'])
    expectOk(r)
    expect(String(r.stdout)).toBe('a\nb\n')
    await broker.stop()
    const after = await c.run(['produce', 'follow', '--json'], {input: 'c\n'})
    expectOk(after)
    expect(String(after.stdout)).toBe('{"topic":"follow","partition":0,"offset":2}\n')
    const all = await c.run(['consume', 'follow', '-e'])
    expect(String(all.stdout)).toBe('a\nb\nc\n')
  })

  test('a broker killed without deregistering is taken for gone: the commands use the files at once', async () => {
    const c = cli()
    expectOk(await c.run(['topic', 'create', 'gone']))
    const broker = await startBroker(c.env)
    expectOk(await c.run(['produce', 'gone'], {input: 'before\n'}))
    broker.proc.kill('SIGKILL')
    await broker.proc
    // brokers/0.json is still there; its pid is not.
    const p = await c.run(['produce', 'gone', '--json'], {input: 'after\n', timeout: 30_000})
    expect(p.exitCode, String(p.stderr)).toBe(0)
    expect(String(p.stdout)).toBe('{"topic":"gone","partition":0,"offset":1}\n')
    expect(String((await c.run(['consume', 'gone', '-e'])).stdout)).toBe('before\nafter\n')
  })

  test('consume through a broker follows the log: a record produced later arrives, -o end starts after what is there', async () => {
    const c = cli()
    expect((await c.run(['produce', 'live', '--create', '-q'], {input: 'old\n'})).exitCode).toBe(0)
    const broker = await startBroker(c.env)
    const reader = c.run(['consume', 'live', '-o', 'end', '-c', '2', '--bootstrap-server', broker.address], {timeout: 30_000})
    // The reader has resolved its start once its first Fetch reached the broker; produce until it has both.
    const deadline = Date.now() + 20_000
    let n = 0
    while (reader.exitCode === null && Date.now() < deadline) {
      expectOk(await c.run(['produce', 'live', '--bootstrap-server', broker.address], {input: `new${n++}\n`}))
      await Promise.race([reader, new Promise((resolve) => setTimeout(resolve, 200))])
    }
    const r = await reader
    expectOk(r)
    const got = String(r.stdout).split('\n').filter(Boolean)
    expect(got).toHaveLength(2)
    for (const line of got) expect(line).toMatch(/^new\d+$/)
  })

  test('an unreachable server is one line with the address and the cause, exit 1, and a hint', async () => {
    const c = cli()
    const port = await closedPort()
    for (const args of [['produce', 't'], ['consume', 't', '-e'], ['consume', 't', '-g', 'g', '-e']]) {
      const r = await c.run([...args, '--bootstrap-server', `127.0.0.1:${port}`], {input: 'x\n'})
      expectCleanError(r, EXIT.RUNTIME, new RegExp(`^logpipe: cannot reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)$`))
      expect(String(r.stderr)).toMatch(/^hint: /m)
    }
    const env = await c.run(['produce', 't'], {input: 'x\n', env: {...c.env, LOGPIPE_BOOTSTRAP_SERVERS: `127.0.0.1:${port}`}})
    expectCleanError(env, EXIT.RUNTIME, /cannot reach/)
    const bad = await c.run(['produce', 't', '--bootstrap-server', 'localhost'], {input: 'x\n'})
    expectCleanError(bad, EXIT.USAGE, /--bootstrap-server: 'localhost' is not HOST:PORT/)
  })

  test('-X and --command-config take the client settings: acks, idempotence, batch.size; a bad value is a usage error', async () => {
    const c = cli()
    const broker = await startBroker(c.env)
    const config = join(c.base, 'client.properties')
    writeFileSync(config, `# as kafka-console-producer reads it\nbootstrap.servers=${broker.address}\nenable.idempotence = true\nacks: all\n`)
    const input = Array.from({length: 60}, (_, i) => `record-${i}\n`).join('')
    expectOk(await c.run(['produce', 'idem', '--create', '-q', '--command-config', config, '-X', 'batch.size=200'], {input}))
    const dump = await c.run(['dump', 'idem/0'])
    expectOk(dump)
    const batches = String(dump.stdout).split('\n').filter((l) => l.startsWith('baseOffset:'))
    expect(batches.length).toBeGreaterThan(2)
    // One producer id for all, and each batch's sequence continues the last's: the broker could drop a retried duplicate.
    let next = 0
    for (const b of batches) {
      const m = /baseOffset: (\d+) lastOffset: (\d+) .*baseSequence: (-?\d+) .*producerId: (-?\d+) producerEpoch: (-?\d+)/.exec(b)
      expect(m, b).not.toBeNull()
      expect(Number(m![3])).toBe(next)
      expect(Number(m![4])).toBeGreaterThanOrEqual(0)
      next += Number(m![2]) - Number(m![1]) + 1
    }
    expect(next).toBe(60)
    const r = await c.run(['consume', 'idem', '-e', '--command-config', config])
    expect(String(r.stdout)).toBe(input)
    expectCleanError(await c.run(['produce', 'idem', '-X', 'acks=2'], {input: 'x\n'}), EXIT.USAGE, /-X acks: '2' is not one of/)
    expectCleanError(await c.run(['produce', 'idem', '-X', 'sasl.mechanism=GSSAPI'], {input: 'x\n'}), EXIT.USAGE, /-X sasl.mechanism: 'GSSAPI'/)
  })

  test('idempotence is on by default with acks=all, off with acks=1 left unset, and refused asked for with acks=1', async () => {
    const c = cli()
    const broker = await startBroker(c.env)
    const producerIds = async (topic: string): Promise<number[]> => {
      const dump = await c.run(['dump', `${topic}/0`])
      expectOk(dump)
      return String(dump.stdout).split('\n').filter((l) => l.startsWith('baseOffset:')).map((l) => Number(/producerId: (-?\d+)/.exec(l)![1]))
    }
    // As Kafka 3's producer: a retry after a failover must not write a batch twice, so nothing needs asking for.
    expectOk(await c.run(['produce', 'dflt', '--create', '-q', '--bootstrap-server', broker.address], {input: 'a\nb\n'}))
    const ids = await producerIds('dflt')
    expect(ids.length).toBeGreaterThan(0)
    for (const id of ids) expect(id).toBeGreaterThanOrEqual(0)
    expectOk(await c.run(['produce', 'one', '--create', '-q', '--bootstrap-server', broker.address, '-X', 'acks=1'], {input: 'a\n'}))
    expect(await producerIds('one')).toEqual([-1])
    const refused = await c.run(['produce', 'never', '--create', '--bootstrap-server', broker.address, '-X', 'acks=1', '-X', 'enable.idempotence=true'], {input: 'a\n'})
    expectCleanError(refused, EXIT.USAGE, /-X enable.idempotence=true needs acks=all, retries above 0 and at most 5 requests in flight, not acks=1/)
    // Refused before anything was made.
    expect(String((await c.run(['topic', 'list', '--bootstrap-server', broker.address])).stdout)).not.toMatch(/never/)
  })

  test('kcat reads what produce --bootstrap-server wrote, keys and all', async () => {
    const c = cli()
    const broker = await startBroker(c.env)
    const input = keyedLines(41, 100)
    expectOk(await c.run(['produce', 'tokcat', '--create', '-q', '-K:', '--bootstrap-server', broker.address], {input}))
    const k = await execa('kcat', ['-b', broker.address, '-C', '-t', 'tokcat', '-e', '-q', '-f', '%k:%s\n'], {reject: false, timeout: 30_000})
    expect(k.exitCode, k.stderr).toBe(0)
    expect(k.stdout + '\n').toBe(input)
  })

  test('an unknown topic through a broker is the file path\'s not-found error; --create makes it', async () => {
    const c = cli()
    const broker = await startBroker(c.env)
    const missing = await c.run(['produce', 'nope', '--bootstrap-server', broker.address], {input: 'x\n'})
    expectCleanError(missing, EXIT.NOT_FOUND, /^logpipe: topic 'nope' does not exist$/m)
    const consume = await c.run(['consume', 'nope', '-e', '--bootstrap-server', broker.address])
    expectCleanError(consume, EXIT.NOT_FOUND, /^logpipe: topic 'nope' does not exist$/m)
    const made = await c.run(['produce', 'nope', '--create', '--bootstrap-server', broker.address], {input: 'x\n'})
    expect(made.exitCode).toBe(0)
    expect(String(made.stderr)).toContain('created topic nope')
  })
})
