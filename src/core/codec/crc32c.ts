/**
 * CRC-32C (Castagnoli), the checksum of RecordBatch v2, in native code.
 * The native module is loaded on first use: loading it costs several ms
 * (dlopen), which commands that never check a batch (topic list, group
 * list, --help) should not pay.
 */
import {createRequire} from 'node:module'

type Native = typeof import('@node-rs/crc32')
let native: Native | undefined

export function crc32c(data: Buffer): number {
  native ??= createRequire(import.meta.url)('@node-rs/crc32') as Native
  return native.crc32c(data) >>> 0
}
