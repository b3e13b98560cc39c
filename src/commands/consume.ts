import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {Consumer, requireTopic} from '../core/client/consumer.js'
import {validateGroupName, validateTopicName} from '../core/store/names.js'
import {type OffsetSpec, parseOffsetSpec, parseStopSpec} from '../core/log/offset-spec.js'
import {UsageError} from '../core/errors.js'
import {ASSIGNMENT_STRATEGIES, type AssignmentStrategy} from '../core/group/assignors.js'
import {type AutoOffsetReset, DEFAULT_SESSION_TIMEOUT_MS, subscriptionPattern} from '../core/group/group-member.js'
import {CONSUME_ARENA_BYTES, type ExecSettings, type GroupSettings, runConsumeSession} from '../core/client/consume-session.js'
import {MemoryArena} from '../core/codec/memory-arena.js'
import {type CommandFlags, LogpipeCommand} from '../cli/base-command.js'
import {parseIntFlag, intFlag} from '../cli/flags.js'
import {jsonFormatter, JSON_ENCODINGS, JSON_TIMES, type JsonEncoding, type JsonTime} from '../core/client/json-format.js'
import {compileFormat, KCAT_NULL, type RecordFormatter, unescape} from '../core/client/format.js'
import {kcatJsonFormatter} from '../core/client/kcat-json.js'
import {consolePropertiesFormat} from '../core/client/console-format.js'
import {clientSettingKeys} from '../core/client/client-config.js'
import {brokerFlags, clientSettings, openBrokerClient} from '../cli/broker-client.js'
import type {BrokerConsumer} from '../core/client/broker-consumer.js'
import {Output} from '../cli/output.js'

export default class Consume extends LogpipeCommand<typeof Consume> {
  static override summary = 'Print records of one or more topics, following the log for new ones.'
  static override description = `Without -e the command keeps following the log (like tail -f) until Ctrl-C. Output is the value and a newline per record, or kcat's -f format:

  %t topic  %p partition  %o offset  %k key  %s value  %S value size  %K key size
  %R value size as a 4-byte big-endian integer  %T timestamp (ms)
  %F timestamp as ISO-8601 in UTC (2026-01-31T12:00:00.000Z)
  %h headers (k=v,...)  %%  and the escapes \\n \\t \\r \\0 \\xHH \\\\

-F is an alias of -f (logpipe's first name for it; in kcat -F names a config file). Without -f, -K DELIM prints key, DELIM, value, and -D DELIM ends each record (default \\n), as in kcat. -Z prints a NULL key or value as NULL; sizes of NULL are -1.

-J prints kcat's JSON envelope {"topic","partition","offset","tstype","ts","broker","headers","key","payload"}: headers as a flat [name, value, ...] list (left out when a record has none), NULL as null, broker -1 (a file store has no broker). --json prints logpipe's own {topic, partition, offset, timestamp, key, value, headers}, which \`produce --input json\` reads back: key, value and header values are always strings (or null), UTF-8 text unless --json-encoding base64; timestamp is epoch ms, or an ISO-8601 string in UTC with --json-time iso (docs/JSON.md).

kafka-console-consumer's --topic, --include REGEX, --from-beginning, --max-messages, --timeout-ms and --property print.key=true|print.timestamp=true|print.partition=true|print.offset=true|print.headers=true|print.value=false|key.separator=S|line.separator=S|headers.separator=S|null.literal=S work as there. -X key=value takes client settings by their librdkafka names: ${clientSettingKeys('consumer').join(', ')}; an explicit flag wins over -X.

Through a broker (--bootstrap-server), -g joins through its group coordinator and commits there, and --include (and a group's leader) look at its topics and partition counts again every -X metadata.max.age.ms (default 300000, as Kafka's clients), so topics and partitions added while it runs are read from their start.`
  static override usage = 'consume TOPIC... [FLAGS]'
  static override examples = [
    '<%= config.bin %> consume demo -e',
    "<%= config.bin %> consume orders -o -10 -e -f '%p:%o %k=%s\\n'",
    '<%= config.bin %> consume orders -o @2026-01-31T12:00:00Z -c 100 --json',
    '<%= config.bin %> consume orders -o @-1h -o e@2026-01-31T12:00:00Z -J',
    '<%= config.bin %> consume orders logs -p 0 -p 1',
    '<%= config.bin %> consume jobs -g workers --json --exec-stream ./handler.py --retries 3 --dead-letter-topic jobs-failed',
    '<%= config.bin %> consume --topic orders --from-beginning --max-messages 10 --property print.key=true',
    "<%= config.bin %> consume --include 'orders-.*' -g billing",
  ]
  static override strict = false
  static override args = {
    topic: Args.string({ignoreStdin: true, required: false, description: 'Topics to read (one or more; or -t/--topic, --include).'}),
  }
  static override flags = {
    topic: Flags.string({char: 't', helpValue: 'TOPIC', summary: 'Topic to read (repeatable), as kcat -t and kafka-console-consumer --topic.', multiple: true, multipleNonGreedy: true}),
    include: Flags.string({helpValue: 'REGEX', summary: 'Read every topic whose whole name matches REGEX, also topics created later.'}),
    offset: Flags.string({char: 'o', helpValue: 'OFFSET', multiple: true, multipleNonGreedy: true, summary: 'Start at beginning|end|stored|N|-N|@TIME|s@TIME|@-DURATION (TIME: ISO-8601 or epoch ms; @-1h: an hour ago); e@TIME stops before the first record at or after TIME. Default: beginning; with -g: stored (the committed offset), and any other start applies only where the group has none.'}),
    'from-beginning': Flags.boolean({summary: 'Start at the beginning (-o beginning), as kafka-console-consumer.'}),
    partition: Flags.string({char: 'p', summary: 'Only this partition (repeatable).', multiple: true, multipleNonGreedy: true}),
    count: intFlag({name: '-c/--count', char: 'c', summary: 'Stop after N records (--max-messages is the same).', min: 1, aliases: ['max-messages']}),
    'exit-at-end': Flags.boolean({char: 'e', summary: 'Stop at the end of the log instead of following it.'}),
    'timeout-ms': intFlag({name: '--timeout-ms', summary: 'Stop once no record came for this many milliseconds.', min: 0, max: 2 ** 31 - 1}),
    format: Flags.string({char: 'f', charAliases: ['F'], helpValue: 'FMT', summary: 'Output format with kcat tokens; "%s\\n" when neither -f, -K, -D nor --property is given.'}),
    'kcat-json': Flags.boolean({char: 'J', summary: "kcat's JSON envelope per record."}),
    'json-encoding': Flags.string({
      summary: 'With --json: keys, values and header values as utf8 text (default; bytes that are not UTF-8 print with U+FFFD) or base64 (exact bytes, marked "encoding":"base64").',
      options: [...JSON_ENCODINGS],
    }),
    'json-time': Flags.string({
      summary: 'With --json: timestamp as epoch milliseconds (ms, default) or an ISO-8601 string in UTC (iso: "2026-01-31T12:00:00.000Z"), which produce --input json reads back.',
      options: [...JSON_TIMES],
    }),
    'key-delimiter': Flags.string({char: 'K', helpValue: 'DELIM', summary: 'Print the key, DELIM, then the value (without -f).'}),
    delimiter: Flags.string({char: 'D', helpValue: 'DELIM', summary: 'End each record with DELIM instead of a newline (without -f; after each -J envelope too).'}),
    null: Flags.boolean({char: 'Z', summary: 'Print a NULL key or value as NULL instead of nothing.'}),
    unbuffered: Flags.boolean({char: 'u', summary: 'Write out after every batch instead of when the output buffer is full.'}),
    property: Flags.string({helpValue: 'KEY=VALUE', summary: "kafka-console-consumer's formatter properties (repeatable): print.key=true, key.separator=S, ...", multiple: true, multipleNonGreedy: true}),
    setting: Flags.string({char: 'X', helpValue: 'KEY=VALUE', summary: 'Client setting by its librdkafka name (repeatable): group.id, auto.offset.reset, ...', multiple: true, multipleNonGreedy: true}),
    group: Flags.string({char: 'g', helpValue: 'GROUP', summary: 'Consume as a member of this group, committing offsets.', helpGroup: 'GROUP'}),
    'auto-offset-reset': Flags.string({summary: 'Where a group starts without a committed offset (default earliest).', options: ['earliest', 'latest'], helpGroup: 'GROUP'}),
    'session-timeout': intFlag({name: '--session-timeout', summary: 'Milliseconds without a heartbeat before a member is dead (default 10000).', min: 100, max: 3_600_000, helpGroup: 'GROUP'}),
    assignment: Flags.string({summary: 'How a group divides partitions (default range).', options: ASSIGNMENT_STRATEGIES, helpGroup: 'GROUP'}),
    exec: Flags.string({
      helpValue: 'CMD',
      summary: 'Run CMD per record: value on stdin, LOGPIPE_TOPIC/PARTITION/OFFSET/KEY/TIMESTAMP in its environment.',
      description: 'The record is committed once CMD exited 0 (or, after --retries, went to --dead-letter-topic). Ctrl-C or SIGTERM is passed on to the running commands (each in its own process group) and what finished is committed; an interrupted record is not retried and stays uncommitted. A second Ctrl-C kills the commands.',
      helpGroup: 'EXEC',
    }),
    retries: intFlag({name: '--retries', summary: 'Retries of a record whose --exec command (or --exec-stream answer) failed, with backoff.', min: 0, max: 100, default: 0, helpGroup: 'EXEC'}),
    'dead-letter-topic': Flags.string({helpValue: 'TOPIC', summary: 'Topic for records that keep failing under --exec or --exec-stream.', helpGroup: 'EXEC'}),
    'exec-stream': Flags.string({
      helpValue: 'CMD',
      exclusive: ['exec'],
      summary: 'Stream the records to ONE long-lived CMD on its stdin, formatted as for stdout (-f, -J or --json lines); CMD answers each line with one line.',
      description: `The answers come in order, one line per line read: "ERR" or "ERR <reason>" means that record failed (retried with --retries, then sent to --dead-letter-topic, else consume stops with exit 1 and the record is not committed); any other line ("ok", or the line echoed back, so cat is a valid CMD) hands it on. Offsets commit as answers come back. At most --exec-max-in-flight records wait for an answer; reading stops there. A CMD that exits, closes its stdout, or holds records without an answer for --exec-timeout ms is killed and started again, and the records it did not answer are sent again (at-least-once); the oldest of them counts one failed attempt, unless CMD exited 0 after answering some. A record with a newline inside is that many lines and needs that many answers; --json keeps each record on one line. CMD's stderr is passed through. Ctrl-C or SIGTERM closes CMD's stdin, waits for its answers and commits them.`,
      helpGroup: 'EXEC',
    }),
    'exec-max-in-flight': intFlag({name: '--exec-max-in-flight', summary: 'Records sent to the --exec-stream handler and not answered at most; reading waits there (default 10000).', min: 1, max: 1_000_000, helpGroup: 'EXEC'}),
    'exec-timeout': intFlag({name: '--exec-timeout', summary: 'Milliseconds the --exec-stream handler may hold records without an answer before it is killed and started again (default 30000).', min: 10, max: 86_400_000, helpGroup: 'EXEC'}),
    'exec-concurrency': intFlag({name: '--exec-concurrency', summary: 'Commands run at once (commits stay in offset order).', min: 1, max: 1024, default: 1, helpGroup: 'EXEC'}),
    ...brokerFlags,
  }

  async run(): Promise<void> {
    const f = this.flags
    const x = clientSettings(f, 'consumer')
    const topics = [...this.positional, ...(f.topic ?? [])]
    const include = f.include === undefined ? undefined : subscriptionPattern(f.include)
    if (topics.length === 0 && !include) throw new UsageError('name a topic to read', {hint: 'logpipe consume TOPIC, -t TOPIC, --topic TOPIC or --include REGEX'})
    const group = f.group ?? x.group
    // Everything the command line says is checked before the store is opened.
    for (const t of topics) validateTopicName(t)
    if (group !== undefined) validateGroupName(group)
    if (f['dead-letter-topic'] !== undefined) {
      validateTopicName(f['dead-letter-topic'])
      if (f.exec === undefined && f['exec-stream'] === undefined) throw new UsageError('--dead-letter-topic goes with --exec or --exec-stream')
    }
    if (f['exec-stream'] === undefined && (f['exec-max-in-flight'] !== undefined || f['exec-timeout'] !== undefined)) {
      throw new UsageError('--exec-max-in-flight and --exec-timeout go with --exec-stream')
    }
    if (group !== undefined && f.partition) throw new UsageError('-p/--partition cannot be used with -g: the group assigns partitions')
    const {start, stopAt} = this.offsets(group !== undefined)
    const partitions = f.partition?.map((p) => parseIntFlag('-p/--partition', p, 0))
    const format = this.formatter()
    // A group goes through a broker when one is named (flag, -X, $LOGPIPE_BOOTSTRAP_SERVERS); with only the data dir's live broker it joins
    // through that broker's coordinator and reads the files it serves (group-consumer.ts), which is cheaper than fetching them.
    const named = f['bootstrap-server'] ?? x.bootstrapServers ?? (process.env.LOGPIPE_BOOTSTRAP_SERVERS || undefined)
    const client = group === undefined || named !== undefined ? await openBrokerClient({flag: f['bootstrap-server'], settings: x, dataDir: f['data-dir']}) : null
    // Read and output buffers share one arena: copying a record into the output allocates nothing.
    const arena = new MemoryArena(CONSUME_ARENA_BYTES)
    // The session's settings either way, from the files or through a broker.
    const common = {
      topics,
      format,
      output: new Output(process.stdout, undefined, arena),
      interrupts: onSignals,
      count: f.count ?? Infinity,
      exitAtEnd: f['exit-at-end'],
      idleTimeoutMs: f['timeout-ms'],
      unbuffered: f.unbuffered,
      notice: this.notice,
      arena,
      exec: execSettings(f),
    }
    const groupSettings = (): GroupSettings | undefined =>
      group === undefined
        ? undefined
        : {
            group,
            sessionTimeoutMs: f['session-timeout'] ?? x.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
            strategy: (f.assignment ?? x.strategy ?? 'range') as AssignmentStrategy,
            autoOffsetReset: (f['auto-offset-reset'] ?? x.autoOffsetReset ?? 'earliest') as AutoOffsetReset,
            startWithoutCommit: start.kind === 'stored' ? null : start,
            clientId: x.clientId,
            include,
            stopAtTimestamp: stopAt,
            metadataMaxAgeMs: x.metadataMaxAgeMs,
            groupInstanceId: x.groupInstanceId,
          }
    if (client) {
      const session = new (await import('../core/client/fetch-session.js')).FetchSession(client, {onNotice: this.notice, maxWaitMs: x.pollIntervalMs, partitionMaxBytes: x.partitionFetchBytes, maxBytes: x.fetchMaxBytes, arena})
      let plain: BrokerConsumer | null = null
      try {
        const remote = {client, session}
        if (group !== undefined) {
          // Unknown topics fail here, before joining, as on the files.
          const admin = new (await import('../core/client/wire-admin.js')).WireAdmin(client)
          for (const t of new Set(topics)) await admin.describeTopic(t)
          await runConsumeSession({...common, store: null, remote, group: groupSettings()})
        } else {
          const {BrokerConsumer} = await import('../core/client/broker-consumer.js')
          plain = await BrokerConsumer.open(client, session, {topics, include, partitions, start, stopAtTimestamp: stopAt, arena, onNotice: this.notice, metadataMaxAgeMs: x.metadataMaxAgeMs})
          await runConsumeSession({...common, store: null, remote, consumer: plain.consumer})
        }
      } finally {
        plain?.close()
        session.close()
        client.close()
      }
      return
    }
    for (const t of topics) requireTopic(this.store, t)
    await runConsumeSession({
      ...common,
      store: this.store,
      group: groupSettings(),
      consumer:
        group === undefined
          ? new Consumer(this.store, topics, {partitions, offset: start, onNotice: this.notice, arena, include, stopAtTimestamp: stopAt, pollIntervalMs: x.pollIntervalMs})
          : undefined,
    })
  }

  /** -o (repeatable: one start, and kcat's e@TIME stop) and --from-beginning. */
  private offsets(grouped: boolean): {start: OffsetSpec; stopAt: number | undefined} {
    let start: OffsetSpec | null = null
    let stopAt: number | undefined
    const starts = [...(this.flags['from-beginning'] ? ['beginning'] : []), ...(this.flags.offset ?? [])]
    for (const text of starts) {
      const stop = parseStopSpec(text)
      if (stop !== null) {
        if (stopAt !== undefined) throw new UsageError('-o e@TIME is given twice')
        stopAt = stop
        continue
      }
      if (start !== null) throw new UsageError(`-o/--offset: two places to start (${text} and one before it)`, {hint: 'give one start, and at most one e@TIME to stop at'})
      start = parseOffsetSpec(text)
    }
    start ??= parseOffsetSpec(grouped ? 'stored' : 'beginning')
    if (!grouped && start.kind === 'stored') throw new UsageError('-o stored needs a consumer group (-g)')
    return {start, stopAt}
  }

  private formatter(): RecordFormatter {
    const f = this.flags
    const chosen = [f.json && '--json', f['kcat-json'] && '-J', f.format !== undefined && '-f', f.property && '--property'].filter(Boolean)
    if (chosen.length > 1) throw new UsageError(`${chosen.join(' and ')} cannot be used together: each sets the output format`)
    if (f['json-encoding'] !== undefined && !f.json) throw new UsageError('--json-encoding applies to --json output only', {hint: 'add --json'})
    if (f['json-time'] !== undefined && !f.json) throw new UsageError('--json-time applies to --json output only', {hint: f['kcat-json'] ? "-J prints kcat's ts (ms) as kcat does; use --json --json-time iso" : "add --json, or use -f with %F for an ISO-8601 time"})
    if (f.json) {
      return jsonFormatter({
        encoding: (f['json-encoding'] ?? 'utf8') as JsonEncoding,
        time: (f['json-time'] ?? 'ms') as JsonTime,
        onLossy: ({topic, partition, offset}) =>
          this.notice(`topic ${topic} partition ${partition} offset ${offset} holds bytes that are not UTF-8: printed with U+FFFD (--json-encoding base64 prints the exact bytes)`),
      })
    }
    const delimiter = f.delimiter === undefined ? undefined : unescape(f.delimiter)
    if (f['kcat-json']) return kcatJsonFormatter(delimiter)
    if (f.property) {
      const {format, options} = consolePropertiesFormat(f.property)
      return compileFormat(format, options)
    }
    const options = f.null ? {nullString: KCAT_NULL} : {}
    if (f.format !== undefined) return compileFormat(f.format, options)
    // kcat builds "%k<K>%s<D>" from -K and -D; delimiters are taken as typed, so a % in one is a literal.
    const lit = (s: string) => s.replaceAll('%', '%%')
    const tail = f.delimiter === undefined ? '\\n' : lit(f.delimiter)
    return compileFormat(f['key-delimiter'] === undefined ? `%s${tail}` : `%k${lit(f['key-delimiter'])}%s${tail}`, options)
  }
}

function execSettings(f: CommandFlags<typeof Consume>): ExecSettings | undefined {
  const common = {retries: f.retries, concurrency: f['exec-concurrency'], deadLetterTopic: f['dead-letter-topic']}
  if (f['exec-stream'] !== undefined) return {...common, command: f['exec-stream'], stream: {maxInFlight: f['exec-max-in-flight'] ?? 10_000, timeoutMs: f['exec-timeout'] ?? 30_000}}
  return f.exec === undefined ? undefined : {...common, command: f.exec}
}

/**
 * Ctrl-C or SIGTERM stops the session; a second one kills the running
 * --exec commands and then this process, as the signal would have.
 * The listener stays until then: signal-exit (under proper-lockfile)
 * re-raises a signal whose only other listener is its own.
 */
function onSignals(stop: (signal: NodeJS.Signals) => void): () => void {
  let seen = false
  const unsubscribe = () => {
    process.off('SIGINT', handle)
    process.off('SIGTERM', handle)
  }
  function handle(signal: NodeJS.Signals) {
    stop(signal)
    if (!seen) {
      seen = true
      return
    }
    unsubscribe()
    process.kill(process.pid, signal)
  }
  process.on('SIGINT', handle)
  process.on('SIGTERM', handle)
  return unsubscribe
}
