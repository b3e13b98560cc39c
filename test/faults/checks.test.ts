/**
 * The campaign's checks must see a loss when there is one: a missing
 * acknowledged record, one overwritten by another producer's (issue 8 point
 * 2), an offset acknowledged twice, a sticky record out of rank, a compacted
 * key whose latest value is gone, and a gap in the offsets.
 */
import {describe, expect, test} from 'vitest'
import {checkOffsets, explainSkip, findLosses, offsetRanges, pairAcks, parseLog, printedOffsets} from './checks.js'
import type {ProducerSpec} from './workload.js'

const pinned = (values: string[]): ProducerSpec => ({
  name: 'pP',
  topic: 'plain',
  role: 'produce',
  mapping: {kind: 'pinned', partition: 0},
  records: values.map((value) => ({key: null, value})),
  trickle: false,
  batchBytes: 1000,
})
const ends = (end: number, start = 0) => [{logStartOffset: start, logEndOffset: end}]
const noKey = () => 0

describe('findLosses', () => {
  const spec = pinned(['r1.pP.0', 'r1.pP.1', 'r1.pP.2'])
  const acked = pairAcks(spec, [0, 1, 2].map((offset) => ({partition: 0, offset})), noKey)
  const prefix = 'r1.pP.'

  test('every record in place: nothing lost', () => {
    const log = parseLog('plain 0 0  r1.pP.0\nplain 0 1  r1.pP.1\nplain 0 2  r1.pP.2\n').get('plain')
    const r = findLosses('plain', 'delete', [{producer: 'pP', prefix, records: acked}], log, ends(3))
    expect(r).toMatchObject({checked: 3, lost: []})
  })

  test.each([
    ['missing', 'plain 0 0  r1.pP.0\nplain 0 1  r1.pP.1\n', /missing/],
    ['overwritten', 'plain 0 0  r1.pP.0\nplain 0 1  r1.pP2.7\nplain 0 2  r1.pP.2\n', /holds/],
  ])('a %s record is lost', (_, text, what) => {
    const r = findLosses('plain', 'delete', [{producer: 'pP', prefix, records: acked}], parseLog(text).get('plain'), ends(3))
    expect(r.lost).toHaveLength(1)
    expect(r.lost[0]).toMatch(what)
  })

  test('below the log start with retention: expired, not lost', () => {
    const log = parseLog('plain 0 2  r1.pP.2\n').get('plain')
    const r = findLosses('plain', 'retention', [{producer: 'pP', prefix, records: acked}], log, ends(3, 2))
    expect(r).toMatchObject({lost: [], expired: 2})
  })

  test('an offset acknowledged to two producers is a loss', () => {
    const other = pairAcks({...pinned(['r1.pQ.0']), name: 'pQ'}, [{partition: 0, offset: 1}], noKey)
    const log = parseLog('plain 0 0  r1.pP.0\nplain 0 1  r1.pP.1\nplain 0 2  r1.pP.2\n').get('plain')
    const r = findLosses('plain', 'delete', [{producer: 'pP', prefix, records: acked}, {producer: 'pQ', prefix: 'r1.pQ.', records: other}], log, ends(3))
    expect(r.lost.some((l) => /acknowledged to pP and to pQ/.test(l))).toBe(true)
  })

  test('sticky records are known by rank: another of the same producer at the acked offset is a loss', () => {
    const sticky: ProducerSpec = {...pinned([]), name: 'pS', mapping: {kind: 'sticky'}}
    const records = pairAcks(sticky, [{partition: 0, offset: 0}, {partition: 0, offset: 2}], noKey)
    const ok = parseLog('plain 0 0  r1.pS.0\nplain 0 1  r1.pT.0\nplain 0 2  r1.pS.1\n').get('plain')
    expect(findLosses('plain', 'delete', [{producer: 'pS', prefix: 'r1.pS.', records}], ok, ends(3)).lost).toEqual([])
    const bad = parseLog('plain 0 0  r1.pS.0\nplain 0 1  r1.pS.1\nplain 0 2  r1.pS.2\n').get('plain')
    expect(findLosses('plain', 'delete', [{producer: 'pS', prefix: 'r1.pS.', records}], bad, ends(3)).lost).toHaveLength(1)
  })

  test('compaction: superseded by a later record of the key is fine; the latest gone is a loss', () => {
    const keyed: ProducerSpec = {...pinned([]), name: 'cK', topic: 'cmp', mapping: {kind: 'keyed'}, records: [{key: 'a', value: 'r1.cK.0'}, {key: 'a', value: 'r1.cK.1'}]}
    const records = pairAcks(keyed, [{partition: 0, offset: 0}, {partition: 0, offset: 1}], noKey)
    const kept = parseLog('cmp 0 1 a r1.cK.1\n').get('cmp')
    expect(findLosses('cmp', 'compact', [{producer: 'cK', prefix: 'r1.cK.', records}], kept, ends(2))).toMatchObject({lost: [], compacted: 1})
    const gone = parseLog('cmp 0 0 a r1.cK.0\n').get('cmp')
    expect(findLosses('cmp', 'compact', [{producer: 'cK', prefix: 'r1.cK.', records}], gone, ends(2)).lost).toHaveLength(1)
  })
})

test('checkOffsets finds a gap, a repeat and a short read', () => {
  const view = (t: string) => parseLog(t).get('plain')
  expect(checkOffsets('plain', false, view('plain 0 0  a\nplain 0 1  b\n'), ends(2))).toEqual([])
  expect(checkOffsets('plain', false, view('plain 0 0  a\nplain 0 2  b\n'), ends(3))[0]).toMatch(/where 1 belongs/)
  expect(checkOffsets('plain', true, view('plain 0 3  a\nplain 0 3  b\n'), ends(4))[0]).toMatch(/after 3/)
  expect(checkOffsets('plain', false, view('plain 0 0  a\n'), ends(2))[0]).toMatch(/log end is 2/)
})

test('a skip is explained by what each member printed, the commits around it and the segments around it', () => {
  const m0 = printedOffsets(['0 0 a', '0 1 b', '0 2 c', '0 5 f', '1 0 x', 'not a line'])
  expect(m0).toEqual(new Map([[0, [0, 1, 2, 5]], [1, [0]]]))
  expect(offsetRanges([0, 1, 2, 5, 7, 8])).toBe('0-2, 5, 7-8')
  expect(offsetRanges([1, 3, 5], 2)).toBe('1, 3 and 1 more ranges')
  const lines = explainSkip('plain', 0, 3, [{name: 'm0', offsets: m0}, {name: 'm1', offsets: new Map()}], [
    {offset: 2, generation: 1, by: 'm0'},
    {offset: 3, generation: 1, by: 'm0'},
    {offset: 6, generation: 1, by: 'm0'},
  ], [0, 3, 5, 8])
  expect(lines).toEqual([
    '  plain/0 printed: m0 0-2, 5; m1 nothing',
    '  plain/0 commits seen (3; offset@generation by): 3@1 m0, 6@1 m0',
    '  plain/0 segments around 3: 0, 3, 5',
  ])
})
