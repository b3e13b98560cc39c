/**
 * logpipe's own commands through a broker that wants a login: -X
 * security.protocol, sasl.* and ssl.* (or --command-config) open TLS and log
 * in, as kcat's settings do; a wrong password and a missing login fail with
 * one clean line. A group (-g) logs in to its coordinator too.
 */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {startBroker} from '../helpers/broker.js'
import {makeTestCerts} from '../helpers/tls-certs.js'
import {expectCleanError, expectOk, lines} from './support.js'

const PASSWORD = 'correct horse'

test('SASL_SSL with SCRAM-SHA-512: create, produce, consume and list through the broker; a wrong password or none is refused', async () => {
  const c = cli()
  const certs = await makeTestCerts()
  expectOk(await c.run(['broker', 'user', 'add', 'alice'], {input: PASSWORD + '\n'}))
  const broker = await startBroker(c.env, ['--sasl', '--tls-cert', certs.certPath, '--tls-key', certs.keyPath])
  const login = ['--bootstrap-server', `localhost:${broker.port}`, '-X', 'security.protocol=SASL_SSL', '-X', 'sasl.mechanism=SCRAM-SHA-512', '-X', 'sasl.username=alice', '-X', `sasl.password=${PASSWORD}`, '-X', `ssl.ca.location=${certs.caPath}`]
  expectOk(await c.run(['topic', 'create', 'secure', '--partitions', '2', ...login]))
  expectOk(await c.run(['produce', 'secure', '-q', '-K', ':', ...login], {input: 'a:1\nb:2\nc:3\n'}))
  expect(lines((await c.run(['consume', 'secure', '-e', '-f', '%k=%s\n', ...login])).stdout).sort()).toEqual(['a=1', 'b=2', 'c=3'])
  // A group member's coordinator connection logs in the same way.
  const grouped = await c.run(['consume', 'secure', '-g', 'sg', '-e', '-f', '%k=%s\n', ...login])
  expect(grouped.exitCode, String(grouped.stderr)).toBe(0)
  expect(lines(grouped.stdout).sort()).toEqual(['a=1', 'b=2', 'c=3'])
  expect(String((await c.run(['consume', 'secure', '-g', 'sg', '-e', ...login])).stdout)).toBe('')
  // The same settings from a properties file, as kafka-console-*'s --command-config takes them.
  const props = join(c.base, 'client.properties')
  writeFileSync(props, `security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\nsasl.username=alice\nsasl.password=${PASSWORD}\nssl.ca.location=${certs.caPath}\n`)
  expect(lines((await c.run(['topic', 'list', '--bootstrap-server', `localhost:${broker.port}`, '--command-config', props])).stdout)).toContain('secure')

  const wrong = login.map((a) => (a === `sasl.password=${PASSWORD}` ? 'sasl.password=nope' : a))
  expectCleanError(await c.run(['topic', 'list', ...wrong]), 1, /SASL SCRAM-SHA-512 login as "alice" failed/)
  expectCleanError(await c.run(['topic', 'list', '--bootstrap-server', `localhost:${broker.port}`, '-X', 'security.protocol=SASL_SSL', '-X', `ssl.ca.location=${certs.caPath}`]), 2, /security\.protocol=SASL_SSL needs sasl\.username and sasl\.password/)
  expect(broker.stderr()).toMatch(/authentication failed/)
})
