/**
 * A broker for a test: the built CLI's `broker start` on a free loopback
 * port against the test's data directory, ready once it has printed its
 * address, stopped (SIGTERM, then SIGKILL if it will not) when the test
 * ends. Plus a raw socket to send it hand-made bytes.
 */
import {connect, type Socket} from 'node:net'
import {execa, type ResultPromise} from 'execa'
import {afterEach} from 'vitest'
import {BIN} from './cli.js'
import {watchOutput} from '../e2e/support.js'

export interface RunningBroker {
  address: string
  host: string
  port: number
  proc: ResultPromise
  /** Everything it logged so far. */
  stderr(): string
  /** SIGTERM and wait for the exit. */
  stop(): Promise<{exitCode?: number; stderr: string}>
}

const running: ResultPromise[] = []

afterEach(async () => {
  const left = running.splice(0)
  for (const p of left) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM')
  const timer = setTimeout(() => {
    for (const p of left) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
  }, 10_000)
  await Promise.allSettled(left)
  clearTimeout(timer)
})

/**
 * Starts `broker start` with `env` (the test's cli().env) and waits for its
 * address. On any free port unless `args` has --listen or `defaultListen`
 * asks for the broker's own default (9092 or the next free port).
 */
export async function startBroker(env: Record<string, string>, args: string[] = [], options: {defaultListen?: boolean} = {}): Promise<RunningBroker> {
  const listen = args.includes('--listen') || options.defaultListen ? [] : ['--listen', '127.0.0.1:0']
  const proc = execa(process.execPath, [BIN, 'broker', 'start', ...listen, ...args], {reject: false, env, extendEnv: false, stdin: 'ignore'})
  running.push(proc)
  let stderr = ''
  proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const out = watchOutput(proc)
  const text = await out.until((s) => s.includes('\n'), 'the broker to print its address', 20_000)
  const address = text.split('\n')[0]
  const m = /^(.*):(\d+)$/.exec(address)
  if (!m) throw new Error(`broker printed ${JSON.stringify(address)}, not HOST:PORT`)
  return {
    address,
    host: m[1],
    port: Number(m[2]),
    proc,
    stderr: () => stderr,
    async stop() {
      proc.kill('SIGTERM')
      const r = await proc
      return {exitCode: r.exitCode, stderr}
    },
  }
}

/** A raw client connection; `closed` resolves when the broker closes it. */
export async function rawConnection(port: number): Promise<{socket: Socket; closed: Promise<void>; received: () => Buffer}> {
  const socket = connect({host: '127.0.0.1', port})
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  const chunks: Buffer[] = []
  socket.on('data', (c: Buffer) => chunks.push(c))
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return {socket, closed, received: () => Buffer.concat(chunks)}
}
