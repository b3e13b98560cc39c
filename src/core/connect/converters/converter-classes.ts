/**
 * The converters named by `key.converter`, `value.converter` and
 * `header.converter`: Kafka's class names, and the last part alone
 * (`JsonConverter`) as a short name.
 */
import {ConnectConfigError} from '../../errors.js'
import type {Converter, HeaderConverter} from '../api/converter.js'
import {ByteArrayConverter} from './byte-array-converter.js'
import {JsonConverter} from './json-converter.js'
import {BooleanConverter, DoubleConverter, FloatConverter, IntegerConverter, LongConverter, ShortConverter} from './number-converters.js'
import {SimpleHeaderConverter} from './simple-header-converter.js'
import {StringConverter} from './string-converter.js'

type ConverterClass = (new () => Converter & HeaderConverter) & {CLASS_NAME: string}

const BUILT_IN: ConverterClass[] = [JsonConverter, StringConverter, ByteArrayConverter, ShortConverter, IntegerConverter, LongConverter, FloatConverter, DoubleConverter, BooleanConverter]

export function builtInConverterNames(): string[] {
  return [...BUILT_IN.map((c) => c.CLASS_NAME), SimpleHeaderConverter.CLASS_NAME]
}

function lookup(name: string): ConverterClass | undefined {
  return BUILT_IN.find((c) => c.CLASS_NAME === name || c.CLASS_NAME.endsWith('.' + name))
}

/** A configured key or value converter; `configs` are its own settings (prefix removed). */
export function createConverter(setting: string, className: string, configs: Record<string, string>, isKey: boolean): Converter {
  const C = lookup(className.trim())
  if (!C) throw unknown(setting, className)
  const c = new C()
  c.configure(configs, isKey)
  return c
}

export function createHeaderConverter(setting: string, className: string, configs: Record<string, string>): HeaderConverter {
  const name = className.trim()
  if (SimpleHeaderConverter.CLASS_NAME === name || name === 'SimpleHeaderConverter') return new SimpleHeaderConverter()
  const C = lookup(name)
  if (!C) throw unknown(setting, className)
  const c = new C()
  c.configure(configs, false)
  return c
}

function unknown(setting: string, className: string): ConnectConfigError {
  return new ConnectConfigError(`${setting}: unknown converter class ${className}`, {hint: `one of ${builtInConverterNames().map((n) => n.replace(/^.*\./, '')).join(', ')}`})
}
