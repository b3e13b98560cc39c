/**
 * kafkajs's instrumentation events: `on(name, listener)` returns the
 * function that removes the listener, and every event carries an id, its
 * type and a timestamp around its payload. A listener that throws is not
 * the client's failure: it is logged and the others still run.
 */
export interface InstrumentationEvent<T> {
  id: number
  type: string
  timestamp: number
  payload: T
}

export type RemoveInstrumentationEventListener = () => void

import {UsageError} from '../core/errors.js'

let nextId = 0

export class InstrumentationEmitter {
  private readonly listeners = new Map<string, Set<(event: InstrumentationEvent<unknown>) => void>>()

  constructor(
    private readonly known: readonly string[],
    private readonly onListenerError: (error: unknown) => void,
  ) {}

  on(type: string, listener: (event: InstrumentationEvent<never>) => void): RemoveInstrumentationEventListener {
    if (!this.known.includes(type)) throw new UsageError(`unknown event '${type}'; known: ${this.known.join(', ')}`)
    const set = this.listeners.get(type) ?? new Set()
    this.listeners.set(type, set)
    const l = listener as (event: InstrumentationEvent<unknown>) => void
    set.add(l)
    return () => {
      set.delete(l)
    }
  }

  emit(type: string, payload: unknown): void {
    const set = this.listeners.get(type)
    if (!set || set.size === 0) return
    const event = {id: nextId++, type, timestamp: Date.now(), payload}
    for (const l of set) {
      try {
        l(event)
      } catch (error) {
        this.onListenerError(error)
      }
    }
  }
}
