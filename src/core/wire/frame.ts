/**
 * Splits a byte stream into Kafka's length-prefixed frames (int32 size,
 * then that many bytes). The size is checked before anything is allocated:
 * negative or above `maxFrameBytes` (Kafka's socket.request.max.bytes,
 * 100 MiB by default) is a FrameSizeError and the stream cannot be resynced.
 *
 * A frame that lies within one chunk is returned as a view of that chunk
 * (no copy); only a frame split across chunks is assembled, into a buffer
 * allocated once at its declared size. Views keep their chunk alive, so a
 * caller that reuses its read buffers must copy what it keeps.
 *
 * A reader that chooses where each read lands (net's `onread`) asks
 * `readTarget` and reports with `filled`: the rest of a large frame is then
 * read into its own buffer and nothing is copied at all.
 */
import {FrameSizeError} from '../errors.js'

export const DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024

export class FrameSplitter {
  private maxFrameBytes: number
  private limitName = 'socket.request.max.bytes'
  private readonly prefix = Buffer.alloc(4)
  private prefixHave = 0
  private pending: Buffer | null = null
  private pendingHave = 0

  private readonly alloc: (size: number, completedBefore: number) => Buffer

  /**
   * `alloc` makes the buffer of a frame assembled from several reads (a
   * pool's, frame-pool.ts); it is told how many frames this push completed
   * before that one, which its caller has not seen yet.
   */
  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES, limitName?: string, alloc: (size: number, completedBefore: number) => Buffer = (size) => Buffer.allocUnsafe(size)) {
    this.maxFrameBytes = maxFrameBytes
    if (limitName) this.limitName = limitName
    this.alloc = alloc
  }

  /** A new bound for the frames that follow (a broker allows more once a client has logged in). */
  setLimit(maxFrameBytes: number, limitName: string): void {
    this.maxFrameBytes = maxFrameBytes
    this.limitName = limitName
  }

  /** Bytes held of a frame not yet complete (its prefix included): 0 between frames. */
  get buffered(): number {
    return this.pending === null ? this.prefixHave : 4 + this.pendingHave
  }

  /** The whole frames `chunk` completes, without their size prefixes, in order. */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = []
    let pos = 0
    const end = chunk.length
    while (pos < end) {
      if (this.pending !== null) {
        const n = Math.min(this.pending.length - this.pendingHave, end - pos)
        chunk.copy(this.pending, this.pendingHave, pos, pos + n)
        this.pendingHave += n
        pos += n
        if (this.pendingHave === this.pending.length) {
          frames.push(this.pending)
          this.pending = null
          this.pendingHave = 0
        }
        continue
      }
      let size: number
      if (this.prefixHave > 0 || end - pos < 4) {
        const n = Math.min(4 - this.prefixHave, end - pos)
        chunk.copy(this.prefix, this.prefixHave, pos, pos + n)
        this.prefixHave += n
        pos += n
        if (this.prefixHave < 4) break
        this.prefixHave = 0
        size = this.checkSize(this.prefix.readInt32BE(0))
      } else {
        size = this.checkSize(chunk.readInt32BE(pos))
        pos += 4
        if (end - pos >= size) {
          frames.push(chunk.subarray(pos, pos + size))
          pos += size
          continue
        }
      }
      this.pending = this.alloc(size, frames.length)
      this.pendingHave = 0
      if (size === 0) {
        frames.push(this.pending)
        this.pending = null
      }
    }
    return frames
  }

  /**
   * Where the next socket read should land (net's `onread`): straight into
   * the rest of the frame being assembled, so a large frame (a Fetch
   * answer) is written once, by the kernel, and never copied; else into
   * `scratch`, a buffer the caller reuses for every read.
   */
  readTarget(scratch: Buffer): Buffer {
    return this.pending === null ? scratch : this.pending.subarray(this.pendingHave)
  }

  /**
   * `n` bytes were read into `target`, the buffer readTarget gave: the
   * whole frames they complete. A frame that lay within `scratch` is copied
   * out of it (the next read overwrites it); one read in place is its own.
   */
  filled(target: Buffer, n: number, scratch: Buffer): Buffer[] {
    if (target.buffer !== scratch.buffer || target.byteOffset !== scratch.byteOffset) {
      if (this.pending === null || n > this.pending.length - this.pendingHave) throw new RangeError('filled() without the readTarget() it answers')
      this.pendingHave += n
      if (this.pendingHave < this.pending.length) return []
      const frame = this.pending
      this.pending = null
      this.pendingHave = 0
      return [frame]
    }
    const frames = this.push(scratch.subarray(0, n))
    for (let i = 0; i < frames.length; i++) {
      if (frames[i].buffer === scratch.buffer) frames[i] = Buffer.from(frames[i])
    }
    return frames
  }

  private checkSize(size: number): number {
    if (size < 0) throw new FrameSizeError(`frame size ${size} is negative`, size)
    if (size > this.maxFrameBytes) {
      throw new FrameSizeError(`frame of ${size} bytes is over the limit of ${this.maxFrameBytes} (${this.limitName})`, size)
    }
    return size
  }
}
