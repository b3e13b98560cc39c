import {type BrokerRegistration, isBrokerAlive, listRegistrations} from '../../core/broker/registry.js'
import {formatAddress} from '../../core/broker/listen-address.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {Admin} from '../../core/client/admin.js'
import {table} from '../../cli/style.js'

export interface BrokerListEntry {
  id: number
  address: string
  pid: number
  host: string
  alive: boolean
  /** Epoch milliseconds, as every time in --json. */
  lastHeartbeat: number
  partitionsLed: number
  /** Of the partitions it leads, the replicated ones whose ISR is short of their replicas. */
  underReplicated: number
  startedAt: number
}

export default class BrokerList extends LogpipeCommand<typeof BrokerList> {
  static override usage = 'broker list [FLAGS]'
  static override summary = 'List the brokers registered in the store, with their health.'
  static override description = 'From brokers/<id>.json: a broker is alive while it heartbeats within its session timeout and, on this host, its process runs. PARTITIONS is how many partitions it leads; UNDER-REPLICATED how many of those are replicated with an ISR short of their replicas.'
  static override examples = ['<%= config.bin %> broker list', '<%= config.bin %> broker list --json']

  async run(): Promise<BrokerListEntry[]> {
    const {brokers, damaged} = listRegistrations(this.store.dataDir)
    for (const d of damaged) this.notice(d)
    const admin = new Admin(this.store)
    const entries = brokers.map((b: BrokerRegistration) => ({
      id: b.id,
      address: formatAddress(b),
      pid: b.pid,
      host: b.processHost,
      alive: isBrokerAlive(b),
      lastHeartbeat: b.heartbeatMs,
      partitionsLed: b.partitions.length,
      underReplicated: admin.underReplicatedCount(b.partitions),
      startedAt: Date.parse(b.startedAt),
    }))
    if (entries.length > 0) {
      this.say(
        table(
          ['ID', 'ADDRESS', 'PID', 'ALIVE', 'LAST HEARTBEAT', 'PARTITIONS', 'UNDER-REPLICATED'],
          entries.map((e) => [e.id, e.address, e.pid, e.alive ? 'yes' : 'no', new Date(e.lastHeartbeat).toISOString(), e.partitionsLed, e.underReplicated]),
        ),
      )
    }
    return entries
  }
}
