/**
 * `logpipe connect standalone` with Kafka's own quickstart files, word for
 * word (test/fixtures/connect holds them as Kafka ships them), and the
 * steps of Kafka's quickstart: foo and bar reach test.sink.txt through
 * topic connect-test as Kafka's JSON, a line appended later follows, a
 * restart in between sends nothing twice.
 */
import {appendFileSync, existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {quickstartDir} from '../helpers/connect-quickstart.js'
import {lines, trackProcesses, waitFor} from './support.js'

const running = trackProcesses()

const sinkLines = (dir: string) => (existsSync(join(dir, 'test.sink.txt')) ? lines(readFileSync(join(dir, 'test.sink.txt'), 'utf8')) : [])

describe('connect standalone: the Kafka quickstart', () => {
  test('test.txt -> connect-test -> test.sink.txt, a line appended later, a restart in between', async () => {
    const c = cli()
    const dir = quickstartDir(c.base, {kafkaOffsetsFile: true})
    // The quickstart's own step: the FileStream jar onto plugin.path (logpipe has them built in).
    appendFileSync(join(dir, 'config', 'connect-standalone.properties'), 'plugin.path=libs/connect-file-4.0.0.jar\n')
    writeFileSync(join(dir, 'test.txt'), 'foo\nbar\n')
    const args = ['connect', 'standalone', 'config/connect-standalone.properties', 'config/connect-file-source.properties', 'config/connect-file-sink.properties']

    const first = c.run(args, {cwd: dir})
    running.push(first)
    await waitFor(() => sinkLines(dir).length >= 2, 'foo and bar in test.sink.txt')
    expect(sinkLines(dir)).toEqual(['foo', 'bar'])

    const consumed = await c.run(['consume', 'connect-test', '-e'])
    expect(consumed.exitCode).toBe(0)
    expect(lines(consumed.stdout)).toEqual(['{"schema":{"type":"string","optional":false},"payload":"foo"}', '{"schema":{"type":"string","optional":false},"payload":"bar"}'])

    appendFileSync(join(dir, 'test.txt'), 'Another line\n')
    await waitFor(() => sinkLines(dir).length >= 3, 'the appended line in test.sink.txt')
    first.kill('SIGTERM')
    const r1 = await first
    expect(r1.exitCode, String(r1.stderr)).toBe(0)
    expect(String(r1.stderr)).toMatch(/not used by logpipe.*bootstrap\.servers/)

    appendFileSync(join(dir, 'test.txt'), 'one more after the restart\n')
    const second = c.run(args, {cwd: dir})
    running.push(second)
    await waitFor(() => sinkLines(dir).length >= 4, 'the line written while stopped')
    second.kill('SIGINT')
    const r2 = await second
    expect(r2.exitCode, String(r2.stderr)).toBe(0)
    // Nothing twice: the source went on from its stored offset, the sink from its group's commit.
    expect(sinkLines(dir)).toEqual(['foo', 'bar', 'Another line', 'one more after the restart'])
    expect(lines((await c.run(['consume', 'connect-test', '-e'])).stdout)).toHaveLength(4)
    const group = await c.run(['group', 'describe', 'connect-local-file-sink'])
    expect(String(group.stdout)).toMatch(/connect-test\s+0\s+4\s+4\s+0/)
  }, 60_000)
})

describe('connect standalone: bad input', () => {
  test.each([
    [['connect', 'standalone', 'missing.properties', 'x.properties'], 3, /no such file: missing.properties/],
    [['connect', 'standalone', 'w.properties'], 2, /name at least one connector .properties file/],
  ])('%j', async (args, code, message) => {
    const c = cli()
    writeFileSync(join(c.base, 'w.properties'), 'key.converter=JsonConverter\n')
    const r = await c.run(args, {cwd: c.base})
    expect(r.exitCode).toBe(code)
    expect(String(r.stderr)).toMatch(message)
    expect(String(r.stderr)).not.toMatch(/\n\s+at /)
  })

  test('an unknown connector class or a missing setting is one error, and nothing ran', async () => {
    const c = cli()
    const w = join(c.base, 'w.properties')
    writeFileSync(w, `key.converter=org.apache.kafka.connect.storage.StringConverter\nvalue.converter=org.apache.kafka.connect.storage.StringConverter\noffset.storage.file.filename=${join(c.base, 'offsets')}\n`)
    writeFileSync(join(c.base, 'a.properties'), 'name=a\nconnector.class=com.example.Nope\n')
    writeFileSync(join(c.base, 'b.properties'), 'name=b\nconnector.class=FileStreamSource\nfile=x.txt\n')
    const r1 = await c.run(['connect', 'standalone', w, join(c.base, 'a.properties')], {cwd: c.base})
    expect(r1.exitCode).toBe(2)
    expect(String(r1.stderr)).toMatch(/logpipe: Failed to find any class that implements Connector and which name matches com.example.Nope\nhint: available: org.apache.kafka.connect.file.FileStreamSourceConnector/)
    const r2 = await c.run(['connect', 'standalone', w, join(c.base, 'b.properties')], {cwd: c.base})
    expect(r2.exitCode).toBe(2)
    expect(String(r2.stderr)).toMatch(/logpipe: connector b: missing required configuration "topic" which has no default value/)
    expect(existsSync(join(c.base, 'offsets'))).toBe(false)
  })
})
