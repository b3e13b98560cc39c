/**
 * Kafka's ConfigInfos, the body of PUT /connector-plugins/{class}/config/validate
 * (and behind POST /connectors' 400): every setting's definition and value
 * with its errors, the groups in order of first use, and the error count.
 */
import type {ConfigDef, ConfigKey, ConfigValue} from '../api/config-def.js'

export interface ConfigInfo {
  definition: {
    name: string
    type: string
    required: boolean
    default_value: string | null
    importance: string
    documentation: string
    group: string | null
    width: string
    display_name: string
    dependents: string[]
    order: number
  }
  value: {name: string; value: string | null; recommended_values: string[]; errors: string[]; visible: boolean}
}

export interface ConfigInfos {
  name: string
  error_count: number
  groups: string[]
  configs: ConfigInfo[]
}

/** The definitions of `defs` (Connect's own first, then the connector's) against `props`; `extra` adds errors found across settings. */
export function configInfos(name: string, defs: ConfigDef[], props: Record<string, string>, extra: Map<string, string[]> = new Map()): ConfigInfos {
  const groups: string[] = []
  const configs: ConfigInfo[] = []
  const seen = new Set<string>()
  for (const def of defs) {
    const values = new Map(def.validate(props).map((v) => [v.name, v]))
    for (const key of def.configKeys().values()) {
      if (seen.has(key.name)) continue
      seen.add(key.name)
      if (key.group && !groups.includes(key.group)) groups.push(key.group)
      configs.push(info(key, values.get(key.name)!, props, extra.get(key.name) ?? []))
    }
  }
  const errorCount = configs.reduce((n, c) => n + c.value.errors.length, 0)
  return {name, error_count: errorCount, groups, configs}
}

function info(key: ConfigKey, v: ConfigValue, props: Record<string, string>, extra: string[]): ConfigInfo {
  const hasDefault = key.defaultValue !== undefined && typeof key.defaultValue !== 'symbol'
  const given = Object.hasOwn(props, key.name) ? props[key.name] : undefined
  const shown = given ?? (hasDefault && key.defaultValue !== null ? text(key.defaultValue) : null)
  return {
    definition: {
      name: key.name,
      type: key.type,
      required: !hasDefault,
      default_value: hasDefault && key.defaultValue !== null ? text(key.defaultValue) : null,
      importance: key.importance,
      documentation: key.documentation,
      group: key.group ?? null,
      width: key.width ?? 'NONE',
      display_name: key.displayName ?? key.name,
      dependents: key.dependents ?? [],
      order: key.orderInGroup ?? -1,
    },
    value: {name: key.name, value: key.type === 'PASSWORD' && shown !== null ? '[hidden]' : shown, recommended_values: v.recommendedValues.map(text), errors: [...v.errorMessages, ...extra], visible: v.visible},
  }
}

function text(v: unknown): string {
  return Array.isArray(v) ? v.join(',') : String(v)
}

/** Kafka's 400 for a connector config with errors (AbstractHerder.validateConnectorConfig's callers). */
export function invalidConfigMessage(infos: ConfigInfos): string {
  const errors = infos.configs.flatMap((c) => c.value.errors)
  return `Connector configuration is invalid and contains the following ${errors.length} error(s):\n${errors.join('\n')}\nYou can also find the above list of errors at the endpoint \`/connector-plugins/{connectorType}/config/validate\``
}
