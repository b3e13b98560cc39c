/**
 * Response bytes from kafkajs's own protocol tests (many captured from real
 * brokers; test/fixtures/kafkajs-responses.json, see its _source): our
 * decoder reads each one as kafkajs's decoder does, field for field, and our
 * encoder gives back the very same bytes.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {WireDecodeError} from '../../../src/core/errors.js'
import {decodeResponse, encodeResponse} from '../../../src/core/wire/message-codec.js'
import {schemaFor} from '../../../src/core/wire/registry.js'
import {ROOT} from '../../helpers/cli.js'
import {kafkajsLeaves, kafkajsQuirks, kafkajsResponse, wireLeaves} from '../../helpers/kafkajs-protocol.js'

const KEYS: Record<string, number> = {
  apiVersions: 18, metadata: 3, produce: 0, fetch: 1, listOffsets: 2, createTopics: 19, deleteTopics: 20, createPartitions: 37,
  describeConfigs: 32, findCoordinator: 10, joinGroup: 11, syncGroup: 14, heartbeat: 12, leaveGroup: 13, offsetCommit: 8,
  offsetFetch: 9, listGroups: 16, describeGroups: 15, deleteGroups: 42, initProducerId: 22, saslHandshake: 17, saslAuthenticate: 36,
}

const fixtures: Record<string, string> = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/kafkajs-responses.json'), 'utf8'))

/** kafkajs reads a missing v1 throttle time as 0 (old brokers left it out); the protocol requires it, and so do we. */
const REFUSED = new Set(['apiVersions/v1_response_missing_throttle_time'])

/** Where kafkajs's decoder stops short: snappy without a codec installed, and an error it throws on. */
const KAFKAJS_CANNOT: Record<string, (ours: Record<string, unknown>) => void> = {
  'fetch/v4_response_snappy': (ours) => expect((ours.responses as any)[0].partitions[0].records.length).toBeGreaterThan(61),
  'findCoordinator/v1_response_version_error': (ours) => expect(ours.errorCode).toBe(35),
}

const cases = Object.entries(fixtures)
  .filter(([name]) => !name.startsWith('_'))
  .map(([name, hex]) => {
    const [dir, file] = name.split('/')
    return [name, dir, Number(/^v(\d+)/.exec(file)![1]), Buffer.from(hex, 'hex')] as const
  })

describe('kafkajs response fixtures', () => {
  test('there are fixtures for most APIs', () => {
    expect(new Set(cases.map((c) => c[1])).size).toBeGreaterThanOrEqual(18)
  })

  test.each(cases)('%s', async (name, dir, version, bytes) => {
    const schema = schemaFor(KEYS[dir])!
    if (REFUSED.has(name)) {
      expect(() => decodeResponse(schema, version, bytes)).toThrow(WireDecodeError)
      return
    }
    const ours = decodeResponse(schema, version, bytes) as Record<string, unknown>
    expect(encodeResponse(schema, version, ours).toString('hex')).toBe(bytes.toString('hex'))
    if (name in KAFKAJS_CANNOT) {
      KAFKAJS_CANNOT[name](ours)
      return
    }
    const kafkajs = kafkajsResponse(dir, version)
    const theirs = await kafkajs.decode(bytes)
    kafkajsQuirks.adapt[dir]?.(theirs, version)
    kafkajsQuirks.prepare[dir]?.(ours)
    expect(kafkajsLeaves(theirs)).toEqual(wireLeaves(schema.response, version, ours))
  })
})
