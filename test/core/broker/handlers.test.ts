/** The broker's handler list names every handler file, once, and each serves the key its file name says. */
import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import {expect, test} from 'vitest'
import {indexHandlers} from '../../../src/core/broker/dispatcher.js'
import {HANDLERS} from '../../../src/core/wire/api/handlers.js'
import {ROOT} from '../../helpers/cli.js'

test('every src/core/wire/api/NN-name.ts is in HANDLERS, under the key its name gives', () => {
  const files = readdirSync(join(ROOT, 'src/core/wire/api')).filter((n) => /^\d{2,3}-[a-z0-9-]+\.ts$/.test(n))
  const keys = files.map((n) => Number(n.split('-')[0])).sort((a, b) => a - b)
  const handlers = indexHandlers(HANDLERS)
  expect([...handlers.keys()].sort((a, b) => a - b)).toEqual(keys)
  expect(HANDLERS.length).toBe(files.length)
})

test('two handlers for one key are refused at start', () => {
  expect(() => indexHandlers([HANDLERS[0], HANDLERS[0]])).toThrow(/two handlers for API key 0/)
})
