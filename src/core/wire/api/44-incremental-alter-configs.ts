/**
 * IncrementalAlterConfigs (key 44): a topic's config overrides changed one
 * entry at a time, in topic.json under its lock, as `topic alter --config`
 * and `--delete-config` change them; the partitions follow at the next
 * leadership scan. SET (0) checks the value as `--config` does, DELETE (1)
 * goes back to the default, APPEND (2) and SUBTRACT (3) work on the one
 * list config, cleanup.policy. An unknown key or a bad value is
 * INVALID_CONFIG, a key twice in one resource INVALID_REQUEST (Kafka's).
 * Broker configs are fixed when the broker starts: INVALID_REQUEST.
 */
import {defineHandler} from '../../broker/api-handler.js'
import {topicExists} from '../../broker/topic-lookup.js'
import {LogpipeError} from '../../errors.js'
import {type ConfigOverrides, type LogConfig, checkConfigValue, isConfigKey, resolveConfig} from '../../log/log-config.js'
import {ErrorCode} from '../error-codes.js'
import {incrementalAlterConfigs} from '../messages/44-incremental-alter-configs.js'

const TOPIC = 2
const BROKER = 4
const SET = 0
const DELETE = 1
const APPEND = 2
const SUBTRACT = 3
const LIST_CONFIGS: ReadonlySet<string> = new Set(['cleanup.policy'])

interface Change {
  name: string
  configOperation: number
  value: string | null
}

class ConfigProblem extends Error {
  constructor(readonly errorCode: number, message: string) {
    super(message)
  }
}

export default defineHandler(incrementalAlterConfigs, (request, ctx) => {
  const broker = ctx.broker
  const responses = request.resources.map((r) => {
    const base = {resourceType: r.resourceType, resourceName: r.resourceName}
    const fail = (errorCode: number, errorMessage: string) => ({...base, errorCode, errorMessage})
    if (r.resourceType === BROKER) return fail(ErrorCode.INVALID_REQUEST, 'broker configs are fixed when the broker starts (broker start -X KEY=VALUE)')
    if (r.resourceType !== TOPIC) return fail(ErrorCode.INVALID_REQUEST, `resource type ${r.resourceType} has no configs here (topics: 2)`)
    const names = r.configs.map((c) => c.name)
    const twice = names.find((n, i) => names.indexOf(n) !== i)
    if (twice !== undefined) return fail(ErrorCode.INVALID_REQUEST, `config ${twice} is changed twice in one request`)
    if (!topicExists(broker.store, r.resourceName)) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `no topic '${r.resourceName}'`)
    try {
      const apply = (current: ConfigOverrides) => applyChanges(current, r.configs)
      if (request.validateOnly) {
        apply(broker.store.readTopic(r.resourceName).config)
      } else {
        const deleted = r.configs.filter((c) => c.configOperation === DELETE).map((c) => c.name)
        broker.store.updateTopic(r.resourceName, (meta) => ({...meta, config: apply(meta.config)}), deleted)
        broker.log.info(`topic ${r.resourceName} configs changed: ${r.configs.map(describe).join(', ')} (IncrementalAlterConfigs)`)
      }
    } catch (error) {
      if (error instanceof ConfigProblem) return fail(error.errorCode, error.message)
      if (error instanceof LogpipeError) return fail(ErrorCode.INVALID_CONFIG, error.message)
      throw error
    }
    return {...base, errorCode: ErrorCode.NONE, errorMessage: null}
  })
  return {throttleTimeMs: 0, responses}
})

function describe(c: Change): string {
  return c.configOperation === DELETE ? `${c.name} deleted` : `${c.name} ${['=', '', '+=', '-='][c.configOperation]} ${c.value}`
}

/** The overrides after `changes`; a ConfigProblem for the first one that does not check. */
function applyChanges(current: ConfigOverrides, changes: readonly Change[]): ConfigOverrides {
  const config: Record<string, number | string> = {...current} as Record<string, number | string>
  for (const c of changes) {
    if (!isConfigKey(c.name)) throw new ConfigProblem(ErrorCode.INVALID_CONFIG, `unknown topic config '${c.name}'`)
    if (c.configOperation === DELETE) {
      delete config[c.name]
      continue
    }
    let raw: string
    if (c.configOperation === SET) {
      if (c.value === null) throw new ConfigProblem(ErrorCode.INVALID_CONFIG, `config ${c.name}: SET needs a value`)
      raw = c.value
    } else if (c.configOperation === APPEND || c.configOperation === SUBTRACT) {
      if (!LIST_CONFIGS.has(c.name)) throw new ConfigProblem(ErrorCode.INVALID_CONFIG, `config ${c.name} is not a list: APPEND and SUBTRACT are for ${[...LIST_CONFIGS].join(', ')}`)
      const now = String(config[c.name] ?? resolveConfig({})[c.name as keyof LogConfig])
      const items = now.split(',').filter((s) => s !== '')
      const given = (c.value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')
      const next = c.configOperation === APPEND ? [...items, ...given.filter((g) => !items.includes(g))] : items.filter((i) => !given.includes(i))
      if (next.length === 0) throw new ConfigProblem(ErrorCode.INVALID_CONFIG, `config ${c.name} cannot be empty`)
      raw = next.join(',')
    } else {
      throw new ConfigProblem(ErrorCode.INVALID_REQUEST, `config ${c.name}: operation ${c.configOperation} is not one of SET 0, DELETE 1, APPEND 2, SUBTRACT 3`)
    }
    const checked = checkConfigValue(c.name, raw)
    if ('problem' in checked) throw new ConfigProblem(ErrorCode.INVALID_CONFIG, checked.problem)
    config[c.name] = checked.value
  }
  return config as ConfigOverrides
}
