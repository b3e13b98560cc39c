/**
 * `npm run quickstart` is the README's first command: it must run to its
 * end on a fresh data directory and show what it promises (records read
 * back from the files, then through a broker by kcat).
 */
import {join} from 'node:path'
import {execa} from 'execa'
import {expect, test} from 'vitest'
import {ROOT, inheritedEnv, tempDataDir} from '../helpers/cli.js'

test('the quickstart runs to Done on a fresh data directory: kcat reads the topic through the broker, a connector moves a file, a replicated topic survives its leader', async () => {
  const dataDir = join(tempDataDir(), 'data')
  const r = await execa(process.execPath, [join(ROOT, 'scripts', 'quickstart.mjs')], {
    env: {...inheritedEnv(), LOGPIPE_DATA_DIR: dataDir, NO_COLOR: '1'},
    extendEnv: false,
    reject: false,
    timeout: 170_000,
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
  // Run again beside the broker, through it, from its commit: alice's one new record counted once.
  expect(r.stdout).toMatch(/\$ logpipe consume quickstart-demo-counts -e -f '%k %s\\n' -o -1\n(?:\w+ \d\n)*alice 3\n/)
  // The FileStream source put the file's lines on the topic, the sink wrote them out again.
  const connected = r.stdout.split('$ logpipe consume quickstart-demo-connect -e')[1]
  expect(connected).toMatch(/^\nlogin alice\nlogin bob\nlogout alice\n\n\$ cat \S+events\.sink\.txt\nlogin alice\nlogin bob\nlogout alice\n/)
  // Replication: three in-sync replicas, the leader killed, another leads, and the acknowledged records are all read back.
  const described = [...r.stdout.matchAll(/Partition: 0\tLeader: (\d+)\tReplicas: ([\d,]+)\tIsr: ([\d,]+)/g)]
  expect(described).toHaveLength(2)
  expect(described[0][3].split(',').sort()).toEqual(['1', '2', '3'])
  expect(described[1][1]).not.toBe(described[0][1])
  expect(described[1][3].split(',')).not.toContain(described[0][1])
  expect(r.stdout.split(/\$ logpipe consume quickstart-demo-replicated -e --bootstrap-server \S+\n/)[1]).toMatch(/^order 1\norder 2\norder 3\n/)
  expect(r.stdout).toMatch(/Done\./)
}, 180_000)
