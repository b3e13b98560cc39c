#!/usr/bin/env node
// The Node limit for `produce --input json`: a hand-written JSON-lines
// RecordBatch v2 encoder, independent of logpipe's code. Reads INPUT in
// large chunks, splits lines with Buffer.indexOf, JSON.parse's each line
// ({key, value, timestamp, headers: [{key, value}]}, the form `consume
// --json` prints; other fields ignored), writes key, value and headers as
// UTF-8 straight into one preallocated ~1 MB batch buffer, and appends each
// batch (CRC-32C over attributes..end) to OUTPUT with one fs.writeSync.
//
//   node bench/baseline-encode-json.mjs INPUT.jsonl OUTPUT.log [BATCH_BYTES]
import {closeSync, openSync, readSync, writeSync} from 'node:fs'
import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)
const {crc32c} = require('@node-rs/crc32')

const [input, output, batchArg] = process.argv.slice(2)
if (!input || !output) {
  process.stderr.write('usage: baseline-encode-json.mjs INPUT.jsonl OUTPUT.log [BATCH_BYTES]\n')
  process.exit(2)
}
const BATCH_BYTES = Number(batchArg ?? 1_000_000)
const HEADER = 61
const MAX_RECORD = 1 << 20
const CHUNK = 4 << 20

const batch = Buffer.allocUnsafe(BATCH_BYTES + 4 * MAX_RECORD + 64)
let pos = HEADER
let count = 0
let baseTimestamp = 0
let maxTimestamp = 0
let nextOffset = 0
let total = 0

function varintSize(z) {
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
/** Zigzag of a safe integer (timestamp deltas may pass 2^31). */
function putVarlong(n) {
  let z = n >= 0 ? n * 2 : -n * 2 - 1
  while (z >= 0x80) {
    batch[pos++] = (z % 128) | 0x80
    z = Math.floor(z / 128)
  }
  batch[pos++] = z
}
function varlongSize(n) {
  let z = n >= 0 ? n * 2 : -n * 2 - 1
  let s = 1
  while (z >= 0x80) {
    z = Math.floor(z / 128)
    s++
  }
  return s
}
const zz = (n) => (n << 1) ^ (n >> 31)
const byteLen = (s) => (s === null || s === undefined ? -1 : Buffer.byteLength(s, 'utf8'))

function addRecord(line) {
  const o = JSON.parse(line)
  const key = o.key ?? null
  const value = o.value ?? null
  const ts = typeof o.timestamp === 'number' ? o.timestamp : Date.now()
  const headers = Array.isArray(o.headers) ? o.headers : []
  if (count === 0) {
    baseTimestamp = ts
    maxTimestamp = ts
  }
  if (ts > maxTimestamp) maxTimestamp = ts
  const kl = byteLen(key)
  const vl = byteLen(value)
  let hbytes = varintSize(zz(headers.length))
  for (const h of headers) {
    const hk = byteLen(h.key)
    const hv = byteLen(h.value)
    hbytes += varintSize(zz(hk)) + hk + varintSize(zz(hv)) + Math.max(hv, 0)
  }
  const delta = ts - baseTimestamp
  const body = 1 + varlongSize(delta) + varintSize(zz(count)) + varintSize(zz(kl)) + Math.max(kl, 0) + varintSize(zz(vl)) + Math.max(vl, 0) + hbytes
  putVarint(zz(body))
  batch[pos++] = 0
  putVarlong(delta)
  putVarint(zz(count))
  putVarint(zz(kl))
  if (kl > 0) pos += batch.write(key, pos, 'utf8')
  putVarint(zz(vl))
  if (vl > 0) pos += batch.write(value, pos, 'utf8')
  putVarint(zz(headers.length))
  for (const h of headers) {
    const hk = byteLen(h.key)
    putVarint(zz(hk))
    pos += batch.write(h.key, pos, 'utf8')
    const hv = byteLen(h.value)
    putVarint(zz(hv))
    if (hv > 0) pos += batch.write(h.value, pos, 'utf8')
  }
  count++
  if (pos - HEADER >= BATCH_BYTES) flushBatch()
}

function flushBatch() {
  if (count === 0) return
  batch.writeBigInt64BE(BigInt(nextOffset), 0)
  batch.writeInt32BE(pos - 12, 8)
  batch.writeInt32BE(0, 12)
  batch[16] = 2
  batch.writeInt16BE(0, 21)
  batch.writeInt32BE(count - 1, 23)
  batch.writeBigInt64BE(BigInt(baseTimestamp), 27)
  batch.writeBigInt64BE(BigInt(maxTimestamp), 35)
  batch.writeBigInt64BE(-1n, 43)
  batch.writeInt16BE(-1, 51)
  batch.writeInt32BE(-1, 53)
  batch.writeInt32BE(count, 57)
  batch.writeUInt32BE(crc32c(batch.subarray(21, pos)) >>> 0, 17)
  writeSync(out, batch, 0, pos)
  nextOffset += count
  total += count
  count = 0
  pos = HEADER
}

const inFd = openSync(input, 'r')
const out = openSync(output, 'a')
const buf = Buffer.allocUnsafe(CHUNK + MAX_RECORD)
let have = 0
for (;;) {
  const n = readSync(inFd, buf, have, CHUNK, null)
  have += n
  let start = 0
  for (let i = buf.indexOf(10, start); i >= 0 && i < have; i = buf.indexOf(10, start)) {
    if (i > start) addRecord(buf.toString('utf8', start, i))
    start = i + 1
  }
  if (n === 0) {
    if (start < have) addRecord(buf.toString('utf8', start, have))
    break
  }
  if (have - start > MAX_RECORD) {
    process.stderr.write(`line ${total + count + 1} is over ${MAX_RECORD} bytes\n`)
    process.exit(1)
  }
  buf.copy(buf, 0, start, have)
  have -= start
}
flushBatch()
closeSync(out)
closeSync(inFd)
if (process.env.BASELINE_REPORT) process.stderr.write(`${total} records\n`)
