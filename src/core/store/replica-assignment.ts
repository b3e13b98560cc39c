/**
 * Which brokers hold each partition's replicas, the way Kafka places them
 * without racks (AdminUtils.assignReplicasToBrokersRackUnaware): the first
 * replica of partition p goes to broker (p + start) round the sorted list,
 * and the others follow it at a shift that grows by one each time the
 * partitions have gone round the brokers once, so the followers of one
 * leader are spread over the others instead of always being its neighbours.
 * `start` and the first shift are random (as in Kafka) unless fixed, so
 * successive topics do not all put their leaders on the lowest broker.
 */
import {UsageError} from '../errors.js'

export interface AssignOptions {
  /** Kafka's fixedStartIndex: both the start and the first shift; random when absent. */
  fixedStart?: number
  /** Kafka's startPartitionId: the first partition placed (partitions added to a topic go on from its count). */
  startPartition?: number
  random?: (n: number) => number
}

const randomInt = (n: number) => Math.floor(Math.random() * n)

/**
 * Replicas per partition (`[partition] -> broker ids`, the first one the
 * preferred leader). An InvalidReplicationFactor-like UsageError when
 * `replicationFactor` is above the number of brokers.
 */
export function assignReplicas(partitions: number, replicationFactor: number, brokerIds: readonly number[], options: AssignOptions = {}): number[][] {
  const brokers = [...new Set(brokerIds)].sort((a, b) => a - b)
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) throw new UsageError(`--replication-factor must be at least 1, not ${replicationFactor}`)
  if (replicationFactor > brokers.length) {
    throw new UsageError(`replication factor ${replicationFactor} is larger than the ${brokers.length} live broker(s)${brokers.length > 0 ? ` (${brokers.join(', ')})` : ''}`, {
      hint: brokers.length === 0 ? 'start brokers first (`logpipe broker start --id N --log-dir DIR`)' : 'start more brokers or lower --replication-factor',
    })
  }
  const n = brokers.length
  const random = options.random ?? randomInt
  const start = options.fixedStart ?? random(n)
  let shift = options.fixedStart ?? random(n)
  const out: number[][] = []
  const first_ = options.startPartition ?? 0
  for (let p = first_; p < first_ + partitions; p++) {
    if (p > 0 && p % n === 0) shift++
    const first = (p + start) % n
    const replicas = [brokers[first]]
    for (let j = 0; j < replicationFactor - 1; j++) replicas.push(brokers[followerIndex(first, shift, j, n)])
    out.push(replicas)
  }
  return out
}

function followerIndex(first: number, shift: number, j: number, n: number): number {
  const step = 1 + ((shift + j) % (n - 1))
  return (first + step) % n
}

/**
 * The replicas of partitions added to a replicated topic, as Kafka places
 * them (AdminZkClient.createPartitions): round robin over the live brokers
 * going on from the topic's partition count, started at the broker that
 * leads partition 0's assignment (or the first one above it), so the new
 * partitions continue the existing pattern instead of starting a random one.
 */
export function assignAddedPartitions(existing: readonly (readonly number[])[], count: number, brokerIds: readonly number[]): number[][] {
  const brokers = [...new Set(brokerIds)].sort((a, b) => a - b)
  const first = existing[0]?.[0] ?? 0
  const start = Math.max(0, brokers.findIndex((id) => id >= first))
  return assignReplicas(count - existing.length, existing[0]?.length ?? 1, brokers, {fixedStart: start, startPartition: existing.length})
}

/**
 * An assignment checked: one list per partition, each of
 * `replicationFactor` distinct broker ids, plus `extra(p)` for a partition
 * being reassigned (the replicas it is leaving). A replication factor of
 * null (topic.json, where a reassignment may have changed one partition's
 * factor, as kafka-reassign-partitions may) takes any factor from 1 to
 * `maxFactor` per partition.
 */
export function checkAssignment(
  value: unknown,
  partitions: number,
  replicationFactor: number | null,
  extra: (partition: number) => number = () => 0,
  maxFactor = 100,
): number[][] | string {
  if (!Array.isArray(value)) return 'replicas is not a list'
  if (value.length !== partitions) return `replicas lists ${value.length} partitions, not ${partitions}`
  for (const [p, r] of value.entries()) {
    if (replicationFactor === null) {
      const factor = Array.isArray(r) ? r.length - extra(p) : 0
      if (factor < 1 || factor > maxFactor) return `replicas of partition ${p} is not a list of 1 to ${maxFactor + extra(p)} broker ids`
    }
    const want = (replicationFactor ?? (r as unknown[]).length - extra(p)) + extra(p)
    if (!Array.isArray(r) || r.length !== want) return `replicas of partition ${p} is not a list of ${want} broker ids`
    if (r.some((id) => !Number.isSafeInteger(id) || id < 0 || id > 0x7fffffff)) return `replicas of partition ${p} holds something that is not a broker id`
    if (new Set(r).size !== r.length) return `replicas of partition ${p} names a broker twice`
  }
  return value as number[][]
}

/**
 * A partition on its way to other brokers (Kafka's KIP-455 state, kept in
 * topic.json's `reassigning`): its replicas are the target ones first, then
 * `removing`, the ones it leaves once every target replica is in the ISR;
 * `adding` are the target replicas it did not have.
 */
export interface PartitionReassignment {
  adding: number[]
  removing: number[]
}

/** The replicas a reassigning partition ends with: all of them but the ones it is leaving. */
export function reassignmentTarget(replicas: readonly number[], r: PartitionReassignment | undefined): number[] {
  return r ? replicas.filter((id) => !r.removing.includes(id)) : [...replicas]
}

/** topic.json's `reassigning`, checked against the assignment: partition -> adding and removing, each a part of that partition's replicas. */
export function checkReassigning(value: unknown, replicas: readonly (readonly number[])[] | undefined): Record<number, PartitionReassignment> | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'reassigning is not an object'
  if (!replicas) return 'reassigning is set on a topic without replicas'
  const out: Record<number, PartitionReassignment> = {}
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    const p = Number(key)
    if (!/^\d{1,5}$/.test(key) || p >= replicas.length) return `reassigning names partition ${JSON.stringify(key)}, which the topic lacks`
    const {adding, removing} = (entry ?? {}) as Record<string, unknown>
    const isPart = (v: unknown): v is number[] => Array.isArray(v) && v.every((id) => replicas[p].includes(id as number)) && new Set(v).size === v.length
    if (!isPart(adding) || !isPart(removing)) return `reassigning of partition ${p} does not list its adding and removing replicas among its replicas`
    if (adding.some((id) => removing.includes(id))) return `reassigning of partition ${p} both adds and removes a broker`
    out[p] = {adding: [...adding], removing: [...removing]}
  }
  return out
}
