/**
 * The group coordinator of a running broker: one GroupCoordinator per
 * broker, over the store's group files, made when the first group request
 * arrives, ticked by one timer set to its next deadline (the coordinator
 * itself sets none, so tests drive it by hand), and closed when the broker
 * begins to stop, which answers every waiting JoinGroup and SyncGroup with
 * NOT_COORDINATOR.
 *
 * Settings are Kafka's broker configs of the same names when the broker's
 * config carries them (`-X group.initial.rebalance.delay.ms=0`), else
 * Kafka's defaults.
 */
import {ErrorCode} from '../wire/error-codes.js'
import type {BrokerContext} from './broker-context.js'
import type {GroupError} from './classic-group.js'
import {GroupFilesPersistence} from './group-files-persistence.js'
import {DEFAULT_INITIAL_REBALANCE_DELAY_MS, DEFAULT_MAX_SESSION_TIMEOUT_MS, DEFAULT_MIN_SESSION_TIMEOUT_MS, GroupCoordinator} from './group-coordinator.js'

const coordinators = new WeakMap<BrokerContext, GroupCoordinator>()

function setting(broker: BrokerContext, key: string, fallback: number): number {
  const v = (broker.config as unknown as Record<string, unknown>)[key]
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : fallback
}

export function groupCoordinatorOf(broker: BrokerContext): GroupCoordinator {
  let coordinator = coordinators.get(broker)
  if (coordinator) return coordinator
  let timer: NodeJS.Timeout | null = null
  let timerAt = Infinity
  const wake = (at: number) => {
    if (broker.stopping.aborted || at >= timerAt) return
    if (timer) clearTimeout(timer)
    timerAt = at
    timer = setTimeout(() => {
      timer = null
      timerAt = Infinity
      coordinator!.tick()
      const next = coordinator!.nextDeadline()
      if (next !== null) wake(next)
    }, Math.max(0, at - Date.now()))
    // A deadline is no reason to keep the process alive: the server is.
    timer.unref()
  }
  const persistence = new GroupFilesPersistence(broker.store, {brokerId: broker.brokerId, onNotice: (m) => broker.log.warn(m)})
  coordinator = new GroupCoordinator({
    persistence,
    initialRebalanceDelayMs: setting(broker, 'group.initial.rebalance.delay.ms', DEFAULT_INITIAL_REBALANCE_DELAY_MS),
    minSessionTimeoutMs: setting(broker, 'group.min.session.timeout.ms', DEFAULT_MIN_SESSION_TIMEOUT_MS),
    maxSessionTimeoutMs: setting(broker, 'group.max.session.timeout.ms', DEFAULT_MAX_SESSION_TIMEOUT_MS),
    maxGroupSize: setting(broker, 'group.max.size', Number.MAX_SAFE_INTEGER),
    onWake: wake,
    onLog: (line) => broker.log.info(line),
  })
  coordinators.set(broker, coordinator)
  broker.stopping.addEventListener('abort', () => {
    if (timer) clearTimeout(timer)
    coordinator!.close()
  }, {once: true})
  return coordinator
}

/** Kafka's form of a client's address in group descriptions ("/127.0.0.1"). */
export function clientHostOf(remoteAddress: string | undefined): string {
  return `/${remoteAddress ?? 'unknown'}`
}

/** The wire code of a coordinator's answer. */
export function groupErrorCode(error: GroupError): number {
  return ErrorCode[error]
}
