import {closeSync, createReadStream, fstatSync, openSync, readFileSync, statSync} from 'node:fs'
import type {Readable} from 'node:stream'
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {Admin} from '../core/client/admin.js'
import {DelimitedInput} from '../core/client/delimited-input.js'
import {requireTopic} from '../core/client/consumer.js'
import {Producer} from '../core/client/producer.js'
import {type LogpipeError, NotFoundError, RecordTooLargeError, UsageError} from '../core/errors.js'
import {brokerFlags, clientSettings, openBrokerClient} from '../cli/broker-client.js'
import {producerIdempotence} from '../core/client/client-config.js'
import type {ProduceSender} from '../core/client/produce-sender.js'
import type {WireAdmin} from '../core/client/wire-admin.js'
import type {KafkaClient} from '../core/client/kafka-client.js'
import {producerPropertiesKeySeparator} from '../core/client/console-format.js'
import {parseCompression, SUPPORTED_COMPRESSION} from '../core/record/compression.js'
import {validateTopicName} from '../core/store/names.js'
import {LogpipeCommand} from '../cli/base-command.js'
import {intFlag} from '../cli/flags.js'
import {unescape} from '../core/client/format.js'
import {Output} from '../cli/output.js'
import {rawFlagValues} from '../cli/raw-argv.js'

export default class Produce extends LogpipeCommand<typeof Produce> {
  static override summary = 'Append records from files or stdin to a topic, one per line.'
  static override description = `Each line (or each -D delimited piece) is one record. Keyed records go to the partition Kafka's murmur2 partitioner picks; unkeyed records stick to one partition per batch. Batches are written when full (--batch-bytes) or --linger-ms after their first record, whichever comes first. Partitions added while it runs (topic alter --partitions) take keyed records from then on: on the files within milliseconds, through a broker (--bootstrap-server) once -X metadata.max.age.ms (default 300000) has passed or an answer said the metadata is stale.

With --input json each line is an object {key, value, headers, partition, timestamp}, the form \`consume --json\` prints; kcat's -J names (payload, ts, headers as a flat list) are read too, and an unknown field is refused.`
  static override usage = 'produce TOPIC [FILE...] [FLAGS]'
  static override examples = [
    'seq 10 | <%= config.bin %> produce demo --create',
    "printf 'user1:hello\\nuser2:world\\n' | <%= config.bin %> produce users -K:",
    "printf 'user1:\\n' | <%= config.bin %> produce users -K: -Z",
    "find . -print0 | <%= config.bin %> produce files -D '\\0'",
    '<%= config.bin %> produce -t images --whole-file a.png b.png',
    '<%= config.bin %> consume demo -e --json | <%= config.bin %> produce copy --input json --create',
    "<%= config.bin %> produce --topic users --property parse.key=true --property key.separator=: < users.txt",
  ]
  static override strict = false
  static override args = {
    topic: Args.string({ignoreStdin: true, required: false, description: 'Topic to produce to (or -t/--topic).'}),
    file: Args.string({ignoreStdin: true, description: 'Files to read (default: stdin; "-" is stdin).'}),
  }
  static override flags = {
    topic: Flags.string({char: 't', helpValue: 'TOPIC', summary: 'Topic to produce to, as kcat -t and kafka-console-producer --topic; every argument is then a FILE.'}),
    'key-separator': Flags.string({char: 'K', helpValue: 'SEP', summary: 'Split key and value at the first SEP; a line without SEP takes the -k key, if any.'}),
    key: Flags.string({char: 'k', summary: 'Key for every record (with -K: for lines that have none).'}),
    delimiter: Flags.string({char: 'D', helpValue: 'DELIM', summary: 'Record delimiter (default \\n; "\\0" for NUL, "\\t" for tab).'}),
    partition: intFlag({name: '-p/--partition', char: 'p', summary: 'Send every record to this partition (also over a "partition" field of --input json).', min: 0}),
    header: Flags.string({char: 'H', summary: 'Header K=V on every record (repeatable).', multiple: true, multipleNonGreedy: true}),
    null: Flags.boolean({char: 'Z', summary: 'Send an empty value (and an empty key) as NULL: "k:" with -K: is a tombstone for k.'}),
    tee: Flags.boolean({char: 'T', summary: 'Copy the input to stdout as it is sent, like tee.'}),
    'line-mode': Flags.boolean({char: 'l', summary: "Split FILEs at the delimiter, as stdin (kcat's -l; logpipe does so anyway)."}),
    'whole-file': Flags.boolean({summary: 'Send each FILE as one record, as kcat does without -l.', exclusive: ['line-mode']}),
    input: Flags.string({summary: 'Input format (default text).', options: ['text', 'json']}),
    property: Flags.string({helpValue: 'KEY=VALUE', summary: "kafka-console-producer's parse.key=true and key.separator=SEP (default a tab) (repeatable).", multiple: true, multipleNonGreedy: true}),
    setting: Flags.string({char: 'X', helpValue: 'KEY=VALUE', summary: 'Client setting by its librdkafka name (repeatable): linger.ms, batch.size, compression.type, ...', multiple: true, multipleNonGreedy: true}),
    create: Flags.boolean({summary: 'Create the topic (1 partition) if it does not exist.'}),
    compression: Flags.string({summary: 'Batch compression (default none).', options: SUPPORTED_COMPRESSION}),
    fsync: Flags.boolean({summary: 'fsync every batch before acknowledging it.'}),
    'linger-ms': intFlag({name: '--linger-ms', summary: 'Longest wait before a partial batch is written (default 5).', min: 0, max: 3_600_000}),
    'batch-bytes': intFlag({name: '--batch-bytes', summary: 'Batch size at which a batch is written (default 1000000).', min: 64, max: 2 ** 31 - 1}),
    ...brokerFlags,
  }

  protected override createsStore(): boolean {
    return this.flags.create === true
  }

  async run(): Promise<void> {
    const f = this.flags
    const x = clientSettings(f, 'producer')
    x.idempotent = producerIdempotence(x)
    const [topic, ...files] = f.topic === undefined ? this.positional : [f.topic, ...this.positional]
    if (topic === undefined) throw new UsageError('name the topic to produce to', {hint: 'logpipe produce TOPIC [FILE...], or -t/--topic TOPIC'})
    // Everything the command line says is checked before the store is opened.
    validateTopicName(topic)
    for (const file of files) if (file !== '-') checkReadable(file)
    const propertySeparator = f.property ? producerPropertiesKeySeparator(f.property) : undefined
    if (propertySeparator !== undefined && f['key-separator'] !== undefined) throw new UsageError('--property parse.key and -K/--key-separator both set the key separator; give one')
    const keySeparator = f['key-separator'] ?? propertySeparator
    if (f['whole-file'] && files.length === 0) throw new UsageError('--whole-file needs FILE arguments', {hint: 'stdin is split at the delimiter'})
    if (f['whole-file'] && f.input === 'json') throw new UsageError('--whole-file and --input json cannot be used together')
    const headerValues = f.header ?? []
    // Header values are bytes: kept as given even when they are not UTF-8 (keys are strings, as in Kafka).
    const headers = rawFlagValues(headerValues, 'H', 'header').map((h, i) => {
      const eq = h.indexOf(0x3d)
      if (eq <= 0) throw new UsageError(`-H/--header expects K=V, not '${headerValues[i]}'`)
      return {key: h.toString('utf8', 0, eq), value: h.subarray(eq + 1)}
    })
    const compression = parseCompression(f.compression ?? x.compression ?? 'none')
    const client = await openBrokerClient({flag: f['bootstrap-server'], settings: x, dataDir: f['data-dir']})
    try {
      await this.produce(topic, files, client, x, compression, keySeparator, headers)
    } finally {
      client?.close()
    }
  }

  private async produce(
    topic: string,
    files: string[],
    client: KafkaClient | null,
    x: ReturnType<typeof clientSettings>,
    compression: number,
    keySeparator: string | undefined,
    headers: Array<{key: string; value: Buffer}>,
  ): Promise<void> {
    const f = this.flags
    const store = client ? null : this.store
    let remote: {partitions: number; sender: ProduceSender} | undefined
    if (client) {
      const admin = new (await import('../core/client/wire-admin.js')).WireAdmin(client)
      if (!(await admin.topicExists(topic))) {
        if (!f.create) await admin.describeTopic(topic)
        if (await admin.createTopic({name: topic, partitions: 1}, true)) this.notice(`created topic ${topic}`)
      }
      const meta = await client.retrying(() => client.topic(topic))
      remote = {partitions: meta.partitions.length, sender: new (await import('../core/client/produce-sender.js')).ProduceSender(client, {acks: x.acks, idempotent: x.idempotent, retries: x.retries, retryBackoffMs: x.retryBackoffMs, metadataMaxAgeMs: x.metadataMaxAgeMs, maxInFlight: x.maxInFlight})}
    } else if (!store!.topicExists(topic)) {
      if (!f.create) {
        store!.topicDir(topic) // name check first: a bad name is a usage error
        requireTopic(store!, topic)
      }
      new Admin(store!).createTopic(topic, {partitions: 1})
      this.notice(`created topic ${topic}`)
    }
    if (f.tee && f.json) throw new UsageError('-T/--tee and --json both write to stdout; give one')
    const out = f.json || f.tee ? new Output() : null
    const tb = out ? Buffer.from(`{"topic":${JSON.stringify(topic)},"partition":`) : null
    const producer = new Producer(store, topic, {
      remote,
      partition: f.partition,
      compression,
      batchBytes: f['batch-bytes'] ?? x.batchBytes ?? 1_000_000,
      fsync: f.fsync,
      onNotice: this.notice,
      onAck: out && f.json
        ? (partition, baseOffset, count) => {
            for (let i = 0; i < count; i++) {
              out.writeBytes(tb!)
              out.writeInt(partition)
              out.writeString(',"offset":')
              out.writeInt(baseOffset + i)
              out.writeString('}\n')
            }
          }
        : undefined,
    })
    const input = new DelimitedInput(producer, {
      delimiter: unescape(f.delimiter ?? '\\n'),
      keySeparator: keySeparator === undefined ? undefined : unescape(keySeparator),
      key: f.key === undefined ? undefined : Buffer.from(f.key),
      headers,
      input: (f.input ?? 'text') as 'text' | 'json',
      lingerMs: f['linger-ms'] ?? x.lingerMs ?? 5,
      emptyAsNull: f.null,
      tee: f.tee ? out! : undefined,
    })
    const stop = () => input.stop()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    try {
      for (const file of files.length > 0 ? files : ['-']) {
        try {
          if (f['whole-file']) {
            input.addWhole(readWhole(file))
            if (producer.readyBatches > 0) await producer.flush(false)
          } else await readInput(input, file)
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ABORT_ERR' || (error as Error).name === 'AbortError') break
          throw error
        }
        // A file's last line is a record even without a final delimiter.
        input.endOfStream()
        if (out) await out.flush()
        if (input.stopped) break
      }
      await input.finish()
    } catch (error) {
      // Records read before the bad one are still written, and the error says how many.
      const written = await producer.flush(true).then(
        () => true,
        () => false,
      )
      throw written ? withWrittenCount(error, input.records) : error
    } finally {
      await producer.close().catch(() => {})
      if (out) await out.end()
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    }
  }
}

/**
 * Feeds one input to the producer. Regular files (FILE arguments, or stdin
 * redirected from a file) are read by descriptor into one reused buffer;
 * pipes and terminals go through a stream (process.stdin copes with
 * non-blocking pipes, where a plain read fails with EAGAIN, and a stream
 * never blocks the linger timer).
 */
async function readInput(input: DelimitedInput, file: string): Promise<void> {
  const fd = file === '-' ? 0 : openInput(file)
  try {
    if (fstatSync(fd).isFile()) return await input.consumeFile(fd)
    const stream: Readable = file === '-' ? process.stdin : createReadStream('', {fd, highWaterMark: 1 << 20, autoClose: false})
    await input.consume(stream)
  } finally {
    if (fd !== 0) closeSync(fd)
  }
}

/** A whole FILE (or stdin) for --whole-file. */
function readWhole(file: string): Buffer {
  const fd = file === '-' ? 0 : openInput(file)
  try {
    return readFileSync(fd)
  } finally {
    if (fd !== 0) closeSync(fd)
  }
}

/** "record 3 ...; it was not written" gains "; the 2 records before it were" (kcat users ask how far it got). */
function withWrittenCount(error: unknown, written: number): unknown {
  if (!(error instanceof RecordTooLargeError || error instanceof UsageError)) return error
  const E = error.constructor as new (m: string, o: {hint?: string}) => LogpipeError
  const before = written === 1 ? 'the 1 record before it was written' : `the ${written} records before it were written`
  return new E(`${error.message}; ${before}`, {hint: error.hint})
}

/**
 * Only here may ENOENT mean the input is missing: the same code from
 * writing (a partition directory gone under the producer) is the store's.
 */
function openInput(file: string): number {
  try {
    return openSync(file, 'r')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new NotFoundError(`cannot read ${file}: no such file`)
    throw error
  }
}

function checkReadable(file: string): void {
  let isDirectory: boolean
  try {
    isDirectory = statSync(file).isDirectory()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new NotFoundError(`cannot read ${file}: no such file`)
    throw error
  }
  if (isDirectory) throw new UsageError(`cannot read ${file}: it is a directory`)
}
