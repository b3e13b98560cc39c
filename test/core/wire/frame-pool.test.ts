import {expect, test} from 'vitest'
import {MemoryArena} from '../../../src/core/codec/memory-arena.js'
import {FramePool, POOLED_MIN} from '../../../src/core/wire/frame-pool.js'

test('a large frame given back is handed out again; a small one is a plain allocation; frameOf finds the frame of a view', () => {
  const arena = new MemoryArena(8 << 20)
  const pool = new FramePool(arena)
  const small = pool.take(100)
  expect(small.buffer).not.toBe(arena.bytes.buffer)
  const a = pool.take(POOLED_MIN + 10)
  expect(a.length).toBe(POOLED_MIN + 10)
  expect(a.buffer).toBe(arena.bytes.buffer)
  const b = pool.take(POOLED_MIN + 20)
  expect(pool.frameOf(a.subarray(50, 60))?.byteOffset).toBe(a.byteOffset)
  expect(pool.frameOf(b.subarray(5))?.byteOffset).toBe(b.byteOffset)
  expect(pool.frameOf(small)).toBe(null)
  pool.give(pool.frameOf(a)!)
  expect(pool.counts).toEqual({lent: 1, blocks: 2})
  // The same memory again, for a frame that fits it.
  const c = pool.take(POOLED_MIN)
  expect(c.byteOffset).toBe(a.byteOffset)
  expect(pool.counts).toEqual({lent: 2, blocks: 2})
})

test('frames never given back stop being pooled after a few, and the arena running out gives plain buffers', () => {
  const pool = new FramePool(new MemoryArena(POOLED_MIN * 2))
  const frames = Array.from({length: 12}, () => pool.take(POOLED_MIN))
  expect(frames.every((f) => f.length === POOLED_MIN)).toBe(true)
  expect(pool.counts.blocks).toBeLessThanOrEqual(8)
  expect(new Set(frames.map((f) => f.buffer)).size).toBeGreaterThan(1)
})
