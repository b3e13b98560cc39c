/**
 * ElectLeaders (key 43) bytes against Kafka's documented layout
 * (clients/src/main/resources/common/message/ElectLeadersRequest.json and
 * ElectLeadersResponse.json): no client we test against implements it
 * (kafkajs 2.2.4 lists it as not implemented, kafka-python 2.0.2 and
 * @platformatic/kafka lack it), so the bytes are written out by hand, field
 * by field, from those files.
 */
import {describe, expect, test} from 'vitest'
import {decodeRequest, decodeResponse, encodeRequest, encodeResponse} from '../../../src/core/wire/message-codec.js'
import {electLeaders} from '../../../src/core/wire/messages/43-elect-leaders.js'

const hex = (...parts: string[]) => Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex')
const ORDERS = '6f7264657273'

describe('ElectLeaders request', () => {
  test.each([
    // TopicPartitions [{Topic orders, PartitionId [0, 2]}], TimeoutMs 30000; v0 has no ElectionType.
    [0, hex('00000001', '0006', ORDERS, '00000002 00000000 00000002', '00007530')],
    // v1: ElectionType 1 (unclean) first.
    [1, hex('01', '00000001', '0006', ORDERS, '00000002 00000000 00000002', '00007530')],
    // v2, flexible: compact arrays and strings (length + 1), a tag section after each struct and at the end.
    [2, hex('01', '02', '07', ORDERS, '03 00000000 00000002', '00', '00007530', '00')],
  ])('v%i', (version, bytes) => {
    const value = {electionType: 1, topicPartitions: [{topic: 'orders', partitions: [0, 2]}], timeoutMs: 30000}
    const ours = encodeRequest(electLeaders, version, value)
    expect(ours.toString('hex')).toBe(bytes.toString('hex'))
    expect(decodeRequest(electLeaders, version, bytes)).toMatchObject({...value, electionType: version === 0 ? 0 : 1})
  })

  test('a null TopicPartitions (every partition), as an array length of -1, or 0 when compact', () => {
    expect(encodeRequest(electLeaders, 1, {electionType: 0, topicPartitions: null, timeoutMs: 60000}).toString('hex')).toBe('00' + 'ffffffff' + '0000ea60')
    expect(encodeRequest(electLeaders, 2, {electionType: 0, topicPartitions: null, timeoutMs: 60000}).toString('hex')).toBe('00' + '00' + '0000ea60' + '00')
    expect(decodeRequest(electLeaders, 2, hex('00 00 0000ea60 00')).topicPartitions).toBeNull()
  })
})

describe('ElectLeaders response', () => {
  const value = {
    throttleTimeMs: 0,
    errorCode: 0,
    replicaElectionResults: [
      {
        topic: 'orders',
        partitionResult: [
          {partitionId: 0, errorCode: 84, errorMessage: null},
          {partitionId: 2, errorCode: 80, errorMessage: 'x'},
        ],
      },
    ],
  }
  test.each([
    // ELECTION_NOT_NEEDED (84) with a null message, PREFERRED_LEADER_NOT_AVAILABLE (80) with "x"; v0 has no top-level ErrorCode.
    [0, hex('00000000', '00000001', '0006', ORDERS, '00000002', '00000000 0054 ffff', '00000002 0050 0001 78')],
    [1, hex('00000000', '0000', '00000001', '0006', ORDERS, '00000002', '00000000 0054 ffff', '00000002 0050 0001 78')],
    [2, hex('00000000', '0000', '02', '07', ORDERS, '03', '00000000 0054 00 00', '00000002 0050 02 78 00', '00', '00')],
  ])('v%i', (version, bytes) => {
    expect(encodeResponse(electLeaders, version, value).toString('hex')).toBe(bytes.toString('hex'))
    expect(decodeResponse(electLeaders, version, bytes)).toMatchObject(version === 0 ? {...value, errorCode: 0} : value)
  })
})
