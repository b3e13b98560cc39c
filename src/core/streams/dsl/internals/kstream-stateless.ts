/**
 * The record-at-a-time KStream operations (Kafka's KStreamFilter,
 * KStreamMap, KStreamMapValues, KStreamFlatMap, KStreamFlatMapValues,
 * KStreamPeek, KStreamPassThrough). Each takes the user's function, with
 * Kafka's argument order: predicates and key-value mappers get (key,
 * value); a value mapper gets (value), or (key, value) when it declares two
 * parameters (Kafka's ValueMapperWithKey, whose key is read-only).
 */
import type {Processor, ProcessorContext, ProcessorSupplier} from '../../processor.js'
import type {Record} from '../../record.js'
import {toPair} from '../options.js'

type Ctx = ProcessorContext<unknown, unknown>

/** A processor that keeps nothing but its context: `process` gets it with each record. */
export function stateless(process: (ctx: Ctx, r: Record<unknown, unknown>) => void): ProcessorSupplier {
  return () => {
    let ctx: Ctx
    const p: Processor = {
      init(c) {
        ctx = c as Ctx
      },
      process: (r) => process(ctx, r),
    }
    return p
  }
}

export type Predicate<K, V> = (key: K, value: V) => boolean
export type ValueMapper<K, V, VR> = ((value: V) => VR) | ((key: K, value: V) => VR)

/** Kafka tells ValueMapper from ValueMapperWithKey by type; here by how many parameters the function declares. */
export function valueMapper<K, V, VR>(f: ValueMapper<K, V, VR>): (key: K, value: V) => VR {
  if (f.length >= 2) return f as (key: K, value: V) => VR
  return (_k, v) => (f as (value: V) => VR)(v)
}

export function filterProcessor(predicate: Predicate<unknown, unknown>, negate: boolean): ProcessorSupplier {
  return stateless((ctx, r) => {
    if (Boolean(predicate(r.key(), r.value())) !== negate) ctx.forward(r)
  })
}

export function mapProcessor(mapper: (key: unknown, value: unknown) => unknown): ProcessorSupplier {
  return stateless((ctx, r) => {
    const kv = toPair(mapper(r.key(), r.value()), 'map()')
    ctx.forward(r.withKey(kv.key).withValue(kv.value))
  })
}

export function mapValuesProcessor(mapper: (key: unknown, value: unknown) => unknown): ProcessorSupplier {
  return stateless((ctx, r) => ctx.forward(r.withValue(mapper(r.key(), r.value()))))
}

export function selectKeyProcessor(mapper: (key: unknown, value: unknown) => unknown): ProcessorSupplier {
  return stateless((ctx, r) => ctx.forward(r.withKey(mapper(r.key(), r.value()))))
}

export function flatMapProcessor(mapper: (key: unknown, value: unknown) => Iterable<unknown>): ProcessorSupplier {
  return stateless((ctx, r) => {
    for (const out of mapper(r.key(), r.value())) {
      const kv = toPair(out, 'flatMap()')
      ctx.forward(r.withKey(kv.key).withValue(kv.value))
    }
  })
}

export function flatMapValuesProcessor(mapper: (key: unknown, value: unknown) => Iterable<unknown>): ProcessorSupplier {
  return stateless((ctx, r) => {
    for (const v of mapper(r.key(), r.value())) ctx.forward(r.withValue(v))
  })
}

export function peekProcessor(action: (key: unknown, value: unknown) => void, forward: boolean): ProcessorSupplier {
  return stateless((ctx, r) => {
    action(r.key(), r.value())
    if (forward) ctx.forward(r)
  })
}

export function passThroughProcessor(): ProcessorSupplier {
  return stateless((ctx, r) => ctx.forward(r))
}
