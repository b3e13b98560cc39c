import {createRequire} from 'node:module'
import {expect, test} from 'vitest'
import {CRC_JS_BUDGET, crc32c, crc32cJs} from '../../../src/core/codec/crc32c.js'
import {Rng, testSeed} from '../support.js'

const require = createRequire(import.meta.url)
const kafkajsCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C')

test('CRC-32C check value of "123456789" is 0xe3069283 (RFC 3720 B.4)', () => {
  expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
  expect(crc32c(Buffer.alloc(0))).toBe(0)
  // iSCSI test vector: 32 bytes of zeros.
  expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa)
})

const seed = testSeed()
test(`agrees with kafkajs's CRC-32C on random buffers (seed ${seed})`, () => {
  const rng = new Rng(seed)
  for (let i = 0; i < 200; i++) {
    const data = rng.bytes(rng.int(0, 3000))
    expect(crc32c(data), `buffer ${i} of ${data.length} bytes`).toBe(kafkajsCrc32C(data) >>> 0)
  }
})

test(`the JavaScript sum (the first ${CRC_JS_BUDGET} bytes of a process) agrees with kafkajs's and with the native one after it (seed ${seed})`, () => {
  const rng = new Rng(seed + 1)
  expect(crc32cJs(Buffer.from('123456789'))).toBe(0xe3069283)
  expect(crc32cJs(new Uint8Array(0))).toBe(0)
  for (let i = 0; i < 200; i++) {
    const data = rng.bytes(rng.int(0, 3000))
    expect(crc32cJs(data), `buffer ${i} of ${data.length} bytes`).toBe(kafkajsCrc32C(data) >>> 0)
  }
  // Past the budget crc32c is the native module's: both give the same sums.
  const big = rng.bytes(CRC_JS_BUDGET + 1)
  expect(crc32c(big)).toBe(crc32cJs(big))
  expect(crc32c(big)).toBe(kafkajsCrc32C(big) >>> 0)
})
