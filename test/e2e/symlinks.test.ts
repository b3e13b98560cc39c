/**
 * Issue 8, point 7: logpipe makes no symbolic links in its data directory,
 * so one there was planted, and it is never followed. A link planted as a
 * segment, an index, store.json, topic.json, a partition or topic
 * directory, or a group's offsets file makes every command that would
 * open it fail with one line naming it (exit 1), and the file or directory
 * it points to, outside the store, keeps its bytes and its mtime.
 */
import {lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, symlinkSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {EXIT, expectCleanError, expectOk} from './support.js'

const SEGMENT = '00000000000000000000'

/** Every file and directory under `path` (itself included) with its bytes and mtime, without following links. */
function snapshot(path: string): Record<string, {mtimeMs: number; bytes?: string; entries?: string[]}> {
  const out: ReturnType<typeof snapshot> = {}
  const walk = (p: string) => {
    const st = lstatSync(p)
    const key = relative(path, p) || '.'
    if (st.isDirectory()) {
      const entries = readdirSync(p).sort()
      out[key] = {mtimeMs: st.mtimeMs, entries}
      for (const name of entries) walk(join(p, name))
    } else {
      out[key] = {mtimeMs: st.mtimeMs, bytes: readFileSync(p).toString('base64')}
    }
  }
  walk(path)
  return out
}

/** A topic `t` holding two records, with a group `g` that committed both; returns the CLI and where things are. */
async function storeWithRecords() {
  const c = cli()
  expectOk(await c.run(['produce', 't', '--create', '-q'], {input: 'one\ntwo\n'}))
  expect((await c.run(['consume', 't', '-g', 'g', '-e'])).stdout).toBe('one\ntwo\n')
  const outside = join(c.base, 'outside')
  mkdirSync(outside)
  const topicDir = join(c.dataDir, 'topics', 't')
  return {...c, outside, topicDir, partitionDir: join(topicDir, '0')}
}

type Store = Awaited<ReturnType<typeof storeWithRecords>>

/** Replaces `inStore` with a link to `target`: a copy of it (`move` false) or the thing itself, moved out of the store. */
function plant(inStore: string, target: string, move: boolean): void {
  if (move) {
    renameSync(inStore, target)
  } else {
    writeFileSync(target, 'an outside file nobody may truncate or write\n')
    // Kept out of the store: a stray file beside the link would be a second finding.
    renameSync(inStore, `${target}.real`)
  }
  symlinkSync(target, inStore)
}

const produce = ['produce', 't']
const consume = ['consume', 't', '-e']
const verify = ['topic', 'verify', 't']
const describeTopic = ['topic', 'describe', 't']
const alter = ['topic', 'alter', 't', '--config', 'retention.ms=100000']
const alterPartitions = ['topic', 'alter', 't', '--partitions', '2']
const groupConsume = ['consume', 't', '-g', 'g', '-e']
const groupDescribe = ['group', 'describe', 'g']

const cases: Array<{what: string; link: (s: Store) => string; move: boolean; commands: string[][]}> = [
  {what: 'a segment', link: (s) => join(s.partitionDir, `${SEGMENT}.log`), move: false, commands: [produce, consume, verify, describeTopic]},
  {what: 'an offset index', link: (s) => join(s.partitionDir, `${SEGMENT}.index`), move: false, commands: [produce, consume, verify]},
  {what: 'a time index', link: (s) => join(s.partitionDir, `${SEGMENT}.timeindex`), move: false, commands: [produce, verify]},
  {what: 'topic.json', link: (s) => join(s.topicDir, 'topic.json'), move: false, commands: [produce, consume, alter, alterPartitions, describeTopic, verify]},
  {what: 'a partition directory', link: (s) => s.partitionDir, move: true, commands: [produce, consume, verify, describeTopic]},
  {what: 'the topic directory', link: (s) => s.topicDir, move: true, commands: [produce, consume, alter, alterPartitions, describeTopic, verify]},
  {what: 'store.json', link: (s) => join(s.dataDir, 'store.json'), move: false, commands: [produce, consume, ['topic', 'list'], ['topic', 'create', 'u']]},
  {what: "a group's offsets file", link: (s) => join(s.dataDir, 'groups', 'g', 'offsets', 't', '0.json'), move: false, commands: [groupConsume, groupDescribe]},
]

describe('a symbolic link planted in the data directory (point 7)', () => {
  test.each(cases)('as $what: every command refuses it in one line naming it, exit 1; the outside target is untouched', async ({link, move, commands}) => {
    const s = await storeWithRecords()
    const path = link(s)
    const target = join(s.outside, 'target')
    plant(path, target, move)
    const before = snapshot(target)
    for (const args of commands) {
      const r = await s.run(args, {input: args === produce ? 'three\n' : undefined})
      const line = expectCleanError(r, EXIT.RUNTIME, /symbolic link/)
      expect(line, args.join(' ')).toContain(path)
      expect(snapshot(target), `after ${args.join(' ')}`).toEqual(before)
    }
    expect(lstatSync(path).isSymbolicLink()).toBe(true)
  })

  test('the hint names a command that puts the real file back, after which the topic works again', async () => {
    const s = await storeWithRecords()
    const segment = join(s.partitionDir, `${SEGMENT}.log`)
    const target = join(s.outside, 'segment.log')
    plant(segment, target, true)
    const r = await s.run(produce, {input: 'three\n'})
    expectCleanError(r, EXIT.RUNTIME, /symbolic link/)
    expect(String(r.stderr)).toContain(`hint: replace it with the real file (\`cp --remove-destination ${target} ${segment}\`)`)
    renameSync(target, segment)
    expectOk(await s.run(['produce', 't', '-q'], {input: 'three\n'}))
    expect((await s.run(consume)).stdout).toBe('one\ntwo\nthree\n')
  })

  test('topic delete of a linked topic directory removes the link, not what it points to', async () => {
    const s = await storeWithRecords()
    const target = join(s.outside, 't')
    plant(s.topicDir, target, true)
    const before = snapshot(target)
    expectOk(await s.run(['topic', 'delete', 't', '-q']))
    expect(readdirSync(join(s.dataDir, 'topics')).filter((n) => !n.startsWith('.'))).toEqual([])
    expect(snapshot(target)).toEqual(before)
  })

  test("group reset-offsets --execute replaces a linked offsets file, leaving its target as it was", async () => {
    const s = await storeWithRecords()
    const offsets = join(s.dataDir, 'groups', 'g', 'offsets', 't', '0.json')
    const target = join(s.outside, 'offsets.json')
    plant(offsets, target, false)
    const before = snapshot(target)
    expectOk(await s.run(['group', 'reset-offsets', 'g', '--topic', 't:0', '--to-earliest', '--execute', '-q']))
    expect(lstatSync(offsets).isSymbolicLink()).toBe(false)
    expect(snapshot(target)).toEqual(before)
    expect((await s.run(groupConsume)).stdout).toBe('one\ntwo\n')
  })
})
