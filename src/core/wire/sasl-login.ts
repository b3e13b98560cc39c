/**
 * Our clients' SASL login over a fresh connection: SaslHandshake v1, then
 * the mechanism's tokens in SaslAuthenticate v0 (every broker since Kafka
 * 1.0 serves both). PLAIN sends one token; SCRAM-SHA-256/512 (RFC 5802)
 * sends client-first, checks the server-first (our nonce extended, at
 * least 4096 iterations), sends the proof, and checks the server's
 * signature, so a server that does not know the password cannot pass for
 * one that does.
 */
import {SaslAuthenticationError} from '../errors.js'
import {errorInfo} from './error-codes.js'
import {saslAuthenticate} from './messages/36-sasl-authenticate.js'
import {saslHandshake} from './messages/17-sasl-handshake.js'
import {
  MAX_ITERATIONS,
  MIN_ITERATIONS,
  type ScramMechanism,
  authMessage,
  clientKeyOf,
  escapeUsername,
  hash,
  hmac,
  isScramMechanism,
  makeNonce,
  parseAttributes,
  saltedPassword,
  sameBytes,
  xor,
} from './sasl/scram.js'
import type {ApiSchema, RequestInput, ResponseOf} from './schema.js'

export type ClientSaslMechanism = 'PLAIN' | ScramMechanism

export interface SaslCredentials {
  mechanism: ClientSaslMechanism
  username: string
  password: string
}

/** What the login needs of a connection: a request and its answer. */
export type Requester = <A extends ApiSchema>(schema: A, version: number, value: RequestInput<A>) => Promise<ResponseOf<A>>

export async function saslLogin(request: Requester, sasl: SaslCredentials): Promise<void> {
  const {mechanism, username} = sasl
  const failed = (why: string) => new SaslAuthenticationError(`SASL ${mechanism} login as ${JSON.stringify(username)} failed: ${why}`)
  const handshake = await request(saslHandshake, 1, {mechanism})
  if (handshake.errorCode !== 0) {
    throw failed(`${errorInfo(handshake.errorCode).name} (the broker offers ${handshake.mechanisms.join(', ') || 'none'})`)
  }
  const send = async (token: Buffer): Promise<Buffer> => {
    const r = await request(saslAuthenticate, 0, {authBytes: token})
    if (r.errorCode !== 0) throw failed(r.errorMessage ?? errorInfo(r.errorCode).name)
    return r.authBytes
  }
  if (mechanism === 'PLAIN') {
    await send(Buffer.from(`\0${username}\0${sasl.password}`, 'utf8'))
    return
  }
  if (!isScramMechanism(mechanism)) throw failed('unknown mechanism')
  const cnonce = makeNonce()
  const gs2 = 'n,,'
  const clientFirstBare = `n=${escapeUsername(username)},r=${cnonce}`
  const serverFirst = (await send(Buffer.from(gs2 + clientFirstBare))).toString('utf8')
  const attrs = parseAttributes(serverFirst)
  const nonce = attrs?.get('r') ?? ''
  const salt = Buffer.from(attrs?.get('s') ?? '', 'base64')
  const iterations = Number(attrs?.get('i'))
  if (!attrs || attrs.has('e')) throw failed(`server-first message ${JSON.stringify(serverFirst.slice(0, 100))}`)
  if (!nonce.startsWith(cnonce) || nonce.length === cnonce.length) throw failed('the server did not extend our nonce')
  if (salt.length === 0) throw failed('the server sent no salt')
  if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) throw failed(`iterations ${attrs.get('i')} outside ${MIN_ITERATIONS}-${MAX_ITERATIONS}`)
  const salted = await saltedPassword(mechanism, sasl.password, salt, iterations)
  const clientKey = clientKeyOf(mechanism, salted)
  const withoutProof = `c=${Buffer.from(gs2).toString('base64')},r=${nonce}`
  const message = authMessage(clientFirstBare, serverFirst, withoutProof)
  const proof = xor(clientKey, hmac(mechanism, hash(mechanism, clientKey), message))
  const serverFinal = (await send(Buffer.from(`${withoutProof},p=${proof.toString('base64')}`))).toString('utf8')
  const expected = hmac(mechanism, hmac(mechanism, salted, 'Server Key'), message)
  if (serverFinal.startsWith('e=')) throw failed(`the server says ${JSON.stringify(serverFinal.slice(2, 100))}`)
  const v = /^v=([A-Za-z0-9+/]+={0,2})$/.exec(serverFinal)
  if (!v || !sameBytes(Buffer.from(v[1], 'base64'), expected)) throw failed("the server's signature is wrong: it does not know the password")
}
