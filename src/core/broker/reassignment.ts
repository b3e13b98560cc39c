/**
 * `topic reassign`, Kafka's kafka-reassign-partitions over the files
 * (KIP-455's way): starting a reassignment writes, in one change of
 * topic.json, the partition's replicas as the target ones followed by the
 * ones it leaves, and `reassigning` = {adding, removing}. From then:
 *
 * 1. the brokers of the added replicas open them at their next scan and
 *    follow the leader (replica-manager.ts); the leader watches them as
 *    followers outside the ISR, and takes each into the ISR once it has
 *    caught up (isr.ts), so acks=all never waits on a copy still filling;
 * 2. once every target replica is in the ISR the leader finishes it
 *    (finishReassignment here, from replicated-partition.ts): the replicas
 *    become the target, `reassigning` loses the partition, and the ISR
 *    loses the leavers; a leader that is itself leaving records `leader:
 *    -1` and steps down, so a target replica in the ISR is elected;
 * 3. the brokers of removed replicas let go of them at their next scan and
 *    delete them.
 *
 * An acknowledged record is on every ISR member before and after, and the
 * ISR only loses the leavers once the whole target holds the data, so no
 * acknowledged record is lost on the way.
 */
import {NotFoundError, StoreError, UsageError} from '../errors.js'
import type {Clock} from '../clock.js'
import {type PartitionReassignment, reassignmentTarget} from '../store/replica-assignment.js'
import {MAX_REPLICATION_FACTOR, type Store, type TopicMeta} from '../store/store.js'
import {brokersDir, isBrokerAlive, readRegistration} from './registry.js'
import {writeThrottleRates} from './replication-quota.js'
import type {ConfigOverrides} from '../log/log-config.js'
import {readdirSync} from 'node:fs'

const LEADER_REPLICAS = 'leader.replication.throttled.replicas'
const FOLLOWER_REPLICAS = 'follower.replication.throttled.replicas'

/** One line of a plan: kafka-reassign-partitions' `{"topic", "partition", "replicas"}`. */
export interface ReassignmentPlan {
  topic: string
  partition: number
  replicas: number[]
}

const MAX_PLAN_BYTES = 16 << 20

/**
 * kafka-reassign-partitions' JSON: {"version": 1, "partitions": [{"topic",
 * "partition", "replicas", "log_dirs"?}]}. `log_dirs` may only say "any":
 * a broker here has one log dir.
 */
export function parsePlan(text: string, source: string): ReassignmentPlan[] {
  const bad = (what: string) => new UsageError(`${source}: ${what}`, {hint: 'the format is {"version":1,"partitions":[{"topic":"T","partition":0,"replicas":[1,2,3]}]}'})
  if (text.length > MAX_PLAN_BYTES) throw bad(`${text.length} bytes is more than a plan`)
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (error) {
    throw bad(`not JSON (${(error as Error).message})`)
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('not a JSON object')
  const {version, partitions} = v as Record<string, unknown>
  if (version !== undefined && version !== 1) throw bad(`version ${JSON.stringify(version)} is not 1`)
  if (!Array.isArray(partitions) || partitions.length === 0) throw bad('"partitions" is not a non-empty list')
  const seen = new Set<string>()
  return partitions.map((entry, i) => {
    if (typeof entry !== 'object' || entry === null) throw bad(`partitions[${i}] is not an object`)
    const {topic, partition, replicas, log_dirs: logDirs} = entry as Record<string, unknown>
    if (typeof topic !== 'string' || topic === '') throw bad(`partitions[${i}].topic is not a topic name`)
    if (!Number.isSafeInteger(partition) || (partition as number) < 0) throw bad(`partitions[${i}].partition is not a partition number`)
    if (!Array.isArray(replicas) || !replicas.every((id) => Number.isSafeInteger(id) && id >= 0 && id <= 0x7fffffff)) throw bad(`partitions[${i}].replicas is not a list of broker ids`)
    if (logDirs !== undefined && (!Array.isArray(logDirs) || logDirs.length !== replicas.length || logDirs.some((d) => d !== 'any'))) {
      throw bad(`partitions[${i}].log_dirs may only say "any" for each replica (a logpipe broker has one log dir)`)
    }
    const key = `${topic}-${partition as number}`
    if (seen.has(key)) throw bad(`partition ${key} is listed twice`)
    seen.add(key)
    return {topic, partition: partition as number, replicas: [...(replicas as number[])]}
  })
}

/** kafka-reassign-partitions' plan text for `plans` (what --execute prints as the rollback). */
export function formatPlan(plans: readonly ReassignmentPlan[]): string {
  return JSON.stringify({version: 1, partitions: plans.map((p) => ({topic: p.topic, partition: p.partition, replicas: p.replicas, log_dirs: p.replicas.map(() => 'any')}))})
}

export interface StartResult {
  /** The assignment before, for a rollback plan. */
  previous: ReassignmentPlan[]
  /** Partitions that now move (some replica added or removed). */
  started: ReassignmentPlan[]
  /** Partitions whose replicas only changed order (a new preferred leader): done at once. */
  reordered: ReassignmentPlan[]
  /** Partitions already on the target replicas, or already moving to them. */
  unchanged: ReassignmentPlan[]
  /** With a throttle: the brokers whose replication rates it set. */
  throttledBrokers: number[]
}

const sameList = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((id, i) => id === b[i])

/**
 * Checks every line of the plan first (topic replicated, partition there,
 * target as many distinct brokers as the replication factor, each alive,
 * no other reassignment of the partition in progress), then starts them,
 * one topic.json change per topic.
 */
export function startReassignments(store: Store, plans: readonly ReassignmentPlan[], clock?: Clock, throttle?: number): StartResult {
  const result: StartResult = {previous: [], started: [], reordered: [], unchanged: [], throttledBrokers: []}
  const metas = new Map<string, TopicMeta>()
  for (const plan of plans) {
    const meta = metas.get(plan.topic) ?? store.readTopic(plan.topic)
    metas.set(plan.topic, meta)
    const label = `${plan.topic}-${plan.partition}`
    if (!meta.replicas) throw new UsageError(`topic '${plan.topic}' is not replicated: its one log is the data directory's, there is nothing to move`, {hint: 'reassign is for topics created with --replication-factor above 1'})
    if (plan.partition >= meta.partitions) throw new UsageError(`topic '${plan.topic}' has no partition ${plan.partition} (it has ${meta.partitions})`)
    if (new Set(plan.replicas).size !== plan.replicas.length) throw new UsageError(`partition ${label}: the replicas ${plan.replicas.join(',')} name a broker twice`)
    // A longer or shorter list changes the partition's replication factor, as kafka-reassign-partitions does.
    if (plan.replicas.length === 0) throw new UsageError(`partition ${label}: no replicas given`, {hint: 'name at least one broker id in "replicas"'})
    if (plan.replicas.length > MAX_REPLICATION_FACTOR) throw new UsageError(`partition ${label}: ${plan.replicas.length} replicas, more than ${MAX_REPLICATION_FACTOR}`)
    const current = meta.replicas[plan.partition]
    const moving = meta.reassigning?.[plan.partition]
    const target = reassignmentTarget(current, moving)
    if (moving && !sameList(target, plan.replicas)) throw new UsageError(`partition ${label} is being reassigned to ${target.join(',')} already`, {hint: `wait for \`logpipe topic reassign --verify\` to report it complete, then reassign it again`})
    const down = plan.replicas.filter((id) => !current.includes(id) && !brokerAlive(store, id, clock))
    if (down.length > 0) throw new UsageError(`partition ${label}: broker(s) ${down.join(',')} are not alive`, {hint: 'a new replica is copied by its broker: start it first (`logpipe broker start --id N --log-dir DIR`)'})
    result.previous.push({topic: plan.topic, partition: plan.partition, replicas: [...target]})
    if (sameList(target, plan.replicas)) result.unchanged.push(plan)
    else if (target.length === plan.replicas.length && plan.replicas.every((id) => current.includes(id))) result.reordered.push(plan)
    else result.started.push(plan)
  }
  for (const topic of new Set([...result.started, ...result.reordered].map((p) => p.topic))) {
    store.updateTopic(topic, (meta) => {
      const replicas = meta.replicas!.map((r) => [...r])
      const reassigning = {...meta.reassigning}
      for (const plan of result.reordered.filter((p) => p.topic === topic)) replicas[plan.partition] = [...plan.replicas]
      const config: ConfigOverrides = {...meta.config}
      for (const plan of result.started.filter((p) => p.topic === topic)) {
        const current = replicas[plan.partition]
        const removing = current.filter((id) => !plan.replicas.includes(id))
        const adding = plan.replicas.filter((id) => !current.includes(id))
        replicas[plan.partition] = [...plan.replicas, ...removing]
        reassigning[plan.partition] = {adding, removing}
        // kafka-reassign-partitions' throttle: the replicas it has send at the rate, the ones it adds fetch at it.
        if (throttle !== undefined) {
          config[LEADER_REPLICAS] = addPairs(config[LEADER_REPLICAS], plan.partition, current)
          config[FOLLOWER_REPLICAS] = addPairs(config[FOLLOWER_REPLICAS], plan.partition, adding)
        }
      }
      const next: TopicMeta = {...meta, config, replicas, reassigning, replicationFactor: replicationFactorOf(replicas, reassigning)}
      if (Object.keys(reassigning).length === 0) delete next.reassigning
      return next
    })
  }
  if (throttle !== undefined && result.started.length > 0) {
    const brokers = new Set<number>()
    for (const plan of result.started) {
      for (const id of plan.replicas) brokers.add(id)
      for (const id of result.previous.find((p) => p.topic === plan.topic && p.partition === plan.partition)?.replicas ?? []) brokers.add(id)
    }
    result.throttledBrokers = [...brokers].sort((a, b) => a - b)
    for (const id of result.throttledBrokers) writeThrottleRates(store.dataDir, id, throttle)
  }
  return result
}

/** A throttled-replicas list with `partition`'s replicas on `brokers` added (a "*" stays "*"). */
function addPairs(list: number | string | undefined, partition: number, brokers: readonly number[]): string {
  const v = String(list ?? '').trim()
  if (v === '*') return v
  const pairs = v === '' ? [] : v.split(',').map((s) => s.trim())
  for (const id of brokers) if (!pairs.includes(`${partition}:${id}`)) pairs.push(`${partition}:${id}`)
  return pairs.join(',')
}

/**
 * --verify's last step once every partition of the plan is on its target
 * (as kafka-reassign-partitions): the throttled-replicas configs of the
 * plan's topics and every broker's throttle rates are removed. Returns
 * what it cleared.
 */
export function clearThrottles(store: Store, plans: readonly ReassignmentPlan[]): {brokers: number[]; topics: string[]} {
  const topics: string[] = []
  for (const topic of new Set(plans.map((p) => p.topic))) {
    let cleared = false
    store.updateTopic(topic, (meta) => {
      if (!(LEADER_REPLICAS in meta.config) && !(FOLLOWER_REPLICAS in meta.config)) return meta
      const config: ConfigOverrides = {...meta.config}
      delete config[LEADER_REPLICAS]
      delete config[FOLLOWER_REPLICAS]
      cleared = true
      return {...meta, config}
    })
    if (cleared) topics.push(topic)
  }
  let names: string[] = []
  try {
    names = readdirSync(brokersDir(store.dataDir))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const brokers = names.flatMap((n) => /^(\d{1,10})\.config\.json$/.exec(n)?.[1] ?? []).map(Number).sort((a, b) => a - b)
  for (const id of brokers) writeThrottleRates(store.dataDir, id, null)
  return {brokers, topics}
}

export type ReassignmentStatus = ReassignmentPlan & {status: 'complete' | 'in-progress' | 'not-started'; current: number[]}

/** --verify: per plan line, whether the partition is on the target replicas, on its way, or neither. */
export function reassignmentStatus(store: Store, plans: readonly ReassignmentPlan[]): ReassignmentStatus[] {
  return plans.map((plan) => {
    const meta = store.readTopic(plan.topic)
    const current = meta.replicas?.[plan.partition]
    if (!current) throw new NotFoundError(`topic '${plan.topic}' has no replicated partition ${plan.partition}`)
    const moving = meta.reassigning?.[plan.partition]
    const target = reassignmentTarget(current, moving)
    const onTarget = sameList(target, plan.replicas)
    const status = onTarget ? (moving ? 'in-progress' : 'complete') : 'not-started'
    return {...plan, status, current: [...current]}
  })
}

/**
 * The leader's last step: topic.json gets the target as the partition's
 * replicas and no longer lists it as reassigning. False when that was done
 * already or the reassignment is not the one the leader saw.
 */
export function finishReassignment(store: Store, topic: string, partition: number, target: readonly number[]): boolean {
  let done = false
  store.updateTopic(topic, (meta) => {
    const moving = meta.reassigning?.[partition]
    if (!meta.replicas || !moving || !sameList(reassignmentTarget(meta.replicas[partition], moving), target)) return meta
    const replicas = meta.replicas.map((r) => [...r])
    replicas[partition] = [...target]
    const reassigning = {...meta.reassigning}
    delete reassigning[partition]
    done = true
    const next: TopicMeta = {...meta, replicas, reassigning, replicationFactor: replicationFactorOf(replicas, reassigning)}
    if (Object.keys(reassigning).length === 0) delete next.reassigning
    return next
  })
  return done
}

/** The topic's replication factor as kafka-topics shows it: its first partition's, counting the replicas it ends with. */
function replicationFactorOf(replicas: readonly (readonly number[])[], reassigning: Record<number, PartitionReassignment>): number {
  return reassignmentTarget(replicas[0], reassigning[0]).length
}

function brokerAlive(store: Store, id: number, clock?: Clock): boolean {
  try {
    const r = readRegistration(store.dataDir, id)
    return r !== null && isBrokerAlive(r, clock)
  } catch (error) {
    if (error instanceof StoreError) return false
    throw error
  }
}
