#!/usr/bin/env node
// The Node limit for `consume -f '%p %o %k %s\n'` and `consume --json`: a
// hand-written RecordBatch v2 decoder and formatter, independent of
// logpipe's code. Walks the batches of each segment file in large reads,
// checks each batch's CRC-32C (as a logpipe reader does), and writes every
// record through one 1 MiB buffer, digits and JSON escapes written as bytes:
//
//   fmt   PARTITION OFFSET KEY VALUE\n                  (kcat's '%p %o %k %s\n')
//   json  {"topic":T,"partition":P,"offset":O,"timestamp":TS,"key":K,"value":V,"headers":[...]}\n
//
// json escapes '"', '\' and control bytes; a key or value with bytes above
// 0x7f goes through JSON.stringify (rare in the bench, there for honesty).
//
//   node bench/baseline-format.mjs fmt|json [-t TOPIC] [-p PARTITION] [-o OUTPUT] SEGMENT.log...
import {closeSync, openSync, readSync, writeSync} from 'node:fs'
import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)
const {crc32c} = require('@node-rs/crc32')

const args = process.argv.slice(2)
const mode = args.shift()
let output = '/dev/null'
let topic = 't'
let partition = 0
while (args[0]?.startsWith('-')) {
  const [flag, value] = args.splice(0, 2)
  if (flag === '-o') output = value
  else if (flag === '-t') topic = value
  else if (flag === '-p') partition = Number(value)
}
if ((mode !== 'fmt' && mode !== 'json') || args.length === 0) {
  process.stderr.write('usage: baseline-format.mjs fmt|json [-t TOPIC] [-p PARTITION] [-o OUTPUT] SEGMENT.log...\n')
  process.exit(2)
}
const json = mode === 'json'

const CHUNK = 8 << 20
const OUT_SIZE = 1 << 20
const out = output === '-' ? 1 : openSync(output, 'w')
const obuf = Buffer.allocUnsafe(OUT_SIZE)
let opos = 0
let records = 0

function flushOut() {
  let off = 0
  while (off < opos) off += writeSync(out, obuf, off, opos - off)
  opos = 0
}

/** Room for n more bytes. */
function room(n) {
  if (opos + n <= OUT_SIZE) return
  flushOut()
  if (n > OUT_SIZE) throw new Error('record larger than the output buffer: not handled by the baseline')
}

function putBytes(s) {
  for (let i = 0; i < s.length; i++) obuf[opos++] = s[i]
}

/** Decimal digits of a non-negative safe integer. */
function putInt(n) {
  if (n < 10) {
    obuf[opos++] = 48 + n
    return
  }
  let digits = 1
  for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++
  let p = opos + digits
  opos = p
  while (n >= 10) {
    const q = Math.floor(n / 10)
    obuf[--p] = 48 + (n - q * 10)
    n = q
  }
  obuf[--p] = 48 + n
}

const HEX = Buffer.from('0123456789abcdef')
/** A JSON string of b[start, end), quotes included; the caller made room for 6 bytes per byte + 2. */
function putJsonString(b, start, end) {
  obuf[opos++] = 34
  let run = start
  for (let i = start; i < end; i++) {
    const c = b[i]
    if (c >= 0x20 && c !== 34 && c !== 92 && c < 0x80) continue
    if (c >= 0x80) {
      opos-- // back to before the opening quote
      opos += obuf.write(JSON.stringify(b.toString('utf8', start, end)), opos)
      return
    }
    opos += b.copy(obuf, opos, run, i)
    obuf[opos++] = 92
    if (c === 34 || c === 92) obuf[opos++] = c
    else if (c === 10) obuf[opos++] = 110
    else if (c === 9) obuf[opos++] = 116
    else if (c === 13) obuf[opos++] = 114
    else if (c === 8) obuf[opos++] = 98
    else if (c === 12) obuf[opos++] = 102
    else {
      obuf[opos++] = 117
      obuf[opos++] = 48
      obuf[opos++] = 48
      obuf[opos++] = HEX[c >> 4]
      obuf[opos++] = HEX[c & 15]
    }
    run = i + 1
  }
  opos += b.copy(obuf, opos, run, end)
  obuf[opos++] = 34
}

const OPEN = Buffer.from(`{"topic":${JSON.stringify(topic)},"partition":${partition},"offset":`)
const TS = Buffer.from(',"timestamp":')
const KEY = Buffer.from(',"key":')
const VALUE = Buffer.from(',"value":')
const NULL = Buffer.from('null')
const HEADERS = Buffer.from(',"headers":[')
const HKEY = Buffer.from('{"key":')
const HVALUE = Buffer.from(',"value":')
const CLOSE = Buffer.from(']}\n')
const PARTITION = Buffer.from(`${partition} `)

let p = 0
let b = null
function varint() {
  let v = 0, shift = 0, x
  do { x = b[p++]; v |= (x & 0x7f) << shift; shift += 7 } while (x & 0x80)
  return (v >>> 1) ^ -(v & 1)
}
function varlong() {
  let v = 0, mul = 1, x
  do { x = b[p++]; v += (x & 0x7f) * mul; mul *= 128 } while (x & 0x80)
  return v % 2 === 1 ? -(v + 1) / 2 : v / 2
}

function decodeBatch(start, end) {
  if (b[start + 16] !== 2) throw new Error(`batch at ${start}: magic ${b[start + 16]}`)
  const crc = b.readUInt32BE(start + 17)
  if ((crc32c(b.subarray(start + 21, end)) >>> 0) !== crc) throw new Error('bad CRC')
  if ((b.readInt16BE(start + 21) & 7) !== 0) throw new Error('compressed batches are not handled by the baseline')
  const baseOffset = Number(b.readBigInt64BE(start))
  const baseTs = Number(b.readBigInt64BE(start + 27))
  const n = b.readInt32BE(start + 57)
  p = start + 61
  for (let r = 0; r < n; r++) {
    const len = varint()
    const recEnd = p + len
    p++ // attributes
    const ts = baseTs + varlong()
    const offset = baseOffset + varint()
    const keyLen = varint()
    const keyStart = p
    if (keyLen > 0) p += keyLen
    const valueLen = varint()
    const valueStart = p
    if (valueLen > 0) p += valueLen
    if (json) {
      room(len * 6 + 200)
      putBytes(OPEN)
      putInt(offset)
      putBytes(TS)
      putInt(ts)
      putBytes(KEY)
      if (keyLen < 0) putBytes(NULL)
      else putJsonString(b, keyStart, keyStart + keyLen)
      putBytes(VALUE)
      if (valueLen < 0) putBytes(NULL)
      else putJsonString(b, valueStart, valueStart + valueLen)
      putBytes(HEADERS)
      const hc = varint()
      for (let h = 0; h < hc; h++) {
        if (h > 0) obuf[opos++] = 44
        putBytes(HKEY)
        const kl = varint()
        putJsonString(b, p, p + kl)
        p += kl
        putBytes(HVALUE)
        const vl = varint()
        if (vl < 0) putBytes(NULL)
        else {
          putJsonString(b, p, p + vl)
          p += vl
        }
        obuf[opos++] = 125
      }
      putBytes(CLOSE)
    } else {
      room(len + 40)
      putBytes(PARTITION)
      putInt(offset)
      obuf[opos++] = 32
      if (keyLen > 0) opos += b.copy(obuf, opos, keyStart, keyStart + keyLen)
      obuf[opos++] = 32
      if (valueLen > 0) opos += b.copy(obuf, opos, valueStart, valueStart + valueLen)
      obuf[opos++] = 10
    }
    p = recEnd
    records++
  }
}

let buf = Buffer.allocUnsafe(CHUNK)
for (const file of args) {
  const fd = openSync(file, 'r')
  let have = 0
  let eof = false
  for (;;) {
    if (have === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2)
      buf.copy(bigger, 0, 0, have)
      buf = bigger
    }
    const n = readSync(fd, buf, have, buf.length - have, null)
    if (n === 0) eof = true
    have += n
    b = buf
    let at = 0
    while (have - at >= 12) {
      const size = 12 + buf.readInt32BE(at + 8)
      if (have - at < size) break
      decodeBatch(at, at + size)
      at += size
    }
    if (eof) break // a short tail is "not yet written"
    buf.copy(buf, 0, at, have)
    have -= at
  }
  closeSync(fd)
}
flushOut()
if (out !== 1) closeSync(out)
if (process.env.BASELINE_REPORT) process.stderr.write(`${records} records\n`)
