/**
 * Topic administration: create, list, describe, alter, delete, verify.
 */
import {closeSync, fstatSync, openSync} from 'node:fs'
import {CorruptIndexError, NotFoundError, UsageError} from '../errors.js'
import {BatchScanner} from '../log/batch-scanner.js'
import {listSegmentBaseOffsets} from '../log/file-names.js'
import {PartitionLog} from '../log/partition-log.js'
import {LogSegment} from '../log/segment.js'
import {batchLastOffset} from '../record/batch-header.js'
import {currentLeader, type LeaderInfo} from '../lock/partition-lock.js'
import {LogReader} from '../log/log-reader.js'
import {writeRecoveryPoint} from '../log/recovery-point.js'
import {Store, type TopicMeta} from '../store/store.js'
import {type ConfigOverrides, type LogConfig, isConfigKey, resolveConfig} from '../log/log-config.js'

export interface PartitionDescription {
  partition: number
  leader: LeaderInfo | null
  logStartOffset: number
  logEndOffset: number
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
      const reader = this.store.openReader(topic, p)
      const bases = listSegmentBaseOffsets(dir)
      let bytes = 0
      for (const b of bases) bytes += new LogSegment(dir, b).size()
      partitions.push({
        partition: p,
        leader: currentLeader(dir),
        logStartOffset: reader.logStartOffset(),
        logEndOffset: reader.logEndOffset(),
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

  alterTopic(topic: string, change: {partitions?: number; set?: ConfigOverrides; delete?: string[]}): TopicMeta {
    for (const key of change.delete ?? []) {
      if (!isConfigKey(key)) throw new UsageError(`unknown topic config '${key}'`)
    }
    return this.store.updateTopic(topic, (meta) => {
      const config = {...meta.config, ...(change.set ?? {})}
      for (const key of change.delete ?? []) delete config[key as keyof LogConfig]
      return {...meta, partitions: change.partitions ?? meta.partitions, config}
    })
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
    // Records are decoded too: a batch whose CRC holds may still declare
    // lengths its bytes do not have, and --repair must cut it like a bad CRC.
    const scanner = new BatchScanner({checkRecords: true})
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
        // The cut may have left the recovery point past the log end; the
        // log as it is now is what every later writer starts from.
        if (log && report.problems.some((e) => e.partition === p)) writeRecoveryPoint(dir, new LogReader(dir).logEndOffset())
      } finally {
        if (log) await log.release()
      }
    }
    return report
  }
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
    if (r.corruptRecord) {
      found.push({
        file: segment.logPath,
        problem: `corrupt record at offset ${r.corruptRecord.offset} (batch at position ${r.position}): ${r.corruptRecord.what}; ${size - r.position} bytes from there are unreadable`,
      })
    } else if (r.position < size) {
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
