#!/usr/bin/env node
// `npm run bench`: measures logpipe against the budget of DESIGN.md §4 and
// against references doing the same work on the same machine — `cat` (the
// byte-copy limit), a hand-written Node RecordBatch encoder/decoder (the Node
// limit, bench/baseline-*.mjs) and Redis Streams — and writes BENCHMARKS.md.
//
//   node bench/run.mjs [SECTION...]     sections: produce consume redis multi
//                                       latency rss startup perf codecs exec keyed many formats broker replication connect streams
//                                       (default: all; startup: each command of issue 9 point 6 against `node -e 0`)
// Environment:
//   BENCH_RECORDS          records of the throughput runs (5000000)
//   BENCH_RUNS             runs per figure (3)
//   BENCH_THROUGHPUT_RUNS  runs of produce, consume and their references,
//                          interleaved (7)
//   BENCH_RSS_RUNS         runs per size of the RSS runs (BENCH_RUNS)
//   BENCH_RSS_SIZES        log sizes of the RSS runs (1000000,10000000)
//   BENCH_LATENCY_RATE     records/s of the latency runs (2000)
//   BENCH_LATENCY_COUNT    records per latency run (10000)
//   BENCH_KEYED_RECORDS    records of the keyed produce and 1,000-partition runs (min(BENCH_RECORDS, 1000000))
//   BENCH_QUIET_WAIT=0     do not wait for an idle machine before timed runs
//   BENCH_QUIET_TOTAL_MS   most time spent waiting for one, in all (30000)
//   BENCH_REDIS=0          skip Redis
//   BENCH_CODEC_RECORDS    records of the codec runs (min(BENCH_RECORDS, 2000000))
//   BENCH_EXEC_RECORDS     records of the --exec-stream runs (min(BENCH_RECORDS, 1000000))
//   BENCH_CONNECT_RECORDS  lines of the FileStreamSource -> FileStreamSink runs (min(BENCH_RECORDS, 1000000))
//   BENCH_JDBC_RECORDS     rows of the JDBC sink upsert and psql \copy runs (min(BENCH_RECORDS, 100000))
//   BENCH_STREAMS_RECORDS  records of the stateless stream map runs (min(BENCH_RECORDS, 1000000))
//   BENCH_STREAMS_LINES    lines of the WordCount runs (200000); BENCH_RESTORE_KEYS keys of the restored store (1000000)
//   BENCH_JSON_INPUT_RECORDS  lines of the --input json runs (min(BENCH_RECORDS, 1000000)); -f and --json read the BENCH_RECORDS of consume
//   BENCH_BROKER_RECORDS   records of the kcat -P / -C runs through a broker (min(BENCH_RECORDS, 1000000))
//   BENCH_REPLICATION_RECORDS  records of the RF=3 / RF=1 acks=all runs (min(BENCH_RECORDS, 1000000))
//   BENCH_FAILOVER_RUNS    kill -9 failovers timed (20)
//   BENCH_CATCHUP_RECORDS  records a restarted follower is behind (1000000)
//   BENCH_BROKER_NODE_ARGS node flags for the brokers of the broker and replication runs
//                          (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them)
//   BENCH_NODE             the Node binary of the measured processes (this one)
//   BENCH_OUT              the report (BENCHMARKS.md in the project root)
import {execFileSync} from 'node:child_process'
import {closeSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync} from 'node:fs'
import {loadavg} from 'node:os'
import {join} from 'node:path'
import {
  NODE, ROOT, RUN_JS, RECORD_SIZE, TIME, cleanupAll, fileSize, fmt, fmtInt, fmtMB, fmtMs, hashFile, hashOutput, log, logpipe, machine,
  cpuBusySeconds, gateStats, median, quietGate, removeDir, run, snapshotBuild, syncDisks, table, tempDir, writeInput,
} from './lib.mjs'
import {runLatency} from './latency.mjs'
import {holdConnections, runBrokerLatency, startBroker} from './broker.mjs'
import {runCatchUp, runFailover, runReplicatedThroughput} from './replication.mjs'
import {ensureRedis, ingest, readBack, redisCli, startRedis, writeXaddProtocol} from './redis.mjs'
import {fileStreamRun, jdbcInput, jdbcUpsertRun, produceConsumeRun, psqlCopyRun, startPostgres} from './connect.mjs'

const env = process.env
const N = Number(env.BENCH_RECORDS ?? 5_000_000)
const RUNS = Number(env.BENCH_RUNS ?? 3)
// Write-heavy runs vary with page-cache writeback on a shared disk: 7 runs keep one slow run from moving the median.
const TP_RUNS = Number(env.BENCH_THROUGHPUT_RUNS ?? Math.max(RUNS, 7))
const RSS_RUNS = Number(env.BENCH_RSS_RUNS ?? RUNS)
const OUT = env.BENCH_OUT ?? join(ROOT, 'BENCHMARKS.md')
const LAT_RATE = Number(env.BENCH_LATENCY_RATE ?? 2000)
const LAT_COUNT = Number(env.BENCH_LATENCY_COUNT ?? 10_000)
const RSS_SIZES = (env.BENCH_RSS_SIZES ?? '1000000,10000000').split(',').map(Number)
const STARTUP_PER_RUN = 10
const ALL = ['produce', 'consume', 'redis', 'multi', 'latency', 'rss', 'startup', 'perf', 'codecs', 'exec', 'keyed', 'many', 'formats', 'broker', 'replication', 'connect', 'streams']
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd']
const CODEC_N = Math.min(N, Number(env.BENCH_CODEC_RECORDS ?? 2_000_000))
const EXEC_N = Math.min(N, Number(env.BENCH_EXEC_RECORDS ?? 1_000_000))
const CONNECT_N = Math.min(N, Number(env.BENCH_CONNECT_RECORDS ?? 1_000_000))
const JDBC_N = Math.min(N, Number(env.BENCH_JDBC_RECORDS ?? 100_000))
const STREAMS_N = Math.min(N, Number(env.BENCH_STREAMS_RECORDS ?? 1_000_000))
const STREAMS_LINES = Number(env.BENCH_STREAMS_LINES ?? 200_000)
const RESTORE_KEYS = Number(env.BENCH_RESTORE_KEYS ?? 1_000_000)
const JSON_IN_N = Math.min(N, Number(env.BENCH_JSON_INPUT_RECORDS ?? 1_000_000))
const KCAT_FORMAT = '%p %o %k %s\\n'
/** A shell per record is ~2 ms: this many are enough for its rate. */
const EXEC_PER_RECORD_N = 500
const sections = process.argv.slice(2).length ? process.argv.slice(2) : ALL
for (const s of sections) if (!ALL.includes(s)) throw new Error(`unknown section ${s}; one of ${ALL.join(' ')}`)
const want = (s) => sections.includes(s)

const started = new Date()
const t0 = Date.now()
const load0 = loadavg()
const R = {} // results by key
const notes = []
const failures = []

process.on('SIGINT', () => {
  cleanupAll()
  process.exit(130)
})

// ---------------------------------------------------------------- helpers

function summarize(key, label, records, rs) {
  const res = {
    label,
    records,
    runs: rs,
    ms: median(rs.map((r) => r.ms)),
    rssKB: median(rs.map((r) => r.rssKB)),
    maxRssKB: Math.max(...rs.map((r) => r.rssKB ?? 0)) || null,
    cpuS: median(rs.map((r) => r.cpuS)),
    otherCores: median(rs.map((r) => r.otherCores)),
  }
  res.rate = records / (res.ms / 1000)
  res.mbps = (records * RECORD_SIZE) / 1e6 / (res.ms / 1000)
  R[key] = res
  return res
}

const runLog = (label, records, r, i, runs) =>
  log(`${label} run ${i + 1}/${runs}: ${fmt(r.ms / 1000, 3)} s, ${fmtInt(records / (r.ms / 1000))} rec/s` +
    `${r.rssKB ? `, peak RSS ${fmtMB(r.rssKB)} MB` : ''}${r.otherCores != null ? `, other work ${fmt(r.otherCores, 2)} cores` : ''}`)

/** Runs `fn(i)` `runs` times; keeps every run and the medians. */
async function repeat(key, label, records, fn, runs = RUNS) {
  const rs = []
  for (let i = 0; i < runs; i++) {
    const r = await fn(i)
    rs.push(r)
    runLog(label, records, r, i, runs)
  }
  return summarize(key, label, records, rs)
}

/**
 * Runs several measurements round-robin (A B C A B C ...), so logpipe and
 * its references see the same machine conditions; one that fails is
 * reported and dropped, the others go on.
 */
async function interleave(specs, runs = RUNS) {
  const rs = specs.map(() => [])
  for (let i = 0; i < runs; i++) {
    for (const [j, spec] of specs.entries()) {
      if (spec.failed) continue
      try {
        const r = await spec.fn(i)
        rs[j].push(r)
        runLog(spec.label, spec.records, r, i, runs)
      } catch (error) {
        spec.failed = true
        log(`${spec.label} failed: ${error.message}`)
        failures.push(`${spec.label}: ${error.message}`)
      }
    }
  }
  specs.forEach((spec, j) => {
    if (!spec.failed) summarize(spec.key, spec.label, spec.records, rs[j])
  })
}

async function guard(what, fn) {
  try {
    return await fn()
  } catch (error) {
    log(`${what} failed: ${error.message}`)
    failures.push(`${what}: ${error.message}`)
    return null
  }
}

const lp = (dir, args, opts) => logpipe(dir, args, {rss: false, ...opts})

async function logEnd(dir, topic) {
  const r = await lp(dir, ['topic', 'describe', topic, '--json'], {stdout: 'pipe'})
  return JSON.parse(r.stdout).partitions.reduce((s, p) => s + p.logEndOffset, 0)
}

const segments = (dir, topic) =>
  readdirSync(join(dir, 'topics', topic, '0'))
    .filter((f) => f.endsWith('.log'))
    .sort()
    .map((f) => join(dir, 'topics', topic, '0', f))

// ---------------------------------------------------------------- inputs

// The build under test, copied so concurrent rebuilds of dist/ cannot touch it.
let snapshot = null
for (let attempt = 1; ; attempt++) {
  if (snapshot) removeDir(snapshot)
  snapshot = snapshotBuild()
  const d = tempDir()
  // topic create makes the store (read-only commands never do).
  const ok = await run(NODE, [RUN_JS, 'topic', 'create', 'check', '-q'], {rss: false, allowFail: true, env: {LOGPIPE_DATA_DIR: d}})
  const v = await run(NODE, [RUN_JS, '--version'], {rss: false, allowFail: true, stdout: 'pipe'})
  removeDir(d)
  if (ok.code === 0 && v.code === 0) {
    log(`measuring ${v.stdout.trim()} from a copy of the build in ${snapshot}`)
    break
  }
  if (attempt === 5) throw new Error(`the build does not run: ${(ok.stderr || v.stderr).trim()} (run \`npm run build\`)`)
  log(`the build does not run yet (${(ok.stderr || v.stderr).trim().split('\n')[0]}); copying it again in 5 s`)
  await new Promise((r) => setTimeout(r, 5000))
}

log(`${N.toLocaleString('en-US')} records of ${RECORD_SIZE} bytes, ${TP_RUNS} runs of produce/consume, ${RUNS} of the rest; sections: ${sections.join(' ')}`)
if (RUNS < 3) notes.push(`BENCH_RUNS=${RUNS}: figures are medians of fewer than 3 runs.`)
if (TP_RUNS < 3) notes.push(`BENCH_THROUGHPUT_RUNS=${TP_RUNS}: the produce/consume figures are medians of fewer than 3 runs.`)
if (RSS_RUNS < 3) notes.push(`BENCH_RSS_RUNS=${RSS_RUNS}: the RSS figures are medians of fewer than 3 runs.`)
const work = tempDir('logpipe-bench-work-')
const input = join(work, 'input.txt')
writeInput(input, N)
const inputHash = await hashFile(input)
log(`input: ${input} (${fmtInt(fileSize(input))} bytes)`)

let store = null // data dir holding topic t with the N records logpipe produced
async function getStore() {
  if (store) return store
  store = tempDir()
  await lp(store, ['topic', 'create', 't'])
  await lp(store, ['produce', 't'], {stdin: input})
  return store
}

// ---------------------------------------------------------------- produce

if (want('produce')) {
  await interleave([
    {
      key: 'produce',
      label: 'logpipe produce t < input',
      records: N,
      fn: async (i) => {
        const d = tempDir()
        await lp(d, ['topic', 'create', 't'])
        const r = await logpipe(d, ['produce', 't'], {stdin: input, sync: true})
        if (i === 0) {
          const end = await logEnd(d, 't')
          if (end !== N) throw new Error(`log end offset ${end}, expected ${N}`)
        }
        if (store) removeDir(store)
        store = d
        return r
      },
    },
    {
      key: 'catCopy',
      label: 'cat input > file',
      records: N,
      fn: async () => {
        const copy = join(work, 'copy.txt')
        rmSync(copy, {force: true})
        const r = await run('cat', [input], {stdout: copy, sync: true})
        rmSync(copy, {force: true})
        return r
      },
    },
    {
      key: 'encode',
      label: 'node bench/baseline-encode.mjs',
      records: N,
      fn: async (i) => {
        const d = tempDir()
        await lp(d, ['topic', 'create', 'base'])
        const seg = join(d, 'topics', 'base', '0', '00000000000000000000.log')
        const r = await run(NODE, [join(ROOT, 'bench/baseline-encode.mjs'), input, seg], {sync: true})
        if (i === 0) {
          // Honest comparison: logpipe must read what the baseline wrote.
          const dump = await lp(d, ['dump', seg], {stdout: 'pipe'})
          const valid = (dump.stdout.match(/isvalid: true/g) ?? []).length
          const invalid = (dump.stdout.match(/isvalid: false/g) ?? []).length
          const back = await hashOutput(NODE, [RUN_JS, 'consume', 'base', '-e'], {env: {LOGPIPE_DATA_DIR: d}})
          const same = back.sha256 === inputHash.sha256
          R.encodeCheck = {valid, invalid, same}
          if (invalid > 0 || valid === 0 || !same) {
            throw new Error(`logpipe does not read the baseline's segment back: ${valid} valid batches, ${invalid} invalid, content ${same ? 'same' : 'differs'}`)
          }
          log(`baseline segment: logpipe dump finds ${valid} valid batches; logpipe consume returns the input byte for byte`)
        }
        removeDir(d)
        return r
      },
    },
  ], TP_RUNS)
}

// ---------------------------------------------------------------- consume

if (want('consume')) {
  await guard('consume checks', async () => {
    const d = await getStore()
    const segs = segments(d, 't')
    R.segmentBytes = segs.reduce((s, f) => s + fileSize(f), 0)
    R.segmentCount = segs.length
    const back = await hashOutput(NODE, [RUN_JS, 'consume', 't', '-e'], {env: {LOGPIPE_DATA_DIR: d}})
    R.consumeCheck = back.sha256 === inputHash.sha256
    const dec = await hashOutput(NODE, [join(ROOT, 'bench/baseline-decode.mjs'), '-o', '-', ...segs])
    R.decodeCheck = dec.sha256 === inputHash.sha256
    const bad = [!R.consumeCheck && 'logpipe consume -e', !R.decodeCheck && 'the baseline decoder'].filter(Boolean)
    if (bad.length) throw new Error(`${bad.join(' and ')} did not return the input`)
    await interleave([
      {key: 'consume', label: 'logpipe consume t -e > /dev/null', records: N, fn: () => logpipe(d, ['consume', 't', '-e'], {stdout: '/dev/null'})},
      {key: 'catSeg', label: 'cat segments > /dev/null', records: N, fn: () => run('cat', segs, {stdout: '/dev/null'})},
      {key: 'decode', label: 'node bench/baseline-decode.mjs segments', records: N, fn: () => run(NODE, [join(ROOT, 'bench/baseline-decode.mjs'), ...segs])},
    ], TP_RUNS)
  })
}

// ------------------------------------------- -f, --json, --input json (issue 9, point 11)

if (want('formats')) {
  await guard('formats', async () => {
    // The store of the consume runs, and the --json lines logpipe prints for its first JSON_IN_N records.
    const d = await getStore()
    const lines = join(work, 'formats.jsonl')
    await lp(d, ['consume', 't', '-e', '-c', String(JSON_IN_N), '--json'], {stdout: lines})
    const segs = segments(d, 't')
    const same = async (args, mode) => {
      const a = await hashOutput(NODE, [RUN_JS, ...args], {env: {LOGPIPE_DATA_DIR: d}})
      const b = await hashOutput(NODE, [join(ROOT, 'bench/baseline-format.mjs'), mode, '-o', '-', ...segs])
      return a.sha256 === b.sha256
    }
    R.formatCheck = await same(['consume', 't', '-e', '-f', KCAT_FORMAT], 'fmt')
    R.jsonCheck = await same(['consume', 't', '-e', '--json'], 'json')
    // The JSON encoder's log must read back as the same records.
    const jb = tempDir()
    await lp(jb, ['topic', 'create', 't'])
    await run(NODE, [join(ROOT, 'bench/baseline-encode-json.mjs'), lines, join(jb, 'topics', 't', '0', '00000000000000000000.log')], {rss: false})
    const back = await hashOutput(NODE, [RUN_JS, 'consume', 't', '-e', '--json'], {env: {LOGPIPE_DATA_DIR: jb}})
    R.jsonInCheck = back.sha256 === (await hashFile(lines)).sha256
    removeDir(jb)
    const bad = [!R.formatCheck && "-f output differs from the baseline's", !R.jsonCheck && "--json output differs from the baseline's", !R.jsonInCheck && "the JSON encoder's log does not read back as its input"].filter(Boolean)
    if (bad.length) throw new Error(bad.join('; '))
    await interleave([
      {key: 'fmt', label: `logpipe consume t -e -f '${KCAT_FORMAT}' > /dev/null`, records: N, fn: () => logpipe(d, ['consume', 't', '-e', '-f', KCAT_FORMAT], {stdout: '/dev/null'})},
      {key: 'fmtRef', label: 'node bench/baseline-format.mjs fmt segments', records: N, fn: () => run(NODE, [join(ROOT, 'bench/baseline-format.mjs'), 'fmt', ...segs])},
      {key: 'json', label: 'logpipe consume t -e --json > /dev/null', records: N, fn: () => logpipe(d, ['consume', 't', '-e', '--json'], {stdout: '/dev/null'})},
      {key: 'jsonRef', label: 'node bench/baseline-format.mjs json segments', records: N, fn: () => run(NODE, [join(ROOT, 'bench/baseline-format.mjs'), 'json', ...segs])},
      {
        key: 'jsonIn',
        label: 'logpipe produce j --input json < lines',
        records: JSON_IN_N,
        fn: async (i) => {
          const j = tempDir()
          await lp(j, ['topic', 'create', 'j'])
          const r = await logpipe(j, ['produce', 'j', '--input', 'json'], {stdin: lines, sync: true})
          if (i === 0) {
            const end = await logEnd(j, 'j')
            if (end !== JSON_IN_N) throw new Error(`log end offset ${end}, expected ${JSON_IN_N}`)
          }
          removeDir(j)
          return r
        },
      },
      {
        key: 'jsonInRef',
        label: 'node bench/baseline-encode-json.mjs lines',
        records: JSON_IN_N,
        fn: async () => {
          const j = tempDir()
          await lp(j, ['topic', 'create', 'j'])
          const r = await run(NODE, [join(ROOT, 'bench/baseline-encode-json.mjs'), lines, join(j, 'topics', 'j', '0', '00000000000000000000.log')], {sync: true})
          removeDir(j)
          return r
        },
      },
    ], TP_RUNS)
    rmSync(lines, {force: true})
  })
}

// ---------------------------------------------------------------- exec

if (want('exec')) {
  await guard('--exec-stream', async () => {
    const d = await getStore()
    const n = String(EXEC_N)
    // The check: cat answers every record, so the run ends at -c with no error.
    await interleave([
      {key: 'execStream', label: `logpipe consume t -e -c ${n} --exec-stream cat`, records: EXEC_N, fn: () => logpipe(d, ['consume', 't', '-e', '-c', n, '--exec-stream', 'cat'], {stdout: '/dev/null'})},
      {key: 'execStreamRef', label: `logpipe consume t -e -c ${n} > /dev/null`, records: EXEC_N, fn: () => logpipe(d, ['consume', 't', '-e', '-c', n], {stdout: '/dev/null'})},
      {key: 'execPerRecord', label: `logpipe consume t -e -c ${EXEC_PER_RECORD_N} --exec 'cat >/dev/null'`, records: EXEC_PER_RECORD_N, fn: () => logpipe(d, ['consume', 't', '-e', '-c', String(EXEC_PER_RECORD_N), '--exec', 'cat >/dev/null'], {stdout: '/dev/null'})},
    ])
  })
}

// ---------------------------------------------------------------- connect

if (want('connect')) {
  await guard('Connect FileStream', async () => {
    const cin = join(work, 'connect-input.txt')
    writeInput(cin, CONNECT_N)
    // Checked once, untimed: the sink file is the input byte for byte.
    R.connectCheck = (await fileStreamRun(cin, {check: true})).ok
    if (!R.connectCheck) throw new Error('the sink file differs from the input')
    await interleave([
      {key: 'connectFile', label: 'connect standalone: FileStreamSource -> connect-test -> FileStreamSink (quickstart files)', records: CONNECT_N, fn: () => fileStreamRun(cin)},
      {key: 'connectCat', label: 'cat input > out', records: CONNECT_N, fn: () => run('cat', [cin], {stdout: join(work, 'connect-cat.txt'), sync: true})},
      {key: 'connectProduceConsume', label: 'logpipe produce connect-test < input, then consume connect-test -e > out', records: CONNECT_N, fn: () => produceConsumeRun(cin)},
    ])
    rmSync(cin, {force: true})
    rmSync(join(work, 'connect-cat.txt'), {force: true})
  })
  await guard('Connect JDBC sink', async () => {
    const pg = await startPostgres()
    const jin = await jdbcInput(JDBC_N)
    try {
      await interleave([
        {key: 'jdbcUpsert', label: 'connect standalone: JdbcSinkConnector upserts (pk.mode=record_key) into PostgreSQL', records: JDBC_N, fn: (i) => jdbcUpsertRun(pg, jin, i)},
        {key: 'psqlCopy', label: "psql -c '\\copy ... FROM rows.csv CSV' of the same rows", records: JDBC_N, fn: (i) => psqlCopyRun(pg, jin, i)},
      ])
    } finally {
      await pg.stop()
      removeDir(jin.dir)
    }
  })
}

// ---------------------------------------------------------------- streams (issue 13)

if (want('streams')) {
  await guard('Streams stateless', async () => {
    const sin = join(work, 'streams-input.txt')
    writeInput(sin, STREAMS_N)
    const d = tempDir()
    try {
      await logpipe(d, ['produce', 'in', '--create'], {stdin: sin, rss: false})
      // Each run reads all of `in` into a topic of its own: a new app id for stream map, a new topic for the pipe.
      await interleave([
        {key: 'streamMap', label: "logpipe stream map -e --from in --to out 'value'", records: STREAMS_N, fn: (i) => logpipe(d, ['stream', 'map', '-e', '--from', 'in', '--to', `map-${i}`, '--application-id', `map-${i}`, 'value'])},
        {key: 'streamPipe', label: 'logpipe consume in -e | logpipe produce out', records: STREAMS_N, fn: (i) => run('sh', ['-c', `"${NODE}" "${RUN_JS}" consume in -e | "${NODE}" "${RUN_JS}" produce pipe-${i} --create -q`], {env: {LOGPIPE_DATA_DIR: d}})},
      ])
    } finally {
      removeDir(d)
      rmSync(sin, {force: true})
    }
  })
  await guard('Streams WordCount and restore', async () => {
    // One process on the library (bench/streams.mjs): WordCount, its hand-written loop, and the restores.
    const r = await run(NODE, [join(ROOT, 'bench/streams.mjs'), '--json'], {stdout: 'pipe', rss: false, env: {BENCH_STREAMS_LINES: String(STREAMS_LINES), BENCH_RESTORE_KEYS: String(RESTORE_KEYS)}, timeoutMs: 1_800_000})
    R.streams = JSON.parse(r.stdout.trim().split('\n').at(-1))
    log(`WordCount of ${fmtInt(R.streams.lines)} lines: ${fmt(R.streams.cachedS, 2)} s, the loop ${fmt(R.streams.referenceS, 2)} s; restore of ${fmtInt(R.streams.restore.records)} records ${fmt(R.streams.restore.s, 2)} s`)
  })
}

// ---------------------------------------------------------------- redis

if (want('redis')) {
  const why = env.BENCH_REDIS === '0' ? 'skipped (BENCH_REDIS=0)' : ensureRedis()
  if (why) {
    R.redisError = why
    log(`Redis: not available: ${why}`)
  } else {
    await guard('Redis Streams', async () => {
      const proto = join(work, 'xadd.resp')
      const n = await writeXaddProtocol(input, proto)
      const redis = await startRedis()
      R.redisVersion = redis.version
      try {
        // One check run, untimed: the stream holds every record and XRANGE returns the input.
        redisCli(redis.port, ['FLUSHALL'])
        await ingest(redis.port, proto, n)
        const len = Number(redisCli(redis.port, ['XLEN', 'bench']))
        if (len !== n) throw new Error(`XLEN ${len}, expected ${n}`)
        R.redisMemory = redisCli(redis.port, ['INFO', 'memory']).match(/used_memory_human:(\S+)/)?.[1]
        const check = await hashOutput(NODE, [join(ROOT, 'bench/redis.mjs'), 'read', String(redis.port), '-'])
        R.redisCheck = check.sha256 === inputHash.sha256
        if (!R.redisCheck) throw new Error('XRANGE did not return the input')
        await interleave([
          {
            key: 'xadd',
            label: 'redis-cli --pipe < XADD commands',
            records: n,
            fn: async () => {
              redisCli(redis.port, ['FLUSHALL'])
              return ingest(redis.port, proto, n)
            },
          },
          {
            key: 'xrange',
            label: 'node bench/redis.mjs read (XRANGE pages of 10000)',
            records: n,
            fn: async () => {
              const r = await readBack(redis.port)
              if (Number(r.stdout) !== n) throw new Error(`read ${r.stdout.trim()} records, expected ${n}`)
              return r
            },
          },
        ])
      } finally {
        await redis.stop()
        rmSync(proto, {force: true})
      }
    })
    if (!R.xadd && !R.redisError) R.redisError = failures.find((f) => /Redis|redis|XADD|XRANGE/.test(f)) ?? 'failed'
  }
}

// ---------------------------------------------------------------- multi

if (want('multi')) {
  await guard('4 producers', async () => {
    const per = Math.floor(N / 4)
    const quarter = join(work, 'quarter.txt')
    writeInput(quarter, per)
    // One producer of the same records right before each 4-producer run, so
    // the ratio compares runs made under the same machine conditions.
    await interleave([
      {
        key: 'multiSingle',
        label: 'logpipe produce t < input (one producer, next to the 4)',
        records: N,
        fn: async () => {
          const d = tempDir()
          await lp(d, ['topic', 'create', 't'])
          const r = await logpipe(d, ['produce', 't'], {stdin: input, sync: true})
          removeDir(d)
          return r
        },
      },
      {
        key: 'multi',
        label: '4 × logpipe produce t < quarter',
        records: per * 4,
        fn: async (i) => {
          const d = tempDir()
          await lp(d, ['topic', 'create', 't'])
          syncDisks()
          await quietGate()
          const busy0 = cpuBusySeconds()
          const start = process.hrtime.bigint()
          // Each process measured by /usr/bin/time, not gated: they start together.
          const rs = await Promise.all([0, 1, 2, 3].map(() => logpipe(d, ['produce', 't'], {stdin: quarter, gate: false})))
          const ms = Number(process.hrtime.bigint() - start) / 1e6
          const busy = cpuBusySeconds() - busy0
          const end = await logEnd(d, 't')
          if (end !== per * 4) throw new Error(`log end offset ${end}, expected ${per * 4}`)
          if (i === 0) {
            const v = await lp(d, ['topic', 'verify', 't'], {stdout: 'pipe', allowFail: true})
            R.multiVerify = v.code === 0 ? 'ok' : `exit ${v.code}: ${(v.stdout + v.stderr).trim().split('\n').slice(-1)[0]}`
          }
          removeDir(d)
          const cpuS = rs.reduce((s, r) => s + (r.cpuS ?? 0), 0)
          return {ms, rssKB: Math.max(...rs.map((r) => r.rssKB ?? 0)), cpuS, otherCores: Math.max(0, (busy - cpuS) / (ms / 1000)), each: rs.map((r) => r.ms)}
        },
      },
    ])
    rmSync(quarter, {force: true})
  })
}

// ---------------------------------------------------------------- latency

if (want('latency')) {
  await guard('latency', async () => {
    const rs = []
    for (let i = 0; i < RUNS; i++) {
      await quietGate()
      const r = await runLatency({rate: LAT_RATE, count: LAT_COUNT})
      if (r.received < r.sent) notes.push(`latency run ${i + 1}: only ${r.received} of ${r.sent} records arrived within 30 s.`)
      log(`latency run ${i + 1}/${RUNS}: p50 ${fmtMs(r.p50)} ms, p99 ${fmtMs(r.p99)} ms, p99.9 ${fmtMs(r.p999)} ms, max ${fmtMs(r.max)} ms (${r.received}/${r.sent}, ${fmt(r.achievedRate, 0)}/s, other work ${fmt(r.otherCores, 2)} cores)`)
      rs.push(r)
    }
    R.latency = {
      runs: rs,
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      p999: median(rs.map((r) => r.p999)),
      max: median(rs.map((r) => r.max)),
      mean: median(rs.map((r) => r.mean)),
    }
  })
}

// ------------------------------------------------- latency at 10,000/s (issue 9, point 9)

if (want('latency')) {
  await guard('latency at 10,000 records/s', async () => {
    const rs = []
    const refs = []
    // Each logpipe run next to one of the hand-written reference (bench/latency-reference.mjs): the wake-ups of the same pipes and fs.watch alone.
    for (let i = 0; i < RUNS; i++) {
      await quietGate()
      const r = await runLatency({rate: 10_000, count: 10_000})
      if (r.received < r.sent) notes.push(`latency at 10,000/s run ${i + 1}: only ${r.received} of ${r.sent} records arrived within 30 s.`)
      log(`latency at 10,000/s run ${i + 1}/${RUNS}: p50 ${fmtMs(r.p50)} ms, p99 ${fmtMs(r.p99)} ms (${r.received}/${r.sent}, ${fmt(r.achievedRate, 0)}/s, other work ${fmt(r.otherCores, 2)} cores)`)
      rs.push(r)
      await quietGate()
      const ref = await runLatency({rate: 10_000, count: 10_000, reference: true})
      log(`latency at 10,000/s, hand-written reference, run ${i + 1}/${RUNS}: p50 ${fmtMs(ref.p50)} ms, p99 ${fmtMs(ref.p99)} ms (other work ${fmt(ref.otherCores, 2)} cores)`)
      refs.push(ref)
    }
    R.latency10k = {runs: rs, p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), refP50: median(refs.map((r) => r.p50)), refP99: median(refs.map((r) => r.p99))}
  })
}

// ------------------------------------------- keyed produce, 1,000 partitions (points 10, 11)

const KEYED_N = Number(env.BENCH_KEYED_RECORDS ?? Math.min(N, 1_000_000))
let keyedInput = null
/** KEYED_N lines `keyNNNNN:...` of RECORD_SIZE bytes over 10,000 keys, in a scattered order. */
function writeKeyedInput() {
  if (keyedInput) return keyedInput
  keyedInput = join(work, 'keyed.txt')
  let text = ''
  const fd = openSync(keyedInput, 'w')
  for (let i = 0; i < KEYED_N; i++) {
    const head = `key${String((i * 7919) % 10_000).padStart(5, '0')}:${i} `
    text += head.padEnd(RECORD_SIZE - 1, 'x') + '\n'
    if (text.length >= 1 << 20) {
      writeSync(fd, text)
      text = ''
    }
  }
  writeSync(fd, text)
  closeSync(fd)
  return keyedInput
}

if (want('keyed')) {
  const kin = writeKeyedInput()
  await interleave([
    {
      key: 'keyed',
      label: 'logpipe produce k -K: (12 partitions)',
      records: KEYED_N,
      fn: async (i) => {
        const d = tempDir()
        await lp(d, ['topic', 'create', 'k', '--partitions', '12'])
        const r = await logpipe(d, ['produce', 'k', '-K:'], {stdin: kin, sync: true})
        if (i === 0) {
          const end = await logEnd(d, 'k')
          if (end !== KEYED_N) throw new Error(`log end offset ${end}, expected ${KEYED_N}`)
          R.keyedTakes = JSON.parse(readFileSync(join(d, 'topics', 'k', '0', 'leader.json'), 'utf8')).generation
        }
        removeDir(d)
        return r
      },
    },
    {
      key: 'keyedEncode',
      label: 'node bench/baseline-encode-keyed.mjs (12 partitions)',
      records: KEYED_N,
      fn: async (i) => {
        const d = tempDir()
        await lp(d, ['topic', 'create', 'b', '--partitions', '12'])
        const r = await run(NODE, [join(ROOT, 'bench/baseline-encode-keyed.mjs'), kin, join(d, 'topics', 'b'), '12'], {sync: true})
        if (i === 0) {
          // Honest comparison: the same records in the same partitions as logpipe puts them.
          const end = await logEnd(d, 'b')
          if (end !== KEYED_N) throw new Error(`baseline: log end offset ${end}, expected ${KEYED_N}`)
        }
        removeDir(d)
        return r
      },
    },
  ], TP_RUNS)
}

if (want('many')) {
  await guard('1,000 partitions', async () => {
    const kin = writeKeyedInput()
    const prod = []
    const cons = []
    for (let i = 0; i < RSS_RUNS; i++) {
      const d = tempDir()
      await lp(d, ['topic', 'create', 'many', '--partitions', '1000'])
      const p = await logpipe(d, ['produce', 'many', '-K:'], {stdin: kin, sync: true})
      const c = await logpipe(d, ['consume', 'many', '-e'], {stdout: '/dev/null'})
      const end = await logEnd(d, 'many')
      if (end !== KEYED_N) throw new Error(`log end offset ${end}, expected ${KEYED_N}`)
      log(`1,000 partitions run ${i + 1}/${RSS_RUNS}: produce -K: ${fmtMB(p.rssKB)} MB (${fmt(p.cpuS, 2)} CPU s), consume -e ${fmtMB(c.rssKB)} MB (${fmt(c.cpuS, 2)} CPU s)`)
      prod.push(p)
      cons.push(c)
      removeDir(d)
    }
    R.many = {
      produceKB: median(prod.map((r) => r.rssKB)),
      consumeKB: median(cons.map((r) => r.rssKB)),
      produceCpuS: median(prod.map((r) => r.cpuS)),
      consumeCpuS: median(cons.map((r) => r.cpuS)),
    }
  })
}

// ---------------------------------------------------------------- rss

if (want('rss')) {
  R.rss = []
  for (const size of RSS_SIZES) {
    await guard(`RSS at ${size}`, async () => {
      // Inputs: the N-record file given as often as needed, plus a file of the rest.
      const files = []
      let left = size
      while (left >= N) {
        files.push(input)
        left -= N
      }
      let rest = null
      if (left > 0) {
        rest = join(work, `rest-${left}.txt`)
        writeInput(rest, left)
        files.push(rest)
      }
      const prod = []
      const cons = []
      let logBytes = null
      for (let i = 0; i < RSS_RUNS; i++) {
        const d = tempDir()
        await lp(d, ['topic', 'create', 't'])
        const p = await logpipe(d, ['produce', 't', ...files], {sync: true})
        const c = await logpipe(d, ['consume', 't', '-e'], {stdout: '/dev/null'})
        const end = await logEnd(d, 't')
        if (end !== size) throw new Error(`log end offset ${end}, expected ${size}`)
        logBytes = segments(d, 't').reduce((s, f) => s + fileSize(f), 0)
        log(`RSS at ${fmtInt(size)} run ${i + 1}/${RSS_RUNS}: produce ${fmtMB(p.rssKB)} MB (${fmt(p.ms / 1000, 2)} s), consume ${fmtMB(c.rssKB)} MB (${fmt(c.ms / 1000, 2)} s)`)
        prod.push(p)
        cons.push(c)
        removeDir(d)
      }
      if (rest) rmSync(rest, {force: true})
      R.rss.push({
        size,
        logBytes,
        files: files.length,
        produceKB: median(prod.map((r) => r.rssKB)),
        consumeKB: median(cons.map((r) => r.rssKB)),
        produceMaxKB: Math.max(...prod.map((r) => r.rssKB)),
        consumeMaxKB: Math.max(...cons.map((r) => r.rssKB)),
        produceMs: median(prod.map((r) => r.ms)),
        consumeMs: median(cons.map((r) => r.ms)),
      })
    })
  }
}

// ---------------------------------------------------------------- start-up

// Issue 9 point 6: every command starts within 2x of `node -e 0`. The
// cases run round-robin, so a busy moment of the machine hits them alike.
const STARTUP_CASES = [
  ['node', '`node -e 0`', null],
  ['version', '`logpipe --version`', ['--version']],
  ['topicList', '`logpipe topic list`', ['topic', 'list']],
  ['topicDescribe', '`logpipe topic describe startup`', ['topic', 'describe', 'startup']],
  ['consume', '`logpipe consume startup -c 1`', ['consume', 'startup', '-c', '1']],
  ['produce', '`logpipe produce startup` of one line', ['produce', 'startup']],
  ['groupList', '`logpipe group list`', ['group', 'list']],
  ['help', '`logpipe --help`', ['--help']],
]

if (want('startup')) {
  await guard('start-up', async () => {
    const d = tempDir()
    // A store with one topic, one record and one group: every command reads something real.
    await lp(d, ['topic', 'create', 'startup', '-q'])
    const line = join(d, 'one-line')
    writeFileSync(line, 'x\n')
    await lp(d, ['produce', 'startup'], {stdin: line})
    await lp(d, ['consume', 'startup', '-g', 'startup', '-c', '1'])
    const runs = Object.fromEntries(STARTUP_CASES.map(([k]) => [k, []]))
    for (let r = 0; r < RUNS; r++) {
      const per = Object.fromEntries(STARTUP_CASES.map(([k]) => [k, []]))
      await quietGate()
      for (let k = 0; k < STARTUP_PER_RUN; k++) {
        for (const [key, , args] of STARTUP_CASES) {
          const [cmd, argv] = args ? [NODE, [RUN_JS, ...args]] : [NODE, ['-e', '0']]
          const x = await run(cmd, argv, {rss: false, env: {LOGPIPE_DATA_DIR: d}, stdin: key === 'produce' ? line : 'ignore'})
          per[key].push(x.ms)
        }
      }
      for (const key of Object.keys(per)) runs[key].push(median(per[key]))
      log(`start-up run ${r + 1}/${RUNS}: ` + STARTUP_CASES.map(([key]) => `${key} ${fmtMs(median(per[key]))} ms`).join(', '))
    }
    // The ratio is taken within each run (against that run's node -e 0), then the median: load that drifts between runs cancels.
    R.startup = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, {runs: v, ms: median(v), ratio: median(v.map((ms, r) => ms / runs.node[r]))}]))
    removeDir(d)
  })
}

// ---------------------------------------------------------------- logpipe bench

if (want('perf')) {
  await guard('logpipe bench produce/consume', async () => {
    let d = null
    const selfRates = []
    await repeat('perfProduce', `logpipe bench produce --num-records ${N} --record-size 100`, N, async () => {
      if (d) removeDir(d)
      d = tempDir()
      const r = await logpipe(d, ['bench', 'produce', '--num-records', String(N), '--record-size', '100', '--topic', 'perf'], {stdout: 'pipe'})
      selfRates.push(Number(/([\d.]+) records\/sec/.exec(r.stdout.trim().split('\n').pop())?.[1]))
      return r
    })
    R.perfProduce.selfRate = median(selfRates)
    const selfC = []
    await repeat('perfConsume', 'logpipe bench consume', N, async () => {
      const r = await logpipe(d, ['bench', 'consume', '--topic', 'perf'], {stdout: 'pipe'})
      const row = r.stdout.trim().split('\n').pop().split(',').map((s) => s.trim())
      selfC.push(Number(row[5]))
      return r
    })
    R.perfConsume.selfRate = median(selfC)
    removeDir(d)
  })
}

// ---------------------------------------------------------------- codecs

if (want('codecs')) {
  await guard('codecs', async () => {
    let codecInput = input
    if (CODEC_N !== N) {
      codecInput = join(work, 'codec-input.txt')
      writeInput(codecInput, CODEC_N)
    }
    const codecHash = CODEC_N === N ? inputHash : await hashFile(codecInput)
    // One log per codec, checked (untimed): it returns the input and every batch names its codec.
    const stores = {}
    R.codecs = {}
    for (const c of CODECS) {
      const d = tempDir()
      stores[c] = d
      await lp(d, ['topic', 'create', 't'])
      await lp(d, ['produce', 't', '--compression', c], {stdin: codecInput})
      const segs = segments(d, 't')
      const back = await hashOutput(NODE, [RUN_JS, 'consume', 't', '-e'], {env: {LOGPIPE_DATA_DIR: d}})
      const dump = await lp(d, ['dump', segs[0]], {stdout: 'pipe'})
      const named = (dump.stdout.match(/compresscodec: (\w+)/g) ?? []).every((m) => m === `compresscodec: ${c}`)
      if (back.sha256 !== codecHash.sha256 || !named) throw new Error(`the ${c} log does not ${named ? 'return the input' : 'name its codec in every batch'}`)
      R.codecs[c] = {logBytes: segs.reduce((sum, f) => sum + fileSize(f), 0)}
    }
    await interleave(CODECS.map((c) => ({
      key: `codecProduce_${c}`,
      label: `logpipe produce t --compression ${c} < input`,
      records: CODEC_N,
      fn: async () => {
        const d = tempDir()
        await lp(d, ['topic', 'create', 't'])
        const r = await logpipe(d, ['produce', 't', '--compression', c], {stdin: codecInput, sync: true})
        removeDir(d)
        return r
      },
    })), TP_RUNS)
    await interleave(CODECS.map((c) => ({
      key: `codecConsume_${c}`,
      label: `logpipe consume t -e > /dev/null (${c} batches)`,
      records: CODEC_N,
      fn: () => logpipe(stores[c], ['consume', 't', '-e'], {stdout: '/dev/null'}),
    })), TP_RUNS)
    for (const d of Object.values(stores)) removeDir(d)
    if (codecInput !== input) rmSync(codecInput, {force: true})
  })
}


// ------------------------------------------------- a broker and kcat (issue 10, Performance)

const BROKER_N = Math.min(N, Number(env.BENCH_BROKER_RECORDS ?? 1_000_000))
const BROKER_RSS_PARTITIONS = 100
const BROKER_RSS_CONNECTIONS = 50
const BROKER_RSS_RECORDS = 100_000

if (want('broker')) {
  await guard('broker: kcat -P / -C', async () => {
    let bin = input
    if (BROKER_N !== N) {
      bin = join(work, 'broker-input.txt')
      writeInput(bin, BROKER_N)
    }
    const binHash = BROKER_N === N ? inputHash : await hashFile(bin)
    const rs = {brokerFileProduce: [], brokerKcatP: [], brokerKcatC: [], brokerKcatCount: [], brokerFileConsume: [], brokerLpP: [], brokerLpC: []}
    const brokerCpu = {produce: [], consume: [], lpProduce: [], lpConsume: []}
    for (let i = 0; i < RUNS; i++) {
      // The file path, next to the broker runs so they share the machine's conditions.
      const f = tempDir()
      await lp(f, ['topic', 'create', 'b'])
      rs.brokerFileProduce.push(await logpipe(f, ['produce', 'b'], {stdin: bin, sync: true}))
      rs.brokerFileConsume.push(await logpipe(f, ['consume', 'b', '-e'], {stdout: '/dev/null'}))
      removeDir(f)

      const d = tempDir()
      await lp(d, ['topic', 'create', 'b'])
      await lp(d, ['topic', 'create', 'b2'])
      const broker = await startBroker(d)
      try {
        const c0 = broker.cpu()
        rs.brokerKcatP.push(await run('kcat', ['-P', '-b', broker.address, '-t', 'b'], {stdin: bin, sync: true}))
        const c1 = broker.cpu()
        rs.brokerKcatC.push(await run('kcat', ['-C', '-b', broker.address, '-t', 'b', '-o', 'beginning', '-e', '-q'], {stdout: '/dev/null'}))
        const c2 = broker.cpu()
        brokerCpu.produce.push(c1 - c0)
        brokerCpu.consume.push(c2 - c1)
        // -e ends only after one more Fetch at the high watermark, which waits fetch.wait.max.ms (500 ms) as Kafka's
        // broker makes it wait; stopping at the count shows the records' own time (docs/ARCHITECTURE.md, Broker).
        rs.brokerKcatCount.push(await run('kcat', ['-C', '-b', broker.address, '-t', 'b', '-o', 'beginning', '-c', String(BROKER_N), '-q'], {stdout: '/dev/null'}))
        // logpipe's own client through the broker (issue 10: within 1.5x of the files), from a data dir of its own:
        // the records kcat wrote read back, and the input into a second topic.
        const own = tempDir()
        const c3 = broker.cpu()
        rs.brokerLpC.push(await logpipe(own, ['consume', 'b', '-e', '--bootstrap-server', broker.address], {stdout: '/dev/null'}))
        const c4 = broker.cpu()
        rs.brokerLpP.push(await logpipe(own, ['produce', 'b2', '--bootstrap-server', broker.address], {stdin: bin, sync: true}))
        brokerCpu.lpConsume.push(c4 - c3)
        brokerCpu.lpProduce.push(broker.cpu() - c4)
        removeDir(own)
        if (i === 0) {
          // Checked, untimed: kcat reads back through the broker exactly what kcat sent.
          const back = await hashOutput('kcat', ['-C', '-b', broker.address, '-t', 'b', '-o', 'beginning', '-e', '-q'])
          R.brokerCheck = back.sha256 === binHash.sha256
          if (!R.brokerCheck) throw new Error('kcat -C through the broker did not return what kcat -P sent')
        }
      } finally {
        await broker.stop()
      }
      if (i === 0) {
        const end = await logEnd(d, 'b')
        if (end !== BROKER_N) throw new Error(`log end offset ${end} after kcat -P, expected ${BROKER_N}`)
      }
      removeDir(d)
      for (const [k, label] of [['brokerFileProduce', 'logpipe produce b < input'], ['brokerKcatP', 'kcat -P -b BROKER -t b < input'], ['brokerKcatC', 'kcat -C -b BROKER -t b -e > /dev/null'], ['brokerKcatCount', 'kcat -C -b BROKER -t b -c N > /dev/null'], ['brokerFileConsume', 'logpipe consume b -e > /dev/null'], ['brokerLpP', 'logpipe produce b2 --bootstrap-server BROKER < input'], ['brokerLpC', 'logpipe consume b -e --bootstrap-server BROKER > /dev/null']]) {
        runLog(label, BROKER_N, rs[k][i], i, RUNS)
      }
      log(`broker CPU run ${i + 1}/${RUNS}: ${fmt((brokerCpu.produce[i] / BROKER_N) * 1e6, 2)} µs per record produced, ${fmt((brokerCpu.consume[i] / BROKER_N) * 1e6, 2)} µs per record fetched`)
    }
    summarize('brokerFileProduce', 'logpipe produce b < input (files, next to the broker runs)', BROKER_N, rs.brokerFileProduce)
    summarize('brokerKcatP', 'kcat -P -b BROKER -t b < input', BROKER_N, rs.brokerKcatP)
    summarize('brokerKcatC', 'kcat -C -b BROKER -t b -o beginning -e > /dev/null', BROKER_N, rs.brokerKcatC)
    summarize('brokerKcatCount', `kcat -C -b BROKER -t b -o beginning -c ${BROKER_N} > /dev/null`, BROKER_N, rs.brokerKcatCount)
    summarize('brokerFileConsume', 'logpipe consume b -e > /dev/null (files, next to the broker runs)', BROKER_N, rs.brokerFileConsume)
    summarize('brokerLpP', 'logpipe produce b2 --bootstrap-server BROKER < input', BROKER_N, rs.brokerLpP)
    summarize('brokerLpC', 'logpipe consume b -e --bootstrap-server BROKER > /dev/null', BROKER_N, rs.brokerLpC)
    const us = (xs) => (median(xs) / BROKER_N) * 1e6
    R.brokerCpuPerRecord = {produceUs: us(brokerCpu.produce), consumeUs: us(brokerCpu.consume), lpProduceUs: us(brokerCpu.lpProduce), lpConsumeUs: us(brokerCpu.lpConsume)}
    if (bin !== input) rmSync(bin, {force: true})
  })

  await guard('broker: latency', async () => {
    const rs = []
    for (let i = 0; i < RUNS; i++) {
      await quietGate()
      const r = await runBrokerLatency({rate: 10_000, count: 10_000})
      if (r.received < r.sent) notes.push(`broker latency run ${i + 1}: only ${r.received} of ${r.sent} records arrived within 30 s.`)
      log(`broker latency at 10,000/s run ${i + 1}/${RUNS}: p50 ${fmtMs(r.p50)} ms, p99 ${fmtMs(r.p99)} ms, max ${fmtMs(r.max)} ms (${r.received}/${r.sent}, ${fmt(r.achievedRate, 0)}/s, broker ${fmt(r.brokerCores, 2)} cores, other work ${fmt(r.otherCores, 2)} cores)`)
      rs.push(r)
    }
    R.brokerLatency = {runs: rs, p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), max: median(rs.map((r) => r.max))}
  })

  await guard('broker: RSS with 100 partitions and 50 connections', async () => {
    const rs = []
    const keyedFile = join(work, 'broker-rss.txt')
    let text = ''
    for (let i = 0; i < BROKER_RSS_RECORDS; i++) text += `k${i}:${i} `.padEnd(RECORD_SIZE - 1, 'x') + '\n'
    writeFileSync(keyedFile, text)
    for (let i = 0; i < RSS_RUNS; i++) {
      const d = tempDir()
      await lp(d, ['topic', 'create', 'rss', '--partitions', String(BROKER_RSS_PARTITIONS)])
      await lp(d, ['produce', 'rss', '-K:'], {stdin: keyedFile})
      const broker = await startBroker(d)
      try {
        const idle = broker.rss()
        const held = await holdConnections(broker.address, 'rss', BROKER_RSS_PARTITIONS, BROKER_RSS_RECORDS, BROKER_RSS_CONNECTIONS)
        const busy = broker.rss()
        held.close()
        rs.push({idleKB: idle.rssKB, rssKB: busy.rssKB, peakKB: busy.peakKB})
        log(`broker RSS run ${i + 1}/${RSS_RUNS}: ${fmtMB(idle.rssKB)} MB idle, ${fmtMB(busy.rssKB)} MB with ${BROKER_RSS_CONNECTIONS} connections caught up, peak ${fmtMB(busy.peakKB)} MB`)
      } finally {
        await broker.stop()
      }
      removeDir(d)
    }
    rmSync(keyedFile, {force: true})
    R.brokerRss = {runs: rs, idleKB: median(rs.map((r) => r.idleKB)), rssKB: median(rs.map((r) => r.rssKB)), peakKB: median(rs.map((r) => r.peakKB))}
  })
}

const REPL_N = Math.min(N, Number(env.BENCH_REPLICATION_RECORDS ?? 1_000_000))
const FAILOVER_RUNS = Number(env.BENCH_FAILOVER_RUNS ?? 20)
const CATCHUP_N = Number(env.BENCH_CATCHUP_RECORDS ?? 1_000_000)

if (want('replication')) {
  const inputOf = (n, name) => {
    if (n === N) return input
    const f = join(work, name)
    writeInput(f, n)
    return f
  }
  await guard('replication: RF=3 acks=all / RF=1', async () => {
    const bin = inputOf(REPL_N, 'replication-input.txt')
    const {rf1, rf3} = await runReplicatedThroughput({input: bin, runs: RUNS})
    for (let i = 0; i < RUNS; i++) {
      runLog('kcat -P -X acks=all, RF=1 (one broker)', REPL_N, rf1[i], i, RUNS)
      runLog('kcat -P -X acks=all, RF=3 (three brokers, min.insync.replicas=2)', REPL_N, rf3[i], i, RUNS)
    }
    summarize('replRf1', 'kcat -P -X acks=all into RF=1 (one broker)', REPL_N, rf1)
    summarize('replRf3', 'kcat -P -X acks=all into RF=3 (three brokers)', REPL_N, rf3)
    if (bin !== input) rmSync(bin, {force: true})
  })
  await guard('replication: failover after kill -9 of the leader', async () => {
    const r = await runFailover({runs: FAILOVER_RUNS})
    r.times.forEach((ms, i) => log(`failover run ${i + 1}/${FAILOVER_RUNS}: ${fmtMs(ms)} ms from kill -9 to the first acks=all write acknowledged`))
    R.failover = {runs: r.times, median: median(r.times), max: Math.max(...r.times), p50: r.p50, p99: r.p99}
    log(`acks=all produce latency, RF=3, one record at a time (kafkajs): p50 ${fmtMs(r.p50)} ms, p99 ${fmtMs(r.p99)} ms`)
  })
  await guard('replication: follower catch-up', async () => {
    const bin = inputOf(CATCHUP_N, 'catchup-input.txt')
    R.catchUp = await runCatchUp({input: bin, records: CATCHUP_N})
    log(`follower ${fmtInt(CATCHUP_N)} records behind: back in the ISR ${fmtMs(R.catchUp.ms)} ms after its start (${fmtInt(R.catchUp.rate)} records/s)`)
    if (bin !== input) rmSync(bin, {force: true})
  })
}

if (store) removeDir(store)
removeDir(work)
const load1 = loadavg()

// ---------------------------------------------------------------- report

const m = machine()
let commit = 'unknown'
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {cwd: ROOT, encoding: 'utf8'}).trim()
  const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], {cwd: ROOT, encoding: 'utf8'}).trim()
  if (dirty) commit += ` + uncommitted changes in src/ (${dirty.split('\n').length} files)`
} catch {}
const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version

const pass = (ok) => (ok === null || ok === undefined ? 'n/a' : ok ? 'PASS' : '**FAIL**')
const na = (x, f) => (x === null || x === undefined ? 'n/a' : f(x))
const rate = (k) => R[k]?.rate ?? null
const timeRatio = (a, b) => (R[a] && R[b] ? R[a].ms / R[b].ms : null) // a's time over b's time
const rx = (x) => na(x, (v) => `${v.toFixed(2)}×`)
const redisCell = (k) => (R[k] ? `${fmtInt(R[k].rate)} (${fmt(R[k].mbps)} MB/s)` : `not available: ${R.redisError ?? (want('redis') ? 'failed' : 'not run')}`)

const targets = []
const target = (what, measured, goal, ok, byCpu = '') => targets.push([what, measured, goal, pass(ok), byCpu])
const cpuRate = (k) => (R[k]?.cpuS ? R[k].records / R[k].cpuS : null)
const cpuRatio = (a, b) => (R[a]?.cpuS && R[b]?.cpuS ? R[a].cpuS / R[b].cpuS : null)
const cpuNote = (v, ok) => (v === null ? '' : `${v} (${ok ? 'would pass' : 'would fail'})`)
target('produce, 1 partition, records/s', na(rate('produce'), fmtInt), '>= 1,500,000', rate('produce') === null ? null : rate('produce') >= 1_500_000,
  cpuNote(na(cpuRate('produce'), fmtInt), cpuRate('produce') >= 1_500_000))
target('produce time / hand-written encoder time', rx(timeRatio('produce', 'encode')), '<= 1.5×', timeRatio('produce', 'encode') === null ? null : timeRatio('produce', 'encode') <= 1.5,
  cpuNote(cpuRatio('produce', 'encode') === null ? null : rx(cpuRatio('produce', 'encode')), cpuRatio('produce', 'encode') <= 1.5))
target('consume -e, records/s', na(rate('consume'), fmtInt), '>= 3,000,000', rate('consume') === null ? null : rate('consume') >= 3_000_000,
  cpuNote(na(cpuRate('consume'), fmtInt), cpuRate('consume') >= 3_000_000))
target('consume time / hand-written decoder time', rx(timeRatio('consume', 'decode')), '<= 1.5×', timeRatio('consume', 'decode') === null ? null : timeRatio('consume', 'decode') <= 1.5,
  cpuNote(cpuRatio('consume', 'decode') === null ? null : rx(cpuRatio('consume', 'decode')), cpuRatio('consume', 'decode') <= 1.5))
target('latency p50', na(R.latency?.p50, (v) => `${fmtMs(v)} ms`), '< 2 ms', R.latency ? R.latency.p50 < 2 : null)
target('latency p99', na(R.latency?.p99, (v) => `${fmtMs(v)} ms`), '< 20 ms', R.latency ? R.latency.p99 < 20 : null)
target('latency at 10,000 records/s, p50 (issue 9 point 9)', na(R.latency10k?.p50, (v) => `${fmtMs(v)} ms`), '< 0.3 ms', R.latency10k ? R.latency10k.p50 < 0.3 : null)
target('latency at 10,000 records/s, p99 (issue 9 point 9)', na(R.latency10k?.p99, (v) => `${fmtMs(v)} ms`), '< 2 ms', R.latency10k ? R.latency10k.p99 < 2 : null)
target('keyed produce (-K:, 10,000 keys, 12 partitions) / hand-written keyed encoder (point 10)', rx(timeRatio('keyed', 'keyedEncode')), '<= 1.25×',
  timeRatio('keyed', 'keyedEncode') === null ? null : timeRatio('keyed', 'keyedEncode') <= 1.25,
  cpuNote(cpuRatio('keyed', 'keyedEncode') === null ? null : rx(cpuRatio('keyed', 'keyedEncode')), cpuRatio('keyed', 'keyedEncode') <= 1.25))
target('produce -K: into 1,000 partitions, peak RSS (point 10)', na(R.many?.produceKB, (v) => `${fmtMB(v)} MB`), '< 100 MB', R.many ? R.many.produceKB < 100 * 1024 : null)
target('consume -e of 1,000 partitions, peak RSS (point 11)', na(R.many?.consumeKB, (v) => `${fmtMB(v)} MB`), '< 100 MB', R.many ? R.many.consumeKB < 100 * 1024 : null)
const formatTarget = (what, a, b, goal) =>
  target(`${what} (point 11)`, rx(timeRatio(a, b)), `<= ${goal}×`, timeRatio(a, b) === null ? null : timeRatio(a, b) <= goal,
    cpuNote(cpuRatio(a, b) === null ? null : rx(cpuRatio(a, b)), cpuRatio(a, b) <= goal))
formatTarget(`consume -f '${KCAT_FORMAT}' / hand-written formatter`, 'fmt', 'fmtRef', 1.15)
formatTarget('consume --json / hand-written JSON formatter', 'json', 'jsonRef', 1.25)
formatTarget('produce --input json / hand-written JSON-lines encoder', 'jsonIn', 'jsonInRef', 1.25)
const single = R.multiSingle ?? R.produce
const multiShare = R.multi && single ? R.multi.rate / single.rate : null
target('4 producers, total / one producer', na(multiShare, (v) => `${(v * 100).toFixed(0)}%`), '>= 50%', multiShare === null ? null : multiShare >= 0.5)
const rssAll = (R.rss ?? []).flatMap((x) => [x.produceMaxKB, x.consumeMaxKB])
const rssPeak = rssAll.length ? Math.max(...rssAll) : null
target('peak RSS, produce and consume, 1 M and 10 M records', na(rssPeak, (v) => `${fmtMB(v)} MB`), '< 150 MB', rssPeak === null ? null : rssPeak < 150 * 1024)
let flat = null
let flatText = 'n/a'
if (R.rss?.length >= 2) {
  const a = R.rss[0]
  const b = R.rss[R.rss.length - 1]
  const grow = (x, y) => y - x
  const ok = (x, y) => grow(x, y) <= Math.max(10 * 1024, 0.1 * x)
  flat = ok(a.produceKB, b.produceKB) && ok(a.consumeKB, b.consumeKB)
  const sign = (kb) => `${kb >= 0 ? '+' : ''}${fmtMB(kb)}`
  flatText = `produce ${sign(grow(a.produceKB, b.produceKB))} MB, consume ${sign(grow(a.consumeKB, b.consumeKB))} MB from ${fmtInt(a.size)} to ${fmtInt(b.size)} records`
}
target('RSS flat in log size', flatText, 'growth <= max(10 MB, 10%)', flat)
const execStreamCell = rate('execStream') === null ? 'n/a'
  : `${fmtInt(rate('execStream'))} (${rx(timeRatio('execStream', 'execStreamRef'))} the time of consume -e > /dev/null; ` +
    `${na(rate('execPerRecord') ? rate('execStream') / rate('execPerRecord') : null, (v) => `${fmtInt(v)}×`)} the rate of --exec per record, ${na(rate('execPerRecord'), fmtInt)}/s)`
target('consume --exec-stream cat, records/s', execStreamCell, '>= 200,000', rate('execStream') === null ? null : rate('execStream') >= 200_000,
  cpuNote(na(cpuRate('execStream'), fmtInt), cpuRate('execStream') >= 200_000))
const connectCell = rate('connectFile') === null ? 'n/a'
  : `${fmtInt(rate('connectFile'))} (${rx(timeRatio('connectFile', 'connectCat'))} the time of cat, ${rx(timeRatio('connectFile', 'connectProduceConsume'))} that of produce + consume)`
target('Connect FileStreamSource -> topic -> FileStreamSink, lines/s end to end (issue 12)', connectCell, '>= 300,000', rate('connectFile') === null ? null : rate('connectFile') >= 300_000)
const streamsRatio = timeRatio('streamMap', 'streamPipe')
target('Streams stateless `stream map -e` / `consume -e | produce`, time (issue 13)', rx(streamsRatio), '<= 2×', streamsRatio === null ? null : streamsRatio <= 2)
const wcRatio = R.streams ? R.streams.cachedS / R.streams.referenceS : null
target('Streams WordCount / hand-written Map loop, time (issue 13)', na(wcRatio, (v) => `${fmt(v, 2)}× (${fmtInt(R.streams.lines / R.streams.cachedS)} lines/s)`), '<= 3×', wcRatio === null ? null : wcRatio <= 3)
target(`Streams restore of a ${fmtInt(RESTORE_KEYS)}-key store from its changelog, s (issue 13)`, na(R.streams?.restore.s, (v) => `${fmt(v, 2)} s (${fmtInt(R.streams.restore.records)} records)`), 'reported', null)
const kcatP = rate('brokerKcatP')
const kcatC = rate('brokerKcatC')
// By CPU: the rate the busier of kcat and the broker would allow with a core each (they run in parallel).
const cpuBound = (k, brokerUs) => (R[k]?.cpuS && brokerUs ? 1e6 / Math.max((R[k].cpuS / R[k].records) * 1e6, brokerUs) : null)
const kcatPcpu = cpuBound('brokerKcatP', R.brokerCpuPerRecord?.produceUs)
const kcatCcpu = cpuBound('brokerKcatC', R.brokerCpuPerRecord?.consumeUs)
target('kcat -P through a broker, records/s (issue 10)', na(kcatP, fmtInt), '>= 1,000,000', kcatP === null ? null : kcatP >= 1_000_000, cpuNote(na(kcatPcpu, fmtInt), kcatPcpu >= 1_000_000))
target('kcat -P through a broker / logpipe produce on the files, time', rx(timeRatio('brokerKcatP', 'brokerFileProduce')), '<= 2×', timeRatio('brokerKcatP', 'brokerFileProduce') === null ? null : timeRatio('brokerKcatP', 'brokerFileProduce') <= 2)
target('kcat -C -e through a broker, records/s (issue 10)', na(kcatC, fmtInt), '>= 1,000,000', kcatC === null ? null : kcatC >= 1_000_000, cpuNote(na(kcatCcpu, fmtInt), kcatCcpu >= 1_000_000))
target('kcat -C -e through a broker / logpipe consume -e on the files, time', rx(timeRatio('brokerKcatC', 'brokerFileConsume')), '<= 2×', timeRatio('brokerKcatC', 'brokerFileConsume') === null ? null : timeRatio('brokerKcatC', 'brokerFileConsume') <= 2)
target('logpipe produce --bootstrap-server / produce on the files, time (issue 10)', rx(timeRatio('brokerLpP', 'brokerFileProduce')), '<= 1.5×', timeRatio('brokerLpP', 'brokerFileProduce') === null ? null : timeRatio('brokerLpP', 'brokerFileProduce') <= 1.5,
  cpuNote(cpuRatio('brokerLpP', 'brokerFileProduce') === null ? null : rx(cpuRatio('brokerLpP', 'brokerFileProduce')), cpuRatio('brokerLpP', 'brokerFileProduce') <= 1.5))
target('logpipe consume -e --bootstrap-server / consume -e on the files, time (issue 10)', rx(timeRatio('brokerLpC', 'brokerFileConsume')), '<= 1.5×', timeRatio('brokerLpC', 'brokerFileConsume') === null ? null : timeRatio('brokerLpC', 'brokerFileConsume') <= 1.5,
  cpuNote(cpuRatio('brokerLpC', 'brokerFileConsume') === null ? null : rx(cpuRatio('brokerLpC', 'brokerFileConsume')), cpuRatio('brokerLpC', 'brokerFileConsume') <= 1.5))
target('produce-to-fetch through a broker at 10,000 records/s, kcat defaults, p99', na(R.brokerLatency?.p99, (v) => `${fmtMs(v)} ms (p50 ${fmtMs(R.brokerLatency.p50)} ms)`), '< 10 ms', R.brokerLatency ? R.brokerLatency.p99 < 10 : null)
const replShare = R.replRf1 && R.replRf3 ? R.replRf3.rate / R.replRf1.rate : null
target('RF=3 acks=all / RF=1 produce throughput (issue 11)', na(replShare, (v) => `${(v * 100).toFixed(0)}% (${fmtInt(R.replRf3.rate)} / ${fmtInt(R.replRf1.rate)} records/s)`), '>= 50%', replShare === null ? null : replShare >= 0.5)
target('acks=all produce latency, RF=3, p99 (issue 11)', na(R.failover?.p99, (v) => `${fmtMs(v)} ms (p50 ${fmtMs(R.failover.p50)} ms)`), 'reported', null)
target('failover, kill -9 of the leader to the first acknowledged write, median (issue 11)', na(R.failover?.median, (v) => `${fmtMs(v)} ms (max ${fmtMs(R.failover.max)} ms, ${R.failover.runs.length} runs)`), '< session timeout (9000 ms) + 1 s', R.failover ? R.failover.median < 10_000 : null)
target(`follower ${fmtInt(CATCHUP_N)} records behind, back in the ISR (issue 11)`, na(R.catchUp?.ms, (v) => `${fmtMs(v)} ms (${fmtInt(R.catchUp.rate)} records/s)`), '< 2 s', R.catchUp ? R.catchUp.ms < 2000 : null)
target(`broker RSS, ${BROKER_RSS_PARTITIONS} partitions, ${BROKER_RSS_CONNECTIONS} connections`, na(R.brokerRss?.peakKB, (v) => `${fmtMB(v)} MB peak`), '< 200 MB', R.brokerRss ? R.brokerRss.peakKB < 200 * 1024 : null)
for (const [key, label] of STARTUP_CASES.slice(1)) {
  const ratio = R.startup ? R.startup[key].ratio : null
  target(`start-up: ${label} / \`node -e 0\``, rx(ratio), '< 2×', ratio === null ? null : ratio < 2)
}

// Main table: one row per scenario, logpipe and the references.
const lpCell = (k) => (R[k] ? fmtInt(R[k].rate) : 'n/a')
const mbCell = (k) => (R[k] ? fmt(R[k].mbps) : 'n/a')
const refCell = (ref, lpKey) => (R[ref] ? `${fmtInt(R[ref].rate)} — logpipe takes ${rx(timeRatio(lpKey, ref))} its time` : 'n/a')
const mainRows = [
  [
    `produce ${fmtInt(N)} records from a file on stdin → 1 partition`,
    lpCell('produce'),
    mbCell('produce'),
    refCell('catCopy', 'produce'),
    refCell('encode', 'produce'),
    R.xadd ? `${fmtInt(R.xadd.rate)} (XADD) — logpipe takes ${rx(timeRatio('produce', 'xadd'))} its time` : redisCell('xadd'),
    '>= 1,500,000/s; <= 1.5× encoder',
    pass(rate('produce') === null ? null : rate('produce') >= 1_500_000 && timeRatio('produce', 'encode') <= 1.5),
  ],
  [
    `consume -e ${fmtInt(N)} records → /dev/null`,
    lpCell('consume'),
    mbCell('consume'),
    refCell('catSeg', 'consume'),
    refCell('decode', 'consume'),
    R.xrange ? `${fmtInt(R.xrange.rate)} (XRANGE) — logpipe takes ${rx(timeRatio('consume', 'xrange'))} its time` : redisCell('xrange'),
    '>= 3,000,000/s; <= 1.5× decoder',
    pass(rate('consume') === null ? null : rate('consume') >= 3_000_000 && timeRatio('consume', 'decode') <= 1.5),
  ],
  [
    `4 producer processes, ${fmtInt(R.multi?.records ?? N)} records in all → 1 partition`,
    lpCell('multi'),
    mbCell('multi'),
    '',
    single ? `one producer (runs next to these): ${fmtInt(single.rate)} — 4 together reach ${na(multiShare, (v) => `${(v * 100).toFixed(0)}%`)}` : 'n/a',
    '',
    '>= 50% of one producer',
    pass(multiShare === null ? null : multiShare >= 0.5),
  ],
]

const detail = []
const row = (k, what) => {
  const x = R[k]
  if (!x) return
  detail.push([what, x.label, fmtInt(x.records), fmt(x.ms / 1000, 3), fmtInt(x.rate), fmt(x.mbps), na(x.cpuS, (v) => fmt(v, 2)), fmtMB(x.maxRssKB), x.runs.map((r) => fmt(r.ms / 1000, 3)).join(', '), na(x.otherCores, (v) => fmt(v, 2))])
}
row('produce', 'produce')
row('catCopy', 'produce ref: byte copy')
row('encode', 'produce ref: Node limit')
row('xadd', 'produce ref: Redis Streams')
row('consume', 'consume')
row('catSeg', 'consume ref: byte copy')
row('decode', 'consume ref: Node limit')
row('xrange', 'consume ref: Redis Streams')
row('fmt', 'consume -f (point 11)')
row('fmtRef', 'consume -f ref: hand-written')
row('json', 'consume --json (point 11)')
row('jsonRef', 'consume --json ref: hand-written')
row('jsonIn', 'produce --input json (point 11)')
row('jsonInRef', 'produce --input json ref: hand-written')
row('multiSingle', '1 producer, next to the 4')
row('multi', '4 producers')
row('perfProduce', 'info: library producer')
row('perfConsume', 'info: library consumer')
for (const c of CODECS) row(`codecProduce_${c}`, `produce --compression ${c}`)
for (const c of CODECS) row(`codecConsume_${c}`, `consume of ${c} batches`)

const lines = []
const p = (s = '') => lines.push(s)
p('# logpipe benchmarks')
p()
p(`Generated by \`npm run bench\` (bench/run.mjs) on ${started.toISOString().replace('T', ' ').slice(0, 19)} UTC; the run took ${fmt((Date.now() - t0) / 60000, 1)} min.`)
p()
p('## Machine')
p()
p(table(['', ''], [
  ['CPU', `${m.cores} cores, ${m.model}`],
  ['memory', m.mem],
  ['OS', `${m.os}, Linux ${m.kernel}`],
  ['Node', m.node],
  ['temp dir (data dirs, inputs)', `${m.tmp} on ${m.fs}`],
  ['load average (1 min) at start / end', `${fmt(load0[0], 2)} / ${fmt(load1[0], 2)}`],
  ['logpipe', `${version}, commit ${commit}`],
  ['Redis', R.redisVersion ? `redis-server ${R.redisVersion} (Debian), 127.0.0.1, no persistence` : `not available: ${R.redisError ?? 'not run'}`],
]))
p()
p('## Method')
p()
p(`- Records are ${RECORD_SIZE} bytes: ${RECORD_SIZE - 1} bytes and '\\n'. The input file (${fmtInt(N)} records, ${fmt((N * RECORD_SIZE) / 1e6, 0)} MB) is generated once; MB/s counts these input bytes (10^6 bytes per MB).`)
p(`- Every figure is a median: of ${TP_RUNS} runs for produce, consume and their references (run round-robin: logpipe, cat, hand-written, logpipe, ...), of ${RUNS} runs for Redis, the 4 producers, latency and the \`logpipe bench\` commands, ${RSS_RUNS} for RSS, and of ${RUNS} runs of ${STARTUP_PER_RUN} invocations each for start-up. Each produce run writes into a fresh data dir (mkdtemp under ${m.tmp}, removed after). Times are wall clock of the whole process, measured by the bench from spawn to exit, so they include Node's start-up (about ${na(R.startup?.node.ms, fmtMs)} ms) and, for logpipe, loading its CLI. Peak RSS and CPU time (user+sys) come from \`/usr/bin/time\`${TIME ? '' : ' (missing here: no RSS figures)'}.`)
p('- The page cache is warm (nothing is dropped between runs) and nothing is fsynced: the figures are CPU and memory-copy bound, as produce without --fsync is. Before each write-heavy timed run the bench calls `sync` (untimed), so one run\'s write-back does not land on the next.')
p(`- This machine may be shared with other work. ${gateStats.enabled ? `Before each timed run the bench waited (up to 3 s per run, ${fmt(Number(env.BENCH_QUIET_TOTAL_MS ?? 30_000) / 1000, 0)} s in all) for the rest of the machine to use under 0.25 cores: ${gateStats.quiet} of ${gateStats.runs} timed runs started on an idle machine, after ${fmt(gateStats.waitedMs / 1000, 0)} s of waiting in all.` : 'The wait for an idle machine was off (BENCH_QUIET_WAIT=0).'} The "other work" columns show how much CPU the rest of the machine used during the runs.`)
p('- **References**: `cat` copies the input file to a file on the same disk (produce) and the segment files to /dev/null (consume): the byte-copy limit. `bench/baseline-encode.mjs` / `bench/baseline-decode.mjs` are a hand-written Node RecordBatch v2 encoder and decoder that share no code with logpipe: large reads, `Buffer.indexOf` line splitting, one preallocated buffer per ~1 MB batch, CRC-32C from @node-rs/crc32, one `writeSync` per batch; the decoder checks each batch\'s CRC and writes value+\'\\n\' through a 1 MiB buffer. Redis Streams: `XADD bench * v <line>` for every record, sent by `redis-cli --pipe` from a file of commands prepared beforehand, and read back by a Node process paging `XRANGE bench (last + COUNT 10000` over one connection and writing each value+\'\\n\' to /dev/null. Redis keeps the stream in memory (no RDB/AOF): it writes nothing to disk.')
p(`- Checks (not timed): logpipe's log has ${fmtInt(N)} records after produce (${R.produce ? 'yes' : 'not run'}); \`logpipe consume -e\` returns the input byte for byte (${R.consumeCheck === undefined ? 'not run' : R.consumeCheck ? 'yes' : '**no**'}); the baseline encoder's segment is read by \`logpipe dump\` (${R.encodeCheck ? `${R.encodeCheck.valid} batches, all isvalid: true` : 'not run'}) and \`logpipe consume -e\` returns the input from it (${R.encodeCheck ? (R.encodeCheck.same ? 'yes' : '**no**') : 'not run'}); the baseline decoder returns the input from logpipe's segments (${R.decodeCheck === undefined ? 'not run' : R.decodeCheck ? 'yes' : '**no**'}); XRANGE returns the input (${R.redisCheck === undefined ? 'not run' : R.redisCheck ? 'yes' : '**no**'}); after the 4 concurrent producers the log has all records and \`logpipe topic verify\` says ${R.multiVerify ?? 'not run'}.`)
p()
p('## Throughput')
p()
p(table(['scenario', 'logpipe records/s', 'logpipe MB/s', '`cat` records/s', 'hand-written Node records/s', 'Redis Streams records/s', 'target', 'result'], mainRows))
p()
p('"logpipe takes N× its time": logpipe\'s median wall time over the reference\'s, so 1.00× is parity and 2.00× is half the reference\'s rate.')
p()
p(table(['what', 'command', 'records', 'median s', 'records/s', 'MB/s', 'CPU s', 'peak RSS MB', 'runs (s)', 'other work (cores)'], detail))
p()
p('"CPU s": user+sys CPU seconds of the measured process(es), median run. "other work": CPU the rest of the machine used meanwhile (from /proc/stat, less the measured processes\' own), in cores, median run — on this 2-core machine anything near 1 means the measurement got about half the CPU it could have had; the runs of logpipe and of its references are interleaved so they share such conditions.')
if (R.segmentBytes) {
  p()
  p(`logpipe's log for ${fmtInt(N)} records: ${fmtInt(R.segmentBytes)} bytes in ${R.segmentCount} segment(s) (${fmt(R.segmentBytes / N, 1)} bytes per record on disk).`)
}
if (R.multi) {
  p()
  p(`4 producers: each process got ${fmtInt(R.multi.records / 4)} records on stdin; time is from the first spawn to the last exit. Per-process wall times in the median run: ${[...R.multi.runs].sort((a, b) => Math.abs(a.ms - R.multi.ms) - Math.abs(b.ms - R.multi.ms))[0]?.each?.map((x) => fmt(x / 1000, 2)).join(', ') ?? 'n/a'} s.`)
}
if (R.perfProduce) {
  p()
  p(`\`logpipe bench produce|consume\` (the library without stdin parsing or stdout formatting; informational, no target): the commands report ${fmtInt(R.perfProduce.selfRate)} and ${fmtInt(R.perfConsume?.selfRate)} records/s by their own clocks (start-up excluded).`)
}
p()
p('## Targets (DESIGN.md §4, 2 cores)')
p()
p(table(['target', 'measured (wall clock)', 'goal', 'result', 'same by CPU time (info)'], targets))
p()
p('Results are judged on wall-clock time, what a user waits for. The last column redoes the throughput targets with the processes\' CPU time (user+sys) instead — records per CPU-second and CPU-time ratios — which other work on the machine disturbs much less; it is information, not the verdict.')
p()
const missed = targets.filter((t) => t[3] === '**FAIL**')
const notRun = targets.filter((t) => t[3] === 'n/a')
if (missed.length) p(`**Missed:** ${missed.map((t) => `${t[0]} (${t[1]}, goal ${t[2]})`).join('; ')}.`)
else p(notRun.length ? 'Every target measured holds.' : 'Every target holds.')
if (notRun.length) p(`Not measured in this run: ${notRun.map((t) => t[0]).join('; ')}.`)
p()
p('## Latency: produce → tail-following consume')
p()
if (R.keyed || R.many || R.latency10k || R.fmt || R.json || R.jsonIn) {
  p('## Issue 9: keyed produce, 1,000 partitions, latency at 10,000 records/s, formats')
  p('')
  if (R.keyed && R.keyedEncode) {
    p(`Keyed produce of ${fmtInt(KEYED_N)} records (\`-K:\`, 10,000 keys) into 12 partitions: logpipe ${fmt(R.keyed.ms / 1000, 3)} s (${na(R.keyed.cpuS, (v) => fmt(v, 2))} CPU s), hand-written keyed encoder (\`bench/baseline-encode-keyed.mjs\`: murmur2, one batch buffer per partition, no locks or indexes) ${fmt(R.keyedEncode.ms / 1000, 3)} s (${na(R.keyedEncode.cpuS, (v) => fmt(v, 2))} CPU s): ${rx(timeRatio('keyed', 'keyedEncode'))} by wall clock, ${rx(cpuRatio('keyed', 'keyedEncode'))} by CPU time. Lock takes of partition 0 in the first run: ${R.keyedTakes ?? 'n/a'}.`)
    p('')
  }
  if (R.many) {
    p(`1,000 partitions, the same records: \`produce -K:\` peaks at ${fmtMB(R.many.produceKB)} MB (${fmt(R.many.produceCpuS, 2)} CPU s), \`consume -e\` at ${fmtMB(R.many.consumeKB)} MB (${fmt(R.many.consumeCpuS, 2)} CPU s); target < 100 MB each.`)
    p('')
  }
  if (R.fmt || R.json || R.jsonIn) {
    const cell = (k, ref) => (R[k] && R[ref] ? `logpipe ${fmt(R[k].ms / 1000, 3)} s (${na(R[k].cpuS, (v) => fmt(v, 2))} CPU s), reference ${fmt(R[ref].ms / 1000, 3)} s (${na(R[ref].cpuS, (v) => fmt(v, 2))} CPU s): ${rx(timeRatio(k, ref))} by wall clock, ${rx(cpuRatio(k, ref))} by CPU time` : 'n/a')
    p(`Formats (point 11): \`consume -e -f '${KCAT_FORMAT}'\` and \`consume -e --json\` of the ${fmtInt(N)} records of the consume runs to /dev/null against \`bench/baseline-format.mjs fmt|json\` (a hand-written decoder that writes the same bytes through a 1 MiB buffer, digits and JSON escapes as bytes); \`produce --input json\` of the lines \`consume --json\` printed for the first ${fmtInt(JSON_IN_N)} of them against \`bench/baseline-encode-json.mjs\` (JSON.parse per line, key, value and headers written as UTF-8 straight into the batch buffer). Checked (untimed): both formatters print byte-identical output (-f ${R.formatCheck ? 'yes' : '**no**'}, --json ${R.jsonCheck ? 'yes' : '**no**'}), and the JSON encoder's log reads back as its input (${R.jsonInCheck ? 'yes' : '**no**'}).`)
    p('')
    p(`-f: ${cell('fmt', 'fmtRef')}. --json: ${cell('json', 'jsonRef')}. --input json: ${cell('jsonIn', 'jsonInRef')}.`)
    p('')
  }
  if (R.latency10k) {
    p(`Produce (\`--linger-ms 0\`) to a following consume at 10,000 records/s: p50 ${fmtMs(R.latency10k.p50)} ms, p99 ${fmtMs(R.latency10k.p99)} ms (medians of ${R.latency10k.runs.length} runs; target p50 < 0.3 ms, p99 < 2 ms). The hand-written reference in the same runs (\`bench/latency-reference.mjs\`: a file appended per stdin chunk and followed with fs.watch, nothing else): p50 ${fmtMs(R.latency10k.refP50)} ms, p99 ${fmtMs(R.latency10k.refP99)} ms, what the machine's process wake-ups cost by themselves.`)
    p('')
  }
}

if (R.latency) {
  p(`\`logpipe produce T --linger-ms 0\` reads lines that the bench writes into its stdin pipe at a steady ${fmtInt(LAT_RATE)} records/s (${fmtInt(LAT_COUNT)} records per run, after a warm-up); each line carries its send time. \`logpipe consume T -o end -F '%s\\n'\` follows the log; the bench reads its stdout and takes receive − send per record (one clock, the bench's).`)
  p()
  p(table(['run', 'records received', 'rate achieved', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'mean ms', 'CPU of producer+follower+bench (cores)', 'other work (cores)'], [
    ...R.latency.runs.map((r, i) => [String(i + 1), `${fmtInt(r.received)} / ${fmtInt(r.sent)}`, `${fmt(r.achievedRate, 0)}/s`, fmtMs(r.p50), fmtMs(r.p99), fmtMs(r.p999), fmtMs(r.max), fmtMs(r.mean), fmt(r.cpuCores, 2), na(r.otherCores, (v) => fmt(v, 2))]),
    ['**median**', '', '', `**${fmtMs(R.latency.p50)}**`, `**${fmtMs(R.latency.p99)}**`, `**${fmtMs(R.latency.p999)}**`, fmtMs(R.latency.max), fmtMs(R.latency.mean), '', ''],
  ]))
  p()
  p(`Targets: p50 < 2 ms (${pass(R.latency.p50 < 2)}), p99 < 20 ms (${pass(R.latency.p99 < 20)}).`)
} else p('Not measured in this run.')
p()
p('## Peak RSS against log size')
p()
if (R.rss?.length) {
  p(`${RSS_RUNS} runs per size. Each run: a fresh data dir; \`logpipe produce t FILE...\` (the input file given as many times as needed), then \`logpipe consume t -e > /dev/null\`; peak RSS by \`/usr/bin/time\`.`)
  p()
  p(table(['records', 'log size', 'produce peak RSS MB (median / max)', 'consume peak RSS MB (median / max)', 'produce s', 'consume s'], R.rss.map((x) => [
    fmtInt(x.size), `${fmt(x.logBytes / 1e9, 2)} GB`, `${fmtMB(x.produceKB)} / ${fmtMB(x.produceMaxKB)}`, `${fmtMB(x.consumeKB)} / ${fmtMB(x.consumeMaxKB)}`, fmt(x.produceMs / 1000, 2), fmt(x.consumeMs / 1000, 2),
  ])))
  p()
  p(`Target: < 150 MB (${pass(rssPeak < 150 * 1024)}); flat: ${flatText} (${pass(flat)}).`)
  if (R.produce?.maxRssKB || R.consume?.maxRssKB) p(`At ${fmtInt(N)} records (throughput runs): produce ${fmtMB(R.produce?.maxRssKB)} MB, consume ${fmtMB(R.consume?.maxRssKB)} MB.`)
} else p('Not measured in this run.')
p()
p('## Compression codecs')
p()
if (R.codecs && R.codecProduce_none && R.codecConsume_none) {
  p(`The same ${fmtInt(CODEC_N)} records as above, produced with \`--compression C\` into a fresh data dir and consumed with \`-e\` to /dev/null; the five codecs run round-robin (${TP_RUNS} runs each, medians), so each ratio compares runs made under the same conditions. References: \`none\` and \`gzip\` of the same run. Checked (untimed): every codec's log returns the input byte for byte and \`dump\` names the codec in every batch. Codecs: gzip from zlib, snappy (snappy-java framing) from \`snappy\`, lz4 (LZ4 frames, 64 KiB blocks) from \`lz4-napi\`, zstd (level 3) from ${Number(process.versions.node.split('.')[0]) > 22 || (Number(process.versions.node.split('.')[0]) === 22 && Number(process.versions.node.split('.')[1]) >= 15) ? "Node's zlib" : '`@toondepauw/node-zstd` (this Node has no zlib zstd)'}.`)
  p()
  const x = (a, b) => rx(timeRatio(a, b))
  p(table(['codec', 'produce records/s', 'produce time × none', 'produce time × gzip', 'consume records/s', 'consume time × none', 'consume time × gzip', 'log bytes', 'log / input size'], CODECS.map((c) => [
    c,
    lpCell(`codecProduce_${c}`),
    x(`codecProduce_${c}`, 'codecProduce_none'),
    x(`codecProduce_${c}`, 'codecProduce_gzip'),
    lpCell(`codecConsume_${c}`),
    x(`codecConsume_${c}`, 'codecConsume_none'),
    x(`codecConsume_${c}`, 'codecConsume_gzip'),
    fmtInt(R.codecs[c].logBytes),
    `${((R.codecs[c].logBytes / (CODEC_N * RECORD_SIZE)) * 100).toFixed(1)}%`,
  ])))
} else p('Not measured in this run.')
p()
p('## Connect (issue 12)')
p()
if (R.connectFile || R.jdbcUpsert) {
  p(`FileStreamSource -> topic \`connect-test\` -> FileStreamSink with Kafka's quickstart files (JsonConverter, schemas on, offset.flush.interval.ms=1000) over ${fmtInt(CONNECT_N)} lines of ${RECORD_SIZE} bytes: from starting \`logpipe connect standalone\` until the sink file has every byte (worker start-up included); checked once, untimed, that the sink file is the input byte for byte (${R.connectCheck === undefined ? 'not run' : R.connectCheck ? 'yes' : '**no**'}). References: \`cat\` of the file, and \`logpipe produce\` then \`logpipe consume -e\` of it (the sum of both). JDBC: ${fmtInt(JDBC_N)} records with a new key each, upserted (INSERT .. ON CONFLICT DO UPDATE, one transaction per put of up to 500) into an auto.created table of a PostgreSQL server started for the bench (fsync off), from starting the worker until the table has every row; the reference is \`psql \\copy\` of the same rows as CSV into a table of the same shape.`)
  p()
  const cRow = (k) => (R[k] ? [R[k].label, fmtInt(R[k].records), fmt(R[k].ms / 1000, 3), fmtInt(R[k].rate), R[k].runs.map((r) => fmt(r.ms / 1000, 3)).join(', ')] : null)
  p(table(['command', 'records', 'median s', 'records/s', 'runs (s)'], ['connectFile', 'connectCat', 'connectProduceConsume', 'jdbcUpsert', 'psqlCopy'].map(cRow).filter(Boolean)))
  p()
  p(`Connect end to end takes ${rx(timeRatio('connectFile', 'connectCat'))} the time of \`cat\` and ${rx(timeRatio('connectFile', 'connectProduceConsume'))} that of produce + consume; the JDBC sink's upserts take ${rx(timeRatio('jdbcUpsert', 'psqlCopy'))} the time of \`psql \\copy\` (${na(rate('jdbcUpsert'), fmtInt)} against ${na(rate('psqlCopy'), fmtInt)} rows/s; no target, a ratio).`)
} else p('Not measured in this run.')
p()
p('## Streams (issue 13)')
p()
if (R.streamMap || R.streams) {
  p(`Stateless: \`logpipe stream map -e\` (a one-step mapValues topology, an application of its own per run, String serdes) over ${fmtInt(STREAMS_N)} records of ${RECORD_SIZE} bytes into a new topic, against \`logpipe consume -e | logpipe produce\` of the same records into a new topic; both include start-up.`)
  p()
  const sRow = (k) => (R[k] ? [R[k].label, fmtInt(R[k].records), fmt(R[k].ms / 1000, 3), fmtInt(R[k].rate), na(R[k].cpuS, (v) => fmt(v, 2)), na(R[k].rssKB, fmtMB), R[k].runs.map((r) => fmt(r.ms / 1000, 3)).join(', ')] : null)
  p(table(['command', 'records', 'median s', 'records/s', 'CPU s', 'peak RSS MB', 'runs (s)'], ['streamMap', 'streamPipe'].map(sRow).filter(Boolean)))
  p()
  if (R.streams) {
    const w = R.streams
    p(`WordCount (bench/streams.mjs, Kafka's demo: flatMapValues, groupBy through its repartition topic, count into a persistent changelogged store, counts out as Long) over ${fmtInt(w.lines)} lines of 10 words, in one process on the library: ${fmt(w.cachedS, 2)} s with Kafka's defaults, ${fmt(w.uncachedS, 2)} s with no record cache; the hand-written loop (the same Consumer and Producer, a Map, every update written) ${fmt(w.referenceS, 2)} s. Restore of a ${fmtInt(w.keys)}-key store: ${fmtInt(w.restore.records)} changelog records in ${fmt(w.restore.s, 2)} s with its state directory removed, ${fmtInt(w.checkpoint.records)} in ${fmt(w.checkpoint.s, 2)} s from its checkpoint. Load average at its start: ${w.loadAtStart}.`)
  }
} else p('Not measured in this run.')
p()
p('## Broker (issue 10)')
p()
if (R.brokerKcatP || R.brokerLatency || R.brokerRss) {
  p(`A \`logpipe broker start\` on a fresh data dir (topic \`b\`, 1 partition), kcat ${'1.7.1'} (librdkafka 2.0.2) with its defaults against it; each run also produces and consumes the same ${fmtInt(BROKER_N)} records on the files with logpipe, so the ratios compare runs made under the same conditions. Broker CPU is the broker process's user+sys time (from /proc) during each kcat run, divided by the records. Checked, untimed: the log holds ${fmtInt(BROKER_N)} records after kcat -P, and kcat -C returns the input byte for byte (${R.brokerCheck === undefined ? 'not run' : R.brokerCheck ? 'yes' : '**no**'}).`)
  p()
  const bRow = (k, what) => (R[k] ? [what, R[k].label, fmtInt(R[k].rate), fmt(R[k].ms / 1000, 3), na(R[k].cpuS, (v) => fmt(v, 2)), R[k].runs.map((r) => fmt(r.ms / 1000, 3)).join(', ')] : null)
  p(table(['what', 'command', 'records/s', 'median s', 'CPU s of the command', 'runs (s)'], [
    bRow('brokerKcatP', 'produce through a broker'),
    bRow('brokerFileProduce', 'produce on the files'),
    bRow('brokerKcatC', 'consume through a broker'),
    bRow('brokerKcatCount', 'consume through a broker, to the count (no end-of-partition wait)'),
    bRow('brokerFileConsume', 'consume on the files'),
    bRow('brokerLpP', 'logpipe produce through the broker'),
    bRow('brokerLpC', 'logpipe consume through the broker'),
  ].filter(Boolean)))
  p()
  if (R.brokerKcatCount) {
    p(`kcat -C -e ends a partition only after one more Fetch at the high watermark, which the broker holds for fetch.wait.max.ms (500 ms) as Kafka does (docs/ARCHITECTURE.md, Broker); stopping at the count instead (-c), kcat took ${rx(timeRatio('brokerKcatCount', 'brokerFileConsume'))} the time of the file consume (-e: ${rx(timeRatio('brokerKcatC', 'brokerFileConsume'))}).`)
    p()
  }
  if (R.brokerCpuPerRecord) {
    p(`Broker CPU per record: ${fmt(R.brokerCpuPerRecord.produceUs, 2)} µs produced (kcat -P), ${fmt(R.brokerCpuPerRecord.consumeUs, 2)} µs fetched (kcat -C), medians; kcat's own: ${na(R.brokerKcatP?.cpuS, (v) => fmt((v / BROKER_N) * 1e6, 2))} µs and ${na(R.brokerKcatC?.cpuS, (v) => fmt((v / BROKER_N) * 1e6, 2))} µs. With a core each, the busier of kcat and the broker would allow ${na(kcatPcpu, fmtInt)} and ${na(kcatCcpu, fmtInt)} records/s. Wall time far above the sum of both CPU times means they waited for the CPU (see "other work").`)
    if (R.brokerCpuPerRecord.lpProduceUs !== undefined) {
      p()
      p(`logpipe's own client through the broker (a data dir of its own, \`--bootstrap-server\`): broker CPU ${fmt(R.brokerCpuPerRecord.lpProduceUs, 2)} µs per record produced, ${fmt(R.brokerCpuPerRecord.lpConsumeUs, 2)} µs per record fetched; the command's own CPU is in the table. The file path's figures are the same command without the broker, so start-up is in both.`)
    }
  }
  if (R.brokerLatency) {
    p()
    p(`Latency: kcat -P reads lines the bench writes into its stdin at 10,000 records/s (10,000 per run after a warm-up), each stamped with its send time; \`kcat -C -o end -u\` follows the topic through the same broker; receive − send per record on the bench's clock. p50 ${fmtMs(R.brokerLatency.p50)} ms, p99 ${fmtMs(R.brokerLatency.p99)} ms, max ${fmtMs(R.brokerLatency.max)} ms (medians of ${R.brokerLatency.runs.length} runs; broker CPU ${R.brokerLatency.runs.map((r) => fmt(r.brokerCores, 2)).join(', ')} cores). librdkafka's linger.ms (5 ms) is in these figures.`)
  }
  if (R.brokerRss) {
    p()
    p(`Memory: a broker leading a topic of ${BROKER_RSS_PARTITIONS} partitions (${fmtInt(BROKER_RSS_RECORDS)} keyed records), ${BROKER_RSS_CONNECTIONS} connections each fetching every partition from offset 0 to its end (Fetch v11, 1 MiB per partition and response), then long-polling: ${fmtMB(R.brokerRss.idleKB)} MB before they connect, ${fmtMB(R.brokerRss.rssKB)} MB after, peak (VmHWM) ${fmtMB(R.brokerRss.peakKB)} MB.`)
  }
} else p('Not measured in this run.')
p()
p('## Start-up')
p()
if (R.startup) {
  const s = R.startup
  p(`Wall time from spawn to exit, stdout to /dev/null, on a store with one topic, one record and one group; the cases run round-robin, ${STARTUP_PER_RUN} invocations each per run; "× \`node -e 0\`" is the median over the runs of each run's ratio. \`bin/run.js\` runs the bundle (dist/bundle/, built from the manifest by scripts/bundle.mjs); docs/PERFORMANCE.md says where the time goes.`)
  p()
  p(table(['command', 'median ms', `runs (median of ${STARTUP_PER_RUN} each, ms)`, '× `node -e 0`', 'target'], STARTUP_CASES.map(([key, label]) => [
    label,
    fmtMs(s[key].ms),
    s[key].runs.map(fmtMs).join(', '),
    rx(s[key].ratio),
    key === 'node' ? '' : `< 2× (${pass(s[key].ratio < 2)})`,
  ])))
  p()
} else p('Not measured in this run.')
if (notes.length || failures.length) {
  p()
  p('## Notes')
  p()
  for (const n of notes) p(`- ${n}`)
  for (const f of failures) p(`- **Failed:** ${f}`)
}
p()
writeFileSync(OUT, lines.join('\n'))
log(`wrote ${OUT} (${fmt((Date.now() - t0) / 1000, 0)} s)`)
process.exitCode = failures.length ? 1 : 0
