/**
 * Batch compression codecs, by the attribute value Kafka assigns them.
 * gzip comes from zlib; snappy, lz4 and zstd are refused with a clear error
 * until a well-kept package is chosen for them.
 */
import {createRequire} from 'node:module'
import {CorruptRecordError, UsageError} from '../errors.js'

// zlib is loaded when a gzip batch is met: loading it costs every command
// several ms of start-up, and most logs are not compressed.
let zlib: typeof import('node:zlib') | undefined
const codecs = () => (zlib ??= createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib'))

export const Compression = {none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4} as const
export type CompressionName = keyof typeof Compression
export const COMPRESSION_NAMES = Object.keys(Compression) as CompressionName[]
export const SUPPORTED_COMPRESSION: CompressionName[] = ['none', 'gzip']

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
  if (codec === Compression.gzip) return codecs().gzipSync(data)
  if (codec === Compression.none) return data
  throw new UsageError(`compression ${compressionName(codec)} is not supported`)
}

/**
 * Decompresses a batch's records. `maxSize` bounds the output (zlib stops
 * there), so a small batch that inflates to gigabytes is a corrupt batch,
 * not an out-of-memory crash.
 */
export function decompress(codec: number, data: Buffer, maxSize: number): Buffer {
  if (codec === Compression.gzip) {
    try {
      return codecs().gunzipSync(data, {maxOutputLength: maxSize})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new CorruptRecordError(`gzip batch inflates past ${maxSize} bytes, more than a batch's records may take`)
      }
      throw new CorruptRecordError(`gzip batch does not decompress: ${(error as Error).message}`)
    }
  }
  if (codec === Compression.none) return data
  throw new CorruptRecordError(`batch uses ${compressionName(codec)} compression, which logpipe cannot decode yet`)
}
