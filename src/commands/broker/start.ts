import * as Flags from '@oclif/core/flags'
import {readFileSync} from 'node:fs'
import {parseBrokerConfig, saslMechanismList} from '../../core/broker/broker-config.js'
import {SASL_MECHANISMS} from '../../core/broker/sasl/users-file.js'
import {UsageError} from '../../core/errors.js'
import {LOG_LEVELS, type LogLevel, createBrokerLog} from '../../core/broker/broker-log.js'
import {Broker} from '../../core/broker/broker.js'
import {DEFAULT_LISTEN, formatAddress, parseAdvertisedHost, parseListenAddress} from '../../core/broker/listen-address.js'
import {MAX_BROKER_ID} from '../../core/broker/registry.js'
import {LogpipeCommand} from '../../cli/base-command.js'
import {intFlag} from '../../cli/flags.js'

export default class BrokerStart extends LogpipeCommand<typeof BrokerStart> {
  static override usage = 'broker start [FLAGS]'
  static override summary = 'Run a broker that serves the store over the Kafka protocol.'
  static override description =
    'Leads every partition of the store (their write locks, under a new leader epoch each), listens (on loopback unless --sasl; TLS with --tls-cert/--tls-key), prints the address it listens on as one line on stdout, and registers in brokers/<id>.json. kcat, kafka-python and kafkajs then produce and consume against it. Runs in the foreground, one log line per notable event on stderr; SIGTERM or Ctrl-C finishes the requests in flight, releases every lock and deregisters.'
  static override examples = [
    '<%= config.bin %> broker start',
    '<%= config.bin %> broker start --id 1 --listen 127.0.0.1:9093 --log-level debug',
    '<%= config.bin %> broker start -X auto.create.topics.enable=false -X num.partitions=3',
    '<%= config.bin %> broker start --listen 0.0.0.0:9093 --advertise broker.example --sasl --tls-cert broker.pem --tls-key broker.key',
    '<%= config.bin %> broker start --listen 0.0.0.0:9093 -X sasl.enabled.mechanisms=SCRAM-SHA-512 --tls-cert broker.pem --tls-key broker.key',
    '<%= config.bin %> broker start --id 2 --log-dir /mnt/disk2/logpipe --listen 127.0.0.1:9094',
  ]
  static override enableJsonFlag = false
  static override flags = {
    id: intFlag({name: '--id', summary: 'Broker id.', min: 0, max: MAX_BROKER_ID, default: 0}),
    listen: Flags.string({summary: 'HOST:PORT to listen on (default 127.0.0.1:9092, or the next free port; port 0: any free port); off loopback only with --sasl.'}),
    advertise: Flags.string({summary: "Host clients are told to connect to (Kafka's advertised.listeners); default the --listen host, or this machine's name for 0.0.0.0 and ::."}),
    sasl: Flags.boolean({summary: `Clients must log in with SASL (${SASL_MECHANISMS.join(', ')}; -X sasl.enabled.mechanisms=... narrows), as users of \`broker user add\`.`}),
    'tls-cert': Flags.string({summary: 'PEM certificate (chain) file: the listener speaks TLS (SSL, or SASL_SSL with --sasl).', dependsOn: ['tls-key']}),
    'tls-key': Flags.string({summary: 'PEM private key file of --tls-cert.', dependsOn: ['tls-cert']}),
    'log-level': Flags.string({summary: 'Least severe log lines shown on stderr.', options: [...LOG_LEVELS], default: 'info'}),
    'log-dir': Flags.string({summary: 'Directory for this broker\'s replicas of replicated topics (default: the data directory).'}),
    config: Flags.string({char: 'X', summary: 'Broker config key=value (repeatable), Kafka names: auto.create.topics.enable, num.partitions, socket.request.max.bytes, ...', multiple: true}),
  }

  protected override createsStore(): boolean {
    return true
  }

  async run(): Promise<void> {
    const config = parseBrokerConfig(this.flags.config ?? [])
    if (this.flags.sasl && saslMechanismList(config['sasl.enabled.mechanisms']).length === 0) config['sasl.enabled.mechanisms'] = SASL_MECHANISMS.join(',')
    const tls = this.flags['tls-cert'] === undefined ? null : {cert: readPem(this.flags['tls-cert'], '--tls-cert'), key: readPem(this.flags['tls-key']!, '--tls-key')}
    const listen = this.flags.listen === undefined ? DEFAULT_LISTEN : parseListenAddress(this.flags.listen)
    const level = this.flags.quiet ? 'error' : (this.flags['log-level'] as LogLevel)
    const log = createBrokerLog(level, (line) => process.stderr.write(line))
    const broker = await Broker.start({
      dataDir: this.store.dataDir,
      id: this.flags.id,
      host: listen.host,
      port: listen.port,
      nextFreePort: this.flags.listen === undefined,
      config,
      log,
      tls,
      advertisedHost: this.flags.advertise === undefined ? undefined : parseAdvertisedHost(this.flags.advertise),
      logDir: this.flags['log-dir'],
    })
    process.stdout.write(formatAddress({host: broker.host, port: broker.port}) + '\n')
    const stop = () => void broker.stop()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    try {
      await broker.stopped
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    }
  }
}

function readPem(path: string, flag: string): Buffer {
  try {
    return readFileSync(path)
  } catch (error) {
    throw new UsageError(`${flag} ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`)
  }
}
