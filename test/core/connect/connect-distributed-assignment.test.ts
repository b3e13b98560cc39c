/**
 * The distributed worker's parts that need no process: the leader's eager
 * assignment (Kafka's EagerAssignor round robin), the config topic's task
 * records (task-NAME-N in force only with commit-NAME), and the claims and
 * assignment files of the worker coordinator, which trust nothing they read.
 */
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, expect, test} from 'vitest'
import {Store} from '../../../src/core/store/store.js'
import {Producer} from '../../../src/core/client/producer.js'
import {ConfigTopic} from '../../../src/core/connect/runtime/config-topic.js'
import {TopicWriters} from '../../../src/core/client/topic-writers.js'
import {eagerAssign, parseTaskId, type WorkerLoad} from '../../../src/core/connect/runtime/eager-assignor.js'
import {cooperativeAssign} from '../../../src/core/connect/runtime/incremental-cooperative-assignor.js'
import {WorkerCoordinator} from '../../../src/core/connect/runtime/worker-coordinator.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-cd-'))
  dirs.push(dir)
  return dir
}

test('eager assignment: connectors and then each of their tasks go round the members in id order, so one connector\'s tasks land on different workers', () => {
  const a = eagerAssign(['w2', 'w1'], [{name: 'src', tasks: 1}, {name: 'snk', tasks: 2}])
  expect(Object.fromEntries(a)).toEqual({
    w1: {connectors: ['snk'], tasks: ['snk-1', 'src-0']},
    w2: {connectors: ['src'], tasks: ['snk-0']},
  })
  // Every part once, whatever the number of members.
  for (const n of [1, 2, 3, 5]) {
    const members = Array.from({length: n}, (_, i) => `m${i}`)
    const loads = [...eagerAssign(members, [{name: 'a', tasks: 3}, {name: 'b', tasks: 0}, {name: 'c', tasks: 4}]).values()]
    expect(loads.flatMap((l) => l.connectors).sort()).toEqual(['a', 'b', 'c'])
    expect(loads.flatMap((l) => l.tasks).sort()).toEqual(['a-0', 'a-1', 'a-2', 'c-0', 'c-1', 'c-2', 'c-3'])
  }
  expect([...eagerAssign([], [{name: 'a', tasks: 1}])]).toEqual([])
  expect(parseTaskId('my-conn-12')).toEqual({connector: 'my-conn', task: 12})
  expect(parseTaskId('nodash')).toBeNull()
})

const all = (loads: Map<string, WorkerLoad>) => ({connectors: [...loads.values()].flatMap((l) => l.connectors).sort(), tasks: [...loads.values()].flatMap((l) => l.tasks).sort()})

test('incremental cooperative: new tasks spread over the least loaded workers, what runs stays, a joining worker takes some from the most loaded only', () => {
  const first = cooperativeAssign(null, ['a', 'b'], [{name: 'snk', tasks: 2}, {name: 'src', tasks: 1}], 0, 0)
  expect(first.delayUntil).toBeNull()
  expect(all(first.loads)).toEqual({connectors: ['snk', 'src'], tasks: ['snk-0', 'snk-1', 'src-0']})
  // One connector's tasks on different workers; one worker has one connector each.
  expect([...first.loads.values()].map((l) => l.tasks.filter((t) => t.startsWith('snk-')).length)).toEqual([1, 1])
  expect([...first.loads.values()].map((l) => l.connectors.length)).toEqual([1, 1])

  // Nothing changed: nothing moves. A third task for snk goes to the worker with fewer tasks.
  const prev = {loads: Object.fromEntries(first.loads), delayUntil: null}
  expect(Object.fromEntries(cooperativeAssign(prev, ['a', 'b'], [{name: 'snk', tasks: 2}, {name: 'src', tasks: 1}], 0, 0).loads)).toEqual(prev.loads)
  const three = cooperativeAssign(prev, ['a', 'b'], [{name: 'snk', tasks: 3}, {name: 'src', tasks: 1}], 0, 0)
  const lighter = [...first.loads].find(([, l]) => l.tasks.length === 1)![0]
  expect(three.loads.get(lighter)!.tasks).toContain('snk-2')
  for (const [m, l] of first.loads) for (const t of l.tasks) expect(three.loads.get(m)!.tasks).toContain(t)

  // A worker joins: the loads even out, and every part moved comes from a worker that had more than its share.
  const busy = cooperativeAssign(null, ['a'], [{name: 'x', tasks: 6}], 0, 0)
  const joined = cooperativeAssign({loads: Object.fromEntries(busy.loads), delayUntil: null}, ['a', 'b'], [{name: 'x', tasks: 6}], 0, 0)
  expect(joined.loads.get('a')!.tasks).toHaveLength(3)
  expect(joined.loads.get('b')!.tasks).toHaveLength(3)
  expect(joined.loads.get('a')!.connectors).toEqual(['x'])
  expect(all(joined.loads)).toEqual(all(busy.loads))

  // Deleted connectors and tasks are dropped.
  const fewer = cooperativeAssign({loads: Object.fromEntries(joined.loads), delayUntil: null}, ['a', 'b'], [{name: 'x', tasks: 2}], 0, 0)
  expect(all(fewer.loads)).toEqual({connectors: ['x'], tasks: ['x-0', 'x-1']})
})

test('incremental cooperative: a departed worker\'s parts wait scheduled.rebalance.max.delay.ms for it, nothing moving meanwhile, then go to the others', () => {
  const start = cooperativeAssign(null, ['a', 'b'], [{name: 'x', tasks: 4}], 0, 1000)
  const bHad = start.loads.get('b')!
  expect(bHad.tasks.length).toBe(2)
  // b is gone at t=100: its parts stay with it until t=1100.
  const held = cooperativeAssign({loads: Object.fromEntries(start.loads), delayUntil: null}, ['a'], [{name: 'x', tasks: 4}], 100, 1000)
  expect(held.delayUntil).toBe(1100)
  expect(held.loads.get('b')).toEqual(bHad)
  expect(held.loads.get('a')).toEqual(start.loads.get('a'))
  // A worker that joins meanwhile is given nothing taken from a.
  const still = cooperativeAssign({loads: Object.fromEntries(held.loads), delayUntil: held.delayUntil}, ['a', 'c'], [{name: 'x', tasks: 4}], 600, 1000)
  expect(still.delayUntil).toBe(1100)
  expect(still.loads.get('a')).toEqual(start.loads.get('a'))
  expect(still.loads.get('c')).toEqual({connectors: [], tasks: []})
  // At the end of the delay they are handed out (here to c, the least loaded), and b is forgotten.
  const after = cooperativeAssign({loads: Object.fromEntries(still.loads), delayUntil: still.delayUntil}, ['a', 'c'], [{name: 'x', tasks: 4}], 1100, 1000)
  expect(after.delayUntil).toBeNull()
  expect(after.loads.has('b')).toBe(false)
  expect(after.loads.get('c')!.tasks).toEqual([...bHad.tasks].sort())
  expect(all(after.loads)).toEqual(all(start.loads))
  // With no delay, at once.
  const now = cooperativeAssign({loads: Object.fromEntries(start.loads), delayUntil: null}, ['a'], [{name: 'x', tasks: 4}], 100, 0)
  expect(now.loads.get('a')).toEqual({connectors: ['x'], tasks: ['x-0', 'x-1', 'x-2', 'x-3']})
})

test('task configs take effect with their commit record; a commit lacking some, or a damaged record, leaves the ones in force', async () => {
  const store = Store.open(join(temp(), 'data'), {create: true})
  const notices: string[] = []
  const ct = new ConfigTopic(store, 'connect-configs', (m) => notices.push(m), new TopicWriters(store))
  await ct.write('connector-c', {properties: {'connector.class': 'FileStreamSink', name: 'c'}})
  const raw = new Producer(store, 'connect-configs', {onNotice: () => undefined})
  await raw.send([{key: 'task-c-0', value: JSON.stringify({properties: {n: '0'}})}])
  ct.read()
  expect(ct.taskConfigs('c')).toEqual([])
  await raw.send([{key: 'task-c-1', value: JSON.stringify({properties: {n: '1'}})}, {key: 'commit-c', value: JSON.stringify({tasks: 2})}])
  ct.read()
  expect(ct.taskConfigs('c')).toEqual([{n: '0'}, {n: '1'}])
  expect(ct.sameTasks('c', [{n: '0'}, {n: '1'}])).toBe(true)

  // A commit of three with only task 2 new: task 0 and 1 as before.
  await raw.send([{key: 'task-c-2', value: JSON.stringify({properties: {n: '2'}})}, {key: 'commit-c', value: JSON.stringify({tasks: 3})}])
  ct.read()
  expect(ct.taskConfigs('c')).toEqual([{n: '0'}, {n: '1'}, {n: '2'}])
  // A commit of five: tasks 3 and 4 were never written.
  await raw.send([{key: 'commit-c', value: JSON.stringify({tasks: 5})}, {key: 'task-c-0', value: '{not json'}, {key: 'commit-c', value: JSON.stringify({tasks: -1})}])
  ct.read()
  expect(ct.taskConfigs('c')).toEqual([{n: '0'}, {n: '1'}, {n: '2'}])
  expect(notices.join('\n')).toMatch(/lacks some of them/)

  // writeTasks writes what another reader reads; fewer tasks shrink the set.
  await ct.writeTasks('c', [{n: 'x'}])
  const other = new ConfigTopic(store, 'connect-configs', () => undefined, new TopicWriters(store))
  other.read()
  expect(other.taskConfigs('c')).toEqual([{n: 'x'}])
  // Deleting the connector forgets its tasks.
  await ct.write('connector-c', null)
  other.read()
  expect(other.configs.has('c')).toBe(false)
  expect(other.taskConfigs('c')).toEqual([])
  await raw.close()
  await ct.close()
  await other.close()
})

test('restart requests are handed out once, to whichever read takes them first', async () => {
  const store = Store.open(join(temp(), 'data'), {create: true})
  const ct = new ConfigTopic(store, 'cfg', () => undefined, new TopicWriters(store))
  await ct.write('restart-connector-c', {'include-tasks': true, 'only-failed': false})
  ct.read()
  expect(ct.takeRestarts()).toEqual([{name: 'c', task: null, request: {includeTasks: true, onlyFailed: false}}])
  expect(ct.takeRestarts()).toEqual([])
  await ct.close()
})

test('the coordinator: the first member to join leads, an assignment is rewritten only when it changes, and claims of dead processes or damaged files do not count', () => {
  const dir = join(temp(), 'group')
  mkdirSync(dir, {recursive: true})
  const a = new WorkerCoordinator(dir, () => 'a:1', () => 'http://a', 10_000)
  a.join()
  const b = new WorkerCoordinator(dir, () => 'b:2', () => 'http://b', 10_000)
  b.join()
  const m = a.members()
  expect(m.ids).toEqual([a.memberId, b.memberId].sort())
  expect(m.leader).toBe(a.memberId)
  const loads = eagerAssign(m.ids, [{name: 'x', tasks: 1}])
  const g1 = a.lead(m.ids, loads)
  expect(g1.generation).toBe(1)
  expect(a.lead(m.ids, loads).generation).toBe(1)
  expect(b.assignment()).toEqual(g1)
  expect(a.lead([a.memberId], eagerAssign([a.memberId], [{name: 'x', tasks: 1}])).generation).toBe(2)

  a.claim(2, {connectors: ['x'], tasks: ['x-0']})
  expect(b.othersClaims().map((c) => [c.workerId, c.connectors, c.tasks])).toEqual([['a:1', ['x'], ['x-0']]])
  // A claim left by a process that is gone, and damaged ones, are passed over.
  const claims = join(dir, 'connect')
  writeFileSync(join(claims, 'dead.json'), JSON.stringify({memberId: 'dead', workerId: 'd', url: '', host: (b.othersClaims()[0]).host, pid: 2 ** 22 + 12345, at: Date.now(), generation: 9, connectors: ['x'], tasks: []}))
  writeFileSync(join(claims, 'bad.json'), '{"memberId": "bad", "connectors": 7}')
  writeFileSync(join(claims, 'other.json'), JSON.stringify({memberId: 'not-other'}))
  expect(b.othersClaims().map((c) => c.memberId)).toEqual([a.memberId])
  writeFileSync(join(dir, 'connect-assignment.json'), '{"generation": "one"}')
  expect(b.assignment()).toBeNull()

  a.leave()
  expect(b.othersClaims()).toEqual([])
  expect(b.members().leader).toBe(b.memberId)
  b.leave()
})
