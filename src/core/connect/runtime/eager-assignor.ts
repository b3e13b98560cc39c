/**
 * The leader's assignment (Kafka's EagerAssignor): the members in id
 * order taken round and round, each connector in name order given to the
 * next member and each of its tasks to the ones after it, so the tasks of
 * one connector land on different workers whenever there are several.
 * Every worker computes nothing: only the leader runs this, and the others
 * take what it wrote.
 */

/** What one worker runs: connector names and task ids ("NAME-N", Kafka's ConnectorTaskId). */
export interface WorkerLoad {
  connectors: string[]
  tasks: string[]
}

export function taskId(connector: string, task: number): string {
  return `${connector}-${task}`
}

/** Splits "NAME-N" into its parts (connector names may hold '-', the task number never does). */
export function parseTaskId(id: string): {connector: string; task: number} | null {
  const m = /^(.+)-(\d{1,9})$/.exec(id)
  return m ? {connector: m[1], task: Number(m[2])} : null
}

export function eagerAssign(members: readonly string[], connectors: readonly {name: string; tasks: number}[]): Map<string, WorkerLoad> {
  const sortedMembers = [...members].sort(compare)
  const out = new Map<string, WorkerLoad>(sortedMembers.map((m) => [m, {connectors: [], tasks: []}]))
  if (sortedMembers.length === 0) return out
  let next = 0
  const take = () => out.get(sortedMembers[next++ % sortedMembers.length])!
  for (const c of [...connectors].sort((a, b) => compare(a.name, b.name))) {
    take().connectors.push(c.name)
    for (let t = 0; t < c.tasks; t++) take().tasks.push(taskId(c.name, t))
  }
  return out
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
