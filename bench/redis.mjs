// Redis Streams as a reference: the same records appended with XADD through
// `redis-cli --pipe` and read back with XRANGE.
//
// `redis-server` comes from Debian (installed here with apt-get when missing
// and we are root), runs on 127.0.0.1 on a free port with persistence off
// (no RDB, no AOF: Redis keeps the stream in memory only), and is stopped
// after. Anything that prevents this is reported as "not available: <why>".
//
//   node bench/redis.mjs read PORT [OUTPUT|-]  reader process (timed by run.mjs)
//   node bench/redis.mjs try INPUT            one ingest + read, for trying it out
import {spawn, spawnSync} from 'node:child_process'
import {closeSync, createReadStream, existsSync, openSync, writeSync} from 'node:fs'
import {createServer, connect} from 'node:net'
import {join} from 'node:path'
import {NODE, log, run, sleep, tempDir, removeDir} from './lib.mjs'

const STREAM = 'bench'

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], {encoding: 'utf8'})
  return r.status === 0 ? r.stdout.trim() : null
}

/** Makes sure redis-server and redis-cli exist; returns null or why not. */
export function ensureRedis() {
  if (which('redis-server') && which('redis-cli')) return null
  if (process.getuid?.() !== 0) {
    const sudo = which('sudo') && spawnSync('sudo', ['-n', 'true']).status === 0
    if (!sudo) return 'redis-server is not installed and installing it needs root (apt-get install redis-server)'
  }
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n']
  if (!which('apt-get')) return 'redis-server is not installed and there is no apt-get to install it'
  const apt = (args) => {
    const [cmd, ...rest] = [...asRoot, 'apt-get', ...args]
    log(`${cmd} ${rest.join(' ')}`)
    return spawnSync(cmd, rest, {
      encoding: 'utf8',
      timeout: 300_000,
      env: {...process.env, DEBIAN_FRONTEND: 'noninteractive'},
    })
  }
  let r = apt(['install', '-y', '-q', '--no-install-recommends', 'redis-server'])
  if (r.status !== 0) {
    apt(['update', '-q'])
    r = apt(['install', '-y', '-q', '--no-install-recommends', 'redis-server'])
  }
  if (r.status !== 0 || !which('redis-server') || !which('redis-cli')) {
    const why = (r.error?.message ?? r.stderr ?? '').trim().split('\n').filter(Boolean).slice(-1)[0] ?? `exit ${r.status}`
    return `apt-get install redis-server failed: ${why}`
  }
  return null
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const {port} = s.address()
      s.close(() => resolve(port))
    })
  })
}

/** Starts a private redis-server; resolves {port, stop, version}. */
export async function startRedis() {
  const dir = tempDir('logpipe-bench-redis-')
  const port = await freePort()
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--logfile', '', '--protected-mode', 'yes'],
    {stdio: ['ignore', 'pipe', 'pipe']},
  )
  let output = ''
  server.stdout.on('data', (d) => (output += d))
  server.stderr.on('data', (d) => (output += d))
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'shutdown', 'nosave'], {timeout: 5000})
      await Promise.race([new Promise((r) => server.once('close', r)), sleep(3000)])
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL')
    }
    removeDir(dir)
  }
  process.on('exit', () => server.exitCode === null && server.kill('SIGKILL'))
  for (let i = 0; i < 100; i++) {
    const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], {encoding: 'utf8'})
    if (r.stdout?.trim() === 'PONG') {
      const v = spawnSync('redis-server', ['--version'], {encoding: 'utf8'}).stdout.trim()
      return {port, stop, version: /v=(\S+)/.exec(v)?.[1] ?? v}
    }
    if (server.exitCode !== null) break
    await sleep(50)
  }
  await stop()
  throw new Error(`redis-server did not start: ${output.trim().split('\n').slice(-2).join(' | ')}`)
}

export function redisCli(port, args) {
  const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {encoding: 'utf8'})
  if (r.status !== 0) throw new Error(`redis-cli ${args.join(' ')}: ${r.stderr}`)
  return r.stdout.trim()
}

/**
 * The XADD commands for every line of INPUT, in Redis's wire protocol, for
 * `redis-cli --pipe` (made once, outside the timing, as the input file is).
 */
export async function writeXaddProtocol(input, output) {
  const fd = openSync(output, 'w')
  const out = Buffer.allocUnsafe(8 << 20)
  let pos = 0
  const prefix = Buffer.from(`*5\r\n$4\r\nXADD\r\n$${STREAM.length}\r\n${STREAM}\r\n$1\r\n*\r\n$1\r\nv\r\n$`)
  let leftover = Buffer.alloc(0)
  let n = 0
  const add = (buf, start, end) => {
    if (pos + 200 + end - start > out.length) {
      writeSync(fd, out, 0, pos)
      pos = 0
    }
    pos += prefix.copy(out, pos)
    pos += out.write(`${end - start}\r\n`, pos, 'latin1')
    pos += buf.copy(out, pos, start, end)
    out[pos++] = 13
    out[pos++] = 10
    n++
  }
  for await (const chunk of createReadStream(input, {highWaterMark: 4 << 20})) {
    const buf = leftover.length ? Buffer.concat([leftover, chunk]) : chunk
    let start = 0
    for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, start)) {
      add(buf, start, i)
      start = i + 1
    }
    leftover = buf.subarray(start)
  }
  if (leftover.length) add(leftover, 0, leftover.length)
  writeSync(fd, out, 0, pos)
  closeSync(fd)
  return n
}

/** The timed ingest: `redis-cli --pipe < PROTOCOL`; checks every reply was OK. */
export async function ingest(port, protocolFile, expected) {
  const r = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--pipe'], {stdin: protocolFile, stdout: 'pipe'})
  const m = /errors:\s*(\d+),\s*replies:\s*(\d+)/.exec(r.stdout)
  if (!m || Number(m[1]) !== 0 || Number(m[2]) !== expected) throw new Error(`redis-cli --pipe: ${r.stdout.trim().split('\n').pop()}`)
  return r
}

/** The timed read: a separate Node process paging XRANGE (see `reader`). */
export function readBack(port, output = '/dev/null') {
  return run(NODE, [new URL(import.meta.url).pathname, 'read', String(port), output], {stdout: 'pipe'})
}

/**
 * Reader: pages through the stream with XRANGE ... COUNT over one
 * connection, parses the replies (RESP) incrementally and writes each value
 * + '\n' to OUTPUT through one large buffer, as `consume` writes to stdout.
 * Prints the record count.
 */
async function reader(port, output = '/dev/null', pageSize = 10_000) {
  const out = output === '-' ? 1 : openSync(output, 'w')
  const obuf = Buffer.allocUnsafe(1 << 20)
  let opos = 0
  const flushOut = () => {
    let o = 0
    while (o < opos) o += writeSync(out, obuf, o, opos - o)
    opos = 0
  }
  const sock = connect({host: '127.0.0.1', port})
  sock.setNoDelay(true)
  await new Promise((r, j) => sock.once('connect', r).once('error', j))
  const cmd = (args) => {
    let s = `*${args.length}\r\n`
    for (const a of args) s += `$${Buffer.byteLength(a)}\r\n${a}\r\n`
    return s
  }
  let buf = Buffer.allocUnsafe(4 << 20)
  let have = 0
  let p = 0
  let entriesLeft = -1 // entries still to parse in the current reply; -1: reply header not read
  let inPage = 0
  let lastId = null
  let total = 0
  let resolvePage = null
  // Reads "<prefix><int>\r\n" at q; returns [int, next] or null if incomplete.
  const readLine = (q) => {
    const e = buf.indexOf(13, q)
    if (e < 0 || e + 1 >= have) return null
    return [Number(buf.toString("latin1", q + 1, e)), e + 2]
  }
  const parse = () => {
    for (;;) {
      if (entriesLeft < 0) {
        if (p >= have) return
        if (buf[p] === 45) throw new Error(`redis: ${buf.toString("latin1", p, have)}`) // '-ERR'
        const h = readLine(p)
        if (!h) return
        entriesLeft = h[0]
        inPage = h[0]
        p = h[1]
      }
      while (entriesLeft > 0) {
        // *2 $len id *2 $1 v $len value
        let q = p
        let h = readLine(q) // *2
        if (!h) return
        q = h[1]
        h = readLine(q) // $idlen
        if (!h) return
        const idStart = h[1]
        const idEnd = idStart + h[0]
        q = idEnd + 2
        if (q > have) return
        h = readLine(q) // *2 field/value pairs
        if (!h) return
        const pairs = h[0] / 2
        q = h[1]
        let vStart = 0
        let vEnd = 0
        for (let k = 0; k < pairs; k++) {
          h = readLine(q) // $flen
          if (!h) return
          q = h[1] + h[0] + 2
          if (q > have) return
          h = readLine(q) // $vlen
          if (!h) return
          vStart = h[1]
          vEnd = vStart + h[0]
          q = vEnd + 2
          if (q > have) return
        }
        if (opos + (vEnd - vStart) + 1 > obuf.length) flushOut()
        opos += buf.copy(obuf, opos, vStart, vEnd)
        obuf[opos++] = 10
        lastId = buf.toString("latin1", idStart, idEnd)
        p = q
        entriesLeft--
        total++
      }
      entriesLeft = -1
      const done = resolvePage
      resolvePage = null
      done?.(inPage)
      return
    }
  }
  sock.on('data', (chunk) => {
    if (have + chunk.length > buf.length) {
      // Drop what is parsed, then grow if still needed.
      buf.copy(buf, 0, p, have)
      have -= p
      p = 0
      if (have + chunk.length > buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, have + chunk.length))
        buf.copy(bigger, 0, 0, have)
        buf = bigger
      }
    }
    have += chunk.copy(buf, have)
    parse()
  })
  for (;;) {
    const page = new Promise((r) => (resolvePage = r))
    sock.write(cmd(['XRANGE', STREAM, lastId === null ? '-' : `(${lastId}`, '+', 'COUNT', String(pageSize)]))
    const n = await page
    if (n < pageSize) break
  }
  flushOut()
  if (out === 1) process.stderr.write(`${total}\n`)
  else {
    closeSync(out)
    process.stdout.write(`${total}\n`)
  }
  sock.end()
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [mode, a, b] = process.argv.slice(2)
  if (mode === 'read') {
    await reader(Number(a), b)
  } else if (mode === 'try') {
    const why = ensureRedis()
    if (why) {
      console.log(`not available: ${why}`)
      process.exit(0)
    }
    const dir = tempDir()
    const proto = join(dir, 'xadd.resp')
    const n = await writeXaddProtocol(a, proto)
    const redis = await startRedis()
    try {
      const w = await ingest(redis.port, proto, n)
      const r = await readBack(redis.port, b ?? '/dev/null')
      console.log(JSON.stringify({version: redis.version, records: n, xaddMs: w.ms, xaddRssKB: w.rssKB, readMs: r.ms, read: Number(r.stdout), readRssKB: r.rssKB}))
    } finally {
      await redis.stop()
      removeDir(dir)
    }
  } else {
    console.error('usage: redis.mjs read PORT [OUTPUT] | try INPUT [OUTPUT]')
    process.exit(2)
  }
}
