/**
 * SASL PLAIN (RFC 4616): one token, `authzid NUL authcid NUL password`,
 * checked against the user's SCRAM credential (users-file.ts keeps no
 * passwords). As Kafka, an authorization id other than the user's own is
 * refused. An unknown user costs the same key derivation as a known one, so
 * timing does not tell which names exist.
 */
import {SaslAuthenticationError} from '../../errors.js'
import {MIN_ITERATIONS, SCRAM_MECHANISMS, type ScramCredential, deriveCredential, passwordMatches} from '../../wire/sasl/scram.js'
import type {SaslExchange, SaslStep} from './sasl-exchange.js'
import type {SaslUser} from './users-file.js'

let decoy: ScramCredential | null = null
/** Made at the first login, not at load: the CLI loads this file for every broker command. */
function decoyCredential(): ScramCredential {
  decoy ??= deriveCredential('SCRAM-SHA-256', 'not a password anyone has', MIN_ITERATIONS)
  return decoy
}

export class PlainExchange implements SaslExchange {
  readonly mechanism = 'PLAIN'
  user: string | null = null
  private readonly lookup: (name: string) => SaslUser | undefined
  private used = false

  constructor(lookup: (name: string) => SaslUser | undefined) {
    this.lookup = lookup
  }

  async step(token: Buffer): Promise<SaslStep> {
    if (this.used) throw new SaslAuthenticationError('PLAIN takes one token, the client sent another')
    this.used = true
    const parts = token.toString('utf8').split('\0')
    if (parts.length !== 3) throw new SaslAuthenticationError('PLAIN token is not authzid NUL user NUL password')
    const [authzid, name, password] = parts
    this.user = name
    if (name.length === 0) throw new SaslAuthenticationError('PLAIN token names no user')
    if (authzid !== '' && authzid !== name) throw new SaslAuthenticationError(`authorization id ${JSON.stringify(authzid)} is not the user's own`)
    const user = this.lookup(name)
    const mechanism = SCRAM_MECHANISMS.find((m) => user?.credentials[m]) ?? 'SCRAM-SHA-256'
    const credential = user?.credentials[mechanism] ?? decoyCredential()
    const matches = await passwordMatches(mechanism, credential, password)
    if (!user) throw new SaslAuthenticationError('no such user')
    if (!user.mechanisms.includes('PLAIN')) throw new SaslAuthenticationError('the user may not log in with PLAIN')
    if (!matches) throw new SaslAuthenticationError('wrong password')
    return {token: Buffer.alloc(0), done: true}
  }
}
