/**
 * Batch compression codecs, by the attribute value Kafka assigns them, each
 * in Kafka's framing: gzip (zlib), snappy as snappy-java frames it, lz4 in
 * the LZ4 frame format, zstd frames. The codecs other than gzip live in
 * compression/ and load their packages on first use.
 */
import {createRequire} from 'node:module'
import {CorruptRecordError, UsageError} from '../errors.js'
import {lz4Compress, lz4Decompress} from './compression/lz4.js'
import {snappyCompress, snappyDecompress} from './compression/snappy.js'
import {zstdCompress, zstdDecompress} from './compression/zstd.js'

// zlib is loaded when a gzip batch is met: loading it costs every command
// several ms of start-up, and most logs are not compressed.
let zlib: typeof import('node:zlib') | undefined
const codecs = () => (zlib ??= createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib'))

export const Compression = {none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4} as const
export type CompressionName = keyof typeof Compression
export const COMPRESSION_NAMES = Object.keys(Compression) as CompressionName[]
export const SUPPORTED_COMPRESSION: CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

export function compressionName(codec: number): string {
  return COMPRESSION_NAMES[codec] ?? `unknown(${codec})`
}

export function parseCompression(name: string): number {
  if (!SUPPORTED_COMPRESSION.includes(name as CompressionName)) {
    throw new UsageError(`unsupported compression '${name}'`, {hint: `use one of: ${SUPPORTED_COMPRESSION.join(', ')}`})
  }
  return Compression[name as CompressionName]
}

export function compress(codec: number, data: Buffer): Buffer {
  switch (codec) {
    case Compression.none:
      return data
    case Compression.gzip:
      return codecs().gzipSync(data)
    case Compression.snappy:
      return snappyCompress(data)
    case Compression.lz4:
      return lz4Compress(data)
    case Compression.zstd:
      return zstdCompress(data)
    default:
      throw new UsageError(`compression ${compressionName(codec)} is not supported`)
  }
}

/**
 * Decompresses a batch's records. `maxSize` bounds the output (each codec
 * stops there or refuses beforehand), so a small batch that inflates to
 * gigabytes is a corrupt batch, not an out-of-memory crash.
 */
export function decompress(codec: number, data: Buffer, maxSize: number): Buffer {
  switch (codec) {
    case Compression.none:
      return data
    case Compression.gzip:
      return gunzip(data, maxSize)
    case Compression.snappy:
      return snappyDecompress(data, maxSize)
    case Compression.lz4:
      return lz4Decompress(data, maxSize)
    case Compression.zstd:
      return zstdDecompress(data, maxSize)
    default:
      throw new CorruptRecordError(`batch uses compression codec ${codec}, which Kafka does not define`)
  }
}

function gunzip(data: Buffer, maxSize: number): Buffer {
  try {
    return codecs().gunzipSync(data, {maxOutputLength: maxSize})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new CorruptRecordError(`gzip batch inflates past ${maxSize} bytes, more than a batch's records may take`)
    }
    throw new CorruptRecordError(`gzip batch does not decompress: ${(error as Error).message}`)
  }
}
