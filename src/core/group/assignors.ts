/**
 * Partition assignment, computed by every member from the same member list
 * so that all arrive at the same answer without a coordinator. Members are
 * ordered by id, partitions by topic then number, as Kafka's assignors do.
 *
 *   range       per topic, contiguous runs; the first members get one more
 *   roundrobin  all partitions dealt in turn to the members subscribed
 *   sticky      keep what members own now, within a balanced quota; deal
 *               the rest to the least loaded
 */
export interface TopicPartition {
  topic: string
  partition: number
}

export interface MemberSubscription {
  memberId: string
  topics: string[]
  /** Partitions the member owns now (used by sticky). */
  owned: TopicPartition[]
}

export type AssignmentStrategy = 'range' | 'roundrobin' | 'sticky'
export const ASSIGNMENT_STRATEGIES: AssignmentStrategy[] = ['range', 'roundrobin', 'sticky']

export type GroupAssignment = Map<string, TopicPartition[]>

export const tpKey = (tp: TopicPartition): string => `${tp.topic}/${tp.partition}`

function byId(members: MemberSubscription[]): MemberSubscription[] {
  return [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0))
}

function allPartitions(partitionsPerTopic: Map<string, number>): TopicPartition[] {
  const out: TopicPartition[] = []
  for (const topic of [...partitionsPerTopic.keys()].sort()) {
    for (let p = 0; p < partitionsPerTopic.get(topic)!; p++) out.push({topic, partition: p})
  }
  return out
}

function empty(members: MemberSubscription[]): GroupAssignment {
  return new Map(byId(members).map((m) => [m.memberId, [] as TopicPartition[]]))
}

export function rangeAssign(members: MemberSubscription[], partitionsPerTopic: Map<string, number>): GroupAssignment {
  const result = empty(members)
  for (const topic of [...partitionsPerTopic.keys()].sort()) {
    const consumers = byId(members).filter((m) => m.topics.includes(topic))
    if (consumers.length === 0) continue
    const n = partitionsPerTopic.get(topic)!
    const per = Math.floor(n / consumers.length)
    const extra = n % consumers.length
    consumers.forEach((m, i) => {
      const start = per * i + Math.min(i, extra)
      const length = per + (i < extra ? 1 : 0)
      for (let p = start; p < start + length; p++) result.get(m.memberId)!.push({topic, partition: p})
    })
  }
  return result
}

export function roundRobinAssign(members: MemberSubscription[], partitionsPerTopic: Map<string, number>): GroupAssignment {
  const result = empty(members)
  const sorted = byId(members)
  let next = 0
  for (const tp of allPartitions(partitionsPerTopic)) {
    for (let tries = 0; tries < sorted.length; tries++) {
      const m = sorted[(next + tries) % sorted.length]
      if (m.topics.includes(tp.topic)) {
        result.get(m.memberId)!.push(tp)
        next = (next + tries + 1) % sorted.length
        break
      }
    }
  }
  return result
}

export function stickyAssign(members: MemberSubscription[], partitionsPerTopic: Map<string, number>): GroupAssignment {
  const result = empty(members)
  const sorted = byId(members)
  const all = allPartitions(partitionsPerTopic)
  const eligible = (m: MemberSubscription, tp: TopicPartition) => m.topics.includes(tp.topic)
  const quota = Math.ceil(all.length / Math.max(1, sorted.length))
  const taken = new Set<string>()
  // Keep current ownership, within quota, first come (by member id) first served.
  for (const m of sorted) {
    const mine = result.get(m.memberId)!
    for (const tp of [...m.owned].sort((a, b) => tpKey(a).localeCompare(tpKey(b)))) {
      const key = tpKey(tp)
      if (taken.has(key) || !eligible(m, tp) || tp.partition >= (partitionsPerTopic.get(tp.topic) ?? 0)) continue
      if (mine.length >= quota) break
      mine.push(tp)
      taken.add(key)
    }
  }
  // Deal the rest to the least loaded eligible member.
  for (const tp of all) {
    if (taken.has(tpKey(tp))) continue
    let best: MemberSubscription | null = null
    for (const m of sorted) {
      if (!eligible(m, tp)) continue
      if (!best || result.get(m.memberId)!.length < result.get(best.memberId)!.length) best = m
    }
    if (best) {
      result.get(best.memberId)!.push(tp)
      taken.add(tpKey(tp))
    }
  }
  // Rebalance: move from members over the floor+1 to members under the floor.
  const floor = Math.floor(all.length / Math.max(1, sorted.length))
  for (;;) {
    const over = sorted.find((m) => result.get(m.memberId)!.length > floor + 1 || (result.get(m.memberId)!.length > floor && sorted.some((u) => result.get(u.memberId)!.length < floor)))
    const under = sorted.find((m) => result.get(m.memberId)!.length < floor)
    if (!over || !under) break
    const from = result.get(over.memberId)!
    const idx = from.findIndex((tp) => eligible(under, tp))
    if (idx < 0) break
    result.get(under.memberId)!.push(...from.splice(idx, 1))
  }
  for (const list of result.values()) list.sort((a, b) => tpKey(a).localeCompare(tpKey(b), 'en', {numeric: true}))
  return result
}

export function assign(strategy: AssignmentStrategy, members: MemberSubscription[], partitionsPerTopic: Map<string, number>): GroupAssignment {
  switch (strategy) {
    case 'range':
      return rangeAssign(members, partitionsPerTopic)
    case 'roundrobin':
      return roundRobinAssign(members, partitionsPerTopic)
    case 'sticky':
      return stickyAssign(members, partitionsPerTopic)
  }
}
