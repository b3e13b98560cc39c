/**
 * connect pause|resume|stop|delete NAME: one REST call each, to the worker
 * the flags name or the one found (cli/connect-worker.ts), as a Kafka user
 * would curl it. The command classes share their run; each gets its verb.
 */
import * as Args from '@oclif/core/args'
import type {ConnectRestClient} from '../core/connect/rest/rest-client.js'
import {LogpipeCommand} from './base-command.js'
import {workerClient, workerFlags} from './connect-worker.js'

export type LifecycleVerb = 'pause' | 'resume' | 'stop' | 'delete'

const CALL: Record<LifecycleVerb, {method: string; path: (n: string) => string; summary: string; description: string; done: string}> = {
  pause: {
    method: 'PUT',
    path: (n) => `/connectors/${encodeURIComponent(n)}/pause`,
    summary: "Pause a connector and its tasks (Kafka's PUT /connectors/NAME/pause).",
    description: 'Its tasks stop processing until resumed; a sink keeps its partitions and commits what it wrote. The worker answers at once (202) and the tasks go PAUSED a moment later: logpipe connect status NAME shows it.',
    done: 'pause requested',
  },
  resume: {
    method: 'PUT',
    path: (n) => `/connectors/${encodeURIComponent(n)}/resume`,
    summary: "Resume a paused or stopped connector (Kafka's PUT /connectors/NAME/resume).",
    description: 'A paused connector carries on where it was; a stopped one starts again, its tasks asked for afresh.',
    done: 'resume requested',
  },
  stop: {
    method: 'PUT',
    path: (n) => `/connectors/${encodeURIComponent(n)}/stop`,
    summary: "Stop a connector: it and its tasks shut down, its config stays (Kafka's PUT /connectors/NAME/stop, KIP-875).",
    description: 'A stopped connector has no tasks; its offsets can then be read, altered or reset through the REST API (/connectors/NAME/offsets). logpipe connect resume NAME starts it again.',
    done: 'stop requested',
  },
  delete: {
    method: 'DELETE',
    path: (n) => `/connectors/${encodeURIComponent(n)}`,
    summary: "Delete a connector: its tasks stop and its config is removed (Kafka's DELETE /connectors/NAME).",
    description: 'Its source offsets and its sink group connect-NAME stay, so a connector of the same name created later goes on from them (as in Kafka).',
    done: 'deleted',
  },
}

export abstract class ConnectLifecycleCommand extends LogpipeCommand<typeof ConnectLifecycleCommand> {
  static override enableJsonFlag = false
  protected readonly verb!: LifecycleVerb

  /** The data directory if there is one: only to find a running worker. */
  protected dataDirIfAny(): string | null {
    try {
      return this.store.dataDir
    } catch {
      return null
    }
  }

  protected client(name?: string): ConnectRestClient {
    return workerClient(this.flags as {url?: string; 'worker-config'?: string}, this.dataDirIfAny(), name).client
  }

  async run(): Promise<Record<string, unknown>> {
    const name = (this.args as {name: string}).name
    const call = CALL[this.verb]
    await this.client(name).request(call.method, call.path(name))
    this.say(`connector ${name}: ${call.done}`)
    return {name, action: this.verb}
  }
}

export function lifecycleCommandClass(verb: LifecycleVerb): typeof ConnectLifecycleCommand {
  const c = CALL[verb]
  return class extends ConnectLifecycleCommand {
    static override usage = `connect ${verb} NAME [FLAGS]`
    static override summary = c.summary
    static override description = c.description
    static override examples = [`<%= config.bin %> connect ${verb} local-file-sink`, `<%= config.bin %> connect ${verb} local-file-sink --url http://127.0.0.1:8083`]
    static override args = {name: Args.string({description: 'The connector name.', required: true})}
    static override flags = {...workerFlags}
    protected override readonly verb = verb
  }
}

