/**
 * lz4 in the LZ4 frame format, as Kafka's KafkaLZ4BlockOutputStream writes
 * it and KafkaLZ4BlockInputStream reads it:
 *
 *   magic      int32 LE  0x184D2204
 *   FLG        1 byte    version 01, independent blocks, [block checksums],
 *                        [content size], [content checksum]
 *   BD         1 byte    block maximum size: 4=64 KiB .. 7=4 MiB
 *   [content size]  8 bytes LE, when FLG says so
 *   HC         1 byte    (XXH32 of FLG..content size >> 8) & 0xFF
 *   blocks     int32 LE  size, high bit set = stored uncompressed
 *              bytes     the block; [XXH32 of it, when FLG says so]
 *   end mark   int32     0, then [content checksum], which Kafka skips
 *
 * Written as Kafka does: 64 KiB blocks, no checksums or content size, a
 * block stored raw when compressing does not shrink it. The header checksum
 * is the correct one; Kafka's broken variant (XXH32 over the magic too)
 * only ever applied to magic v0/v1 message sets, never to RecordBatch v2.
 * Each block decodes into at most the block maximum size, and the running
 * total is checked against the bound before the next block, so a frame
 * cannot inflate past it.
 */
import {xxhash32} from '../../codec/xxhash32.js'
import {CorruptRecordError} from '../../errors.js'
import {lz4Addon} from './addons.js'

const MAGIC = 0x184d2204
const FLG_VERSION = 0x40
const FLG_BLOCK_INDEPENDENCE = 0x20
const FLG_BLOCK_CHECKSUM = 0x10
const FLG_CONTENT_SIZE = 0x08
const BD_64KB = 4 << 4
const INCOMPRESSIBLE = 0x80000000
const WRITE_BLOCK_SIZE = 64 * 1024

const WRITE_HEADER = (() => {
  const header = Buffer.alloc(7)
  header.writeUInt32LE(MAGIC, 0)
  header[4] = FLG_VERSION | FLG_BLOCK_INDEPENDENCE
  header[5] = BD_64KB
  header[6] = (xxhash32(header, 4, 6) >>> 8) & 0xff
  return header
})()

export function lz4Compress(data: Buffer): Buffer {
  const addon = lz4Addon()
  const parts: Buffer[] = [WRITE_HEADER]
  let size = WRITE_HEADER.length
  for (let pos = 0; pos < data.length; pos += WRITE_BLOCK_SIZE) {
    const input = data.subarray(pos, Math.min(pos + WRITE_BLOCK_SIZE, data.length))
    // The addon prefixes the block with its uncompressed length; the frame has its own block header.
    const compressed = addon.compressSync(input).subarray(4)
    const stored = compressed.length >= input.length
    const block = stored ? input : compressed
    const blockHeader = Buffer.allocUnsafe(4)
    blockHeader.writeUInt32LE((block.length | (stored ? INCOMPRESSIBLE : 0)) >>> 0, 0)
    parts.push(blockHeader, block)
    size += 4 + block.length
  }
  parts.push(Buffer.alloc(4)) // end mark
  return Buffer.concat(parts, size + 4)
}

export function lz4Decompress(data: Buffer, maxSize: number): Buffer {
  if (data.length < 7) throw corrupt(`frame of ${data.length} bytes is shorter than its header`)
  if (data.readUInt32LE(0) !== MAGIC) throw corrupt('frame does not start with the LZ4 frame magic')
  const flg = data[4]
  const bd = data[5]
  if ((flg & 0xc0) !== FLG_VERSION) throw corrupt(`frame version ${flg >>> 6} is not supported`)
  if ((flg & 0x03) !== 0 || (bd & 0x8f) !== 0) throw corrupt('frame descriptor has reserved bits set')
  if ((flg & FLG_BLOCK_INDEPENDENCE) === 0) throw corrupt('frame uses dependent blocks, which Kafka does not support')
  const blockMax = 1 << (2 * (bd >>> 4) + 8)
  if (bd >>> 4 < 4) throw corrupt(`frame block size code ${bd >>> 4} is not 4..7`)
  let pos = 6
  if (flg & FLG_CONTENT_SIZE) {
    if (data.length < pos + 9) throw corrupt('frame ends inside its content size')
    const declared = Number(data.readBigUInt64LE(pos))
    if (declared > maxSize) throw inflatesPast(maxSize)
    pos += 8
  }
  if (data[pos] !== ((xxhash32(data, 4, pos) >>> 8) & 0xff)) throw corrupt('frame descriptor checksum does not match')
  pos++

  const addon = lz4Addon()
  const blockChecksums = (flg & FLG_BLOCK_CHECKSUM) !== 0
  const out: Buffer[] = []
  let total = 0
  let scratch: Buffer | undefined
  for (;;) {
    if (pos + 4 > data.length) throw corrupt('frame ends before its end mark')
    const word = data.readUInt32LE(pos)
    pos += 4
    const size = word & 0x7fffffff
    if (size === 0) break // end mark; a content checksum may follow, which Kafka skips too
    if (size > blockMax) throw corrupt(`block of ${size} bytes exceeds the frame's ${blockMax}-byte blocks`)
    if (pos + size + (blockChecksums ? 4 : 0) > data.length) throw corrupt('frame ends inside a block')
    if (blockChecksums && xxhash32(data, pos, pos + size) !== data.readUInt32LE(pos + size)) {
      throw corrupt(`block checksum does not match at byte ${pos - 4}`)
    }
    let block: Buffer
    if (word & INCOMPRESSIBLE) {
      block = data.subarray(pos, pos + size)
    } else {
      // The addon wants the output capacity in front of the block, and allocates all of it:
      // no more than the block can decode to (a byte of LZ4 yields at most 255).
      scratch = scratch && scratch.length >= size + 4 ? scratch : Buffer.allocUnsafe(Math.max(size + 4, 4096))
      scratch.writeUInt32LE(Math.min(blockMax, size * 255 + 64), 0)
      data.copy(scratch, 4, pos, pos + size)
      try {
        block = addon.uncompressSync(scratch.subarray(0, size + 4))
      } catch (error) {
        throw corrupt(`block at byte ${pos - 4} does not decompress: ${(error as Error).message}`)
      }
    }
    total += block.length
    if (total > maxSize) throw inflatesPast(maxSize)
    out.push(block)
    pos += size + (blockChecksums ? 4 : 0)
  }
  return out.length === 1 ? out[0] : Buffer.concat(out, total)
}

function corrupt(what: string): CorruptRecordError {
  return new CorruptRecordError(`lz4 batch: ${what}`)
}

function inflatesPast(maxSize: number): CorruptRecordError {
  return new CorruptRecordError(`lz4 batch inflates past ${maxSize} bytes, more than a batch's records may take`)
}
