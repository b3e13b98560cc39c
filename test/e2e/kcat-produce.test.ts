/**
 * produce as a kcat or kafka-console-producer user types it (issue 9
 * points 1 and 2): -t/--topic, -Z tombstones, -k with -K (the line's key
 * wins), -T tee, -l and --whole-file, -X settings, --property
 * parse.key/key.separator, and how many records were written before a
 * refused one.
 */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {cli} from '../helpers/cli.js'
import {EXIT, expectCleanError, expectOk} from './support.js'

const KV = ['consume', 'k', '-e', '-Z', '-f', '%k=%s\\n']

describe('kcat produce flags', () => {
  test('-Z sends an empty value as NULL (a tombstone) and an empty key as NULL; -k with -K: the line\'s key wins', async () => {
    const {run} = cli()
    expectOk(await run(['topic', 'create', 'k', '-q']))
    expectOk(await run(['produce', '-t', 'k', '-K', ':', '-k', 'dflt', '-Z'], {input: 'a:1\nnosep\nb:\n:v\n'}))
    const r = await run(KV)
    expectOk(r)
    expect(String(r.stdout)).toBe('a=1\ndflt=nosep\nb=NULL\nNULL=v\n')
  })

  test('without -Z an empty line is an empty value, not NULL', async () => {
    const {run} = cli()
    expectOk(await run(['topic', 'create', 'k', '-q']))
    expectOk(await run(['produce', 'k', '-K', ':'], {input: 'b:\n'}))
    expect(String((await run(KV)).stdout)).toBe('b=\n')
  })

  test('-T copies the input to stdout as it is sent, delimiters included', async () => {
    const {run} = cli()
    expectOk(await run(['topic', 'create', 'k', '-q']))
    const r = await run(['produce', 'k', '-T', '-K', ':', '-D', ';'], {input: 'a:1;b:2;c'})
    expectOk(r)
    expect(String(r.stdout)).toBe('a:1;b:2;c')
    expect(String((await run(KV)).stdout)).toBe('a=1\nb=2\nNULL=c\n')
  })

  test('-l splits FILEs at the delimiter as kcat does; --whole-file sends each FILE as one record', async () => {
    const {run, base} = cli()
    expectOk(await run(['topic', 'create', 'k', '-q']))
    const f1 = join(base, 'one.txt')
    const f2 = join(base, 'two.txt')
    writeFileSync(f1, 'x\ny\n')
    writeFileSync(f2, 'z')
    expectOk(await run(['produce', 'k', '-l', f1]))
    expectOk(await run(['produce', '-t', 'k', '--whole-file', f1, f2]))
    const r = await run(['consume', 'k', '-e', '-f', '[%s]'])
    expectOk(r)
    expect(String(r.stdout)).toBe('[x][y][x\ny\n][z]')
  })

  test('-X linger.ms, batch.size and compression.type are taken; an unknown key is a usage error naming it', async () => {
    const {run, dataDir} = cli()
    expectOk(await run(['topic', 'create', 'k', '-q']))
    expectOk(await run(['produce', 'k', '-X', 'linger.ms=0', '-X', 'batch.size=1000', '-X', 'compression.type=gzip'], {input: 'a\nb\n'}))
    const dump = await run(['dump', join(dataDir, 'topics', 'k', '0', '00000000000000000000.log')])
    expect(String(dump.stdout)).toMatch(/compresscodec: gzip/)
    const c = await run(['consume', 'k', '-e'])
    expect(String(c.stdout)).toBe('a\nb\n')
    const bad = await run(['produce', 'k', '-X', 'lingerms=5'], {input: 'a\n'})
    expectCleanError(bad, EXIT.USAGE, /^logpipe: -X: unknown client setting 'lingerms'$/)
    expect(String(bad.stderr)).toMatch(/hint: did you mean linger\.ms\?/)
    expectCleanError(await run(['produce', 'k', '-X', 'group.id=g'], {input: 'a\n'}), EXIT.USAGE, /-X group\.id is a consumer setting/)
  })

  test("kafka-console-producer's --topic with --property parse.key=true and key.separator", async () => {
    const {run} = cli()
    expectOk(await run(['topic', 'create', 'k', '-q']))
    expectOk(await run(['produce', '--topic', 'k', '--property', 'parse.key=true'], {input: 'a\t1\n'}))
    expectOk(await run(['produce', '--topic', 'k', '--property', 'parse.key=true', '--property', 'key.separator=:'], {input: 'b:2\n'}))
    expect(String((await run(KV)).stdout)).toBe('a=1\nb=2\n')
    expectCleanError(await run(['produce', 'k', '--property', 'parse.kye=true'], {input: ''}), EXIT.USAGE, /unknown property 'parse\.kye'/)
  })

  test('a refused record: the error says how many records before it were written, and they are there', async () => {
    const {run} = cli()
    expectOk(await run(['topic', 'create', 'k', '--config', 'max.message.bytes=100', '-q']))
    const r = await run(['produce', 'k'], {input: `a\nb\nc\n${'X'.repeat(500)}\nd\n`})
    expectCleanError(r, EXIT.RUNTIME, /^logpipe: record 4 is .*; it was not written; the 3 records before it were written$/)
    expect(String((await run(['consume', 'k', '-e'])).stdout)).toBe('a\nb\nc\n')
  })
})
