import {expect, test} from 'vitest'
import {cli} from './helpers/cli.js'

test('seq 10 | produce --create, consume -e returns the same lines', async () => {
  const {run} = cli()
  const p = await run(['produce', 'demo', '--create'], {input: Array.from({length: 10}, (_, i) => `${i + 1}\n`).join('')})
  expect(p.exitCode).toBe(0)
  const c = await run(['consume', 'demo', '-e'])
  expect(c.exitCode).toBe(0)
  expect(c.stdout).toBe('1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n')
})
