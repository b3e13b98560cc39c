/**
 * A compacted topic read as a table (Kafka's KafkaBasedLog): catch up
 * reads every record from where this reader is to the log end, keeping the
 * last value per key (null for a tombstone); write appends one record.
 * The distributed worker keeps its configs, offsets and statuses in three
 * of these, created when missing as Kafka creates them (compacted; 1, 25
 * and 5 partitions).
 */
import {Admin} from '../../client/admin.js'
import {Consumer} from '../../client/consumer.js'
import type {Producer} from '../../client/producer.js'
import type {TopicWriters} from '../../client/topic-writers.js'
import type {Store} from '../../store/store.js'

export class TopicLog {
  private readonly consumer: Consumer
  private producer: Producer | null = null
  /** Last value per key, in the order keys were last written. */
  readonly table = new Map<string, Buffer | null>()

  constructor(
    store: Store,
    readonly topic: string,
    partitions: number,
    notice: (m: string) => void,
    private readonly writers: TopicWriters,
  ) {
    if (new Admin(store).createTopic(topic, {partitions, config: {'cleanup.policy': 'compact'}}).created) notice(`created topic ${topic} (compacted, ${partitions} partition${partitions === 1 ? '' : 's'})`)
    this.consumer = new Consumer(store, [topic], {offset: {kind: 'beginning'}, onNotice: notice})
  }

  /** Reads what was written since the last call; returns the records read, in log order per partition. */
  catchUp(): {key: string; value: Buffer | null}[] {
    const read: {key: string; value: Buffer | null}[] = []
    for (;;) {
      const {records} = this.consumer.poll((_, r) => {
        const rec = r.toRecord()
        if (rec.key === null) return true
        const key = rec.key.toString('utf8')
        this.table.delete(key)
        this.table.set(key, rec.value)
        read.push({key, value: rec.value})
        return true
      })
      if (records === 0) return read
    }
  }

  async write(key: string, value: string | null): Promise<void> {
    this.producer ??= await this.writers.producer(this.topic)
    await this.producer.send([{key, value}])
  }

  async close(): Promise<void> {
    this.consumer.close()
    await this.producer?.close()
  }
}
