/**
 * The broker's SCRAM and PLAIN exchanges, token by token: RFC 7677's own
 * SCRAM-SHA-256 example (§3) must come out byte for byte, and every way a
 * login can be wrong must fail with SaslAuthenticationError.
 */
import {describe, expect, test} from 'vitest'
import {SaslAuthenticationError} from '../../../../src/core/errors.js'
import {PlainExchange} from '../../../../src/core/broker/sasl/plain-exchange.js'
import {ScramExchange} from '../../../../src/core/broker/sasl/scram-exchange.js'
import type {SaslUser} from '../../../../src/core/broker/sasl/users-file.js'
import {deriveCredential, escapeUsername, parseAttributes, unescapeUsername} from '../../../../src/core/wire/sasl/scram.js'

// RFC 7677 §3: user "user", password "pencil".
const RFC = {
  salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'),
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
}

function users(...list: SaslUser[]): (name: string) => SaslUser | undefined {
  return (name) => list.find((u) => u.name === name)
}

const rfcUser: SaslUser = {name: 'user', mechanisms: ['SCRAM-SHA-256', 'PLAIN'], credentials: {'SCRAM-SHA-256': deriveCredential('SCRAM-SHA-256', 'pencil', 4096, RFC.salt)}}
const tok = (s: string) => Buffer.from(s)
const rfcExchange = (lookup = users(rfcUser)) => new ScramExchange('SCRAM-SHA-256', lookup, () => RFC.serverNonce)

describe('SCRAM-SHA-256 on the broker', () => {
  test('RFC 7677 §3 exchange: server-first and server-final byte for byte', async () => {
    const ex = rfcExchange()
    const first = await ex.step(tok(RFC.clientFirst))
    expect(first.token.toString()).toBe(RFC.serverFirst)
    expect(first.done).toBe(false)
    const final = await ex.step(tok(RFC.clientFinal))
    expect(final).toEqual({token: tok(RFC.serverFinal), done: true})
    expect(ex.user).toBe('user')
  })

  test("librdkafka's final nonce (its client nonce once more in front of ours) is taken, as Kafka takes it", async () => {
    const ex = rfcExchange()
    await ex.step(tok(RFC.clientFirst))
    // A proof over that other message would differ; a wrong proof still fails, so this proves the nonce check alone.
    await expect(ex.step(tok(RFC.clientFinal.replace('r=', 'r=rOprNGfwEbeRWgbNEkqO')))).rejects.toThrow(/wrong password/)
  })

  test.each([
    ['a flipped proof bit', RFC.clientFinal.replace('p=d', 'p=e'), /wrong password/],
    ['a nonce not ours', RFC.clientFinal.replace('hNlF$k0', 'hNlF$k1'), /nonce does not match/],
    ['a proof of the wrong length', RFC.clientFinal.replace(/p=.*$/, 'p=AAAA'), /wrong password/],
    ['another channel binding', RFC.clientFinal.replace('c=biws', 'c=eSws'), /channel binding/],
    ['no proof', 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0', /no proof/],
  ])('client-final with %s fails', async (_what, final, why) => {
    const ex = rfcExchange()
    await ex.step(tok(RFC.clientFirst))
    const failure = ex.step(tok(final))
    await expect(failure).rejects.toBeInstanceOf(SaslAuthenticationError)
    await expect(failure).rejects.toThrow(why)
  })

  test.each([
    ['channel binding asked for', 'p=tls-unique,,n=user,r=abc', /channel binding/],
    ['no user', 'n,,r=abc', /names no user/],
    ['no nonce', 'n,,n=user', /nonce/],
    ['a mandatory extension', 'n,,n=user,r=abc,m=x', /not SCRAM/],
    ['another authorization id', 'n,a=admin,n=user,r=abc', /authorization id "admin"/],
    ['a bad escape in the name', 'n,,n=us=er,r=abc', /names no user/],
    ['garbage', '\u0000\u0001', /not SCRAM/],
  ])('client-first with %s fails', async (_what, first, why) => {
    await expect(rfcExchange().step(tok(first))).rejects.toThrow(why)
  })

  test('an unknown user gets a salt as stable as a real one and fails only at the proof', async () => {
    const answers = await Promise.all([1, 2].map(() => rfcExchange(users()).step(tok('n,,n=nobody,r=abc'))))
    const salts = answers.map((a) => parseAttributes(a.token.toString())!.get('s'))
    expect(salts[0]).toBe(salts[1])
    expect(salts[0]).not.toBe(RFC.salt.toString('base64'))
    const ex = rfcExchange(users())
    await ex.step(tok('n,,n=nobody,r=abc'))
    await expect(ex.step(tok(`c=biws,r=abc${RFC.serverNonce},p=AAAA`))).rejects.toThrow(/no such user/)
  })

  test('a user not allowed the mechanism fails; a token after the end fails', async () => {
    const only512: SaslUser = {...rfcUser, mechanisms: ['SCRAM-SHA-512']}
    const ex = rfcExchange(users(only512))
    await ex.step(tok(RFC.clientFirst))
    await expect(ex.step(tok(RFC.clientFinal))).rejects.toThrow(/may not log in with SCRAM-SHA-256/)
    const done = rfcExchange()
    await done.step(tok(RFC.clientFirst))
    await done.step(tok(RFC.clientFinal))
    await expect(done.step(tok(RFC.clientFinal))).rejects.toThrow(/exchange is over/)
  })

  test('user names escape , and = both ways', () => {
    expect(escapeUsername('a,b=c')).toBe('a=2Cb=3Dc')
    expect(unescapeUsername('a=2Cb=3Dc')).toBe('a,b=c')
    expect(unescapeUsername('a=b')).toBeNull()
  })
})

describe('PLAIN on the broker', () => {
  test.each([
    ['the right password', '\0user\0pencil', null],
    ['the user as authorization id too', 'user\0user\0pencil', null],
    ['a wrong password', '\0user\0pencil!', /wrong password/],
    ['an unknown user', '\0bob\0pencil', /no such user/],
    ['another authorization id', 'admin\0user\0pencil', /authorization id "admin"/],
    ['no separators', 'user pencil', /not authzid NUL user NUL password/],
    ['an empty user', '\0\0pencil', /names no user/],
  ])('%s', async (_what, token, why) => {
    const step = new PlainExchange(users(rfcUser)).step(tok(token))
    if (why === null) await expect(step).resolves.toEqual({token: Buffer.alloc(0), done: true})
    else await expect(step).rejects.toThrow(why)
  })

  test('a user without PLAIN among its mechanisms is refused even with the right password', async () => {
    const noPlain: SaslUser = {...rfcUser, mechanisms: ['SCRAM-SHA-256']}
    await expect(new PlainExchange(users(noPlain)).step(tok('\0user\0pencil'))).rejects.toThrow(/may not log in with PLAIN/)
  })

  test('a second token is refused', async () => {
    const ex = new PlainExchange(users(rfcUser))
    await ex.step(tok('\0user\0pencil'))
    await expect(ex.step(tok('\0user\0pencil'))).rejects.toThrow(/one token/)
  })
})
