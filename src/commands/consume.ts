import {Args, Flags} from '@oclif/core'
import {Consumer} from '../core/client/consumer.js'
import {parseOffsetSpec} from '../core/client/offset-spec.js'
import {LogpipeCommand} from '../cli/base-command.js'
import {parseIntFlag, intFlag} from '../cli/flags.js'
import {compileFormat, jsonFormatter} from '../cli/format.js'
import {Output} from '../cli/output.js'

export default class Consume extends LogpipeCommand<typeof Consume> {
  static override summary = 'Print records of one or more topics, following the log for new ones.'
  static override description = `Without -e the command keeps following the log (like tail -f) until Ctrl-C. Output is the value and a newline per record, or kcat's -F format:

  %t topic  %p partition  %o offset  %k key  %s value  %S value size  %K key size
  %T timestamp (ms)  %h headers (k=v,...)  %%  and the escapes \\n \\t \\r \\0 \\\\

--json prints one JSON object per line {topic, partition, offset, timestamp, key, value, headers}, which \`produce --input json\` reads back.`
  static override examples = [
    '<%= config.bin %> consume demo -e',
    "<%= config.bin %> consume orders -o -10 -e -F '%p:%o %k=%s\\n'",
    '<%= config.bin %> consume orders -o @2026-01-31T12:00:00Z -c 100 --json',
    '<%= config.bin %> consume orders logs -p 0 -p 1',
  ]
  static override strict = false
  static override args = {
    topic: Args.string({ignoreStdin: true, required: true, description: 'Topics to read (one or more).'}),
  }
  static override flags = {
    offset: Flags.string({char: 'o', summary: 'Start at beginning|end|N|-N|@TIME (ISO-8601 or epoch ms).', default: 'beginning'}),
    partition: Flags.string({char: 'p', summary: 'Only this partition (repeatable).', multiple: true}),
    count: intFlag({name: '-c/--count', char: 'c', summary: 'Stop after N records.', min: 1}),
    'exit-at-end': Flags.boolean({char: 'e', summary: 'Stop at the end of the log instead of following it.'}),
    format: Flags.string({char: 'F', summary: 'Output format with kcat tokens (default "%s\\n").', default: '%s\\n'}),
  }

  async run(): Promise<void> {
    const f = this.flags
    const topics = this.positional
    const offset = parseOffsetSpec(f.offset)
    const partitions = f.partition?.map((p) => parseIntFlag('-p/--partition', p, 0))
    const format = f.json ? jsonFormatter : compileFormat(f.format)
    for (const t of topics) this.store.topicDir(t)
    const consumer = new Consumer(this.store, topics, {partitions, offset, onNotice: this.notice})
    const out = new Output()
    let remaining = f.count ?? Infinity
    let stopping = false
    const stop = () => {
      stopping = true
      consumer.close()
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    try {
      for (;;) {
        const {records, stopped} = consumer.poll(
          (a, r) => {
            format(out, a, r)
            return --remaining > 0
          },
          () => out.isFull,
        )
        await out.flush()
        if (out.closed || stopped || remaining <= 0 || stopping) break
        if (records === 0) {
          if (f['exit-at-end'] && consumer.allAtEnd) break
          await consumer.waitForData()
        }
      }
      await out.end()
    } finally {
      consumer.close()
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    }
  }
}
