/**
 * Test certificates made on the spot with openssl (Debian's): a CA, and a
 * broker certificate it signs for localhost and 127.0.0.1. Never committed,
 * never shared between tests.
 */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {execa} from 'execa'
import {onTestFinished} from 'vitest'

export interface TestCerts {
  dir: string
  caPath: string
  certPath: string
  keyPath: string
  ca: Buffer
  cert: Buffer
  key: Buffer
}

export async function makeTestCerts(): Promise<TestCerts> {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-tls-'))
  onTestFinished(() => rmSync(dir, {recursive: true, force: true}))
  const at = (f: string) => join(dir, f)
  const run = (args: string[]) => execa('openssl', args, {cwd: dir, env: {}, extendEnv: false, timeout: 30_000})
  await run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=logpipe test CA'])
  await run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'broker.key', '-out', 'broker.csr', '-subj', '/CN=localhost'])
  writeFileSync(at('ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n')
  await run(['x509', '-req', '-in', 'broker.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'broker.pem', '-days', '2', '-extfile', 'ext'])
  return {
    dir,
    caPath: at('ca.pem'),
    certPath: at('broker.pem'),
    keyPath: at('broker.key'),
    ca: readFileSync(at('ca.pem')),
    cert: readFileSync(at('broker.pem')),
    key: readFileSync(at('broker.key')),
  }
}
