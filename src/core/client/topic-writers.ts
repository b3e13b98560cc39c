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
import type {ProduceSender} from './produce-sender.js'

export type WriterProducerOptions = Omit<ProducerOptions, 'remote' | 'clock' | 'onNotice'>

export interface TopicWritersOptions {
  clock?: Clock
  onNotice?: (message: string) => void
  /** Told once, when a live broker is found (a Connect worker says so; a Streams app, like Kafka's, says nothing). */
  onBroker?: (message: string) => void
}

/**
 * The broker is looked for again at each refresh until one is found, so a
 * worker started before its broker goes through it from the next producer
 * on (a task restarted, a topic first written).
 */
export class TopicWriters {
  private client: KafkaClient | null = null
  private Sender: typeof ProduceSender | null = null
  private closed = false

  constructor(
    private readonly store: Store,
    private readonly options: TopicWritersOptions = {},
  ) {}

  /** A producer of `topic` (which exists), after looking for the broker again. */
  async producer(topic: string, options: WriterProducerOptions = {}): Promise<Producer> {
    await this.refresh()
    return this.producerNow(topic, options)
  }

  /**
   * A producer of `topic` (which exists), for a caller that cannot wait
   * (the Streams record collector): through the broker the last refresh
   * found, else on the files. The partition count is the topic file's, the
   * one the broker serves; the sender asks the broker again as it goes.
   * Sent as Kafka Connect's producers send: acks=all, idempotent.
   */
  producerNow(topic: string, options: WriterProducerOptions = {}): Producer {
    if (this.closed) throw new TypeError('TopicWriters used after close')
    const base = {...options, clock: this.options.clock, onNotice: this.options.onNotice}
    if (this.client === null || this.Sender === null) return new Producer(this.store, topic, base)
    const sender = new this.Sender(this.client, {acks: -1, idempotent: true})
    return new Producer(null, topic, {...base, remote: {partitions: this.store.readTopic(topic).partitions, sender}})
  }

  /** Looks for the data directory's live broker, unless one was found already. */
  async refresh(): Promise<void> {
    if (this.closed) throw new TypeError('TopicWriters used after close')
    if (this.client !== null) return
    const client = await connectLiveBroker(this.store.dataDir, {}, this.options.clock)
    if (client === null) return
    this.Sender = (await import('./produce-sender.js')).ProduceSender
    this.client = client
    this.options.onBroker?.(`a broker serves ${this.store.dataDir}: writing through it`)
  }

  /** Whether writes go through a broker (as far as the last refresh found). */
  get throughBroker(): boolean {
    return this.client !== null
  }

  /** Closes the broker connection; the owners of its producers close them first. */
  close(): void {
    this.closed = true
    this.client?.close()
    this.client = null
  }
}
