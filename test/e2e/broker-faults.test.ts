/**
 * What a broker does with bytes it cannot serve: a garbage frame, a frame
 * over socket.request.max.bytes, half a frame that stalls, an API key it
 * does not know. Each closes that one connection with one log line; a
 * connection open beside it, and a client that comes after, are served.
 */
import {execa} from 'execa'
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {rawConnection, startBroker} from '../helpers/broker.js'
import {waitFor} from './support.js'

/** A request frame: size, api key, version, correlation id, client id 't', then `body`. */
function request(apiKey: number, version: number, correlationId: number, body = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(10 + 1)
  header.writeInt16BE(apiKey, 0)
  header.writeInt16BE(version, 2)
  header.writeInt32BE(correlationId, 4)
  header.writeInt16BE(1, 8)
  header.write('t', 10)
  const size = Buffer.alloc(4)
  size.writeInt32BE(header.length + body.length)
  return Buffer.concat([size, header, body])
}

/** ApiVersions v0's answer: correlation id, error code, then the API ranges. */
function readApiVersions(frame: Buffer): {correlationId: number; errorCode: number; keys: number[]} {
  const correlationId = frame.readInt32BE(4)
  const errorCode = frame.readInt16BE(8)
  const n = frame.readInt32BE(10)
  const keys: number[] = []
  for (let i = 0; i < n; i++) keys.push(frame.readInt16BE(14 + i * 6))
  return {correlationId, errorCode, keys}
}

async function apiVersionsRoundTrip(port: number, conn?: Awaited<ReturnType<typeof rawConnection>>): Promise<ReturnType<typeof readApiVersions>> {
  const c = conn ?? (await rawConnection(port))
  const before = c.received().length
  c.socket.write(request(18, 0, 42))
  await waitFor(() => c.received().length - before >= 4 && c.received().length - before >= 4 + c.received().readInt32BE(before), 'the ApiVersions answer', 10_000)
  const answer = readApiVersions(c.received().subarray(before))
  if (!conn) c.socket.destroy()
  return answer
}

const closes = (bytes: Buffer) => ({bytes})

describe('a broker facing bad bytes', () => {
  test.each([
    ['a garbage frame', closes(Buffer.from('0000000c' + 'ffffffffffffffffffffffff', 'hex')), /closing connection from 127\.0\.0\.1:\d+: .*API key -1/],
    ['a frame whose client id runs past its end', closes(Buffer.from('00000008' + '0012000000000001' + '7fff', 'hex').subarray(0, 12)), /closing connection from 127\.0\.0\.1:\d+: /],
    ['an oversize frame', closes(Buffer.from('7fffffff00', 'hex')), /closing connection .*frame of 2147483647 bytes is over the limit of \d+ \(socket\.request\.max\.bytes\)/],
    ['a negative frame size', closes(Buffer.from('ffffff00', 'hex')), /closing connection .*frame size -256 is negative/],
    ['an unknown API key', closes(request(999, 0, 1)), /closing connection .*API key 999, which this broker does not serve/],
    ['a version the handler does not serve', closes(request(0, 2, 1)), /closing connection .*Produce v2 is not served/],
    ['half a frame that stalls', closes(Buffer.from('00000064000102', 'hex')), /closing connection .*half a request \(7 bytes\) stalled for 300 ms \(request\.timeout\.ms\)/],
  ])('%s closes that connection only, with one log line', async (_what, {bytes}, logLine) => {
    const c = cli()
    const broker = await startBroker(c.env, ['-X', 'request.timeout.ms=300'])
    const bystander = await rawConnection(broker.port)
    const bad = await rawConnection(broker.port)
    bad.socket.write(bytes)
    await bad.closed
    expect(broker.stderr()).toMatch(logLine)
    expect(broker.stderr().split('\n').filter((l) => l.includes('closing connection'))).toHaveLength(1)
    // The connection open beside it and a new client are both served.
    expect(await apiVersionsRoundTrip(broker.port, bystander)).toMatchObject({correlationId: 42, errorCode: 0})
    const after = await execa('kcat', ['-b', broker.address, '-L'], {reject: false, timeout: 20_000})
    expect(after.exitCode, after.stderr).toBe(0)
    expect(after.stdout).toMatch(/1 brokers:/)
    bystander.socket.destroy()
  })

  test('ApiVersions of a version newer than ours is answered in the v0 layout with UNSUPPORTED_VERSION and our ranges (KIP-511)', async () => {
    const c = cli()
    const broker = await startBroker(c.env)
    const conn = await rawConnection(broker.port)
    conn.socket.write(request(18, 99, 5))
    await waitFor(() => conn.received().length >= 4 && conn.received().length >= 4 + conn.received().readInt32BE(0), 'the answer', 10_000)
    const answer = readApiVersions(conn.received())
    expect(answer.correlationId).toBe(5)
    expect(answer.errorCode).toBe(35)
    expect(answer.keys).toEqual(expect.arrayContaining([0, 1, 2, 3, 18]))
    // And the connection stays open for the retry at a version we have.
    expect(await apiVersionsRoundTrip(broker.port, conn)).toMatchObject({correlationId: 42, errorCode: 0})
    conn.socket.destroy()
  })

  test('requests pipelined on one connection are answered in order', async () => {
    const c = cli()
    const broker = await startBroker(c.env)
    const conn = await rawConnection(broker.port)
    conn.socket.write(Buffer.concat([1, 2, 3, 4, 5].map((id) => request(18, 0, id))))
    const ids: number[] = []
    await waitFor(() => {
      ids.length = 0
      const all = conn.received()
      for (let pos = 0; pos + 4 <= all.length; ) {
        const size = all.readInt32BE(pos)
        if (pos + 4 + size > all.length) break
        ids.push(all.readInt32BE(pos + 4))
        pos += 4 + size
      }
      return ids.length === 5
    }, 'five answers', 10_000)
    expect(ids).toEqual([1, 2, 3, 4, 5])
    conn.socket.destroy()
  })

  test('a thousand connections at once are each answered', async () => {
    const c = cli()
    const broker = await startBroker(c.env)
    const conns = await Promise.all(Array.from({length: 1000}, () => rawConnection(broker.port)))
    for (const [i, conn] of conns.entries()) conn.socket.write(request(18, 0, i))
    await waitFor(() => conns.every((conn) => conn.received().length >= 4 && conn.received().length >= 4 + conn.received().readInt32BE(0)), 'every answer', 30_000)
    expect(conns.map((conn, i) => readApiVersions(conn.received()).correlationId === i).every(Boolean)).toBe(true)
    for (const conn of conns) conn.socket.destroy()
    const after = await execa('kcat', ['-b', broker.address, '-L'], {reject: false, timeout: 20_000})
    expect(after.exitCode, after.stderr).toBe(0)
  })
})
