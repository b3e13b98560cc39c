/**
 * `logpipe broker start|list|stop` as a user runs them: the address on
 * stdout, the registration and its health in `broker list`, leadership of
 * every partition under a new leader epoch per start, and a stop that
 * releases every lock and deregisters.
 */
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {execa} from 'execa'
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {startBroker} from '../helpers/broker.js'
import {EXIT, expectCleanError, waitFor, watchOutput} from './support.js'

describe('broker start, list, stop', () => {
  test('a broker leads every partition, shows in broker list, and on stop releases its locks and deregisters', async () => {
    const c = cli()
    expect((await c.run(['topic', 'create', 'orders', '--partitions', '2'])).exitCode).toBe(0)
    const broker = await startBroker(c.env, ['--id', '7'])
    expect(broker.address).toMatch(/^127\.0\.0\.1:\d+$/)

    const list = await c.run(['broker', 'list', '--json'])
    expect(list.exitCode).toBe(0)
    const [entry] = JSON.parse(String(list.stdout))
    expect(entry).toMatchObject({id: 7, address: broker.address, alive: true, partitionsLed: 2, pid: broker.proc.pid})
    const human = await c.run(['broker', 'list'])
    expect(String(human.stdout)).toMatch(new RegExp(`^7\\s+${broker.address}\\s+${broker.proc.pid}\\s+yes\\s+\\S+\\s+2\\s+0$`, 'm'))

    const p0 = join(c.dataDir, 'topics', 'orders', '0')
    expect(existsSync(join(p0, 'leader.lock'))).toBe(true)
    expect(readFileSync(join(p0, 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n1\n0 0\n')

    const stop = await c.run(['broker', 'stop', '--id', '7'])
    expect(stop.exitCode, String(stop.stderr)).toBe(0)
    expect(String(stop.stdout)).toBe('Stopped broker 7.\n')
    expect((await broker.proc).exitCode).toBe(0)
    expect(existsSync(join(c.dataDir, 'brokers', '7.json'))).toBe(false)
    expect(existsSync(join(p0, 'leader.lock'))).toBe(false)
    expect(broker.stderr()).toMatch(/INFO broker 7 stopped/)
    expect(JSON.parse(String((await c.run(['broker', 'list', '--json'])).stdout))).toEqual([])

    // The next start is a new leader epoch, beginning at the log end.
    const again = await startBroker(c.env, ['--id', '7'])
    expect((await again.stop()).exitCode).toBe(0)
    expect(readFileSync(join(p0, 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n1\n1 0\n')
  })

  test('SIGTERM stops it cleanly too; a topic created while it runs is led at the next scan', async () => {
    const c = cli()
    expect((await c.run(['topic', 'create', 'a'])).exitCode).toBe(0)
    const broker = await startBroker(c.env, ['-X', 'leadership.scan.interval.ms=50'])
    expect((await c.run(['topic', 'create', 'later'])).exitCode).toBe(0)
    const later = join(c.dataDir, 'topics', 'later', '0', 'leader.lock')
    await waitFor(() => existsSync(later), 'the broker to lead the new topic', 10_000)
    const r = await broker.stop()
    expect(r.exitCode).toBe(0)
    expect(existsSync(later)).toBe(false)
    expect(existsSync(join(c.dataDir, 'brokers', '0.json'))).toBe(false)
  })

  test('a second broker with the same id is refused; one with another id runs beside it', async () => {
    const c = cli()
    const first = await startBroker(c.env)
    const second = await c.run(['broker', 'start', '--listen', '127.0.0.1:0'])
    expectCleanError(second, EXIT.RUNTIME, /broker 0 is already running \(pid \d+/)
    const other = await startBroker(c.env, ['--id', '1'])
    const ids = JSON.parse(String((await c.run(['broker', 'list', '--json'])).stdout)).map((b: {id: number}) => b.id)
    expect(ids).toEqual([0, 1])
    await other.stop()
    await first.stop()
  })

  test.each([
    [['--listen', '0.0.0.0:9092'], /listens off loopback only with authentication, and none is configured/],
    [['--listen', '192.168.1.5:9092'], /off loopback only with authentication/],
    [['--listen', 'localhost'], /--listen expects HOST:PORT/],
    [['--listen', '127.0.0.1:70000'], /--listen expects HOST:PORT/],
    [['-X', 'no.such.config=1'], /unknown broker config 'no.such.config'/],
    [['-X', 'num.partitions=0'], /num.partitions must be an integer between 1 and 10000, not '0'/],
    [['-X', 'auto.create.topics.enable=yes'], /must be true or false/],
    [['--id', '-1'], /--id must be between 0 and/],
    [['--log-level', 'loud'], /log-level/],
  ])('broker start %j is a usage error', async (args, what) => {
    const c = cli()
    expectCleanError(await c.run(['broker', 'start', ...args]), EXIT.USAGE, what)
  })

  test('an address in use is an error naming it; stopping a broker that is not registered is not found', async () => {
    const c = cli()
    const broker = await startBroker(c.env)
    expectCleanError(await c.run(['broker', 'start', '--id', '1', '--listen', broker.address]), EXIT.RUNTIME, /cannot listen on 127\.0\.0\.1:\d+: port \d+ is in use/)
    expectCleanError(await c.run(['broker', 'stop', '--id', '3']), EXIT.NOT_FOUND, /no broker 3 is registered/)
    await broker.stop()
  })

  test('a registration left by a killed broker is not alive, and broker stop removes it', async () => {
    const c = cli()
    const broker = await startBroker(c.env)
    broker.proc.kill('SIGKILL')
    await broker.proc
    const [entry] = JSON.parse(String((await c.run(['broker', 'list', '--json'])).stdout))
    expect(entry.alive).toBe(false)
    const stop = await c.run(['broker', 'stop'])
    expect(stop.exitCode).toBe(0)
    expect(String(stop.stdout)).toMatch(/was not running; removed its registration/)
    expect(existsSync(join(c.dataDir, 'brokers', '0.json'))).toBe(false)
    // And a new broker takes over its partitions' locks at once.
    const next = await startBroker(c.env)
    await next.stop()
  })

  test('without --listen a broker takes 127.0.0.1:9092, or the next free port after it', async () => {
    const c = cli()
    const a = await startBroker(c.env, [], {defaultListen: true})
    const b = await startBroker(c.env, ['--id', '1'], {defaultListen: true})
    expect(a.host).toBe('127.0.0.1')
    expect(b.host).toBe('127.0.0.1')
    // Other programs may hold 9092 and some ports after it: each broker takes a free one of the range.
    for (const port of [a.port, b.port]) expect(port).toBeGreaterThanOrEqual(9092), expect(port).toBeLessThan(9192)
    expect(b.port).not.toBe(a.port)
    await b.stop()
    await a.stop()
  })

  // kcat's fetches may wait 25 s each; the test's 15 s pass only if the stop ends the long poll.
  test('a stop ends long polls at once, answers them, and the consumer sees the broker go', {timeout: 15_000}, async () => {
    const c = cli()
    await c.run(['topic', 'create', 'quiet'])
    const broker = await startBroker(c.env)
    expect((await execa('kcat', ['-b', broker.address, '-P', '-t', 'quiet'], {input: 'first\n', reject: false})).exitCode).toBe(0)
    const consumer = execa('kcat', ['-b', broker.address, '-C', '-t', 'quiet', '-o', 'beginning', '-q', '-u', '-f', '%s\n', '-X', 'fetch.wait.max.ms=25000'], {reject: false})
    // Once it has the one record it is caught up: its next fetch waits.
    await watchOutput(consumer).until((out) => out === 'first\n', 'kcat to read the record', 10_000)
    const r = await broker.stop()
    expect(r.exitCode).toBe(0)
    expect(existsSync(join(c.dataDir, 'brokers', '0.json'))).toBe(false)
    consumer.kill('SIGTERM')
    await consumer
  })

  test.each([[['broker', 'list']], [['broker', 'stop']]])('%j on a missing data dir is `no store at DIR` and creates nothing', async (args) => {
    const c = cli()
    expectCleanError(await c.run(args), EXIT.NOT_FOUND, /^logpipe: no store at /)
    expect(existsSync(c.dataDir)).toBe(false)
  })
})
