/**
 * The leader's assignment under Kafka's incremental cooperative protocol
 * (KIP-415, IncrementalCooperativeAssignor; connect.protocol=compatible or
 * sessioned, Kafka's default): what a live worker runs stays where it is;
 * new connectors and tasks go to the least loaded workers (a task to the
 * one with the fewest tasks, then the fewest of its connector's, so one
 * connector's tasks spread); when the loads differ by more than one (a
 * worker joined), some move from the most loaded to the least. What a
 * departed worker ran waits up to scheduled.rebalance.max.delay.ms for it
 * to come back (a restart keeps its parts where they were), nothing being
 * moved for balance meanwhile; then it goes to the others as new work.
 * Only what moves stops: worker-coordinator.ts makes the next owner wait
 * until the last one has stopped it.
 */
import {parseTaskId, taskId, type WorkerLoad} from './eager-assignor.js'

export interface PreviousAssignment {
  loads: Record<string, WorkerLoad>
  /** Epoch ms until which a departed worker's parts are held, or null. */
  delayUntil: number | null
}

export interface CooperativeResult {
  /** The live members' loads, and a departed one's while its parts are held. */
  loads: Map<string, WorkerLoad>
  delayUntil: number | null
}

export function cooperativeAssign(
  previous: PreviousAssignment | null,
  members: readonly string[],
  connectors: readonly {name: string; tasks: number}[],
  now: number,
  maxDelayMs: number,
): CooperativeResult {
  const live = [...members].sort(compare)
  const liveSet = new Set(live)
  const existingConnectors = new Set(connectors.map((c) => c.name))
  const existingTasks = new Set(connectors.flatMap((c) => Array.from({length: c.tasks}, (_, i) => taskId(c.name, i))))
  const out = new Map<string, WorkerLoad>(live.map((m) => [m, {connectors: [], tasks: []}]))
  const placed = new Set<string>()
  const lost: WorkerLoad = {connectors: [], tasks: []}
  const departed = new Map<string, WorkerLoad>()

  // What each worker had and still exists stays, once (the first in member order keeps a part two claim).
  const before = Object.entries(previous?.loads ?? {}).sort(([a], [b]) => compare(a, b))
  for (const [member, load] of before) {
    const keep = liveSet.has(member) ? out.get(member)! : {connectors: [], tasks: []}
    for (const c of load.connectors) {
      if (!existingConnectors.has(c) || placed.has(`c:${c}`)) continue
      placed.add(`c:${c}`)
      keep.connectors.push(c)
      if (!liveSet.has(member)) lost.connectors.push(c)
    }
    for (const t of load.tasks) {
      if (!existingTasks.has(t) || placed.has(`t:${t}`)) continue
      placed.add(`t:${t}`)
      keep.tasks.push(t)
      if (!liveSet.has(member)) lost.tasks.push(t)
    }
    if (!liveSet.has(member) && keep.connectors.length + keep.tasks.length > 0) departed.set(member, keep)
  }

  const fresh: WorkerLoad = {
    connectors: [...existingConnectors].filter((c) => !placed.has(`c:${c}`)),
    tasks: [...existingTasks].filter((t) => !placed.has(`t:${t}`)),
  }
  let delayUntil: number | null = null
  const anyLost = lost.connectors.length + lost.tasks.length > 0
  if (anyLost && maxDelayMs > 0 && live.length > 0) {
    delayUntil = previous?.delayUntil ?? now + maxDelayMs
    if (now >= delayUntil) delayUntil = null
  }
  if (anyLost && delayUntil === null) {
    fresh.connectors.push(...lost.connectors)
    fresh.tasks.push(...lost.tasks)
    departed.clear()
  }

  if (live.length > 0) {
    for (const c of fresh.connectors.sort(compare)) leastBy(live, out, (l) => [l.connectors.length]).connectors.push(c)
    for (const t of fresh.tasks.sort(compareTasks)) {
      const connector = parseTaskId(t)?.connector ?? t
      leastBy(live, out, (l) => [l.tasks.length, countOf(l, connector)]).tasks.push(t)
    }
    // Kafka moves nothing for balance while a departed worker's parts are held.
    if (delayUntil === null) balance(live, out)
  }
  for (const [member, load] of departed) out.set(member, load)
  for (const l of out.values()) {
    l.connectors.sort(compare)
    l.tasks.sort(compareTasks)
  }
  return {loads: out, delayUntil}
}

/** Moves connectors, then tasks, from the most to the least loaded live worker until no two differ by more than one. */
function balance(live: string[], out: Map<string, WorkerLoad>): void {
  for (const kind of ['connectors', 'tasks'] as const) {
    for (let guard = 0; guard < 100_000; guard++) {
      const most = mostBy(live, out, (l) => l[kind].length)
      const least = leastBy(live, out, (l) => [l[kind].length])
      if (most[kind].length - least[kind].length <= 1) break
      // Of the most loaded worker's parts, one of the connector it holds most of, so tasks spread.
      const pick = kind === 'tasks' ? [...most.tasks].sort((a, b) => countOf(least, conn(a)) - countOf(least, conn(b)) || countOf(most, conn(b)) - countOf(most, conn(a)) || compareTasks(b, a))[0] : [...most.connectors].sort(compare).at(-1)!
      most[kind].splice(most[kind].indexOf(pick), 1)
      least[kind].push(pick)
    }
  }
}

function conn(t: string): string {
  return parseTaskId(t)?.connector ?? t
}

function countOf(l: WorkerLoad, connector: string): number {
  return l.tasks.filter((t) => conn(t) === connector).length
}

function leastBy(live: string[], out: Map<string, WorkerLoad>, key: (l: WorkerLoad) => number[]): WorkerLoad {
  let best = live[0]
  let bestKey = key(out.get(best)!)
  for (const m of live.slice(1)) {
    const k = key(out.get(m)!)
    if (lexLess(k, bestKey)) {
      best = m
      bestKey = k
    }
  }
  return out.get(best)!
}

function mostBy(live: string[], out: Map<string, WorkerLoad>, key: (l: WorkerLoad) => number): WorkerLoad {
  let best = live[0]
  for (const m of live.slice(1)) if (key(out.get(m)!) > key(out.get(best)!)) best = m
  return out.get(best)!
}

function lexLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i]
  return false
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function compareTasks(a: string, b: string): number {
  const pa = parseTaskId(a)
  const pb = parseTaskId(b)
  if (!pa || !pb) return compare(a, b)
  return compare(pa.connector, pb.connector) || pa.task - pb.task
}
