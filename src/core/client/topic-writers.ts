/**
 * Producers for a long-running process beside a store (a Connect worker):
 * on the files, or through the data directory's live broker while one
 * runs (live-broker.ts says why).
 */
import type {Clock} from '../clock.js'
import type {Store} from '../store/store.js'
import type {KafkaClient} from './kafka-client.js'
import {connectLiveBroker} from './live-broker.js'
import {Producer, type ProducerOptions} from './producer.js'
import type {ProduceSenderOptions} from './produce-sender.js'

export interface TopicWritersOptions {
  clock?: Clock
  onNotice?: (message: string) => void
  /** How batches sent through a broker are acknowledged (default: acks=all, idempotent, as Kafka Connect's producers). */
  sender?: ProduceSenderOptions
}

/**
 * The broker is looked for again at each new producer until one is
 * found, so a worker started before its broker goes through it from the
 * next producer on (a task restarted, a topic first written).
 */
export class TopicWriters {
  private client: KafkaClient | null = null
  private closed = false

  constructor(
    private readonly store: Store,
    private readonly options: TopicWritersOptions = {},
  ) {}

  /** A producer of `topic` (which exists): through the live broker when there is one, else on the files. */
  async producer(topic: string, options: Omit<ProducerOptions, 'remote' | 'clock' | 'onNotice'> = {}): Promise<Producer> {
    const base = {...options, clock: this.options.clock, onNotice: this.options.onNotice}
    const client = await this.broker()
    if (client === null) return new Producer(this.store, topic, base)
    const {ProduceSender} = await import('./produce-sender.js')
    const meta = await client.retrying(() => client.topic(topic))
    const sender = new ProduceSender(client, {acks: -1, idempotent: true, ...this.options.sender})
    return new Producer(null, topic, {...base, remote: {partitions: meta.partitions.length, sender}})
  }

  /** Whether writes go through a broker now (as far as the last look found). */
  get throughBroker(): boolean {
    return this.client !== null
  }

  private async broker(): Promise<KafkaClient | null> {
    if (this.closed) throw new TypeError('TopicWriters used after close')
    if (this.client === null) {
      this.client = await connectLiveBroker(this.store.dataDir, {}, this.options.clock)
      if (this.client) this.options.onNotice?.(`a broker serves ${this.store.dataDir}: writing through it`)
    }
    return this.client
  }

  /** Closes the broker connection; producers made from it are closed first by their owners. */
  close(): void {
    this.closed = true
    this.client?.close()
    this.client = null
  }
}
