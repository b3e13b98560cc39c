/**
 * CRC-32C (Castagnoli), the checksum of RecordBatch v2. Bulk work runs in
 * native code, but loading the native module is a dlopen of several ms,
 * more than a command that checks a batch or two spends checksumming. So
 * the first CRC_JS_BUDGET bytes of a process are summed here in
 * JavaScript (a 256-entry table: well under a millisecond for the whole
 * budget, even before V8 optimises the loop) and the native module is loaded only when
 * a process goes past them. Commands that never check a batch (topic list,
 * group list, --help) load neither.
 */
import {createRequire} from 'node:module'

type Native = typeof import('@node-rs/crc32')
let native: Native | undefined

/** Bytes summed in JavaScript before the native module is worth its load. */
export const CRC_JS_BUDGET = 16 * 1024
let jsBytes = 0
let table: Int32Array | undefined

export function crc32c(data: Uint8Array): number {
  if (native === undefined && jsBytes + data.length <= CRC_JS_BUDGET) {
    jsBytes += data.length
    return crc32cJs(data)
  }
  native ??= createRequire(import.meta.url)('@node-rs/crc32') as Native
  return native.crc32c(data as Buffer) >>> 0
}

/** The same sum in JavaScript, table-driven (reflected polynomial 0x82F63B78). */
export function crc32cJs(data: Uint8Array): number {
  const t = (table ??= makeTable())
  let crc = -1
  for (let i = 0; i < data.length; i++) crc = t[(crc ^ data[i]) & 0xff] ^ (crc >>> 8)
  return (crc ^ -1) >>> 0
}

function makeTable(): Int32Array {
  const t = new Int32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1
    t[n] = c
  }
  return t
}
