/**
 * The library's entry point, shaped as kafkajs's `Kafka`: one per data
 * directory, making producers, consumers and admins that share its store
 * and its logger.
 */
import {type LogCreator, type LogLevel, createLogger, defaultLogCreator, logLevel} from './logger.js'
import {ClientContext} from './context.js'
import {Producer, type ProducerConfig} from './producer.js'
import {Consumer} from './consumer.js'
import type {ConsumerConfig} from './consumer-types.js'
import {Admin} from './admin.js'

export interface LogpipeConfig {
  /** The store: --data-dir's directory. Left out: $LOGPIPE_DATA_DIR, else $XDG_DATA_HOME/logpipe, else ~/.local/share/logpipe. */
  dataDir?: string
  /** Names this client's group members (as kafkajs's clientId names its connections). */
  clientId?: string
  /** Default INFO, as kafkajs. */
  logLevel?: LogLevel
  logCreator?: LogCreator
  /** Accepted so kafkajs code ports and not used: the store is the cluster (a broker running on it is found by itself and written through). */
  brokers?: string[]
}

export class Logpipe {
  private readonly context: ClientContext

  constructor(config: LogpipeConfig = {}) {
    const logger = createLogger(config.logLevel ?? logLevel.INFO, config.logCreator ?? defaultLogCreator)
    this.context = new ClientContext(config.dataDir, config.clientId ?? 'logpipe', logger)
  }

  producer(config: ProducerConfig = {}): Producer {
    return new Producer(this.context, config)
  }

  consumer(config: ConsumerConfig): Consumer {
    return new Consumer(this.context, config)
  }

  admin(): Admin {
    return new Admin(this.context)
  }
}
