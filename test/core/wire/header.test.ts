import {describe, expect, test} from 'vitest'
import {Writer} from '../../../src/core/wire/codec/writer.js'
import {decodeRequestBody, decodeResponseFrame, encodeRequestFrame, encodeRequestFramePieces, encodeResponseFrame} from '../../../src/core/wire/envelope.js'
import {
  decodeRequestHeader,
  requestHeaderVersion,
  responseHeaderVersion,
  sizeOfRequestHeader,
  writeRequestHeader,
} from '../../../src/core/wire/header.js'
import {piecesLength} from '../../../src/core/wire/message-codec.js'
import {produce} from '../../../src/core/wire/messages/00-produce.js'
import {fetch} from '../../../src/core/wire/messages/01-fetch.js'
import {metadata} from '../../../src/core/wire/messages/03-metadata.js'
import {apiVersions} from '../../../src/core/wire/messages/18-api-versions.js'
import {kafkajsRequest} from '../../helpers/kafkajs-protocol.js'
import {createRequire} from 'node:module'
import {WireDecodeError} from '../../../src/core/errors.js'

const require = createRequire(import.meta.url)
const KafkajsRequestEncoder = require('kafkajs/src/protocol/request')

describe('header versions', () => {
  test.each([
    [metadata, 8, 1, 0],
    [metadata, 9, 2, 1],
    [fetch, 12, 2, 1],
    [fetch, 13, 2, 1], // beyond our range: still parsed as flexible
    [apiVersions, 2, 1, 0],
    [apiVersions, 3, 2, 0], // KIP-511: ApiVersions answers with header v0 at every version
    [apiVersions, 9, 2, 0],
  ] as const)('%s.name v%i: request v%i, response v%i', (schema, version, request, response) => {
    expect(requestHeaderVersion(schema, version)).toBe(request)
    expect(responseHeaderVersion(schema, version)).toBe(response)
  })

  test('an unknown API key still has its header read (v1)', () => {
    const w = new Writer(sizeOfRequestHeader({apiKey: 999, apiVersion: 0, correlationId: 5, clientId: 'c'}, 1))
    writeRequestHeader(w, {apiKey: 999, apiVersion: 0, correlationId: 5, clientId: 'c'}, 1)
    expect(decodeRequestHeader(w.finish())).toEqual({header: {apiKey: 999, apiVersion: 0, correlationId: 5, clientId: 'c'}, headerVersion: 1, bodyOffset: 11})
  })
})

describe('frames', () => {
  test("a request frame is kafkajs's frame, byte for byte (size, header v1, body)", async () => {
    const args = {topics: ['orders']}
    const theirs = await KafkajsRequestEncoder({correlationId: 42, clientId: 'my-app', request: kafkajsRequest('metadata', 4, args)})
    const ours = encodeRequestFrame(metadata, 4, {correlationId: 42, clientId: 'my-app'}, {topics: [{name: 'orders'}]})
    expect(ours.toString('hex')).toBe(theirs.buffer.toString('hex'))
  })

  test('a flexible request frame (header v2) decodes back, client id and all', () => {
    const frame = encodeRequestFrame(metadata, 12, {correlationId: 7, clientId: null}, {topics: null, includeTopicAuthorizedOperations: true})
    expect(frame.readInt32BE(0)).toBe(frame.length - 4)
    const body = frame.subarray(4)
    const decoded = decodeRequestHeader(body)
    expect(decoded).toMatchObject({header: {apiKey: 3, apiVersion: 12, correlationId: 7, clientId: null}, headerVersion: 2, bodyOffset: 11})
    expect(decodeRequestBody(metadata, body, decoded)).toMatchObject({topics: null, allowAutoTopicCreation: true, includeTopicAuthorizedOperations: true})
  })

  test('a response frame keeps large record batches by reference, and decodes back', () => {
    const big = Buffer.alloc(1 << 20, 7)
    const pieces = encodeResponseFrame(fetch, 12, 99, {
      responses: [{topic: 't', partitions: [{partitionIndex: 0, highWatermark: 1n, records: big}]}],
    })
    expect(pieces).toHaveLength(3)
    expect(pieces[1]).toBe(big)
    const frame = Buffer.concat(pieces)
    expect(frame.readInt32BE(0)).toBe(piecesLength(pieces) - 4)
    const {correlationId, body} = decodeResponseFrame(fetch, 12, frame.subarray(4))
    expect(correlationId).toBe(99)
    expect(body.responses[0].partitions[0].records?.equals(big)).toBe(true)
  })

  test('an ApiVersions v3 response frame has a v0 header: correlation id, then the body', () => {
    const [frame] = encodeResponseFrame(apiVersions, 3, 5, {errorCode: 35})
    expect(frame.toString('hex')).toBe('0000000c' + '00000005' + '0023' + '01' + '00000000' + '00')
  })

  test('a Produce request frame keeps large batches by reference, and equals the one-buffer frame', () => {
    const big = Buffer.alloc(64 * 1024, 3)
    const small = Buffer.alloc(100, 4)
    const value = {acks: -1, timeoutMs: 1000, topicData: [{name: 't', partitionData: [{index: 0, records: big}, {index: 1, records: small}]}]}
    const pieces = encodeRequestFramePieces(produce, 9, {correlationId: 3, clientId: 'c'}, value)
    expect(pieces).toContain(big)
    expect(pieces).not.toContain(small)
    expect(Buffer.concat(pieces).equals(encodeRequestFrame(produce, 9, {correlationId: 3, clientId: 'c'}, value))).toBe(true)
  })

  test('every truncation of a request header is a WireDecodeError', () => {
    const frame = encodeRequestFrame(metadata, 12, {correlationId: 7, clientId: 'client-id'}, {topics: null}).subarray(4)
    const {bodyOffset} = decodeRequestHeader(frame)
    for (let cut = 0; cut < bodyOffset; cut++) expect(() => decodeRequestHeader(frame.subarray(0, cut)), `cut at ${cut}`).toThrow(WireDecodeError)
  })
})
