import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, test} from 'vitest'
import {UnsupportedVersionError} from '../../../src/core/errors.js'
import {decodeRequest, defaultRequest, encodeRequest} from '../../../src/core/wire/message-codec.js'
import {SCHEMAS, isSupported, schemaFor, supportedApis, versionRange} from '../../../src/core/wire/registry.js'
import {type FieldSpec, parseVersions} from '../../../src/core/wire/schema.js'
import {ROOT} from '../../helpers/cli.js'

const MESSAGES = join(ROOT, 'src/core/wire/messages')

/** The issues' list: every API the broker serves (43, ElectLeaders, from issue 11). */
const REQUIRED = [18, 3, 0, 1, 2, 23, 19, 20, 37, 32, 44, 10, 11, 14, 12, 13, 8, 9, 16, 15, 42, 43, 22, 17, 36]

function walk(fields: readonly FieldSpec[], visit: (f: FieldSpec) => void): void {
  for (const f of fields) {
    visit(f)
    if (f.fields) walk(f.fields, visit)
  }
}

describe('registry', () => {
  test('holds one schema per API the issue lists, and nothing else', () => {
    expect(SCHEMAS.map((s) => s.apiKey).sort((a, b) => a - b)).toEqual([...REQUIRED].sort((a, b) => a - b))
    for (const key of REQUIRED) expect(schemaFor(key)?.apiKey).toBe(key)
    expect(schemaFor(4)).toBeUndefined()
  })

  test('each schema lives in messages/NN-name.ts named by its key', () => {
    const files = readdirSync(MESSAGES).filter((f) => f.endsWith('.ts'))
    expect(files.map((f) => Number(f.slice(0, 2))).sort((a, b) => a - b)).toEqual([...REQUIRED].sort((a, b) => a - b))
    for (const f of files) expect(f).toMatch(/^\d\d-[a-z]+(-[a-z]+)*\.ts$/)
  })

  test('ranges are closed, within what the issue asks, and include a flexible version where the API has one', () => {
    for (const s of SCHEMAS) {
      const {minVersion, maxVersion} = versionRange(s)
      expect(minVersion, s.name).toBeLessThanOrEqual(maxVersion)
      if (s.name === 'Produce') expect(minVersion).toBe(3)
      if (s.name === 'Fetch') expect(minVersion).toBe(4)
      const flexible = parseVersions(s.flexible)
      if (flexible !== null) expect(maxVersion, `${s.name} reaches its first flexible version`).toBeGreaterThanOrEqual(flexible.min)
    }
  })

  test('field names are camelCase and unique per struct; tags unique per struct', () => {
    for (const s of SCHEMAS) {
      for (const fields of [s.request, s.response]) {
        const check = (list: readonly FieldSpec[]) => {
          expect(new Set(list.map((f) => f.name)).size, s.name).toBe(list.length)
          const tags = list.filter((f) => f.tag !== undefined).map((f) => f.tag)
          expect(new Set(tags).size, s.name).toBe(tags.length)
          for (const f of list) {
            expect(f.name, s.name).toMatch(/^[a-z][a-zA-Z0-9]*$/)
            if (f.tag !== undefined) expect(f.taggedVersions, `${s.name}.${f.name}`).toBeDefined()
            if (f.fields) check(f.fields)
          }
        }
        check(fields)
        walk(fields, (f) => expect(() => parseVersions(f.versions)).not.toThrow())
      }
    }
  })

  test('supportedApis lists every range, sorted by key, and isSupported agrees', () => {
    const apis = supportedApis()
    expect(apis.map((a) => a.apiKey)).toEqual([...REQUIRED].sort((a, b) => a - b))
    const produce = apis.find((a) => a.apiKey === 0)!
    expect(produce).toEqual({apiKey: 0, minVersion: 3, maxVersion: 9})
    expect(isSupported(0, 2)).toBe(false)
    expect(isSupported(0, 3)).toBe(true)
    expect(isSupported(0, 10)).toBe(false)
    expect(isSupported(4, 0)).toBe(false)
  })

  test('a version outside the range is an UnsupportedVersionError naming API and version', () => {
    const produce = schemaFor(0)!
    for (const fn of [() => encodeRequest(produce, 2, {}), () => decodeRequest(produce, 10, Buffer.alloc(0)), () => defaultRequest(produce, 1.5)]) {
      let error: unknown
      try {
        fn()
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(UnsupportedVersionError)
      expect((error as UnsupportedVersionError).apiKey).toBe(0)
    }
  })

  test('defaults fill a request the version lacks fields for', () => {
    const fetch = schemaFor(1)!
    expect(defaultRequest(fetch, 4)).toMatchObject({replicaId: -1, maxBytes: 0x7fffffff, sessionEpoch: -1, rackId: '', clusterId: null, topics: []})
  })
})
