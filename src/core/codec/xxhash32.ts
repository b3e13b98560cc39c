/**
 * XXH32, the checksum of the LZ4 frame format (its header checksum byte and
 * the optional block checksums). The inputs it sees are a frame descriptor
 * of 2 or 10 bytes and, rarely, a block of at most 4 MiB, so plain
 * JavaScript is fast enough and saves an addon.
 */
const P1 = 0x9e3779b1
const P2 = 0x85ebca77
const P3 = 0xc2b2ae3d
const P4 = 0x27d4eb2f
const P5 = 0x165667b1

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r))
}

function round(acc: number, lane: number): number {
  return Math.imul(rotl((acc + Math.imul(lane, P2)) | 0, 13), P1)
}

/** XXH32 of data[start, end) with the given seed, as an unsigned 32-bit number. */
export function xxhash32(data: Uint8Array, start = 0, end = data.length, seed = 0): number {
  let p = start
  let h: number
  if (end - start >= 16) {
    let v1 = (seed + P1 + P2) | 0
    let v2 = (seed + P2) | 0
    let v3 = seed | 0
    let v4 = (seed - P1) | 0
    const limit = end - 16
    while (p <= limit) {
      v1 = round(v1, readLE32(data, p))
      v2 = round(v2, readLE32(data, p + 4))
      v3 = round(v3, readLE32(data, p + 8))
      v4 = round(v4, readLE32(data, p + 12))
      p += 16
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0
  } else {
    h = (seed + P5) | 0
  }
  h = (h + (end - start)) | 0
  while (p + 4 <= end) {
    h = Math.imul(rotl((h + Math.imul(readLE32(data, p), P3)) | 0, 17), P4)
    p += 4
  }
  while (p < end) {
    h = Math.imul(rotl((h + Math.imul(data[p], P5)) | 0, 11), P1)
    p++
  }
  h ^= h >>> 15
  h = Math.imul(h, P2)
  h ^= h >>> 13
  h = Math.imul(h, P3)
  h ^= h >>> 16
  return h >>> 0
}

function readLE32(data: Uint8Array, p: number): number {
  return data[p] | (data[p + 1] << 8) | (data[p + 2] << 16) | (data[p + 3] << 24)
}
