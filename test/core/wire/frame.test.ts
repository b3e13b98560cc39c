import {describe, expect, test} from 'vitest'
import {FrameSizeError} from '../../../src/core/errors.js'
import {FrameSplitter} from '../../../src/core/wire/frame.js'
import {Rng, testSeed} from '../support.js'

function framed(...payloads: Buffer[]): Buffer {
  return Buffer.concat(
    payloads.flatMap((p) => {
      const size = Buffer.alloc(4)
      size.writeInt32BE(p.length)
      return [size, p]
    }),
  )
}

const seed = testSeed()

describe('FrameSplitter', () => {
  test('several frames in one chunk come out whole, as views of the chunk', () => {
    const chunk = framed(Buffer.from('one'), Buffer.from(''), Buffer.from('three'))
    const frames = new FrameSplitter().push(chunk)
    expect(frames.map((f) => f.toString())).toEqual(['one', '', 'three'])
    expect(frames[0].buffer).toBe(chunk.buffer) // no copy
    expect(frames[0].byteOffset).toBe(chunk.byteOffset + 4)
  })

  test(`any split of the stream gives the same frames (seed ${seed})`, () => {
    const rng = new Rng(seed)
    const payloads = Array.from({length: 50}, () => rng.bytes(rng.int(0, 3000)))
    const stream = framed(...payloads)
    for (let round = 0; round < 20; round++) {
      const splitter = new FrameSplitter()
      const out: Buffer[] = []
      for (let pos = 0; pos < stream.length; ) {
        // Chunks from one byte (a size prefix split in four) to several frames.
        const n = Math.min(stream.length - pos, rng.next() < 0.3 ? rng.int(1, 5) : rng.int(1, 8000))
        out.push(...splitter.push(stream.subarray(pos, pos + n)))
        pos += n
      }
      expect(out.length).toBe(payloads.length)
      out.forEach((f, i) => expect(f.equals(payloads[i]), `frame ${i}`).toBe(true))
      expect(splitter.buffered).toBe(0)
    }
  })

  test('a half frame is held and counted until the rest arrives', () => {
    const splitter = new FrameSplitter()
    const stream = framed(Buffer.from('hello world'))
    expect(splitter.push(stream.subarray(0, 2))).toEqual([])
    expect(splitter.buffered).toBe(2)
    expect(splitter.push(stream.subarray(2, 9))).toEqual([])
    expect(splitter.buffered).toBe(9)
    expect(splitter.push(stream.subarray(9)).map(String)).toEqual(['hello world'])
    expect(splitter.buffered).toBe(0)
  })

  test.each([
    ['over the limit', 1025, /over the limit of 1024/],
    ['negative', -1, /negative/],
    ['far over the limit', 0x7fffffff, /over the limit/],
  ])('a size %s is a FrameSizeError before anything is allocated', (_, size, message) => {
    const prefix = Buffer.alloc(4)
    prefix.writeInt32BE(size)
    for (const chunks of [[prefix], [prefix.subarray(0, 3), prefix.subarray(3)]]) {
      const splitter = new FrameSplitter(1024)
      let error: unknown
      try {
        for (const c of chunks) splitter.push(c)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(FrameSizeError)
      expect((error as FrameSizeError).size).toBe(size)
      expect(String((error as Error).message)).toMatch(message)
    }
  })

  test('a frame exactly at the limit is accepted', () => {
    expect(new FrameSplitter(10).push(framed(Buffer.alloc(10, 1)))[0].length).toBe(10)
  })
})

describe('FrameSplitter reads that land where it says (onread)', () => {
  /** A socket whose reads go into whatever readTarget gives, at most `max` bytes each, as the kernel fills a buffer. */
  function readAll(stream: Buffer, scratchBytes: number, sizes: () => number): {frames: Buffer[]; inPlace: number} {
    const splitter = new FrameSplitter()
    const scratch = Buffer.allocUnsafeSlow(scratchBytes)
    const frames: Buffer[] = []
    let inPlace = 0
    for (let pos = 0; pos < stream.length; ) {
      const target = splitter.readTarget(scratch)
      const n = Math.min(target.length, stream.length - pos, sizes())
      stream.copy(target, 0, pos, pos + n)
      if (target !== scratch) inPlace += n
      pos += n
      frames.push(...splitter.filled(target, n, scratch))
      // Whatever came out must not change when scratch is written again.
      scratch.fill(0xee)
    }
    expect(splitter.buffered).toBe(0)
    return {frames, inPlace}
  }

  test(`any read sizes give the same frames, none of them in the reused scratch buffer (seed ${seed})`, () => {
    const rng = new Rng(seed)
    const payloads = Array.from({length: 60}, () => rng.bytes(rng.next() < 0.2 ? rng.int(5000, 40_000) : rng.int(0, 300)))
    const stream = framed(...payloads)
    for (let round = 0; round < 10; round++) {
      const {frames} = readAll(stream, rng.int(8, 4096), () => (rng.next() < 0.3 ? rng.int(1, 5) : rng.int(1, 9000)))
      expect(frames.length).toBe(payloads.length)
      frames.forEach((f, i) => expect(f.equals(payloads[i]), `frame ${i}`).toBe(true))
    }
  })

  test('the rest of a frame larger than the scratch buffer is read into the frame itself', () => {
    const big = Buffer.alloc(100_000, 7)
    const {frames, inPlace} = readAll(framed(big, Buffer.from('x')), 1024, () => 1 << 30)
    expect(frames.map((f) => f.length)).toEqual([100_000, 1])
    expect(frames[0].equals(big)).toBe(true)
    // Only the first scratch-full (the prefix and 1020 bytes) was copied.
    expect(inPlace).toBe(100_000 - 1020)
  })

  test('a size over the limit is refused from the scratch buffer as from a chunk', () => {
    const splitter = new FrameSplitter(10)
    const scratch = Buffer.allocUnsafeSlow(64)
    framed(Buffer.alloc(11)).copy(scratch)
    expect(() => splitter.filled(splitter.readTarget(scratch), 15, scratch)).toThrow(FrameSizeError)
  })
})

test('the allocator of an assembled frame is told how many frames the same push completed before it (the answers its caller has not seen)', () => {
  const calls: Array<[number, number]> = []
  const splitter = new FrameSplitter(undefined, undefined, (size, before) => {
    calls.push([size, before])
    return Buffer.allocUnsafe(size)
  })
  const stream = framed(Buffer.from('a'), Buffer.from('bb'), Buffer.alloc(50, 3))
  // One chunk holds the first two frames whole and the start of the third.
  expect(splitter.push(stream.subarray(0, stream.length - 10)).map(String)).toEqual(['a', 'bb'])
  expect(splitter.push(stream.subarray(stream.length - 10))[0].equals(Buffer.alloc(50, 3))).toBe(true)
  expect(calls).toEqual([[50, 2]])
})
