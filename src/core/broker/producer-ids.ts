/**
 * Producer ids for InitProducerId, unique across broker restarts: the
 * broker claims a block of ids at a time by moving `brokers/producer-ids.json`
 * (atomically written) past it, then hands them out from memory, as Kafka's
 * ProducerIdManager claims blocks from the controller. A restart, even
 * after kill -9, claims the next block, so an id is never handed out twice
 * (the unused rest of a block is skipped, as in Kafka).
 */
import {mkdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {writeJsonAtomic} from '../store/atomic-write.js'
import {StoreError} from '../errors.js'
import type {BrokerContext} from './broker-context.js'
import {brokersDir} from './registry.js'

export const PRODUCER_IDS_FILE = 'producer-ids.json'
/** Kafka's ProducerIdsBlock size. */
export const PRODUCER_ID_BLOCK = 1000

export class ProducerIdManager {
  private next = 0
  private end = 0

  constructor(private readonly dataDir: string) {}

  /** A producer id no one was given before. */
  generate(): number {
    if (this.next >= this.end) this.claimBlock()
    return this.next++
  }

  private claimBlock(): void {
    const dir = brokersDir(this.dataDir)
    const path = join(dir, PRODUCER_IDS_FILE)
    let start = 0
    try {
      start = parseNext(readFileSync(path, 'utf8'), path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    mkdirSync(dir, {recursive: true, mode: 0o700})
    writeJsonAtomic(path, {nextBlockStart: start + PRODUCER_ID_BLOCK})
    this.next = start
    this.end = start + PRODUCER_ID_BLOCK
  }
}

function parseNext(text: string, path: string): number {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    value = null
  }
  const next = (value as {nextBlockStart?: unknown} | null)?.nextBlockStart
  if (typeof next !== 'number' || !Number.isSafeInteger(next) || next < 0 || next > Number.MAX_SAFE_INTEGER - PRODUCER_ID_BLOCK) {
    // Guessing a start could hand out an id again: stop instead.
    throw new StoreError(`${path} is damaged: no nextBlockStart`, {hint: `write {"nextBlockStart": N} with N above every producer id in use, or remove it if no producer ever used this store`})
  }
  return next
}

const managers = new WeakMap<BrokerContext, ProducerIdManager>()

export function producerIdsOf(broker: BrokerContext): ProducerIdManager {
  let m = managers.get(broker)
  if (!m) {
    m = new ProducerIdManager(broker.store.dataDir)
    managers.set(broker, m)
  }
  return m
}
