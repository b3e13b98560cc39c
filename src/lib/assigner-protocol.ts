/**
 * Kafka's consumer protocol (version 0) for a member's metadata (its
 * topics) and assignment (topic to partitions), the Buffers
 * describeGroups returns; kafkajs's AssignerProtocol decodes them, and so
 * does this, checking every length against the bytes there.
 */
import {CorruptRecordError} from '../core/errors.js'
import type {MemberAssignment} from './types.js'

class Out {
  private readonly parts: Buffer[] = []
  int16(v: number): this {
    const b = Buffer.alloc(2)
    b.writeInt16BE(v)
    this.parts.push(b)
    return this
  }
  int32(v: number): this {
    const b = Buffer.alloc(4)
    b.writeInt32BE(v)
    this.parts.push(b)
    return this
  }
  string(s: string): this {
    const bytes = Buffer.from(s, 'utf8')
    this.int16(bytes.length)
    this.parts.push(bytes)
    return this
  }
  bytes(b: Buffer): this {
    this.int32(b.length)
    this.parts.push(b)
    return this
  }
  get buffer(): Buffer {
    return Buffer.concat(this.parts)
  }
}

class In {
  private pos = 0
  constructor(private readonly buf: Buffer) {}
  private need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.buf.length) throw new CorruptRecordError(`consumer protocol: ${what} needs ${n} bytes, ${this.buf.length - this.pos} left`)
  }
  int16(what: string): number {
    this.need(2, what)
    const v = this.buf.readInt16BE(this.pos)
    this.pos += 2
    return v
  }
  int32(what: string): number {
    this.need(4, what)
    const v = this.buf.readInt32BE(this.pos)
    this.pos += 4
    return v
  }
  string(what: string): string {
    const n = this.int16(`${what} length`)
    this.need(n, what)
    const s = this.buf.toString('utf8', this.pos, this.pos + n)
    this.pos += n
    return s
  }
  bytes(what: string): Buffer | null {
    const n = this.int32(`${what} length`)
    if (n === -1) return null
    this.need(n, what)
    const b = Buffer.from(this.buf.subarray(this.pos, this.pos + n))
    this.pos += n
    return b
  }
  /** A count, checked against the bytes left at `minSize` bytes per element. */
  count(what: string, minSize: number): number {
    const n = this.int32(`${what} count`)
    if (n < 0 || n * minSize > this.buf.length - this.pos) throw new CorruptRecordError(`consumer protocol: ${what} count ${n} does not fit in the ${this.buf.length - this.pos} bytes left`)
    return n
  }
}

export const AssignerProtocol = {
  MemberMetadata: {
    encode({version, topics, userData = Buffer.alloc(0)}: {version: number; topics: string[]; userData?: Buffer}): Buffer {
      const out = new Out().int16(version).int32(topics.length)
      for (const t of topics) out.string(t)
      return out.bytes(userData).buffer
    },
    decode(buffer: Buffer): {version: number; topics: string[]; userData: Buffer | null} {
      const d = new In(buffer)
      const version = d.int16('version')
      const topics = Array.from({length: d.count('topic', 2)}, () => d.string('topic'))
      return {version, topics, userData: d.bytes('userData')}
    },
  },
  MemberAssignment: {
    encode({version, assignment, userData = Buffer.alloc(0)}: {version: number; assignment: MemberAssignment; userData?: Buffer}): Buffer {
      const out = new Out().int16(version).int32(Object.keys(assignment).length)
      for (const [topic, partitions] of Object.entries(assignment)) {
        out.string(topic).int32(partitions.length)
        for (const p of partitions) out.int32(p)
      }
      return out.bytes(userData).buffer
    },
    /** null for an empty buffer (a member with no assignment yet), as kafkajs. */
    decode(buffer: Buffer): {version: number; assignment: MemberAssignment; userData: Buffer | null} | null {
      if (buffer.length < 2) return null
      const d = new In(buffer)
      const version = d.int16('version')
      const assignment: MemberAssignment = {}
      const topics = d.count('assignment', 6)
      for (let i = 0; i < topics; i++) {
        const topic = d.string('topic')
        assignment[topic] = Array.from({length: d.count('partition', 4)}, () => d.int32('partition'))
      }
      return {version, assignment, userData: d.bytes('userData')}
    },
  },
}
