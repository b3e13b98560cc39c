/**
 * The error table walked whole, and compared with kafkajs's own table
 * (src/protocol/error.js) wherever both name a code.
 */
import {createRequire} from 'node:module'
import {describe, expect, test} from 'vitest'
import {KafkaProtocolError} from '../../../src/core/errors.js'
import {ERROR_TABLE, ErrorCode, errorInfo, kafkaError} from '../../../src/core/wire/error-codes.js'

const require = createRequire(import.meta.url)
const kafkajs: Array<{type: string; code: number; retriable: boolean}> = require('kafkajs/src/protocol/error.js').errorCodes

// kafkajs calls -1 UNKNOWN, and kept the names these codes had before Kafka renamed them.
const KAFKAJS_NAMES: Record<number, string> = {
  [-1]: 'UNKNOWN',
  6: 'NOT_LEADER_FOR_PARTITION',
  14: 'GROUP_LOAD_IN_PROGRESS',
  15: 'GROUP_COORDINATOR_NOT_AVAILABLE',
  16: 'NOT_COORDINATOR_FOR_GROUP',
}

describe('error table', () => {
  test('codes and names are unique, messages present, NONE is 0', () => {
    expect(new Set(ERROR_TABLE.map((e) => e.code)).size).toBe(ERROR_TABLE.length)
    expect(new Set(ERROR_TABLE.map((e) => e.name)).size).toBe(ERROR_TABLE.length)
    for (const e of ERROR_TABLE) {
      expect(e.name).toMatch(/^[A-Z][A-Z0-9_]*$/)
      expect(e.message.length, e.name).toBeGreaterThan(0)
    }
    expect(ErrorCode.NONE).toBe(0)
    expect(ErrorCode.NOT_LEADER_OR_FOLLOWER).toBe(6)
    expect(ErrorCode.UNSUPPORTED_VERSION).toBe(35)
  })

  test.each(kafkajs.map((k) => [k.type, k.code, k] as const))('kafkajs %s (%i) is ours by code and name', (_, code, k) => {
    const ours = errorInfo(code)
    expect(ours.name.startsWith('UNKNOWN_ERROR_CODE'), `kafkajs knows ${k.type} (${code}), we do not`).toBe(false)
    expect(KAFKAJS_NAMES[code] ?? ours.name).toBe(k.type)
  })

  test('retriable agrees with kafkajs for every code both know', () => {
    expect(kafkajs.filter((k) => errorInfo(k.code).retriable !== k.retriable).map((k) => k.type)).toEqual([])
  })

  test('an error carries its code and retriable, and an unknown code falls back', () => {
    const e = kafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'orders-0')
    expect(e).toBeInstanceOf(KafkaProtocolError)
    expect(e.code).toBe(6)
    expect(e.kafkaName).toBe('NOT_LEADER_OR_FOLLOWER')
    expect(e.retriable).toBe(true)
    expect(e.message).toMatch(/^NOT_LEADER_OR_FOLLOWER: .*\(orders-0\)$/)
    const unknown = kafkaError(31999)
    expect(unknown.code).toBe(31999)
    expect(unknown.retriable).toBe(false)
    expect(unknown.kafkaName).toBe('UNKNOWN_ERROR_CODE_31999')
  })
})
