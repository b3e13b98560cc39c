/** .properties as java.util.Properties.load reads them. */
import {expect, test} from 'vitest'
import {parseProperties} from '../../../src/core/connect/runtime/java-properties.js'

test.each([
  ['key=value', {key: 'value'}],
  ['key = value with spaces  ', {key: 'value with spaces  '}],
  ['key:value', {key: 'value'}],
  ['key value', {key: 'value'}],
  ['  # a comment\n! another\nk=v', {k: 'v'}],
  ['k=first\\\n    second\\\n  third', {k: 'firstsecondthird'}],
  ['k=ends in a backslash\\\\\nnext=1', {k: 'ends in a backslash\\', next: '1'}],
  ['a\\=b=c', {'a=b': 'c'}],
  ['a\\:b\\ c:d', {'a:b c': 'd'}],
  ['tab=\\t\\n\\u0041\\q', {tab: '\t\nAq'}],
  ['empty=', {empty: ''}],
  ['lonekey', {lonekey: ''}],
  ['k=1\r\nk=2\rj=3', {k: '2', j: '3'}],
  ['path=C:\\\\dir', {path: 'C:\\dir'}],
])('%j', (text, expected) => {
  expect(parseProperties(text)).toEqual(expected)
})

test('a malformed \\u escape names its line', () => {
  expect(() => parseProperties('a=1\nb=\\u12', 'w.properties')).toThrow(/w.properties line 2: malformed \\uxxxx encoding/)
})
