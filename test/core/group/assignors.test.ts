/**
 * The assignors every member runs on its own (DESIGN.md "Consumer groups"):
 * range, roundrobin and sticky must be deterministic (the same answer
 * whatever order the members are listed in, since every member computes it
 * alone), give every partition of a subscribed topic to exactly one member
 * subscribed to it, and be balanced (loads differ by at most one) when the
 * members share their subscriptions. Sticky also keeps current owners when
 * their ownership is already balanced, and moves as little as it can when
 * it is not. (Range is balanced per topic, as Kafka's is.) Known layouts are checked against Kafka's own results.
 */
import {describe, expect, test} from 'vitest'
import {
  ASSIGNMENT_STRATEGIES,
  type AssignmentStrategy,
  type GroupAssignment,
  type MemberSubscription,
  type TopicPartition,
  assign,
  rangeAssign,
  roundRobinAssign,
  stickyAssign,
  tpKey,
} from '../../../src/core/group/assignors.js'
import {Rng, testSeed} from '../support.js'

const tp = (topic: string, partition: number): TopicPartition => ({topic, partition})
const member = (memberId: string, topics: string[], owned: TopicPartition[] = []): MemberSubscription => ({memberId, topics, owned})
const topics = (entries: Record<string, number>) => new Map(Object.entries(entries))

/** memberId -> sorted "topic/partition" keys: a plain value to compare. */
function plain(a: GroupAssignment): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [m, list] of a) out[m] = list.map(tpKey).sort()
  return out
}

/** Every partition of a topic someone subscribes to is given exactly once, to a subscriber; nothing else is given. */
function expectComplete(a: GroupAssignment, members: MemberSubscription[], partitionsPerTopic: Map<string, number>): void {
  const seen = new Map<string, string>()
  for (const [memberId, list] of a) {
    const m = members.find((x) => x.memberId === memberId)
    expect(m, `assignment names an unknown member ${memberId}`).toBeDefined()
    for (const p of list) {
      const key = tpKey(p)
      expect(seen.has(key), `${key} given to ${seen.get(key)} and ${memberId}`).toBe(false)
      seen.set(key, memberId)
      expect(m!.topics, `${key} given to ${memberId}, which does not subscribe to ${p.topic}`).toContain(p.topic)
      expect(p.partition).toBeGreaterThanOrEqual(0)
      expect(p.partition).toBeLessThan(partitionsPerTopic.get(p.topic) ?? 0)
    }
  }
  expect(new Set(a.keys())).toEqual(new Set(members.map((m) => m.memberId)))
  for (const [topic, n] of partitionsPerTopic) {
    const subscribed = members.some((m) => m.topics.includes(topic))
    for (let p = 0; p < n; p++) expect(seen.has(`${topic}/${p}`), `${topic}/${p} assigned`).toBe(subscribed)
  }
}

function loads(a: GroupAssignment): number[] {
  return [...a.values()].map((l) => l.length)
}

function expectBalanced(a: GroupAssignment): void {
  const l = loads(a)
  expect(Math.max(...l) - Math.min(...l), `loads ${l.join(',')}`).toBeLessThanOrEqual(1)
}

function shuffled<T>(rng: Rng, items: T[]): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1)
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

describe('range', () => {
  test("Kafka's example: two members, two topics of three partitions", () => {
    // RangeAssignor's javadoc: C0 gets t0p0, t0p1, t1p0, t1p1; C1 gets t0p2, t1p2.
    const a = rangeAssign([member('C1', ['t0', 't1']), member('C0', ['t0', 't1'])], topics({t0: 3, t1: 3}))
    expect(plain(a)).toEqual({C0: ['t0/0', 't0/1', 't1/0', 't1/1'], C1: ['t0/2', 't1/2']})
  })

  test('contiguous runs per topic; the first members by id get one more', () => {
    const a = rangeAssign(['d', 'b', 'a', 'c'].map((id) => member(id, ['t'])), topics({t: 6}))
    expect(plain(a)).toEqual({a: ['t/0', 't/1'], b: ['t/2', 't/3'], c: ['t/4'], d: ['t/5']})
  })

  test('each topic is divided among its own subscribers only', () => {
    const members = [member('a', ['x']), member('b', ['x', 'y']), member('c', ['y'])]
    const a = rangeAssign(members, topics({x: 3, y: 2}))
    expect(plain(a)).toEqual({a: ['x/0', 'x/1'], b: ['x/2', 'y/0'], c: ['y/1']})
    expectComplete(a, members, topics({x: 3, y: 2}))
  })
})

describe('roundrobin', () => {
  test("Kafka's example: partitions of both topics dealt in turn", () => {
    // RoundRobinAssignor's javadoc: C0 gets t0p0, t0p2, t1p1; C1 gets t0p1, t1p0, t1p2.
    const a = roundRobinAssign([member('C1', ['t0', 't1']), member('C0', ['t0', 't1'])], topics({t0: 3, t1: 3}))
    expect(plain(a)).toEqual({C0: ['t0/0', 't0/2', 't1/1'], C1: ['t0/1', 't1/0', 't1/2']})
  })

  test('a member is skipped for a topic it does not subscribe to', () => {
    const members = [member('a', ['x']), member('b', ['x', 'y']), member('c', ['y'])]
    const a = roundRobinAssign(members, topics({x: 3, y: 3}))
    expectComplete(a, members, topics({x: 3, y: 3}))
    expect(plain(a).a.every((k) => k.startsWith('x/'))).toBe(true)
    expect(plain(a).c.every((k) => k.startsWith('y/'))).toBe(true)
  })
})

describe('sticky', () => {
  test('a fresh group is dealt out evenly', () => {
    const members = ['a', 'b', 'c'].map((id) => member(id, ['t']))
    const a = stickyAssign(members, topics({t: 6}))
    expectComplete(a, members, topics({t: 6}))
    expect(loads(a)).toEqual([2, 2, 2])
  })

  test('keeps every current owner when the ownership is already balanced', () => {
    // An ownership neither range nor roundrobin would produce.
    const members = [member('a', ['t'], [tp('t', 5), tp('t', 0)]), member('b', ['t'], [tp('t', 3), tp('t', 1)]), member('c', ['t'], [tp('t', 2), tp('t', 4)])]
    expect(plain(stickyAssign(members, topics({t: 6})))).toEqual({a: ['t/0', 't/5'], b: ['t/1', 't/3'], c: ['t/2', 't/4']})
    // Uneven but balanced (7 over 3: 3, 2, 2) stays too.
    const seven = [member('a', ['t'], [tp('t', 6), tp('t', 1)]), member('b', ['t'], [tp('t', 0), tp('t', 3), tp('t', 4)]), member('c', ['t'], [tp('t', 2), tp('t', 5)])]
    expect(plain(stickyAssign(seven, topics({t: 7})))).toEqual({a: ['t/1', 't/6'], b: ['t/0', 't/3', 't/4'], c: ['t/2', 't/5']})
  })

  test('a member joining takes partitions from the most loaded only; the rest stay put', () => {
    const before = [member('a', ['t'], [tp('t', 0), tp('t', 2), tp('t', 4)]), member('b', ['t'], [tp('t', 1), tp('t', 3), tp('t', 5)])]
    const after = stickyAssign([...before, member('c', ['t'])], topics({t: 6}))
    expectComplete(after, [...before, member('c', ['t'])], topics({t: 6}))
    expect(loads(after)).toEqual([2, 2, 2])
    for (const m of before) {
      const kept = plain(after)[m.memberId]
      // Each keeps two of its three: only what went to the newcomer moved.
      expect(kept.filter((k) => m.owned.map(tpKey).includes(k))).toHaveLength(2)
    }
  })

  test('a member leaving: its partitions are dealt out, the survivors keep theirs', () => {
    const owned = {a: [tp('t', 0), tp('t', 1)], b: [tp('t', 2), tp('t', 3)], c: [tp('t', 4), tp('t', 5)]}
    const after = stickyAssign([member('a', ['t'], owned.a), member('c', ['t'], owned.c)], topics({t: 6}))
    expect(loads(after)).toEqual([3, 3])
    expect(plain(after).a).toEqual(expect.arrayContaining(['t/0', 't/1']))
    expect(plain(after).c).toEqual(expect.arrayContaining(['t/4', 't/5']))
  })

  test('two members claiming one partition (views differ for a moment): one gets it, deterministically', () => {
    const members = [member('b', ['t'], [tp('t', 0)]), member('a', ['t'], [tp('t', 0)])]
    const a1 = stickyAssign(members, topics({t: 2}))
    const a2 = stickyAssign([...members].reverse(), topics({t: 2}))
    expect(plain(a1)).toEqual(plain(a2))
    expect(plain(a1)).toEqual({a: ['t/0'], b: ['t/1']})
  })

  test('owned partitions that no longer exist or are no longer subscribed are dropped', () => {
    const members = [member('a', ['t'], [tp('t', 9), tp('gone', 0), tp('t', 1)]), member('b', ['t'])]
    const a = stickyAssign(members, topics({t: 2}))
    expectComplete(a, members, topics({t: 2}))
    expect(plain(a)).toEqual({a: ['t/1'], b: ['t/0']})
  })
})

describe('every assignor', () => {
  test.each(ASSIGNMENT_STRATEGIES)('%s: no members, no topics, more members than partitions', (strategy) => {
    expect(plain(assign(strategy, [], topics({t: 3})))).toEqual({})
    expect(plain(assign(strategy, [member('a', ['t'])], new Map()))).toEqual({a: []})
    const members = ['a', 'b', 'c', 'd', 'e'].map((id) => member(id, ['t']))
    const a = assign(strategy, members, topics({t: 3}))
    expectComplete(a, members, topics({t: 3}))
    expect(loads(a).sort()).toEqual([0, 0, 1, 1, 1])
  })

  const seed = testSeed()
  test.each(ASSIGNMENT_STRATEGIES)(`%s: random groups are complete, balanced and order-independent (seed ${seed})`, (strategy: AssignmentStrategy) => {
    const rng = new Rng(seed)
    for (let round = 0; round < 300; round++) {
      const topicCount = rng.int(1, 4)
      const partitionsPerTopic = new Map<string, number>()
      for (let t = 0; t < topicCount; t++) partitionsPerTopic.set(`topic-${t}`, rng.int(1, 13))
      const names = [...partitionsPerTopic.keys()]
      const all = names.flatMap((t) => Array.from({length: partitionsPerTopic.get(t)!}, (_, p) => tp(t, p)))
      const memberCount = rng.int(1, 8)
      const uniform = rng.next() < 0.6
      const members: MemberSubscription[] = []
      for (let i = 0; i < memberCount; i++) {
        const subscribed = uniform ? names : names.filter(() => rng.next() < 0.6)
        // Random current ownership, possibly overlapping, stale or not subscribed: sticky must cope.
        const owned = all.filter(() => rng.next() < 1 / memberCount)
        members.push(member(`consumer-${rng.int(0, 1e6).toString(16)}-${i}`, subscribed.length ? subscribed : [names[0]], owned))
      }
      const a = assign(strategy, members, partitionsPerTopic)
      expectComplete(a, members, partitionsPerTopic)
      if (uniform && strategy !== 'range') expectBalanced(a)
      // Range balances each topic on its own (Kafka's range is known to pile the extras of every topic on the first members).
      if (uniform && strategy === 'range') for (const t of names) expectBalanced(new Map([...a].map(([m, l]) => [m, l.filter((x) => x.topic === t)])))
      // Every member computes this alone from its own listing of the members.
      expect(plain(assign(strategy, shuffled(rng, members), partitionsPerTopic))).toEqual(plain(a))
      if (strategy === 'sticky' && uniform) {
        // Fed its own answer back as the current ownership, sticky changes nothing.
        const settled = members.map((m) => ({...m, owned: a.get(m.memberId)!}))
        expect(plain(assign(strategy, shuffled(rng, settled), partitionsPerTopic))).toEqual(plain(a))
      }
    }
  })
})
