/**
 * The broker a data directory's own writers go through: a live broker
 * registered in `brokers/` (heartbeating) leads the partitions it serves
 * and holds their locks, so anything that writes those topics (the CLI's
 * produce, Connect's tasks and topic logs, dead letters) sends its
 * batches to it instead of waiting out a lock it will not get. Reading
 * stays on the files, as `consume` reads them beside a broker.
 */
import {isBrokerAlive, listRegistrations} from '../broker/registry.js'
import type {Clock} from '../clock.js'
import {BrokerUnreachableError} from '../errors.js'
import type {Store} from '../store/store.js'
// The client and the wire schemas load only when a broker is there: a process on the files pays nothing for them.
import type {KafkaClient, KafkaClientOptions} from './kafka-client.js'

/**
 * A client for the data directory's live brokers, or null when none is
 * alive (or none answers: one that died without deregistering is taken
 * for gone, and the files are used).
 */
export async function connectLiveBroker(dataDir: string, options: Omit<KafkaClientOptions, 'bootstrap'> = {}, clock?: Clock): Promise<KafkaClient | null> {
  let live
  try {
    live = listRegistrations(dataDir).brokers.filter((b) => isBrokerAlive(b, clock))
  } catch {
    // No usable data dir (a file, unreadable): the store reports that in its own words when it is opened.
    return null
  }
  if (live.length === 0) return null
  const {KafkaClient} = await import('./kafka-client.js')
  try {
    return await KafkaClient.connect({...options, bootstrap: live.map((b) => ({host: b.host, port: b.port}))})
  } catch (error) {
    if (error instanceof BrokerUnreachableError) return null
    throw error
  }
}
