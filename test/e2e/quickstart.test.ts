/**
 * `npm run quickstart` is the README's first command: it must run to its
 * end on a fresh data directory and show what it promises (records read
 * back from the files, then through a broker by kcat).
 */
import {join} from 'node:path'
import {execa} from 'execa'
import {expect, test} from 'vitest'
import {ROOT, inheritedEnv, tempDataDir} from '../helpers/cli.js'

test('the quickstart runs to Done on a fresh data directory, and kcat reads the topic through the broker', async () => {
  const dataDir = join(tempDataDir(), 'data')
  const r = await execa(process.execPath, [join(ROOT, 'scripts', 'quickstart.mjs')], {
    env: {...inheritedEnv(), LOGPIPE_DATA_DIR: dataDir, NO_COLOR: '1'},
    extendEnv: false,
    reject: false,
    timeout: 120_000,
  })
  expect(r.stderr).not.toMatch(/step failed/)
  expect(r.exitCode).toBe(0)
  expect(r.stdout).toContain('quickstart-demo: 3 partitions')
  // Read back from the files by consume -f, and through the Kafka protocol by kcat: the same records.
  const fromFiles = r.stdout.split('$ logpipe consume quickstart-demo -e -f')[1].split('\n$ ')[0]
  const fromKcat = r.stdout.split('$ kcat -b')[2].split('\n').slice(1, 9).join('\n')
  for (const line of ['alice signed up', 'alice ordered 3 books', 'dave ordered 1 lamp', 'carol signed up']) {
    expect(fromFiles).toContain(line)
    expect(fromKcat).toContain(line)
  }
  // The one-line Streams app counted the keyed records per key.
  expect(r.stdout).toMatch(/\$ logpipe consume quickstart-demo-counts[^\n]*\n(?:\w+ \d\n)*alice 2\n/)
  expect(r.stdout).toMatch(/Done\./)
})
