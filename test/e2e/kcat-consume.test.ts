/**
 * consume as a kcat user types it (issue 9 point 1): -f and its tokens
 * (%R binary, %T), -F as the alias, -J's envelope byte for byte, -Z, -K
 * and -D, -t, -X settings checked against the table, -o s@/e@ and rpk's
 * @-DURATION, -u and -q.
 */
import {describe, expect, test} from 'vitest'
import {EXIT, expectCleanError, expectOk, once, sharedCli} from './support.js'

const T0 = 1_700_000_000_000

describe('kcat consume flags', () => {
  const {run} = sharedCli()
  // Partition 0: a keyed record with headers, one with quotes and a tab, a tombstone with no key.
  // Partition 1: a binary payload. Timestamps are fixed so s@/e@ have something to cut at.
  const setup = once(async () => {
    expectOk(await run(['topic', 'create', 't', '--partitions', '2', '-q']))
    const lines = [
      {key: 'k1', value: 'v1', headers: [{key: 'h', value: 'x'}, {key: 'n', value: null}], partition: 0, timestamp: T0},
      {key: 'k2', value: 'say "hi"\tnow', partition: 0, timestamp: T0 + 1000},
      {key: null, value: null, partition: 0, timestamp: T0 + 2000},
      {key: 'b', value: {base64: Buffer.from([0xff, 0x00, 0x41]).toString('base64')}, partition: 1, timestamp: T0 + 3000},
    ]
    expectOk(await run(['produce', 't', '--input', 'json'], {input: lines.map((l) => JSON.stringify(l)).join('\n') + '\n'}))
  })

  test('-J prints kcat\'s envelope: field order, flat headers only when present, null key and payload, broker -1', async () => {
    await setup()
    const r = await run(['consume', 't', '-p', '0', '-e', '-J'])
    expectOk(r)
    expect(String(r.stdout)).toBe(
      [
        `{"topic":"t","partition":0,"offset":0,"tstype":"create","ts":${T0},"broker":-1,"headers":["h","x","n",null],"key":"k1","payload":"v1"}`,
        `{"topic":"t","partition":0,"offset":1,"tstype":"create","ts":${T0 + 1000},"broker":-1,"key":"k2","payload":"say \\"hi\\"\\tnow"}`,
        `{"topic":"t","partition":0,"offset":2,"tstype":"create","ts":${T0 + 2000},"broker":-1,"key":null,"payload":null}`,
        '',
      ].join('\n'),
    )
  })

  test('-J keeps the bytes of a payload that is not UTF-8, as kcat does, and -D ends each envelope', async () => {
    await setup()
    const r = await run(['consume', 't', '-p', '1', '-e', '-J', '-D', ';'], {encoding: 'buffer'})
    expect(r.exitCode).toBe(0)
    const expected = Buffer.concat([Buffer.from(`{"topic":"t","partition":1,"offset":0,"tstype":"create","ts":${T0 + 3000},"broker":-1,"key":"b","payload":"`), Buffer.from([0xff]), Buffer.from('\\u0000A"};')])
    expect(Buffer.from(r.stdout as Uint8Array).equals(expected)).toBe(true)
  })

  test.each([
    {what: '-f with %t %p %o %k %K %S %T', args: ['-f', '%t/%p/%o %k(%K) %S %T\\n'], out: `t/0/0 k1(2) 2 ${T0}\nt/0/1 k2(2) 12 ${T0 + 1000}\nt/0/2 (-1) -1 ${T0 + 2000}\n`},
    {what: '-F is the alias of -f', args: ['-F', '%o:%s\\n'], out: '0:v1\n1:say "hi"\tnow\n2:\n'},
    {what: '-Z prints NULL for a NULL key and value', args: ['-Z', '-f', '%k=%s\\n'], out: 'k1=v1\nk2=say "hi"\tnow\nNULL=NULL\n'},
    {what: '-K prints key, delimiter, value; -D ends each record', args: ['-K', ':', '-D', '|'], out: 'k1:v1|k2:say "hi"\tnow|:|'},
    {what: '-t names the topic', args: ['-f', '%h\\n'], topicFlag: true, out: 'h=x,n=\n\n\n'},
    {what: 's@TIME starts at the first record at or after TIME, e@TIME stops before one', args: ['-o', `s@${T0 + 500}`, '-o', `e@${T0 + 2000}`, '-f', '%o\\n'], out: '1\n'},
    {what: 'e@TIME alone ends without -e once every partition passed it', args: ['-o', `e@${T0 + 1000}`, '-f', '%o\\n'], noExitAtEnd: true, out: '0\n'},
    {what: '-o @-DURATION (rpk) starts that long ago: nothing written in the last minute here', args: ['-o', '@-1m'], out: ''},
    {what: '-u writes as it goes, same bytes', args: ['-u', '-f', '%o\\n'], out: '0\n1\n2\n'},
  ])('$what', async ({args, out, topicFlag, noExitAtEnd}) => {
    await setup()
    const r = await run(['consume', ...(topicFlag ? ['-t', 't'] : ['t']), '-p', '0', ...(noExitAtEnd ? [] : ['-e']), ...args])
    expectOk(r)
    expect(String(r.stdout)).toBe(out)
  })

  test('%R is the value size as a big-endian int32, -1 (FF FF FF FF) for NULL', async () => {
    await setup()
    const r = await run(['consume', 't', '-p', '0', '-e', '-f', '%R%s'], {encoding: 'buffer'})
    expect(r.exitCode).toBe(0)
    const v1 = Buffer.alloc(4)
    v1.writeInt32BE(2)
    const v2 = Buffer.alloc(4)
    v2.writeInt32BE(12)
    const expected = Buffer.concat([v1, Buffer.from('v1'), v2, Buffer.from('say "hi"\tnow'), Buffer.from([0xff, 0xff, 0xff, 0xff])])
    expect(Buffer.from(r.stdout as Uint8Array).equals(expected)).toBe(true)
  })

  test('-X sets client settings by their librdkafka names: group.id joins a group that commits', async () => {
    await setup()
    expectOk(await run(['consume', 't', '-e', '-X', 'group.id=xg', '-X', 'client.id=my-client', '-X', 'session.timeout.ms=3000', '-q']))
    const d = await run(['group', 'describe', 'xg', '--json'])
    expectOk(d)
    const desc = JSON.parse(String(d.stdout)) as {partitions: {partition: number; currentOffset: number}[]}
    expect(desc.partitions.map((p) => [p.partition, p.currentOffset])).toEqual([
      [0, 3],
      [1, 1],
    ])
  })

  test.each([
    {what: 'an unknown -X key is a usage error naming it, with the nearest as hint', args: ['-X', 'auto.offset.rest=earliest'], message: /unknown client setting 'auto\.offset\.rest'/, hint: /did you mean auto\.offset\.reset\?/},
    {what: 'a producer setting is refused by consume', args: ['-X', 'linger.ms=5'], message: /-X linger\.ms is a producer setting/, hint: /./},
    {what: 'a bad -X value names the key', args: ['-X', 'session.timeout.ms=soon'], message: /-X session\.timeout\.ms: must be an integer/, hint: null},
    {what: '-X without =', args: ['-X', 'group.id'], message: /-X expects key=value/, hint: null},
    {what: '-J and -f together', args: ['-J', '-f', '%s'], message: /-J and -f cannot be used together/, hint: null},
    {what: 'two starts', args: ['-o', 'beginning', '-o', '5'], message: /two places to start/, hint: /./},
    {what: 'a bad duration', args: ['-o', '@-1y'], message: /'@-1y' is not a duration/, hint: /@-1h/},
  ])('$what', async ({args, message, hint}) => {
    await setup()
    const r = await run(['consume', 't', '-e', ...args])
    const line = expectCleanError(r, EXIT.USAGE, message)
    expect(line).toMatch(message)
    if (hint) expect(String(r.stderr)).toMatch(hint)
  })

  test('-o N past the end says so on stderr and starts at the end; -q keeps it quiet', async () => {
    await setup()
    const r = await run(['consume', 't', '-p', '0', '-o', '99', '-e'])
    expect(r.exitCode).toBe(0)
    expect(String(r.stdout)).toBe('')
    expect(String(r.stderr)).toBe('logpipe: topic t partition 0: offset 99 is past the end (3); starting at 3\n')
    const quiet = await run(['consume', 't', '-p', '0', '-o', '99', '-e', '-q'])
    expectOk(quiet)
  })

  test('consume t t and -p 0 -p 0 print each record once', async () => {
    await setup()
    const twice = await run(['consume', 't', 't', '-e', '-f', '%p:%o\\n'])
    expectOk(twice)
    expect(String(twice.stdout).split('\n').filter(Boolean).sort()).toEqual(['0:0', '0:1', '0:2', '1:0'])
    const p = await run(['consume', 't', '-p', '0', '-p', '0', '-e', '-f', '%o\\n'])
    expectOk(p)
    expect(String(p.stdout)).toBe('0\n1\n2\n')
  })
})
