/**
 * snappy as Kafka's Java client writes it: snappy-java's stream framing
 * ("xerial"), not Google's framing format.
 *
 *   header   8 bytes  0x82 'SNAPPY' 0x00
 *            int32    version (1), int32 compatible version (1), big-endian
 *   blocks   int32    compressed length, big-endian
 *            bytes    one raw snappy block of at most 32 KiB of input
 *
 * Reading accepts that framing and raw snappy (kafkajs, librdkafka and
 * older clients send one raw block), told apart by the magic as
 * snappy-java's SnappyInputStream does. A raw block opens with its
 * uncompressed length as a varint; it is checked against the bound before
 * anything is allocated for it.
 */
import {CorruptRecordError} from '../../errors.js'
import {snappyAddon} from './addons.js'

const MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00])
const HEADER_SIZE = 16
const VERSION = 1
const MIN_COMPATIBLE_VERSION = 1
/** snappy-java's SnappyOutputStream default block size, which Kafka uses. */
const BLOCK_SIZE = 32 * 1024
const COPY = {copyOutputData: true} as const
const UNCOMPRESS = {asBuffer: true, copyOutputData: true} as const

export function snappyCompress(data: Buffer): Buffer {
  const addon = snappyAddon()
  const parts: Buffer[] = []
  const header = Buffer.alloc(HEADER_SIZE)
  MAGIC.copy(header, 0)
  header.writeInt32BE(VERSION, 8)
  header.writeInt32BE(MIN_COMPATIBLE_VERSION, 12)
  parts.push(header)
  let size = HEADER_SIZE
  for (let pos = 0; pos < data.length; pos += BLOCK_SIZE) {
    const block = addon.compressSync(data.subarray(pos, Math.min(pos + BLOCK_SIZE, data.length)), COPY)
    const length = Buffer.allocUnsafe(4)
    length.writeInt32BE(block.length, 0)
    parts.push(length, block)
    size += 4 + block.length
  }
  return Buffer.concat(parts, size)
}

export function snappyDecompress(data: Buffer, maxSize: number): Buffer {
  if (!isXerial(data)) {
    checkRawLength(data, 0, maxSize)
    return uncompress(data)
  }
  const compatible = data.readInt32BE(12)
  if (compatible < MIN_COMPATIBLE_VERSION) throw new CorruptRecordError(`snappy batch's stream version ${compatible} is not supported`)
  const blocks: Buffer[] = []
  let total = 0
  let pos = HEADER_SIZE
  while (pos < data.length) {
    if (pos + 4 > data.length) throw new CorruptRecordError(`snappy batch ends inside a block length at byte ${pos}`)
    const length = data.readInt32BE(pos)
    pos += 4
    if (length < 0 || length > data.length - pos) {
      throw new CorruptRecordError(`snappy block of ${length} bytes at byte ${pos - 4} runs past the batch's ${data.length} bytes`)
    }
    const block = data.subarray(pos, pos + length)
    total += checkRawLength(block, total, maxSize)
    blocks.push(uncompress(block))
    pos += length
  }
  return blocks.length === 1 ? blocks[0] : Buffer.concat(blocks, total)
}

function isXerial(data: Buffer): boolean {
  return data.length >= HEADER_SIZE && data.compare(MAGIC, 0, MAGIC.length, 0, MAGIC.length) === 0
}

/** The raw block's declared uncompressed length, refused before it is allocated when it takes the batch past maxSize. */
function checkRawLength(block: Buffer, before: number, maxSize: number): number {
  let length = 0
  let shift = 0
  for (let i = 0; ; i++) {
    if (i >= block.length || i >= 5) throw new CorruptRecordError('snappy block has no valid length preamble')
    const b = block[i]
    length += (b & 0x7f) * 2 ** shift
    if (b < 0x80) break
    shift += 7
  }
  if (before + length > maxSize) throw new CorruptRecordError(`snappy batch inflates past ${maxSize} bytes, more than a batch's records may take`)
  return length
}

function uncompress(block: Buffer): Buffer {
  try {
    return snappyAddon().uncompressSync(block, UNCOMPRESS)
  } catch (error) {
    throw new CorruptRecordError(`snappy batch does not decompress: ${(error as Error).message}`)
  }
}
