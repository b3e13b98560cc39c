/**
 * Buffers for the large frames of one reader's answers (a fetch session's
 * Fetch answers), taken back once every batch of an answer has been read,
 * and carved from the consumer's MemoryArena when it has room.
 *
 * Why (`--cpu-prof` and a sampling heap profile of `consume -e` of 1 M
 * 100-byte records through a broker): the answer of each Fetch was a fresh
 * megabyte, and copying each record from it into the output (outside the
 * output's arena) was a `Buffer.copy`, which makes a view object per call:
 * 90 MB of garbage per million records, 3x the file path's scavenges. An
 * answer in the arena is copied with `copyWithin`, allocating nothing.
 *
 * Only what the pool made comes back (`give` ignores any other view), and
 * the pool's user says when: a frame never given back is garbage as before.
 */
import type {MemoryArena} from '../codec/memory-arena.js'

/** Frames smaller than this are cheap to allocate and not pooled. */
export const POOLED_MIN = 256 * 1024
/** Capacities are rounded up to this, so answers of nearly one size share buffers. */
const GRAIN = 64 * 1024
/** Buffers made at most; past this (answers never given back) frames are plain allocations. */
const MAX_BLOCKS = 8

interface Block {
  buf: Buffer
  lent: boolean
}

export class FramePool {
  private readonly blocks: Block[] = []

  constructor(private readonly arena: MemoryArena | null = null) {}

  /** A frame of exactly `size` bytes (contents undefined). */
  take(size: number): Buffer {
    if (size < POOLED_MIN) return Buffer.allocUnsafe(size)
    let best: Block | null = null
    for (const b of this.blocks) if (!b.lent && b.buf.length >= size && (best === null || b.buf.length < best.buf.length)) best = b
    if (best === null) {
      if (this.blocks.length >= MAX_BLOCKS) return Buffer.allocUnsafe(size)
      const capacity = Math.ceil(size / GRAIN) * GRAIN
      best = {buf: this.arena?.take(capacity) ?? Buffer.allocUnsafeSlow(capacity), lent: false}
      this.blocks.push(best)
    }
    best.lent = true
    return best.buf.subarray(0, size)
  }

  /** The pooled frame `view` lies in, if any: the key its user counts readers under. */
  frameOf(view: Buffer): Buffer | null {
    for (const b of this.blocks) {
      if (b.lent && b.buf.buffer === view.buffer && view.byteOffset >= b.buf.byteOffset && view.byteOffset < b.buf.byteOffset + b.buf.length) return b.buf
    }
    return null
  }

  /** Nothing reads `frame` (what frameOf gave) any more: it may be handed out again. */
  give(frame: Buffer): void {
    const b = this.blocks.find((x) => x.buf === frame)
    if (b) b.lent = false
  }

  /** @internal For tests: frames lent out now, and buffers made. */
  get counts(): {lent: number; blocks: number} {
    return {lent: this.blocks.filter((b) => b.lent).length, blocks: this.blocks.length}
  }
}
