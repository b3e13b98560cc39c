/**
 * SCRAM (RFC 5802, with SHA-256/512 as RFC 7677 names them) as both sides
 * need it: the key derivation, the four messages' attribute syntax, and the
 * proof and signature arithmetic. The broker's exchange is
 * broker/sasl/scram-exchange.ts, the client's wire/sasl-login.ts.
 *
 * Message syntax: comma-separated `x=value` attributes; a username escapes
 * ',' as '=2C' and '=' as '=3D'. We never offer channel binding, so the
 * GS2 header is `n,,` (or `n,a=authzid,`) and the final message's `c=` is
 * that header in base64.
 */
import {createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual} from 'node:crypto'


export const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const
export type ScramMechanism = (typeof SCRAM_MECHANISMS)[number]

/** RFC 7677's floor, and Kafka's and kafkajs's. */
export const MIN_ITERATIONS = 4096
/** A server that asks for more makes the client burn that much CPU per login; no sane server does. */
export const MAX_ITERATIONS = 1_000_000

const DIGEST: Record<ScramMechanism, {hash: 'sha256' | 'sha512'; bytes: number}> = {
  'SCRAM-SHA-256': {hash: 'sha256', bytes: 32},
  'SCRAM-SHA-512': {hash: 'sha512', bytes: 64},
}

export function isScramMechanism(name: string): name is ScramMechanism {
  return (SCRAM_MECHANISMS as readonly string[]).includes(name)
}

/** What a server keeps of a password: never the password, nor anything a client could log in with. */
export interface ScramCredential {
  salt: Buffer
  iterations: number
  storedKey: Buffer
  serverKey: Buffer
}

export function hmac(mechanism: ScramMechanism, key: Buffer, data: string | Buffer): Buffer {
  return createHmac(DIGEST[mechanism].hash, key).update(data).digest()
}

export function hash(mechanism: ScramMechanism, data: Buffer): Buffer {
  return createHash(DIGEST[mechanism].hash).update(data).digest()
}

/**
 * Hi(): PBKDF2 with the mechanism's HMAC, off the event loop (thousands of
 * iterations; a broker logging many clients in keeps serving the rest).
 * The password is NFKC-normalized, the nearest to SASLprep node offers.
 */
export function saltedPassword(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): Promise<Buffer> {
  const d = DIGEST[mechanism]
  // A promise made here, not promisify(pbkdf2) at the top: that would touch node:crypto in every command that imports the client.
  return new Promise((resolve, reject) =>
    pbkdf2(Buffer.from(password.normalize('NFKC'), 'utf8'), salt, iterations, d.bytes, d.hash, (error, key) => (error ? reject(error) : resolve(key))),
  )
}

export function clientKeyOf(mechanism: ScramMechanism, salted: Buffer): Buffer {
  return hmac(mechanism, salted, 'Client Key')
}

export function deriveCredential(mechanism: ScramMechanism, password: string, iterations = MIN_ITERATIONS, salt = randomBytes(32)): ScramCredential {
  const d = DIGEST[mechanism]
  const salted = pbkdf2Sync(Buffer.from(password.normalize('NFKC'), 'utf8'), salt, iterations, d.bytes, d.hash)
  return {
    salt,
    iterations,
    storedKey: hash(mechanism, clientKeyOf(mechanism, salted)),
    serverKey: hmac(mechanism, salted, 'Server Key'),
  }
}

/** Whether `password` is the one `credential` was made from (PLAIN logins check this), in constant time. */
export async function passwordMatches(mechanism: ScramMechanism, credential: ScramCredential, password: string): Promise<boolean> {
  const salted = await saltedPassword(mechanism, password, credential.salt, credential.iterations)
  return sameBytes(hash(mechanism, clientKeyOf(mechanism, salted)), credential.storedKey)
}

/** Constant-time equality that is false, not an exception, for different lengths. */
export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

export function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i]
  return out
}

/** A printable nonce (base64 has no ','). */
export function makeNonce(): string {
  return randomBytes(24).toString('base64')
}

export function escapeUsername(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C')
}

/** The escaped form back, or null when an '=' is not one of the two escapes. */
export function unescapeUsername(text: string): string | null {
  if (/=(?!2C|3D)/.test(text)) return null
  return text.replace(/=2C/g, ',').replace(/=3D/g, '=')
}

/** `a=1,b=2` as a map; null when a part is not `letter=value` or a letter repeats. */
export function parseAttributes(text: string): Map<string, string> | null {
  const out = new Map<string, string>()
  for (const part of text.split(',')) {
    const m = /^([A-Za-z])=(.*)$/s.exec(part)
    if (!m || out.has(m[1])) return null
    out.set(m[1], m[2])
  }
  return out
}

/** `authMessage` of RFC 5802 §3: what both proofs and the server signature sign. */
export function authMessage(clientFirstBare: string, serverFirst: string, clientFinalWithoutProof: string): string {
  return `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`
}
