/**
 * Small helpers the end-to-end tests share: checking that a failure is one
 * clean `logpipe: ...` line with the right exit code, listing a directory
 * tree (to prove a failed command created nothing), waiting for a
 * subprocess's output to a deadline, and a seeded byte generator.
 */
import {mkdtempSync, readdirSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, relative} from 'node:path'
import {pathToFileURL} from 'node:url'
import type {ResultPromise} from 'execa'
import {afterAll, afterEach, expect} from 'vitest'
import {cli, ROOT} from '../helpers/cli.js'
import {assertKafkajsDecodes} from '../helpers/kafkajs.js'

/**
 * A CLI on one data directory shared by the tests of a describe block (read
 * only tests over the same records), checked by kafkajs and removed after
 * the block. `cli()` alone gives each test its own, removed after the test.
 */
export function sharedCli() {
  const base = mkdtempSync(join(tmpdir(), 'logpipe-test-'))
  const c = cli(base)
  afterAll(async () => {
    try {
      await assertKafkajsDecodes(c.dataDir)
    } finally {
      rmSync(base, {recursive: true, force: true})
    }
  })
  return c
}

/** Runs `fn` once, the first time any test of a block asks for it. */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | null = null
  return () => (done ??= fn())
}

export interface RunResult {
  exitCode?: number
  signal?: string
  stdout: unknown
  stderr: unknown
}

export const EXIT = {OK: 0, RUNTIME: 1, USAGE: 2, NOT_FOUND: 3} as const

/** No line of a Node stack trace. */
export const STACK_LINE = /^\s+at .+(\(|:\d+)/m

/**
 * The command failed as DESIGN.md section 3 says: the exit code, stderr is
 * one line `logpipe: <what>` (matching `what`) plus at most a `hint:` line,
 * no stack trace, nothing on stdout.
 */
export function expectCleanError(r: RunResult, exitCode: number, what: RegExp): string {
  const stderr = String(r.stderr)
  expect(r.exitCode, `exit code; stderr: ${stderr}`).toBe(exitCode)
  const lines = stderr.replace(/\n$/, '').split('\n')
  expect(lines[0]).toMatch(/^logpipe: \S/)
  expect(lines[0]).toMatch(what)
  expect(lines.length, `stderr is one line plus an optional hint: ${stderr}`).toBeLessThanOrEqual(2)
  if (lines.length === 2) expect(lines[1]).toMatch(/^hint: \S/)
  expect(stderr).not.toMatch(STACK_LINE)
  expect(String(r.stdout)).toBe('')
  return lines[0]
}

/** Succeeded with nothing on stderr. */
export function expectOk(r: RunResult): void {
  expect(r.exitCode, `exit code; stderr: ${String(r.stderr)}`).toBe(0)
  expect(String(r.stderr)).toBe('')
}

/** Every path under `dir` (relative, sorted, directories marked with a '/'); [] when missing. */
export function tree(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    let names: string[]
    try {
      names = readdirSync(d)
    } catch {
      return
    }
    for (const name of names) {
      const p = join(d, name)
      if (statSync(p).isDirectory()) {
        out.push(relative(dir, p) + '/')
        walk(p)
      } else {
        out.push(relative(dir, p))
      }
    }
  }
  walk(dir)
  return out.sort()
}

interface Streaming {
  stdout: NodeJS.ReadableStream | null
  stderr: NodeJS.ReadableStream | null
  then: PromiseLike<unknown>['then']
}

/**
 * Watches a running subprocess's output from the moment it starts, so that
 * `until` sees everything it printed, including what came before the call.
 */
export function watchOutput(sub: Streaming) {
  let stdout = ''
  let stderr = ''
  let ended = false
  const listeners = new Set<() => void>()
  const changed = () => {
    for (const l of [...listeners]) l()
  }
  sub.stdout?.on('data', (chunk: Buffer | string) => {
    stdout += chunk.toString()
    changed()
  })
  sub.stderr?.on('data', (chunk: Buffer | string) => {
    stderr += chunk.toString()
  })
  const settle = () => {
    ended = true
    changed()
  }
  void Promise.resolve(sub).then(settle, settle)
  return {
    get stdout() {
      return stdout
    },
    /** Resolves with stdout once `done(stdout)` holds; fails at the deadline or when the process ends first. */
    until(done: (text: string) => boolean, what: string, deadlineMs = 10_000): Promise<string> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (done(stdout)) finish()
          else if (ended) finish(new Error(`the process ended before ${what}; stdout: ${JSON.stringify(stdout)}; stderr: ${JSON.stringify(stderr)}`))
        }
        const finish = (error?: Error) => {
          clearTimeout(timer)
          listeners.delete(check)
          if (error) reject(error)
          else resolve(stdout)
        }
        const timer = setTimeout(
          () => finish(new Error(`timed out after ${deadlineMs} ms waiting for ${what}; stdout so far: ${JSON.stringify(stdout)}; stderr: ${JSON.stringify(stderr)}`)),
          deadlineMs,
        )
        listeners.add(check)
        check()
      })
    },
  }
}

/** mulberry32: a small seeded PRNG, so "random" inputs are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `count` records of random bytes (none of them `exclude`), lengths 0..maxLength. */
export function randomRecords(seed: number, count: number, maxLength: number, exclude = 0): Buffer[] {
  const rnd = seededRandom(seed)
  const out: Buffer[] = []
  for (let i = 0; i < count; i++) {
    const b = Buffer.alloc(Math.floor(rnd() * (maxLength + 1)))
    for (let j = 0; j < b.length; j++) {
      let v = Math.floor(rnd() * 256)
      if (v === exclude) v = (v + 1 + Math.floor(rnd() * 255)) % 256
      b[j] = v
    }
    out.push(b)
  }
  return out
}

/** The built library (dist/index.js), as a user of the package imports it. */
export async function library(): Promise<{partitionForKey: (key: Uint8Array, partitions: number) => number}> {
  return import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)
}

/** Lines of a text output, without the empty string after the final newline. */
export function lines(text: unknown): string[] {
  const s = String(text)
  if (s === '') return []
  return s.replace(/\n$/, '').split('\n')
}

/**
 * Processes a test starts: any still running when the test ends (it failed)
 * are killed before the next one begins. Call once per file.
 */
export function trackProcesses(): ResultPromise[] {
  const running: ResultPromise[] = []
  afterEach(async () => {
    const left = running.splice(0)
    for (const p of left) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
    await Promise.allSettled(left)
  })
  return running
}

/** Polls `cond` every few milliseconds until it holds, failing with `what` at the deadline. */
export async function waitFor(cond: () => boolean, what: string, deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
