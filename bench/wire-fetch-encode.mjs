#!/usr/bin/env node
// A sanity check of the Fetch hot path (not part of `npm run bench`): a Fetch
// response of 100 partitions of 1 MiB of record batches, encoded as one
// buffer (records copied once, into it) and as writev pieces (records not
// copied at all). Counts the bytes Buffer#copy moves and the memory each form
// allocates, and times both.
//
//   npm run build && node bench/wire-fetch-encode.mjs
import {encodeResponse, encodeResponsePieces, piecesLength} from '../dist/core/wire/message-codec.js'
import {encodeResponseFrame} from '../dist/core/wire/envelope.js'
import {fetch} from '../dist/core/wire/messages/01-fetch.js'

const PARTITIONS = 100
const RECORDS_BYTES = 1 << 20
const records = Array.from({length: PARTITIONS}, (_, i) => Buffer.alloc(RECORDS_BYTES, i))
const value = {
  responses: [{topic: 'bench', partitions: records.map((r, i) => ({partitionIndex: i, highWatermark: 1000n, lastStableOffset: 1000n, logStartOffset: 0n, records: r}))}],
}
const recordBytes = PARTITIONS * RECORDS_BYTES

let copied = 0
const copy = Buffer.prototype.copy
Buffer.prototype.copy = function (...args) {
  const n = copy.apply(this, args)
  copied += n
  return n
}

function measure(name, fn) {
  for (let i = 0; i < 3; i++) fn() // warm-up
  globalThis.gc?.()
  copied = 0
  const before = process.memoryUsage().arrayBuffers
  const start = process.hrtime.bigint()
  const out = fn()
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  const allocated = process.memoryUsage().arrayBuffers - before
  const size = Array.isArray(out) ? piecesLength(out) : out.length
  console.log(
    `${name.padEnd(34)} ${(size / 2 ** 20).toFixed(1)} MiB out, ${ms.toFixed(1)} ms, ` +
      `copied ${(copied / recordBytes).toFixed(3)}x the records, allocated ${(allocated / 2 ** 20).toFixed(1)} MiB` +
      (Array.isArray(out) ? `, ${out.length} pieces, records by reference: ${records.every((r) => out.includes(r))}` : ''),
  )
  return out
}

measure('encodeResponse (one buffer)', () => encodeResponse(fetch, 11, value))
measure('encodeResponsePieces (writev)', () => encodeResponsePieces(fetch, 11, value))
measure('encodeResponseFrame v12 (writev)', () => encodeResponseFrame(fetch, 12, 1, value))

// Produce requests are decoded in place: each partition's records are a view of the frame.
const {decodeRequest, encodeRequest} = await import('../dist/core/wire/message-codec.js')
const {produce} = await import('../dist/core/wire/messages/00-produce.js')
const request = encodeRequest(produce, 7, {acks: -1, timeoutMs: 30000, topicData: [{name: 'bench', partitionData: records.map((r, i) => ({index: i, records: r}))}]})
copied = 0
const decoded = decodeRequest(produce, 7, request)
const views = decoded.topicData[0].partitionData.every((p) => p.records.buffer === request.buffer)
console.log(`decodeRequest Produce v7 (100 MiB)        copied ${(copied / recordBytes).toFixed(3)}x the records, records are views of the frame: ${views}`)

// Many small fields: a Fetch request for 1,000 partitions, and its response without records.
const {fetch: fetchSchema} = await import('../dist/core/wire/messages/01-fetch.js')
const partitions = Array.from({length: 1000}, (_, i) => ({partition: i, fetchOffset: BigInt(i * 1000), partitionMaxBytes: 1048576}))
const fetchRequest = encodeRequest(fetchSchema, 11, {maxWaitMs: 500, minBytes: 1, topics: [{topic: 'bench', partitions}]})
const small = {responses: [{topic: 'bench', partitions: partitions.map((p) => ({partitionIndex: p.partition, highWatermark: p.fetchOffset, records: null}))}]}
for (const [name, fn] of [
  ['decode Fetch v11 request, 1,000 partitions', () => decodeRequest(fetchSchema, 11, fetchRequest)],
  ['encode Fetch v11 response, 1,000 partitions', () => encodeResponse(fetchSchema, 11, small)],
]) {
  for (let i = 0; i < 200; i++) fn()
  const n = 2000
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i++) fn()
  const us = Number(process.hrtime.bigint() - start) / 1e3 / n
  console.log(`${name.padEnd(45)} ${us.toFixed(1)} µs each (${(us * 1000 / 1000).toFixed(0)} ns per partition)`)
}
