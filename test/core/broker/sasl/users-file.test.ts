/**
 * security/users.json: salted SCRAM credentials and never a password,
 * mode 0600 in a 0700 directory, and nothing in it trusted on read.
 */
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {describe, expect, test} from 'vitest'
import {BrokerError, NotFoundError, UsageError} from '../../../../src/core/errors.js'
import {UsersFile} from '../../../../src/core/broker/sasl/users-file.js'
import {passwordMatches} from '../../../../src/core/wire/sasl/scram.js'
import {tempDir} from '../../support.js'

const PASSWORD = 'correct horse battery staple'

describe('UsersFile', () => {
  test('add stores a fresh salted credential per SCRAM mechanism, never the password, mode 0600 in 0700', async () => {
    const dir = tempDir()
    const users = new UsersFile(dir)
    users.add('alice', PASSWORD, ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'])
    const text = readFileSync(users.path, 'utf8')
    expect(text).not.toContain(PASSWORD)
    expect(text).not.toContain(Buffer.from(PASSWORD).toString('base64'))
    expect(statSync(users.path).mode & 0o777).toBe(0o600)
    expect(statSync(`${dir}/security`).mode & 0o777).toBe(0o700)
    const alice = users.get('alice')!
    expect(alice.mechanisms).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'])
    for (const m of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
      expect(alice.credentials[m]!.iterations).toBeGreaterThanOrEqual(4096)
      expect(await passwordMatches(m, alice.credentials[m]!, PASSWORD)).toBe(true)
      expect(await passwordMatches(m, alice.credentials[m]!, PASSWORD + '!')).toBe(false)
    }
    expect(alice.credentials['SCRAM-SHA-256']!.salt.equals(alice.credentials['SCRAM-SHA-512']!.salt)).toBe(false)
  })

  test('PLAIN alone still keeps a SCRAM credential to check against; replacing a user gives a new salt', () => {
    const users = new UsersFile(tempDir())
    const first = users.add('bob', PASSWORD, ['PLAIN'])
    expect(Object.keys(first.credentials)).toEqual(['SCRAM-SHA-256'])
    const again = users.add('bob', PASSWORD, ['PLAIN'])
    expect(again.credentials['SCRAM-SHA-256']!.salt.equals(first.credentials['SCRAM-SHA-256']!.salt)).toBe(false)
    expect([...users.read().keys()]).toEqual(['bob'])
  })

  test('remove takes the user out; removing one that is not there is not found', () => {
    const users = new UsersFile(tempDir())
    users.add('a', PASSWORD, ['PLAIN'])
    users.add('b', PASSWORD, ['PLAIN'])
    users.remove('a')
    expect([...users.read().keys()]).toEqual(['b'])
    expect(() => users.remove('a')).toThrow(NotFoundError)
  })

  test.each([
    ['an empty name', '', PASSWORD, 4096],
    ['a name with a newline', 'a\nb', PASSWORD, 4096],
    ['an empty password', 'a', '', 4096],
    ['too few iterations', 'a', PASSWORD, 1000],
  ])('add refuses %s', (_what, name, password, iterations) => {
    expect(() => new UsersFile(tempDir()).add(name, password, ['PLAIN'], iterations)).toThrow(UsageError)
  })

  test('no file is no users', () => {
    expect(new UsersFile(tempDir()).read().size).toBe(0)
  })

  test.each([
    ['not JSON', '{'],
    ['another version', '{"version": 2, "users": {}}'],
    ['an unknown mechanism', '{"version": 1, "users": {"a": {"mechanisms": ["MD5"]}}}'],
    ['a short key', '{"version": 1, "users": {"a": {"mechanisms": ["PLAIN"], "SCRAM-SHA-256": {"salt": "AAAA", "iterations": 4096, "storedKey": "AAAA", "serverKey": "AAAA"}}}}'],
    ['iterations below 4096', `{"version": 1, "users": {"a": {"mechanisms": ["PLAIN"], "SCRAM-SHA-256": {"salt": "AAAA", "iterations": 1, "storedKey": "${'A'.repeat(43)}=", "serverKey": "${'A'.repeat(43)}="}}}}`],
    ['a name with a control character', '{"version": 1, "users": {"a\\u0007": {"mechanisms": []}}}'],
  ])('a file with %s is a BrokerError naming it', (_what, text) => {
    const users = new UsersFile(tempDir())
    users.add('x', PASSWORD, ['PLAIN'])
    writeFileSync(users.path, text)
    expect(() => users.read()).toThrow(BrokerError)
    expect(() => users.read()).toThrow(/users\.json is damaged/)
  })
})
