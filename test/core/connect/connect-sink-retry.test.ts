/** How the built-in sinks give up on a write: thrown under errors.tolerance=none, handed to the errant record reporter under all. */
import {expect, test} from 'vitest'
import {ConnectTaskError} from '../../../src/core/errors.js'
import {SinkRecord} from '../../../src/core/connect/api/connect-record.js'
import type {ErrantRecordReporter} from '../../../src/core/connect/api/connector.js'
import {SinkRetrier, sinkErrorPolicy} from '../../../src/core/connect/connectors/sink-retry.js'

const rec = (offset: number) => new SinkRecord({topic: 't', kafkaPartition: 0, kafkaOffset: offset, keySchema: null, key: null, valueSchema: null, value: `v${offset}`})

function retrier(props: Record<string, string>) {
  const logs: string[] = []
  const reported: [number, string][] = []
  const reporter: ErrantRecordReporter = {
    report: async (r, e) => {
      reported.push([r.kafkaOffset, e.message])
    },
  }
  return {r: new SinkRetrier(sinkErrorPolicy(props), (m) => logs.push(m), () => reporter), logs, reported}
}

test('under none a refused write throws with its reason and reports nothing', async () => {
  const {r, reported} = retrier({})
  await expect(r.write('sink: 2 records', [rec(1), rec(2)], async () => ({ok: false, retriable: false, reason: 'HTTP 400'}))).rejects.toThrow(new ConnectTaskError('sink: 2 records failed: HTTP 400'))
  expect(reported).toEqual([])
})

test('under all every record of a refused write goes to the reporter, after a notice, and write() says it was skipped', async () => {
  const {r, logs, reported} = retrier({'errors.tolerance': 'all'})
  expect(await r.write('sink: 2 records', [rec(1), rec(2)], async () => ({ok: false, retriable: false, reason: 'HTTP 400'}))).toBe(false)
  expect(logs).toEqual(['sink: 2 records failed: HTTP 400; skipped (errors.tolerance=all)'])
  expect(reported).toEqual([
    [1, 'sink: 2 records failed: HTTP 400'],
    [2, 'sink: 2 records failed: HTTP 400'],
  ])
  expect(await r.write('sink: 1 record', [rec(3)], async () => ({ok: true}))).toBe(true)
  expect(reported).toHaveLength(2)
})

test('run() under all hands back what failed and whether it was worth a retry, for the caller to unroll or skip', async () => {
  const {r, reported} = retrier({'errors.tolerance': 'all'})
  expect(await r.run('jdbc: 3 rows', async () => ({ok: false, retriable: false, reason: 'NOT NULL constraint failed'}))).toEqual({message: 'jdbc: 3 rows failed: NOT NULL constraint failed', retriable: false})
  expect(reported).toEqual([])
})
