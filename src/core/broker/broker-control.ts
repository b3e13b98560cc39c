/**
 * `broker stop`: SIGTERM to a live broker on this host, then wait until it
 * has deregistered (its graceful stop: in-flight requests answered, locks
 * released). A registration whose broker is gone is removed.
 */
import {rmSync} from 'node:fs'
import {hostname} from 'node:os'
import {BrokerError, NotFoundError} from '../errors.js'
import {isRunning} from '../lock/process-identity.js'
import {isBrokerAlive, readRegistration, registrationPath} from './registry.js'

export type StopOutcome = 'stopped' | 'was-not-running'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function stopBroker(dataDir: string, id: number, options: {timeoutMs?: number} = {}): Promise<StopOutcome> {
  const timeoutMs = options.timeoutMs ?? 30_000
  const r = readRegistration(dataDir, id)
  if (r === null) throw new NotFoundError(`no broker ${id} is registered in ${dataDir}`, {hint: '`logpipe broker list` shows the brokers there are'})
  const who = {pid: r.pid, startTime: r.startTime, bootId: r.bootId}
  if (r.processHost !== hostname()) {
    if (!isBrokerAlive(r)) {
      rmSync(registrationPath(dataDir, id), {force: true})
      return 'was-not-running'
    }
    throw new BrokerError(`broker ${id} runs on ${r.processHost}, not this host; it cannot be signalled from here`, {hint: `run \`logpipe broker stop --id ${id}\` on ${r.processHost}`})
  }
  if (!isRunning(who)) {
    rmSync(registrationPath(dataDir, id), {force: true})
    return 'was-not-running'
  }
  process.kill(r.pid, 'SIGTERM')
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const now = readRegistration(dataDir, id)
    const same = now !== null && now.pid === r.pid && now.startedAt === r.startedAt
    if (!same || !isRunning(who)) {
      // Killed before it could deregister: its file is stale.
      if (same) rmSync(registrationPath(dataDir, id), {force: true})
      return 'stopped'
    }
    if (Date.now() > deadline) {
      throw new BrokerError(`broker ${id} (pid ${r.pid}) did not stop within ${timeoutMs} ms of SIGTERM`, {hint: `it may be finishing long requests; \`kill -9 ${r.pid}\` stops it at once (its locks are then taken over)`})
    }
    await sleep(20)
  }
}
