/**
 * `topic verify --replicas`: every replica of a replicated partition holds
 * the same batches, byte for byte, up to the partition's high watermark
 * (what every ISR member has, so what any clean leader serves). Above it
 * replicas may differ for a while (a follower behind, a deposed leader's
 * tail that it cuts when it follows); below it a difference is a lost or
 * changed committed record.
 *
 * The high watermark is the leader's (the preferred replica's when nobody
 * leads) as its broker last saved it in replication-offset-checkpoint
 * (saved at every stop, and every few seconds while it runs), else the
 * least log end of the ISR. Each replica is read with its own LogReader,
 * batch beside batch with the leader's; followers append the leader's
 * batches unchanged, so batch boundaries are the same.
 */
import {existsSync} from 'node:fs'
import {batchBaseOffset, batchLastOffset, batchSize} from '../record/batch-header.js'
import {LogReader} from '../log/log-reader.js'
import {ReplicationOffsetCheckpoint} from '../log/replication-offset-checkpoint.js'
import {readLogDir, replicaDir} from '../store/log-dirs.js'
import {readPartitionMeta} from '../store/partition-metadata.js'
import type {Store} from '../store/store.js'
import {UsageError} from '../errors.js'

export interface ReplicaPartitionReport {
  partition: number
  /** The replica the others are compared with: the leader's, else the preferred one's. */
  reference: number
  highWatermark: number
  replicas: Array<{broker: number; logEndOffset: number | null; inIsr: boolean}>
  /** One line per divergence; empty when the replicas agree up to the high watermark. */
  problems: string[]
}

export interface ReplicaVerifyReport {
  topic: string
  partitions: ReplicaPartitionReport[]
  /** Batches compared, all replicas together. */
  batches: number
}

interface Batch {
  base: number
  last: number
  buf: Buffer
  pos: number
  size: number
}

/** The batches of a log from `from` on; each stays valid until the next is asked for (the reader's buffer is reused). */
function* batches(reader: LogReader, from: number): Generator<Batch> {
  reader.seek(from)
  for (let range = reader.poll(); range !== null; range = reader.poll()) {
    for (let pos = range.start; pos < range.end; pos += batchSize(range.buf, pos)) {
      const last = batchLastOffset(range.buf, pos)
      if (last < from) continue
      yield {base: batchBaseOffset(range.buf, pos), last, buf: range.buf, pos, size: batchSize(range.buf, pos)}
    }
  }
}

export function verifyReplicas(store: Store, topic: string): ReplicaVerifyReport {
  const meta = store.readTopic(topic)
  if (!meta.replicas) throw new UsageError(`topic '${topic}' is not replicated: it has one log, there are no replicas to compare`, {hint: `\`logpipe topic verify ${topic}\` checks that log`})
  const report: ReplicaVerifyReport = {topic, partitions: [], batches: 0}
  for (let p = 0; p < meta.partitions; p++) {
    const replicas = meta.replicas[p]
    const state = readPartitionMeta(store.partitionDir(topic, p))
    const isr = state?.isr ?? []
    const reference = state && state.leader >= 0 && replicas.includes(state.leader) ? state.leader : replicas[0]
    const dirOf = (id: number) => replicaDir(readLogDir(store.dataDir, id), topic, p)
    const readers = new Map<number, LogReader>()
    const problems: string[] = []
    try {
      for (const id of replicas) if (existsSync(dirOf(id))) readers.set(id, new LogReader(dirOf(id)))
      const ends = new Map([...readers].map(([id, r]) => [id, r.logEndOffset()]))
      const saved = new ReplicationOffsetCheckpoint(readLogDir(store.dataDir, reference), (m) => problems.push(m)).highWatermark(topic, p)
      const isrEnds = isr.filter((id) => replicas.includes(id)).map((id) => ends.get(id) ?? 0)
      const hw = saved > 0 ? saved : isrEnds.length > 0 ? Math.min(...isrEnds) : 0
      const part: ReplicaPartitionReport = {
        partition: p,
        reference,
        highWatermark: hw,
        replicas: replicas.map((id) => ({broker: id, logEndOffset: ends.get(id) ?? null, inIsr: isr.includes(id)})),
        problems,
      }
      report.partitions.push(part)
      const ref = readers.get(reference)
      if (!ref) {
        if (hw > 0) problems.push(`the reference replica, broker ${reference}'s, is missing (${dirOf(reference)})`)
        continue
      }
      if (ends.get(reference)! < hw) problems.push(`broker ${reference}'s replica ends at offset ${ends.get(reference)}, below the high watermark ${hw}`)
      for (const id of replicas) {
        if (id === reference) continue
        const other = readers.get(id)
        if (!other) {
          // A new replica its broker has not opened yet holds nothing committed only while there is nothing.
          if (isr.includes(id) && hw > 0) problems.push(`broker ${id} is in the ISR but has no replica (${dirOf(id)})`)
          continue
        }
        const end = ends.get(id)!
        if (isr.includes(id) && end < hw) problems.push(`broker ${id}'s replica ends at offset ${end}, below the high watermark ${hw}, though it is in the ISR`)
        const upTo = Math.min(hw, end, ends.get(reference) ?? 0)
        const from = Math.max(ref.logStartOffset(), other.logStartOffset())
        const a = batches(ref, from)
        const b = batches(other, from)
        for (;;) {
          const x = a.next()
          if (x.done || x.value.base >= upTo) break
          const y = b.next()
          if (y.done) {
            problems.push(`broker ${id}'s replica stops at offset ${x.value.base}, before broker ${reference}'s batch ${x.value.base}-${x.value.last}`)
            break
          }
          report.batches++
          const same = x.value.size === y.value.size && x.value.buf.subarray(x.value.pos, x.value.pos + x.value.size).equals(y.value.buf.subarray(y.value.pos, y.value.pos + y.value.size))
          if (!same) {
            const where = x.value.base === y.value.base ? `batch ${x.value.base}-${x.value.last} (broker ${id}'s: ${y.value.base}-${y.value.last}, ${y.value.size} bytes against ${x.value.size})` : `offset ${Math.min(x.value.base, y.value.base)} (batches ${x.value.base}-${x.value.last} and ${y.value.base}-${y.value.last})`
            problems.push(`broker ${id}'s replica differs from broker ${reference}'s at ${where}, below the high watermark ${hw}`)
            break
          }
        }
      }
    } finally {
      for (const r of readers.values()) r.close()
    }
  }
  return report
}
