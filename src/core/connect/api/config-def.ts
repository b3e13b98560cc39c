/**
 * Kafka's ConfigDef: the settings a connector (or converter, or worker)
 * takes, each with a type, default, validator, importance and doc. `parse`
 * turns string properties into typed values or throws ConnectConfigError;
 * `validate` answers for each setting with its errors, the shape behind
 * Connect's `PUT /connector-plugins/{class}/config/validate`.
 */
import {ConnectConfigError} from '../../errors.js'

export type ConfigType = 'BOOLEAN' | 'STRING' | 'INT' | 'SHORT' | 'LONG' | 'DOUBLE' | 'LIST' | 'CLASS' | 'PASSWORD'
export type Importance = 'HIGH' | 'MEDIUM' | 'LOW'

/** Throws ConnectConfigError when a parsed value is not allowed. */
export interface Validator {
  ensureValid(name: string, value: unknown): void
  toString(): string
}

/** Marks a setting without a default: it must be given. */
export const NO_DEFAULT_VALUE: unique symbol = Symbol('NO_DEFAULT_VALUE')

export interface ConfigKey {
  name: string
  type: ConfigType
  defaultValue?: unknown
  validator?: Validator
  importance: Importance
  documentation: string
  group?: string
  orderInGroup?: number
  width?: 'NONE' | 'SHORT' | 'MEDIUM' | 'LONG'
  displayName?: string
  dependents?: string[]
}

export interface ConfigValue {
  name: string
  value: unknown
  recommendedValues: unknown[]
  errorMessages: string[]
  visible: boolean
}

export class ConfigDef {
  private readonly keys = new Map<string, ConfigKey>()

  define(key: ConfigKey): this {
    if (this.keys.has(key.name)) throw new ConnectConfigError(`configuration ${key.name} is defined twice`)
    if (key.defaultValue !== undefined && key.defaultValue !== NO_DEFAULT_VALUE && key.defaultValue !== null) {
      const parsed = parseType(key.name, key.defaultValue, key.type)
      key.validator?.ensureValid(key.name, parsed)
    }
    this.keys.set(key.name, key)
    return this
  }

  configKeys(): ReadonlyMap<string, ConfigKey> {
    return this.keys
  }

  names(): string[] {
    return [...this.keys.keys()]
  }

  /** Typed values of every defined setting; unknown keys are left to the caller. */
  parse(props: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const key of this.keys.values()) {
      const value = this.parseOne(key, props)
      key.validator?.ensureValid(key.name, value)
      out[key.name] = value
    }
    return out
  }

  private parseOne(key: ConfigKey, props: Record<string, unknown>): unknown {
    if (Object.hasOwn(props, key.name)) return parseType(key.name, props[key.name], key.type)
    if (key.defaultValue === undefined || key.defaultValue === NO_DEFAULT_VALUE) throw new ConnectConfigError(`missing required configuration "${key.name}" which has no default value`)
    return key.defaultValue === null ? null : parseType(key.name, key.defaultValue, key.type)
  }

  /** Each setting with its value and the errors found, as Connect's validate endpoint reports them. */
  validate(props: Record<string, unknown>): ConfigValue[] {
    return [...this.keys.values()].map((key) => {
      const v: ConfigValue = {name: key.name, value: props[key.name] ?? null, recommendedValues: [], errorMessages: [], visible: true}
      try {
        const parsed = this.parseOne(key, props)
        v.value = parsed
        key.validator?.ensureValid(key.name, parsed)
      } catch (error) {
        if (!(error instanceof ConnectConfigError)) throw error
        v.errorMessages.push(error.message)
      }
      return v
    })
  }
}

/** Kafka's ConfigDef.parseType: strings are trimmed and read as the type; values of the type pass. */
export function parseType(name: string, value: unknown, type: ConfigType): unknown {
  const bad = (why = '') => new ConnectConfigError(`invalid value ${String(value)} for configuration ${name}: ${why || `expected a value of type ${type}`}`)
  if (value === null) return null
  const text = typeof value === 'string' ? value.trim() : null
  switch (type) {
    case 'BOOLEAN':
      if (typeof value === 'boolean') return value
      if (text?.toLowerCase() === 'true') return true
      if (text?.toLowerCase() === 'false') return false
      throw bad('expected value to be either true or false')
    case 'STRING':
    case 'CLASS':
      if (typeof value === 'string') return type === 'CLASS' ? text : value
      if (type === 'CLASS' && typeof value === 'function') return value
      throw bad()
    case 'PASSWORD':
      if (typeof value === 'string') return new Password(value)
      if (value instanceof Password) return value
      throw bad()
    case 'INT':
    case 'SHORT':
    case 'LONG': {
      const n = typeof value === 'number' ? value : text !== null && /^[+-]?\d+$/.test(text) ? Number(text) : NaN
      const bound = type === 'SHORT' ? 2 ** 15 : type === 'INT' ? 2 ** 31 : 2 ** 63
      if (!Number.isInteger(n) || n < -bound || n >= bound) throw bad(`not a number of type ${type}`)
      return n
    }
    case 'DOUBLE': {
      const n = typeof value === 'number' ? value : text !== null && text !== '' ? Number(text) : NaN
      if (Number.isNaN(n)) throw bad('not a number of type DOUBLE')
      return n
    }
    case 'LIST':
      if (Array.isArray(value)) return value.map(String)
      if (text === null) throw bad('expected a comma-separated list')
      return text === '' ? [] : text.split(/\s*,\s*/)
  }
}

/** A secret setting: prints hidden. */
export class Password {
  constructor(readonly value: string) {}
  toString(): string {
    return '[hidden]'
  }
  toJSON(): string {
    return '[hidden]'
  }
}

export const Range = {
  atLeast(min: number): Validator {
    return {
      ensureValid(name, value) {
        if (value === null || value === undefined) return
        if ((value as number) < min) throw new ConnectConfigError(`invalid value ${String(value)} for configuration ${name}: value must be at least ${min}`)
      },
      toString: () => `[${min},...]`,
    }
  },
  between(min: number, max: number): Validator {
    return {
      ensureValid(name, value) {
        if (value === null || value === undefined) return
        const n = value as number
        if (n < min) throw new ConnectConfigError(`invalid value ${n} for configuration ${name}: value must be at least ${min}`)
        if (n > max) throw new ConnectConfigError(`invalid value ${n} for configuration ${name}: value must be no more than ${max}`)
      },
      toString: () => `[${min},...,${max}]`,
    }
  },
}

export const ValidString = {
  in(...allowed: string[]): Validator {
    return {
      ensureValid(name, value) {
        if (value === null || value === undefined) return
        if (!allowed.includes(String(value))) throw new ConnectConfigError(`invalid value ${String(value)} for configuration ${name}: string must be one of: ${allowed.join(', ')}`)
      },
      toString: () => `[${allowed.join(', ')}]`,
    }
  },
}

export const NonEmptyString: Validator = {
  ensureValid(name, value) {
    if (value === null || value === undefined) return
    if (String(value) === '') throw new ConnectConfigError(`invalid value for configuration ${name}: string must be non-empty`)
  },
  toString: () => 'non-empty string',
}

/** Every element of a LIST passes `each`. */
export function validList(each: Validator): Validator {
  return {
    ensureValid(name, value) {
      for (const v of (value as unknown[] | null) ?? []) each.ensureValid(name, v)
    },
    toString: () => `list of ${each.toString()}`,
  }
}
