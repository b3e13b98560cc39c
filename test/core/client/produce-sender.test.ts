/**
 * ProduceSender's pipelining against a client whose answers the test hands
 * out one at a time: how many Produce requests go out before the first is
 * answered, that a partition's batches go in order, and what is sent again
 * when one of a flight fails (it and those of its partition behind it, in
 * order; OUT_OF_ORDER_SEQUENCE_NUMBER behind a failure is not a try).
 */
import {describe, expect, test} from 'vitest'
import type {KafkaClient} from '../../../src/core/client/kafka-client.js'
import {ProduceSender} from '../../../src/core/client/produce-sender.js'
import {parseClientSettings, producerIdempotence} from '../../../src/core/client/client-config.js'
import {KafkaProtocolError, UsageError} from '../../../src/core/errors.js'
import {ErrorCode} from '../../../src/core/wire/error-codes.js'

interface Sent {
  /** `partition:batch id` of each batch in the request, in request order. */
  batches: string[]
  answer(codes: Record<number, number>, baseOffset?: (partition: number) => number): void
}

/** A client that writes nothing: each Produce waits until the test answers it. */
function scriptedClient() {
  const sent: Sent[] = []
  let invalidated = 0
  const client = {
    leaderOf: async () => 1,
    invalidate: () => void invalidated++,
    request: (_leader: number, _schema: unknown, build: (version: number) => any) => {
      const body = build(9)
      return new Promise((resolve) => {
        const parts = body.topicData.flatMap((t: any) => t.partitionData.map((p: any) => ({index: p.index as number, id: (p.records as Buffer).readUInt32BE(0)})))
        sent.push({
          batches: parts.map((p: {index: number; id: number}) => `${p.index}:${p.id}`),
          answer: (codes, baseOffset = (p) => p * 1000) =>
            resolve({
              response: {
                responses: [{name: 't', partitionResponses: parts.map((p: {index: number; id: number}) => ({index: p.index, errorCode: codes[p.id] ?? ErrorCode.NONE, baseOffset: BigInt(baseOffset(p.index) + p.id), logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null}))}],
                throttleTimeMs: 0,
              },
              version: 9,
            }),
        })
      })
    },
  }
  return {client: client as unknown as KafkaClient, sent, invalidations: () => invalidated}
}

/** A batch whose first four bytes are its id (the scripted client reads them back). */
function batch(partition: number, id: number) {
  const bytes = Buffer.alloc(8)
  bytes.writeUInt32BE(id, 0)
  return {topic: 't', partition, bytes}
}

/** Lets the sender's awaits (leader lookups, earlier answers) run. */
const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('ProduceSender pipelining', () => {
  test('idempotent: five requests of one partition go out before the first is answered, and in order', async () => {
    const {client, sent} = scriptedClient()
    const sender = new ProduceSender(client, {idempotent: true, retryBackoffMs: 1})
    const done = sender.send(Array.from({length: 8}, (_, i) => batch(0, i)))
    await settle()
    expect(sent.map((s) => s.batches)).toEqual([['0:0'], ['0:1'], ['0:2'], ['0:3'], ['0:4']])
    for (const s of sent.slice(0, 5)) s.answer({})
    await settle()
    expect(sent.slice(5).map((s) => s.batches)).toEqual([['0:5'], ['0:6'], ['0:7']])
    for (const s of sent.slice(5)) s.answer({})
    expect(await done).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
  })

  test('without idempotence one request is in flight, unless max.in.flight says more', async () => {
    const one = scriptedClient()
    const a = new ProduceSender(one.client, {retryBackoffMs: 1}).send([batch(0, 0), batch(0, 1)])
    await settle()
    expect(one.sent).toHaveLength(1)
    one.sent[0].answer({})
    await settle()
    one.sent[1].answer({})
    expect(await a).toEqual([0, 1])

    const three = scriptedClient()
    const b = new ProduceSender(three.client, {retryBackoffMs: 1, maxInFlight: 3}).send([batch(0, 0), batch(0, 1), batch(0, 2), batch(0, 3)])
    await settle()
    expect(three.sent).toHaveLength(3)
    for (const s of three.sent.splice(0)) s.answer({})
    await settle()
    for (const s of three.sent.splice(0)) s.answer({})
    expect(await b).toEqual([0, 1, 2, 3])
  })

  test('each round has one batch per partition; partitions move on independently', async () => {
    const {client, sent} = scriptedClient()
    const done = new ProduceSender(client, {idempotent: true, retryBackoffMs: 1}).send([batch(0, 0), batch(1, 1), batch(0, 2), batch(0, 3)])
    await settle()
    expect(sent.map((s) => s.batches)).toEqual([['0:0', '1:1'], ['0:2'], ['0:3']])
    for (const s of sent) s.answer({})
    expect(await done).toEqual([0, 1001, 2, 3])
  })

  test('a failed batch goes again with those behind it, in order; OUT_OF_ORDER_SEQUENCE_NUMBER behind it is not a try of its own', async () => {
    const {client, sent, invalidations} = scriptedClient()
    // retries: 1, so counting the refused followers as tries would fail the send.
    const done = new ProduceSender(client, {idempotent: true, retries: 1, retryBackoffMs: 1}).send(Array.from({length: 6}, (_, i) => batch(0, i)))
    await settle()
    expect(sent).toHaveLength(5)
    sent[0].answer({})
    sent[1].answer({1: ErrorCode.NOT_LEADER_OR_FOLLOWER})
    for (const s of sent.slice(2, 5)) s.answer({[Number(s.batches[0].slice(2))]: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER})
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(invalidations()).toBe(1)
    // Batch 1 first, then 2..4 that the broker refused behind it, then 5, which had not gone out.
    expect(sent.slice(5).map((s) => s.batches)).toEqual([['0:1'], ['0:2'], ['0:3'], ['0:4'], ['0:5']])
    for (const s of sent.slice(5)) s.answer({})
    expect(await done).toEqual([0, 1, 2, 3, 4, 5])
  })

  test('a non-retriable error in a flight is thrown; a retriable one past the retries too', async () => {
    const tooLarge = scriptedClient()
    const a = new ProduceSender(tooLarge.client, {idempotent: true, retryBackoffMs: 1}).send([batch(0, 0), batch(0, 1)])
    await settle()
    tooLarge.sent[0].answer({0: ErrorCode.MESSAGE_TOO_LARGE})
    tooLarge.sent[1].answer({1: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER})
    await expect(a).rejects.toMatchObject({kafkaName: 'MESSAGE_TOO_LARGE'})

    const leaderless = scriptedClient()
    const b = new ProduceSender(leaderless.client, {idempotent: true, retries: 1, retryBackoffMs: 1}).send([batch(0, 0)])
    await settle()
    leaderless.sent[0].answer({0: ErrorCode.NOT_LEADER_OR_FOLLOWER})
    await new Promise((resolve) => setTimeout(resolve, 20))
    leaderless.sent[1].answer({0: ErrorCode.NOT_LEADER_OR_FOLLOWER})
    const error = await b.catch((e) => e)
    expect(error).toBeInstanceOf(KafkaProtocolError)
    expect(error).toMatchObject({kafkaName: 'NOT_LEADER_OR_FOLLOWER', retriable: true})
  })
})

describe('max.in.flight.requests.per.connection', () => {
  test('is a producer setting (also as librdkafka\'s max.in.flight), 1 or more', () => {
    expect(parseClientSettings(['max.in.flight.requests.per.connection=3'], 'producer').maxInFlight).toBe(3)
    expect(parseClientSettings(['max.in.flight=2'], 'producer').maxInFlight).toBe(2)
    expect(() => parseClientSettings(['max.in.flight=0'], 'producer')).toThrow(UsageError)
    expect(() => parseClientSettings(['max.in.flight=2'], 'consumer')).toThrow(/producer setting/)
  })

  test('above 5 turns idempotence off when it was left unset, and is refused with it asked for, as Kafka 3', () => {
    expect(producerIdempotence(parseClientSettings(['max.in.flight=5'], 'producer'))).toBe(true)
    expect(producerIdempotence(parseClientSettings(['max.in.flight=6'], 'producer'))).toBe(false)
    expect(() => producerIdempotence(parseClientSettings(['max.in.flight=6', 'enable.idempotence=true'], 'producer'))).toThrow(/at most 5 requests in flight, not max.in.flight.requests.per.connection=6/)
  })
})
