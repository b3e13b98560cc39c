/**
 * Kafka's murmur2 (Utils.murmur2), the hash of the default partitioner:
 * the partition of a keyed record is toPositive(murmur2(key)) % partitions.
 * Computed over bytes [start, end) so a key inside a stdin chunk needs no copy.
 */
const SEED = 0x9747b28c
const M = 0x5bd1e995

export function murmur2(data: Uint8Array, start = 0, end = data.length): number {
  const length = end - start
  let h = SEED ^ length
  const tail = start + (length & ~3)
  for (let i = start; i < tail; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)
    k = Math.imul(k, M)
    k ^= k >>> 24
    k = Math.imul(k, M)
    h = Math.imul(h, M)
    h ^= k
  }
  // Java's switch falls through from case 3 to case 1.
  const rest = length & 3
  if (rest === 3) h ^= data[tail + 2] << 16
  if (rest >= 2) h ^= data[tail + 1] << 8
  if (rest >= 1) {
    h ^= data[tail]
    h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

export function toPositive(n: number): number {
  return n & 0x7fffffff
}
