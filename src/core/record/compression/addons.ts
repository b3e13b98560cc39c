/**
 * The codec packages, each loaded on first use: start-up matters, and a
 * command that never meets a snappy batch must not pay for loading the
 * snappy addon. `require` (not `import()`) because the batch codecs are
 * synchronous, as the record reader that calls them is.
 */
import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)

/**
 * `copyOutputData`: the addon copies its output into a Buffer Node owns
 * instead of handing over its own memory as an external buffer; measured
 * here, that makes a 32 KiB block 10 to 40 times faster to (de)compress,
 * external buffers being slow to create and to collect.
 */
export interface SnappyAddon {
  compressSync(data: Uint8Array, options: {copyOutputData: true}): Buffer
  uncompressSync(data: Uint8Array, options: {asBuffer: true; copyOutputData: true}): Buffer
}

export interface Lz4Addon {
  /** One LZ4 block, prefixed with its uncompressed length (int32 little-endian). */
  compressSync(data: Buffer): Buffer
  /** The inverse; the prefix is the capacity, the block may decode to less. */
  uncompressSync(data: Uint8Array): Buffer
}

export interface ZstdCodec {
  compress(data: Buffer, level: number): Buffer
  /** Decompresses whole frames; throws when the output would pass maxSize. */
  decompress(data: Buffer, maxSize: number): Buffer
  /** True when `decompress` itself stops at maxSize; otherwise the caller bounds the frames first. */
  readonly bounded: boolean
}

let snappy: SnappyAddon | undefined
let lz4: Lz4Addon | undefined
let zstd: ZstdCodec | undefined

export function snappyAddon(): SnappyAddon {
  snappy ??= require('snappy') as SnappyAddon
  return snappy
}

export function lz4Addon(): Lz4Addon {
  lz4 ??= require('lz4-napi') as Lz4Addon
  return lz4
}

/**
 * zstd from zlib where Node has it (22.15 and later: libzstd, with
 * `maxOutputLength`), otherwise from @toondepauw/node-zstd (libzstd through
 * the Rust zstd crate), the one package with a synchronous API whose binary
 * comes from the registry.
 */
export function zstdCodec(): ZstdCodec {
  if (!zstd) {
    // zlib too is required here, not imported: every command would pay for loading it.
    const zlib = require('node:zlib') as unknown as Partial<ZlibZstd>
    zstd = typeof zlib.zstdCompressSync === 'function' ? zlibZstd(zlib as ZlibZstd) : packagedZstd()
  }
  return zstd
}

/** Node 22.15's zlib zstd API, which @types/node 20 does not describe. */
interface ZlibZstd {
  zstdCompressSync(data: Buffer, options: {pledgedSrcSize?: number; params?: Record<number, number>}): Buffer
  zstdDecompressSync(data: Buffer, options: {maxOutputLength?: number}): Buffer
  constants: {ZSTD_c_compressionLevel: number}
}

function zlibZstd(z: ZlibZstd): ZstdCodec {
  const level = z.constants.ZSTD_c_compressionLevel
  return {
    bounded: true,
    compress: (data, lvl) => z.zstdCompressSync(data, {pledgedSrcSize: data.length, params: {[level]: lvl}}),
    decompress: (data, maxSize) => z.zstdDecompressSync(data, {maxOutputLength: Math.max(1, maxSize)}),
  }
}

interface NodeZstdPackage {
  Encoder: new (level: number) => {encodeSync(data: Buffer): Buffer}
  Decoder: new () => {decodeSync(data: Buffer): Buffer}
}

function packagedZstd(): ZstdCodec {
  const {Encoder, Decoder} = require('@toondepauw/node-zstd') as NodeZstdPackage
  const encoders = new Map<number, {encodeSync(data: Buffer): Buffer}>()
  const decoder = new Decoder()
  return {
    bounded: false,
    compress(data, level) {
      let encoder = encoders.get(level)
      if (!encoder) encoders.set(level, (encoder = new Encoder(level)))
      return encoder.encodeSync(data)
    },
    decompress: data => decoder.decodeSync(data),
  }
}
