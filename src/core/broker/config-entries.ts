/**
 * Configs as DescribeConfigs and CreateTopics (v5+) list them: Kafka's
 * names, the value as a string, where it comes from (Kafka's ConfigSource:
 * TOPIC_CONFIG for a topic.json override, STATIC_BROKER_CONFIG for a
 * `-X` given at start, DEFAULT_CONFIG otherwise) and its type.
 */
import {CONFIG_SPECS, type ConfigOverrides, resolveConfig} from '../log/log-config.js'
import {BROKER_CONFIG_SPECS, type BrokerConfig} from './broker-config.js'

/** Kafka's DescribeConfigsResponse ConfigSource values. */
export const ConfigSource = {TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5} as const
/** Kafka's ConfigDef.Type as DescribeConfigs v3 numbers it. */
const ConfigType = {BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, LIST: 7} as const

export interface ConfigEntry {
  name: string
  value: string
  readOnly: boolean
  isDefault: boolean
  configSource: number
  isSensitive: boolean
  configType: number
  documentation: string
}

const INT_MAX = 0x7fffffff

export function topicConfigEntries(overrides: ConfigOverrides): ConfigEntry[] {
  const resolved = resolveConfig(overrides) as unknown as Record<string, number | string>
  return Object.entries(CONFIG_SPECS).map(([name, spec]) => {
    const own = Object.hasOwn(overrides, name)
    const type = name === 'cleanup.policy' || spec.check ? ConfigType.LIST : spec.values ? ConfigType.STRING : (spec.max ?? 0) <= INT_MAX ? ConfigType.INT : ConfigType.LONG
    return {
      name,
      value: String(resolved[name]),
      readOnly: false,
      isDefault: !own,
      configSource: own ? ConfigSource.TOPIC_CONFIG : ConfigSource.DEFAULT_CONFIG,
      isSensitive: false,
      configType: type,
      documentation: spec.doc,
    }
  })
}

export function brokerConfigEntries(config: BrokerConfig): ConfigEntry[] {
  const values = config as unknown as Record<string, number | boolean | string>
  return Object.entries(BROKER_CONFIG_SPECS).map(([name, spec]) => {
    const set = values[name] !== spec.default
    return {
      name,
      value: String(values[name]),
      readOnly: true,
      isDefault: !set,
      configSource: set ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG,
      isSensitive: false,
      configType: typeof spec.default === 'boolean' ? ConfigType.BOOLEAN : typeof spec.default === 'string' ? ConfigType.LIST : (spec.max ?? 0) <= INT_MAX ? ConfigType.INT : ConfigType.LONG,
      documentation: spec.doc,
    }
  })
}
