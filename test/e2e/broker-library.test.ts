/**
 * The broker as the package exports it: started from the built library in
 * this process, served to kcat, stopped, its registration gone.
 */
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {execa} from 'execa'
import {describe, expect, test} from 'vitest'
import {ROOT, tempDataDir} from '../helpers/cli.js'

describe('Broker from the library', () => {
  test('starts on a free port, serves kcat, stops and deregisters', async () => {
    const lib = await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)
    const dataDir = join(tempDataDir(), 'data')
    const lines: string[] = []
    const broker = await lib.Broker.start({
      dataDir,
      id: 3,
      host: '127.0.0.1',
      port: 0,
      nextFreePort: false,
      config: lib.parseBrokerConfig(['num.partitions=2']),
      log: lib.createBrokerLog('info', (line: string) => lines.push(line)),
    })
    try {
      const p = await execa('kcat', ['-b', `127.0.0.1:${broker.port}`, '-P', '-t', 'lib'], {input: 'x\n', reject: false, timeout: 20_000})
      expect(p.exitCode, p.stderr).toBe(0)
      expect(lib.listRegistrations(dataDir).brokers.map((b: {id: number}) => b.id)).toEqual([3])
    } finally {
      await broker.stop()
    }
    expect(existsSync(join(dataDir, 'brokers', '3.json'))).toBe(false)
    expect(existsSync(join(dataDir, 'topics', 'lib', '1'))).toBe(true)
    expect(lines.some((l) => /INFO created topic lib \(auto\.create\.topics\.enable\) with 2 partition\(s\)/.test(l))).toBe(true)
  })
})
