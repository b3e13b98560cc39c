#!/usr/bin/env node
// The Node limit for `produce`: a minimal hand-written RecordBatch v2 encoder,
// independent of logpipe's code. Reads INPUT in large chunks, splits lines
// with Buffer.indexOf, encodes each ~1 MB batch into one preallocated buffer
// (61-byte header, zigzag-varint records, CRC-32C over attributes..end) and
// appends it to OUTPUT with one fs.writeSync per batch.
//
//   node bench/baseline-encode.mjs INPUT OUTPUT.log [BATCH_BYTES]
import {closeSync, openSync, readSync, writeSync} from 'node:fs'
import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)
const {crc32c} = require('@node-rs/crc32')

const [input, output, batchArg] = process.argv.slice(2)
if (!input || !output) {
  process.stderr.write('usage: baseline-encode.mjs INPUT OUTPUT.log [BATCH_BYTES]\n')
  process.exit(2)
}
const BATCH_BYTES = Number(batchArg ?? 1_000_000)
const HEADER = 61
const MAX_RECORD = 1 << 20 // max.message.bytes: a line longer than this is an error
const CHUNK = 4 << 20

const batch = Buffer.allocUnsafe(BATCH_BYTES + MAX_RECORD + 64)
let pos = HEADER // write position in batch
let count = 0 // records in the current batch
let baseTimestamp = 0
let nextOffset = 0
let total = 0

function varintSize(z) {
  // z: zigzag-encoded, non-negative, < 2^31 here
  if (z < 0x80) return 1
  if (z < 0x4000) return 2
  if (z < 0x200000) return 3
  if (z < 0x10000000) return 4
  return 5
}

function putVarint(z) {
  while (z >= 0x80) {
    batch[pos++] = (z & 0x7f) | 0x80
    z >>>= 7
  }
  batch[pos++] = z
}

const zz = (n) => (n << 1) ^ (n >> 31)

function addRecord(src, start, end) {
  const len = end - start
  if (count === 0) baseTimestamp = Date.now()
  const zOffset = zz(count)
  const zLen = zz(len)
  // attributes(1) + timestampDelta 0 (1) + offsetDelta + key -1 (1) + value length + value + headers 0 (1)
  const body = 1 + 1 + varintSize(zOffset) + 1 + varintSize(zLen) + len + 1
  putVarint(zz(body))
  batch[pos++] = 0 // attributes
  batch[pos++] = 0 // timestampDelta
  putVarint(zOffset)
  batch[pos++] = 1 // key length -1 (null)
  putVarint(zLen)
  pos += src.copy(batch, pos, start, end)
  batch[pos++] = 0 // headers count
  count++
  if (pos - HEADER >= BATCH_BYTES) flushBatch()
}

function flushBatch() {
  if (count === 0) return
  batch.writeBigInt64BE(BigInt(nextOffset), 0) // baseOffset
  batch.writeInt32BE(pos - 12, 8) // batchLength
  batch.writeInt32BE(0, 12) // partitionLeaderEpoch
  batch[16] = 2 // magic
  batch.writeInt16BE(0, 21) // attributes
  batch.writeInt32BE(count - 1, 23) // lastOffsetDelta
  batch.writeBigInt64BE(BigInt(baseTimestamp), 27) // baseTimestamp
  batch.writeBigInt64BE(BigInt(baseTimestamp), 35) // maxTimestamp
  batch.writeBigInt64BE(-1n, 43) // producerId
  batch.writeInt16BE(-1, 51) // producerEpoch
  batch.writeInt32BE(-1, 53) // baseSequence
  batch.writeInt32BE(count, 57) // records count
  batch.writeUInt32BE(crc32c(batch.subarray(21, pos)) >>> 0, 17)
  writeSync(out, batch, 0, pos)
  nextOffset += count
  total += count
  count = 0
  pos = HEADER
}

const inFd = openSync(input, 'r')
const out = openSync(output, 'a')
let buf = Buffer.allocUnsafe(CHUNK + MAX_RECORD)
let have = 0 // bytes in buf, of which [0, have) unconsumed from `start`
for (;;) {
  const n = readSync(inFd, buf, have, CHUNK, null)
  have += n
  let start = 0
  for (let i = buf.indexOf(10, start); i >= 0 && i < have; i = buf.indexOf(10, start)) {
    addRecord(buf, start, i)
    start = i + 1
  }
  if (n === 0) {
    if (start < have) addRecord(buf, start, have) // last line without '\n'
    break
  }
  if (have - start > MAX_RECORD) {
    process.stderr.write(`record ${total + count + 1} is over ${MAX_RECORD} bytes\n`)
    process.exit(1)
  }
  buf.copy(buf, 0, start, have) // keep the partial line
  have -= start
}
flushBatch()
closeSync(out)
closeSync(inFd)
if (process.env.BASELINE_REPORT) process.stderr.write(`${total} records\n`)
