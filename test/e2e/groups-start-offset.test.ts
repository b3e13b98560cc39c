/**
 * Where a group member starts (DESIGN.md "Reading and offsets"): with -g the
 * committed offset wins; an explicit -o only places partitions the group has
 * no committed offset for (as kafka-console-consumer's --from-beginning with
 * --group), so restarts and rebalances never skip or repeat because of -o.
 */
import {expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {expectOk} from './support.js'

test('-o applies only where the group has no committed offset; committed progress wins afterwards', async () => {
  const {run} = cli()
  expectOk(await run(['produce', 't', '--create', '-q'], {input: 'a\nb\nc\n'}))
  // No committed offset yet: -o end places the member at the end, and it commits there.
  const first = await run(['consume', 't', '-g', 'g', '-o', 'end', '-e'])
  expectOk(first)
  expect(first.stdout).toBe('')
  expectOk(await run(['produce', 't', '-q'], {input: 'd\ne\n'}))
  // Committed offset 3 now exists: -o beginning does not move it back.
  const second = await run(['consume', 't', '-g', 'g', '-o', 'beginning', '-e'])
  expectOk(second)
  expect(second.stdout).toBe('d\ne\n')
  // A new group has nothing committed: -o 1 places it.
  const other = await run(['consume', 't', '-g', 'h', '-o', '1', '-e'])
  expectOk(other)
  expect(other.stdout).toBe('b\nc\nd\ne\n')
  const describe = await run(['group', 'describe', 'g', '--json'])
  expectOk(describe)
  const described = JSON.parse(String(describe.stdout))
  expect(described.partitions.map((p: {currentOffset: number}) => p.currentOffset)).toEqual([5])
})
