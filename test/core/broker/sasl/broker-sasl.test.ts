/**
 * A broker in-process with SASL (and TLS), spoken to by our own client
 * (KafkaConnection's tls and sasl options) and by hand-made frames: every
 * mechanism logs in over TLS, a wrong password is one log line and a
 * SASL_AUTHENTICATION_FAILED, and until a login succeeds nothing but
 * ApiVersions, SaslHandshake and SaslAuthenticate is answered.
 */
import {connect, type Socket} from 'node:net'
import {hostname} from 'node:os'
import {afterEach, describe, expect, test} from 'vitest'
import {Broker} from '../../../../src/core/broker/broker.js'
import {defaultBrokerConfig} from '../../../../src/core/broker/broker-config.js'
import {createBrokerLog} from '../../../../src/core/broker/broker-log.js'
import {UsersFile} from '../../../../src/core/broker/sasl/users-file.js'
import {KafkaConnection} from '../../../../src/core/client/kafka-connection.js'
import {BrokerError, LogpipeError, SaslAuthenticationError, UsageError} from '../../../../src/core/errors.js'
import {decodeResponseFrame, encodeRequestFrame} from '../../../../src/core/wire/envelope.js'
import {ErrorCode} from '../../../../src/core/wire/error-codes.js'
import {FrameSplitter} from '../../../../src/core/wire/frame.js'
import {metadata} from '../../../../src/core/wire/messages/03-metadata.js'
import {saslHandshake} from '../../../../src/core/wire/messages/17-sasl-handshake.js'
import {apiVersions} from '../../../../src/core/wire/messages/18-api-versions.js'
import {saslAuthenticate} from '../../../../src/core/wire/messages/36-sasl-authenticate.js'
import type {ApiSchema, RequestInput} from '../../../../src/core/wire/schema.js'
import {makeTestCerts} from '../../../helpers/tls-certs.js'
import {tempDir} from '../../support.js'

const brokers: Broker[] = []
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.stop()
})

const PASSWORD = 's3cret'

async function start(options: {sasl?: string; tls?: {cert: Buffer; key: Buffer}; host?: string; users?: boolean; advertisedHost?: string} = {}) {
  const dataDir = tempDir()
  if (options.users ?? true) new UsersFile(dataDir).add('alice', PASSWORD, ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'])
  const lines: string[] = []
  const log = createBrokerLog('info', (l) => lines.push(l))
  const config = {...defaultBrokerConfig(), 'sasl.enabled.mechanisms': options.sasl ?? 'SCRAM-SHA-256,SCRAM-SHA-512,PLAIN'}
  const broker = await Broker.start({dataDir, id: 1, host: options.host ?? '127.0.0.1', port: 0, nextFreePort: false, config, log, tls: options.tls ?? null, advertisedHost: options.advertisedHost})
  brokers.push(broker)
  return {broker, lines, dataDir}
}

const everyTopic = {topics: null} as unknown as RequestInput<typeof metadata>

/** Hand-made frames over a plain socket; `next()` is the next frame the broker sends. */
class RawClient {
  private readonly frames = new FrameSplitter()
  private readonly got: Buffer[] = []
  private wake: (() => void) | null = null
  readonly closed: Promise<void>
  private id = 1
  private constructor(readonly socket: Socket) {
    socket.on('data', (c: Buffer) => {
      for (const f of this.frames.push(c)) this.got.push(Buffer.from(f))
      this.wake?.()
    })
    socket.on('error', () => {})
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()))
    void this.closed.then(() => this.wake?.())
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect({host: '127.0.0.1', port})
    await new Promise((resolve) => socket.once('connect', resolve))
    return new RawClient(socket)
  }

  send<A extends ApiSchema>(schema: A, version: number, value: RequestInput<A>): void {
    this.socket.write(encodeRequestFrame(schema, version, {correlationId: this.id++, clientId: 't'}, value))
  }

  /** The next frame, or null once the broker closed without one. */
  async next(): Promise<Buffer | null> {
    while (this.got.length === 0) {
      if (this.socket.destroyed || this.socket.readableEnded) return null
      await new Promise<void>((resolve) => (this.wake = resolve))
    }
    return this.got.shift()!
  }
}

describe('a SASL_SSL broker and our client', () => {
  test.each(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('%s logs in over TLS and is served', async (mechanism) => {
    const certs = await makeTestCerts()
    const {broker, lines} = await start({tls: certs})
    const conn = await KafkaConnection.open('localhost', broker.port, 'test', {tls: {ca: certs.ca}, sasl: {mechanism, username: 'alice', password: PASSWORD}})
    const meta = await conn.request(metadata, 1, everyTopic)
    expect(meta.brokers.map((b) => b.nodeId)).toEqual([1])
    conn.close()
    expect(lines.filter((l) => / WARN /.test(l))).toEqual([])
    expect(lines.some((l) => /on SASL_SSL:\/\/127\.0\.0\.1:\d+ with SCRAM-SHA-256, SCRAM-SHA-512, PLAIN/.test(l))).toBe(true)
  })

  test('a wrong password is SaslAuthenticationError, one log line, and the broker serves the next client', async () => {
    const certs = await makeTestCerts()
    const {broker, lines} = await start({tls: certs})
    const login = KafkaConnection.open('127.0.0.1', broker.port, 'test', {tls: {ca: certs.ca}, sasl: {mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'wrong'}})
    await expect(login).rejects.toBeInstanceOf(SaslAuthenticationError)
    await expect(login).rejects.toThrow(/SASL SCRAM-SHA-512 login as "alice" failed: Authentication failed/)
    expect(lines.filter((l) => /WARN/.test(l))).toEqual([expect.stringMatching(/WARN authentication failed from 127\.0\.0\.1:\d+ for user "alice" with SCRAM-SHA-512: wrong password\n$/)])
    const good = await KafkaConnection.open('127.0.0.1', broker.port, 'test', {tls: {ca: certs.ca}, sasl: {mechanism: 'PLAIN', username: 'alice', password: PASSWORD}})
    await good.request(metadata, 1, everyTopic)
    good.close()
  })

  test('a client that does not trust the certificate never gets in; a plaintext client is one log line; the broker goes on', async () => {
    const certs = await makeTestCerts()
    const {broker, lines} = await start({tls: certs})
    await expect(KafkaConnection.open('127.0.0.1', broker.port, 'test', {tls: {}, sasl: {mechanism: 'PLAIN', username: 'alice', password: PASSWORD}})).rejects.toThrow(
      /cannot connect with TLS to the broker at 127\.0\.0\.1:\d+: unable to verify the first certificate/,
    )
    const plain = await RawClient.open(broker.port)
    plain.send(apiVersions, 0, {} as RequestInput<typeof apiVersions>)
    expect(await plain.next()).toBeNull()
    const deadline = Date.now() + 5000
    while (!lines.some((l) => /WARN TLS handshake from 127\.0\.0\.1:\d+ failed/.test(l)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    expect(lines.filter((l) => /WARN TLS handshake from 127\.0\.0\.1:\d+ failed/.test(l))).toHaveLength(1)
    const good = await KafkaConnection.open('localhost', broker.port, 'test', {tls: {ca: certs.ca}, sasl: {mechanism: 'PLAIN', username: 'alice', password: PASSWORD}})
    await good.request(metadata, 1, everyTopic)
    good.close()
  })

  test('removing a user refuses its next login; a user added while the broker runs logs in at once', async () => {
    const {broker, dataDir} = await start()
    const users = new UsersFile(dataDir)
    users.add('bob', 'pw-bob', ['SCRAM-SHA-256'])
    const bob = await KafkaConnection.open('127.0.0.1', broker.port, 'test', {sasl: {mechanism: 'SCRAM-SHA-256', username: 'bob', password: 'pw-bob'}})
    bob.close()
    users.remove('bob')
    await expect(KafkaConnection.open('127.0.0.1', broker.port, 'test', {sasl: {mechanism: 'SCRAM-SHA-256', username: 'bob', password: 'pw-bob'}})).rejects.toBeInstanceOf(SaslAuthenticationError)
  })
})

describe('a SASL listener facing clients that do not log in', () => {
  test('ApiVersions is answered before a login; Metadata closes the connection with one log line', async () => {
    const {broker, lines} = await start()
    const c = await RawClient.open(broker.port)
    c.send(apiVersions, 0, {} as RequestInput<typeof apiVersions>)
    const versions = decodeResponseFrame(apiVersions, 0, (await c.next())!).body
    expect(versions.apiKeys.map((k) => k.apiKey)).toEqual(expect.arrayContaining([17, 36]))
    c.send(metadata, 1, everyTopic)
    expect(await c.next()).toBeNull()
    await c.closed
    expect(lines.filter((l) => /WARN/.test(l))).toEqual([expect.stringMatching(/closing connection from 127\.0\.0\.1:\d+: Metadata request before authenticating/)])
  })

  test('our client without a login is told, when the broker closes on it, that it may want one', async () => {
    const {broker} = await start()
    const conn = await KafkaConnection.open('127.0.0.1', broker.port, 'test')
    const error = await conn.request(metadata, 1, everyTopic).catch((e: LogpipeError) => e)
    expect(error).toBeInstanceOf(LogpipeError)
    expect((error as LogpipeError).hint).toMatch(/security\.protocol=SASL_PLAINTEXT or SASL_SSL and sasl\.mechanism, sasl\.username, sasl\.password/)
  })

  test('SaslAuthenticate before SaslHandshake is ILLEGAL_SASL_STATE, then the connection closes', async () => {
    const {broker} = await start()
    const c = await RawClient.open(broker.port)
    c.send(saslAuthenticate, 0, {authBytes: Buffer.from('\0alice\0' + PASSWORD)})
    expect(decodeResponseFrame(saslAuthenticate, 0, (await c.next())!).body.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE)
    await c.closed
  })

  test('a mechanism not enabled is UNSUPPORTED_SASL_MECHANISM with the ones that are, then the connection closes', async () => {
    const {broker, lines} = await start({sasl: 'SCRAM-SHA-512'})
    const c = await RawClient.open(broker.port)
    c.send(saslHandshake, 1, {mechanism: 'PLAIN'})
    expect(decodeResponseFrame(saslHandshake, 1, (await c.next())!).body).toEqual({errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['SCRAM-SHA-512']})
    await c.closed
    expect(lines.some((l) => /authentication failed from .* with PLAIN: mechanism "PLAIN" is not enabled/.test(l))).toBe(true)
  })

  test('SaslHandshake v0 then a bare PLAIN token (kafka-python 2.0.2): an empty bare answer, then requests are served', async () => {
    const {broker} = await start()
    const c = await RawClient.open(broker.port)
    c.send(saslHandshake, 0, {mechanism: 'PLAIN'})
    expect(decodeResponseFrame(saslHandshake, 0, (await c.next())!).body.errorCode).toBe(0)
    const token = Buffer.from('\0alice\0' + PASSWORD)
    const size = Buffer.alloc(4)
    size.writeInt32BE(token.length)
    c.socket.write(Buffer.concat([size, token]))
    expect((await c.next())!.length).toBe(0)
    c.send(metadata, 1, everyTopic)
    expect(decodeResponseFrame(metadata, 1, (await c.next())!).body.brokers.map((b) => b.nodeId)).toEqual([1])
    c.socket.destroy()
  })

  test('a bare token with a wrong password closes the connection with no answer and one log line', async () => {
    const {broker, lines} = await start()
    const c = await RawClient.open(broker.port)
    c.send(saslHandshake, 0, {mechanism: 'PLAIN'})
    await c.next()
    const token = Buffer.from('\0alice\0nope')
    const size = Buffer.alloc(4)
    size.writeInt32BE(token.length)
    c.socket.write(Buffer.concat([size, token]))
    expect(await c.next()).toBeNull()
    expect(lines.filter((l) => /WARN/.test(l))).toEqual([expect.stringMatching(/authentication failed .* for user "alice" with PLAIN: wrong password/)])
  })

  test('a listener without SASL answers SaslHandshake ILLEGAL_SASL_STATE and goes on serving', async () => {
    const {broker} = await start({sasl: ''})
    const c = await RawClient.open(broker.port)
    c.send(saslHandshake, 1, {mechanism: 'PLAIN'})
    expect(decodeResponseFrame(saslHandshake, 1, (await c.next())!).body.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE)
    c.send(metadata, 1, everyTopic)
    expect(decodeResponseFrame(metadata, 1, (await c.next())!).body.brokers).toHaveLength(1)
    c.socket.destroy()
  })
})

describe('bounds before and after a login', () => {
  test('before a login a frame over sasl.server.max.receive.size closes the connection; after it a larger one is served', async () => {
    const {broker, lines} = await start()
    const stranger = await RawClient.open(broker.port)
    const size = Buffer.alloc(4)
    size.writeInt32BE(600_000)
    stranger.socket.write(size)
    expect(await stranger.next()).toBeNull()
    expect(lines.filter((l) => /WARN/.test(l))).toEqual([
      expect.stringMatching(/closing connection from .*: frame of 600000 bytes is over the limit of 524288 \(sasl\.server\.max\.receive\.size, until the client logs in\)/),
    ])
    const c = await RawClient.open(broker.port)
    c.send(saslHandshake, 1, {mechanism: 'PLAIN'})
    await c.next()
    c.send(saslAuthenticate, 1, {authBytes: Buffer.from('\0alice\0' + PASSWORD)})
    expect(decodeResponseFrame(saslAuthenticate, 1, (await c.next())!).body.errorCode).toBe(0)
    c.send(apiVersions, 3, {clientSoftwareName: 'x'.repeat(600_000), clientSoftwareVersion: '1'} as RequestInput<typeof apiVersions>)
    expect(decodeResponseFrame(apiVersions, 3, (await c.next())!).body.errorCode).toBe(0)
    c.socket.destroy()
  })

  test('a TLS client that never finishes its handshake is dropped after request.timeout.ms, one log line', async () => {
    const certs = await makeTestCerts()
    const dataDir = tempDir()
    new UsersFile(dataDir).add('alice', PASSWORD, ['PLAIN'])
    const lines: string[] = []
    const config = {...defaultBrokerConfig(), 'sasl.enabled.mechanisms': 'PLAIN', 'request.timeout.ms': 200}
    const broker = await Broker.start({dataDir, id: 1, host: '127.0.0.1', port: 0, nextFreePort: false, config, log: createBrokerLog('info', (l) => lines.push(l)), tls: certs})
    brokers.push(broker)
    const silent = await RawClient.open(broker.port)
    await silent.closed
    expect(lines.filter((l) => /WARN/.test(l))).toEqual([expect.stringMatching(/TLS handshake from 127\.0\.0\.1:\d+ failed: TLS handshake timeout\n$/)])
  })
})

describe('many logins at once', () => {
  test('a thousand SCRAM-SHA-256 logins at once each succeed and are served; one wrong password among them fails alone', async () => {
    const {broker, lines} = await start({sasl: 'SCRAM-SHA-256'})
    const logins = Array.from({length: 1000}, (_, i) =>
      KafkaConnection.open('127.0.0.1', broker.port, `c${i}`, {sasl: {mechanism: 'SCRAM-SHA-256', username: 'alice', password: i === 500 ? 'wrong' : PASSWORD}}).then(
        async (conn) => {
          const meta = await conn.request(metadata, 1, everyTopic)
          return {conn, nodes: meta.brokers.length}
        },
        (error: Error) => error,
      ),
    )
    const results = await Promise.all(logins)
    const failed = results.flatMap((r, i) => (r instanceof Error ? [[i, r instanceof SaslAuthenticationError] as const] : []))
    expect(failed).toEqual([[500, true]])
    for (const r of results) if (!(r instanceof Error)) r.conn.close()
    expect(results.filter((r) => !(r instanceof Error) && r.nodes === 1)).toHaveLength(999)
    expect(lines.filter((l) => /authentication failed/.test(l))).toHaveLength(1)
  }, 60_000)
})

describe('what a broker refuses to start with', () => {
  test('a listener off loopback without SASL is a UsageError; with SASL it starts', async () => {
    await expect(start({sasl: '', host: '0.0.0.0'})).rejects.toBeInstanceOf(UsageError)
    await expect(start({sasl: '', host: '0.0.0.0'})).rejects.toThrow(/off loopback only with authentication/)
    const {broker, lines} = await start({host: '0.0.0.0'})
    // 0.0.0.0 is no address to give a client: Metadata names this machine instead.
    expect(broker.host).toBe(hostname())
    expect(lines.some((l) => l.includes(`on SASL_PLAINTEXT://0.0.0.0:${broker.port}, advertised as ${hostname()}:${broker.port}`))).toBe(true)
    const conn = await KafkaConnection.open('127.0.0.1', broker.port, 'test', {sasl: {mechanism: 'PLAIN', username: 'alice', password: PASSWORD}})
    expect((await conn.request(metadata, 1, everyTopic)).brokers.map((b) => [b.host, b.port])).toEqual([[hostname(), broker.port]])
    conn.close()
  })

  test('an advertised host is what Metadata names', async () => {
    const {broker} = await start({host: '0.0.0.0', advertisedHost: 'broker.example'})
    const conn = await KafkaConnection.open('127.0.0.1', broker.port, 'test', {sasl: {mechanism: 'PLAIN', username: 'alice', password: PASSWORD}})
    expect((await conn.request(metadata, 1, everyTopic)).brokers.map((b) => [b.host, b.port])).toEqual([['broker.example', broker.port]])
    conn.close()
  })

  test('SASL with no users is a BrokerError saying how to add one', async () => {
    await expect(start({users: false})).rejects.toBeInstanceOf(BrokerError)
    await expect(start({users: false})).rejects.toThrow(/has no users: nobody could log in/)
  })
})
