/**
 * FileStreamSourceTask on real files: lines in order with the offset just
 * past each, a restart going on from the stored offset, and truncation and
 * rotation (rename away, new file at the path) without a gap or a
 * duplicate; a new file that reuses the old one's inode is told apart by
 * its first bytes.
 */
import {appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, expect, test} from 'vitest'
import type {SourceOffset, SourcePartition} from '../../../src/core/connect/api/connect-record.js'
import {FileStreamSourceTask} from '../../../src/core/connect/connectors/file-stream-source.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-fss-'))
  dirs.push(dir)
  const file = join(dir, 'in.txt')
  const stored = new Map<string, SourceOffset>()
  const start = () => {
    const task = new FileStreamSourceTask()
    task.initialize({configs: {}, offsetStorageReader: {offset: (p: SourcePartition) => stored.get(JSON.stringify(p)) ?? null, offsets: () => new Map()}})
    task.start({file, topic: 't', 'batch.size': '3'})
    return task
  }
  /** Polls until a poll comes back empty, storing each record's offset as the worker would. */
  const drain = async (task: FileStreamSourceTask) => {
    const got: string[] = []
    for (;;) {
      const records = await task.poll()
      if (!records || records.length === 0) return got
      expect(records.length).toBeLessThanOrEqual(3)
      for (const r of records) {
        got.push(r.value as string)
        stored.set(JSON.stringify(r.sourcePartition), r.sourceOffset!)
      }
    }
  }
  return {dir, file, start, drain, stored}
}

test('lines come in batches of batch.size with the byte position after each; \\r\\n and \\r end lines too', async () => {
  const {file, start, drain, stored} = setUp()
  writeFileSync(file, 'a\nbb\r\nccc\rdddd\npartial')
  const task = start()
  expect(await drain(task)).toEqual(['a', 'bb', 'ccc', 'dddd'])
  expect(stored.get(JSON.stringify({filename: file}))!.position).toBe(15)
  appendFileSync(file, ' line\n')
  expect(await drain(task)).toEqual(['partial line'])
  task.stop()
})

test('a \\r last in what was read waits for the next byte: \\r\\n split across reads is one line end, and \\r runs mixed with \\n keep their order', async () => {
  const {file, start, drain, stored} = setUp()
  writeFileSync(file, 'a\nb\rc\r\rd\ne\r')
  const task = start()
  expect(await drain(task)).toEqual(['a', 'b', 'c', '', 'd'])
  expect(stored.get(JSON.stringify({filename: file}))!.position).toBe(9)
  appendFileSync(file, '\nf\n')
  expect(await drain(task)).toEqual(['e', 'f'])
  expect(stored.get(JSON.stringify({filename: file}))!.position).toBe(14)
  task.stop()
})

test('a restart goes on from the stored offset: no line twice, none lost', async () => {
  const {file, start, drain} = setUp()
  writeFileSync(file, '1\n2\n3\n4\n')
  const a = start()
  expect(await drain(a)).toEqual(['1', '2', '3', '4'])
  a.stop()
  appendFileSync(file, '5\n6\n')
  const b = start()
  expect(await drain(b)).toEqual(['5', '6'])
  b.stop()
})

test('truncated while running: read again from the start', async () => {
  const {file, start, drain} = setUp()
  writeFileSync(file, 'old 1\nold 2\n')
  const task = start()
  expect(await drain(task)).toEqual(['old 1', 'old 2'])
  truncateSync(file, 0)
  expect(await drain(task)).toEqual([])
  appendFileSync(file, 'new\n')
  expect(await drain(task)).toEqual(['new'])
  task.stop()
})

test('truncated and rewritten while stopped: the first bytes differ, so it starts at 0', async () => {
  const {file, start, drain} = setUp()
  writeFileSync(file, 'aaaa\nbbbb\n')
  const a = start()
  expect(await drain(a)).toEqual(['aaaa', 'bbbb'])
  a.stop()
  writeFileSync(file, 'cccc\ndddd\neeee\n')
  const b = start()
  expect(await drain(b)).toEqual(['cccc', 'dddd', 'eeee'])
  b.stop()
})

test('rotated while running: the old file is read to its end (its last line even without a newline), then the new one from 0', async () => {
  const {file, start, drain} = setUp()
  writeFileSync(file, 'one\ntwo\n')
  const task = start()
  expect(await drain(task)).toEqual(['one', 'two'])
  appendFileSync(file, 'three\nfour')
  renameSync(file, file + '.1')
  writeFileSync(file, 'five\n')
  expect(await drain(task)).toEqual(['three', 'four', 'five'])
  appendFileSync(file, 'six\n')
  expect(await drain(task)).toEqual(['six'])
  task.stop()
})

test('rotated while stopped: the new file is another file, read from 0', async () => {
  const {file, start, drain} = setUp()
  writeFileSync(file, 'one\ntwo\nthree\n')
  const a = start()
  expect(await drain(a)).toEqual(['one', 'two', 'three'])
  a.stop()
  renameSync(file, file + '.1')
  writeFileSync(file, 'one\n')
  const b = start()
  expect(await drain(b)).toEqual(['one'])
  b.stop()
})

test('a missing file is waited for', async () => {
  const {file, start, drain} = setUp()
  const task = start()
  expect(await drain(task)).toEqual([])
  writeFileSync(file, 'here\n')
  expect(await drain(task)).toEqual(['here'])
  task.stop()
})
