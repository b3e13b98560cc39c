/**
 * A connector's `transforms` (Kafka's TransformationChain with its
 * TransformationStages): each alias in order, `transforms.ALIAS.type` its
 * class, the other `transforms.ALIAS.*` keys its settings, and optionally
 * `transforms.ALIAS.predicate` naming one of `predicates` (each with
 * `predicates.NAME.type` and settings) and `transforms.ALIAS.negate`. A
 * stage applies its transform when there is no predicate or when the
 * predicate's answer differs from negate; a transform returning null drops
 * the record and ends the chain. Everything is checked when the connector
 * is planned, so a bad transform stops nothing that ran.
 */
import {ConnectConfigError, LogpipeError} from '../../errors.js'
import {parseType} from '../api/config-def.js'
import type {ConnectRecord} from '../api/connect-record.js'
import type {Props} from '../api/connector.js'
import type {Predicate, Transformation} from '../api/transformation.js'
import type {Plugins} from './plugins.js'

export interface TransformationStage {
  alias: string
  className: string
  transformation: Transformation
  predicate: Predicate | null
  negate: boolean
}

function prefixed(props: Props, prefix: string): Props {
  const out: Props = {}
  for (const [k, v] of Object.entries(props)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v
  return out
}

function aliases(props: Props, key: string): string[] {
  const list = (parseType(key, props[key] ?? '', 'LIST') as string[]).filter(Boolean)
  const seen = new Set<string>()
  for (const a of list) {
    if (seen.has(a)) throw new ConnectConfigError(`Invalid value ${props[key]} for configuration ${key}: Duplicate alias provided.`)
    seen.add(a)
  }
  return list
}

function configured<T extends {configure(p: Props): void}>(what: string, make: () => T, props: Props): T {
  const t = make()
  try {
    t.configure(props)
  } catch (error) {
    if (!(error instanceof LogpipeError) && !(error instanceof Error)) throw error
    throw new ConnectConfigError(`${what}: ${(error as Error).message}`)
  }
  return t
}

export class TransformationChain {
  private constructor(readonly stages: TransformationStage[]) {}

  static readonly EMPTY = new TransformationChain([])

  /** The chain a connector's settings describe; throws ConnectConfigError naming the setting at fault. */
  static fromProps(props: Props, plugins: Plugins): TransformationChain {
    const predicates = new Map<string, {className: string; props: Props}>()
    for (const p of aliases(props, 'predicates')) {
      const className = props[`predicates.${p}.type`]?.trim()
      if (!className) throw new ConnectConfigError(`Missing required configuration "predicates.${p}.type" which has no default value.`)
      predicates.set(p, {className, props: prefixed(props, `predicates.${p}.`)})
    }
    const stages: TransformationStage[] = []
    for (const alias of aliases(props, 'transforms')) {
      const key = `transforms.${alias}.type`
      const className = props[key]?.trim()
      if (!className) throw new ConnectConfigError(`Missing required configuration "${key}" which has no default value.`)
      const ctor = plugins.transformation(className)
      if (!ctor) throw new ConnectConfigError(`Invalid value ${className} for configuration ${key}: Class ${className} could not be found.`, {hint: 'Kafka\'s transforms are built in (org.apache.kafka.connect.transforms.*); one of your own is a JavaScript module on plugin.path'})
      const own = prefixed(props, `transforms.${alias}.`)
      const transformation = configured(`transforms.${alias}`, () => new ctor(), own)
      let predicate: Predicate | null = null
      const pAlias = own.predicate?.trim()
      if (pAlias) {
        const p = predicates.get(pAlias)
        if (!p) throw new ConnectConfigError(`Invalid value ${pAlias} for configuration transforms.${alias}.predicate: no predicate ${pAlias} is defined in predicates`)
        const pctor = plugins.predicate(p.className)
        if (!pctor) throw new ConnectConfigError(`Invalid value ${p.className} for configuration predicates.${pAlias}.type: Class ${p.className} could not be found.`)
        predicate = configured(`predicates.${pAlias}`, () => new pctor(), p.props)
      }
      const negate = own.negate === undefined ? false : (parseType(`transforms.${alias}.negate`, own.negate, 'BOOLEAN') as boolean)
      if (negate && !predicate) throw new ConnectConfigError(`Invalid value true for configuration transforms.${alias}.negate: negate needs a predicate`)
      stages.push({alias, className, transformation, predicate, negate})
    }
    return stages.length === 0 ? TransformationChain.EMPTY : new TransformationChain(stages)
  }

  get isEmpty(): boolean {
    return this.stages.length === 0
  }

  close(): void {
    for (const s of this.stages) {
      s.transformation.close()
      s.predicate?.close()
    }
  }
}

/** One stage on one record: the transform's result, or the record untouched when the predicate says no. */
export function applyStage<R extends ConnectRecord>(s: TransformationStage, record: R): R | null {
  if (s.predicate === null || s.predicate.test(record) !== s.negate) return s.transformation.apply(record) as R | null
  return record
}
