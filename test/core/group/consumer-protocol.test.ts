/**
 * The "consumer" protocol payloads a coordinator carries and `group
 * describe` reads: our encoder against kafkajs's own (a client nobody here
 * wrote), our decoder on kafkajs's bytes, and bytes a client could send
 * that do not hold up (short, negative or huge counts): null, never a
 * throw or a large allocation.
 */
import {describe, expect, test} from 'vitest'
// kafkajs's consumer-protocol codec, as its own assigners use it.
import kafkajsProtocol from 'kafkajs/src/consumer/assignerProtocol.js'
import {decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription} from '../../../src/core/group/consumer-protocol.js'

const {MemberMetadata, MemberAssignment} = kafkajsProtocol as {
  MemberMetadata: {encode(v: {version: number; topics: string[]; userData?: Buffer}): Buffer; decode(b: Buffer): {version: number; topics: string[]; userData: Buffer}}
  MemberAssignment: {encode(v: {version: number; assignment: Record<string, number[]>; userData?: Buffer}): Buffer; decode(b: Buffer): {version: number; assignment: Record<string, number[]>; userData: Buffer} | null}
}

describe('consumer protocol', () => {
  test('subscriptions and assignments agree with kafkajs both ways', () => {
    const sub = MemberMetadata.encode({version: 0, topics: ['a', 'bb'], userData: Buffer.from('u')})
    expect(decodeSubscription(sub)).toEqual({version: 0, topics: ['a', 'bb'], userData: Buffer.from('u'), ownedPartitions: []})
    expect(MemberMetadata.decode(encodeSubscription(['x', 'y']))).toMatchObject({version: 0, topics: ['x', 'y']})

    const asg = MemberAssignment.encode({version: 0, assignment: {a: [0, 2], bb: [1]}, userData: Buffer.alloc(0)})
    expect(decodeAssignment(asg)!.partitions).toEqual([{topic: 'a', partition: 0}, {topic: 'a', partition: 2}, {topic: 'bb', partition: 1}])
    expect(MemberAssignment.decode(encodeAssignment([{topic: 't', partition: 3}, {topic: 't', partition: 1}]))!.assignment).toEqual({t: [3, 1]})
    expect(decodeAssignment(Buffer.alloc(0))).toEqual({version: 0, partitions: [], userData: null})
  })

  test.each([
    ['a short header', Buffer.from([0])],
    ['a negative version', Buffer.from([0xff, 0xff, 0, 0, 0, 0])],
    ['a topic count beyond the bytes', Buffer.from([0, 0, 0x7f, 0xff, 0xff, 0xff])],
    ['a topic name longer than the payload', Buffer.from([0, 0, 0, 0, 0, 1, 0, 50, 0x61])],
  ])('%s decodes to null', (_what, bytes) => {
    expect(decodeSubscription(bytes)).toBeNull()
    expect(decodeAssignment(bytes)).toBeNull()
  })
})
