/**
 * `topic elect-leaders` and ElectLeaders (key 43), over the files: what
 * Kafka's controller does when asked, done by the partition's own brokers
 * on a request file (election-request.ts), and watched here in
 * partition.json until it happened or the time ran out.
 *
 * Per partition, as Kafka answers (`ElectionNotNeeded` and the rest):
 * - preferred: not needed when the preferred replica leads already;
 *   PREFERRED_LEADER_NOT_AVAILABLE when it is down or out of the ISR (no
 *   clean way to put it there); else done once partition.json names it.
 * - unclean: not needed while a live broker leads; ELIGIBLE_LEADERS_NOT_AVAILABLE
 *   when no replica is alive; else done once any live replica leads.
 */
import {NotFoundError, StoreError, UsageError} from '../errors.js'
import {type Clock, systemClock} from '../clock.js'
import {readPartitionMeta, type PartitionMeta} from '../store/partition-metadata.js'
import type {Store} from '../store/store.js'
import {ErrorCode} from '../wire/error-codes.js'
import {type ElectionType, removeElectionRequest, writeElectionRequest} from './election-request.js'
import {isBrokerAlive, readRegistration} from './registry.js'

export interface ElectionTarget {
  topic: string
  partition: number
}

export type ElectionOutcome = ElectionTarget &
  ({result: 'elected'; leader: number} | {result: 'not-needed'; leader: number} | {result: 'error'; errorCode: number; error: string})

export interface ElectOptions {
  timeoutMs: number
  clock?: Clock
  /** How often partition.json is looked at while waiting. */
  pollMs?: number
}

/**
 * The partitions a command names: one partition, every partition of one
 * topic, or (neither) every partition of every replicated topic. A topic
 * that is not replicated has no election (its leader is whoever holds its
 * write lock): a UsageError when named.
 */
export function electionTargets(store: Store, topic?: string, partition?: number): ElectionTarget[] {
  if (topic === undefined) {
    if (partition !== undefined) throw new UsageError('--partition goes with --topic')
    const out: ElectionTarget[] = []
    for (const name of store.listTopics()) {
      let replicas: number[][] | undefined
      try {
        replicas = store.readTopic(name).replicas
      } catch (error) {
        if (error instanceof StoreError || error instanceof NotFoundError) continue
        throw error
      }
      for (let p = 0; p < (replicas?.length ?? 0); p++) out.push({topic: name, partition: p})
    }
    return out
  }
  const meta = store.readTopic(topic)
  if (!meta.replicas) throw new UsageError(`topic '${topic}' is not replicated: its leader is whoever holds its write lock, there is nothing to elect`, {hint: 'elect-leaders is for topics created with --replication-factor above 1'})
  if (partition !== undefined) {
    if (!Number.isInteger(partition) || partition < 0 || partition >= meta.partitions) throw new UsageError(`topic '${topic}' has no partition ${partition} (it has ${meta.partitions})`)
    return [{topic, partition}]
  }
  return Array.from({length: meta.partitions}, (_, p) => ({topic, partition: p}))
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Runs the elections asked for, all at once, and says per partition what happened. */
export async function electLeaders(store: Store, type: ElectionType, targets: readonly ElectionTarget[], options: ElectOptions): Promise<ElectionOutcome[]> {
  const clock = options.clock ?? systemClock
  const alive = (id: number): boolean => {
    try {
      const r = readRegistration(store.dataDir, id)
      return r !== null && isBrokerAlive(r, clock)
    } catch (error) {
      if (error instanceof StoreError) return false
      throw error
    }
  }
  const outcomes = new Map<number, ElectionOutcome>()
  const pending: Array<{i: number; dir: string; target: ElectionTarget; done: (meta: PartitionMeta) => boolean}> = []
  const written: string[] = []
  const expiresAt = clock.now() + options.timeoutMs
  try {
    for (const [i, target] of targets.entries()) {
      const fail = (errorCode: number, error: string) => outcomes.set(i, {...target, result: 'error', errorCode, error})
      let replicas: number[] | undefined
      let dir: string
      let meta: PartitionMeta | null
      try {
        replicas = store.readTopic(target.topic).replicas?.[target.partition]
        dir = store.partitionDir(target.topic, target.partition)
        meta = replicas ? readPartitionMeta(dir) : null
      } catch (error) {
        if (!(error instanceof StoreError) && !(error instanceof NotFoundError)) throw error
        fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, error.message)
        continue
      }
      if (!replicas || meta === null) {
        fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${target.topic}' partition ${target.partition} is not a replicated partition`)
        continue
      }
      const leads = meta.leader >= 0 && alive(meta.leader)
      if (type === 'preferred') {
        const preferred = replicas[0]
        if (leads && meta.leader === preferred) {
          outcomes.set(i, {...target, result: 'not-needed', leader: preferred})
          continue
        }
        if (!alive(preferred) || !meta.isr.includes(preferred)) {
          fail(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, `the preferred leader, broker ${preferred}, is ${alive(preferred) ? 'not in the ISR' : 'not alive'}`)
          continue
        }
        pending.push({i, dir, target, done: (m) => m.leader === preferred})
      } else {
        if (leads) {
          outcomes.set(i, {...target, result: 'not-needed', leader: meta.leader})
          continue
        }
        if (!replicas.some(alive)) {
          fail(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, `none of its replicas (${replicas.join(',')}) is alive`)
          continue
        }
        pending.push({i, dir, target, done: (m) => m.leader >= 0 && alive(m.leader)})
      }
      written.push(dir)
      writeElectionRequest(dir, {type, expiresAt})
    }
    const pollMs = options.pollMs ?? 50
    while (pending.length > 0) {
      for (let j = pending.length - 1; j >= 0; j--) {
        const p = pending[j]
        let meta: PartitionMeta | null = null
        try {
          meta = readPartitionMeta(p.dir)
        } catch (error) {
          if (!(error instanceof StoreError)) throw error
        }
        if (meta !== null && p.done(meta)) {
          outcomes.set(p.i, {...p.target, result: 'elected', leader: meta.leader})
          pending.splice(j, 1)
        }
      }
      if (pending.length === 0 || clock.now() >= expiresAt) break
      await sleep(pollMs)
    }
    for (const p of pending) {
      outcomes.set(p.i, {...p.target, result: 'error', errorCode: ErrorCode.REQUEST_TIMED_OUT, error: `no ${type} leader elected within ${options.timeoutMs} ms`})
    }
  } finally {
    for (const dir of written) removeElectionRequest(dir)
  }
  return targets.map((_, i) => outcomes.get(i)!)
}
