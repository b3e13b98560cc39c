import {stopBroker} from '../../core/broker/broker-control.js'
import {MAX_BROKER_ID} from '../../core/broker/registry.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {intFlag} from '../../cli/flags.js'

export default class BrokerStop extends LogpipeCommand<typeof BrokerStop> {
  static override summary = 'Stop a broker running on this host and wait until it has deregistered.'
  static override description = 'Sends SIGTERM: the broker answers the requests in flight, releases its partition locks and removes brokers/<id>.json. A registration left by a broker that is gone is removed.'
  static override examples = ['<%= config.bin %> broker stop', '<%= config.bin %> broker stop --id 1']
  static override flags = {
    id: intFlag({name: '--id', summary: 'Broker id.', min: 0, max: MAX_BROKER_ID, default: 0}),
    timeout: intFlag({name: '--timeout', summary: 'Milliseconds to wait for it to stop.', min: 1, max: 3_600_000, default: 30_000}),
  }

  async run(): Promise<{id: number; outcome: string}> {
    const outcome = await stopBroker(this.store.dataDir, this.flags.id, {timeoutMs: this.flags.timeout})
    if (!this.flags.quiet) this.say(outcome === 'stopped' ? `Stopped broker ${this.flags.id}.` : `Broker ${this.flags.id} was not running; removed its registration.`)
    return {id: this.flags.id, outcome}
  }
}
