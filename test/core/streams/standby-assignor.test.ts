/**
 * The placement of standby tasks (runtime/standby-assignor.ts) as Kafka's
 * StreamsPartitionAssignor does it: N copies of each stateful task on
 * distinct instances other than the active one, fewer when there are not
 * enough, spread by load; and the bytes that carry them in an assignment.
 */
import {expect, test} from 'vitest'
import type {GroupAssignment, TopicPartition} from '../../../src/core/group/assignors.js'
import {decodeStandbys, encodeStandbys, placeStandbys, type StatefulTask} from '../../../src/core/streams/runtime/standby-assignor.js'
import {Rng, testSeed} from '../support.js'

/** Members m0..m(n-1); task s_p is active where its source `t<s>` partition p is assigned. */
function plan(owners: Record<string, TopicPartition[]>): GroupAssignment {
  return new Map(Object.entries(owners))
}
const tp = (topic: string, partition: number): TopicPartition => ({topic, partition})
const tasks = (subs: number, partitions: number): StatefulTask[] =>
  Array.from({length: subs}, (_, s) => Array.from({length: partitions}, (_, p) => ({id: `${s}_${p}`, sources: [`t${s}`], partition: p}))).flat()

/** Each task's standby holders. */
function holders(placed: Map<string, string[]>): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const [m, ids] of placed) for (const id of ids) out.set(id, [...(out.get(id) ?? []), m])
  return out
}

test('one standby per task, never on its active instance, spread evenly over three instances', () => {
  const p = plan({a: [tp('t0', 0), tp('t0', 1)], b: [tp('t0', 2), tp('t0', 3)], c: [tp('t0', 4), tp('t0', 5)]})
  const placed = placeStandbys(p, tasks(1, 6), 1)
  const h = holders(placed)
  expect(h.size).toBe(6)
  const activeOf = (id: string) => [...p].find(([, tps]) => tps.some((x) => x.partition === Number(id.split('_')[1])))![0]
  for (const [id, ms] of h) {
    expect(ms.length).toBe(1)
    expect(ms[0]).not.toBe(activeOf(id))
  }
  expect([...placed.values()].map((ids) => ids.length)).toEqual([2, 2, 2])
})

test('N standbys on N distinct instances; fewer instances than N + 1 give each task one per other instance; one instance gives none', () => {
  const four = plan({a: [tp('t0', 0)], b: [tp('t0', 1)], c: [tp('t0', 2)], d: [tp('t0', 3)]})
  for (const [id, ms] of holders(placeStandbys(four, tasks(1, 4), 2))) {
    expect(new Set(ms).size).toBe(2)
    expect(ms).not.toContain(['a', 'b', 'c', 'd'][Number(id.split('_')[1])])
  }
  const two = plan({a: [tp('t0', 0)], b: [tp('t0', 1)]})
  expect(Object.fromEntries(placeStandbys(two, tasks(1, 2), 3))).toEqual({a: ['0_1'], b: ['0_0']})
  expect(Object.fromEntries(placeStandbys(plan({a: [tp('t0', 0), tp('t0', 1)]}), tasks(1, 2), 1))).toEqual({a: []})
  expect(Object.fromEntries(placeStandbys(two, tasks(1, 2), 0))).toEqual({a: [], b: []})
})

test('an instance that leaves has its standbys placed on the others; a task of a sub-topology with several sources is active where any of them is', () => {
  const before = placeStandbys(plan({a: [tp('t0', 0)], b: [tp('t0', 1)], c: [tp('t0', 2)]}), tasks(1, 3), 1)
  expect([...before.values()].flat().sort()).toEqual(['0_0', '0_1', '0_2'])
  const after = placeStandbys(plan({a: [tp('t0', 0), tp('t0', 2)], b: [tp('t0', 1)]}), tasks(1, 3), 1)
  expect(Object.fromEntries(after)).toEqual({a: ['0_1'], b: ['0_0', '0_2']})
  const joined: StatefulTask[] = [{id: '0_0', sources: ['left', 'right'], partition: 0}]
  expect(Object.fromEntries(placeStandbys(plan({a: [], b: [tp('right', 0)]}), joined, 1))).toEqual({a: ['0_0'], b: []})
})

test('random plans: every task gets min(N, instances - 1) standbys on distinct non-active instances, loads within one of each other when N is 1', () => {
  const seed = testSeed()
  const rng = new Rng(seed)
  for (let round = 0; round < 200; round++) {
    const n = rng.int(1, 6)
    const members = Array.from({length: n}, (_, i) => `m${String(rng.int(0, 1000)).padStart(4, '0')}-${i}`)
    const subs = rng.int(1, 3)
    const partitions = rng.int(1, 9)
    const owners: Record<string, TopicPartition[]> = Object.fromEntries(members.map((m) => [m, []]))
    // Co-partitioned sub-topologies, as the range assignor gives them: partition p of every source to one member.
    for (let p = 0; p < partitions; p++) {
      const m = members[p % n]
      for (let s = 0; s < subs; s++) owners[m].push(tp(`t${s}`, p))
    }
    const replicas = rng.int(1, 4)
    const placed = placeStandbys(plan(owners), tasks(subs, partitions), replicas)
    const h = holders(placed)
    for (const t of tasks(subs, partitions)) {
      const ms = h.get(t.id) ?? []
      const active = members[t.partition % n]
      expect(ms.length, `seed ${seed}`).toBe(Math.min(replicas, n - 1))
      expect(new Set(ms).size).toBe(ms.length)
      expect(ms).not.toContain(active)
    }
    if (replicas === 1 && n > 1) {
      const total = members.map((m) => placed.get(m)!.length + owners[m].length / subs)
      expect(Math.max(...total) - Math.min(...total), `seed ${seed}: ${JSON.stringify(Object.fromEntries(placed))}`).toBeLessThanOrEqual(2)
    }
  }
})

test('the bytes read back; anything else is no standbys', () => {
  expect(decodeStandbys(encodeStandbys(['0_1', '2_3']))).toEqual(['0_1', '2_3'])
  expect(decodeStandbys(encodeStandbys([]))).toEqual([])
  for (const bad of ['', 'null', '{}', '[1]', '{"standbyTasks":"0_1"}', '{"standbyTasks":["../x"]}', '{"standbyTasks":[1]}', '\xff']) {
    expect(decodeStandbys(Buffer.from(bad, 'latin1')), bad).toBeNull()
  }
  expect(decodeStandbys(null)).toBeNull()
})
