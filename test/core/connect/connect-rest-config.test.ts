/**
 * Where a worker's REST API listens (listeners, rest.host.name/rest.port,
 * Kafka's default), a connector config in the REST API's JSON shape, and
 * the 400 message Kafka builds from a ConfigInfos.
 */
import {describe, expect, test} from 'vitest'
import {ConnectConfigError} from '../../../src/core/errors.js'
import {ConfigDef} from '../../../src/core/connect/api/config-def.js'
import {configInfos, invalidConfigMessage} from '../../../src/core/connect/runtime/config-infos.js'
import {parseConnectorJson} from '../../../src/core/connect/runtime/connector-json.js'
import {parseRestListener} from '../../../src/core/connect/rest/rest-config.js'

describe('parseRestListener', () => {
  test.each([
    [{}, {host: '127.0.0.1', port: 8083, explicit: false}],
    [{listeners: 'http://127.0.0.1:18083'}, {host: '127.0.0.1', port: 18083, explicit: true}],
    [{listeners: 'http://:8084,http://other:9'}, {host: '0.0.0.0', port: 8084, explicit: true}],
    [{listeners: 'HTTP://[::1]:0/'}, {host: '::1', port: 0, explicit: true}],
    [{'rest.port': '8090'}, {host: '0.0.0.0', port: 8090, explicit: true}],
    [{'rest.host.name': 'localhost', 'rest.port': '8090'}, {host: 'localhost', port: 8090, explicit: true}],
    [{'rest.advertised.host.name': 'w1', 'rest.advertised.port': '80'}, {advertisedHost: 'w1', advertisedPort: 80}],
  ])('%j', (props, expected) => {
    expect(parseRestListener(props as Record<string, string>)).toMatchObject(expected)
  })

  test.each([
    [{listeners: 'https://127.0.0.1:8443'}, /serves http only/],
    [{listeners: '127.0.0.1:8083'}, /expected http:\/\/HOST:PORT/],
    [{listeners: 'http://x:99999'}, /expected a port number/],
    [{'rest.port': 'abc'}, /invalid value abc for configuration rest.port/],
  ])('%j is refused', (props, message) => {
    expect(() => parseRestListener(props as Record<string, string>)).toThrow(ConnectConfigError)
    expect(() => parseRestListener(props as Record<string, string>)).toThrow(message)
  })
})

describe('parseConnectorJson', () => {
  test('the REST body shape, values made strings, null dropped', () => {
    expect(parseConnectorJson('{"name": " s ", "config": {"connector.class": "FileStreamSink", "tasks.max": 2, "x": null, "b": true}}', 'c.json')).toEqual({
      'connector.class': 'FileStreamSink',
      'tasks.max': '2',
      b: 'true',
      name: 's',
    })
  })

  test('a flat map with name', () => {
    expect(parseConnectorJson('{"name": "s", "connector.class": "FileStreamSink"}', 'c.json')).toEqual({name: 's', 'connector.class': 'FileStreamSink'})
  })

  test.each([
    ['[1]', /expected a JSON object/],
    ['{"config": {}}', /"name" must be a non-empty string/],
    ['{"name": "a", "config": {"name": "b"}}', /Connector name configuration \(b\) doesn't match connector name \(a\)/],
    ['{"name": "a", "config": {"k": {"x": 1}}}', /setting k must be a string, not an object/],
    ['{"name": ', /c\.json: not JSON/],
  ])('%s is refused', (text, message) => {
    expect(() => parseConnectorJson(text, 'c.json')).toThrow(message)
  })
})

describe('configInfos', () => {
  const def = new ConfigDef()
    .define({name: 'file', type: 'STRING', importance: 'HIGH', documentation: 'the file', group: 'Common'})
    .define({name: 'batch.size', type: 'INT', defaultValue: 2000, importance: 'LOW', documentation: 'lines per poll'})
    .define({name: 'secret', type: 'PASSWORD', defaultValue: null, importance: 'LOW', documentation: 'hidden'})

  test("Kafka's ConfigInfos: definitions, values as given or defaulted, errors counted", () => {
    const infos = configInfos('com.example.C', [def], {'batch.size': 'x', secret: 'pw'})
    expect(infos.name).toBe('com.example.C')
    expect(infos.error_count).toBe(2)
    expect(infos.groups).toEqual(['Common'])
    expect(infos.configs[0]).toEqual({
      definition: {name: 'file', type: 'STRING', required: true, default_value: null, importance: 'HIGH', documentation: 'the file', group: 'Common', width: 'NONE', display_name: 'file', dependents: [], order: -1},
      value: {name: 'file', value: null, recommended_values: [], errors: ['missing required configuration "file" which has no default value'], visible: true},
    })
    expect(infos.configs[1].definition).toMatchObject({required: false, default_value: '2000', group: null})
    expect(infos.configs[1].value).toMatchObject({value: 'x', errors: [expect.stringMatching(/not a number of type INT/)]})
    expect(infos.configs[2].value.value).toBe('[hidden]')
    expect(invalidConfigMessage(infos)).toBe(
      'Connector configuration is invalid and contains the following 2 error(s):\nmissing required configuration "file" which has no default value\n' +
        `${infos.configs[1].value.errors[0]}\nYou can also find the above list of errors at the endpoint \`/connector-plugins/{connectorType}/config/validate\``,
    )
  })
})
