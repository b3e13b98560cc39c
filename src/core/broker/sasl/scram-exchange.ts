/**
 * SCRAM-SHA-256/512 on the broker's side (RFC 5802 §5, as Kafka's
 * ScramSaslServer): client-first (`n,,n=user,r=cnonce`) is answered with
 * server-first (`r=cnonce+snonce,s=salt,i=iterations`); client-final
 * (`c=biws,r=nonce,p=proof`) is checked (the nonce ours, the proof's
 * ClientKey hashing to the StoredKey, compared in constant time) and
 * answered with `v=ServerSignature`.
 *
 * An unknown user is given a salt as stable as a real one and fails only at
 * the proof, so the first answer does not tell which names exist.
 */
import {createHmac, randomBytes} from 'node:crypto'
import {SaslAuthenticationError} from '../../errors.js'
import {
  MIN_ITERATIONS,
  type ScramMechanism,
  authMessage,
  hash,
  hmac,
  makeNonce,
  parseAttributes,
  sameBytes,
  unescapeUsername,
  xor,
} from '../../wire/sasl/scram.js'
import type {SaslExchange, SaslStep} from './sasl-exchange.js'
import type {SaslUser} from './users-file.js'

/** Per process: what the decoy salts of unknown users are made from. */
const DECOY_SECRET = randomBytes(32)

export class ScramExchange implements SaslExchange {
  readonly mechanism: ScramMechanism
  user: string | null = null
  private readonly lookup: (name: string) => SaslUser | undefined
  private readonly nonce: () => string
  private state: 'first' | 'final' | 'done' = 'first'
  private clientFirstBare = ''
  private serverFirst = ''
  private gs2Header = ''
  private fullNonce = ''
  private known: SaslUser | undefined

  constructor(mechanism: ScramMechanism, lookup: (name: string) => SaslUser | undefined, nonce: () => string = makeNonce) {
    this.mechanism = mechanism
    this.lookup = lookup
    this.nonce = nonce
  }

  async step(token: Buffer): Promise<SaslStep> {
    const text = token.toString('utf8')
    if (this.state === 'first') return this.first(text)
    if (this.state === 'final') return this.final(text)
    throw new SaslAuthenticationError('the SCRAM exchange is over, the client sent another token')
  }

  private first(text: string): SaslStep {
    // gs2-header: cbind flag, authzid, then the bare message.
    const m = /^([ny]),(a=[^,]*)?,(.*)$/s.exec(text)
    if (!m) throw new SaslAuthenticationError(text.startsWith('p=') ? 'the client asked for channel binding, which this broker does not offer' : 'client-first message is not SCRAM')
    this.gs2Header = text.slice(0, text.length - m[3].length)
    this.clientFirstBare = m[3]
    const attrs = parseAttributes(this.clientFirstBare)
    if (!attrs || attrs.has('m')) throw new SaslAuthenticationError('client-first message is not SCRAM')
    const name = unescapeUsername(attrs.get('n') ?? '')
    const cnonce = attrs.get('r') ?? ''
    if (!name) throw new SaslAuthenticationError('client-first message names no user')
    this.user = name
    if (cnonce.length === 0 || !/^[\x21-\x2b\x2d-\x7e]+$/.test(cnonce)) throw new SaslAuthenticationError('client nonce missing or not printable')
    const authzid = m[2] ? unescapeUsername(m[2].slice(2)) : ''
    if (authzid !== '' && authzid !== name) throw new SaslAuthenticationError(`authorization id ${JSON.stringify(authzid)} is not the user's own`)
    const user = this.lookup(name)
    this.known = user?.mechanisms.includes(this.mechanism) ? user : undefined
    const credential = this.known?.credentials[this.mechanism]
    const salt = credential?.salt ?? createHmac('sha256', DECOY_SECRET).update(name).digest()
    const iterations = credential?.iterations ?? MIN_ITERATIONS
    this.fullNonce = cnonce + this.nonce()
    this.serverFirst = `r=${this.fullNonce},s=${salt.toString('base64')},i=${iterations}`
    this.state = 'final'
    return {token: Buffer.from(this.serverFirst), done: false}
  }

  private final(text: string): SaslStep {
    this.state = 'done'
    const at = text.lastIndexOf(',p=')
    if (at < 0) throw new SaslAuthenticationError('client-final message has no proof')
    const withoutProof = text.slice(0, at)
    const attrs = parseAttributes(withoutProof)
    if (!attrs) throw new SaslAuthenticationError('client-final message is not SCRAM')
    if (attrs.get('c') !== Buffer.from(this.gs2Header).toString('base64')) throw new SaslAuthenticationError('channel binding does not match the client-first message')
    // librdkafka 2.0 puts its client nonce once more in front of the nonce we sent; Kafka's
    // ScramSaslServer takes a final nonce that ends with the server's, and so do we. Our nonce
    // is still in it and the proof signs the message as sent, so a replay still fails.
    if (!(attrs.get('r') ?? '').endsWith(this.fullNonce)) throw new SaslAuthenticationError('nonce does not match the one the server sent')
    const proof = Buffer.from(text.slice(at + 3), 'base64')
    const credential = this.known?.credentials[this.mechanism]
    const message = authMessage(this.clientFirstBare, this.serverFirst, withoutProof)
    if (!credential) {
      throw new SaslAuthenticationError(this.lookup(this.user ?? '') ? `the user may not log in with ${this.mechanism}` : 'no such user')
    }
    const clientSignature = hmac(this.mechanism, credential.storedKey, message)
    if (proof.length !== clientSignature.length || !sameBytes(hash(this.mechanism, xor(proof, clientSignature)), credential.storedKey)) {
      throw new SaslAuthenticationError('wrong password')
    }
    const serverSignature = hmac(this.mechanism, credential.serverKey, message)
    return {token: Buffer.from(`v=${serverSignature.toString('base64')}`), done: true}
  }
}
