/** ConfigDef: typed parsing with defaults, validators, and validate's per-setting answers. */
import {describe, expect, test} from 'vitest'
import {ConnectConfigError} from '../../../src/core/errors.js'
import {ConfigDef, NonEmptyString, Range, ValidString} from '../../../src/core/connect/api/config-def.js'
import {FileStreamSourceConnector} from '../../../src/core/connect/connectors/file-stream-source.js'

const def = () =>
  new ConfigDef()
    .define({name: 'url', type: 'STRING', validator: NonEmptyString, importance: 'HIGH', documentation: 'where'})
    .define({name: 'batch', type: 'INT', defaultValue: 100, validator: Range.between(1, 1000), importance: 'LOW', documentation: 'how many'})
    .define({name: 'mode', type: 'STRING', defaultValue: 'insert', validator: ValidString.in('insert', 'upsert'), importance: 'MEDIUM', documentation: 'how'})
    .define({name: 'fields', type: 'LIST', defaultValue: '', importance: 'LOW', documentation: 'which'})
    .define({name: 'on', type: 'BOOLEAN', defaultValue: false, importance: 'LOW', documentation: 'whether'})

describe('ConfigDef', () => {
  test('parses strings into their types, with defaults', () => {
    expect(def().parse({url: 'x', batch: ' 5 ', fields: 'a, b,c', on: 'TRUE'})).toEqual({url: 'x', batch: 5, mode: 'insert', fields: ['a', 'b', 'c'], on: true})
  })

  test.each([
    [{}, /missing required configuration "url" which has no default value/],
    [{url: 'x', batch: 'ten'}, /invalid value ten for configuration batch: not a number of type INT/],
    [{url: 'x', batch: '0'}, /value must be at least 1/],
    [{url: 'x', mode: 'merge'}, /string must be one of: insert, upsert/],
    [{url: 'x', on: 'yes'}, /expected value to be either true or false/],
    [{url: ''}, /string must be non-empty/],
  ])('refuses %j', (props, message) => {
    expect(() => def().parse(props)).toThrow(ConnectConfigError)
    expect(() => def().parse(props)).toThrow(message)
  })

  test('validate answers for every setting with its errors, as the REST validate endpoint does', () => {
    const answers = def().validate({batch: '5000', mode: 'upsert'})
    expect(answers.map((a) => [a.name, a.errorMessages.length])).toEqual([['url', 1], ['batch', 1], ['mode', 0], ['fields', 0], ['on', 0]])
    expect(answers.find((a) => a.name === 'mode')!.value).toBe('upsert')
  })

  test("a default that its own validator refuses is a mistake in the definition", () => {
    expect(() => new ConfigDef().define({name: 'n', type: 'INT', defaultValue: 0, validator: Range.atLeast(1), importance: 'LOW', documentation: ''})).toThrow(ConnectConfigError)
  })

  test("FileStreamSourceConnector's definition: topic is required, batch.size defaults to 2000", () => {
    const c = new FileStreamSourceConnector().config()
    expect(c.validate({file: 'x'}).find((v) => v.name === 'topic')!.errorMessages).toEqual(['missing required configuration "topic" which has no default value'])
    expect(c.parse({file: 'x', topic: 't'})['batch.size']).toBe(2000)
  })
})
