/**
 * The group APIs at the newest versions we serve, which the installed
 * clients (kcat, kafka-python, kafkajs) do not send: flexible JoinGroup v9
 * (the KIP-394 round trip), SyncGroup v5 with protocol type and name,
 * Heartbeat v4, OffsetCommit v8, OffsetFetch v8 (several groups) and v7
 * (null topics: everything committed), FindCoordinator v4 (batched keys),
 * DescribeGroups v5, ListGroups v4 (state filter), LeaveGroup v5 (a batch)
 * and DeleteGroups v2, through our own codec over a socket to the built
 * broker, and JoinGroup v0, whose rebalance timeout is its session timeout.
 */
import {connect, type Socket} from 'node:net'
import {describe, expect, test} from 'vitest'
import {encodeAssignment, encodeSubscription} from '../../src/core/group/consumer-protocol.js'
import {decodeResponseFrame, encodeRequestFrame} from '../../src/core/wire/envelope.js'
import {ErrorCode} from '../../src/core/wire/error-codes.js'
import {FrameSplitter} from '../../src/core/wire/frame.js'
import {deleteGroups} from '../../src/core/wire/messages/42-delete-groups.js'
import {describeGroups} from '../../src/core/wire/messages/15-describe-groups.js'
import {findCoordinator} from '../../src/core/wire/messages/10-find-coordinator.js'
import {heartbeat} from '../../src/core/wire/messages/12-heartbeat.js'
import {joinGroup} from '../../src/core/wire/messages/11-join-group.js'
import {leaveGroup} from '../../src/core/wire/messages/13-leave-group.js'
import {listGroups} from '../../src/core/wire/messages/16-list-groups.js'
import {offsetCommit} from '../../src/core/wire/messages/08-offset-commit.js'
import {offsetFetch} from '../../src/core/wire/messages/09-offset-fetch.js'
import {syncGroup} from '../../src/core/wire/messages/14-sync-group.js'
import type {ApiSchema, RequestInput, ResponseOf} from '../../src/core/wire/schema.js'
import {cli} from '../helpers/cli.js'
import {startBroker} from '../helpers/broker.js'

/** One connection; requests answered in order, each matched by correlation id. */
async function wireClient(port: number) {
  const socket: Socket = connect({host: '127.0.0.1', port})
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  const splitter = new FrameSplitter()
  const waiting: Array<(frame: Buffer) => void> = []
  socket.on('data', (chunk: Buffer) => {
    for (const frame of splitter.push(chunk)) waiting.shift()?.(frame)
  })
  let correlationId = 0
  return {
    send<A extends ApiSchema>(schema: A, version: number, value: RequestInput<A>): Promise<ResponseOf<A>> {
      const id = ++correlationId
      return new Promise((resolve) => {
        waiting.push((frame) => {
          const r = decodeResponseFrame(schema, version, frame)
          expect(r.correlationId).toBe(id)
          resolve(r.body)
        })
        socket.write(encodeRequestFrame(schema, version, {correlationId: id, clientId: 'wire-test'}, value))
      })
    },
    close: () => socket.destroy(),
  }
}

describe('group APIs at their newest versions', () => {
  test('join, sync, heartbeat, commit, fetch, describe, list, leave, delete', async () => {
    const c = cli()
    expect((await c.run(['topic', 'create', 'wt', '--partitions', '2'])).exitCode).toBe(0)
    const broker = await startBroker(c.env, ['-X', 'group.initial.rebalance.delay.ms=0'])
    const w = await wireClient(broker.port)

    const coord = await w.send(findCoordinator, 4, {keyType: 0, coordinatorKeys: ['wg', 'bad/name']})
    expect(coord.coordinators).toEqual([
      {key: 'wg', nodeId: 0, host: broker.host, port: broker.port, errorCode: ErrorCode.NONE, errorMessage: null},
      expect.objectContaining({key: 'bad/name', errorCode: ErrorCode.INVALID_GROUP_ID, nodeId: -1}),
    ])

    const join = {groupId: 'wg', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols: [{name: 'range', metadata: encodeSubscription(['wt'])}]}
    const first = await w.send(joinGroup, 9, {...join, memberId: ''})
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED)
    expect(first.memberId).toMatch(/^wire-test-/)
    const joined = await w.send(joinGroup, 9, {...join, memberId: first.memberId, reason: 'first'})
    expect(joined).toMatchObject({errorCode: ErrorCode.NONE, generationId: 1, protocolType: 'consumer', protocolName: 'range', leader: first.memberId, memberId: first.memberId, skipAssignment: false})
    expect(joined.members.map((m) => m.memberId)).toEqual([first.memberId])
    const me = first.memberId

    const assignment = encodeAssignment([{topic: 'wt', partition: 0}, {topic: 'wt', partition: 1}])
    const synced = await w.send(syncGroup, 5, {groupId: 'wg', generationId: 1, memberId: me, protocolType: 'consumer', protocolName: 'range', assignments: [{memberId: me, assignment}]})
    expect(synced).toMatchObject({errorCode: ErrorCode.NONE, protocolType: 'consumer', protocolName: 'range'})
    expect(Buffer.from(synced.assignment).equals(assignment)).toBe(true)
    expect((await w.send(heartbeat, 4, {groupId: 'wg', generationId: 1, memberId: me})).errorCode).toBe(ErrorCode.NONE)
    expect((await w.send(heartbeat, 4, {groupId: 'wg', generationId: 0, memberId: me})).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION)

    const commit = await w.send(offsetCommit, 8, {
      groupId: 'wg',
      generationIdOrMemberEpoch: 1,
      memberId: me,
      topics: [{name: 'wt', partitions: [{partitionIndex: 0, committedOffset: 0n, committedMetadata: 'meta'}, {partitionIndex: 7, committedOffset: 1n, committedMetadata: null}]}],
    })
    expect(commit.topics).toEqual([{name: 'wt', partitions: [{partitionIndex: 0, errorCode: ErrorCode.NONE}, {partitionIndex: 7, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}]}])

    const fetched = await w.send(offsetFetch, 8, {groups: [{groupId: 'wg', topics: [{name: 'wt', partitionIndexes: [0, 1]}]}, {groupId: 'nobody', topics: null}]})
    expect(fetched.groups).toEqual([
      {
        groupId: 'wg',
        errorCode: 0,
        topics: [
          {
            name: 'wt',
            partitions: [
              {partitionIndex: 0, committedOffset: 0n, committedLeaderEpoch: -1, metadata: 'meta', errorCode: 0},
              {partitionIndex: 1, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0},
            ],
          },
        ],
      },
      {groupId: 'nobody', errorCode: 0, topics: []},
    ])
    const all = await w.send(offsetFetch, 7, {groupId: 'wg', topics: null})
    expect(all.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.committedOffset])])).toEqual([['wt', [[0, 0n]]]])

    const described = await w.send(describeGroups, 5, {groups: ['wg', 'none']})
    expect(described.groups[0]).toMatchObject({errorCode: 0, groupId: 'wg', groupState: 'Stable', protocolType: 'consumer', protocolData: 'range'})
    expect(described.groups[0].members).toEqual([expect.objectContaining({memberId: me, groupInstanceId: null, clientId: 'wire-test', clientHost: '/127.0.0.1'})])
    expect(described.groups[1]).toMatchObject({groupId: 'none', groupState: 'Dead', members: []})
    expect((await w.send(listGroups, 4, {statesFilter: ['stable']})).groups).toEqual([{groupId: 'wg', protocolType: 'consumer', groupState: 'Stable'}])
    expect((await w.send(listGroups, 4, {statesFilter: ['Empty']})).groups).toEqual([])

    expect((await w.send(deleteGroups, 2, {groupsNames: ['wg']})).results).toEqual([{groupId: 'wg', errorCode: ErrorCode.NON_EMPTY_GROUP}])
    const left = await w.send(leaveGroup, 5, {groupId: 'wg', members: [{memberId: me, reason: 'done'}, {memberId: 'ghost'}]})
    expect(left).toMatchObject({errorCode: 0, members: [{memberId: me, groupInstanceId: null, errorCode: 0}, {memberId: 'ghost', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID}]})
    expect((await w.send(listGroups, 4, {statesFilter: ['Empty']})).groups).toEqual([{groupId: 'wg', protocolType: 'consumer', groupState: 'Empty'}])
    expect((await w.send(deleteGroups, 2, {groupsNames: ['wg', 'wg2']})).results).toEqual([
      {groupId: 'wg', errorCode: ErrorCode.NONE},
      {groupId: 'wg2', errorCode: ErrorCode.GROUP_ID_NOT_FOUND},
    ])

    // v0: no rebalance timeout and no member id round trip; its answer comes at once to a lone member.
    const old = await w.send(joinGroup, 0, {groupId: 'v0', sessionTimeoutMs: 10_000, memberId: '', protocolType: 'consumer', protocols: [{name: 'range', metadata: encodeSubscription(['wt'])}]})
    expect(old).toMatchObject({errorCode: 0, generationId: 1, protocolName: 'range'})
    expect((await w.send(leaveGroup, 0, {groupId: 'v0', memberId: old.memberId})).errorCode).toBe(0)
    w.close()
    await broker.stop()
  })
})
