/**
 * A listener's security: TLS or not, SASL mechanisms or none, which make
 * Kafka's four listener protocols (PLAINTEXT, SSL, SASL_PLAINTEXT,
 * SASL_SSL). With SASL, every connection has a SaslSession and this gate
 * stands before the dispatcher: a bare token after SaslHandshake v0 goes to
 * the session, and until a login succeeds any request but ApiVersions,
 * SaslHandshake and SaslAuthenticate closes the connection with one log
 * line (Kafka closes too: the client has broken the protocol). Before the
 * login, frames are bounded by sasl.server.max.receive.size (512 KiB, as
 * Kafka), so a stranger cannot make the broker hold 100 MiB buffers; after
 * it, by socket.request.max.bytes.
 */
import {WireDecodeError} from '../../errors.js'
import {schemaFor} from '../../wire/registry.js'
import type {BrokerLog} from '../broker-log.js'
import type {Connection} from '../connection.js'
import {SaslSession} from './sasl-session.js'
import {type SaslMechanism, UsersFile} from './users-file.js'

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL'

export function securityProtocol(tls: boolean, sasl: boolean): SecurityProtocol {
  if (sasl) return tls ? 'SASL_SSL' : 'SASL_PLAINTEXT'
  return tls ? 'SSL' : 'PLAINTEXT'
}

/** What an unauthenticated client may ask: ApiVersions (to learn versions), SaslHandshake, SaslAuthenticate. */
const BEFORE_LOGIN = new Set([18, 17, 36])

export class BrokerSecurity {
  readonly mechanisms: readonly SaslMechanism[]
  readonly users: UsersFile
  private readonly log: BrokerLog
  private readonly sessions = new WeakMap<Connection, SaslSession>()

  private readonly maxFrameBytes: number

  /** `maxFrameBytes`: socket.request.max.bytes, what a client may send once logged in. */
  constructor(options: {dataDir: string; mechanisms: readonly SaslMechanism[]; log: BrokerLog; maxFrameBytes: number}) {
    this.mechanisms = options.mechanisms
    this.maxFrameBytes = options.maxFrameBytes
    this.users = new UsersFile(options.dataDir)
    this.log = options.log
  }

  session(connection: Connection): SaslSession {
    let s = this.sessions.get(connection)
    if (!s) {
      s = new SaslSession(connection, {mechanisms: this.mechanisms, lookup: (name) => this.users.get(name), log: this.log, maxFrameBytes: this.maxFrameBytes})
      this.sessions.set(connection, s)
    }
    return s
  }

  /**
   * The answer to a frame the gate handles itself (a bare SASL token), or
   * undefined to dispatch it as a request; throws, closing the connection,
   * on a request that needs a login first.
   */
  gate(frame: Buffer, connection: Connection): Promise<Buffer[] | null> | undefined {
    const session = this.session(connection)
    if (session.authenticated) return undefined
    if (session.expectsRawToken) return session.rawToken(frame)
    if (frame.length < 2) return undefined
    const apiKey = frame.readInt16BE(0)
    if (BEFORE_LOGIN.has(apiKey)) return undefined
    const name = schemaFor(apiKey)?.name ?? `API key ${apiKey}`
    throw new WireDecodeError(`${name} request before authenticating (this listener wants SASL: ${this.mechanisms.join(', ')})`)
  }
}
