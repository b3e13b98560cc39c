/**
 * IncrementalAlterConfigs (key 44): set, delete, append to or subtract from
 * single config entries (operation 0-3).
 *
 * Versions 0-1, all there are. None of kafka-python 2.0.2, kafkajs 2.2.4
 * and librdkafka 2.0 sends it (they use AlterConfigs; librdkafka from 2.2
 * sends v0-v1); Java admin clients send v1, the first flexible version.
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const incrementalAlterConfigs = {
  apiKey: 44,
  name: 'IncrementalAlterConfigs',
  versions: '0-1',
  flexible: '1+',
  request: [
    {
      name: 'resources',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'resourceType', type: 'int8', versions: '0+'},
        {name: 'resourceName', type: 'string', versions: '0+'},
        {
          name: 'configs',
          type: '[]struct',
          versions: '0+',
          fields: [
            {name: 'name', type: 'string', versions: '0+'},
            {name: 'configOperation', type: 'int8', versions: '0+'},
            {name: 'value', type: 'string', versions: '0+', nullable: '0+'},
          ],
        },
      ],
    },
    {name: 'validateOnly', type: 'bool', versions: '0+'},
  ],
  response: [
    {name: 'throttleTimeMs', type: 'int32', versions: '0+'},
    {
      name: 'responses',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'errorCode', type: 'int16', versions: '0+'},
        {name: 'errorMessage', type: 'string', versions: '0+', nullable: '0+', default: null},
        {name: 'resourceType', type: 'int8', versions: '0+'},
        {name: 'resourceName', type: 'string', versions: '0+'},
      ],
    },
  ],
} as const satisfies ApiSchema

export type IncrementalAlterConfigsRequest = RequestOf<typeof incrementalAlterConfigs>
export type IncrementalAlterConfigsResponse = ResponseOf<typeof incrementalAlterConfigs>
export type IncrementalAlterConfigsRequestInput = RequestInput<typeof incrementalAlterConfigs>
export type IncrementalAlterConfigsResponseInput = ResponseInput<typeof incrementalAlterConfigs>
