/**
 * The built package (dist/index.js) as a library user imports it: the
 * consume session, the -F formatter and the --json envelope are exported,
 * and run into the caller's own sink with no stdout involved.
 */
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {expect, test} from 'vitest'
import {ROOT, tempDataDir} from '../helpers/cli.js'

type Library = typeof import('../../src/index.js')

test('runConsumeSession formats records with compileFormat / jsonFormatter into a FormatBuffer sink of the caller', async () => {
  const lib = (await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)) as Library
  const store = lib.Store.open(join(tempDataDir(), 'data'))
  new lib.Admin(store).createTopic('t')
  const producer = new lib.Producer(store, 't')
  await producer.send([{key: 'a', value: 'one', timestamp: 1}, {key: 'b', value: Buffer.from([0xff]), timestamp: 2}])
  await producer.close()

  class Sink extends lib.FormatBuffer {
    readonly chunks: Buffer[] = []
    closed = false
    get isFull() {
      return false
    }
    async flush() {
      this.chunks.push(Buffer.from(this.bytes))
      this.clear()
    }
    async settled() {}
    async end() {
      await this.flush()
    }
  }
  const run = async (format: import('../../src/index.js').RecordFormatter) => {
    const output = new Sink()
    await lib.runConsumeSession({store, topics: ['t'], format, output, count: Infinity, exitAtEnd: true, notice: () => {}, consumer: new lib.Consumer(store, ['t'])})
    return Buffer.concat(output.chunks).toString()
  }
  expect(await run(lib.compileFormat('%o:%k\\n'))).toBe('0:a\n1:b\n')
  const json = (await run(lib.jsonFormatter)).trim().split('\n').map((l) => JSON.parse(l))
  expect(json).toEqual([
    {topic: 't', partition: 0, offset: 0, timestamp: 1, key: 'a', value: 'one', headers: []},
    {topic: 't', partition: 0, offset: 1, timestamp: 2, key: 'b', value: {base64: '/w=='}, headers: []},
  ])
  expect(lib.parseJsonRecord(JSON.stringify(json[1])).value).toEqual(Buffer.from([0xff]))
})
