/**
 * `logpipe stream map|filter|flatmap|count`: one-step processors for the
 * shell, each a small topology over string keys and values (UTF-8, null
 * stays null) with a JavaScript expression over `key`, `value`, `headers`
 * (an object of header name to string) and `timestamp`, as awk takes its
 * program: the user's own code, run in this process.
 *
 * - filter EXPR: records for which EXPR is truthy;
 * - map EXPR: EXPR is the new value (a string as it is, anything else as
 *   JSON; null deletes nothing, it is a null value); --key EXPR the new key;
 * - flatmap EXPR: EXPR is an array (or iterable) of values, one record each;
 * - count [--by EXPR]: counts per key (or per EXPR), written as text, or as
 *   Kafka's 8-byte Long with --long; a count per key is a table, so the
 *   output is its changelog: the latest line per key is the count.
 */
import {Produced} from '../dsl/options.js'
import {StreamsBuilder} from '../dsl/streams-builder.js'
import type {Record} from '../record.js'
import {type Serde, Serdes} from '../serdes.js'
import {StreamsError} from '../streams-error.js'
import type {Topology} from '../topology.js'

export type OneStepOp = 'map' | 'filter' | 'flatmap' | 'count'

export interface OneStepSpec {
  op: OneStepOp
  from: string
  to: string
  /** filter/map/flatmap: the expression; count: unused. */
  expression?: string
  /** map: a new key; count: what to count by. */
  keyExpression?: string
  /** count: write counts as Kafka's Long instead of text. */
  long?: boolean
}

type Fn = (key: string | null, value: string | null, headers: {[k: string]: string | null}, timestamp: number) => unknown

export function compileExpression(expression: string, what: string): Fn {
  try {
    return new Function('key', 'value', 'headers', 'timestamp', `"use strict"; return (${expression}\n)`) as Fn
  } catch (error) {
    throw new StreamsError(`${what} ${JSON.stringify(expression)} is not a JavaScript expression: ${(error as Error).message}`, {hint: "e.g. value.toUpperCase() or JSON.parse(value).total > 100"})
  }
}

function asText(v: unknown): string | null {
  if (v === null || v === undefined) return null
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v)
}

/** The processors call the expression with the record's fields; an exception names the record. */
function evaluate(fn: Fn, what: string, r: Record<string | null, string | null>): unknown {
  const headers: {[k: string]: string | null} = {}
  for (const h of r.headers()) headers[h.key] = h.value === null ? null : h.value.toString('utf8')
  try {
    return fn(r.key(), r.value(), headers, r.timestamp())
  } catch (error) {
    throw new StreamsError(`${what} failed on a record (key ${JSON.stringify(r.key())}): ${(error as Error).message}`)
  }
}

/** Keys and values are text: the app's default serdes. */
export const ONE_STEP_SERDES = {'default.key.serde': Serdes.String(), 'default.value.serde': Serdes.String()}

export function oneStepTopology(spec: OneStepSpec): Topology {
  const b = new StreamsBuilder()
  // String serdes carry null as null: typed so, records with a null key or value pass through.
  const S = Serdes.String() as Serde<unknown> as Serde<string | null>
  const source = b.stream<string | null, string | null>(spec.from)
  // The DSL's functions get (key, value); the expressions want the record (headers, timestamp) too.
  const withRecord = <T>(fn: Fn, what: string) => () => {
    let ctx: {forward(r: Record<unknown, unknown>): void}
    return {
      init(c: {forward(r: Record<unknown, unknown>): void}) {
        ctx = c
      },
      process(r: Record<string | null, string | null>) {
        const out = evaluate(fn, what, r) as T
        emit(ctx, r, out)
      },
    }
  }
  let emit: (ctx: {forward(r: Record<unknown, unknown>): void}, r: Record<string | null, string | null>, out: unknown) => void
  switch (spec.op) {
    case 'filter': {
      const fn = compileExpression(required(spec.expression, 'filter'), 'filter')
      emit = (ctx, r, out) => {
        if (out) ctx.forward(r)
      }
      source.process<string | null, string | null>(withRecord(fn, 'filter')).to(spec.to, Produced.with(S, S))
      break
    }
    case 'map': {
      const fn = compileExpression(required(spec.expression, 'map'), 'map')
      const keyFn = spec.keyExpression === undefined ? null : compileExpression(spec.keyExpression, '--key')
      emit = (ctx, r, out) => {
        const key = keyFn === null ? r.key() : asText(evaluate(keyFn, '--key', r))
        ctx.forward(r.withKey(key).withValue(asText(out)))
      }
      source.process<string | null, string | null>(withRecord(fn, 'map')).to(spec.to, Produced.with(S, S))
      break
    }
    case 'flatmap': {
      const fn = compileExpression(required(spec.expression, 'flatmap'), 'flatmap')
      emit = (ctx, r, out) => {
        if (out === null || out === undefined) return
        if (typeof out !== 'object' || !(Symbol.iterator in out)) throw new StreamsError(`flatmap: the expression gave ${typeof out}, not an array (key ${JSON.stringify(r.key())})`, {hint: "e.g. value.split(' ')"})
        for (const v of out as Iterable<unknown>) ctx.forward(r.withValue(asText(v)))
      }
      source.process<string | null, string | null>(withRecord(fn, 'flatmap')).to(spec.to, Produced.with(S, S))
      break
    }
    case 'count': {
      const by = spec.keyExpression === undefined ? null : compileExpression(spec.keyExpression, '--by')
      const keyed = by === null ? source : source.process<string | null, string | null>(() => {
        let ctx: {forward(r: Record<unknown, unknown>): void}
        return {
          init(c: {forward(r: Record<unknown, unknown>): void}) {
            ctx = c
          },
          process(r: Record<string | null, string | null>) {
            ctx.forward(r.withKey(asText(evaluate(by, '--by', r))))
          },
        }
      })
      const counts = keyed.groupByKey().count().toStream()
      if (spec.long) counts.to(spec.to, Produced.with(S, Serdes.Long() as Serde<number>))
      else counts.mapValues((n: number) => String(n)).to(spec.to, Produced.with(S, Serdes.String()))
      break
    }
  }
  return b.build()
}

function required(expression: string | undefined, op: string): string {
  if (expression === undefined || expression.trim() === '') throw new StreamsError(`stream ${op} needs an expression`)
  return expression
}

