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

/** A Uint8Array over the whole memory of `buf`. */
export function viewOf(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer)
}
