/**
 * DescribeConfigs (key 32): a topic's configs (resource type 2) from
 * topic.json over Kafka's defaults, and this broker's (type 4) as started.
 * Other resource types are INVALID_REQUEST.
 */
import {defineHandler} from '../../broker/api-handler.js'
import {topicExists} from '../../broker/topic-lookup.js'
import {type ConfigEntry, brokerConfigEntries, topicConfigEntries} from '../../broker/config-entries.js'
import {LogpipeError} from '../../errors.js'
import {ErrorCode} from '../error-codes.js'
import {describeConfigs} from '../messages/32-describe-configs.js'

const TOPIC = 2
const BROKER = 4

export default defineHandler(describeConfigs, (request, ctx) => {
  const broker = ctx.broker
  const results = request.resources.map((r) => {
    const base = {resourceType: r.resourceType, resourceName: r.resourceName}
    const fail = (errorCode: number, errorMessage: string) => ({...base, errorCode, errorMessage, configs: []})
    let entries: ConfigEntry[]
    if (r.resourceType === TOPIC) {
      if (!topicExists(broker.store, r.resourceName)) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `no topic '${r.resourceName}'`)
      try {
        entries = topicConfigEntries(broker.store.readTopic(r.resourceName).config)
      } catch (error) {
        if (!(error instanceof LogpipeError)) throw error
        return fail(ErrorCode.INVALID_REQUEST, error.message)
      }
    } else if (r.resourceType === BROKER) {
      if (r.resourceName !== '' && r.resourceName !== String(broker.brokerId)) return fail(ErrorCode.INVALID_REQUEST, `this is broker ${broker.brokerId}, not ${r.resourceName}`)
      entries = brokerConfigEntries(broker.config)
    } else {
      return fail(ErrorCode.INVALID_REQUEST, `resource type ${r.resourceType} has no configs here (topics: 2, brokers: 4)`)
    }
    const wanted = r.configurationKeys
    const configs = entries
      .filter((e) => wanted === null || wanted.includes(e.name))
      .map((e) => ({
        name: e.name,
        value: e.value,
        readOnly: e.readOnly,
        isDefault: e.isDefault,
        configSource: e.configSource,
        isSensitive: e.isSensitive,
        synonyms: request.includeSynonyms ? [{name: e.name, value: e.value, source: e.configSource}] : [],
        configType: e.configType,
        documentation: request.includeDocumentation ? e.documentation : null,
      }))
    return {...base, errorCode: ErrorCode.NONE, errorMessage: null, configs}
  })
  return {throttleTimeMs: 0, results}
})
