#!/usr/bin/env node
// The Node limit for `consume -e`: a minimal hand-written RecordBatch v2
// decoder, independent of logpipe's code. Walks the batches of each segment
// file in large reads, checks each batch's CRC-32C (as a logpipe reader
// does), walks its records and writes value + '\n' to OUTPUT (default
// /dev/null) through one large buffer.
//
//   node bench/baseline-decode.mjs [-o OUTPUT] SEGMENT.log...
import {closeSync, openSync, readSync, writeSync} from 'node:fs'
import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)
const {crc32c} = require('@node-rs/crc32')

const args = process.argv.slice(2)
let output = '/dev/null'
if (args[0] === '-o') {
  output = args[1]
  args.splice(0, 2)
}
if (args.length === 0) {
  process.stderr.write('usage: baseline-decode.mjs [-o OUTPUT] SEGMENT.log...\n')
  process.exit(2)
}

const CHUNK = 8 << 20
const OUT_SIZE = 1 << 20
const out = output === '-' ? 1 : openSync(output, 'w')
const obuf = Buffer.allocUnsafe(OUT_SIZE)
let opos = 0
let records = 0
let batches = 0

function flushOut() {
  let off = 0
  while (off < opos) off += writeSync(out, obuf, off, opos - off)
  opos = 0
}

let buf = Buffer.allocUnsafe(CHUNK)

function decodeBatch(b, start, end) {
  // b[start, end) is one whole batch
  if (b[start + 16] !== 2) throw new Error(`batch at ${start}: magic ${b[start + 16]}`)
  const crc = b.readUInt32BE(start + 17)
  if ((crc32c(b.subarray(start + 21, end)) >>> 0) !== crc) throw new Error(`batch ${batches}: bad CRC`)
  if ((b.readInt16BE(start + 21) & 7) !== 0) throw new Error('compressed batches are not handled by the baseline')
  const n = b.readInt32BE(start + 57)
  let p = start + 61
  for (let r = 0; r < n; r++) {
    // length varint (zigzag)
    let v = 0, shift = 0, x
    do { x = b[p++]; v |= (x & 0x7f) << shift; shift += 7 } while (x & 0x80)
    const recEnd = p + ((v >>> 1) ^ -(v & 1))
    p++ // attributes
    while (b[p++] & 0x80); // timestampDelta varlong
    while (b[p++] & 0x80); // offsetDelta varint
    v = 0; shift = 0
    do { x = b[p++]; v |= (x & 0x7f) << shift; shift += 7 } while (x & 0x80)
    const keyLen = (v >>> 1) ^ -(v & 1)
    if (keyLen > 0) p += keyLen
    v = 0; shift = 0
    do { x = b[p++]; v |= (x & 0x7f) << shift; shift += 7 } while (x & 0x80)
    const valueLen = (v >>> 1) ^ -(v & 1)
    if (valueLen > 0) {
      if (opos + valueLen + 1 > OUT_SIZE) {
        flushOut()
        if (valueLen + 1 > OUT_SIZE) { // a huge value: straight through
          writeSync(out, b, p, valueLen)
          p += valueLen
          obuf[opos++] = 10
          p = recEnd
          records++
          continue
        }
      }
      opos += b.copy(obuf, opos, p, p + valueLen)
    } else if (opos + 1 > OUT_SIZE) flushOut()
    obuf[opos++] = 10
    p = recEnd // skip headers
    records++
  }
  batches++
}

for (const file of args) {
  const fd = openSync(file, 'r')
  let have = 0
  let eof = false
  while (!eof || have > 0) {
    if (!eof) {
      if (have === buf.length) { // one batch larger than the buffer
        const bigger = Buffer.allocUnsafe(buf.length * 2)
        buf.copy(bigger, 0, 0, have)
        buf = bigger
      }
      const n = readSync(fd, buf, have, buf.length - have, null)
      if (n === 0) eof = true
      have += n
    }
    let p = 0
    while (have - p >= 12) {
      const size = 12 + buf.readInt32BE(p + 8)
      if (have - p < size) break
      decodeBatch(buf, p, p + size)
      p += size
    }
    if (eof) break // a short tail is "not yet written"
    buf.copy(buf, 0, p, have)
    have -= p
  }
  closeSync(fd)
}
flushOut()
if (out !== 1) closeSync(out)
if (process.env.BASELINE_REPORT) process.stderr.write(`${records} records in ${batches} batches\n`)
