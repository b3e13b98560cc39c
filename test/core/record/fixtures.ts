/**
 * The golden batches of test/fixtures/batches (written by generate.mjs
 * there): each `.bin` with the `.json` that says what it holds.
 */
import {readFileSync, readdirSync} from 'node:fs'
import {join, resolve} from 'node:path'
import type {RecordHeader} from '../../../src/core/record/header.js'
import {type PlainRecord, utf8} from '../support.js'

export const FIXTURE_DIR = resolve(import.meta.dirname, '..', '..', 'fixtures', 'batches')

export interface FixtureRecord {
  offset: number
  timestamp: number
  key: string | null
  value: string | null
  headers: Array<{key: string; value: string | null}>
}

export interface Fixture {
  name: string
  baseOffset: number
  partitionLeaderEpoch: number
  compression: 'none' | 'gzip'
  records: FixtureRecord[]
  bin: Buffer
}

export function loadFixtures(): Fixture[] {
  const names = readdirSync(FIXTURE_DIR)
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -'.json'.length))
    .sort()
  return names.map((name) => ({
    ...(JSON.parse(readFileSync(join(FIXTURE_DIR, `${name}.json`), 'utf8')) as Omit<Fixture, 'bin'>),
    bin: readFileSync(join(FIXTURE_DIR, `${name}.bin`)),
  }))
}

export function toPlain(records: readonly FixtureRecord[]): PlainRecord[] {
  return records.map((r) => ({
    timestamp: r.timestamp,
    key: utf8(r.key),
    value: utf8(r.value),
    headers: r.headers.map((h): RecordHeader => ({key: h.key, value: utf8(h.value)})),
  }))
}

/** A decoded record in the fixture's JSON form. */
export function toFixtureRecord(r: {
  offset: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeader[]
}): FixtureRecord {
  return {
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key === null ? null : r.key.toString('utf8'),
    value: r.value === null ? null : r.value.toString('utf8'),
    headers: r.headers.map((h) => ({key: h.key, value: h.value === null ? null : h.value.toString('utf8')})),
  }
}
