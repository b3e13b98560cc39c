/**
 * ApiVersions (key 18): the first request of every client, answered with
 * the version ranges of registry.ts.
 *
 * Versions 0-4. kafka-python 2.0.2 sends v0, kafkajs 2.2.4 up to v2,
 * librdkafka 2.0 v3 (the first flexible version, with its client software
 * name); newer Java clients send v4, laid out as v3. The response header
 * is always v0, even for flexible versions (KIP-511), so that a client
 * asking a version we lack can read the UNSUPPORTED_VERSION answer and fall
 * back: header.ts knows it.
 */
import type {ApiSchema, RequestInput, RequestOf, ResponseInput, ResponseOf} from '../schema.js'

export const apiVersions = {
  apiKey: 18,
  name: 'ApiVersions',
  versions: '0-4',
  flexible: '3+',
  request: [
    {name: 'clientSoftwareName', type: 'string', versions: '3+'},
    {name: 'clientSoftwareVersion', type: 'string', versions: '3+'},
  ],
  response: [
    {name: 'errorCode', type: 'int16', versions: '0+'},
    {
      name: 'apiKeys',
      type: '[]struct',
      versions: '0+',
      fields: [
        {name: 'apiKey', type: 'int16', versions: '0+'},
        {name: 'minVersion', type: 'int16', versions: '0+'},
        {name: 'maxVersion', type: 'int16', versions: '0+'},
      ],
    },
    {name: 'throttleTimeMs', type: 'int32', versions: '1+'},
    {
      name: 'supportedFeatures',
      type: '[]struct',
      versions: '3+',
      tag: 0,
      taggedVersions: '3+',
      fields: [
        {name: 'name', type: 'string', versions: '3+'},
        {name: 'minVersion', type: 'int16', versions: '3+'},
        {name: 'maxVersion', type: 'int16', versions: '3+'},
      ],
    },
    {name: 'finalizedFeaturesEpoch', type: 'int64', versions: '3+', tag: 1, taggedVersions: '3+', default: -1},
    {
      name: 'finalizedFeatures',
      type: '[]struct',
      versions: '3+',
      tag: 2,
      taggedVersions: '3+',
      fields: [
        {name: 'name', type: 'string', versions: '3+'},
        {name: 'maxVersionLevel', type: 'int16', versions: '3+'},
        {name: 'minVersionLevel', type: 'int16', versions: '3+'},
      ],
    },
    {name: 'zkMigrationReady', type: 'bool', versions: '3+', tag: 3, taggedVersions: '3+', default: false},
  ],
} as const satisfies ApiSchema

export type ApiVersionsRequest = RequestOf<typeof apiVersions>
export type ApiVersionsResponse = ResponseOf<typeof apiVersions>
export type ApiVersionsRequestInput = RequestInput<typeof apiVersions>
export type ApiVersionsResponseInput = ResponseInput<typeof apiVersions>
