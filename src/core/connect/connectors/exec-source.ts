/**
 * The exec source (logpipe's own, class logpipe.connect.ExecSourceConnector;
 * Kafka has none): `command`, run by /bin/sh as written, and each line of
 * its stdout becomes a record on `topic` (default: the connector's name),
 * value schema STRING, no key. Its stderr goes to the worker's. When the
 * command exits it is started again after `restart.backoff.ms` (negative:
 * never), and that new run's lines are new records.
 *
 * A command's output cannot be read again from a position, so the source
 * offset counts: {"run": how many times the command was started for this
 * connector, "line": lines of that run written}. When the worker starts
 * again after a stop or a crash, the run that was cut short is started
 * anew, and with `resume.mode=skip` (the default) its first `line` lines
 * are taken as sent already — right for a command whose output is the same
 * each time (cat, a query with ORDER BY), exactly once for what was
 * committed; `resume.mode=replay` sends them again (at least once: a
 * command whose output differs each run, like `tail -f`, loses nothing).
 * stop() ends the command's process group (SIGTERM, then SIGKILL).
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {ConnectTaskError} from '../../errors.js'
import {ConfigDef, NonEmptyString, Range, ValidString} from '../api/config-def.js'
import {type Props, SourceConnector, SourceTask, type TaskClass} from '../api/connector.js'
import {SourceRecord} from '../api/connect-record.js'
import {Schema} from '../api/schema.js'

/** A line longer than this is refused: it could not be one record anyway. */
const MAX_LINE_BYTES = 16 << 20
const IDLE_WAIT_MS = 100
const KILL_GRACE_MS = 2000

const CONFIG = new ConfigDef()
  .define({name: 'command', type: 'STRING', validator: NonEmptyString, importance: 'HIGH', documentation: 'The command whose stdout lines become records, run by /bin/sh.'})
  .define({name: 'topic', type: 'STRING', defaultValue: null, importance: 'HIGH', documentation: "The topic to publish data to (default: the connector's name)."})
  .define({name: 'batch.size', type: 'INT', defaultValue: 2000, validator: Range.atLeast(1), importance: 'LOW', documentation: 'The most records one poll returns.'})
  .define({name: 'restart.backoff.ms', type: 'LONG', defaultValue: 1000, importance: 'MEDIUM', documentation: 'How long after the command exits it is started again; negative: never.'})
  .define({
    name: 'resume.mode',
    type: 'STRING',
    defaultValue: 'skip',
    validator: ValidString.in('skip', 'replay'),
    importance: 'MEDIUM',
    documentation: "After a worker restart, the interrupted run is started again: 'skip' its lines already sent (output is the same each run), 'replay' send them again.",
  })

export class ExecSourceConnector extends SourceConnector {
  static readonly CLASS_NAME = 'logpipe.connect.ExecSourceConnector'
  private props: Props = {}

  override version(): string {
    return '1.0.0'
  }

  config(): ConfigDef {
    return CONFIG
  }

  start(props: Props): void {
    const c = CONFIG.parse(props)
    const topic = (c.topic as string | null) ?? props.name
    if (!topic) throw new ConnectTaskError('ExecSourceConnector: set topic=NAME (or name, which it defaults to)')
    if (topic.includes(',')) throw new ConnectTaskError(`'topic' in ExecSourceConnector configuration requires definition of a single topic`)
    this.props = {...props, topic}
  }

  taskClass(): TaskClass<SourceTask> {
    return ExecSourceTask
  }

  /** One task: a second would run the command twice. */
  taskConfigs(): Props[] {
    return [{...this.props}]
  }

  stop(): void {}
}

export class ExecSourceTask extends SourceTask {
  private command = ''
  private topic = ''
  private batchSize = 2000
  private backoffMs = 1000
  private child: ChildProcess | null = null
  private readonly partition: {command: string} = {command: ''}
  private run = 0
  private line = 0
  /** Lines of this run still to be passed over (resume.mode=skip after a restart). */
  private skip = 0
  private readonly lines: string[] = []
  private pending = Buffer.alloc(0)
  private exited = false
  private restartAt = 0
  private stopped = false
  private wake: (() => void) | null = null

  override version(): string {
    return '1.0.0'
  }

  start(props: Props): void {
    const c = CONFIG.parse(props)
    this.command = c.command as string
    this.topic = (c.topic as string | null) ?? props.name
    this.batchSize = c['batch.size'] as number
    this.backoffMs = Number(c['restart.backoff.ms'])
    this.partition.command = this.command
    const stored = this.context.offsetStorageReader.offset(this.partition)
    const run = Number(stored?.run)
    const line = Number(stored?.line)
    if (stored && Number.isSafeInteger(run) && run >= 0 && Number.isSafeInteger(line) && line >= 0) {
      if (c['resume.mode'] === 'skip') {
        this.run = run
        this.skip = line
        this.line = line
      } else this.run = run + 1
    }
    this.spawn()
  }

  private spawn(): void {
    this.exited = false
    this.pending = Buffer.alloc(0)
    // Its own process group, so stop() ends what the shell started too.
    const child = spawn('/bin/sh', ['-c', this.command], {stdio: ['ignore', 'pipe', 'inherit'], detached: true})
    this.child = child
    child.stdout!.on('data', (chunk: Buffer) => this.take(chunk))
    child.on('error', (error) => this.ended(`could not start: ${error.message}`))
    child.on('close', (code, signal) => this.ended(signal ? `killed by ${signal}` : `exit status ${code}`))
  }

  private take(chunk: Buffer): void {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk
    let start = 0
    for (let nl = buf.indexOf(0x0a, start); nl >= 0; nl = buf.indexOf(0x0a, start)) {
      this.push(buf.toString('utf8', start, nl > start && buf[nl - 1] === 0x0d ? nl - 1 : nl))
      start = nl + 1
    }
    buf = buf.subarray(start)
    if (buf.length > MAX_LINE_BYTES) {
      this.ended(`a line is longer than ${MAX_LINE_BYTES} bytes`)
      this.kill()
      return
    }
    this.pending = Buffer.from(buf)
    // Lines not polled yet are held in memory: the command waits on its pipe while too many are.
    if (this.lines.length >= this.batchSize * 4) this.child?.stdout?.pause()
    this.wake?.()
  }

  private push(line: string): void {
    if (this.skip > 0) {
      this.skip--
      return
    }
    this.lines.push(line)
  }

  private ended(why: string): void {
    if (this.exited) return
    this.exited = true
    if (this.pending.length > 0) this.push(this.pending.toString('utf8'))
    this.pending = Buffer.alloc(0)
    if (this.stopped) return
    const again = this.backoffMs >= 0
    this.context.log?.(`exec source: '${this.command}' ended (${why}); ${again ? `starting it again in ${this.backoffMs} ms` : 'not started again (restart.backoff.ms < 0)'}`)
    this.restartAt = again ? Date.now() + this.backoffMs : Infinity
    this.wake?.()
  }

  async poll(): Promise<SourceRecord[] | null> {
    if (this.stopped) return null
    if (this.lines.length === 0) {
      if (this.exited && Date.now() >= this.restartAt) {
        this.run++
        this.line = 0
        this.skip = 0
        this.spawn()
      }
      const wait = this.exited ? Math.min(IDLE_WAIT_MS, Math.max(0, this.restartAt - Date.now())) : IDLE_WAIT_MS
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait)
        this.wake = () => {
          clearTimeout(t)
          resolve()
        }
      })
      this.wake = null
      if (this.lines.length === 0 || this.stopped) return null
    }
    const n = Math.min(this.lines.length, this.batchSize)
    const now = Date.now()
    const out: SourceRecord[] = new Array(n)
    for (let i = 0; i < n; i++) {
      this.line++
      out[i] = new SourceRecord({sourcePartition: this.partition, sourceOffset: {run: this.run, line: this.line}, topic: this.topic, valueSchema: Schema.STRING_SCHEMA, value: this.lines[i], timestamp: now})
    }
    this.lines.splice(0, n)
    if (this.lines.length < this.batchSize) this.child?.stdout?.resume()
    return out
  }

  private kill(): void {
    const child = this.child
    if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
    const group = -child.pid
    try {
      process.kill(group, 'SIGTERM')
    } catch {
      return
    }
    const t = setTimeout(() => {
      try {
        process.kill(group, 'SIGKILL')
      } catch {
        // gone already
      }
    }, KILL_GRACE_MS)
    t.unref()
    child.once('close', () => clearTimeout(t))
  }

  stop(): void {
    this.stopped = true
    this.kill()
    this.wake?.()
  }
}
