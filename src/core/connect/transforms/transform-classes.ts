/**
 * The built-in transforms and predicates by Kafka's class names (a nested
 * class as Outer$Key / Outer$Value), also found by the name after the
 * package (InsertField$Value), as Kafka's plugin aliases allow.
 */
import type {PredicateClass, TransformationClass} from '../api/transformation.js'
import {CastKey, CastValue} from './cast.js'
import {DropHeaders} from './drop-headers.js'
import {ExtractFieldKey, ExtractFieldValue} from './extract-field.js'
import {Filter} from './filter.js'
import {FlattenKey, FlattenValue} from './flatten.js'
import {HeaderFromKey, HeaderFromValue} from './header-from.js'
import {HoistFieldKey, HoistFieldValue} from './hoist-field.js'
import {InsertFieldKey, InsertFieldValue} from './insert-field.js'
import {InsertHeader} from './insert-header.js'
import {MaskFieldKey, MaskFieldValue} from './mask-field.js'
import {HasHeaderKey} from './predicates/has-header-key.js'
import {RecordIsTombstone} from './predicates/record-is-tombstone.js'
import {TopicNameMatches} from './predicates/topic-name-matches.js'
import {RegexRouter} from './regex-router.js'
import {ReplaceFieldKey, ReplaceFieldValue} from './replace-field.js'
import {SetSchemaMetadataKey, SetSchemaMetadataValue} from './set-schema-metadata.js'
import {TimestampConverterKey, TimestampConverterValue} from './timestamp-converter.js'
import {TimestampRouter} from './timestamp-router.js'
import {ValueToKey} from './value-to-key.js'

export const BUILT_IN_TRANSFORMS: TransformationClass[] = [
  CastKey,
  CastValue,
  DropHeaders,
  ExtractFieldKey,
  ExtractFieldValue,
  Filter,
  FlattenKey,
  FlattenValue,
  HeaderFromKey,
  HeaderFromValue,
  HoistFieldKey,
  HoistFieldValue,
  InsertFieldKey,
  InsertFieldValue,
  InsertHeader,
  MaskFieldKey,
  MaskFieldValue,
  RegexRouter,
  ReplaceFieldKey,
  ReplaceFieldValue,
  SetSchemaMetadataKey,
  SetSchemaMetadataValue,
  TimestampConverterKey,
  TimestampConverterValue,
  TimestampRouter,
  ValueToKey,
]

export const BUILT_IN_PREDICATES: PredicateClass[] = [HasHeaderKey, RecordIsTombstone, TopicNameMatches]

/** The names a class is found by: its CLASS_NAME (else its JS name) and that name after the package. */
export function classNames(ctor: {name: string}, exportName?: string): string[] {
  const declared = (ctor as {CLASS_NAME?: unknown}).CLASS_NAME
  const full = typeof declared === 'string' ? declared : ctor.name
  return [...new Set([full, full.replace(/^.*\./, ''), ctor.name, ...(exportName && exportName !== 'default' ? [exportName] : [])])]
}

export function isTransformationClass(v: unknown): v is TransformationClass {
  if (typeof v !== 'function' || !v.prototype) return false
  const p = v.prototype as Record<string, unknown>
  return typeof p.apply === 'function' && typeof p.configure === 'function'
}

export function isPredicateClass(v: unknown): v is PredicateClass {
  if (typeof v !== 'function' || !v.prototype) return false
  const p = v.prototype as Record<string, unknown>
  return typeof p.test === 'function' && typeof p.configure === 'function' && typeof p.apply !== 'function'
}
