/**
 * The exec and HTTP sinks in a running worker: records piped to a command
 * one by one and in batches, a failing command retried under
 * errors.retry.timeout then fatal (nothing committed past it) or skipped
 * (errors.tolerance=all); batches POSTed as JSON to a node:http server in
 * this test, a 503 retried with backoff, a 400 skipped under
 * errors.tolerance=all and fatal under none.
 */
import {createServer, type IncomingMessage, type Server} from 'node:http'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'
import {afterEach, describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {lines, trackProcesses, waitFor} from './support.js'

const running = trackProcesses()
const read = (file: string) => (existsSync(file) ? lines(readFileSync(file, 'utf8')) : [])

function setUp(connector: string) {
  const c = cli()
  writeFileSync(
    join(c.base, 'w.properties'),
    [
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      'value.converter=org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable=false',
      `offset.storage.file.filename=${join(c.base, 'offsets')}`,
      'offset.flush.interval.ms=200',
    ].join('\n'),
  )
  writeFileSync(join(c.base, 'sink.properties'), connector)
  return {c, args: ['connect', 'standalone', join(c.base, 'w.properties'), join(c.base, 'sink.properties')]}
}

const committed = async (c: ReturnType<typeof cli>, group: string) => String((await c.run(['group', 'describe', group])).stdout)

describe('exec sink', () => {
  test('exec.mode=record runs the command per record with its value and place; batch mode pipes lines', async () => {
    const {c, args} = setUp('')
    const out = join(c.base, 'out.txt')
    const batches = join(c.base, 'batches.txt')
    writeFileSync(
      join(c.base, 'sink.properties'),
      `name=each\nconnector.class=logpipe.connect.ExecSinkConnector\ntopics=in\ncommand=printf '%s %s %s\\n' "$LOGPIPE_OFFSET" "$LOGPIPE_KEY" "$(cat)" >> ${out}\n`,
    )
    writeFileSync(join(c.base, 'batch.properties'), `name=batch\nconnector.class=ExecSink\ntopics=in\nexec.mode=batch\ncommand=(echo "n=$LOGPIPE_RECORDS"; cat) >> ${batches}\n`)
    expect((await c.run(['produce', 'in', '--create', '-K', ':'], {input: 'a:{"x":1}\nb:"two"\n'})).exitCode).toBe(0)
    const w = c.run([...args, join(c.base, 'batch.properties')], {cwd: c.base})
    running.push(w)
    await waitFor(() => read(out).length >= 2 && read(batches).length >= 3, 'both sinks')
    w.kill('SIGTERM')
    expect((await w).exitCode).toBe(0)
    expect(read(out)).toEqual(['0 a {"x":1}', '1 b two'])
    expect(read(batches)).toEqual(['n=2', '{"x":1}', 'two'])
  }, 60_000)

  test('a command that keeps failing is retried until errors.retry.timeout, then fails the task; nothing is committed past it', async () => {
    const {c, args} = setUp('')
    const tries = join(c.base, 'tries.txt')
    writeFileSync(join(c.base, 'sink.properties'), `name=fail\nconnector.class=ExecSinkConnector\ntopics=in\nerrors.retry.timeout=1000\nerrors.retry.delay.max.ms=200\ncommand=echo try >> ${tries}; echo "disk full" >&2; exit 3\n`)
    expect((await c.run(['produce', 'in', '--create'], {input: '1\n2\n'})).exitCode).toBe(0)
    const r = await c.run(args, {cwd: c.base})
    expect(r.exitCode).toBe(1)
    expect(String(r.stderr)).toMatch(/exec sink: 'echo try .*' for in\/0 offset 0 failed, retrying in 300 ms: exit status 3: disk full/)
    expect(String(r.stderr)).toMatch(/logpipe: task fail-0 FAILED: exec sink: .* for in\/0 offset 0 failed after \d+ attempts: exit status 3: disk full/)
    expect(read(tries).length).toBeGreaterThanOrEqual(3)
    expect(await committed(c, 'connect-fail')).toMatch(/in\s+0\s+0\s+2\s+2/)
  }, 60_000)

  test('errors.tolerance=all skips the record whose command fails and goes on', async () => {
    const {c, args} = setUp('')
    const out = join(c.base, 'out.txt')
    writeFileSync(join(c.base, 'sink.properties'), `name=skip\nconnector.class=ExecSinkConnector\ntopics=in\nerrors.tolerance=all\ncommand=v=$(cat); [ "$v" != 2 ] && echo "$v" >> ${out}\n`)
    expect((await c.run(['produce', 'in', '--create'], {input: '1\n2\n3\n'})).exitCode).toBe(0)
    const w = c.run(args, {cwd: c.base})
    running.push(w)
    await waitFor(() => read(out).length >= 2, 'records 1 and 3')
    w.kill('SIGTERM')
    const r = await w
    expect(r.exitCode).toBe(0)
    expect(read(out)).toEqual(['1', '3'])
    expect(String(r.stderr)).toMatch(/for in\/0 offset 1 failed: exit status 1; skipped \(errors.tolerance=all\)/)
    expect(await committed(c, 'connect-skip')).toMatch(/in\s+0\s+3\s+3\s+0/)
  }, 60_000)
})

describe('HTTP sink', () => {
  let server: Server | null = null
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
    server = null
  })

  /** A server answering each request by `answer`, keeping the bodies it got. */
  async function serve(answer: (req: IncomingMessage, body: string, n: number) => number) {
    const got: {method: string; type: string; auth: string; body: string; status: number}[] = []
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString('utf8')))
      req.on('end', () => {
        const status = answer(req, body, got.length)
        got.push({method: req.method!, type: String(req.headers['content-type']), auth: String(req.headers.authorization), body, status})
        res.writeHead(status, {'content-type': 'text/plain'})
        res.end(status >= 400 ? `no good ${status}` : 'ok')
      })
    })
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()))
    return {url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/ingest`, got}
  }

  test('batches go as JSON arrays; a 503 is retried with backoff and the batch then delivered', async () => {
    const {url, got} = await serve((_req, _body, n) => (n === 0 ? 503 : 200))
    const {c, args} = setUp(`name=web\nconnector.class=logpipe.connect.HttpSinkConnector\ntopics=in\nhttp.api.url=${url}\nbatch.max.size=10\nheaders=Authorization:Bearer t0k|X-Other:1\nerrors.retry.timeout=10000\n`)
    expect((await c.run(['produce', 'in', '--create'], {input: '{"id":1,"name":"a"}\n{"id":2,"name":"b"}\n"plain"\n'})).exitCode).toBe(0)
    const w = c.run(args, {cwd: c.base})
    running.push(w)
    await waitFor(() => got.some((g) => g.status === 200), 'a delivered request')
    w.kill('SIGTERM')
    const r = await w
    expect(r.exitCode).toBe(0)
    expect(got.map((g) => g.status)).toEqual([503, 200])
    expect(got[1]).toEqual({method: 'POST', type: 'application/json', auth: 'Bearer t0k', body: '[{"id":1,"name":"a"},{"id":2,"name":"b"},"plain"]', status: 200})
    expect(got[0].body).toBe(got[1].body)
    expect(String(r.stderr)).toMatch(/http sink: POST .* failed, retrying in 300 ms: HTTP 503: no good 503/)
    expect(await committed(c, 'connect-web')).toMatch(/in\s+0\s+3\s+3\s+0/)
  }, 60_000)

  test('a 400 is not retried: skipped under errors.tolerance=all, fatal under none', async () => {
    const {url, got} = await serve((_req, body) => (body.includes('bad') ? 400 : 200))
    const {c, args} = setUp(`name=web\nconnector.class=HttpSink\ntopics=in\nhttp.api.url=${url}\nerrors.tolerance=all\nerrors.retry.timeout=-1\n`)
    expect((await c.run(['produce', 'in', '--create'], {input: '"good1"\n"bad"\n"good2"\n'})).exitCode).toBe(0)
    const w = c.run(args, {cwd: c.base})
    running.push(w)
    await waitFor(() => got.length >= 3, 'three requests')
    w.kill('SIGTERM')
    const r = await w
    expect(r.exitCode).toBe(0)
    expect(got.map((g) => [g.body, g.status])).toEqual([['"good1"', 200], ['"bad"', 400], ['"good2"', 200]])
    expect(String(r.stderr)).toMatch(/offset 1 failed: HTTP 400: no good 400; skipped \(errors.tolerance=all\)/)

    const strict = setUp(`name=strict\nconnector.class=HttpSink\ntopics=in\nhttp.api.url=${url}\n`)
    expect((await strict.c.run(['produce', 'in', '--create'], {input: '"bad"\n'})).exitCode).toBe(0)
    const s = await strict.c.run(strict.args, {cwd: strict.c.base})
    expect(s.exitCode).toBe(1)
    expect(String(s.stderr)).toMatch(/logpipe: task strict-0 FAILED: http sink: POST .* offset 0 failed: HTTP 400: no good 400/)
    expect(await committed(strict.c, 'connect-strict')).toMatch(/in\s+0\s+0\s+1\s+1/)
  }, 60_000)
})
