/**
 * One connection's login, as Kafka's SaslServerAuthenticator walks it:
 * SaslHandshake names a mechanism, then either SaslAuthenticate requests
 * carry the tokens (handshake v1) or, after handshake v0 (kafka-python
 * 2.0.2), the tokens travel as bare size-prefixed frames that are no Kafka
 * requests at all. Until the exchange ends well, a connection is answered
 * ApiVersions, SaslHandshake and SaslAuthenticate only (broker-security.ts).
 *
 * A failed login is one log line, then the connection is closed once its
 * answer is out: SASL_AUTHENTICATION_FAILED for SaslAuthenticate, nothing
 * at all for a bare token (as Kafka, which closes).
 */
import {SaslAuthenticationError} from '../../errors.js'
import {ErrorCode} from '../../wire/error-codes.js'
import {isScramMechanism} from '../../wire/sasl/scram.js'
import type {BrokerLog} from '../broker-log.js'
import type {Connection} from '../connection.js'
import {PlainExchange} from './plain-exchange.js'
import type {SaslExchange} from './sasl-exchange.js'
import {ScramExchange} from './scram-exchange.js'
import type {SaslMechanism, SaslUser} from './users-file.js'

export interface SaslSessionOptions {
  mechanisms: readonly SaslMechanism[]
  lookup: (name: string) => SaslUser | undefined
  log: BrokerLog
  /** What frames may be once logged in (socket.request.max.bytes). */
  maxFrameBytes: number
}

export interface AuthenticateAnswer {
  errorCode: number
  errorMessage: string | null
  authBytes: Buffer
  sessionLifetimeMs: bigint
}

type State = 'handshake' | 'authenticate' | 'raw' | 'authenticated' | 'failed'

export class SaslSession {
  private readonly options: SaslSessionOptions
  private readonly connection: Connection
  private state: State = 'handshake'
  private exchange: SaslExchange | null = null
  /** Who logged in, once someone has. */
  principal: string | null = null

  constructor(connection: Connection, options: SaslSessionOptions) {
    this.connection = connection
    this.options = options
  }

  get authenticated(): boolean {
    return this.state === 'authenticated'
  }

  /** After SaslHandshake v0 the next frames are bare tokens, not requests. */
  get expectsRawToken(): boolean {
    return this.state === 'raw'
  }

  handshake(mechanism: string, version: number): {errorCode: number; mechanisms: string[]} {
    const mechanisms = [...this.options.mechanisms]
    if (this.state !== 'handshake') {
      this.connection.closeWhenAnswered()
      return {errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms}
    }
    const known = (mechanisms as string[]).includes(mechanism)
    if (!known) {
      this.fail(null, mechanism, `mechanism ${JSON.stringify(mechanism)} is not enabled (${mechanisms.join(', ')})`)
      return {errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms}
    }
    this.exchange = isScramMechanism(mechanism) ? new ScramExchange(mechanism, this.options.lookup) : new PlainExchange(this.options.lookup)
    this.state = version === 0 ? 'raw' : 'authenticate'
    return {errorCode: ErrorCode.NONE, mechanisms}
  }

  /** A SaslAuthenticate request's token. */
  async authenticate(token: Buffer): Promise<AuthenticateAnswer> {
    const answer = (errorCode: number, errorMessage: string | null, authBytes: Buffer = Buffer.alloc(0)): AuthenticateAnswer => ({errorCode, errorMessage, authBytes, sessionLifetimeMs: 0n})
    if (this.state !== 'authenticate') {
      this.connection.closeWhenAnswered()
      const why = this.state === 'handshake' ? 'SaslAuthenticate before SaslHandshake' : 'SaslAuthenticate after the login ended'
      this.options.log.warn(`closing connection from ${this.connection.peer}: ${why}`)
      return answer(ErrorCode.ILLEGAL_SASL_STATE, why)
    }
    const step = await this.step(token)
    if (step === null) return answer(ErrorCode.SASL_AUTHENTICATION_FAILED, `Authentication failed during authentication due to invalid credentials with SASL mechanism ${this.exchange!.mechanism}`)
    return answer(ErrorCode.NONE, null, step)
  }

  /** A bare token after SaslHandshake v0: the answer frame, or null when the login failed and the connection closes. */
  async rawToken(token: Buffer): Promise<Buffer[] | null> {
    const step = await this.step(token)
    if (step === null) return null
    const size = Buffer.alloc(4)
    size.writeInt32BE(step.length)
    return [size, step]
  }

  private async step(token: Buffer): Promise<Buffer | null> {
    const exchange = this.exchange!
    try {
      const step = await exchange.step(token)
      if (step.done) {
        this.state = 'authenticated'
        this.principal = exchange.user
        this.connection.setFrameLimit(this.options.maxFrameBytes, 'socket.request.max.bytes')
        this.options.log.debug(`${this.connection.peer} logged in as ${JSON.stringify(exchange.user)} with ${exchange.mechanism}`)
      }
      return step.token
    } catch (error) {
      if (!(error instanceof SaslAuthenticationError)) {
        // The users file unreadable or damaged: the login fails, and the log says why.
        this.options.log.error(`login from ${this.connection.peer}: ${(error as Error).message}`)
      }
      this.fail(exchange.user, exchange.mechanism, (error as Error).message)
      return null
    }
  }

  private fail(user: string | null, mechanism: string, reason: string): void {
    const raw = this.state === 'raw'
    this.state = 'failed'
    this.options.log.warn(`authentication failed from ${this.connection.peer}${user === null ? '' : ` for user ${JSON.stringify(user)}`} with ${mechanism}: ${reason}`)
    if (raw) this.connection.close()
    else this.connection.closeWhenAnswered()
  }
}
