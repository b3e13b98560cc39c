/**
 * Kafka Streams' PartitionGroup: the records of a task that reads several
 * partitions (one per source topic, or a pattern's topics) wait in one
 * queue per partition, and the task takes the record with the lowest
 * timestamp among the queues' heads, so records are processed in
 * timestamp order across its inputs, as far as they are buffered.
 *
 * When a queue is empty the task may have to wait for it (KIP-695's
 * max.task.idle.ms): an empty partition that is not read to its end yet
 * (data is on its way) always makes the task wait; one read to its end
 * makes it wait max.task.idle.ms from when it was first seen empty (0,
 * the default: not at all); -1 never waits. Ties go to the partition
 * buffered first. The choice is by the records' own timestamps (a
 * source's timestamp extractor runs when the record is processed).
 */
import type {RawRecord} from './task.js'

interface Queue {
  topic: string
  partition: number
  records: RawRecord[]
  head: number
  /** When it was first seen empty and read to its end, for max.task.idle.ms. */
  idleSince: number | null
}

/** Kafka's buffered.records.per.partition: a partition with this many waiting is not read until they are processed. */
export const BUFFERED_RECORDS_PER_PARTITION = 1000

export class PartitionGroup {
  private readonly queues = new Map<string, Queue>()
  private buffered = 0

  constructor(private readonly maxTaskIdleMs: number) {}

  add(record: RawRecord): void {
    const q = this.queue(record.topic, record.partition)
    q.records.push(record)
    q.idleSince = null
    this.buffered++
  }

  /** The partition is the task's input even while nothing of it is buffered (it is waited for). */
  queue(topic: string, partition: number): Queue {
    const key = `${topic}\0${partition}`
    let q = this.queues.get(key)
    if (!q) this.queues.set(key, (q = {topic, partition, records: [], head: 0, idleSince: null}))
    return q
  }

  /** Records waiting in all queues. */
  get size(): number {
    return this.buffered
  }

  sizeOf(topic: string, partition: number): number {
    const q = this.queues.get(`${topic}\0${partition}`)
    return q ? q.records.length - q.head : 0
  }

  /** The offset of the partition's first record not processed yet: where a commit must stop. */
  firstBufferedOffset(topic: string, partition: number): number | null {
    const q = this.queues.get(`${topic}\0${partition}`)
    return q && q.head < q.records.length ? q.records[q.head].offset : null
  }

  /** The partition left the task (revoked): its waiting records are the next owner's to read again. */
  drop(topic: string, partition: number): void {
    const key = `${topic}\0${partition}`
    const q = this.queues.get(key)
    if (!q) return
    this.buffered -= q.records.length - q.head
    this.queues.delete(key)
  }

  /**
   * The next record to process, or null when the task must wait (or has
   * nothing). `readToEnd` says whether an empty partition has nothing more
   * to read now.
   */
  next(now: number, readToEnd: (topic: string, partition: number) => boolean): RawRecord | null {
    if (this.buffered === 0) return null
    let best: Queue | null = null
    for (const q of this.queues.values()) {
      if (q.head < q.records.length) {
        if (best === null || q.records[q.head].timestamp < best.records[best.head].timestamp) best = q
        continue
      }
      if (this.maxTaskIdleMs < 0) continue
      if (!readToEnd(q.topic, q.partition)) return null
      if (this.maxTaskIdleMs === 0) continue
      q.idleSince ??= now
      if (now - q.idleSince < this.maxTaskIdleMs) return null
    }
    if (best === null) return null
    const record = best.records[best.head++]
    this.buffered--
    if (best.head === best.records.length) {
      best.records = []
      best.head = 0
    } else if (best.head > 4096 && best.head * 2 > best.records.length) {
      best.records = best.records.slice(best.head)
      best.head = 0
    }
    return record
  }
}
