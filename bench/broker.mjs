// The broker's figures (issue 10, Performance): a `logpipe broker start`
// process on a data dir, and what kcat does against it.
//
//   startBroker(dataDir)          the broker, its address, and its CPU and memory from /proc
//   runBrokerLatency({rate, count})  kcat -P into a broker, kcat -C following it: produce-to-fetch latency
//   holdConnections(address, topic, partitions, n)  n connections, each fetching every partition to its end
//
// kcat runs with librdkafka's defaults (linger.ms 5, fetch.wait.max.ms 500,
// fetch.min.bytes 1); only -u (unbuffered output) is added to the follower,
// so its stdout buffer does not stand in for the broker.
import {spawn} from 'node:child_process'
import {connect} from 'node:net'
import {dirname, join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {performance} from 'node:perf_hooks'
import {readFileSync} from 'node:fs'
import {NODE, RUN_JS, RECORD_SIZE, cpuBusySeconds, logpipe, percentile, removeDir, sleep, tempDir} from './lib.mjs'

/** CPU seconds (user+sys) a live process has used, from /proc; 0 if unknown. */
export function procCpu(pid) {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'latin1')
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return 0
  }
}

/** Current and peak resident set of a live process, in KiB, from /proc. */
export function procRss(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'latin1')
    return {rssKB: Number(/VmRSS:\s+(\d+)/.exec(s)?.[1]), peakKB: Number(/VmHWM:\s+(\d+)/.exec(s)?.[1])}
  } catch {
    return {rssKB: null, peakKB: null}
  }
}

const later = (ms) => new Promise((r) => setTimeout(r, ms).unref())

// BENCH_BROKER_NODE_ARGS: node flags for every broker the bench starts (`--cpu-prof --cpu-prof-dir=DIR` to profile them).
const BROKER_NODE_ARGS = (process.env.BENCH_BROKER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '')

export async function startBroker(dataDir, args = []) {
  const child = spawn(NODE, [...BROKER_NODE_ARGS, RUN_JS, 'broker', 'start', '--listen', '127.0.0.1:0', ...args], {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, LOGPIPE_DATA_DIR: dataDir}})
  let out = ''
  let err = ''
  child.stderr.on('data', (d) => (err += d))
  const address = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not start: ${err.trim()}`)), 20_000)
    child.stdout.on('data', (d) => {
      out += d
      const i = out.indexOf('\n')
      if (i >= 0) {
        clearTimeout(timer)
        resolve(out.slice(0, i).trim())
      }
    })
    child.once('exit', (code) => reject(new Error(`broker exited ${code}: ${err.trim()}`)))
  })
  return {
    address,
    pid: child.pid,
    cpu: () => procCpu(child.pid),
    rss: () => procRss(child.pid),
    stderr: () => err,
    /** kill -9, resolved once the process is gone. */
    async kill9() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const gone = new Promise((r) => child.once('exit', r))
      child.kill('SIGKILL')
      await gone
    },
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await Promise.race([new Promise((r) => child.once('exit', r)), later(10_000)])
      if (child.exitCode === null) child.kill('SIGKILL')
    },
  }
}

const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000)
const line = (kind, seq, us) => `${kind} ${seq} ${us} `.padEnd(RECORD_SIZE - 1, 'x') + '\n'

/**
 * kcat -P reads lines the bench writes into its stdin at `rate`; each
 * carries its send time. kcat -C -o end -u follows the topic through the
 * same broker; receive - send per record, on the bench's one clock.
 */
export async function runBrokerLatency({rate = 10_000, count = 10_000, warmupMs = 1000, timeoutMs = 30_000} = {}) {
  const dataDir = tempDir()
  const children = []
  let broker = null
  try {
    await logpipe(dataDir, ['topic', 'create', 'latency'], {rss: false})
    broker = await startBroker(dataDir)
    const follower = spawn('kcat', ['-C', '-b', broker.address, '-t', 'latency', '-o', 'end', '-u', '-q', '-f', '%s\n'], {stdio: ['ignore', 'pipe', 'pipe']})
    children.push(follower)
    const producer = spawn('kcat', ['-P', '-b', broker.address, '-t', 'latency'], {stdio: ['pipe', 'ignore', 'pipe']})
    children.push(producer)
    let errors = ''
    for (const c of children) c.stderr.on('data', (d) => (errors += d))
    producer.stdin.on('error', () => {})
    const lat = new Float64Array(count)
    const got = new Uint8Array(count)
    let received = 0
    let warmSeen = 0
    let leftover = ''
    let onAll = null
    follower.stdout.setEncoding('latin1')
    follower.stdout.on('data', (chunk) => {
      const t = nowUs()
      const text = leftover + chunk
      let start = 0
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
        const [kind, seq, sent] = text.slice(start, i).split(' ', 3)
        start = i + 1
        if (kind === 'w') warmSeen++
        else if (kind === 'm' && !got[Number(seq)] && Number(seq) < count) {
          got[Number(seq)] = 1
          lat[Number(seq)] = (t - Number(sent)) / 1000
          if (++received === count) onAll?.()
        }
      }
      leftover = text.slice(start)
    })
    const deadline = Date.now() + 20_000
    for (let w = 0; warmSeen === 0; w++) {
      if (Date.now() > deadline || follower.exitCode !== null || producer.exitCode !== null) throw new Error(`kcat -C never saw a record: ${errors.trim() || 'no error output'}`)
      producer.stdin.write(line('w', w, nowUs()))
      await sleep(50)
    }
    await sendSteady(producer.stdin, 'w', Math.round((rate * warmupMs) / 1000), rate)
    const allIn = new Promise((r) => (onAll = r))
    const busy0 = cpuBusySeconds()
    const broker0 = broker.cpu()
    const t0 = performance.now()
    await sendSteady(producer.stdin, 'm', count, rate)
    const sendMs = performance.now() - t0
    // kcat -P holds the last few lines it read until more come (up to EOF): keep the stream going, uncounted, so the measured ones leave.
    await sendSteady(producer.stdin, 'w', Math.round(rate / 10), rate)
    await Promise.race([allIn, later(timeoutMs)])
    const wallS = (performance.now() - t0) / 1000
    const brokerCores = (broker.cpu() - broker0) / wallS
    const otherCores = busy0 === null ? null : Math.max(0, (cpuBusySeconds() - busy0) / wallS - brokerCores)
    producer.stdin.end()
    const xs = []
    const missing = []
    for (let i = 0; i < count; i++) if (got[i]) xs.push(lat[i])
    else if (missing.length < 10) missing.push(i)
    xs.sort((a, b) => a - b)
    return {
      missing,
      sent: count,
      received: xs.length,
      achievedRate: (count / sendMs) * 1000,
      p50: percentile(xs, 0.5),
      p99: percentile(xs, 0.99),
      p999: percentile(xs, 0.999),
      max: xs[xs.length - 1] ?? null,
      brokerCores,
      otherCores,
    }
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
    await broker?.stop()
    removeDir(dataDir)
  }
}

async function sendSteady(stream, kind, n, rate) {
  const t0 = performance.now()
  let i = 0
  while (i < n) {
    const due = Math.min(n, Math.floor(((performance.now() - t0) * rate) / 1000) + 1)
    if (due > i) {
      let s = ''
      const us = nowUs()
      for (; i < due; i++) s += line(kind, i, us)
      stream.write(s)
    }
    if (i < n) await sleep(Math.max(0, (i * 1000) / rate - (performance.now() - t0)))
  }
}

/**
 * `n` connections to the broker, each a client that asks Metadata and then
 * fetches every partition of `topic` from offset 0 until it has all of
 * `records`, then leaves a long-polling Fetch open. Resolves once every
 * connection has read everything, with `close()` to end them.
 */
export async function holdConnections(address, topic, partitions, records, n) {
  const dist = join(dirname(RUN_JS), '..', 'dist', 'core', 'wire')
  const load = (f) => import(pathToFileURL(join(dist, f)).href)
  const {encodeRequestFrame, decodeResponseFrame} = await load('envelope.js')
  const {FrameSplitter} = await load('frame.js')
  const {fetch} = await load('messages/01-fetch.js')
  const {metadata} = await load('messages/03-metadata.js')
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))]
  const sockets = []
  const one = async (c) => {
    const socket = connect({host, port})
    sockets.push(socket)
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject))
    const frames = new FrameSplitter(256 << 20)
    const waiting = new Map()
    socket.on('data', (chunk) => {
      for (const f of frames.push(chunk)) waiting.get(f.readInt32BE(0))?.(Buffer.from(f))
    })
    socket.on('error', () => {})
    let id = 0
    const send = (schema, version, value) => {
      const cid = ++id
      const p = new Promise((resolve) => waiting.set(cid, (f) => resolve(decodeResponseFrame(schema, version, f).body)))
      socket.write(encodeRequestFrame(schema, version, {correlationId: cid, clientId: `bench-${c}`}, value))
      return p
    }
    await send(metadata, 4, {topics: [{name: topic}], allowAutoTopicCreation: false})
    const next = new Array(partitions).fill(0n)
    let have = 0
    while (have < records) {
      const r = await send(fetch, 11, {
        replicaId: -1,
        maxWaitMs: 500,
        minBytes: 1,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        topics: [{topic, partitions: next.map((offset, partition) => ({partition, fetchOffset: offset, currentLeaderEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20}))}],
      })
      for (const p of r.responses[0].partitions) {
        const i = p.partitionIndex
        const b = p.records
        if (!b || b.length === 0) continue
        for (let pos = 0; pos + 61 <= b.length; ) {
          const size = b.readInt32BE(pos + 8) + 12
          if (pos + size > b.length) break
          const base = b.readBigInt64BE(pos)
          const last = base + BigInt(b.readInt32BE(pos + 23))
          if (last >= next[i]) {
            have += Number(last + 1n - (base > next[i] ? base : next[i]))
            next[i] = last + 1n
          }
          pos += size
        }
      }
    }
    // Stay connected, waiting on the log end as a caught-up consumer does.
    send(fetch, 11, {replicaId: -1, maxWaitMs: 30_000, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, topics: [{topic, partitions: next.map((offset, partition) => ({partition, fetchOffset: offset, currentLeaderEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20}))}]})
  }
  await Promise.all(Array.from({length: n}, (_, c) => one(c)))
  return {close: () => sockets.forEach((s) => s.destroy())}
}
