/**
 * Header values are bytes. Node hands a program its arguments decoded as
 * UTF-8, invalid bytes already replaced by U+FFFD, so `-H` given raw bytes
 * on the command line (as kcat takes them) is run through a shell here:
 * execa itself can only pass strings (the bytes come from /proc/self/cmdline,
 * so this is Linux). With --input json, bytes travel as
 * {"base64": ...}; `consume --json --json-encoding base64` prints exact bytes.
 */
import {isUtf8} from 'node:buffer'
import {execa} from 'execa'
import {expect, test} from 'vitest'
import {BIN, cli} from '../helpers/cli.js'
import {EXIT, expectCleanError, expectOk, lines} from './support.js'

/** Header values as text where they are UTF-8, {base64} where not, from `--json-encoding base64` output. */
const headersOf = (stdout: unknown) =>
  lines(stdout).map((l) =>
    (JSON.parse(l) as {headers: {key: string; value: string | null}[]}).headers.map(({key, value}) => {
      const bytes = value === null ? null : Buffer.from(value, 'base64')
      return {key, value: bytes === null ? null : isUtf8(bytes) ? bytes.toString('utf8') : {base64: value}}
    }),
  )

test('-H keeps a value that is not UTF-8 byte for byte, in every spelling of the flag', async () => {
  const {run, env} = cli()
  // printf's octal escapes make the bytes; "$@" carries them as argv, unchanged.
  const script = `printf 'r\\n' | "$0" "$1" produce t --create -H "$(printf 'k=\\377x')" -H plain=ok "--header=z=$(printf '\\376')" "-H$(printf 'y=\\375')" -H "u=$(printf '\\303\\251')"`
  const r = await execa('sh', ['-c', script, process.execPath, BIN], {env, reject: false})
  expect(r.exitCode, String(r.stderr)).toBe(0)
  const out = await run(['consume', 't', '-e', '--json', '--json-encoding', 'base64'])
  expectOk(out)
  expect(headersOf(out.stdout)).toEqual([
    [
      {key: 'k', value: {base64: Buffer.from([0xff, 0x78]).toString('base64')}},
      {key: 'plain', value: 'ok'},
      {key: 'z', value: {base64: Buffer.from([0xfe]).toString('base64')}},
      {key: 'y', value: {base64: Buffer.from([0xfd]).toString('base64')}},
      {key: 'u', value: 'é'},
    ],
  ])
})

test('--input json keeps header bytes given as {"base64"} and refuses base64 that is not', async () => {
  const {run} = cli()
  const value = Buffer.from([0xff, 0x00, 0x80])
  const line = JSON.stringify({value: 'v', headers: [{key: 'h', value: {base64: value.toString('base64')}}]})
  expectOk(await run(['produce', 't', '--create', '--input', 'json', '-q'], {input: line + '\n'}))
  const out = await run(['consume', 't', '-e', '--json', '--json-encoding', 'base64'])
  expect(headersOf(out.stdout)).toEqual([[{key: 'h', value: {base64: value.toString('base64')}}]])

  const bad = JSON.stringify({value: 'v', headers: [{key: 'h', value: {base64: '//8*'}}]})
  const r = await run(['produce', 't', '--input', 'json'], {input: bad + '\n'})
  expectCleanError(r, EXIT.USAGE, /^logpipe: record 1: headers\[0\]\.value: \{"base64": \.\.\.\} holds characters or a length that are not base64/)
  expect(lines((await run(['consume', 't', '-e'])).stdout)).toEqual(['v'])
})
