#!/usr/bin/env node
// Regenerates test/fixtures/kafkajs-responses.json: the response bytes that
// kafkajs's own protocol tests decode (src/protocol/requests/<api>/fixtures/
// v<N>_response*.json in a checkout of github.com/tulios/kafkajs, MIT
// licensed), for the APIs and versions our schemas implement, as hex.
//
//   node scripts/kafkajs-fixtures.mjs PATH/TO/kafkajs [COMMIT]
import {execFileSync} from 'node:child_process'
import {readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

const [checkout, commit = 'HEAD'] = process.argv.slice(2)
if (!checkout) {
  console.error('usage: node scripts/kafkajs-fixtures.mjs PATH/TO/kafkajs [COMMIT]')
  process.exit(2)
}
const {SCHEMAS, versionRange} = await import('../dist/core/wire/registry.js')
const dirs = {
  apiVersions: 18, metadata: 3, produce: 0, fetch: 1, listOffsets: 2, createTopics: 19, deleteTopics: 20, createPartitions: 37,
  describeConfigs: 32, findCoordinator: 10, joinGroup: 11, syncGroup: 14, heartbeat: 12, leaveGroup: 13, offsetCommit: 8,
  offsetFetch: 9, listGroups: 16, describeGroups: 15, deleteGroups: 42, initProducerId: 22, saslHandshake: 17, saslAuthenticate: 36,
}
const git = (...args) => execFileSync('git', ['-C', checkout, ...args], {encoding: 'utf8', maxBuffer: 1 << 26})
const sha = git('rev-parse', commit).trim()
const out = {
  _source: `github.com/tulios/kafkajs at ${sha}, src/protocol/requests/<api>/fixtures (MIT License, Copyright (c) 2018 Túlio Ornelas); bytes as hex; regenerate with scripts/kafkajs-fixtures.mjs`,
}
for (const path of git('ls-tree', '-r', '--name-only', sha, 'src/protocol/requests').split('\n')) {
  const m = /^src\/protocol\/requests\/(\w+)\/fixtures\/v(\d+)_\w*response\w*\.json$/.exec(path)
  if (!m || !(m[1] in dirs)) continue
  const schema = SCHEMAS.find((s) => s.apiKey === dirs[m[1]])
  const {minVersion, maxVersion} = versionRange(schema)
  const version = Number(m[2])
  if (version < minVersion || version > maxVersion) continue
  const size = Number(git('cat-file', '-s', `${sha}:${path}`))
  if (size > 100_000) continue // one fetch fixture of old message formats is 470 kB
  const json = JSON.parse(git('show', `${sha}:${path}`))
  out[`${m[1]}/${path.split('/').pop().replace(/\.json$/, '')}`] = Buffer.from(json.data).toString('hex')
}
writeFileSync(new URL('../test/fixtures/kafkajs-responses.json', import.meta.url), JSON.stringify(out, null, 1) + '\n')
console.log(`${Object.keys(out).length - 1} fixtures`)
