/**
 * A connection's order and back-pressure, with a stand-in handler: answers
 * leave in request order whatever order they are ready in, and a client
 * that stops reading its answers stops having its requests read.
 */
import {connect} from 'node:net'
import {afterEach, describe, expect, test} from 'vitest'
import {silentLog} from '../../../src/core/broker/broker-log.js'
import type {FrameHandler} from '../../../src/core/broker/connection.js'
import {BrokerServer} from '../../../src/core/broker/server.js'
import {FrameSplitter} from '../../../src/core/wire/frame.js'

const servers: BrokerServer[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})

async function serve(handle: FrameHandler, maxQueued = 500): Promise<BrokerServer> {
  const server = new BrokerServer({host: '127.0.0.1', port: 0, nextFreePort: false, log: silentLog, handle, frames: () => new FrameSplitter(1 << 20), idleMs: 60_000, requestTimeoutMs: 60_000, maxQueued})
  servers.push(server)
  await server.listen()
  return server
}

/** A frame holding one int32, the request's number; answered with the same number in front of `padding` bytes. */
function frame(n: number): Buffer {
  const b = Buffer.alloc(8)
  b.writeInt32BE(4, 0)
  b.writeInt32BE(n, 4)
  return b
}

function answer(n: number, padding = 0): Buffer[] {
  const b = Buffer.alloc(8 + padding)
  b.writeInt32BE(4 + padding, 0)
  b.writeInt32BE(n, 4)
  return [b]
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('Connection', () => {
  test('answers leave in request order, though later ones are ready first; a null answer writes nothing', async () => {
    const gates = new Map<number, () => void>()
    const server = await serve(async (f) => {
      const n = f.readInt32BE(0)
      if (n === 3) return null
      await new Promise<void>((resolve) => gates.set(n, resolve))
      return answer(n)
    })
    const socket = connect({host: '127.0.0.1', port: server.port})
    const got: number[] = []
    const splitter = new FrameSplitter()
    socket.on('data', (c: Buffer) => {
      for (const f of splitter.push(c)) got.push(f.readInt32BE(0))
    })
    socket.write(Buffer.concat([1, 2, 3, 4].map(frame)))
    await until(() => gates.size === 3, 'three requests in the handler')
    gates.get(4)!()
    gates.get(2)!()
    await new Promise((resolve) => setImmediate(resolve))
    expect(got).toEqual([])
    gates.get(1)!()
    await until(() => got.length === 3, 'three answers')
    expect(got).toEqual([1, 2, 4])
    socket.destroy()
  })

  test('a client that does not read its answers stops having requests read; once it reads, every one is answered', async () => {
    let handled = 0
    const server = await serve((f) => {
      handled++
      return answer(f.readInt32BE(0), 256 * 1024)
    })
    const socket = connect({host: '127.0.0.1', port: server.port})
    socket.pause()
    await new Promise((resolve) => socket.once('connect', resolve))
    const total = 2000
    socket.write(Buffer.concat(Array.from({length: total}, (_, i) => frame(i))))
    const [conn] = await (async () => {
      await until(() => server.connections.size === 1, 'the connection')
      return [...server.connections]
    })()
    await until(() => conn.socket.isPaused(), 'reading to pause')
    // 2000 answers of 256 KiB would be 500 MiB; the socket buffers hold a small part of it.
    expect(handled).toBeLessThan(total)
    const got: number[] = []
    const splitter = new FrameSplitter(1 << 20)
    socket.on('data', (c: Buffer) => {
      for (const f of splitter.push(c)) got.push(f.readInt32BE(0))
    })
    socket.resume()
    await until(() => got.length === total, 'every answer')
    expect(got).toEqual(Array.from({length: total}, (_, i) => i))
    socket.destroy()
  })
})
