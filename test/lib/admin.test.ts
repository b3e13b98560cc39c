/**
 * The kafkajs-shaped admin: topics and groups with kafkajs's arguments and
 * answers, group offsets seeded before a group exists, refused while it has
 * live members, and member assignments kafkajs's AssignerProtocol decodes.
 */
import {createRequire} from 'node:module'
import {describe, expect, test} from 'vitest'
import {AssignerProtocol, DeleteGroupsError, GROUP_ERROR_CODES, LogpipeError, NotFoundError, UsageError} from '../../src/index.js'
import {newLogpipe, until} from './support.js'

const require = createRequire(import.meta.url)
const kafkajs = require('kafkajs') as {AssignerProtocol: {MemberAssignment: {decode(b: Buffer): unknown}; MemberMetadata: {decode(b: Buffer): unknown}}}

async function admin() {
  const lp = newLogpipe()
  const a = lp.logpipe.admin()
  await a.connect()
  return {...lp, admin: a}
}

describe('admin', () => {
  test('createTopics answers true, or false when a topic existed; validateOnly creates nothing; configEntries are checked', async () => {
    const {admin: a} = await admin()
    expect(await a.createTopics({topics: [{topic: 'a', numPartitions: 3, configEntries: [{name: 'retention.ms', value: '1000'}]}, {topic: 'b'}]})).toBe(true)
    expect(await a.createTopics({topics: [{topic: 'a'}, {topic: 'c'}]})).toBe(false)
    expect(await a.createTopics({validateOnly: true, topics: [{topic: 'd'}]})).toBe(true)
    expect(await a.listTopics()).toEqual(['a', 'b', 'c'])
    await expect(a.createTopics({topics: [{topic: 'e', configEntries: [{name: 'retention.nope', value: '1'}]}]})).rejects.toBeInstanceOf(UsageError)
    await expect(a.createTopics({topics: [{topic: 'e'}, {topic: 'e'}]})).rejects.toThrow(/named twice/)
    await expect(a.createTopics({topics: [{topic: 'e', numPartitions: 0}]})).rejects.toBeInstanceOf(UsageError)
    expect(await a.listTopics()).toEqual(['a', 'b', 'c'])
    const meta = await a.fetchTopicMetadata({topics: ['a']})
    expect(meta.topics[0].name).toBe('a')
    expect(meta.topics[0].partitions.map((p) => p.partitionId)).toEqual([0, 1, 2])
    expect(meta.topics[0].partitions[0]).toEqual({partitionErrorCode: 0, partitionId: 0, leader: 0, replicas: [0], isr: [0], offlineReplicas: []})
    expect((await a.fetchTopicMetadata()).topics.map((t) => t.name)).toEqual(['a', 'b', 'c'])
    await expect(a.fetchTopicMetadata({topics: ['nope']})).rejects.toBeInstanceOf(NotFoundError)
  })

  test('fetchTopicOffsets, fetchTopicOffsetsByTimestamp, createPartitions, deleteTopics, describeCluster', async () => {
    const {admin: a, logpipe} = await admin()
    await a.createTopics({topics: [{topic: 't', numPartitions: 2}]})
    const producer = logpipe.producer()
    await producer.connect()
    await producer.send({topic: 't', messages: [{value: 'a', partition: 0, timestamp: 100}, {value: 'b', partition: 0, timestamp: 200}, {value: 'c', partition: 1, timestamp: 300}]})
    await producer.disconnect()
    expect(await a.fetchTopicOffsets('t')).toEqual([
      {partition: 0, offset: '2', high: '2', low: '0'},
      {partition: 1, offset: '1', high: '1', low: '0'},
    ])
    expect(await a.fetchTopicOffsetsByTimestamp('t', 150)).toEqual([{partition: 0, offset: '1'}, {partition: 1, offset: '0'}])
    expect(await a.createPartitions({topicPartitions: [{topic: 't', count: 4}]})).toBe(true)
    expect((await a.fetchTopicOffsets('t')).length).toBe(4)
    await expect(a.createPartitions({topicPartitions: [{topic: 't', count: 3}]})).rejects.toBeInstanceOf(UsageError)
    const cluster = await a.describeCluster()
    expect(cluster.controller).toBe(0)
    expect(cluster.clusterId).toMatch(/^[0-9a-f-]{36}$/)
    await a.deleteTopics({topics: ['t']})
    expect(await a.listTopics()).toEqual([])
    await expect(a.deleteTopics({topics: ['t']})).rejects.toBeInstanceOf(NotFoundError)
  })

  test('offsets: -1 where none; seeded for a group that does not exist yet; set, reset; refused while the group has a live member', async () => {
    const {admin: a, logpipe} = await admin()
    await a.createTopics({topics: [{topic: 't', numPartitions: 2}]})
    const producer = logpipe.producer()
    await producer.connect()
    await producer.send({topic: 't', messages: [0, 0, 0, 1].map((partition, i) => ({value: String(i), partition}))})
    await producer.disconnect()
    const offsets = async () => (await a.fetchOffsets({groupId: 'g', topics: ['t']}))[0].partitions.map((p) => p.offset)
    expect(await offsets()).toEqual(['-1', '-1'])
    expect(await a.fetchOffsets({groupId: 'g'})).toEqual([])
    await a.setOffsets({groupId: 'g', topic: 't', partitions: [{partition: 0, offset: '2'}]})
    expect(await offsets()).toEqual(['2', '-1'])
    await a.resetOffsets({groupId: 'g', topic: 't', earliest: true})
    expect(await offsets()).toEqual(['0', '0'])
    await a.resetOffsets({groupId: 'g', topic: 't'})
    expect(await offsets()).toEqual(['3', '1'])
    await expect(a.setOffsets({groupId: 'g', topic: 't', partitions: [{partition: 9, offset: '0'}]})).rejects.toBeInstanceOf(UsageError)

    const consumer = logpipe.consumer({groupId: 'g'})
    await consumer.connect()
    await consumer.subscribe({topics: ['t']})
    await consumer.run({eachMessage: async () => {}})
    await expect(a.resetOffsets({groupId: 'g', topic: 't', earliest: true})).rejects.toThrow(/live member/)
    await consumer.disconnect()
    await a.resetOffsets({groupId: 'g', topic: 't', earliest: true})
    expect(await offsets()).toEqual(['0', '0'])
  })

  test('describeGroups and listGroups show a live member, its assignment in Kafka consumer protocol bytes kafkajs decodes', async () => {
    const {admin: a, logpipe} = await admin()
    await a.createTopics({topics: [{topic: 't', numPartitions: 3}]})
    const consumer = logpipe.consumer({groupId: 'g'})
    let joined = false
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true))
    await consumer.connect()
    await consumer.subscribe({topics: ['t']})
    await consumer.run({eachMessage: async () => {}})
    await until(() => joined, 'the join')
    const {groups} = await a.describeGroups(['g', 'nobody'])
    expect(groups[0]).toMatchObject({errorCode: 0, groupId: 'g', protocol: 'range', protocolType: 'consumer', state: 'Stable'})
    expect(groups[0].members).toHaveLength(1)
    const m = groups[0].members[0]
    expect(m.clientId).toBe('test')
    expect(kafkajs.AssignerProtocol.MemberAssignment.decode(m.memberAssignment)).toEqual({version: 0, assignment: {t: [0, 1, 2]}, userData: Buffer.alloc(0)})
    expect(kafkajs.AssignerProtocol.MemberMetadata.decode(m.memberMetadata)).toEqual({version: 0, topics: ['t'], userData: Buffer.alloc(0)})
    expect(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)).toEqual({version: 0, assignment: {t: [0, 1, 2]}, userData: Buffer.alloc(0)})
    expect(groups[1]).toEqual({errorCode: 0, groupId: 'nobody', members: [], protocol: '', protocolType: '', state: 'Dead'})
    expect(await a.listGroups()).toEqual({groups: [{groupId: 'g', protocolType: 'consumer'}]})

    const error = await a.deleteGroups(['g', 'nobody']).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DeleteGroupsError)
    expect((error as DeleteGroupsError).groups.map((g) => [g.groupId, g.errorCode])).toEqual([
      ['g', GROUP_ERROR_CODES.NON_EMPTY_GROUP],
      ['nobody', GROUP_ERROR_CODES.GROUP_ID_NOT_FOUND],
    ])
    expect((error as DeleteGroupsError).groups[0].error).toBeInstanceOf(LogpipeError)
    await consumer.disconnect()
    expect(await a.deleteGroups(['g'])).toEqual([{groupId: 'g', errorCode: 0}])
    expect(await a.listGroups()).toEqual({groups: []})
  })

  test('the consumer protocol decoder checks every length against the bytes there', () => {
    const good = AssignerProtocol.MemberAssignment.encode({version: 0, assignment: {t: [0, 1]}})
    expect(AssignerProtocol.MemberAssignment.decode(Buffer.alloc(0))).toBeNull()
    for (const cut of [3, 8, good.length - 5]) expect(() => AssignerProtocol.MemberAssignment.decode(good.subarray(0, cut))).toThrow(/consumer protocol/)
    const huge = Buffer.from(good)
    huge.writeInt32BE(0x7fffffff, 2)
    expect(() => AssignerProtocol.MemberAssignment.decode(huge)).toThrow(/does not fit/)
  })

  test('admin calls before connect are usage errors', async () => {
    const {logpipe} = newLogpipe()
    await expect(logpipe.admin().listTopics()).rejects.toBeInstanceOf(UsageError)
  })
})
