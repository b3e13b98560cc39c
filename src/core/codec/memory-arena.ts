/**
 * One ArrayBuffer carved into buffers. Copying between buffers of the same
 * arena is a `copyWithin` on its memory, which allocates nothing, where
 * `Buffer.copy` creates a view object per call: at millions of records a
 * second that garbage is a good part of the cost of produce and consume.
 */
export class MemoryArena {
  readonly bytes: Uint8Array
  private next = 0

  constructor(size: number) {
    this.bytes = new Uint8Array(new ArrayBuffer(size))
  }

  /** A buffer of `size` bytes in the arena, or a plain one once the arena is used up. */
  take(size: number): Buffer {
    if (this.next + size > this.bytes.length) return Buffer.allocUnsafe(size)
    const b = Buffer.from(this.bytes.buffer, this.next, size)
    this.next += size
    return b
  }
}

/**
 * Copies src[start, end) to dst[pos] and returns the byte count. `view`
 * must be a Uint8Array over all of dst's ArrayBuffer (kept by the caller,
 * so no view is made per call); when src lives there too the copy is a
 * copyWithin.
 */
export function copyBytes(view: Uint8Array, dst: Buffer, pos: number, src: Buffer, start: number, end: number): number {
  if (src.buffer === view.buffer) {
    view.copyWithin(dst.byteOffset + pos, src.byteOffset + start, src.byteOffset + end)
    return end - start
  }
  return src.copy(dst, pos, start, end)
}

/** A Uint8Array over the whole memory of `buf`. */
export function viewOf(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer)
}
