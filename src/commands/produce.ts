import {closeSync, createReadStream, fstatSync, openSync, statSync} from 'node:fs'
import type {Readable} from 'node:stream'
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {Admin} from '../core/client/admin.js'
import {DelimitedInput} from '../core/client/delimited-input.js'
import {requireTopic} from '../core/client/consumer.js'
import {Producer} from '../core/client/producer.js'
import {NotFoundError, UsageError} from '../core/errors.js'
import {parseCompression, SUPPORTED_COMPRESSION} from '../core/record/compression.js'
import {validateTopicName} from '../core/store/names.js'
import {LogpipeCommand} from '../cli/base-command.js'
import {intFlag} from '../cli/flags.js'
import {unescape} from '../core/client/format.js'
import {Output} from '../cli/output.js'
import {rawFlagValues} from '../cli/raw-argv.js'

export default class Produce extends LogpipeCommand<typeof Produce> {
  static override summary = 'Append records from files or stdin to a topic, one per line.'
  static override description = `Each line (or each -D delimited piece) is one record. Keyed records go to the partition Kafka's murmur2 partitioner picks; unkeyed records stick to one partition per batch. Batches are written when full (--batch-bytes) or --linger-ms after their first record, whichever comes first.

With --input json each line is an object {key, value, headers, partition, timestamp}, the form \`consume --json\` prints.`
  static override examples = [
    'seq 10 | <%= config.bin %> produce demo --create',
    "printf 'user1:hello\\nuser2:world\\n' | <%= config.bin %> produce users -K:",
    "find . -print0 | <%= config.bin %> produce files -D '\\0'",
    '<%= config.bin %> consume demo -e --json | <%= config.bin %> produce copy --input json --create',
  ]
  static override strict = false
  static override args = {
    topic: Args.string({ignoreStdin: true, required: true, description: 'Topic to produce to.'}),
    file: Args.string({ignoreStdin: true, description: 'Files to read (default: stdin; "-" is stdin).'}),
  }
  static override flags = {
    'key-separator': Flags.string({char: 'K', summary: 'Split key and value at the first SEP.'}),
    key: Flags.string({char: 'k', summary: 'One key for every record.'}),
    delimiter: Flags.string({char: 'D', summary: 'Record delimiter (default \\n; "\\0" for NUL, "\\t" for tab).', default: '\\n'}),
    partition: intFlag({name: '-p/--partition', char: 'p', summary: 'Send every record to this partition (also over a "partition" field of --input json).', min: 0}),
    header: Flags.string({char: 'H', summary: 'Header K=V on every record (repeatable).', multiple: true, multipleNonGreedy: true, default: []}),
    input: Flags.string({summary: 'Input format.', options: ['text', 'json'], default: 'text'}),
    create: Flags.boolean({summary: 'Create the topic (1 partition) if it does not exist.'}),
    compression: Flags.string({summary: 'Batch compression.', options: SUPPORTED_COMPRESSION, default: 'none'}),
    fsync: Flags.boolean({summary: 'fsync every batch before acknowledging it.'}),
    'linger-ms': intFlag({name: '--linger-ms', summary: 'Longest wait before a partial batch is written.', min: 0, max: 3_600_000, default: 5}),
    'batch-bytes': intFlag({name: '--batch-bytes', summary: 'Batch size at which a batch is written.', min: 64, max: 2 ** 31 - 1, default: 1_000_000}),
  }

  protected override createsStore(): boolean {
    return this.flags.create === true
  }

  async run(): Promise<void> {
    const [topic, ...files] = this.positional
    const f = this.flags
    // Everything the command line says is checked before the store is opened.
    validateTopicName(topic)
    for (const file of files) if (file !== '-') checkReadable(file)
    if (f.key !== undefined && f['key-separator'] !== undefined) {
      throw new UsageError('-k/--key and -K/--key-separator cannot be used together')
    }
    // Header values are bytes: kept as given even when they are not UTF-8 (keys are strings, as in Kafka).
    const headers = rawFlagValues(f.header, 'H', 'header').map((h, i) => {
      const eq = h.indexOf(0x3d)
      if (eq <= 0) throw new UsageError(`-H/--header expects K=V, not '${f.header[i]}'`)
      return {key: h.toString('utf8', 0, eq), value: h.subarray(eq + 1)}
    })
    const compression = parseCompression(f.compression)
    const store = this.store
    if (!store.topicExists(topic)) {
      if (!f.create) {
        store.topicDir(topic) // name check first: a bad name is a usage error
        requireTopic(store, topic)
      }
      new Admin(store).createTopic(topic, {partitions: 1})
      this.notice(`created topic ${topic}`)
    }
    const out = f.json ? new Output() : null
    const tb = out ? Buffer.from(`{"topic":${JSON.stringify(topic)},"partition":`) : null
    const producer = new Producer(store, topic, {
      partition: f.partition,
      compression,
      batchBytes: f['batch-bytes'],
      fsync: f.fsync,
      onNotice: this.notice,
      onAck: out
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
      delimiter: unescape(f.delimiter),
      keySeparator: f['key-separator'] === undefined ? undefined : unescape(f['key-separator']),
      key: f.key === undefined ? undefined : Buffer.from(f.key),
      headers,
      input: f.input as 'text' | 'json',
      lingerMs: f['linger-ms'],
    })
    const stop = () => input.stop()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    try {
      for (const file of files.length > 0 ? files : ['-']) {
        try {
          await readInput(input, file)
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
      // Records read before the bad one are still written.
      await producer.flush(true).catch(() => {})
      throw error
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
