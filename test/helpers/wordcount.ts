/**
 * Kafka's WordCount as a `logpipe stream run` app, and what the Streams
 * end-to-end tests ask of a running one: wait until something holds, and
 * read the latest count per word off its output topic.
 */
import type {cli} from './cli.js'

type Cli = ReturnType<typeof cli>

/** Kafka's WordCountDemo: lines in on `text`, counts out on `counts` with the Long serde. */
export function wordCountApp(config: Record<string, number> = {}): string {
  const extra = Object.entries(config).map(([k, v]) => `  '${k}': ${v},\n`).join('')
  return `import {Produced, Serdes} from 'logpipe'

export const config = {
  'application.id': 'wordcount',
  'default.key.serde': Serdes.String(),
  'default.value.serde': Serdes.String(),
${extra}}

export default (builder) => {
  builder
    .stream('text')
    .flatMapValues((line) => line.toLowerCase().split(/\\W+/))
    .groupBy((_key, word) => word)
    .count()
    .toStream()
    .to('counts', Produced.with(Serdes.String(), Serdes.Long()))
}
`
}

/** Polls `check` every 50 ms until it gives a value (the CLI is asked each time, so no tighter loop). */
export async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The latest count per word on `topic` (keys as strings, values as Kafka's Long: 8 bytes big-endian). */
export async function latestCounts(c: Cli, topic = 'counts'): Promise<Record<string, number>> {
  const r = await c.run(['consume', topic, '-e', '--json', '--json-encoding', 'base64'])
  if (r.exitCode !== 0) throw new Error(`consume ${topic} failed: ${String(r.stderr)}`)
  const out: Record<string, number> = {}
  for (const line of String(r.stdout).split('\n').filter(Boolean)) {
    const rec = JSON.parse(line) as {key: {base64: string} | string; value: {base64: string} | string}
    const b64 = (v: {base64: string} | string) => Buffer.from(typeof v === 'string' ? v : v.base64, 'base64')
    out[b64(rec.key).toString()] = Number(b64(rec.value).readBigInt64BE(0))
  }
  return out
}
