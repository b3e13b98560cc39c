/**
 * The short version of the replication fault campaign (issue 11) inside
 * `npm test`: test/faults/replication.test.ts, the campaign
 * `npm run test:faults` runs with 50 rounds, here with 4: three brokers,
 * replication factor 3, min.insync.replicas=2, logpipe, kcat and
 * kafka-python producers with acks=all and a group consumer throughout,
 * while kill -9, SIGSTOP and an unwritable log dir hit leaders. It must end
 * with nothing acknowledged lost, nothing read that vanished, nothing
 * written twice, the group's committed offsets moving on every partition
 * and never going back, and replicas byte-identical; the campaign prints
 * its seed to replay a failure.
 */
import {join} from 'node:path'
import {execa} from 'execa'
import {expect, test} from 'vitest'
import {ROOT, inheritedEnv} from '../helpers/cli.js'

test('replication campaign, 4 rounds: nothing acknowledged lost under kill -9, SIGSTOP and an unwritable log dir of leaders', async () => {
  const env: Record<string, string> = {...inheritedEnv(), LOGPIPE_FAULT_REPLICATION_ROUNDS: '4'}
  if (process.env.LOGPIPE_TEST_SEED) env.LOGPIPE_FAULT_SEED = process.env.LOGPIPE_TEST_SEED
  const r = await execa(join(ROOT, 'node_modules', '.bin', 'vitest'), ['run', '--config', 'vitest.faults.config.ts', 'test/faults/replication.test.ts'], {
    cwd: ROOT,
    env,
    extendEnv: false,
    reject: false,
    all: true,
    timeout: 400_000,
  })
  const summary = String(r.all).split('\n').filter((l) => /replication campaign:/.test(l)).join('\n')
  expect(r.exitCode, String(r.all).slice(-4000)).toBe(0)
  expect(summary).toMatch(/lost 0, vanished after being read 0, duplicated 0/)
}, 420_000)
