/**
 * How a produce, consume, topic or group command finds its broker:
 * `--bootstrap-server` (or -X bootstrap.servers, or --command-config's,
 * or $LOGPIPE_BOOTSTRAP_SERVERS) sends it through that server, whatever
 * it is; without one, a live broker registered in the data directory
 * (brokers/<id>.json, heartbeating) leads its partitions, so the command
 * goes through it; with none alive the command works on the files.
 * Client settings come from --command-config FILE (Java properties, as
 * kafka-console-*'s) and -X key=value, -X winning.
 */
import {readFileSync} from 'node:fs'
import * as Flags from '@oclif/core/flags'
import {type ClientRole, type ClientSettings, isOtherRolesSetting, parseClientSettings, parseProperties} from '../core/client/client-config.js'
// The client and the wire schemas load only when a command goes through a broker: start-up of the rest pays nothing for them.
import type {KafkaClient} from '../core/client/kafka-client.js'
import {NotFoundError} from '../core/errors.js'
import {connectLiveBroker} from '../core/client/live-broker.js'
import {resolveDataDir} from '../core/store/data-dir.js'

export const brokerFlags = {
  'bootstrap-server': Flags.string({
    helpValue: 'HOST:PORT[,...]',
    summary: 'Go through this Kafka-protocol server (a logpipe broker or a Kafka cluster) instead of the files (default: $LOGPIPE_BOOTSTRAP_SERVERS; else a live broker of the data dir, else the files).',
  }),
  'command-config': Flags.string({
    helpValue: 'FILE',
    summary: 'Client settings from a Java properties file, as kafka-console-*\'s (-X wins over it).',
  }),
}

/** --command-config's pairs, then -X's: a later key wins, as in Kafka's tools. */
export function clientSettings(flags: {setting?: string[]; 'command-config'?: string}, role: ClientRole): ClientSettings {
  const pairs: string[] = []
  const file = flags['command-config']
  if (file !== undefined) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      throw new NotFoundError(`--command-config: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
    }
    // One file serves producer, consumer and admin tools (as Kafka's client.properties does): another role's keys are skipped, unknown ones refused.
    pairs.push(...parseProperties(text, file).filter((pair) => !isOtherRolesSetting(pair.slice(0, pair.indexOf('=')), role)))
  }
  pairs.push(...(flags.setting ?? []))
  return parseClientSettings(pairs, role)
}

export interface BrokerChoice {
  flag?: string
  settings: ClientSettings
  dataDir?: string
  env?: NodeJS.ProcessEnv
}

/**
 * The client for the broker this command goes through, or null to work
 * on the files. A server named explicitly that cannot be reached is an
 * error (BrokerUnreachableError); a registered broker that cannot is
 * taken for gone (it died without deregistering) and the files are used.
 */
export async function openBrokerClient(choice: BrokerChoice): Promise<KafkaClient | null> {
  const env = choice.env ?? process.env
  const s = choice.settings
  const explicit = choice.flag ?? s.bootstrapServers ?? (env.LOGPIPE_BOOTSTRAP_SERVERS || undefined)
  const options = {
    clientId: s.clientId,
    requestTimeoutMs: s.requestTimeoutMs,
    retries: s.retries,
    retryBackoffMs: s.retryBackoffMs,
    connection: s.security ? {security: {protocol: 'PLAINTEXT' as const, ...s.security}} : undefined,
  }
  if (explicit !== undefined) {
    const what = choice.flag !== undefined ? '--bootstrap-server' : s.bootstrapServers !== undefined ? '-X bootstrap.servers' : '$LOGPIPE_BOOTSTRAP_SERVERS'
    const {KafkaClient, parseBootstrapServers} = await import('../core/client/kafka-client.js')
    return KafkaClient.connect({...options, bootstrap: parseBootstrapServers(explicit, what)})
  }
  let dataDir: string
  try {
    dataDir = resolveDataDir(choice.dataDir, env)
  } catch {
    return null
  }
  return connectLiveBroker(dataDir, options)
}

/** Topic and group commands: --bootstrap-server, --command-config and -X. */
export const adminBrokerFlags = {
  ...brokerFlags,
  setting: Flags.string({char: 'X', helpValue: 'KEY=VALUE', summary: 'Client setting for the broker connection (repeatable): client.id, request.timeout.ms, security.protocol, ...', multiple: true, multipleNonGreedy: true}),
}

/**
 * The admin client when the command line or environment names a server.
 * Topic and group commands do not follow a data dir's broker of their own
 * accord: the broker serves the same files, so the file path's answer is
 * the same one, with the store's own columns (writer pid, segments) that
 * the protocol does not carry.
 */
export async function openAdminClient(flags: {'bootstrap-server'?: string; 'command-config'?: string; setting?: string[]}): Promise<KafkaClient | null> {
  const settings = clientSettings(flags, 'admin')
  if (flags['bootstrap-server'] === undefined && settings.bootstrapServers === undefined && !process.env.LOGPIPE_BOOTSTRAP_SERVERS) return null
  return openBrokerClient({flag: flags['bootstrap-server'], settings})
}

/** Runs `fn` with the client and closes it after. */
export async function withClient<T>(client: KafkaClient, fn: (client: KafkaClient) => Promise<T>): Promise<T> {
  try {
    return await fn(client)
  } finally {
    client.close()
  }
}
