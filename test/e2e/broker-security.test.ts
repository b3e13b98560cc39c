/**
 * An authenticated broker from the command line: `broker user add|list|
 * remove` (the password from stdin, never argv, never stored), `broker
 * start --sasl --tls-cert --tls-key`, and real clients nobody here wrote
 * logging in: kcat (librdkafka) over SASL_SSL with SCRAM and over
 * SASL_PLAINTEXT with PLAIN, kafka-python over SASL_SSL, kafkajs with ssl
 * and sasl. A wrong password fails cleanly for each, with one log line.
 */
import {readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {execa} from 'execa'
import {Kafka, logLevel} from 'kafkajs'
import {describe, expect, test} from 'vitest'
import {pathToFileURL} from 'node:url'
import {ROOT, cli, tempDataDir} from '../helpers/cli.js'
import {startBroker} from '../helpers/broker.js'
import {makeTestCerts} from '../helpers/tls-certs.js'
import {UsersFile} from '../../src/core/broker/sasl/users-file.js'
import {passwordMatches} from '../../src/core/wire/sasl/scram.js'
import {EXIT, expectCleanError} from './support.js'

const PASSWORD = 'pässwörd with spaces'
const PY = join(ROOT, 'test', 'fixtures', 'broker', 'kafka-python-sasl.py')

async function addUser(c: ReturnType<typeof cli>, name: string, password: string, ...args: string[]) {
  return c.run(['broker', 'user', 'add', name, ...args], {input: password + '\n'})
}

function kcat(address: string, settings: string[], args: string[], input?: string) {
  return execa('kcat', ['-b', address, ...settings.flatMap((s) => ['-X', s]), ...args], {reject: false, timeout: 30_000, env: {}, extendEnv: false, input})
}

/** Some failed-login lines, each exactly one line naming the user, the mechanism and why. */
const authFailed = (stderr: string, user: string, mechanism: string) => {
  const lines = stderr.split('\n').filter((l) => l.includes('authentication failed'))
  return lines.length > 0 && lines.every((l) => new RegExp(`WARN authentication failed from 127\\.0\\.0\\.1:\\d+ for user "${user}" with ${mechanism}: wrong password$`).test(l))
}

describe('broker user', () => {
  test('add reads the password from stdin and stores no trace of it; list shows the user; remove takes it out', async () => {
    const c = cli()
    const added = await addUser(c, 'alice', PASSWORD, '--mechanism', 'SCRAM-SHA-512', '--mechanism', 'PLAIN', '--json')
    expect(added.exitCode, String(added.stderr)).toBe(0)
    expect(JSON.parse(String(added.stdout))).toEqual({user: 'alice', mechanisms: ['SCRAM-SHA-512', 'PLAIN'], file: join(c.dataDir, 'security', 'users.json')})
    const file = join(c.dataDir, 'security', 'users.json')
    expect(readFileSync(file, 'utf8')).not.toContain('pässwörd')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    await addUser(c, 'bob', 'other')
    expect(JSON.parse(String((await c.run(['broker', 'user', 'list', '--json'])).stdout))).toEqual([
      {user: 'alice', mechanisms: ['SCRAM-SHA-512', 'PLAIN'], iterations: 4096},
      {user: 'bob', mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'], iterations: 4096},
    ])
    expect((await c.run(['broker', 'user', 'remove', 'alice'])).exitCode).toBe(0)
    expect(String((await c.run(['broker', 'user', 'list'])).stdout)).toMatch(/^USER +MECHANISMS +ITERATIONS\nbob +SCRAM-SHA-256,SCRAM-SHA-512,PLAIN +4096\n$/)
    expectCleanError(await c.run(['broker', 'user', 'remove', 'alice']), EXIT.NOT_FOUND, /no user "alice" in .*users\.json/)
  })

  test.each([
    ['the same twice', 'typed secret', 'typed secret', 0],
    ['two different ones', 'typed secret', 'other', 2],
  ])('on a terminal the password is asked twice with echo off: %s', async (_what, first, second, exitCode) => {
    const c = cli()
    // script(1) gives the command a pseudo-terminal; answers go in as each prompt shows.
    const proc = execa('script', ['-qec', `'${process.execPath}' '${join(ROOT, 'bin', 'run.js')}' broker user add tty`, '/dev/null'], {reject: false, env: c.env, extendEnv: false, timeout: 30_000})
    let seen = ''
    let step = 0
    proc.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString()
      if (step === 0 && seen.includes('Password for tty: ')) proc.stdin!.write(first + '\r'), (step = 1)
      if (step === 1 && seen.includes('Again: ')) proc.stdin!.write(second + '\r'), (step = 2)
    })
    const r = await proc
    expect(r.exitCode, seen).toBe(exitCode)
    expect(seen).not.toContain('typed')
    const users = new UsersFile(c.dataDir)
    if (exitCode === 0) {
      expect(await passwordMatches('SCRAM-SHA-256', users.get('tty')!.credentials['SCRAM-SHA-256']!, first)).toBe(true)
    } else {
      expect(seen).toMatch(/logpipe: the two passwords differ/)
      expect(users.read().size).toBe(0)
    }
  })

  test.each([
    [['broker', 'user', 'add', 'x'], '', /no password on stdin/],
    [['broker', 'user', 'add', 'x', '--mechanism', 'MD5'], 'pw\n', /--mechanism/],
    [['broker', 'user', 'add', 'x', '--iterations', '100'], 'pw\n', /--iterations must be between 4096/],
    [['broker', 'start', '--listen', '0.0.0.0:0'], '', /a broker listens off loopback only with authentication, and none is configured/],
    [['broker', 'start', '--tls-cert', 'c.pem'], '', /--tls-key/],
    [['broker', 'start', '--tls-cert', '/no/such.pem', '--tls-key', '/no/such.key'], '', /--tls-cert \/no\/such\.pem: no such file/],
    [['broker', 'start', '-X', 'sasl.enabled.mechanisms=GSSAPI'], '', /sasl\.enabled\.mechanisms: unknown mechanism "GSSAPI"/],
    [['broker', 'start', '--advertise', 'no spaces please'], '', /--advertise expects a host name or IP address/],
  ])('%j is a usage error', async (args, input, what) => {
    const c = cli()
    expectCleanError(await c.run(args, {input}), EXIT.USAGE, what)
  })

  test('broker start --sasl with no users is refused, saying how to add one', async () => {
    const c = cli()
    expectCleanError(await c.run(['broker', 'start', '--listen', '127.0.0.1:0', '--sasl']), EXIT.RUNTIME, /has no users: nobody could log in/)
  })
})

describe('real clients against an authenticated broker', () => {
  test('kcat over SASL_SSL with SCRAM-SHA-256, and over SASL_PLAINTEXT with PLAIN; a wrong password fails cleanly', async () => {
    const c = cli()
    const certs = await makeTestCerts()
    await addUser(c, 'alice', PASSWORD)
    const tls = await startBroker(c.env, ['--sasl', '--tls-cert', certs.certPath, '--tls-key', certs.keyPath])
    const address = `localhost:${tls.port}`
    const scram = ['security.protocol=SASL_SSL', 'sasl.mechanisms=SCRAM-SHA-256', 'sasl.username=alice', `sasl.password=${PASSWORD}`, `ssl.ca.location=${certs.caPath}`]
    const put = await kcat(address, scram, ['-P', '-t', 'secure', '-K', ':'], 'k1:over tls\n')
    expect(put.exitCode, put.stderr).toBe(0)
    const got = await kcat(address, scram, ['-C', '-t', 'secure', '-e', '-f', '%k %s\n'])
    expect(got.stdout).toBe('k1 over tls')
    const wrong = await kcat(address, scram.map((s) => (s.startsWith('sasl.password=') ? 'sasl.password=nope' : s)), ['-L', '-m', '5'])
    expect(wrong.exitCode).not.toBe(0)
    expect(wrong.stderr).toMatch(/SASL authentication error: Authentication failed/)
    await tls.stop()
    expect(authFailed(tls.stderr(), 'alice', 'SCRAM-SHA-256')).toBe(true)
    expect(tls.stderr()).toMatch(/on SASL_SSL:\/\/127\.0\.0\.1:\d+ with SCRAM-SHA-256, SCRAM-SHA-512, PLAIN/)

    const plain = await startBroker(c.env, ['-X', 'sasl.enabled.mechanisms=PLAIN'])
    const plainSettings = ['security.protocol=SASL_PLAINTEXT', 'sasl.mechanisms=PLAIN', 'sasl.username=alice', `sasl.password=${PASSWORD}`]
    const read = await kcat(plain.address, plainSettings, ['-C', '-t', 'secure', '-e', '-f', '%s\n'])
    expect(read.stdout).toBe('over tls')
    const anonymous = await kcat(plain.address, [], ['-L', '-m', '3'])
    expect(anonymous.exitCode).not.toBe(0)
    await plain.stop()
    expect(plain.stderr()).toMatch(/closing connection from 127\.0\.0\.1:\d+: Metadata request before authenticating/)
    // What the clients wrote is in the files, as every other record.
    expect(String((await c.run(['consume', 'secure', '-e', '-F', '%k=%s\n'])).stdout)).toBe('k1=over tls\n')
  })

  test('kafka-python over SASL_SSL with each mechanism; a wrong password fails cleanly', async () => {
    const c = cli()
    const certs = await makeTestCerts()
    await addUser(c, 'py', PASSWORD)
    const broker = await startBroker(c.env, ['--sasl', '--tls-cert', certs.certPath, '--tls-key', certs.keyPath])
    const run = (mechanism: string, password: string) =>
      execa('/usr/bin/python3', [PY, `localhost:${broker.port}`, 'SASL_SSL', mechanism, 'py', password, certs.caPath, 'pytopic'], {
        reject: false,
        timeout: 60_000,
        env: {PYTHONDONTWRITEBYTECODE: '1'},
      })
    for (const [i, mechanism] of ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'].entries()) {
      const r = await run(mechanism, PASSWORD)
      expect(r.exitCode, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout)).toEqual({offset: i, value: `from python ${mechanism}`})
    }
    const wrong = await run('SCRAM-SHA-512', 'wrong')
    expect(wrong.exitCode, wrong.stderr).toBe(3)
    await broker.stop()
    expect(broker.stderr()).toMatch(/authentication failed from .* for user "py" with SCRAM-SHA-512: wrong password/)
    expect(authFailed(broker.stderr(), 'py', 'SCRAM-SHA-512')).toBe(true)
  })

  test('kafkajs with ssl and sasl (SCRAM-SHA-512, PLAIN); a wrong password is its authentication error', async () => {
    const c = cli()
    const certs = await makeTestCerts()
    await addUser(c, 'js', PASSWORD)
    const broker = await startBroker(c.env, ['--sasl', '--tls-cert', certs.certPath, '--tls-key', certs.keyPath])
    const kafka = (mechanism: 'scram-sha-512' | 'plain', password: string) =>
      new Kafka({
        clientId: 'logpipe-test',
        brokers: [`localhost:${broker.port}`],
        ssl: {ca: [certs.ca.toString()]},
        sasl: {mechanism, username: 'js', password} as any,
        logLevel: logLevel.NOTHING,
        retry: {retries: 0},
      })
    const producer = kafka('scram-sha-512', PASSWORD).producer()
    await producer.connect()
    const sent = await producer.send({topic: 'jstopic', acks: -1, messages: [{key: 'a', value: 'scram'}]})
    expect(sent[0]).toMatchObject({errorCode: 0, baseOffset: '0'})
    await producer.disconnect()
    const admin = kafka('plain', PASSWORD).admin()
    await admin.connect()
    expect(await admin.fetchTopicOffsets('jstopic')).toEqual([{partition: 0, offset: '1', high: '1', low: '0'}])
    await admin.disconnect()
    const bad = kafka('scram-sha-512', 'wrong').admin()
    await expect(bad.connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed|Authentication failed/)
    await broker.stop()
    expect(authFailed(broker.stderr(), 'js', 'SCRAM-SHA-512')).toBe(true)
    expect(broker.stderr()).toMatch(/authentication failed .* for user "js"/)
  })
})

describe('from the library', () => {
  test('UsersFile and Broker.start with SASL, as the package exports them; kcat logs in with SCRAM-SHA-512', async () => {
    const lib = await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)
    const dataDir = join(tempDataDir(), 'data')
    new lib.UsersFile(dataDir).add('lib', PASSWORD, ['SCRAM-SHA-512'])
    const broker = await lib.Broker.start({
      dataDir,
      id: 4,
      host: '127.0.0.1',
      port: 0,
      nextFreePort: false,
      config: lib.parseBrokerConfig(['sasl.enabled.mechanisms=SCRAM-SHA-512']),
      log: lib.createBrokerLog('error', () => {}),
    })
    try {
      const settings = ['security.protocol=SASL_PLAINTEXT', 'sasl.mechanisms=SCRAM-SHA-512', 'sasl.username=lib', `sasl.password=${PASSWORD}`]
      const p = await kcat(`127.0.0.1:${broker.port}`, settings, ['-P', '-t', 'libsec'], 'x\n')
      expect(p.exitCode, p.stderr).toBe(0)
    } finally {
      await broker.stop()
    }
  })
})
