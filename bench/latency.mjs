// produce -> tail-following consume latency.
//
// A producer `logpipe produce T --linger-ms 0` reads lines from a pipe that
// this process writes at a steady rate; each line carries its sequence number
// and send time (µs, performance.timeOrigin + performance.now()). A follower
// `logpipe consume T -o end -F '%s\n'` prints what it sees; we read its
// stdout and take receive time - send time per record. Both clocks are this
// process's, so no clock skew enters.
//
// The bench's own work stays out of the figures: lines are written into and
// parsed out of Buffers digit by digit, so this process makes almost no
// garbage (with a string per line it collected garbage 5-10 times a second,
// and a record arriving during one of those pauses was stamped late).
//
//   node bench/latency.mjs [--rate 2000] [--count 10000] [--reference]   (prints JSON)
//
// --reference runs bench/latency-reference.mjs in place of logpipe: the
// same pipes and fs.watch with nothing else to do, i.e. what the machine's
// wake-ups alone cost.
import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {performance} from 'node:perf_hooks'
import {readFileSync} from 'node:fs'
import {NODE, RUN_JS, RECORD_SIZE, cpuBusySeconds, logpipe, percentile, removeDir, sleep, tempDir} from './lib.mjs'

const REFERENCE_JS = fileURLToPath(new URL('./latency-reference.mjs', import.meta.url))

/** CPU seconds (user+sys) a live process has used, from /proc; 0 if unknown. */
function procCpu(pid) {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'latin1')
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / 100 // utime, stime (fields 14, 15)
  } catch {
    return 0
  }
}
const selfCpu = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

/** A timeout that does not keep the process alive. */
const later = (ms) => new Promise((r) => setTimeout(r, ms).unref())
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000)

const NL = 10
const SPACE = 32
/** A record line: `KIND SEQ SENT_US ` then 'x' up to RECORD_SIZE - 1, then '\n'. */
const TEMPLATE = Buffer.alloc(RECORD_SIZE, 'x')
TEMPLATE[RECORD_SIZE - 1] = NL

/** Writes `n` in decimal at buf[pos]; returns the position after it. */
function putInt(buf, pos, n) {
  let digits = 1
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++
  for (let i = digits - 1, x = n; i >= 0; i--, x = Math.floor(x / 10)) buf[pos + i] = 48 + (x % 10)
  return pos + digits
}

/** One line at buf[at .. at + RECORD_SIZE). */
function putLine(buf, at, kind, seq, us) {
  TEMPLATE.copy(buf, at)
  buf[at] = kind.charCodeAt(0)
  buf[at + 1] = SPACE
  const p = putInt(buf, at + 2, seq)
  buf[p] = SPACE
  buf[putInt(buf, p + 1, us)] = SPACE
}

function line(kind, seq, us) {
  const buf = Buffer.allocUnsafe(RECORD_SIZE)
  putLine(buf, 0, kind, seq, us)
  return buf
}

/**
 * One latency run. Resolves {sent, received, p50, p99, p999, max, mean,
 * achievedRate} (ms) or rejects.
 */
export async function runLatency({rate = 2000, count = 10_000, warmupMs = 1000, timeoutMs = 30_000, reference = false} = {}) {
  // The reference takes logpipe's arguments and ignores them.
  const program = reference ? REFERENCE_JS : RUN_JS
  const dataDir = tempDir()
  const children = []
  try {
    if (!reference) await logpipe(dataDir, ['topic', 'create', 'latency', '--partitions', '1'], {rss: false})
    const env = {...process.env, LOGPIPE_DATA_DIR: dataDir}
    const follower = spawn(NODE, [program, 'consume', 'latency', '-o', 'end', '-F', '%s\\n'], {stdio: ['ignore', 'pipe', 'pipe'], env})
    children.push(follower)
    const producer = spawn(NODE, [program, 'produce', 'latency', '--linger-ms', '0'], {stdio: ['pipe', 'ignore', 'pipe'], env})
    children.push(producer)
    let errors = ''
    for (const c of children) c.stderr.on('data', (d) => (errors += d))
    producer.stdin.on('error', () => {})
    const exited = (c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('close', r)))

    const lat = new Float64Array(count)
    const got = new Uint8Array(count)
    let received = 0
    let warmSeen = 0
    // The start of a line split across chunks (lines are RECORD_SIZE bytes).
    const carry = Buffer.alloc(RECORD_SIZE)
    let carried = 0
    let onAll = null
    let onWarm = null
    const take = (buf, start) => {
      // "K SEQ US ...": the kind, then two decimal fields.
      const kind = buf[start]
      let i = start + 2
      let seq = 0
      for (; buf[i] !== SPACE; i++) seq = seq * 10 + buf[i] - 48
      let sent = 0
      for (i++; buf[i] !== SPACE; i++) sent = sent * 10 + buf[i] - 48
      return {kind, seq, sent}
    }
    const record = (kind, seq, sent, t) => {
      if (kind === 119 /* w */) {
        warmSeen++
        onWarm?.()
      } else if (kind === 109 /* m */ && seq >= 0 && seq < count && !got[seq]) {
        got[seq] = 1
        lat[seq] = (t - sent) / 1000
        if (++received === count) onAll?.()
      }
    }
    follower.stdout.on('data', (chunk) => {
      const t = nowUs()
      let start = 0
      if (carried > 0) {
        const end = chunk.indexOf(NL)
        if (end < 0 || carried + end >= RECORD_SIZE) throw new Error('follower printed a line that is not a record')
        chunk.copy(carry, carried, 0, end + 1)
        carried = 0
        const r = take(carry, 0)
        record(r.kind, r.seq, r.sent, t)
        start = end + 1
      }
      for (let i = chunk.indexOf(NL, start); i >= 0; i = chunk.indexOf(NL, start)) {
        const r = take(chunk, start)
        record(r.kind, r.seq, r.sent, t)
        start = i + 1
      }
      if (start < chunk.length) {
        if (chunk.length - start >= RECORD_SIZE) throw new Error('follower printed a line that is not a record')
        carried = chunk.copy(carry, 0, start)
      }
    })

    // Warm-up: until the follower has shown a record (so it is following),
    // then `warmupMs` more at the target rate; none of it is counted.
    const deadline = Date.now() + 20_000
    for (let w = 0; warmSeen === 0; w++) {
      if (Date.now() > deadline || follower.exitCode !== null || producer.exitCode !== null) {
        throw new Error(`follower never saw a record: ${errors.trim() || 'no error output'}`)
      }
      producer.stdin.write(line('w', w, nowUs()))
      await Promise.race([sleep(20), new Promise((r) => (onWarm = r))])
      onWarm = null
    }
    await sendSteady(producer.stdin, 'w', Math.round((rate * warmupMs) / 1000), rate)

    const allIn = new Promise((r) => (onAll = r))
    const ours = () => procCpu(producer.pid) + procCpu(follower.pid) + selfCpu()
    const busy0 = cpuBusySeconds()
    const ours0 = ours()
    const t0 = performance.now()
    await sendSteady(producer.stdin, 'm', count, rate)
    const sendMs = performance.now() - t0
    await Promise.race([allIn, later(timeoutMs)])
    const wallS = (performance.now() - t0) / 1000
    const oursS = ours() - ours0
    const otherCores = busy0 === null ? null : Math.max(0, (cpuBusySeconds() - busy0 - oursS) / wallS)
    producer.stdin.end()
    await Promise.race([exited(producer), later(10_000)])
    follower.kill('SIGTERM')
    await Promise.race([exited(follower), later(5_000)])

    const xs = []
    for (let i = 0; i < count; i++) if (got[i]) xs.push(lat[i])
    xs.sort((a, b) => a - b)
    const mean = xs.reduce((s, x) => s + x, 0) / (xs.length || 1)
    return {
      sent: count,
      received: xs.length,
      rate,
      achievedRate: (count / sendMs) * 1000,
      p50: percentile(xs, 0.5),
      p99: percentile(xs, 0.99),
      p999: percentile(xs, 0.999),
      max: xs[xs.length - 1] ?? null,
      mean,
      cpuCores: oursS / wallS, // producer + follower + this process
      otherCores,
      errors: errors.trim(),
    }
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
    removeDir(dataDir)
  }
}

/**
 * Writes `n` lines at `rate` per second: record i is due at t0 + i/rate; on
 * each timer tick every record due is sent (stamped when written).
 */
async function sendSteady(stream, kind, n, rate) {
  const t0 = performance.now()
  let i = 0
  while (i < n) {
    const now = performance.now()
    const due = Math.min(n, Math.floor(((now - t0) * rate) / 1000) + 1)
    if (due > i) {
      // Small bursts come from Node's shared buffer pool: no garbage to speak of.
      const buf = Buffer.allocUnsafe((due - i) * RECORD_SIZE)
      const us = nowUs()
      for (let at = 0; i < due; i++, at += RECORD_SIZE) putLine(buf, at, kind, i, us)
      stream.write(buf)
    }
    if (i < n) await sleep(Math.max(0, ((i * 1000) / rate) - (performance.now() - t0)))
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, d) => {
    const i = process.argv.indexOf(name)
    return i > 0 ? Number(process.argv[i + 1]) : d
  }
  const r = await runLatency({rate: arg('--rate', 2000), count: arg('--count', 10_000), reference: process.argv.includes('--reference')})
  process.stdout.write(JSON.stringify(r, null, 2) + '\n')
}
