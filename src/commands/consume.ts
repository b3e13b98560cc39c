import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {Consumer, requireTopic} from '../core/client/consumer.js'
import {validateGroupName, validateTopicName} from '../core/store/names.js'
import {parseOffsetSpec} from '../core/log/offset-spec.js'
import {UsageError} from '../core/errors.js'
import {ASSIGNMENT_STRATEGIES, type AssignmentStrategy} from '../core/group/assignors.js'
import type {AutoOffsetReset} from '../core/group/group-member.js'
import {CONSUME_ARENA_BYTES, type ExecSettings, runConsumeSession} from '../core/client/consume-session.js'
import {MemoryArena} from '../core/codec/memory-arena.js'
import {type CommandFlags, LogpipeCommand} from '../cli/base-command.js'
import {parseIntFlag, intFlag} from '../cli/flags.js'
import {compileFormat, jsonFormatter} from '../core/client/format.js'
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
    '<%= config.bin %> consume jobs -g workers --json --exec-stream ./handler.py --retries 3 --dead-letter-topic jobs-failed',
  ]
  static override strict = false
  static override args = {
    topic: Args.string({ignoreStdin: true, required: true, description: 'Topics to read (one or more).'}),
  }
  static override flags = {
    offset: Flags.string({char: 'o', helpValue: 'OFFSET', summary: 'Start at beginning|end|stored|N|-N|@TIME (ISO-8601 or epoch ms). Default: beginning; with -g: stored (the committed offset), and any other -o applies only where the group has none.'}),
    partition: Flags.string({char: 'p', summary: 'Only this partition (repeatable).', multiple: true, multipleNonGreedy: true}),
    count: intFlag({name: '-c/--count', char: 'c', summary: 'Stop after N records.', min: 1}),
    'exit-at-end': Flags.boolean({char: 'e', summary: 'Stop at the end of the log instead of following it.'}),
    format: Flags.string({char: 'F', helpValue: 'FMT', summary: 'Output format with kcat tokens (default "%s\\n").', default: '%s\\n'}),
    group: Flags.string({char: 'g', helpValue: 'GROUP', summary: 'Consume as a member of this group, committing offsets.', helpGroup: 'GROUP'}),
    'auto-offset-reset': Flags.string({summary: 'Where a group starts without a committed offset.', options: ['earliest', 'latest'], default: 'earliest', helpGroup: 'GROUP'}),
    'session-timeout': intFlag({name: '--session-timeout', summary: 'Milliseconds without a heartbeat before a member is dead.', min: 100, max: 3_600_000, default: 10_000, helpGroup: 'GROUP'}),
    assignment: Flags.string({summary: 'How a group divides partitions.', options: ASSIGNMENT_STRATEGIES, default: 'range', helpGroup: 'GROUP'}),
    exec: Flags.string({helpValue: 'CMD', summary: 'Run CMD per record: value on stdin, LOGPIPE_TOPIC/PARTITION/OFFSET/KEY/TIMESTAMP in its environment.', helpGroup: 'EXEC'}),
    retries: intFlag({name: '--retries', summary: 'Retries of a record whose --exec command (or --exec-stream answer) failed, with backoff.', min: 0, max: 100, default: 0, helpGroup: 'EXEC'}),
    'dead-letter-topic': Flags.string({helpValue: 'TOPIC', summary: 'Topic for records that keep failing under --exec or --exec-stream.', helpGroup: 'EXEC'}),
    'exec-stream': Flags.string({
      helpValue: 'CMD',
      exclusive: ['exec'],
      summary: 'Stream the records to ONE long-lived CMD on its stdin, formatted as for stdout (-F, or --json lines); CMD answers each line with one line.',
      description: `The answers come in order, one line per line read: "ERR" or "ERR <reason>" means that record failed (retried with --retries, then sent to --dead-letter-topic, else consume stops with exit 1 and the record is not committed); any other line ("ok", or the line echoed back, so cat is a valid CMD) hands it on. Offsets commit as answers come back. At most --exec-max-in-flight records wait for an answer; reading stops there. A CMD that exits, closes its stdout, or holds records without an answer for --exec-timeout ms is killed and started again, and the records it did not answer are sent again (at-least-once); the oldest of them counts one failed attempt, unless CMD exited 0 after answering some. A record with a newline inside is that many lines and needs that many answers; --json keeps each record on one line. CMD's stderr is passed through. Ctrl-C or SIGTERM closes CMD's stdin, waits for its answers and commits them.`,
      helpGroup: 'EXEC',
    }),
    'exec-max-in-flight': intFlag({name: '--exec-max-in-flight', summary: 'Records sent to the --exec-stream handler and not answered at most; reading waits there (default 10000).', min: 1, max: 1_000_000, helpGroup: 'EXEC'}),
    'exec-timeout': intFlag({name: '--exec-timeout', summary: 'Milliseconds the --exec-stream handler may hold records without an answer before it is killed and started again (default 30000).', min: 10, max: 86_400_000, helpGroup: 'EXEC'}),
    'exec-concurrency': intFlag({name: '--exec-concurrency', summary: 'Commands run at once (commits stay in offset order).', min: 1, max: 1024, default: 1, helpGroup: 'EXEC'}),
  }

  async run(): Promise<void> {
    const f = this.flags
    const topics = this.positional
    // Everything the command line says is checked before the store is opened.
    for (const t of topics) validateTopicName(t)
    if (f.group !== undefined) validateGroupName(f.group)
    if (f['dead-letter-topic'] !== undefined) {
      validateTopicName(f['dead-letter-topic'])
      if (f.exec === undefined && f['exec-stream'] === undefined) throw new UsageError('--dead-letter-topic goes with --exec or --exec-stream')
    }
    if (f['exec-stream'] === undefined && (f['exec-max-in-flight'] !== undefined || f['exec-timeout'] !== undefined)) {
      throw new UsageError('--exec-max-in-flight and --exec-timeout go with --exec-stream')
    }
    if (f.group !== undefined && f.partition) throw new UsageError('-p/--partition cannot be used with -g: the group assigns partitions')
    const spec = parseOffsetSpec(f.offset ?? (f.group !== undefined ? 'stored' : 'beginning'))
    if (f.group === undefined && spec.kind === 'stored') throw new UsageError('-o stored needs a consumer group (-g)')
    const partitions = f.partition?.map((p) => parseIntFlag('-p/--partition', p, 0))
    const format = f.json ? jsonFormatter : compileFormat(f.format)
    for (const t of topics) requireTopic(this.store, t)
    // Read and output buffers share one arena: copying a record into the output allocates nothing.
    const arena = new MemoryArena(CONSUME_ARENA_BYTES)
    await runConsumeSession({
      store: this.store,
      topics,
      format,
      output: new Output(process.stdout, undefined, arena),
      interrupts: onSignals,
      count: f.count ?? Infinity,
      exitAtEnd: f['exit-at-end'],
      notice: this.notice,
      arena,
      exec: execSettings(f),
      group:
        f.group === undefined
          ? undefined
          : {
              group: f.group,
              sessionTimeoutMs: f['session-timeout'],
              strategy: f.assignment as AssignmentStrategy,
              autoOffsetReset: f['auto-offset-reset'] as AutoOffsetReset,
              startWithoutCommit: spec.kind === 'stored' ? null : spec,
            },
      consumer: f.group === undefined ? new Consumer(this.store, topics, {partitions, offset: spec, onNotice: this.notice, arena}) : undefined,
    })
  }
}

function execSettings(f: CommandFlags<typeof Consume>): ExecSettings | undefined {
  const common = {retries: f.retries, concurrency: f['exec-concurrency'], deadLetterTopic: f['dead-letter-topic']}
  if (f['exec-stream'] !== undefined) return {...common, command: f['exec-stream'], stream: {maxInFlight: f['exec-max-in-flight'] ?? 10_000, timeoutMs: f['exec-timeout'] ?? 30_000}}
  return f.exec === undefined ? undefined : {...common, command: f.exec}
}

/** Ctrl-C or SIGTERM stops the session; each is caught once, so a second Ctrl-C kills as usual. */
function onSignals(stop: () => void): () => void {
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  return () => {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}
