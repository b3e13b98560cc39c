/**
 * Where the standby copies of a Streams app's tasks go (`num.standby.replicas`),
 * as Kafka's StreamsPartitionAssignor places them: each task with
 * changelogged stores gets that many standbys, on distinct instances, never
 * on the instance that runs it, fewer when there are not enough instances;
 * each goes to the least loaded instance (its active and standby tasks),
 * as Kafka's DefaultStandbyTaskAssignor. Ties go to the instance next after
 * the active one in member-id order, so the copies of neighbouring tasks
 * spread out.
 *
 * Made from the group's partition plan alone (every file-based member
 * computes it, the leader does through a broker), and given to each member
 * with its assignment as Kafka's AssignmentInfo carries standbyTasks: the
 * bytes are the JSON {"standbyTasks": ["0_1", ...]}, read back as anything
 * from another process is: checked, and ignored (no standbys) if wrong.
 *
 * Not Kafka's: an instance that held a task's state before is not
 * preferred for its standby (Kafka's assignor reads task lags from each
 * member's subscription); the placement is stable as long as the members
 * and the active tasks are.
 */
import type {GroupAssignment} from '../../group/assignors.js'

/** A task that keeps state: its id (`<sub-topology>_<partition>`), the topics its sub-topology reads, its partition. */
export interface StatefulTask {
  id: string
  sources: readonly string[]
  partition: number
}

/** Task ids of standby copies per member id; every member of the plan has an entry. */
export function placeStandbys(plan: GroupAssignment, tasks: readonly StatefulTask[], replicas: number): Map<string, string[]> {
  const members = [...plan.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const out = new Map(members.map((m) => [m, [] as string[]]))
  if (replicas <= 0 || members.length < 2) return out
  const ownerOf = new Map<string, string>()
  const load = new Map(members.map((m) => [m, 0]))
  for (const [member, tps] of plan) for (const tp of tps) ownerOf.set(`${tp.topic}\0${tp.partition}`, member)
  const activeOf = (t: StatefulTask): string | undefined => {
    for (const topic of t.sources) {
      const m = ownerOf.get(`${topic}\0${t.partition}`)
      if (m !== undefined) return m
    }
    return undefined
  }
  const ordered = [...tasks].sort((a, b) => compareTaskIds(a.id, b.id))
  const actives = ordered.map(activeOf)
  for (const a of actives) if (a !== undefined) load.set(a, load.get(a)! + 1)
  ordered.forEach((task, i) => {
    const active = actives[i]
    const from = active === undefined ? task.partition % members.length : members.indexOf(active)
    const distance = (m: string) => (members.indexOf(m) - from + members.length) % members.length
    const candidates = members.filter((m) => m !== active)
    candidates.sort((x, y) => load.get(x)! - load.get(y)! || distance(x) - distance(y))
    for (const m of candidates.slice(0, replicas)) {
      out.get(m)!.push(task.id)
      load.set(m, load.get(m)! + 1)
    }
  })
  return out
}

/** Sub-topology, then partition, as numbers. */
function compareTaskIds(a: string, b: string): number {
  const [sa, pa] = a.split('_').map(Number)
  const [sb, pb] = b.split('_').map(Number)
  return sa - sb || pa - pb
}

export function encodeStandbys(ids: readonly string[]): Buffer {
  return Buffer.from(JSON.stringify({standbyTasks: ids}))
}

const TASK_ID = /^\d{1,9}_\d{1,9}$/
/** More than any app has: a bound on what is read from another process. */
const MAX_STANDBY_TASKS = 100_000

/** The standby task ids in a member's assignment bytes; null when the bytes are not ours or not well formed. */
export function decodeStandbys(data: Buffer | null): string[] | null {
  if (data === null || data.length === 0 || data.length > 4 * 1024 * 1024) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(data.toString('utf8'))
  } catch {
    return null
  }
  const ids = (parsed as {standbyTasks?: unknown} | null)?.standbyTasks
  if (!Array.isArray(ids) || ids.length > MAX_STANDBY_TASKS) return null
  if (!ids.every((id) => typeof id === 'string' && TASK_ID.test(id))) return null
  return [...new Set(ids as string[])]
}
