/**
 * zstd frames (RFC 8878), as Kafka's ZstdFactory writes them through
 * zstd-jni: one or more frames, skippable frames allowed between them.
 * Written at level 3, Kafka's default compression.zstd.level.
 *
 * Before anything is decompressed the frames are walked by their headers
 * (a few bytes a block), which proves the input whole (zlib in Node 22
 * returns what it has from a truncated frame without complaint) and gives
 * the most the frames can inflate to: a raw or RLE block inflates to its
 * stated size, a compressed block to at most min(window, 128 KiB). When
 * zlib does the work its maxOutputLength bounds it exactly as well; the
 * package used on Node 20 has no limit, so there the walk's bound is the
 * one that keeps a bomb out of memory.
 */
import {CorruptRecordError} from '../../errors.js'
import {type ZstdCodec, zstdCodec} from './addons.js'

const FRAME_MAGIC = 0xfd2fb528
const SKIPPABLE_MASK = 0xfffffff0
const SKIPPABLE_MAGIC = 0x184d2a50
const MAX_BLOCK_SIZE = 128 * 1024
/**
 * How far the frame walk's bound may pass maxSize before frames are refused
 * unread where the decoder has no limit of its own. The walk counts every
 * compressed block at its maximum size, so a small frame of a few blocks
 * "may" inflate to more than a tight bound while it really does not.
 */
const UNBOUNDED_SLACK = 1024 * 1024
/** Kafka's default compression.zstd.level (zstd's own default too). */
const LEVEL = 3

export function zstdCompress(data: Buffer): Buffer {
  return zstdCodec().compress(data, LEVEL)
}

export function zstdDecompress(data: Buffer, maxSize: number): Buffer {
  const codec = zstdCodec()
  const {bound, frames} = walkFrames(data)
  if (!codec.bounded && bound > maxSize + UNBOUNDED_SLACK) {
    throw new CorruptRecordError(`zstd batch may inflate to ${bound} bytes, past the ${maxSize} a batch's records may take`)
  }
  // Frame by frame: zlib in Node 22 stops after the first frame without a word.
  if (frames.length === 1) return decompressFrame(codec, frames[0].start === 0 && frames[0].end === data.length ? data : data.subarray(frames[0].start, frames[0].end), maxSize)
  const out: Buffer[] = []
  let total = 0
  for (const frame of frames) {
    const part = decompressFrame(codec, data.subarray(frame.start, frame.end), maxSize - total)
    total += part.length
    out.push(part)
  }
  return Buffer.concat(out, total)
}

function decompressFrame(codec: ZstdCodec, frame: Buffer, maxSize: number): Buffer {
  let out: Buffer
  try {
    out = codec.decompress(frame, maxSize)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw inflatesPast()
    throw new CorruptRecordError(`zstd batch does not decompress: ${(error as Error).message}`)
  }
  if (out.length > maxSize) throw inflatesPast()
  return out

  function inflatesPast(): CorruptRecordError {
    return new CorruptRecordError(`zstd batch inflates past ${maxSize} bytes, more than a batch's records may take`)
  }
}

export interface ZstdFrames {
  /** The most the frames can inflate to. */
  bound: number
  /** Where each zstd frame lies (skippable frames left out). */
  frames: Array<{start: number; end: number}>
}

/** Checks the frame structure of `data`: where its frames are and the most they can inflate to. */
export function walkFrames(data: Buffer): ZstdFrames {
  let pos = 0
  let bound = 0
  const frames: Array<{start: number; end: number}> = []
  while (pos < data.length) {
    if (pos + 4 > data.length) throw corrupt(`ends inside a frame magic at byte ${pos}`)
    const magic = data.readUInt32LE(pos)
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (pos + 8 > data.length) throw corrupt(`ends inside a skippable frame at byte ${pos}`)
      const size = data.readUInt32LE(pos + 4)
      if (size > data.length - pos - 8) throw corrupt(`skippable frame at byte ${pos} runs past the batch`)
      pos += 8 + size
      continue
    }
    if (magic !== FRAME_MAGIC) throw corrupt(`no zstd frame magic at byte ${pos}`)
    const frame = walkFrame(data, pos + 4)
    bound += frame.bound
    frames.push({start: pos, end: frame.end})
    pos = frame.end
  }
  if (frames.length === 0) throw corrupt('holds no zstd frame')
  return {bound, frames}
}

function walkFrame(data: Buffer, start: number): {bound: number; end: number} {
  let pos = start
  if (pos >= data.length) throw corrupt('ends inside a frame header')
  const descriptor = data[pos++]
  const fcsFlag = descriptor >>> 6
  const singleSegment = (descriptor & 0x20) !== 0
  if (descriptor & 0x08) throw corrupt('frame header has its reserved bit set')
  const hasChecksum = (descriptor & 0x04) !== 0
  const dictIdSize = [0, 1, 2, 4][descriptor & 0x03]
  const fcsSize = fcsFlag === 0 ? (singleSegment ? 1 : 0) : [0, 2, 4, 8][fcsFlag]
  const headerRest = (singleSegment ? 0 : 1) + dictIdSize + fcsSize
  if (pos + headerRest > data.length) throw corrupt('ends inside a frame header')
  let window = Infinity
  if (!singleSegment) {
    const w = data[pos++]
    const base = 2 ** (10 + (w >>> 3))
    window = base + (base / 8) * (w & 0x07)
  }
  pos += dictIdSize
  let contentSize = -1
  if (fcsSize === 1) contentSize = data[pos]
  else if (fcsSize === 2) contentSize = data.readUInt16LE(pos) + 256
  else if (fcsSize === 4) contentSize = data.readUInt32LE(pos)
  else if (fcsSize === 8) contentSize = Number(data.readBigUInt64LE(pos))
  pos += fcsSize
  if (singleSegment) window = contentSize
  const blockMax = Math.min(window, MAX_BLOCK_SIZE)

  let bound = 0
  for (;;) {
    if (pos + 3 > data.length) throw corrupt('ends inside a block header')
    const header = data[pos] | (data[pos + 1] << 8) | (data[pos + 2] << 16)
    pos += 3
    const last = (header & 1) !== 0
    const type = (header >>> 1) & 0x03
    const size = header >>> 3
    if (type === 3) throw corrupt('has a block of the reserved type')
    if (type === 2 && size > blockMax) throw corrupt(`has a compressed block of ${size} bytes, past its ${blockMax}-byte blocks`)
    const stored = type === 1 ? 1 : size
    if (pos + stored > data.length) throw corrupt('ends inside a block')
    bound += type === 2 ? blockMax : size
    pos += stored
    if (last) break
  }
  if (hasChecksum) {
    if (pos + 4 > data.length) throw corrupt('ends inside its content checksum')
    pos += 4
  }
  return {bound: contentSize >= 0 ? Math.min(bound, contentSize) : bound, end: pos}
}

function corrupt(what: string): CorruptRecordError {
  return new CorruptRecordError(`zstd batch ${what}`)
}
