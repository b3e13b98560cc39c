import {readFileSync, writeFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {describe, expect, test} from 'vitest'
import {execa} from 'execa'
import {BrokerAlreadyRunningError, StoreError} from '../../../src/core/errors.js'
import {BrokerRegistry, isBrokerAlive, listRegistrations, readRegistration, registrationPath} from '../../../src/core/broker/registry.js'
import {ManualClock} from '../../helpers/clock.js'
import {tempDir} from '../support.js'

const base = {host: '127.0.0.1', port: 9092, logDir: '/x', heartbeatIntervalMs: 100, sessionTimeoutMs: 1000}

describe('BrokerRegistry', () => {
  test('register writes brokers/<id>.json naming the broker and its process; deregister removes it', () => {
    const dir = tempDir()
    const reg = new BrokerRegistry(dir, {...base, id: 4, partitions: () => [{topic: 't', partition: 0, leaderEpoch: 2}]})
    reg.register()
    const r = readRegistration(dir, 4)!
    expect(r).toMatchObject({id: 4, host: '127.0.0.1', port: 9092, pid: process.pid, processHost: hostname(), logDir: '/x', partitions: [{topic: 't', partition: 0, leaderEpoch: 2}]})
    expect(isBrokerAlive(r)).toBe(true)
    expect(listRegistrations(dir).brokers.map((b) => b.id)).toEqual([4])
    reg.deregister()
    expect(readRegistration(dir, 4)).toBeNull()
  })

  test('a live broker of the same id is never replaced', () => {
    const dir = tempDir()
    new BrokerRegistry(dir, {...base, id: 0}).register()
    expect(() => new BrokerRegistry(dir, {...base, id: 0, port: 9093}).register()).toThrow(BrokerAlreadyRunningError)
    expect(readRegistration(dir, 0)!.port).toBe(9092)
  })

  test('alive is a heartbeat within the session timeout; a stale registration is replaced, and its broker told at its next heartbeat', () => {
    const dir = tempDir()
    const clock = new ManualClock()
    const lostTo: (number | null)[] = []
    const first = new BrokerRegistry(dir, {...base, id: 1, clock, onLost: (by) => lostTo.push(by?.port ?? null)})
    first.register()
    clock.advance(999)
    expect(isBrokerAlive(readRegistration(dir, 1)!, clock)).toBe(true)
    first.heartbeat()
    clock.advance(999)
    expect(isBrokerAlive(readRegistration(dir, 1)!, clock)).toBe(true)
    clock.advance(2)
    expect(isBrokerAlive(readRegistration(dir, 1)!, clock)).toBe(false)

    const second = new BrokerRegistry(dir, {...base, id: 1, port: 9999, clock})
    second.register()
    expect(readRegistration(dir, 1)!.port).toBe(9999)
    first.heartbeat()
    expect(lostTo).toEqual([9999])
    expect(readRegistration(dir, 1)!.port).toBe(9999)
    // Nor does its deregistration remove the new broker's file.
    first.deregister()
    expect(readRegistration(dir, 1)!.port).toBe(9999)
  })

  test('a broker whose process is gone is dead at once, whatever its heartbeat says', async () => {
    const dir = tempDir()
    const gone = await execa(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
    new BrokerRegistry(dir, {...base, id: 2}).register()
    const r = JSON.parse(readFileSync(registrationPath(dir, 2), 'utf8'))
    writeFileSync(registrationPath(dir, 2), JSON.stringify({...r, pid: Number(gone.stdout), startTime: null}))
    expect(isBrokerAlive(readRegistration(dir, 2)!)).toBe(false)
    // And a new broker takes the id.
    new BrokerRegistry(dir, {...base, id: 2, port: 7}).register()
    expect(readRegistration(dir, 2)!.port).toBe(7)
  })

  test.each([
    ['not json', /not JSON/],
    ['[]', /not a JSON object/],
    ['{"id": 5}', /host is not a host name/],
  ])('a damaged file %j is reported naming it, and listing goes on', (text, what) => {
    const dir = tempDir()
    new BrokerRegistry(dir, {...base, id: 0}).register()
    writeFileSync(registrationPath(dir, 5), text)
    expect(() => readRegistration(dir, 5)).toThrow(StoreError)
    const listing = listRegistrations(dir)
    expect(listing.brokers.map((b) => b.id)).toEqual([0])
    expect(listing.damaged).toHaveLength(1)
    expect(listing.damaged[0]).toContain(registrationPath(dir, 5))
    expect(listing.damaged[0]).toMatch(what)
  })
})
