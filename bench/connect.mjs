#!/usr/bin/env node
// Connect throughput, issue 12's performance point: FileStreamSource ->
// topic -> FileStreamSink of N 100-byte lines with Kafka's quickstart worker
// file (JsonConverter, schemas on), end to end: from starting
// `logpipe connect standalone` until the sink file holds every line.
//
//   node bench/connect.mjs [N]      (default 1000000; CONNECT_TRANSFORMS=1 adds
//                                    the quickstart's HoistField + InsertField)
import {spawn} from 'node:child_process'
import {copyFileSync, existsSync, mkdirSync, statSync, appendFileSync} from 'node:fs'
import {join} from 'node:path'
import {RUN_JS, ROOT, NODE, removeDir, tempDir, writeInput} from './lib.mjs'

const n = Number(process.argv[2] ?? 1_000_000)
const dir = tempDir('logpipe-bench-connect-')
try {
  mkdirSync(join(dir, 'config'))
  for (const f of ['connect-standalone.properties', 'connect-file-source.properties', 'connect-file-sink.properties']) copyFileSync(join(ROOT, 'test/fixtures/connect', f), join(dir, 'config', f))
  appendFileSync(join(dir, 'config', 'connect-standalone.properties'), '\noffset.flush.interval.ms=1000\n')
  if (process.env.CONNECT_TRANSFORMS === '1')
    appendFileSync(join(dir, 'config', 'connect-file-source.properties'), '\ntransforms=MakeMap,InsertSource\ntransforms.MakeMap.type=org.apache.kafka.connect.transforms.HoistField$Value\ntransforms.MakeMap.field=line\ntransforms.InsertSource.type=org.apache.kafka.connect.transforms.InsertField$Value\ntransforms.InsertSource.static.field=data_source\ntransforms.InsertSource.static.value=test-file-source\n')
  writeInput(join(dir, 'test.txt'), n)
  const inputBytes = statSync(join(dir, 'test.txt')).size
  const sink = join(dir, 'test.sink.txt')
  const start = process.hrtime.bigint()
  const w = spawn(NODE, [process.env.CONNECT_BIN ?? RUN_JS, '--data-dir', join(dir, 'data'), 'connect', 'standalone', 'config/connect-standalone.properties', 'config/connect-file-source.properties', 'config/connect-file-sink.properties'], {cwd: dir, stdio: ['ignore', 'ignore', 'inherit']})
  // The sink writes each line as it came, so its size tells when every line is there (transforms change the line).
  const want = process.env.CONNECT_TRANSFORMS === '1' ? null : inputBytes
  let last = -1
  let stable = 0
  for (;;) {
    await new Promise((r) => setTimeout(r, 20))
    const size = existsSync(sink) ? statSync(sink).size : 0
    if (want !== null ? size >= want : size > 0 && size === last && ++stable > 25) break
    if (size !== last) stable = 0
    last = size
  }
  const secs = Number(process.hrtime.bigint() - start) / 1e9 - (want === null ? 0.5 : 0)
  w.kill('SIGTERM')
  await new Promise((r) => w.on('exit', r))
  console.log(`${n} lines end to end in ${secs.toFixed(2)} s: ${Math.round(n / secs).toLocaleString('en')} lines/s`)
} finally {
  removeDir(dir)
}
