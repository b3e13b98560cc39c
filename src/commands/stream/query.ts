import {join} from 'node:path'
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {LogpipeCommand} from '../../cli/base-command.js'
import {NotFoundError, UsageError} from '../../core/errors.js'
import {type QueriedEntry, queryStore, type StoreKind} from '../../core/streams/runtime/interactive-query.js'
import {type Serde, Serdes} from '../../core/streams/serdes.js'

const SERDES: Record<string, {serde: () => Serde<unknown>; parse: (text: string) => unknown}> = {
  string: {serde: Serdes.String as () => Serde<unknown>, parse: (t) => t},
  long: {serde: Serdes.Long as () => Serde<unknown>, parse: (t) => integer(t)},
  integer: {serde: Serdes.Integer as () => Serde<unknown>, parse: (t) => integer(t)},
  short: {serde: Serdes.Short as () => Serde<unknown>, parse: (t) => integer(t)},
  double: {serde: Serdes.Double as () => Serde<unknown>, parse: (t) => Number(t)},
  float: {serde: Serdes.Float as () => Serde<unknown>, parse: (t) => Number(t)},
  uuid: {serde: Serdes.UUID as () => Serde<unknown>, parse: (t) => t},
  bytes: {serde: Serdes.ByteArray as () => Serde<unknown>, parse: (t) => Buffer.from(t)},
  json: {serde: () => Serdes.JSON() as Serde<unknown>, parse: (t) => JSON.parse(t) as unknown},
}

function integer(t: string): number {
  if (!/^-?\d+$/.test(t)) throw new UsageError(`${JSON.stringify(t)} is not an integer`, {hint: 'the key serde is a number serde: give the key as digits'})
  return Number(t)
}

function text(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (Buffer.isBuffer(v)) return v.toString()
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

function json(v: unknown): unknown {
  return Buffer.isBuffer(v) ? v.toString() : v
}

export default class StreamQuery extends LogpipeCommand<typeof StreamQuery> {
  static override usage = 'stream query APP STORE [KEY | --range FROM TO | --all] [FLAGS]'
  static override summary = "Read an app's persistent state store (interactive queries), read-only, even while the app runs."
  static override description =
    "Reads STORE of application APP where its tasks keep it on this machine (<state-dir>/<app>/<task>/<store>/, every task found), as of each task's last commit. KEY prints that key's value; --range FROM TO the keys from FROM to TO (inclusive, in the order of their serialized bytes, as Kafka's range); --all (the default without KEY) every entry. Keys and values are read with --key-serde and --value-serde, the serdes the store was written with. Prints key<TAB>value (window stores: key<TAB>start<TAB>value; session stores: key<TAB>start<TAB>end<TAB>value), or one JSON object per line with --json."
  static override examples = [
    '<%= config.bin %> stream query wordcount counts-store kafka --value-serde long',
    '<%= config.bin %> stream query wordcount counts-store --range a m --value-serde long --json',
    '<%= config.bin %> stream query clicks clicks-per-minute --type window --all --value-serde long',
  ]
  static override enableJsonFlag = false
  static override args = {
    app: Args.string({required: true, description: 'The application.id.'}),
    store: Args.string({required: true, description: 'The state store name.'}),
    key: Args.string({required: false, description: 'One key to look up.'}),
  }
  static override flags = {
    range: Flags.string({summary: 'Keys from FROM to TO inclusive (two values).', multiple: true, exclusive: ['all']}),
    all: Flags.boolean({summary: 'Every entry (the default when no KEY is given).', exclusive: ['range']}),
    'key-serde': Flags.string({summary: 'Serde of the keys.', options: Object.keys(SERDES), default: 'string'}),
    'value-serde': Flags.string({summary: 'Serde of the values.', options: Object.keys(SERDES), default: 'string'}),
    type: Flags.string({summary: 'The kind of store.', options: ['key-value', 'window', 'session'], default: 'key-value'}),
    'state-dir': Flags.string({summary: "The app's state.dir (default: <data-dir>/streams)."}),
    json: Flags.boolean({summary: 'One JSON object per line: task, key, value, timestamp (and start, end).'}),
  }

  async run(): Promise<void> {
    const keyCodec = SERDES[this.flags['key-serde']]
    const valueCodec = SERDES[this.flags['value-serde']]
    const range = this.flags.range
    if (range !== undefined && range.length !== 2) throw new UsageError('--range takes two values: FROM TO', {hint: 'stream query APP STORE --range a m'})
    if (this.args.key !== undefined && (range !== undefined || this.flags.all)) throw new UsageError('give a KEY, or --range, or --all: not more than one')
    const entries = queryStore({
      stateDir: this.flags['state-dir'] ?? join(this.store.dataDir, 'streams'),
      applicationId: this.args.app,
      store: this.args.store,
      kind: this.flags.type as StoreKind,
      keySerde: keyCodec.serde(),
      valueSerde: valueCodec.serde(),
      key: this.args.key === undefined ? undefined : keyCodec.parse(this.args.key),
      range: range === undefined ? undefined : {from: keyCodec.parse(range[0]), to: keyCodec.parse(range[1])},
    })
    const lines = entries.map((e: QueriedEntry) =>
      this.flags.json
        ? JSON.stringify({task: e.task, key: json(e.key), value: json(e.value), timestamp: e.timestamp, ...(e.start === undefined ? {} : {start: e.start}), ...(e.end === undefined ? {} : {end: e.end})})
        : [text(e.key), ...(e.start === undefined ? [] : [String(e.start)]), ...(e.end === undefined ? [] : [String(e.end)]), text(e.value)].join('\t'),
    )
    if (lines.length > 0) process.stdout.write(lines.join('\n') + '\n')
    if (this.args.key !== undefined && entries.length === 0) throw new NotFoundError(`store ${this.args.store} of ${this.args.app} has no key ${this.args.key}`, {hint: 'a key the app has not committed yet is not there either; --all lists what is'})
  }
}
