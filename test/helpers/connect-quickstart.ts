/**
 * Kafka's Connect quickstart files (test/fixtures/connect, as Kafka ships
 * them) copied into BASE/kafka/config; returns BASE/kafka. Their offsets
 * file is /tmp/connect.offsets, one for every test: so each test gets its
 * own in BASE/kafka (a later key wins), unless it runs Kafka's files word
 * for word (the one quickstart test that does).
 */
import {appendFileSync, copyFileSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {ROOT} from './cli.js'

export const CONNECT_FIXTURES = join(ROOT, 'test', 'fixtures', 'connect')
export const QUICKSTART_FILES = ['config/connect-standalone.properties', 'config/connect-file-source.properties', 'config/connect-file-sink.properties']

export function quickstartDir(base: string, {kafkaOffsetsFile = false} = {}): string {
  const dir = join(base, 'kafka')
  mkdirSync(join(dir, 'config'), {recursive: true})
  for (const f of QUICKSTART_FILES) copyFileSync(join(CONNECT_FIXTURES, f.slice('config/'.length)), join(dir, f))
  if (!kafkaOffsetsFile) appendFileSync(join(dir, QUICKSTART_FILES[0]), `\noffset.storage.file.filename=${join(dir, 'connect.offsets')}\n`)
  return dir
}
