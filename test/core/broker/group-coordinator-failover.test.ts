/**
 * One coordinator per group across brokers, and its failover (issue 11's
 * kcat -G member that committed nothing while leaders were killed): every
 * broker over one data directory has a GroupCoordinator, and the group's
 * coordinator is the broker whose process published its coordinator.json,
 * while that broker lives (registered, heartbeating, its process running).
 *
 * - while it lives, another broker answers NOT_COORDINATOR to the group's
 *   requests and names it in FindCoordinator (Kafka's isCoordinatorForGroup);
 * - once it is gone, the broker asked takes the group over from the file
 *   (Kafka's loadGroup from __consumer_offsets): the member's Heartbeat and
 *   OffsetCommit under its generation are accepted, no rebalance; before,
 *   the new broker answered ILLEGAL_GENERATION to the commit and
 *   UNKNOWN_MEMBER_ID to the heartbeat, librdkafka dropped its assignment
 *   and the commit with it, and rejoined through a new initial delay;
 * - the old coordinator, back (SIGCONT) while another holds the group,
 *   lets go of it: NOT_COORDINATOR, and it does not rewrite the file;
 * - a group caught mid-rebalance is taken over into a new rebalance;
 * - the new coordinator has the bytes the members and the leader sent
 *   (user data in subscriptions and assignments, every protocol, other
 *   protocol types than "consumer"), as Kafka's GroupMetadata keeps them;
 * - two brokers that took over one group at once end with one of them.
 */
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {GroupCoordinator, type JoinGroupRequest} from '../../../src/core/broker/group-coordinator.js'
import {GroupFilesPersistence} from '../../../src/core/broker/group-files-persistence.js'
import {BrokerRegistry} from '../../../src/core/broker/registry.js'
import {decodeAssignment, encodeAssignment, encodeSubscription} from '../../../src/core/group/consumer-protocol.js'
import {readCoordinatorFile} from '../../../src/core/group/coordinator-file.js'
import {OffsetStore} from '../../../src/core/group/offset-store.js'
import {Store} from '../../../src/core/store/store.js'
import {ManualClock} from '../../helpers/clock.js'
import {tempDir} from '../support.js'
import {joinRequest} from './join-request.js'

const SESSION = 45_000

function cluster() {
  const dir = tempDir()
  const store = Store.open(dir, {create: true})
  store.createTopic('t', 3, 1, {})
  const clock = new ManualClock(1_000_000)
  const registries = new Map<number, BrokerRegistry>()
  const broker = (id: number) => {
    const persistence = new GroupFilesPersistence(store, {brokerId: id})
    const c = new GroupCoordinator({persistence, clock, initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1})
    return {id, persistence, c}
  }
  /** Registered and heartbeating (this test's process is every broker's). */
  const up = (id: number) => {
    const r = new BrokerRegistry(store.dataDir, {id, host: '127.0.0.1', port: 9000 + id, logDir: join(dir, `disk${id}`), heartbeatIntervalMs: 1000, sessionTimeoutMs: 60_000})
    r.register()
    registries.set(id, r)
  }
  /** Gone: its registration removed, as a killed broker's is judged dead. */
  const down = (id: number) => {
    registries.get(id)?.deregister()
    registries.delete(id)
  }
  return {dir, store, clock, broker, up, down}
}

const joinReq = (memberId: string, more: Partial<JoinGroupRequest> = {}): JoinGroupRequest => joinRequest(memberId, {sessionTimeoutMs: SESSION, rebalanceTimeoutMs: SESSION, clientId: 'rdkafka'}, more)

/** One member through KIP-394, JoinGroup and SyncGroup: Stable, every partition its own. */
async function stableOne(c: GroupCoordinator): Promise<{memberId: string; generationId: number}> {
  const first = await c.joinGroup(joinReq(''))
  expect(first.error).toBe('MEMBER_ID_REQUIRED')
  const joined = await c.joinGroup(joinReq(first.memberId))
  expect(joined.error).toBe('NONE')
  const all = [0, 1, 2].map((partition) => ({topic: 't', partition}))
  const synced = await c.syncGroup({
    groupId: 'g',
    memberId: joined.memberId,
    generationId: joined.generationId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocolName: 'range',
    assignments: [{memberId: joined.memberId, assignment: encodeAssignment(all)}],
  })
  expect(synced.error).toBe('NONE')
  return {memberId: joined.memberId, generationId: joined.generationId}
}

/** A Stable group on broker 1 with one member, published; then broker 1 is gone (the other brokers named are up). */
async function stableThenGone(...others: number[]) {
  const s = cluster()
  s.up(1)
  for (const id of others) s.up(id)
  const b1 = s.broker(1)
  const m = await stableOne(b1.c)
  await b1.persistence.flush()
  s.down(1)
  return {s, b1, m}
}

const commit = (c: GroupCoordinator, memberId: string, generationId: number, offset: number) =>
  c.commitOffsets({groupId: 'g', memberId, generationId, groupInstanceId: null, offsets: [0, 1, 2].map((partition) => ({topic: 't', partition, offset, metadata: null}))})

describe('the group coordinator across brokers', () => {
  test('a live coordinator keeps the group: another broker answers NOT_COORDINATOR and names it', async () => {
    const s = cluster()
    s.up(1)
    s.up(2)
    const b1 = s.broker(1)
    const b2 = s.broker(2)
    const m = await stableOne(b1.c)
    await b1.persistence.flush()
    expect(b2.c.coordinatorOf('g')).toMatchObject({brokerId: 1, host: '127.0.0.1', port: 9001})
    expect(b1.c.coordinatorOf('g')).toBeNull()
    expect(b2.c.heartbeat({groupId: 'g', memberId: m.memberId, generationId: m.generationId, groupInstanceId: null})).toBe('NOT_COORDINATOR')
    expect((await commit(b2.c, m.memberId, m.generationId, 5)).map((r) => r.error)).toEqual(['NOT_COORDINATOR', 'NOT_COORDINATOR', 'NOT_COORDINATOR'])
    expect((await b2.c.joinGroup(joinReq(''))).error).toBe('NOT_COORDINATOR')
    // The coordinator itself goes on as before.
    expect(b1.c.heartbeat({groupId: 'g', memberId: m.memberId, generationId: m.generationId, groupInstanceId: null})).toBe('NONE')
  })

  test('the coordinator dies: the next broker takes the group over with its generation and members, and the member commits on', async () => {
    const s = cluster()
    s.up(1)
    s.up(2)
    const b1 = s.broker(1)
    const m = await stableOne(b1.c)
    expect((await commit(b1.c, m.memberId, m.generationId, 10)).every((r) => r.error === 'NONE')).toBe(true)
    await b1.persistence.flush()
    s.down(1)
    const b2 = s.broker(2)
    expect(b2.c.coordinatorOf('g')).toBeNull()
    // What librdkafka sends the new coordinator: a Heartbeat and an OffsetCommit under the generation it has.
    expect(b2.c.heartbeat({groupId: 'g', memberId: m.memberId, generationId: m.generationId, groupInstanceId: null})).toBe('NONE')
    expect((await commit(b2.c, m.memberId, m.generationId, 20)).map((r) => r.error)).toEqual(['NONE', 'NONE', 'NONE'])
    expect(new OffsetStore(join(s.store.dataDir, 'groups', 'g')).read('t', 1)?.offset).toBe(20)
    const g = b2.c.group('g')!
    expect(g).toMatchObject({state: 'Stable', generationId: m.generationId, leaderId: m.memberId, protocolName: 'range', protocolType: 'consumer'})
    // A SyncGroup it repeats gets the assignment it had.
    const again = await b2.c.syncGroup({groupId: 'g', memberId: m.memberId, generationId: m.generationId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: []})
    expect(decodeAssignment(again.assignment)!.partitions).toEqual([0, 1, 2].map((partition) => ({topic: 't', partition})))
    // The file names the new coordinator, so the brokers send the member there.
    await b2.persistence.flush()
    const file = readCoordinatorFile(join(s.store.dataDir, 'groups', 'g'))
    expect(file.kind === 'ok' && file.file.coordinator.brokerId).toBe(2)
    expect(file.kind === 'ok' && file.file.generation).toBe(m.generationId)
    const b3 = s.broker(3)
    expect(b3.c.coordinatorOf('g')).toMatchObject({brokerId: 2})
  })

  test('the old coordinator back while another holds the group lets go of it and leaves the file alone', async () => {
    // Paused past its session: judged gone, and broker 2 takes the group over.
    const {s, b1, m} = await stableThenGone(2)
    const b2 = s.broker(2)
    expect(b2.c.heartbeat({groupId: 'g', memberId: m.memberId, generationId: m.generationId, groupInstanceId: null})).toBe('NONE')
    await b2.persistence.flush()
    // Back: broker 1 heartbeats again, its memory still holds the group.
    s.up(1)
    s.clock.advance(SESSION + 1)
    b1.c.tick()
    await b1.persistence.flush()
    expect(b1.c.group('g')).toBeUndefined()
    const file = readCoordinatorFile(join(s.store.dataDir, 'groups', 'g'))
    expect(file.kind === 'ok' && [file.file.coordinator.brokerId, file.file.state]).toEqual([2, 'Stable'])
    expect(b1.c.heartbeat({groupId: 'g', memberId: m.memberId, generationId: m.generationId, groupInstanceId: null})).toBe('NOT_COORDINATOR')
    expect(b1.c.coordinatorOf('g')).toMatchObject({brokerId: 2})
  })

  test('a group taken over mid-rebalance rebalances: its members rejoin with their ids into the next generation', async () => {
    const s = cluster()
    s.up(1)
    const b1 = s.broker(1)
    const m = await stableOne(b1.c)
    // A second member's join puts the group in PreparingRebalance; then broker 1 dies.
    const other = await b1.c.joinGroup(joinReq(''))
    void b1.c.joinGroup(joinReq(other.memberId))
    expect(b1.c.group('g')!.state).toBe('PreparingRebalance')
    await b1.persistence.flush()
    s.down(1)
    const b2 = s.broker(2)
    expect(b2.c.heartbeat({groupId: 'g', memberId: m.memberId, generationId: m.generationId, groupInstanceId: null})).toBe('REBALANCE_IN_PROGRESS')
    const a = b2.c.joinGroup(joinReq(m.memberId))
    const b = b2.c.joinGroup(joinReq(other.memberId))
    const [ra, rb] = await Promise.all([a, b])
    expect([ra.error, rb.error]).toEqual(['NONE', 'NONE'])
    expect(ra.generationId).toBe(m.generationId + 1)
    expect(ra.leader).toBe(m.memberId)
    expect(ra.members.map((x) => x.memberId).sort()).toEqual([m.memberId, other.memberId].sort())
  })

  /** A version 0 payload (subscription or assignment) with user data in place of its null. */
  const withUserData = (payload: Buffer, userData: string) => {
    const data = Buffer.from(userData)
    const size = Buffer.alloc(4)
    size.writeInt32BE(data.length)
    return Buffer.concat([payload.subarray(0, payload.length - 4), size, data])
  }

  test('the new coordinator answers with the bytes the members and the leader sent: user data, every protocol', async () => {
    const s = cluster()
    s.up(1)
    const b1 = s.broker(1)
    const protocols = (who: string) => [
      {name: 'range', metadata: withUserData(encodeSubscription(['t']), `sub-${who}`)},
      {name: 'roundrobin', metadata: withUserData(encodeSubscription(['t']), `rr-${who}`)},
    ]
    // a forms the group alone; b's join starts the next generation, which a rejoins.
    const a = (await b1.c.joinGroup(joinReq('', {protocols: protocols('a')}))).memberId
    expect((await b1.c.joinGroup(joinReq(a, {protocols: protocols('a')}))).error).toBe('NONE')
    const b = (await b1.c.joinGroup(joinReq('', {protocols: protocols('b')}))).memberId
    const [jb, ja] = await Promise.all([b1.c.joinGroup(joinReq(b, {protocols: protocols('b')})), b1.c.joinGroup(joinReq(a, {protocols: protocols('a')}))])
    expect([ja.error, jb.error, ja.generationId]).toEqual(['NONE', 'NONE', jb.generationId])
    const leader = ja.leader === ja.memberId ? ja : jb
    const follower = leader === ja ? jb : ja
    const assignments = [
      {memberId: leader.memberId, assignment: withUserData(encodeAssignment([{topic: 't', partition: 0}, {topic: 't', partition: 1}]), 'leader-state')},
      {memberId: follower.memberId, assignment: withUserData(encodeAssignment([{topic: 't', partition: 2}]), 'follower-state')},
    ]
    const sync = (c: GroupCoordinator, m: {memberId: string; generationId: number}, as: typeof assignments = []) =>
      c.syncGroup({groupId: 'g', memberId: m.memberId, generationId: m.generationId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: as})
    const synced = await Promise.all([sync(b1.c, leader, assignments), sync(b1.c, follower)])
    expect(synced.map((r) => r.error)).toEqual(['NONE', 'NONE'])
    await b1.persistence.flush()
    s.down(1)
    const b2 = s.broker(2)
    // A SyncGroup repeated after the takeover gets the very bytes the leader assigned, user data and all.
    const again = await sync(b2.c, follower)
    expect(again.error).toBe('NONE')
    expect(again.assignment.equals(assignments[1].assignment)).toBe(true)
    expect(decodeAssignment(again.assignment)!.userData!.toString()).toBe('follower-state')
    // The follower's rejoin with what it joined with changes nothing: the same generation, no rebalance.
    const rejoin = await b2.c.joinGroup(joinReq(follower.memberId, {protocols: protocols(leader === ja ? 'b' : 'a')}))
    expect(rejoin.error).toBe('NONE')
    expect(rejoin.generationId).toBe(follower.generationId)
    expect(b2.c.group('g')!.state).toBe('Stable')
    // The leader is told every member's metadata for the protocol chosen, as the members sent it.
    const [byLeader, followerAgain] = await Promise.all([
      b2.c.joinGroup(joinReq(leader.memberId, {protocols: protocols(leader === ja ? 'a' : 'b')})),
      b2.c.joinGroup(joinReq(follower.memberId, {protocols: protocols(leader === ja ? 'b' : 'a')})),
    ])
    expect([byLeader.error, followerAgain.error]).toEqual(['NONE', 'NONE'])
    expect(byLeader.members.map((m) => m.metadata.subarray(-5).toString()).sort()).toEqual(['sub-a', 'sub-b'])
  })

  test('a group of another protocol type (Connect workers) is taken over with its metadata and assignments', async () => {
    const s = cluster()
    s.up(1)
    const b1 = s.broker(1)
    const connect = {protocolType: 'connect', protocols: [{name: 'sessioned', metadata: Buffer.from('worker-1 url and offset')}]}
    const first = await b1.c.joinGroup(joinReq('', connect))
    const joined = await b1.c.joinGroup(joinReq(first.memberId, connect))
    const assignment = Buffer.from('connectors and tasks of worker-1')
    const req = {groupId: 'g', memberId: joined.memberId, generationId: joined.generationId, groupInstanceId: null, protocolType: 'connect', protocolName: 'sessioned'}
    expect((await b1.c.syncGroup({...req, assignments: [{memberId: joined.memberId, assignment}]})).error).toBe('NONE')
    await b1.persistence.flush()
    s.down(1)
    const b2 = s.broker(2)
    const again = await b2.c.syncGroup({...req, assignments: []})
    expect(again.error).toBe('NONE')
    expect(again.assignment.toString()).toBe('connectors and tasks of worker-1')
    expect(b2.c.group('g')!.members.get(joined.memberId)!.metadataFor('sessioned').toString()).toBe('worker-1 url and offset')
  })

  test('two brokers that take an unheld group over at once end with one coordinator, which the other names', async () => {
    const {s, m} = await stableThenGone(2, 3)
    const b2 = s.broker(2)
    const b3 = s.broker(3)
    // Neither has seen the other's file yet: both take the group over.
    const hb = (c: GroupCoordinator) => c.heartbeat({groupId: 'g', memberId: m.memberId, generationId: m.generationId, groupInstanceId: null})
    expect([hb(b2.c), hb(b3.c)]).toEqual(['NONE', 'NONE'])
    await b2.persistence.flush()
    await b3.persistence.flush()
    for (let i = 0; i < 3; i++) {
      s.clock.advance(1000)
      b2.c.tick()
      b3.c.tick()
      await b2.persistence.flush()
      await b3.persistence.flush()
    }
    const holders = [b2, b3].filter((b) => b.c.group('g') !== undefined)
    expect(holders.length).toBe(1)
    const holder = holders[0]
    const other = holder === b2 ? b3 : b2
    const file = readCoordinatorFile(join(s.store.dataDir, 'groups', 'g'))
    expect(file.kind === 'ok' && file.file.coordinator.brokerId).toBe(holder.id)
    expect(other.c.coordinatorOf('g')).toMatchObject({brokerId: holder.id})
    expect(hb(other.c)).toBe('NOT_COORDINATOR')
    expect(hb(holder.c)).toBe('NONE')
    expect((await commit(holder.c, m.memberId, m.generationId, 30)).map((r) => r.error)).toEqual(['NONE', 'NONE', 'NONE'])
  })
})
