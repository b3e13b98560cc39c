#!/usr/bin/env node
// The Node limit for keyed `produce -K:`: a minimal hand-written keyed
// RecordBatch v2 encoder, independent of logpipe's code. Lines `KEY:VALUE`
// go to partition toPositive(murmur2(KEY)) % PARTITIONS (Kafka's default
// partitioner); each partition fills its own ~BATCH_BYTES batch buffer
// (61-byte header, zigzag-varint records, CRC-32C over attributes..end),
// appended to DIR/<p>/00000000000000000000.log with one writeSync per batch.
// No locks, no indexes: what is left when everything but the work is cut.
//
//   node bench/baseline-encode-keyed.mjs INPUT TOPIC_DIR PARTITIONS [BATCH_BYTES]
import {closeSync, openSync, readSync, writeSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join} from 'node:path'

const require = createRequire(import.meta.url)
const {crc32c} = require('@node-rs/crc32')

const [input, dir, partsArg, batchArg] = process.argv.slice(2)
if (!input || !dir || !partsArg) {
  process.stderr.write('usage: baseline-encode-keyed.mjs INPUT TOPIC_DIR PARTITIONS [BATCH_BYTES]\n')
  process.exit(2)
}
const PARTITIONS = Number(partsArg)
const BATCH_BYTES = Number(batchArg ?? 1_000_000)
const HEADER = 61
const MAX_RECORD = 1 << 20
const CHUNK = 4 << 20
const SEP = 58 // ':'

/** Kafka's murmur2 (Utils.murmur2: seed 0x9747b28c, m 0x5bd1e995, r 24) over buf[start, end). */
function murmur2(buf, start, end) {
  const len = end - start
  const m = 0x5bd1e995
  let h = (0x9747b28c ^ len) | 0
  let i = start
  for (; i + 4 <= end; i += 4) {
    let k = buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24)
    k = Math.imul(k, m)
    k ^= k >>> 24
    k = Math.imul(k, m)
    h = Math.imul(h, m) ^ k
  }
  switch (end - i) {
    case 3:
      h ^= buf[i + 2] << 16
    // falls through
    case 2:
      h ^= buf[i + 1] << 8
    // falls through
    case 1:
      h ^= buf[i]
      h = Math.imul(h, m)
  }
  h ^= h >>> 13
  h = Math.imul(h, m)
  h ^= h >>> 15
  return h
}

const parts = Array.from({length: PARTITIONS}, (_, p) => ({
  buf: Buffer.allocUnsafe(BATCH_BYTES + MAX_RECORD + 64),
  pos: HEADER,
  count: 0,
  baseTimestamp: 0,
  nextOffset: 0,
  fd: openSync(join(dir, String(p), '00000000000000000000.log'), 'a'),
}))

function varintSize(z) {
  if (z < 0x80) return 1
  if (z < 0x4000) return 2
  if (z < 0x200000) return 3
  if (z < 0x10000000) return 4
  return 5
}

function putVarint(b, pos, z) {
  while (z >= 0x80) {
    b[pos++] = (z & 0x7f) | 0x80
    z >>>= 7
  }
  b[pos++] = z
  return pos
}

const zz = (n) => (n << 1) ^ (n >> 31)

function addRecord(src, start, end) {
  const sep = src.indexOf(SEP, start)
  const keyEnd = sep >= 0 && sep < end ? sep : -1
  const p = keyEnd < 0 ? 0 : (murmur2(src, start, keyEnd) & 0x7fffffff) % PARTITIONS
  const part = parts[p]
  const b = part.buf
  const keyLen = keyEnd < 0 ? -1 : keyEnd - start
  const vStart = keyEnd < 0 ? start : keyEnd + 1
  const vLen = end - vStart
  if (part.count === 0) part.baseTimestamp = Date.now()
  const zOffset = zz(part.count)
  const keyPart = keyLen < 0 ? 1 : varintSize(zz(keyLen)) + keyLen
  const body = 1 + 1 + varintSize(zOffset) + keyPart + varintSize(zz(vLen)) + vLen + 1
  let pos = putVarint(b, part.pos, zz(body))
  b[pos++] = 0 // attributes
  b[pos++] = 0 // timestampDelta
  pos = putVarint(b, pos, zOffset)
  if (keyLen < 0) b[pos++] = 1
  else {
    pos = putVarint(b, pos, zz(keyLen))
    pos += src.copy(b, pos, start, keyEnd)
  }
  pos = putVarint(b, pos, zz(vLen))
  pos += src.copy(b, pos, vStart, end)
  b[pos++] = 0 // headers count
  part.pos = pos
  part.count++
  if (pos - HEADER >= BATCH_BYTES) flushBatch(part)
}

function flushBatch(part) {
  if (part.count === 0) return
  const b = part.buf
  b.writeBigInt64BE(BigInt(part.nextOffset), 0)
  b.writeInt32BE(part.pos - 12, 8)
  b.writeInt32BE(0, 12)
  b[16] = 2
  b.writeInt16BE(0, 21)
  b.writeInt32BE(part.count - 1, 23)
  b.writeBigInt64BE(BigInt(part.baseTimestamp), 27)
  b.writeBigInt64BE(BigInt(part.baseTimestamp), 35)
  b.writeBigInt64BE(-1n, 43)
  b.writeInt16BE(-1, 51)
  b.writeInt32BE(-1, 53)
  b.writeInt32BE(part.count, 57)
  b.writeUInt32BE(crc32c(b.subarray(21, part.pos)) >>> 0, 17)
  writeSync(part.fd, b, 0, part.pos)
  part.nextOffset += part.count
  part.count = 0
  part.pos = HEADER
}

const inFd = openSync(input, 'r')
const buf = Buffer.allocUnsafe(CHUNK + MAX_RECORD)
let have = 0
for (;;) {
  const n = readSync(inFd, buf, have, CHUNK, null)
  have += n
  let start = 0
  for (let i = buf.indexOf(10, start); i >= 0 && i < have; i = buf.indexOf(10, start)) {
    addRecord(buf, start, i)
    start = i + 1
  }
  if (n === 0) {
    if (start < have) addRecord(buf, start, have)
    break
  }
  buf.copy(buf, 0, start, have)
  have -= start
}
for (const part of parts) {
  flushBatch(part)
  closeSync(part.fd)
}
closeSync(inFd)
