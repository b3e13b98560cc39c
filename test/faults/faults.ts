/**
 * Picking the victim and the moment. A fault aims at one kind of work
 * (produce, roll, retention, compaction, topic create/delete/alter, group
 * commit) and fires either at a random moment or the instant that work
 * shows on disk (a new segment, a `.cleaned` file, a `.creating-`
 * directory, an offsets temp file, ...), so the short windows are hit as
 * well as the long ones.
 */
import {existsSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {type Proc, type Role, isStoppedPid, nextTick, pollUntil} from './procs.js'
import {type Rng, int, pick} from './workload.js'

export const TARGETS = ['produce', 'roll', 'retention', 'compaction', 'create', 'delete', 'alter', 'commit'] as const
export type Target = (typeof TARGETS)[number]
export type Trigger = 'time' | 'event'

export interface FaultOutcome {
  victim: Proc | null
  /** What fired it: the random moment, the event seen on disk, or a fallback victim. */
  how: string
}

/** The processes of the round, looked up live (loops start a new one for every command). */
export interface Running {
  procs(): Proc[]
}

const ROLE_OF: Record<Target, Role[]> = {
  produce: ['produce'],
  roll: ['produce'],
  retention: ['retention'],
  compaction: ['compaction'],
  create: ['create'],
  delete: ['delete'],
  alter: ['alter'],
  commit: ['commit'],
}

/** Commands that live well under a second: aimed at when they are some way into their life. */
const SHORT: Role[] = ['create', 'delete', 'alter']

function entries(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

function partitionDirs(dataDir: string, topic: string): string[] {
  const t = join(dataDir, 'topics', topic)
  return entries(t)
    .filter((n) => /^\d+$/.test(n))
    .map((n) => join(t, n))
}

/** The event on disk that shows the target's work under way; it is compared against the state when watching began. */
function eventProbe(dataDir: string, target: Target): () => boolean {
  const logCount = (topic: string) => partitionDirs(dataDir, topic).reduce((n, d) => n + entries(d).filter((x) => x.endsWith('.log')).length, 0)
  const firstSegments = (topic: string) =>
    partitionDirs(dataDir, topic)
      .map((d) => entries(d).filter((x) => x.endsWith('.log')).sort()[0] ?? '')
      .join(',')
  switch (target) {
    case 'produce':
    case 'roll': {
      const before = logCount('plain')
      return () => logCount('plain') > before
    }
    case 'retention': {
      const before = firstSegments('ret')
      return () => firstSegments('ret') !== before
    }
    case 'compaction':
      return () => partitionDirs(dataDir, 'cmp').some((d) => entries(d).some((x) => x.endsWith('.cleaned')))
    case 'create':
      return () => entries(join(dataDir, 'topics')).some((x) => x.startsWith('.creating-'))
    case 'delete':
      return () => entries(join(dataDir, 'topics')).some((x) => x.startsWith('.deleting-'))
    case 'alter':
      return () =>
        entries(join(dataDir, 'topics')).some((t) => {
          const d = join(dataDir, 'topics', t)
          return existsSync(join(d, 'topic.json.lock')) || entries(d).some((x) => x.startsWith('.topic.json.') && x.endsWith('.tmp'))
        })
    case 'commit':
      return () => entries(join(dataDir, 'groups', 'G', 'offsets', 'plain')).some((x) => x.endsWith('.tmp'))
  }
}

/**
 * Waits for the moment and applies the signal to one process doing the
 * target's work. SIGSTOP: stopped for `stopMs`, then continued.
 */
export async function inject(
  dataDir: string,
  running: Running,
  target: Target,
  trigger: Trigger,
  signal: 'SIGKILL' | 'SIGSTOP',
  rnd: Rng,
  stopMs: number,
): Promise<FaultOutcome> {
  const roles = ROLE_OF[target]
  const candidates = () => running.procs().filter((p) => p.alive && roles.includes(p.role))
  await nextTick(int(rnd, 200, 2500))
  const deadline = Date.now() + 15_000
  let victim: Proc | null = null
  let how = ''
  if (trigger === 'event') {
    const probe = eventProbe(dataDir, target)
    const seen = await pollUntil(() => candidates().length > 0 && probe(), deadline - Date.now())
    if (seen) {
      victim = pick(rnd, candidates())
      how = `on ${target} seen on disk`
    }
  } else {
    while (victim === null && Date.now() < deadline) {
      const c = candidates()
      if (c.length === 0) {
        await nextTick(2)
        continue
      }
      const p = pick(rnd, c)
      if (SHORT.includes(p.role)) {
        // Node takes a few hundred ms to start: aim inside the command's work, not its start-up.
        const age = int(rnd, 150, 600)
        await pollUntil(() => !p.alive || p.ageMs >= age, 2000)
        if (!p.alive) continue
      }
      victim = p
      how = 'at a random moment'
    }
  }
  if (victim === null) {
    // The target's work never showed in time: take any live producer or member rather than no fault.
    const any = running.procs().filter((p) => p.alive && (p.role === 'produce' || p.role === 'retention' || p.role === 'compaction' || p.role === 'commit'))
    if (any.length === 0) return {victim: null, how: `no ${target} work found`}
    victim = pick(rnd, any)
    how = `fallback: no ${target} ${trigger === 'event' ? 'event' : 'process'} in time`
  }
  if (signal === 'SIGKILL') {
    if (!victim.kill()) return {victim: null, how: `${victim.name} ended before the kill`}
    return {victim, how}
  }
  if (!victim.stop()) return {victim: null, how: `${victim.name} ended before the stop`}
  await pollUntil(() => isStoppedPid(victim.pid) || !victim.alive, 5000)
  await nextTick(stopMs)
  victim.resume()
  return {victim, how}
}
