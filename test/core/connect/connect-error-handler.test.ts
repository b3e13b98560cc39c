/** errors.retry.timeout, errors.retry.delay.max.ms and errors.tolerance on the error handler, on an injected clock. */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, expect, test} from 'vitest'
import {ConnectDataError, ConnectTaskError, LockError} from '../../../src/core/errors.js'
import {Store} from '../../../src/core/store/store.js'
import {TopicWriters} from '../../../src/core/client/topic-writers.js'
import {ErrorHandler} from '../../../src/core/connect/runtime/error-handler.js'
import type {ErrorSettings} from '../../../src/core/connect/runtime/connector-config.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

function handler(settings: Partial<ErrorSettings>) {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-eh-'))
  dirs.push(dir)
  let now = 0
  const waits: number[] = []
  const notices: string[] = []
  const store = Store.open(join(dir, 'data'), {create: true})
  const h = new ErrorHandler({
    settings: {tolerance: 'none', retryTimeoutMs: 0, retryDelayMaxMs: 60_000, logEnable: false, logIncludeMessages: false, deadLetterTopic: '', deadLetterContextHeaders: false, ...settings},
    connector: 'c',
    taskId: 0,
    store,
    writers: new TopicWriters(store),
    notice: (m) => notices.push(m),
    clock: {now: () => now},
    sleep: async (ms) => {
      waits.push(ms)
      now += ms
    },
  })
  return {h, waits, notices}
}

const retriable = () => new LockError('busy for now')

test('a retriable failure is retried with doubling waits, capped at errors.retry.delay.max.ms, until it succeeds', async () => {
  const {h, waits} = handler({retryTimeoutMs: 10_000, retryDelayMaxMs: 1000})
  let calls = 0
  const v = await h.execute('VALUE_CONVERTER', 'X', () => {
    if (++calls < 5) throw retriable()
    return 'ok'
  })
  expect(v).toBe('ok')
  expect(waits).toEqual([300, 600, 1000, 1000])
})

test('retries stop at errors.retry.timeout; then tolerance none fails the task', async () => {
  const {h, waits} = handler({retryTimeoutMs: 1000})
  await expect(
    h.execute('VALUE_CONVERTER', 'X', () => {
      throw retriable()
    }),
  ).rejects.toThrow(ConnectTaskError)
  expect(waits.reduce((a, b) => a + b, 0)).toBe(1000)
})

test('errors.retry.timeout=0 (the default) does not retry, and a non-retriable error is never retried', async () => {
  const a = handler({retryTimeoutMs: 0})
  await expect(a.h.execute('KEY_CONVERTER', 'X', () => { throw retriable() })).rejects.toThrow(/Tolerance exceeded in error handler: stage KEY_CONVERTER with class X failed: busy for now/)
  expect(a.waits).toEqual([])
  const b = handler({retryTimeoutMs: -1})
  await expect(b.h.execute('KEY_CONVERTER', 'X', () => { throw new ConnectDataError('bad') })).rejects.toThrow(ConnectTaskError)
  expect(b.waits).toEqual([])
})

test('tolerance all skips the record and logs it when errors.log.enable is set', async () => {
  const {h, notices} = handler({tolerance: 'all', logEnable: true})
  const v = await h.execute('VALUE_CONVERTER', 'JsonConverter', () => { throw new ConnectDataError('bad bytes') })
  expect(v).toBeUndefined()
  expect(h.skipped).toBe(1)
  expect(notices).toEqual(["Error encountered in task c-0. Executing stage 'VALUE_CONVERTER' with class 'JsonConverter': bad bytes"])
})

test("report() (a sink's ErrantRecordReporter): no retry; under none Kafka's tolerance error, under all skipped and logged", async () => {
  const record = {topic: 'in', partition: 0, offset: 7, key: null, value: Buffer.from('v'), timestamp: 1, headers: []}
  const strict = handler({logEnable: true})
  await expect(strict.h.report('TASK_PUT', 'MySinkTask', new Error('refused'), record)).rejects.toThrow(/^Tolerance exceeded in error handler: stage TASK_PUT with class MySinkTask failed: refused$/)
  expect(strict.waits).toEqual([])
  const lenient = handler({tolerance: 'all', logEnable: true, logIncludeMessages: true})
  await lenient.h.report('TASK_PUT', 'MySinkTask', new Error('refused'), record)
  expect(lenient.h.skipped).toBe(1)
  expect(lenient.notices).toEqual([
    "Error encountered in task c-0. Executing stage 'TASK_PUT' with class 'MySinkTask', where consumed record is {topic='in', partition=0, offset=7, timestamp=1}: refused",
  ])
})
