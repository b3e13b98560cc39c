/**
 * Replication throttles (Kafka's ReplicationQuotaManager, KIP-73): a bytes/s
 * limit on the replica traffic of the replicas a topic names in
 * leader.replication.throttled.replicas (what a leader sends) and
 * follower.replication.throttled.replicas (what a follower fetches), and
 * only while the follower is out of the ISR, so a reassignment's copy is
 * held back while acks=all writes to in-sync replicas never are.
 *
 * The rates are the broker's: `broker start -X
 * leader.replication.throttled.rate=N`, or set while it runs (as Kafka's
 * dynamic broker configs) in `brokers/<id>.config.json` of the data
 * directory, which `topic reassign --throttle` writes and `--verify`
 * removes once the moves are done; each leadership scan reads it again.
 */
import {existsSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {writeJsonAtomic} from '../store/atomic-write.js'
import {brokersDir} from './registry.js'

export const LEADER_RATE = 'leader.replication.throttled.rate'
export const FOLLOWER_RATE = 'follower.replication.throttled.rate'

export interface ThrottleRates {
  [LEADER_RATE]?: number
  [FOLLOWER_RATE]?: number
}

export const dynamicConfigPath = (dataDir: string, id: number) => join(brokersDir(dataDir), `${id}.config.json`)

/** The rates set for broker `id` while it runs; nothing for a file missing or not as written (said by `onProblem`). */
export function readThrottleRates(dataDir: string, id: number, onProblem?: (message: string) => void): ThrottleRates {
  const path = dynamicConfigPath(dataDir, id)
  let v: unknown
  try {
    v = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') onProblem?.(`${path}: ${(error as Error).message}; its throttles are not applied`)
    return {}
  }
  const out: ThrottleRates = {}
  for (const key of [LEADER_RATE, FOLLOWER_RATE] as const) {
    const n = (v as Record<string, unknown> | null)?.[key]
    if (n === undefined) continue
    if (Number.isSafeInteger(n) && (n as number) >= 1) out[key] = n as number
    else onProblem?.(`${path}: ${key} is ${JSON.stringify(n)}, not a positive integer; not applied`)
  }
  return out
}

/** Sets both rates of broker `id` to `rate` bytes/s (kafka-reassign-partitions --throttle), or removes them (null). */
export function writeThrottleRates(dataDir: string, id: number, rate: number | null): void {
  const path = dynamicConfigPath(dataDir, id)
  if (rate === null) {
    if (existsSync(path)) rmSync(path, {force: true})
    return
  }
  writeJsonAtomic(path, {[LEADER_RATE]: rate, [FOLLOWER_RATE]: rate})
}

/**
 * One direction's limit on this broker, shared by its throttled replicas:
 * a token bucket of one second's bytes. Traffic may overdraw it by one
 * fetch (a batch is never cut); then it waits until the bucket refills.
 */
export class ReplicationQuota {
  private rate_: number
  private tokens: number
  private at: number
  private readonly now: () => number

  constructor(rate: number, now: () => number = Date.now) {
    this.rate_ = rate
    this.tokens = rate
    this.now = now
    this.at = now()
  }

  get rate(): number {
    return this.rate_
  }

  /** A new rate (the dynamic config changed); the bucket is kept within it. */
  setRate(rate: number): void {
    if (rate === this.rate_) return
    this.refill()
    this.rate_ = rate
    this.tokens = Math.min(this.tokens, rate)
  }

  get unlimited(): boolean {
    return this.rate_ >= Number.MAX_SAFE_INTEGER
  }

  private refill(): void {
    const t = this.now()
    this.tokens = Math.min(this.rate_, this.tokens + ((t - this.at) / 1000) * this.rate_)
    this.at = t
  }

  /** Whether throttled traffic may go now. */
  allowed(): boolean {
    if (this.unlimited) return true
    this.refill()
    return this.tokens > 0
  }

  /** `bytes` went. */
  record(bytes: number): void {
    if (this.unlimited) return
    this.refill()
    this.tokens -= bytes
  }

  /** Milliseconds until throttled traffic may go again (0: now). */
  delayMs(): number {
    if (this.unlimited) return 0
    this.refill()
    return this.tokens > 0 ? 0 : Math.ceil((-this.tokens / this.rate_) * 1000) + 1
  }
}
