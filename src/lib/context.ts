/**
 * What a Logpipe's producers, consumers and admins share: one store,
 * opened on the first connect, and one logger that store notices
 * (recovery, retention, group changes) go to.
 */
import {Store} from '../core/store/store.js'
import {UsageError} from '../core/errors.js'
import type {Logger} from './logger.js'

export class ClientContext {
  private store: Store | null = null

  constructor(
    readonly dataDir: string | undefined,
    readonly clientId: string,
    readonly logger: Logger,
  ) {}

  /** The store, opened (and created when absent) on first use. */
  open(): Store {
    this.store ??= Store.open(this.dataDir, {create: true, onNotice: (m) => this.logger.warn(m)})
    return this.store
  }

  notice = (message: string): void => this.logger.warn(message)
}

/** A client's connected state: methods before connect() or after disconnect() are refused, as kafkajs refuses them. */
export class Connection {
  private store: Store | null = null

  constructor(
    private readonly context: ClientContext,
    private readonly what: string,
  ) {}

  connect(): Store {
    this.store ??= this.context.open()
    return this.store
  }

  get connected(): boolean {
    return this.store !== null
  }

  disconnect(): void {
    this.store = null
  }

  /** The store, or a UsageError naming the call that came before connect(). */
  require(call: string): Store {
    if (!this.store) throw new UsageError(`${this.what}.${call}(): the ${this.what} is not connected`, {hint: `await ${this.what}.connect() first`})
    return this.store
  }
}
