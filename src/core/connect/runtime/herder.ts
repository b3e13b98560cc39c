/**
 * What a worker answers for (Kafka's Herder): the REST API calls these,
 * and the standalone and distributed workers implement them. The shapes
 * are Kafka's REST bodies: ConnectorInfo, TaskInfo, ConnectorStateInfo
 * (ConnectorStatus here), ConfigInfos, ConnectorOffsets.
 */
import type {ConfigInfos} from './config-infos.js'
import type {PluginInfo} from './plugins.js'
import type {ConnectorStatus, TaskStatus} from './status-store.js'

export interface ConnectorTaskId {
  connector: string
  task: number
}

export interface ConnectorInfo {
  name: string
  config: Record<string, string>
  tasks: ConnectorTaskId[]
  type: 'source' | 'sink'
}

export interface TaskInfo {
  id: ConnectorTaskId
  config: Record<string, string>
}

/** KIP-875's body: a source's partitions and offsets as its tasks wrote them; a sink's as {kafka_topic, kafka_partition} / {kafka_offset}. */
export interface ConnectorOffsets {
  offsets: {partition: Record<string, unknown>; offset: Record<string, unknown> | null}[]
}

export interface RestartRequest {
  includeTasks: boolean
  onlyFailed: boolean
}

export interface WorkerInfo {
  version: string
  commit: string
  kafka_cluster_id: string
}

/** Where a request that Kafka's distributed herder takes only on the leader goes: here, or to the leader's URL (null: no leader known, a rebalance is under way). */
export type RequestTarget = {leader: true} | {leader: false; url: string | null}

export interface Herder {
  readonly workerId: string
  /** Distributed workers only: whether this worker leads its group, else where the leader listens. */
  requestTarget?(): RequestTarget
  info(): WorkerInfo
  connectorNames(): string[]
  connectorInfo(name: string): ConnectorInfo
  connectorConfig(name: string): Record<string, string>
  /** Creates or (allowReplace) replaces a connector; `created` tells which. Bad config: ConnectConfigError. */
  putConnectorConfig(name: string, config: Record<string, string>, allowReplace: boolean, initialState?: 'STARTED' | 'PAUSED' | 'STOPPED'): Promise<{created: boolean; info: ConnectorInfo}>
  deleteConnector(name: string): Promise<void>
  connectorStatus(name: string): ConnectorStatus
  taskStatus(name: string, task: number): TaskStatus
  taskConfigs(name: string): TaskInfo[]
  /** Kafka's restart: null when only the connector instance was restarted (the plain POST), else the status with what restarts marked RESTARTING. */
  restartConnector(name: string, request: RestartRequest): Promise<ConnectorStatus | null>
  restartTask(name: string, task: number): Promise<void>
  pauseConnector(name: string): Promise<void>
  resumeConnector(name: string): Promise<void>
  stopConnector(name: string): Promise<void>
  connectorTopics(name: string): string[]
  resetConnectorTopics(name: string): void
  plugins(): PluginInfo[]
  validate(pluginClass: string, config: Record<string, string>): Promise<ConfigInfos>
  connectorOffsets(name: string): ConnectorOffsets
  /** The message Kafka answers with. */
  alterConnectorOffsets(name: string, offsets: ConnectorOffsets): Promise<string>
  resetConnectorOffsets(name: string): Promise<string>
}
