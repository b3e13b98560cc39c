// Helpers shared by the bench scripts: temp dirs, input files, timed child
// processes (wall time from the bench, peak RSS from /usr/bin/time), medians,
// machine facts and table formatting.
import {spawn, spawnSync, execFileSync} from 'node:child_process'
import {performance} from 'node:perf_hooks'
import {createHash} from 'node:crypto'
import {closeSync, cpSync, createReadStream, existsSync, symlinkSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync} from 'node:fs'
import {cpus, tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export let RUN_JS = join(ROOT, 'bin/run.js')

/**
 * Runs logpipe from a copy of the build (bin/, dist/, package.json,
 * oclif.manifest.json; node_modules linked), so that a rebuild of the work
 * tree while the bench runs cannot change or break what is measured.
 */
export function snapshotBuild() {
  const dir = tempDir('logpipe-bench-build-')
  for (const f of ['bin', 'dist', 'package.json', 'oclif.manifest.json']) {
    if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(dir, f), {recursive: true})
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
  RUN_JS = join(dir, 'bin/run.js')
  return dir
}
// BENCH_NODE runs the measured processes with another Node binary (issue 9 point 6
// is judged on Node 20, 22 and 24); the bench itself keeps running on this one.
export const NODE = process.env.BENCH_NODE || process.execPath
export const RECORD_SIZE = 100 // bytes per record, '\n' included
export const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null

/** A fresh temp directory, removed by `cleanup()` (and at exit). */
const temps = new Set()
export function tempDir(prefix = 'logpipe-bench-') {
  const d = mkdtempSync(join(tmpdir(), prefix))
  temps.add(d)
  return d
}
export function removeDir(d) {
  rmSync(d, {recursive: true, force: true})
  temps.delete(d)
}
export function cleanupAll() {
  for (const d of [...temps]) removeDir(d)
}
process.on('exit', cleanupAll)

/**
 * Writes `n` records of RECORD_SIZE bytes (RECORD_SIZE-1 printable bytes and
 * '\n'); each line starts with its number so lines differ.
 */
export function writeInput(file, n) {
  const per = 10_000
  const chunk = Buffer.alloc(per * RECORD_SIZE)
  const fd = openSync(file, 'w')
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
  for (let i = 0; i < RECORD_SIZE - 1; i++) chunk[i] = alphabet.charCodeAt((i * 7) % alphabet.length)
  chunk[RECORD_SIZE - 1] = 10
  for (let r = 1; r < per; r++) chunk.copy(chunk, r * RECORD_SIZE, 0, RECORD_SIZE)
  for (let done = 0; done < n; ) {
    const k = Math.min(per, n - done)
    for (let r = 0; r < k; r++) chunk.write(String(done + r).padStart(10, '0'), r * RECORD_SIZE, 'latin1')
    writeSync(fd, chunk, 0, k * RECORD_SIZE)
    done += k
  }
  closeSync(fd)
}

/**
 * Runs a command and measures it (`rss: false`: an untimed helper run).
 * A timed run first waits for the machine to be idle (see quietGate); with
 * `sync`, dirty pages are written out first so that one run's write-back
 * does not land on the next. `stdin`/`stdout` are file paths (or
 * 'ignore'/'pipe'); the wall time is taken here with hrtime, peak RSS
 * (maximum resident set size) by /usr/bin/time when it exists.
 * Resolves {ms, rssKB, cpuS (user+sys seconds), otherCores (CPU used by
 * everything else on the machine meanwhile, in cores), code, stdout, stderr}; rejects on a non-zero exit
 * unless `allowFail`.
 */
export async function run(cmd, args, {stdin = 'ignore', stdout = 'ignore', env, cwd = ROOT, allowFail = false, rss = true, sync = false, gate = true, timeoutMs = 300_000} = {}) {
  if (sync) syncDisks()
  if (rss && gate) await quietGate() // a timed run
  return new Promise((resolve, reject) => {
    let timeFile = null
    let file = cmd
    let argv = args
    if (rss && TIME) {
      timeFile = join(tmpdir(), `logpipe-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`)
      file = TIME
      argv = ['-f', '%M %U %S', '-o', timeFile, cmd, ...args]
    }
    const fds = []
    const open = (spec, flags) => {
      if (spec === 'ignore' || spec === 'pipe' || spec === 'inherit') return spec
      const fd = openSync(spec, flags)
      fds.push(fd)
      return fd
    }
    const stdio = [open(stdin, 'r'), open(stdout, 'w'), 'pipe']
    const busy0 = cpuBusySeconds()
    const t0 = process.hrtime.bigint()
    const child = spawn(file, argv, {stdio, cwd, env: {...process.env, ...env}})
    const out = []
    const err = []
    child.stdout?.on('data', (d) => out.push(d))
    child.stderr.on('data', (d) => err.push(d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6
      const busy = cpuBusySeconds() - busy0
      clearTimeout(timer)
      for (const fd of fds) closeSync(fd)
      let rssKB = null
      let cpuS = null
      if (timeFile) {
        try {
          const lines = readFileSync(timeFile, 'utf8').trim().split('\n')
          const [m, u, s] = lines[lines.length - 1].split(' ').map(Number)
          rssKB = m
          cpuS = u + s
        } catch {}
        rmSync(timeFile, {force: true})
      }
      // /proc/stat counts in 10 ms ticks: too coarse for short runs.
      const otherCores = busy0 === null || cpuS === null || ms < 500 ? null : Math.max(0, (busy - cpuS) / (ms / 1000))
      const result = {ms, rssKB, cpuS, otherCores, code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString()}
      if ((code !== 0 || signal) && !allowFail) {
        reject(new Error(`${cmd} ${args.join(' ')} exited ${code ?? signal}: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`))
      } else resolve(result)
    })
  })
}

/** logpipe as the bench runs it: `node bin/run.js ...` on a data dir. */
export function logpipe(dataDir, args, opts = {}) {
  return run(NODE, [RUN_JS, ...args], {...opts, env: {...opts.env, LOGPIPE_DATA_DIR: dataDir}})
}

/**
 * CPU seconds the whole machine has spent busy (user, nice, system, irq,
 * softirq, steal) since boot, from /proc/stat; null where there is none.
 */
export function cpuBusySeconds() {
  try {
    const f = readFileSync('/proc/stat', 'latin1')
    const v = f.slice(0, f.indexOf('\n')).trim().split(/\s+/).slice(1).map(Number)
    return (v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] || 0)) / 100
  } catch {
    return null
  }
}

/** `sync`: writes every dirty page out (untimed, before write-heavy runs). */
export function syncDisks() {
  spawnSync('sync', [], {stdio: 'ignore'})
}

/**
 * Other processes share this machine. Before a timed run, wait until the
 * rest of the machine uses less than `threshold` cores over 250 ms, for at
 * most `perRunMs`, and for at most `totalMs` over the whole bench; then go
 * on regardless. `gateStats` says how it went.
 */
export const gateStats = {runs: 0, quiet: 0, waitedMs: 0, enabled: process.env.BENCH_QUIET_WAIT !== '0'}
const GATE = {threshold: 0.25, perRunMs: 3000, totalMs: Number(process.env.BENCH_QUIET_TOTAL_MS ?? 30_000)}
export async function quietGate() {
  if (!gateStats.enabled) return
  gateStats.runs++
  const t0 = Date.now()
  for (;;) {
    const b0 = cpuBusySeconds()
    const c0 = process.cpuUsage()
    const w0 = performance.now()
    await sleep(250)
    if (b0 === null) return
    const c = process.cpuUsage(c0)
    const wall = (performance.now() - w0) / 1000
    const other = (cpuBusySeconds() - b0 - (c.user + c.system) / 1e6) / wall
    const waited = Date.now() - t0
    if (other < GATE.threshold) {
      gateStats.quiet++
      gateStats.waitedMs += waited
      return
    }
    if (waited >= GATE.perRunMs || gateStats.waitedMs + waited >= GATE.totalMs) {
      gateStats.waitedMs += waited
      return
    }
  }
}

export function median(xs) {
  const s = xs.filter((x) => x !== null && x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b)
  if (s.length === 0) return null
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]
}

export function fileSize(f) {
  return statSync(f).size
}

export function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : ''
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown'
  let fs = 'unknown'
  try {
    const line = execFileSync('df', ['-PT', tmpdir()], {encoding: 'utf8'}).trim().split('\n').pop().split(/\s+/)
    fs = `${line[0]} (${line[1]}) mounted on ${line[6]}`
  } catch {}
  let mem = ''
  try {
    const kb = Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))[1])
    mem = `${(kb / 1024 / 1024).toFixed(1)} GiB`
  } catch {}
  let os = process.platform
  try {
    os = /PRETTY_NAME="([^"]*)"/.exec(readFileSync('/etc/os-release', 'utf8'))[1]
  } catch {}
  let kernel = ''
  try {
    kernel = execFileSync('uname', ['-r'], {encoding: 'utf8'}).trim()
  } catch {}
  return {cores: cpus().length, model, node: NODE === process.execPath ? process.version : execFileSync(NODE, ['--version'], {encoding: 'utf8'}).trim(), tmp: tmpdir(), fs, mem, os, kernel}
}

export const fmtInt = (n) => (n === null || n === undefined ? 'n/a' : Math.round(n).toLocaleString('en-US'))
export const fmt = (n, d = 1) => (n === null || n === undefined ? 'n/a' : n.toFixed(d))
export const fmtMs = (n) => (n === null || n === undefined ? 'n/a' : n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0))
export const fmtMB = (kb) => (kb === null || kb === undefined ? 'n/a' : (kb / 1024).toFixed(1))

/** A markdown table from a header row and rows of cells. */
export function table(header, rows) {
  const esc = (c) => String(c).replace(/\|/g, '\\|')
  return [`| ${header.map(esc).join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n')
}

export function log(msg) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`)
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** sha256 and byte count of a command's stdout, streamed (for checks, not timed). */
export function hashOutput(cmd, args, {env, stdin = 'ignore', cwd = ROOT} = {}) {
  return new Promise((resolve, reject) => {
    const fd = stdin === 'ignore' ? 'ignore' : openSync(stdin, 'r')
    const child = spawn(cmd, args, {stdio: [fd, 'pipe', 'pipe'], cwd, env: {...process.env, ...env}})
    const h = createHash('sha256')
    let bytes = 0
    let err = ''
    child.stdout.on('data', (d) => {
      h.update(d)
      bytes += d.length
    })
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('close', (code) => {
      if (typeof fd === 'number') closeSync(fd)
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.trim()}`))
      else resolve({sha256: h.digest('hex'), bytes, stderr: err})
    })
  })
}

/** sha256 and size of a file. */
export async function hashFile(file) {
  const h = createHash('sha256')
  let bytes = 0
  for await (const d of createReadStream(file, {highWaterMark: 4 << 20})) {
    h.update(d)
    bytes += d.length
  }
  return {sha256: h.digest('hex'), bytes}
}
