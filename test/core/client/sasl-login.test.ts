/**
 * Our client's SASL login against a server in the same process: the
 * broker's own exchanges when honest, and servers that lie (a forged
 * signature, a nonce not ours, too few iterations), each refused.
 */
import {describe, expect, test} from 'vitest'
import {ScramExchange} from '../../../src/core/broker/sasl/scram-exchange.js'
import {PlainExchange} from '../../../src/core/broker/sasl/plain-exchange.js'
import type {SaslExchange} from '../../../src/core/broker/sasl/sasl-exchange.js'
import type {SaslUser} from '../../../src/core/broker/sasl/users-file.js'
import {type Requester, type SaslCredentials, saslLogin} from '../../../src/core/wire/sasl-login.js'
import {SaslAuthenticationError} from '../../../src/core/errors.js'
import {ErrorCode} from '../../../src/core/wire/error-codes.js'
import {deriveCredential} from '../../../src/core/wire/sasl/scram.js'

const alice: SaslUser = {
  name: 'alice',
  mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'],
  credentials: {'SCRAM-SHA-256': deriveCredential('SCRAM-SHA-256', 'pw'), 'SCRAM-SHA-512': deriveCredential('SCRAM-SHA-512', 'pw')},
}

/** A server speaking SaslHandshake and SaslAuthenticate over `exchange`, its answers passed through `tamper`. */
function server(exchange: (mechanism: string) => SaslExchange, tamper: (token: string, step: number) => string = (t) => t): Requester {
  let ex: SaslExchange | null = null
  let step = 0
  return (async (schema: {apiKey: number}, _version: number, value: any) => {
    if (schema.apiKey === 17) {
      ex = exchange(value.mechanism)
      return {errorCode: 0, mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN']}
    }
    try {
      const answer = await ex!.step(value.authBytes)
      return {errorCode: 0, errorMessage: null, authBytes: Buffer.from(tamper(answer.token.toString(), step++)), sessionLifetimeMs: 0n}
    } catch (error) {
      return {errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: (error as Error).message, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n}
    }
  }) as unknown as Requester
}

const honest = (mechanism: string): SaslExchange =>
  mechanism === 'PLAIN' ? new PlainExchange((n) => (n === 'alice' ? alice : undefined)) : new ScramExchange(mechanism as 'SCRAM-SHA-256', (n) => (n === 'alice' ? alice : undefined))
const login = (mechanism: SaslCredentials['mechanism'], password = 'pw', tamper?: (t: string, step: number) => string) =>
  saslLogin(server(honest, tamper), {mechanism, username: 'alice', password})

describe('saslLogin', () => {
  test.each(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('%s against an honest server', async (mechanism) => {
    await expect(login(mechanism)).resolves.toBeUndefined()
  })

  test('a wrong password is the server\'s refusal, as SaslAuthenticationError', async () => {
    await expect(login('SCRAM-SHA-256', 'nope')).rejects.toBeInstanceOf(SaslAuthenticationError)
    await expect(login('SCRAM-SHA-256', 'nope')).rejects.toThrow(/SASL SCRAM-SHA-256 login as "alice" failed: wrong password/)
  })

  test.each([
    ['a forged server signature', (t: string, step: number) => (step === 1 ? 'v=' + Buffer.alloc(32).toString('base64') : t), /signature is wrong/],
    ['an error instead of a signature', (t: string, step: number) => (step === 1 ? 'e=other-error' : t), /the server says "other-error"/],
    ['a nonce not extending ours', (t: string, step: number) => (step === 0 ? t.replace(/^r=[^,]*/, 'r=someoneelse') : t), /did not extend our nonce/],
    ['too few iterations', (t: string, step: number) => (step === 0 ? t.replace(/i=\d+$/, 'i=1000') : t), /iterations 1000 outside 4096-1000000/],
    ['too many iterations', (t: string, step: number) => (step === 0 ? t.replace(/i=\d+$/, 'i=99999999') : t), /iterations 99999999 outside/],
    ['no salt', (t: string, step: number) => (step === 0 ? t.replace(/s=[^,]*/, 's=') : t), /no salt/],
    ['garbage', (t: string, step: number) => (step === 0 ? '\u0000garbage' : t), /server-first message/],
  ])('a server that sends %s is refused', async (_what, tamper, why) => {
    await expect(login('SCRAM-SHA-512', 'pw', tamper)).rejects.toThrow(why)
  })

  test('a mechanism the server does not offer names the ones it does', async () => {
    const refusing = (async () => ({errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN']})) as unknown as Requester
    await expect(saslLogin(refusing, {mechanism: 'SCRAM-SHA-256', username: 'a', password: 'b'})).rejects.toThrow(/UNSUPPORTED_SASL_MECHANISM \(the broker offers PLAIN\)/)
  })
})
