/**
 * Single message transforms in a running worker: Kafka's own quickstart
 * step that adds HoistField and InsertField to the FileStream source (the
 * topic then holds what Kafka's docs show), a sink chain with a predicate
 * and a user's transform from plugin.path (a record it fails on skipped
 * under errors.tolerance=all), and a bad transform setting refused before
 * anything runs.
 */
import {appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {describe, expect, test} from 'vitest'
import {cli, ROOT} from '../helpers/cli.js'
import {quickstartDir} from '../helpers/connect-quickstart.js'
import {lines, trackProcesses, waitFor} from './support.js'

const running = trackProcesses()
const read = (file: string) => (existsSync(file) ? lines(readFileSync(file, 'utf8')) : [])

describe('transforms in connect standalone', () => {
  test("Kafka's quickstart with its MakeMap and InsertSource transforms writes the records Kafka's docs show", async () => {
    const c = cli()
    const dir = quickstartDir(c.base)
    // Word for word the lines Kafka's "Transforming data" section adds to connect-file-source.properties.
    appendFileSync(
      join(dir, 'config', 'connect-file-source.properties'),
      [
        // Kafka ships the file without a final newline.
        '',
        'transforms=MakeMap, InsertSource',
        'transforms.MakeMap.type=org.apache.kafka.connect.transforms.HoistField$Value',
        'transforms.MakeMap.field=line',
        'transforms.InsertSource.type=org.apache.kafka.connect.transforms.InsertField$Value',
        'transforms.InsertSource.static.field=data_source',
        'transforms.InsertSource.static.value=test-file-source',
        '',
      ].join('\n'),
    )
    writeFileSync(join(dir, 'test.txt'), 'foo\nbar\n')
    const w = c.run(['connect', 'standalone', 'config/connect-standalone.properties', 'config/connect-file-source.properties', 'config/connect-file-sink.properties'], {cwd: dir})
    running.push(w)
    await waitFor(() => read(join(dir, 'test.sink.txt')).length >= 2, 'two lines in test.sink.txt')
    w.kill('SIGTERM')
    const r = await w
    expect(r.exitCode, String(r.stderr)).toBe(0)
    const topic = await c.run(['consume', 'connect-test', '-e'])
    expect(lines(topic.stdout)).toEqual(
      ['foo', 'bar'].map((l) => `{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"line"},{"type":"string","optional":true,"field":"data_source"}],"optional":false},"payload":{"line":"${l}","data_source":"test-file-source"}}`),
    )
    // FileStreamSink writes each value as Kafka's Struct.toString prints it.
    expect(read(join(dir, 'test.sink.txt'))).toEqual(['Struct{line=foo,data_source=test-file-source}', 'Struct{line=bar,data_source=test-file-source}'])
  }, 60_000)

  test('a sink chain: a predicate-guarded Filter, then a transform of your own from plugin.path; a record it fails on is skipped under errors.tolerance=all', async () => {
    const c = cli()
    const plugins = join(c.base, 'plugins')
    mkdirSync(plugins)
    const lib = pathToFileURL(join(ROOT, 'dist', 'index.js')).href
    writeFileSync(
      join(plugins, 'upper.mjs'),
      `import {ConfigDef} from '${lib}'
export class Upper {
  static CLASS_NAME = 'com.example.Upper$Value'
  config() { return new ConfigDef().define({name: 'suffix', type: 'STRING', defaultValue: '', importance: 'LOW', documentation: 'appended'}) }
  configure(props) { this.suffix = props.suffix ?? '' }
  apply(record) {
    if (record.value === 'boom') throw new Error('cannot shout boom')
    return record.newRecord({value: String(record.value).toUpperCase() + this.suffix})
  }
  close() {}
}
`,
    )
    const out = join(c.base, 'out.txt')
    writeFileSync(
      join(c.base, 'w.properties'),
      ['key.converter=org.apache.kafka.connect.storage.StringConverter', 'value.converter=org.apache.kafka.connect.storage.StringConverter', `offset.storage.file.filename=${join(c.base, 'offsets')}`, 'offset.flush.interval.ms=200', `plugin.path=${plugins}`].join('\n'),
    )
    writeFileSync(
      join(c.base, 'sink.properties'),
      [
        'name=shout',
        'connector.class=FileStreamSink',
        `file=${out}`,
        'topics=words',
        'errors.tolerance=all',
        'transforms=dropQuiet,upper',
        'transforms.dropQuiet.type=org.apache.kafka.connect.transforms.Filter',
        'transforms.dropQuiet.predicate=isQuiet',
        'transforms.upper.type=com.example.Upper$Value',
        'transforms.upper.suffix=!',
        'predicates=isQuiet',
        'predicates.isQuiet.type=org.apache.kafka.connect.transforms.predicates.HasHeaderKey',
        'predicates.isQuiet.name=quiet',
        '',
      ].join('\n'),
    )
    const p = await c.run(['produce', 'words', '--create', '-H', 'quiet=yes'], {input: 'whisper\n'})
    expect(p.exitCode, String(p.stderr)).toBe(0)
    expect((await c.run(['produce', 'words'], {input: 'hello\nboom\nworld\n'})).exitCode).toBe(0)
    const w = c.run(['connect', 'standalone', join(c.base, 'w.properties'), join(c.base, 'sink.properties')], {cwd: c.base})
    running.push(w)
    await waitFor(() => read(out).length >= 2, 'the two shouted words')
    w.kill('SIGTERM')
    const r = await w
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(read(out)).toEqual(['HELLO!', 'WORLD!'])
    // The filtered and the failed record count as handled: all four are committed.
    expect(String((await c.run(['group', 'describe', 'connect-shout'])).stdout)).toMatch(/words\s+0\s+4\s+4\s+0/)
  }, 60_000)

  test('a transform setting that is wrong is one error before anything runs', async () => {
    const c = cli()
    writeFileSync(join(c.base, 'w.properties'), `key.converter=org.apache.kafka.connect.storage.StringConverter\nvalue.converter=org.apache.kafka.connect.storage.StringConverter\noffset.storage.file.filename=${join(c.base, 'offsets')}\n`)
    writeFileSync(join(c.base, 'a.properties'), `name=a\nconnector.class=FileStreamSource\nfile=x.txt\ntopic=t\ntransforms=h\ntransforms.h.type=org.apache.kafka.connect.transforms.HoistField$Value\n`)
    writeFileSync(join(c.base, 'b.properties'), `name=b\nconnector.class=FileStreamSource\nfile=x.txt\ntopic=t\ntransforms=h\ntransforms.h.type=com.example.Missing\n`)
    const r1 = await c.run(['connect', 'standalone', join(c.base, 'w.properties'), join(c.base, 'a.properties')], {cwd: c.base})
    expect(r1.exitCode).toBe(2)
    expect(String(r1.stderr)).toMatch(/^logpipe: connector a: transforms\.h: missing required configuration "field" which has no default value\n/)
    const r2 = await c.run(['connect', 'standalone', join(c.base, 'w.properties'), join(c.base, 'b.properties')], {cwd: c.base})
    expect(r2.exitCode).toBe(2)
    expect(String(r2.stderr)).toMatch(/logpipe: connector b: Invalid value com\.example\.Missing for configuration transforms\.h\.type: Class com\.example\.Missing could not be found\.\nhint: /)
    expect(String(r2.stderr)).not.toMatch(/\n\s+at /)
    expect(existsSync(join(c.base, 'offsets'))).toBe(false)
  })
})
