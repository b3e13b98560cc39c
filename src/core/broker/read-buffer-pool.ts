/**
 * The read buffers of the broker's fetches, lent out and taken back, so a
 * Fetch answer's records are the bytes `read` put in the buffer, written to
 * the socket from there (Kafka's zero copy, as near as Node comes: one read
 * into the buffer, one writev out of it).
 *
 * Copying each read out into a fresh buffer (the response kept the copy
 * while the socket wrote it) was 15% of the broker's CPU under
 * `kcat -C -e`, and the megabyte of garbage per answer another 24% in the
 * garbage collector (`--cpu-prof`, 1 M 100-byte records, BENCHMARKS.md).
 *
 * A large run of batches handed to a response is a lease: the buffer goes
 * back to the pool when the socket is done with the bytes (`release`, from
 * the write's callback). A lease never returned (a connection closed before
 * its answer went out) costs nothing but a new buffer: the old one is
 * garbage like any other. Small runs are copied out instead, so a response
 * of many small partitions does not pin a megabyte per partition.
 */
import {READ_BUFFER_SIZE} from '../log/log-reader.js'

/** A run at least this long is lent, not copied: below it the copy is cheap and the buffer better reused at once. */
export const LEND_MIN = 256 * 1024
/** Buffers kept for reuse; more than this in flight at once are made and left to the garbage collector. */
const MAX_FREE = 8

const free: Buffer[] = []
const leases = new WeakMap<Buffer, Buffer>()

/** A read buffer: a free one, else a new one. */
export function takeReadBuffer(): Buffer {
  return free.pop() ?? Buffer.allocUnsafe(READ_BUFFER_SIZE)
}

/** Back for reuse (a buffer grown for one large batch is not kept). */
export function giveReadBuffer(buffer: Buffer): void {
  if (buffer.length === READ_BUFFER_SIZE && free.length < MAX_FREE && !free.includes(buffer)) free.push(buffer)
}

/** `view` (bytes of `buffer`) goes out in a response; `buffer` comes back at `release(view)`. */
export function lend(view: Buffer, buffer: Buffer): Buffer {
  leases.set(view, buffer)
  return view
}

/** The socket wrote `piece`: the buffer it was lent from, if any, is free again. */
export function release(piece: Buffer): void {
  const buffer = leases.get(piece)
  if (buffer === undefined) return
  leases.delete(piece)
  giveReadBuffer(buffer)
}

/** Whether `piece` is lent from the pool (its write must call release). */
export function isLent(piece: Buffer): boolean {
  return leases.has(piece)
}

/** @internal For tests: buffers waiting for reuse. */
export function freeReadBuffers(): number {
  return free.length
}
