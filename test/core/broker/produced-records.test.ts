/**
 * checkProducedRecords (Kafka's LogValidator walk) takes the CRC on trust
 * except where a verdict depends on it: the append checks every batch's
 * CRC, and a batch whose CRC is wrong is refused there (CORRUPT_MESSAGE),
 * whatever its records look like.
 */
import {describe, expect, test} from 'vitest'
import {checkProducedRecords} from '../../../src/core/broker/produced-records.js'
import * as L from '../../../src/core/record/batch-layout.js'
import {ATTR, billionHeadersBatch, rawBatch, rawRecord} from '../../helpers/hostile-batch.js'
import {buildBatch, utf8} from '../support.js'

const good = () => buildBatch([{timestamp: Date.now(), key: null, value: utf8('v')}])
/** The same batch with one byte of its CRC flipped. */
const badCrc = (b: Buffer) => {
  const c = Buffer.from(b)
  c[L.CRC_OFFSET] ^= 0xff
  return c
}

describe('checkProducedRecords', () => {
  test('records that do not decode are a problem when the CRC is right', () => {
    expect(checkProducedRecords(Buffer.concat([good(), billionHeadersBatch()]))).toMatchObject({kind: 'invalid-record', message: /batch 1/})
    const short = rawBatch(rawRecord([ATTR, 0, 0, -1, -1, 0]), {count: 2})
    expect(checkProducedRecords(short)).toMatchObject({kind: 'invalid-record', message: /declares 2 records but holds 1/})
  })

  test('a batch with a wrong CRC is left to the append, whatever its records, and nothing after it is judged', () => {
    expect(checkProducedRecords(badCrc(billionHeadersBatch()))).toBe(null)
    expect(checkProducedRecords(Buffer.concat([badCrc(good()), billionHeadersBatch()]))).toBe(null)
    const gz = rawBatch(rawRecord([ATTR, 0, 0, -1, 2, utf8('ok'), 0]), {count: 1, gzip: true})
    expect(checkProducedRecords(gz)).toBe(null)
    expect(checkProducedRecords(Buffer.concat([badCrc(gz), billionHeadersBatch()]))).toBe(null)
    expect(checkProducedRecords(Buffer.concat([good(), good()]))).toBe(null)
  })
})
