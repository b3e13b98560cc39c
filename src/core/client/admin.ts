/**
 * Topic administration: create, list, describe, alter, delete, verify.
 */
import {closeSync, fstatSync, openSync, readSync} from 'node:fs'
import {CorruptIndexError, NotFoundError} from '../errors.js'
import {BatchScanner} from '../log/batch-scanner.js'
import {listSegmentBaseOffsets} from '../log/file-names.js'
import {PartitionLog} from '../log/partition-log.js'
import {LogSegment} from '../log/segment.js'
import {batchLastOffset} from '../record/batch-header.js'
import {ATTRIBUTES_OFFSET, CONTROL_FLAG_MASK, LENGTH_OFFSET, LOG_OVERHEAD, MAGIC_OFFSET, MAGIC_V2, RECORD_BATCH_OVERHEAD, RECORDS_COUNT_OFFSET} from '../record/batch-layout.js'
import {currentLeader, type LeaderInfo} from '../lock/partition-lock.js'
import {Store, type TopicMeta} from '../store/store.js'
import {type ConfigOverrides, type LogConfig, maxBatchSize, resolveConfig} from '../store/topic-config.js'

export interface PartitionDescription {
  partition: number
  leader: LeaderInfo | null
  logStartOffset: number
  logEndOffset: number
  /** Records held (batch headers' counts, control batches left out): below end minus start once compaction removed some. */
  records: number
  segments: number
  bytes: number
}

export interface TopicDescription {
  topic: string
  id: string
  partitions: PartitionDescription[]
  replicationFactor: number
  configOverrides: ConfigOverrides
  config: LogConfig
  createdAt: string
}

export interface SegmentProblem {
  partition: number
  segment: number
  file: string
  problem: string
  repaired?: string
}

export interface VerifyReport {
  topic: string
  partitions: number
  segments: number
  batches: number
  bytes: number
  problems: SegmentProblem[]
  repaired: boolean
}

export class Admin {
  readonly store: Store

  constructor(store: Store) {
    this.store = store
  }

  static open(dataDir?: string): Admin {
    return new Admin(Store.open(dataDir))
  }

  createTopic(
    topic: string,
    options: {partitions?: number; replicationFactor?: number; config?: ConfigOverrides} = {},
  ): {created: boolean; topic: TopicMeta} {
    const meta = this.store.createTopic(topic, options.partitions ?? 1, options.replicationFactor ?? 1, options.config ?? {})
    if (meta) return {created: true, topic: meta}
    return {created: false, topic: this.store.readTopic(topic)}
  }

  listTopics(): TopicMeta[] {
    return this.store.listTopics().map((t) => this.store.readTopic(t))
  }

  describeTopic(topic: string): TopicDescription {
    const meta = this.store.readTopic(topic)
    const config = resolveConfig(meta.config)
    const partitions: PartitionDescription[] = []
    for (let p = 0; p < meta.partitions; p++) {
      const dir = this.store.partitionDir(topic, p)
      const reader = this.store.openReader(topic, p, config)
      const bases = listSegmentBaseOffsets(dir)
      let bytes = 0
      let records = 0
      for (const b of bases) {
        const segment = new LogSegment(dir, b)
        bytes += segment.size()
        records += countRecords(segment.logPath)
      }
      partitions.push({
        partition: p,
        leader: currentLeader(dir),
        logStartOffset: reader.logStartOffset(),
        logEndOffset: reader.logEndOffset(),
        records,
        segments: bases.length,
        bytes,
      })
    }
    return {
      topic,
      id: meta.id,
      partitions,
      replicationFactor: meta.replicationFactor,
      configOverrides: meta.config,
      config,
      createdAt: meta.createdAt,
    }
  }

  /** Changes partitions and config overrides; setting or deleting a damaged entry of topic.json mends it. */
  alterTopic(topic: string, change: {partitions?: number; set?: ConfigOverrides; delete?: string[]}): TopicMeta {
    return this.store.updateTopic(
      topic,
      (meta) => {
        const config = {...meta.config, ...(change.set ?? {})}
        for (const key of change.delete ?? []) delete config[key as keyof LogConfig]
        return {...meta, partitions: change.partitions ?? meta.partitions, config}
      },
      change.delete ?? [],
    )
  }

  deleteTopic(topic: string, options: {ifExists?: boolean} = {}): boolean {
    const deleted = this.store.deleteTopic(topic)
    if (!deleted && !options.ifExists) {
      throw new NotFoundError(`topic '${topic}' does not exist`, {hint: 'use --if-exists to ignore this'})
    }
    return deleted
  }

  /**
   * Checks every batch's CRC and every index entry against the log. With
   * `repair`, takes each partition's write lock and rebuilds what is
   * damaged: indexes from the log, a bad tail cut off.
   */
  async verifyTopic(topic: string, options: {repair?: boolean; onNotice?: (m: string) => void} = {}): Promise<VerifyReport> {
    const meta = this.store.readTopic(topic)
    const config = resolveConfig(meta.config)
    const scanner = new BatchScanner(maxBatchSize(config))
    const report: VerifyReport = {topic, partitions: meta.partitions, segments: 0, batches: 0, bytes: 0, problems: [], repaired: false}
    for (let p = 0; p < meta.partitions; p++) {
      const dir = this.store.partitionDir(topic, p)
      const log = options.repair ? new PartitionLog(dir, config, {label: `topic ${topic} partition ${p}`, onNotice: options.onNotice}) : null
      if (log) await log.lock.acquire()
      try {
        for (const base of listSegmentBaseOffsets(dir)) {
          const segment = new LogSegment(dir, base)
          report.segments++
          const problems = checkSegment(segment, scanner)
          report.batches += problems.batches
          report.bytes += problems.validBytes
          for (const problem of problems.found) {
            const entry: SegmentProblem = {partition: p, segment: base, file: problem.file, problem: problem.problem}
            report.problems.push(entry)
          }
          if (log && problems.found.length > 0) {
            const r = segment.recover(scanner, config['index.interval.bytes'])
            const fixed = r.truncatedBytes > 0 ? `truncated ${r.truncatedBytes} bytes at position ${r.validBytes}; rebuilt indexes` : 'rebuilt indexes'
            for (const e of report.problems) if (e.partition === p && e.segment === base) e.repaired = fixed
            report.repaired = true
          }
        }
      } finally {
        if (log) await log.release()
      }
    }
    return report
  }
}

const COUNT_CHUNK = 64 * 1024

/**
 * The records in a segment, from the batch headers alone (no record is
 * decoded, no CRC checked): one read per 64 KiB of small batches, one per
 * large batch. Counting stops at the first header that is not a whole v2
 * batch (a torn tail or damage, which `topic verify` reports).
 */
export function countRecords(logPath: string): number {
  let fd: number
  try {
    fd = openSync(logPath, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw error
  }
  const buf = Buffer.allocUnsafe(COUNT_CHUNK)
  let records = 0
  try {
    const size = fstatSync(fd).size
    let bufStart = 0
    let bufEnd = 0
    let pos = 0
    while (pos + RECORD_BATCH_OVERHEAD <= size) {
      if (pos < bufStart || pos + RECORD_BATCH_OVERHEAD > bufEnd) {
        bufStart = pos
        bufEnd = pos + readSync(fd, buf, 0, COUNT_CHUNK, pos)
        if (pos + RECORD_BATCH_OVERHEAD > bufEnd) break
      }
      const at = pos - bufStart
      const total = LOG_OVERHEAD + buf.readInt32BE(at + LENGTH_OFFSET)
      if (buf[at + MAGIC_OFFSET] !== MAGIC_V2 || total < RECORD_BATCH_OVERHEAD || pos + total > size) break
      const count = buf.readInt32BE(at + RECORDS_COUNT_OFFSET)
      if ((buf.readInt16BE(at + ATTRIBUTES_OFFSET) & CONTROL_FLAG_MASK) === 0 && count > 0) records += count
      pos += total
    }
  } finally {
    closeSync(fd)
  }
  return records
}

interface SegmentCheck {
  batches: number
  validBytes: number
  found: Array<{file: string; problem: string}>
}

function checkSegment(segment: LogSegment, scanner: BatchScanner): SegmentCheck {
  const found: SegmentCheck['found'] = []
  const positions = new Map<number, number>()
  let batches = 0
  const fd = openSync(segment.logPath, 'r')
  let validBytes = 0
  let lastOffset = segment.baseOffset - 1
  try {
    const size = fstatSync(fd).size
    const r = scanner.scan(fd, 0, size, (buf, pos, _size, filePosition) => {
      lastOffset = batchLastOffset(buf, pos)
      positions.set(filePosition, lastOffset)
      batches++
    })
    validBytes = r.position
    if (r.position < size) {
      found.push({
        file: segment.logPath,
        problem: `${size - r.position} bytes at position ${r.position} are ${r.stop === 'corrupt' ? 'not a valid batch (bad length, magic or CRC)' : 'a torn batch'}`,
      })
    }
  } finally {
    closeSync(fd)
  }
  try {
    segment.loadIndexes()
    const index = segment.index
    for (let i = 0; i < index.entries; i++) {
      const e = index.entry(i)
      if (positions.get(e.position) !== e.offset) {
        found.push({file: index.path, problem: `entry ${i} (offset ${e.offset}, position ${e.position}) does not match the log`})
        break
      }
    }
    const timeIndex = segment.timeIndex
    for (let i = 0; i < timeIndex.entries; i++) {
      const e = timeIndex.entry(i)
      if (e.offset > lastOffset) {
        found.push({file: timeIndex.path, problem: `entry ${i} points at offset ${e.offset}, past the log's last offset ${lastOffset}`})
        break
      }
    }
  } catch (error) {
    if (!(error instanceof CorruptIndexError)) throw error
    found.push({file: segment.index.path, problem: error.message})
  }
  return {batches, validBytes, found}
}
