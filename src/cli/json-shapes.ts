/**
 * What the admin commands print under --json, as docs/JSON.md specifies:
 * one name per concept across commands (`topic` for a topic's name,
 * `partitions` always a list and `partitionCount` its length, `config`
 * always the topic's overrides, times always epoch milliseconds). The
 * library's own types keep their shapes; this is the CLI's contract.
 */
import type {TopicDescription, VerifyReport} from '../core/client/admin.js'
import {type ConfigOverrides, type LogConfig, parseConfigPairs} from '../core/log/log-config.js'
import type {GroupSummary} from '../core/group/group-admin.js'
import type {TopicMeta} from '../core/store/store.js'
import type {RemoteTopicDescription} from '../core/client/wire-admin.js'

export interface TopicJson {
  topic: string
  id: string
  partitionCount: number
  replicationFactor: number
  config: ConfigOverrides
  createdAt: number
}

export function topicJson(meta: TopicMeta): TopicJson {
  return {topic: meta.name, id: meta.id, partitionCount: meta.partitions, replicationFactor: meta.replicationFactor, config: meta.config, createdAt: Date.parse(meta.createdAt)}
}

export interface PartitionJson {
  partition: number
  /** The process writing it, kafka-topics' Leader column; null for "none". */
  leader: {pid: number; host: string; client: string; since: number; brokerId?: number; leaderEpoch?: number} | null
  /** A file store's one copy is the store itself ("local" in the text); a replicated topic's are broker ids. */
  replicas: string[] | number[]
  isr: string[] | number[]
  logStartOffset: number
  logEndOffset: number
  records: number
  segments: number
  bytes: number
}

export interface TopicDescriptionJson extends TopicJson {
  partitions: PartitionJson[]
  /** Every setting in force, defaults included (`config` holds only the overrides, as kafka-topics' Configs). */
  effectiveConfig: LogConfig
}

export function describeJson(d: TopicDescription): TopicDescriptionJson {
  return {
    topic: d.topic,
    id: d.id,
    partitionCount: d.partitions.length,
    replicationFactor: d.replicationFactor,
    config: d.configOverrides,
    createdAt: Date.parse(d.createdAt),
    partitions: d.partitions.map((p) => ({
      partition: p.partition,
      leader: p.leader
        ? {
            pid: p.leader.pid,
            host: p.leader.host,
            client: p.leader.client,
            since: Date.parse(p.leader.since),
            ...(p.replication && p.replication.leaderId !== null ? {brokerId: p.replication.leaderId, leaderEpoch: p.replication.leaderEpoch} : {}),
          }
        : null,
      replicas: p.replication ? p.replication.replicas : ['local'],
      isr: p.replication ? p.replication.isr : ['local'],
      logStartOffset: p.logStartOffset,
      logEndOffset: p.logEndOffset,
      records: p.records,
      segments: p.segments,
      bytes: p.bytes,
    })),
    effectiveConfig: d.config,
  }
}

export type VerifyJson = Omit<VerifyReport, 'partitions'> & {partitionCount: number}

export function verifyJson(r: VerifyReport): VerifyJson {
  return {topic: r.topic, partitionCount: r.partitions, segments: r.segments, batches: r.batches, bytes: r.bytes, problems: r.problems, repaired: r.repaired}
}

export interface GroupSummaryJson {
  group: string
  state: GroupSummary['state']
  memberCount: number
}

export function groupSummaryJson(g: GroupSummary): GroupSummaryJson {
  return {group: g.group, state: g.state, memberCount: g.members}
}

/** A topic as a broker describes it (wire-admin.ts), in the file path's shape: what the protocol does not carry is null. */
export function remoteTopicJson(d: RemoteTopicDescription): Omit<TopicJson, 'createdAt' | 'config'> & {config: Record<string, unknown>; createdAt: null} {
  return {topic: d.topic, id: d.id, partitionCount: d.partitions.length, replicationFactor: d.replicationFactor, config: typedConfig(d.config), createdAt: null}
}

/** Config values as the file path types them (numbers for numeric settings); a setting logpipe does not know (a Kafka cluster's) stays a string. */
function typedConfig(config: Record<string, string | null>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(config)) {
    if (v === null) continue
    try {
      Object.assign(out, parseConfigPairs([`${k}=${v}`]))
    } catch {
      out[k] = v
    }
  }
  return out
}

export function remoteDescribeJson(d: RemoteTopicDescription) {
  return {
    ...remoteTopicJson(d),
    partitions: d.partitions.map((p) => ({
      partition: p.partition,
      leader: p.leader >= 0 ? {brokerId: p.leader} : null,
      replicas: p.replicas.map(String),
      isr: p.isr.map(String),
      logStartOffset: p.logStartOffset,
      logEndOffset: p.logEndOffset,
      records: null,
      segments: null,
      bytes: null,
    })),
    effectiveConfig: typedConfig(d.effectiveConfig),
  }
}
