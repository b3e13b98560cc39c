import {existsSync} from 'node:fs'
import {resolve} from 'node:path'
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {LogpipeCommand} from '../../cli/base-command.js'
import {UsageError} from '../../core/errors.js'
import {KafkaStreams} from '../../core/streams/runtime/kafka-streams.js'
import {streamsApp} from '../../core/streams/runtime/app-module.js'
import {importApp} from '../../core/streams/runtime/app-loader.js'

export default class StreamRun extends LogpipeCommand<typeof StreamRun> {
  static override usage = 'stream run APP [FLAGS]'
  static override summary = 'Run a Kafka Streams application module over the store.'
  static override description =
    "APP's default export is a function given a StreamsBuilder (or a Topology); its exported `config` holds the StreamsConfig (application.id, default.key.serde, commit.interval.ms, ...), which -X overrides. The app consumes as the group named by application.id, so several `stream run` of one app share its partitions and take over a stopped one's. In APP, `import ... from 'logpipe'` resolves to this logpipe. A TypeScript APP (.ts, .mts) runs as it is, compiled as it loads (esbuild's transform: types are dropped, not checked; run tsc for that). Runs in the foreground; Ctrl-C or SIGTERM commits and leaves the group."
  static override examples = ['<%= config.bin %> stream run ./wordcount.mjs', '<%= config.bin %> stream run ./wordcount.ts', '<%= config.bin %> stream run ./app.js -X application.id=orders-v2 -X commit.interval.ms=1000']
  static override enableJsonFlag = false
  static override args = {app: Args.string({required: true, description: 'The application module (.js, .mjs, .ts or .mts).'})}
  static override flags = {
    config: Flags.string({char: 'X', summary: 'StreamsConfig key=value (repeatable); numbers are read as numbers.', multiple: true}),
    'application-id': Flags.string({summary: 'The application.id (overrides the module\'s).'}),
  }

  protected override createsStore(): boolean {
    return true
  }

  async run(): Promise<void> {
    const file = resolve(this.args.app)
    if (!existsSync(file)) throw new UsageError(`cannot read ${this.args.app}: no such file`)
    // The app shares this process's Streams classes (see importApp), not a second copy from dist/index.js.
    const mod = await importApp(file, (await import('../../core/streams/index.js')) as Record<string, unknown>)
    const app = streamsApp(mod, this.args.app)
    const props: Record<string, unknown> = {...app.config}
    for (const kv of this.flags.config ?? []) {
      const i = kv.indexOf('=')
      if (i <= 0) throw new UsageError(`-X ${kv}: expected key=value`)
      const v = kv.slice(i + 1)
      props[kv.slice(0, i)] = /^-?\d+$/.test(v) ? Number(v) : v
    }
    if (this.flags['application-id'] !== undefined) props['application.id'] = this.flags['application-id']
    const streams = new KafkaStreams(app.topology, props, {dataDir: this.store.dataDir, onNotice: this.notice})
    let finished: () => void = () => {}
    const done = new Promise<void>((r) => (finished = r))
    streams.setStateListener((next) => {
      if (next === 'RUNNING') this.notice(`stream ${String(props['application.id'])}: running (tasks ${streams.taskIds().join(', ') || 'none yet'})`)
      if (next === 'ERROR') finished()
    })
    const stop = () => finished()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    try {
      await streams.start()
      await done
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      await streams.close()
    }
    if (streams.error) throw streams.error
  }
}
