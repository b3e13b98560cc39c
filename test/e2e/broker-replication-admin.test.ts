/**
 * The admin side of replication, against broker processes sharing one
 * data directory: `topic elect-leaders` (preferred and unclean), run as a
 * user runs it, with every answer kafka-leader-election would print.
 */
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {cluster, consumeValues, producerTo} from '../helpers/replication.js'
import {EXIT, expectCleanError, waitFor} from './support.js'
import {ErrorCode} from '../../src/core/wire/error-codes.js'

const NO_REBALANCE = ['-X', 'auto.leader.rebalance.enable=false']

describe('topic elect-leaders', () => {
  test('preferred: leadership goes back to the preferred replica only when asked; asked again, nothing to do', async () => {
    const c = cli()
    const k = cluster(c, NO_REBALANCE)
    for (const id of [1, 2, 3]) await k.start(id)
    expect((await c.run(['topic', 'create', 'pref', '--replication-factor', '3'])).exitCode).toBe(0)
    await waitFor(() => k.state('pref', 0).leader >= 0, 'a first leader', 20_000)
    const preferred = k.state('pref', 0).leader
    const victim = k.brokers.get(preferred)!
    victim.proc.kill('SIGKILL')
    await victim.proc
    await waitFor(() => k.state('pref', 0).leader >= 0 && k.state('pref', 0).leader !== preferred, 'another leader', 20_000)
    const interim = k.state('pref', 0).leader

    // The preferred broker down: nothing to elect it with.
    const down = await c.run(['topic', 'elect-leaders', '--topic', 'pref', '--partition', '0'])
    expect(down.exitCode).toBe(EXIT.RUNTIME)
    expect(String(down.stderr)).toMatch(/^logpipe: 1 replica\(s\) could not be elected\n/)
    expect(String(down.stdout)).toContain(`Error completing leader election (PREFERRED) for partition: pref-0: PREFERRED_LEADER_NOT_AVAILABLE: the preferred leader, broker ${preferred}, is not alive`)

    await k.start(preferred)
    await waitFor(() => k.state('pref', 0).isr.length === 3, 'the preferred replica back in the ISR', 20_000)
    // Without auto.leader.rebalance.enable it stays a follower.
    expect(k.state('pref', 0).leader).toBe(interim)

    const elected = await c.run(['topic', 'elect-leaders', '--topic', 'pref'])
    expect(elected.exitCode, String(elected.stderr)).toBe(0)
    expect(String(elected.stdout).trim()).toBe('Successfully completed leader election (PREFERRED) for partitions pref-0')
    const after = k.state('pref', 0)
    expect(after.leader).toBe(preferred)
    expect(after.leaderEpoch).toBe(2)

    const again = await c.run(['topic', 'elect-leaders', '--json'])
    expect(again.exitCode, String(again.stderr)).toBe(0)
    expect(JSON.parse(String(again.stdout))).toEqual([{topic: 'pref', partition: 0, result: 'not-needed', leader: preferred}])
    // The request file is gone: a later change of leader is not taken for this one.
    expect(existsSync(join(c.dataDir, 'topics', 'pref', '0', 'election.json'))).toBe(false)

    const toLeader = await producerTo(k.brokers.get(preferred)!)
    try {
      expect((await toLeader.send('pref', -1, ['through the preferred leader'])).errorCode).toBe(ErrorCode.NONE)
    } finally {
      toLeader.close()
    }
    await k.stopAll()
    expect(await consumeValues(c, 'pref')).toEqual(['through the preferred leader'])
  }, 120_000)

  test('unclean: a partition whose ISR died gets the out-of-sync replica as leader when asked, not before', async () => {
    const c = cli()
    const k = cluster(c)
    for (const id of [1, 2]) await k.start(id)
    expect((await c.run(['topic', 'create', 'lost', '--replication-factor', '2'])).exitCode).toBe(0)
    await waitFor(() => k.state('lost', 0).leader >= 0, 'a leader', 20_000)
    const leaderId = k.state('lost', 0).leader
    const followerId = leaderId === 1 ? 2 : 1
    const follower = k.brokers.get(followerId)!
    follower.proc.kill('SIGSTOP')
    await waitFor(() => k.state('lost', 0).isr.length === 1, 'the ISR to shrink to the leader', 15_000)

    const notNeeded = await c.run(['topic', 'elect-leaders', '--topic', 'lost', '--election-type', 'UNCLEAN'])
    expect(notNeeded.exitCode, String(notNeeded.stderr)).toBe(0)
    expect(String(notNeeded.stdout).trim()).toBe('Valid replica already elected for partitions lost-0')

    const leader = k.brokers.get(leaderId)!
    leader.proc.kill('SIGKILL')
    await leader.proc
    follower.proc.kill('SIGCONT')
    // Out of the ISR and unclean election off: awake (heartbeating again, so scanning too), it does not lead by itself.
    const alive = async () => (JSON.parse(String((await c.run(['broker', 'list', '--json'])).stdout)) as Array<{id: number; alive: boolean}>).find((b) => b.id === followerId)?.alive
    const deadline = Date.now() + 10_000
    while (!(await alive()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    expect(k.state('lost', 0).leader).toBe(leaderId)
    const preferredOnly = await c.run(['topic', 'elect-leaders', '--topic', 'lost'])
    expect(preferredOnly.exitCode).toBe(EXIT.RUNTIME)
    expect(String(preferredOnly.stdout)).toMatch(/PREFERRED_LEADER_NOT_AVAILABLE/)

    const elected = await c.run(['topic', 'elect-leaders', '--topic', 'lost', '--election-type', 'unclean'])
    expect(elected.exitCode, String(elected.stderr)).toBe(0)
    expect(String(elected.stdout).trim()).toBe('Successfully completed leader election (UNCLEAN) for partitions lost-0')
    expect(k.state('lost', 0)).toMatchObject({leader: followerId, isr: [followerId]})
    await waitFor(() => /elected leader at epoch 1 \(unclean: was out of the ISR\)/.test(follower.stderr()), 'the unclean election logged', 5_000)
    await k.stopAll()
  }, 90_000)

  test('bad requests: a topic that is not replicated, a partition it lacks, an unknown election type', async () => {
    const c = cli()
    expect((await c.run(['topic', 'create', 'plain', '--partitions', '2'])).exitCode).toBe(0)
    expectCleanError(await c.run(['topic', 'elect-leaders', '--topic', 'plain']), EXIT.USAGE, /topic 'plain' is not replicated/)
    expectCleanError(await c.run(['topic', 'elect-leaders', '--topic', 'nope']), EXIT.NOT_FOUND, /nope/)
    expectCleanError(await c.run(['topic', 'elect-leaders', '--election-type', 'random']), EXIT.USAGE, /--election-type must be preferred or unclean/)
    expectCleanError(await c.run(['topic', 'elect-leaders', '--partition', '1']), EXIT.USAGE, /--partition goes with --topic/)
    const none = await c.run(['topic', 'elect-leaders'])
    expect(none.exitCode, String(none.stderr)).toBe(0)
    expect(String(none.stdout).trim()).toBe('No replicated partitions to elect leaders for')
  }, 30_000)
})
