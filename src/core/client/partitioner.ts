/**
 * Kafka's default partitioning: a keyed record goes to
 * toPositive(murmur2(key)) % partitions; unkeyed records stick to one
 * partition for a whole batch, then move to another (the sticky
 * partitioner), which spreads batches without splitting them.
 */
import {murmur2, toPositive} from './murmur2.js'

export function partitionForKey(key: Uint8Array, partitions: number, start = 0, end = key.length): number {
  return toPositive(murmur2(key, start, end)) % partitions
}

export class StickyPartitioner {
  private current: number
  constructor(
    private partitions: number,
    private readonly random: () => number = Math.random,
  ) {
    this.current = Math.floor(this.random() * partitions)
  }

  /** The topic grew: later batches spread over the new count too; the current batch stays where it is. */
  grow(partitions: number): void {
    this.partitions = Math.max(this.partitions, partitions)
  }

  get partition(): number {
    return this.current
  }

  /** Called when the current partition's batch is complete. */
  nextBatch(): number {
    if (this.partitions > 1) {
      const step = 1 + Math.floor(this.random() * (this.partitions - 1))
      this.current = (this.current + step) % this.partitions
    }
    return this.current
  }
}
