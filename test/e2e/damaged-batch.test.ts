/**
 * Issue 8, point 4: one flipped byte in the first of three batches, after
 * the producers that wrote them let go cleanly. Readers say where the
 * damage is and `consume -e` exits 1; the next producer cuts nothing (the
 * damage lies below the partition's recovery point) and appends after the
 * intact batches; `topic verify` names it and `--repair` is the one tool
 * that cuts it, saying what it removed.
 */
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {EXIT, STACK_LINE, expectOk, lines} from './support.js'

test('a flipped byte in the first of three batches: reported by readers, never cut by a writer, cut by verify --repair', async () => {
  const {run, dataDir} = cli()
  expectOk(await run(['topic', 'create', 'd', '-q']))
  for (const batch of ['a1\na2\n', 'b1\nb2\n', 'c1\nc2\n']) expectOk(await run(['produce', 'd', '-q'], {input: batch}))
  const log = join(dataDir, 'topics', 'd', '0', '00000000000000000000.log')
  const data = readFileSync(log)
  const firstSize = data.readInt32BE(8) + 12
  data[firstSize - 1] ^= 0x01 // the last byte of the first batch's records
  writeFileSync(log, data)

  const consumed = await run(['consume', 'd', '-e'])
  expect(consumed.exitCode).toBe(EXIT.RUNTIME)
  expect(consumed.stdout).toBe('')
  const err = String(consumed.stderr)
  expect(err).not.toMatch(STACK_LINE)
  expect(err).toMatch(/topic d partition 0: corrupt record at offset 0 \(segment 0, position 0\): not a valid batch/)
  expect(err).toMatch(/logpipe topic verify d --repair/)
  expect(err).toMatch(/^logpipe: stopped short of the end of 1 partition at damaged data \(named above\)$/m)

  // The next producer cuts nothing: the bytes before its write are as they were.
  const produced = await run(['produce', 'd', '--json'], {input: 'd1\n'})
  expectOk(produced)
  expect(String(produced.stderr)).toBe('')
  expect(lines(produced.stdout).map((l) => JSON.parse(l).offset)).toEqual([6])
  expect(readFileSync(log).subarray(0, data.length).equals(data)).toBe(true)
  expect(statSync(log).size).toBeGreaterThan(data.length)

  const verified = await run(['topic', 'verify', 'd'])
  expect(verified.exitCode).toBe(EXIT.RUNTIME)
  expect(String(verified.stdout)).toMatch(/at position 0 are not a valid batch/)

  const repaired = await run(['topic', 'verify', 'd', '--repair'])
  expectOk(repaired)
  expect(String(repaired.stdout)).toMatch(/removed offsets 0\.\.6 \(\d+ bytes\) from position 0/)
  expectOk(await run(['topic', 'verify', 'd']))
  // What is left reads cleanly, and the log goes on after the cut without reusing an offset.
  const after = await run(['consume', 'd', '-e'])
  expectOk(after)
  expect(after.stdout).toBe('')
  const next = await run(['produce', 'd', '--json'], {input: 'e1\n'})
  expectOk(next)
  expect(lines(next.stdout).map((l) => JSON.parse(l).offset)).toEqual([7])
  expect((await run(['consume', 'd', '-e'])).stdout).toBe('e1\n')
})
