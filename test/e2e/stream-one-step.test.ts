/**
 * `logpipe stream map|filter|flatmap|count` for the shell: JavaScript
 * expressions over key, value, headers and timestamp, one Streams app per
 * command (its group is --application-id), -e to stop once caught up, a
 * second run going on from the first's commit, and one-line errors for a
 * bad expression or one that throws.
 */
import {expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {expectCleanError, expectOk, lines} from './support.js'

test('flatmap, count --by, filter and map chain through topics; a second run counts only what is new', async () => {
  const c = cli()
  expectOk(await c.run(['produce', 'text', '--create', '-q', '-H', 'src=shell'], {input: 'All streams lead to Kafka\nhello Kafka streams\n'}))
  expectOk(await c.run(['stream', 'flatmap', '--from', 'text', '--to', 'words', 'value.toLowerCase().split(/\\W+/)', '-e']))
  expect(lines((await c.run(['consume', 'words', '-e'])).stdout)).toEqual(['all', 'streams', 'lead', 'to', 'kafka', 'hello', 'kafka', 'streams'])
  expectOk(await c.run(['stream', 'count', '--from', 'words', '--to', 'counts', '--by', 'value', '-e']))
  const latest = () => c.run(['consume', 'counts', '-e', '-f', '%k %s\n']).then((r) => Object.fromEntries(lines(r.stdout).map((l) => l.split(' '))))
  expect(await latest()).toEqual({all: '1', streams: '2', lead: '1', to: '1', kafka: '2', hello: '1'})

  // headers and timestamp reach the expression; --key sets the key.
  expectOk(await c.run(['stream', 'filter', '--from', 'text', '--to', 'shell', 'headers.src === "shell" && timestamp > 0 && /kafka/i.test(value)', '-e']))
  expect(lines((await c.run(['consume', 'shell', '-e'])).stdout)).toEqual(['All streams lead to Kafka', 'hello Kafka streams'])
  expectOk(await c.run(['stream', 'map', '--from', 'text', '--to', 'upper', '--key', 'value.split(" ")[0]', '({line: value.toUpperCase()})', '-e']))
  expect(lines((await c.run(['consume', 'upper', '-e', '-f', '%k %s\n'])).stdout)).toEqual(['All {"line":"ALL STREAMS LEAD TO KAFKA"}', 'hello {"line":"HELLO KAFKA STREAMS"}'])

  // The same app again: it starts where its group committed, and the counts go on from the changelog.
  expectOk(await c.run(['produce', 'words', '-q'], {input: 'kafka\nsummit\n'}))
  expectOk(await c.run(['stream', 'count', '--from', 'words', '--to', 'counts', '--by', 'value', '-e']))
  expect(await latest()).toEqual({all: '1', streams: '2', lead: '1', to: '1', kafka: '3', hello: '1', summit: '1'})
  const groups = lines((await c.run(['group', 'list'])).stdout).slice(1).map((l) => l.split(/\s+/)[0])
  expect(groups).toEqual(['logpipe-stream-count-words-counts', 'logpipe-stream-filter-text-shell', 'logpipe-stream-flatmap-text-words', 'logpipe-stream-map-text-upper'])
})

test('a bad expression, an expression that throws, and a missing topic: one clean line each', async () => {
  const c = cli()
  expectOk(await c.run(['produce', 'in', '--create', '-q'], {input: 'x\n'}))
  expectCleanError(await c.run(['stream', 'filter', '--from', 'in', '--to', 'out', 'value ===']), 1, /filter "value ===" is not a JavaScript expression/)
  expectCleanError(await c.run(['stream', 'map', '--from', 'in', '--to', 'out', 'value.nope()', '-e']), 1, /map failed on a record \(key null\): value\.nope is not a function/)
  expectCleanError(await c.run(['stream', 'map', '--from', 'missing', '--to', 'out', 'value']), 2, /topic missing does not exist/)
  expectCleanError(await c.run(['stream', 'map', '--from', 'in', '--to', 'in', 'value']), 2, /--from and --to are the same topic/)
  expectCleanError(await c.run(['stream', 'flatmap', '--from', 'in', '--to', 'out2', '42', '-e']), 1, /flatmap: the expression gave number, not an array/)
})
