/**
 * The classic group coordinator as Kafka's GroupCoordinator behaves, driven
 * by a ManualClock (no sleeping, no timers): JoinGroup and SyncGroup are
 * promises that stay pending while the protocol says a member waits, and
 * settle from a later call or `tick()`.
 *
 * - KIP-394: a v4+ member first gets MEMBER_ID_REQUIRED and its id;
 * - a group of three within the initial rebalance delay: nobody is
 *   answered before the delay (extended while members keep coming), then
 *   one generation with the first joiner as leader, who alone sees the
 *   members' metadata; followers' SyncGroups wait for the leader's;
 * - a member leaves, a member times out, a member does not rejoin in time:
 *   each removed, the rest rebalance into the next generation;
 * - a static member (KIP-345) restarts: it takes its old id's place and
 *   assignment without a rebalance; the old id is fenced;
 * - wrong generation, unknown member, rebalance in progress, inconsistent
 *   protocol answers;
 * - offsets: a simple consumer's commit (generation -1), a member's commit
 *   checked against its generation, fetched back from the store's files
 *   with the metadata string; unknown partitions; DeleteGroups only empty;
 * - the membership is published in coordinator.json, which `group
 *   describe` reads and which makes reset and delete refuse.
 */
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {GroupCoordinator, type GroupCoordinatorOptions, type JoinGroupRequest, type JoinResult} from '../../../src/core/broker/group-coordinator.js'
import {GroupFilesPersistence} from '../../../src/core/broker/group-files-persistence.js'
import {decodeAssignment, encodeAssignment, encodeSubscription} from '../../../src/core/group/consumer-protocol.js'
import {GroupAdmin} from '../../../src/core/group/group-admin.js'
import {GroupMember} from '../../../src/core/group/group-member.js'
import {readCoordinatorFile} from '../../../src/core/group/coordinator-file.js'
import {LogpipeError} from '../../../src/core/errors.js'
import {GroupNotEmptyError} from '../../../src/core/errors.js'
import {Store} from '../../../src/core/store/store.js'
import {ManualClock} from '../../helpers/clock.js'
import {tempDir} from '../support.js'
import {joinRequest} from './join-request.js'

const SESSION = 10_000
const REBALANCE = 30_000

function setup(options: Partial<GroupCoordinatorOptions> = {}) {
  const dir = tempDir()
  const store = Store.open(dir, {create: true})
  store.createTopic('t', 3, 1, {})
  const clock = new ManualClock(1_000_000)
  const persistence = new GroupFilesPersistence(store, {brokerId: 7})
  const wakes: number[] = []
  const c = new GroupCoordinator({persistence, clock, initialRebalanceDelayMs: 100, minSessionTimeoutMs: 1, onWake: (at) => wakes.push(at), ...options})
  return {dir, store, clock, persistence, c, wakes}
}

const joinReq = (memberId: string, more: Partial<JoinGroupRequest> = {}): JoinGroupRequest => joinRequest(memberId, {sessionTimeoutMs: SESSION, rebalanceTimeoutMs: REBALANCE, clientId: 'client'}, more)

/** A promise whose settlement the test can look at without awaiting it. */
function watch<T>(p: Promise<T>): {done: () => boolean; value: () => T} {
  let settled = false
  let result: T
  void p.then((v) => {
    settled = true
    result = v
  })
  return {done: () => settled, value: () => result}
}

/** Lets promise callbacks run (the coordinator settles synchronously; `then` runs a microtask later). */
const flush = () => new Promise((resolve) => setImmediate(resolve))

/** A member id through the KIP-394 round trip. */
async function memberIdFor(c: GroupCoordinator, more: Partial<JoinGroupRequest> = {}): Promise<string> {
  const first = await c.joinGroup(joinReq('', more))
  expect(first.error).toBe('MEMBER_ID_REQUIRED')
  expect(first.memberId).toMatch(/^client-[0-9a-f-]{36}$/)
  return first.memberId
}

/** JoinGroups sent together, answered once the join phase ends: time moves in 100 ms steps (the tests' initial delay) until it does. */
async function together(s: ReturnType<typeof setup>, reqs: JoinGroupRequest[]): Promise<JoinResult[]> {
  const joins = reqs.map((r) => watch(s.c.joinGroup(r)))
  for (let i = 0; i < 100; i++) {
    await flush()
    if (joins.every((j) => j.done())) break
    s.clock.advance(100)
    s.c.tick()
  }
  expect(joins.every((j) => j.done())).toBe(true)
  return joins.map((j) => j.value())
}

/** Three members through a delayed initial rebalance and a SyncGroup: a Stable generation 1. */
async function stableThree(s: ReturnType<typeof setup>) {
  const ids = [await memberIdFor(s.c), await memberIdFor(s.c), await memberIdFor(s.c)]
  const results = await together(s, ids.map((id) => joinReq(id)))
  for (const r of results) expect(r).toMatchObject({error: 'NONE', generationId: 1})
  await sync(s.c, results)
  return {ids, results}
}

async function sync(c: GroupCoordinator, results: JoinResult[]): Promise<Map<string, Buffer>> {
  const leader = results.find((r) => r.memberId === r.leader)!
  const assignments = leader.members.map((m, i) => ({memberId: m.memberId, assignment: encodeAssignment([{topic: 't', partition: i}])}))
  const syncs = results.map((r) =>
    c.syncGroup({groupId: 'g', memberId: r.memberId, generationId: r.generationId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: r.memberId === r.leader ? assignments : []}),
  )
  const done = await Promise.all(syncs)
  for (const d of done) expect(d.error).toBe('NONE')
  return new Map(results.map((r, i) => [r.memberId, done[i].assignment]))
}

const hb = (c: GroupCoordinator, memberId: string, generationId: number, groupInstanceId: string | null = null) => c.heartbeat({groupId: 'g', memberId, generationId, groupInstanceId})

describe('JoinGroup', () => {
  test('v4+: a new member gets MEMBER_ID_REQUIRED and an id, and joins with it; v3 joins at once', async () => {
    const s = setup({initialRebalanceDelayMs: 0})
    const id = await memberIdFor(s.c)
    expect(s.c.group('g')!.pendingMembers.has(id)).toBe(true)
    const joined = await s.c.joinGroup(joinReq(id))
    expect(joined).toMatchObject({error: 'NONE', generationId: 1, memberId: id, leader: id, protocolName: 'range', protocolType: 'consumer'})
    expect(joined.members.map((m) => m.memberId)).toEqual([id])
    expect(joined.members[0].metadata.equals(encodeSubscription(['t']))).toBe(true)

    const old = setup({initialRebalanceDelayMs: 0})
    const direct = await old.c.joinGroup(joinReq('', {requireKnownMemberId: false}))
    expect(direct).toMatchObject({error: 'NONE', generationId: 1})
    expect(direct.leader).toBe(direct.memberId)
  })

  test('a pending id that does not come back within the session timeout is forgotten', async () => {
    const s = setup()
    const id = await memberIdFor(s.c)
    s.clock.advance(SESSION)
    s.c.tick()
    expect((await s.c.joinGroup(joinReq(id))).error).toBe('UNKNOWN_MEMBER_ID')
  })

  test('three members within the initial rebalance delay: one generation, the first joiner leads, followers wait for its SyncGroup', async () => {
    const s = setup({initialRebalanceDelayMs: 3000})
    const a = watch(s.c.joinGroup(joinReq('', {requireKnownMemberId: false, clientId: 'a'})))
    s.clock.advance(1000)
    const b = watch(s.c.joinGroup(joinReq('', {requireKnownMemberId: false, clientId: 'b'})))
    const cc = watch(s.c.joinGroup(joinReq('', {requireKnownMemberId: false, clientId: 'c'})))
    await flush()
    expect(s.c.group('g')!.state).toBe('PreparingRebalance')
    expect(s.wakes).toContain(1_003_000)
    s.clock.advance(1999)
    s.c.tick()
    await flush()
    expect([a.done(), b.done(), cc.done()]).toEqual([false, false, false])
    // The delay ends with members still arriving: it is extended once more (Kafka's InitialDelayedJoin).
    s.clock.advance(1)
    s.c.tick()
    await flush()
    expect(a.done()).toBe(false)
    s.clock.advance(3000)
    s.c.tick()
    await flush()
    expect([a.done(), b.done(), cc.done()]).toEqual([true, true, true])
    const [ra, rb, rc] = [a.value(), b.value(), cc.value()]
    for (const r of [ra, rb, rc]) expect(r).toMatchObject({error: 'NONE', generationId: 1, leader: ra.memberId})
    expect(ra.members.map((m) => m.memberId)).toEqual([ra.memberId, rb.memberId, rc.memberId])
    expect(rb.members).toEqual([])
    expect(s.c.group('g')!.state).toBe('CompletingRebalance')

    const follower = watch(s.c.syncGroup({groupId: 'g', memberId: rb.memberId, generationId: 1, groupInstanceId: null, protocolType: null, protocolName: null, assignments: []}))
    await flush()
    expect(follower.done()).toBe(false)
    const plan = [ra, rb, rc].map((r, i) => ({memberId: r.memberId, assignment: encodeAssignment([{topic: 't', partition: i}])}))
    const leader = await s.c.syncGroup({groupId: 'g', memberId: ra.memberId, generationId: 1, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: plan})
    await flush()
    expect(follower.done()).toBe(true)
    expect(decodeAssignment(follower.value().assignment)!.partitions).toEqual([{topic: 't', partition: 1}])
    expect(decodeAssignment(leader.assignment)!.partitions).toEqual([{topic: 't', partition: 0}])
    expect(s.c.group('g')!.state).toBe('Stable')
    // A member syncing late in a Stable group gets its share at once.
    const late = await s.c.syncGroup({groupId: 'g', memberId: rc.memberId, generationId: 1, groupInstanceId: null, protocolType: null, protocolName: null, assignments: []})
    expect(decodeAssignment(late.assignment)!.partitions).toEqual([{topic: 't', partition: 2}])

    // Published for `group describe`: state, members, their assignment and the owners of the partitions.
    await s.persistence.flush()
    const d = new GroupAdmin(s.store).describeGroup('g')
    expect(d).toMatchObject({state: 'Stable', strategy: 'range', coordinator: {brokerId: 7, generation: 1, leader: ra.memberId}})
    expect(d.members.map((m) => [m.clientId, m.host, m.assignment])).toEqual([
      ['a', '/127.0.0.1', [{topic: 't', partition: 0}]],
      ['b', '/127.0.0.1', [{topic: 't', partition: 1}]],
      ['c', '/127.0.0.1', [{topic: 't', partition: 2}]],
    ])
    expect(d.partitions.map((p) => [p.partition, p.consumerId, p.clientId, p.currentOffset])).toEqual([
      [0, ra.memberId, 'a', null],
      [1, rb.memberId, 'b', null],
      [2, rc.memberId, 'c', null],
    ])
  })

  test('a protocol type or protocols the group does not share: INCONSISTENT_GROUP_PROTOCOL; a session timeout out of range: INVALID_SESSION_TIMEOUT', async () => {
    const s = setup({minSessionTimeoutMs: 6000, initialRebalanceDelayMs: 0})
    await s.c.joinGroup(joinReq(await memberIdFor(s.c)))
    expect((await s.c.joinGroup(joinReq('', {protocolType: 'connect'}))).error).toBe('INCONSISTENT_GROUP_PROTOCOL')
    expect((await s.c.joinGroup(joinReq('', {protocols: [{name: 'roundrobin', metadata: Buffer.alloc(0)}]}))).error).toBe('INCONSISTENT_GROUP_PROTOCOL')
    expect((await s.c.joinGroup(joinReq('', {sessionTimeoutMs: 5999}))).error).toBe('INVALID_SESSION_TIMEOUT')
    expect((await s.c.joinGroup(joinReq('', {groupId: 'a/b'}))).error).toBe('INVALID_GROUP_ID')
  })

  test('the protocol all members support is chosen, by their votes', async () => {
    const s = setup({initialRebalanceDelayMs: 100})
    const both = [{name: 'roundrobin', metadata: Buffer.from('r')}, {name: 'range', metadata: Buffer.from('g')}]
    const [ra] = await together(s, [
      joinReq('', {requireKnownMemberId: false, protocols: both}),
      joinReq('', {requireKnownMemberId: false, protocols: [{name: 'range', metadata: Buffer.from('g2')}, {name: 'roundrobin', metadata: Buffer.from('r2')}]}),
      joinReq('', {requireKnownMemberId: false, protocols: [{name: 'range', metadata: Buffer.from('g3')}]}),
    ])
    expect(ra.protocolName).toBe('range')
    expect(ra.members.map((m) => m.metadata.toString())).toEqual(['g', 'g2', 'g3'])
  })
})

describe('rebalances', () => {
  test('a member leaves: the others are told to rejoin and form the next generation; the leaver is unknown', async () => {
    const s = setup()
    const {ids} = await stableThree(s)
    const gen = 1
    const left = s.c.leaveGroup('g', [{memberId: ids[1], groupInstanceId: null}])
    expect(left).toEqual({error: 'NONE', members: [{memberId: ids[1], groupInstanceId: null, error: 'NONE'}]})
    expect(s.c.group('g')!.state).toBe('PreparingRebalance')
    expect(hb(s.c, ids[0], gen)).toBe('REBALANCE_IN_PROGRESS')
    expect(hb(s.c, ids[1], gen)).toBe('UNKNOWN_MEMBER_ID')
    const first = watch(s.c.joinGroup(joinReq(ids[0])))
    await flush()
    expect(first.done()).toBe(false)
    const last = await s.c.joinGroup(joinReq(ids[2]))
    await flush()
    expect(first.value()).toMatchObject({error: 'NONE', generationId: gen + 1, leader: ids[0]})
    expect(first.value().members.map((m) => m.memberId)).toEqual([ids[0], ids[2]])
    expect(last).toMatchObject({generationId: gen + 1, members: []})
    expect(s.c.leaveGroup('g', [{memberId: ids[1], groupInstanceId: null}]).members[0].error).toBe('UNKNOWN_MEMBER_ID')
  })

  test('a member whose heartbeats stop is removed after its session timeout, and the rest rebalance', async () => {
    const s = setup()
    const {ids, results} = await stableThree(s)
    const gen = results[0].generationId
    for (let t = 0; t < SESSION; t += 3000) {
      s.clock.advance(3000)
      expect(hb(s.c, ids[0], gen)).toBe('NONE')
      expect(hb(s.c, ids[1], gen)).toBe('NONE')
      s.c.tick()
      if (s.c.group('g')!.state !== 'Stable') break
    }
    expect(s.c.group('g')!.state).toBe('PreparingRebalance')
    expect(s.c.group('g')!.members.has(ids[2])).toBe(false)
    expect(hb(s.c, ids[2], gen)).toBe('UNKNOWN_MEMBER_ID')
    const [ra, rb] = await Promise.all([s.c.joinGroup(joinReq(ids[0])), s.c.joinGroup(joinReq(ids[1]))])
    expect(ra.generationId).toBe(gen + 1)
    expect(rb.generationId).toBe(gen + 1)
    expect(ra.members.map((m) => m.memberId)).toEqual([ids[0], ids[1]])
  })

  test('a member that does not rejoin within the rebalance timeout is left out of the next generation; a new leader is chosen', async () => {
    const s = setup()
    const {ids, results} = await stableThree(s)
    const gen = results[0].generationId
    // The leader leaves; the second keeps heartbeating but never rejoins.
    s.c.leaveGroup('g', [{memberId: ids[0], groupInstanceId: null}])
    const third = watch(s.c.joinGroup(joinReq(ids[2])))
    for (let t = 0; t < REBALANCE; t += 3000) {
      s.clock.advance(3000)
      expect(hb(s.c, ids[1], gen)).toBe('REBALANCE_IN_PROGRESS')
      s.c.tick()
    }
    await flush()
    expect(third.value()).toMatchObject({error: 'NONE', generationId: gen + 1, leader: ids[2]})
    expect(third.value().members.map((m) => m.memberId)).toEqual([ids[2]])
    expect(hb(s.c, ids[1], gen + 1)).toBe('UNKNOWN_MEMBER_ID')
  })

  test('a member that joined but never sends SyncGroup is removed after the rebalance timeout', async () => {
    const s = setup()
    const a = await memberIdFor(s.c)
    // A session longer than the rebalance timeout: the missing SyncGroup, not the session, removes it.
    const b = await memberIdFor(s.c, {sessionTimeoutMs: 2 * REBALANCE})
    const [ra] = await together(s, [joinReq(a), joinReq(b, {sessionTimeoutMs: 2 * REBALANCE})])
    const leaderSync = await s.c.syncGroup({groupId: 'g', memberId: ra.memberId, generationId: ra.generationId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: []})
    expect(leaderSync.error).toBe('NONE')
    for (let t = 0; t < REBALANCE; t += 3000) {
      s.clock.advance(3000)
      expect(hb(s.c, a, ra.generationId)).toBe('NONE')
      s.c.tick()
    }
    expect(s.c.group('g')!.members.has(b)).toBe(false)
    expect(s.c.group('g')!.state).toBe('PreparingRebalance')
  })

  test('wrong generation, unknown member, SyncGroup during a rebalance', async () => {
    const s = setup()
    const {ids, results} = await stableThree(s)
    const gen = results[0].generationId
    expect(hb(s.c, ids[0], gen - 1)).toBe('ILLEGAL_GENERATION')
    expect(hb(s.c, 'nobody', gen)).toBe('UNKNOWN_MEMBER_ID')
    const syncAs = (memberId: string, generationId: number) => s.c.syncGroup({groupId: 'g', memberId, generationId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: []})
    expect((await syncAs(ids[0], gen + 1)).error).toBe('ILLEGAL_GENERATION')
    expect((await syncAs('nobody', gen)).error).toBe('UNKNOWN_MEMBER_ID')
    expect((await s.c.syncGroup({groupId: 'g', memberId: ids[0], generationId: gen, groupInstanceId: null, protocolType: 'consumer', protocolName: 'roundrobin', assignments: []})).error).toBe('INCONSISTENT_GROUP_PROTOCOL')
    s.c.leaveGroup('g', [{memberId: ids[2], groupInstanceId: null}])
    expect((await syncAs(ids[0], gen)).error).toBe('REBALANCE_IN_PROGRESS')
    expect(hb(s.c, ids[0], gen)).toBe('REBALANCE_IN_PROGRESS')
  })
})

describe('static membership (KIP-345)', () => {
  test('a restarted static member takes its old id\'s place and assignment without a rebalance; the old id is fenced', async () => {
    const s = setup()
    const [ra] = await together(s, [joinReq('', {groupInstanceId: 'host-a'})])
    expect(ra.memberId).toMatch(/^host-a-/)
    const bId = await memberIdFor(s.c)
    // The second member makes the group rebalance: the static leader rejoins with its id.
    const [rb, ra2] = await together(s, [joinReq(bId), joinReq(ra.memberId, {groupInstanceId: 'host-a'})])
    const assignments = await sync(s.c, [ra2, rb])
    const gen = rb.generationId
    expect(s.c.group('g')!.state).toBe('Stable')

    const back = await s.c.joinGroup(joinReq('', {groupInstanceId: 'host-a'}))
    expect(back.error).toBe('NONE')
    expect(back.memberId).not.toBe(ra.memberId)
    expect(back.generationId).toBe(gen)
    // The old leader id: the returning leader does not compute an assignment a Stable group would not hand out.
    expect(back.leader).toBe(ra.memberId)
    expect(back.members).toEqual([])
    expect(s.c.group('g')!.state).toBe('Stable')
    expect(hb(s.c, ra.memberId, gen, 'host-a')).toBe('FENCED_INSTANCE_ID')
    expect((await s.c.joinGroup(joinReq(ra.memberId, {groupInstanceId: 'host-a'}))).error).toBe('FENCED_INSTANCE_ID')
    const mine = await s.c.syncGroup({groupId: 'g', memberId: back.memberId, generationId: gen, groupInstanceId: 'host-a', protocolType: null, protocolName: null, assignments: []})
    expect(mine.assignment.equals(assignments.get(ra.memberId)!)).toBe(true)
    expect(hb(s.c, back.memberId, gen, 'host-a')).toBe('NONE')
    expect(hb(s.c, rb.memberId, gen)).toBe('NONE')
    // LeaveGroup v3+ may name a static member by its instance id alone.
    expect(s.c.leaveGroup('g', [{memberId: '', groupInstanceId: 'host-a'}]).members[0].error).toBe('NONE')
    expect(s.c.group('g')!.members.has(back.memberId)).toBe(false)
  })
})

describe('offsets', () => {
  test('a simple consumer (generation -1) commits to a new group; fetched back with metadata, -1 where none', async () => {
    const s = setup()
    const res = await s.c.commitOffsets({
      groupId: 'simple',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      offsets: [
        {topic: 't', partition: 0, offset: 5, metadata: 'hello'},
        {topic: 't', partition: 9, offset: 1, metadata: null},
        {topic: 'nope', partition: 0, offset: 1, metadata: null},
        {topic: 't', partition: 1, offset: 2, metadata: 'x'.repeat(4097)},
      ],
    })
    expect(res.map((r) => r.error)).toEqual(['NONE', 'UNKNOWN_TOPIC_OR_PARTITION', 'UNKNOWN_TOPIC_OR_PARTITION', 'OFFSET_METADATA_TOO_LARGE'])
    const file = JSON.parse(readFileSync(join(s.dir, 'groups', 'simple', 'offsets', 't', '0.json'), 'utf8'))
    expect(file).toMatchObject({offset: 5, metadata: 'hello', memberId: null, topicId: s.store.readTopic('t').id})
    expect(s.c.fetchOffsets('simple', [{topic: 't', partition: 0}, {topic: 't', partition: 1}]).offsets.map((o) => [o.partition, o.offset, o.metadata])).toEqual([
      [0, 5, 'hello'],
      [1, -1, ''],
    ])
    expect(s.c.fetchOffsets('simple', null).offsets.map((o) => [o.topic, o.partition, o.offset])).toEqual([['t', 0, 5]])
    expect(s.c.fetchOffsets('ghost', null).offsets).toEqual([])
    // The CLI's view of the same files.
    expect(new GroupAdmin(s.store).describeGroup('simple').partitions.map((p) => [p.partition, p.currentOffset])).toEqual([[0, 5]])
  })

  test('a member commits under its generation (moving back is the client\'s right); others are refused', async () => {
    const s = setup()
    const {ids, results} = await stableThree(s)
    const gen = results[0].generationId
    const commit = (memberId: string, generationId: number, offset: number) =>
      s.c.commitOffsets({groupId: 'g', generationId, memberId, groupInstanceId: null, offsets: [{topic: 't', partition: 0, offset, metadata: null}]})
    expect((await commit(ids[0], gen, 10))[0].error).toBe('NONE')
    expect((await commit(ids[0], gen, 4))[0].error).toBe('NONE')
    expect(s.c.fetchOffsets('g', [{topic: 't', partition: 0}]).offsets[0].offset).toBe(4)
    expect((await commit(ids[0], gen - 1, 7))[0].error).toBe('ILLEGAL_GENERATION')
    expect((await commit('nobody', gen, 7))[0].error).toBe('UNKNOWN_MEMBER_ID')
    expect((await commit('', -1, 7))[0].error).toBe('UNKNOWN_MEMBER_ID')
    expect(s.c.fetchOffsets('g', [{topic: 't', partition: 0}]).offsets[0].offset).toBe(4)
    // A commit of an unknown group's member (an earlier coordinator's generation): ILLEGAL_GENERATION, so it rejoins.
    expect((await s.c.commitOffsets({groupId: 'other', generationId: 3, memberId: 'm', groupInstanceId: null, offsets: [{topic: 't', partition: 0, offset: 1, metadata: null}]}))[0].error).toBe('ILLEGAL_GENERATION')
  })
})

describe('the CLI sees the coordinator\'s groups', () => {
  test('reset-offsets and delete refuse while the coordinator has members; DeleteGroups is NON_EMPTY_GROUP; both work once empty', async () => {
    const s = setup()
    const {ids, results} = await stableThree(s)
    await s.c.commitOffsets({groupId: 'g', generationId: results[0].generationId, memberId: ids[0], groupInstanceId: null, offsets: [{topic: 't', partition: 0, offset: 0, metadata: null}]})
    await s.persistence.flush()
    const admin = new GroupAdmin(s.store)
    expect(admin.listGroups()).toEqual([{group: 'g', state: 'Stable', members: 3}])
    const plan = admin.planReset('g', [{topic: 't', partition: 0}], {kind: 'earliest'})
    await expect(admin.executeReset('g', plan)).rejects.toThrow(GroupNotEmptyError)
    await expect(admin.deleteGroup('g')).rejects.toThrow(/broker 7 coordinates it with 3 live member/)
    expect(await s.c.deleteGroups(['g', 'ghost'])).toEqual([
      {groupId: 'g', error: 'NON_EMPTY_GROUP'},
      {groupId: 'ghost', error: 'GROUP_ID_NOT_FOUND'},
    ])
    s.c.leaveGroup('g', ids.map((memberId) => ({memberId, groupInstanceId: null})))
    expect(s.c.group('g')!.state).toBe('Empty')
    await s.persistence.flush()
    expect(admin.describeGroup('g').state).toBe('Empty')
    await admin.executeReset('g', plan)
    expect(await s.c.deleteGroups(['g'])).toEqual([{groupId: 'g', error: 'NONE'}])
    expect(existsSync(join(s.dir, 'groups', 'g'))).toBe(false)
    expect(s.c.describeGroups(['g'])[0].state).toBe('Dead')
  })

  test('DescribeGroups and ListGroups', async () => {
    const s = setup()
    const {ids} = await stableThree(s)
    await s.c.commitOffsets({groupId: 'simple', generationId: -1, memberId: '', groupInstanceId: null, offsets: [{topic: 't', partition: 0, offset: 1, metadata: null}]})
    const [d] = s.c.describeGroups(['g'])
    expect(d).toMatchObject({error: 'NONE', state: 'Stable', protocolType: 'consumer', protocolData: 'range'})
    expect(d.members.map((m) => m.memberId)).toEqual(ids)
    expect(decodeAssignment(d.members[1].assignment)!.partitions).toEqual([{topic: 't', partition: 1}])
    expect(s.c.listGroups().map((g) => [g.groupId, g.state, g.protocolType])).toEqual([
      ['g', 'Stable', 'consumer'],
      ['simple', 'Empty', ''],
    ])
    expect(s.c.listGroups(['Empty']).map((g) => g.groupId)).toEqual(['simple'])
  })
})

describe('one group, one kind of member', () => {
  test('a file-based member (consume -g without a broker) is refused while the coordinator has members, and the coordinator refuses joins while file-based members hold a group', async () => {
    const s = setup({initialRebalanceDelayMs: 0})
    const joined = await s.c.joinGroup(joinReq(await memberIdFor(s.c)))
    expect(joined.error).toBe('NONE')
    await s.persistence.flush()
    const hooks = {assigned: () => {}, revoked: async () => null, positions: () => ({})}
    const fileMember = new GroupMember(s.store, 'g', ['t'], hooks)
    await expect(fileMember.join()).rejects.toThrow(LogpipeError)
    await expect(fileMember.join()).rejects.toThrow(/group 'g' is coordinated by broker 7, which has 1 live member/)

    const other = new GroupMember(s.store, 'files', ['t'], hooks)
    await other.join()
    try {
      expect((await s.c.joinGroup(joinReq('', {groupId: 'files'}))).error).toBe('INCONSISTENT_GROUP_PROTOCOL')
      expect((await s.c.commitOffsets({groupId: 'files', generationId: -1, memberId: '', groupInstanceId: null, offsets: [{topic: 't', partition: 0, offset: 1, metadata: null}]}))[0].error).toBe('UNKNOWN_MEMBER_ID')
      expect(s.c.listGroups().find((g) => g.groupId === 'files')).toEqual({groupId: 'files', protocolType: 'consumer', state: 'Stable'})
    } finally {
      await other.leave()
    }
  })

  test('a coordinator started anew over the same files takes the group over: its members carry on under their generation (Kafka\'s loadGroup)', async () => {
    const s = setup()
    const {ids, results} = await stableThree(s)
    await s.persistence.flush()
    const r = readCoordinatorFile(join(s.dir, 'groups', 'g'))
    expect(r.kind === 'ok' && r.file.generation).toBe(results[0].generationId)
    s.c.close()
    expect((await s.c.joinGroup(joinReq(ids[0]))).error).toBe('NOT_COORDINATOR')
    const again = new GroupCoordinator({persistence: new GroupFilesPersistence(s.store, {brokerId: 7}), clock: s.clock, initialRebalanceDelayMs: 0, minSessionTimeoutMs: 1})
    for (const id of ids) expect(again.heartbeat({groupId: 'g', memberId: id, generationId: 1, groupInstanceId: null})).toBe('NONE')
    expect(again.group('g')).toMatchObject({state: 'Stable', generationId: results[0].generationId})
    // A member it never heard of joins as a new one: the next generation.
    const fresh = watch(again.joinGroup(joinReq('', {requireKnownMemberId: false})))
    for (const id of ids) void again.joinGroup(joinReq(id))
    await flush()
    expect(fresh.done()).toBe(true)
    expect(fresh.value()).toMatchObject({error: 'NONE', generationId: results[0].generationId + 1})
  })

  test('a JoinGroup left waiting when the coordinator closes is answered NOT_COORDINATOR, so the client looks for the coordinator again', async () => {
    const s = setup()
    const waiting = s.c.joinGroup(joinReq('', {requireKnownMemberId: false}))
    s.c.close()
    expect((await waiting).error).toBe('NOT_COORDINATOR')
  })
})
