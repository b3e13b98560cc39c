/**
 * A plain (groupless) consumer through a broker: the named topics' and the
 * pattern's partitions, started where -o says (ListOffsets), fed by Fetch.
 * With a pattern (--include) the broker's topics are listed again every
 * metadata.max.age.ms, as Kafka's consumer refreshes its metadata: a topic
 * created since, or a partition added, is read from its start, as the file
 * path reads them (every record in it came after the consumer started).
 */
import type {MemoryArena} from '../codec/memory-arena.js'
import {LogpipeError, UsageError} from '../errors.js'
import type {OffsetSpec} from '../log/offset-spec.js'
import {ErrorCode} from '../wire/error-codes.js'
import {Consumer, type ConsumedRecord} from './consumer.js'
import {FetchSession} from './fetch-session.js'
import type {KafkaClient} from './kafka-client.js'
import {DEFAULT_METADATA_MAX_AGE_MS} from './wire-group-member.js'
import {WireAdmin} from './wire-admin.js'

export interface BrokerConsumerOptions {
  topics: string[]
  include?: RegExp
  partitions?: number[]
  start: OffsetSpec
  stopAtTimestamp?: number
  arena?: MemoryArena
  onNotice?: (message: string) => void
  metadataMaxAgeMs?: number
}

export class BrokerConsumer {
  readonly consumer: Consumer
  private readonly client: KafkaClient
  private readonly session: FetchSession
  private readonly options: BrokerConsumerOptions
  /** Partitions read of each topic. */
  private readonly known = new Map<string, number>()
  private timer: NodeJS.Timeout | null = null
  private closed = false

  private constructor(client: KafkaClient, session: FetchSession, options: BrokerConsumerOptions) {
    this.client = client
    this.session = session
    this.options = options
    this.consumer = new Consumer(null, [], {manual: true, partitionFactory: session, onNotice: options.onNotice, arena: options.arena, stopAtTimestamp: options.stopAtTimestamp})
  }

  static async open(client: KafkaClient, session: FetchSession, options: BrokerConsumerOptions): Promise<BrokerConsumer> {
    const c = new BrokerConsumer(client, session, options)
    const admin = new WireAdmin(client)
    const topics = new Set(options.topics)
    for (const t of options.include ? await c.matching() : []) topics.add(t)
    for (const topic of [...topics].sort()) {
      const count = (await admin.describeTopic(topic)).partitions.length
      const ps = options.partitions ? [...new Set(options.partitions)] : Array.from({length: count}, (_, p) => p)
      for (const p of ps) {
        if (p >= count) throw new UsageError(`-p/--partition ${p} does not exist: topic '${topic}' has partitions 0..${count - 1}`)
      }
      const offsets = await session.resolve(topic, ps, options.start)
      ps.forEach((p, i) => c.consumer.assign(topic, p, offsets[i]))
      c.known.set(topic, count)
    }
    if (options.include) c.schedule()
    return c
  }

  private async matching(): Promise<string[]> {
    const meta = await this.client.retrying(() => this.client.metadata(null))
    return [...meta.topics.values()].filter((t) => t.errorCode === ErrorCode.NONE && !t.isInternal && this.options.include!.test(t.name)).map((t) => t.name)
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.refresh()
        .catch((error: Error) => this.options.onNotice?.(`metadata refresh failed: ${error.message}`))
        .finally(() => {
          if (!this.closed) this.schedule()
        })
    }, this.options.metadataMaxAgeMs ?? DEFAULT_METADATA_MAX_AGE_MS)
    this.timer.unref()
  }

  /** New topics of the pattern, and new partitions of those read, from their start. */
  private async refresh(): Promise<void> {
    const meta = await this.client.retrying(() => this.client.metadata(null))
    for (const t of [...meta.topics.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (this.closed || t.errorCode !== ErrorCode.NONE || t.isInternal) continue
      const had = this.known.get(t.name)
      if (had === undefined && !this.options.include!.test(t.name)) continue
      const from = had ?? 0
      if (t.partitions.length <= from) continue
      const ps = Array.from({length: t.partitions.length - from}, (_, i) => from + i)
      const bounds = await this.session.logBounds(t.name, ps)
      if (this.closed) return
      this.known.set(t.name, t.partitions.length)
      ps.forEach((p, i) => this.consumer.assign(t.name, p, bounds[i].start))
      this.options.onNotice?.(had === undefined ? `reading topic ${t.name} (${ps.length} partitions), which matches --include` : `reading the partitions added to topic ${t.name} (${ps.join(', ')})`)
    }
  }

  close(): void {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
  }
}

/** How long a record read back through a broker may take to come (the broker answers at once; this bounds a broker that does not). */
const READ_BACK_MS = 30_000

/** Reads one record back through a broker (for the dead-letter topic of --exec-stream, which kept no copy of it). */
export async function readBackThrough(client: KafkaClient, topic: string, partition: number, offset: number): Promise<Partial<ConsumedRecord>> {
  const session = new FetchSession(client)
  const c = new Consumer(null, [], {manual: true, partitionFactory: session})
  try {
    const [at] = await session.resolve(topic, [partition], {kind: 'absolute', offset})
    c.assign(topic, partition, at)
    let found: Partial<ConsumedRecord> | null = null
    const deadline = Date.now() + READ_BACK_MS
    while (!found && at === offset && Date.now() < deadline) {
      c.poll((_a, r) => {
        if (r.offset === offset) found = r.toRecord()
        return r.offset < offset
      })
      if (!found && c.allAtEnd) break
      if (!found) await c.waitForData(100)
    }
    if (!found) throw new LogpipeError(`offset ${offset} is no longer in the log`)
    return found
  } finally {
    c.close()
    session.close()
  }
}
