/**
 * What every command shares: the global flags (--data-dir, -q, --json),
 * the store, notices on stderr, and error reporting with the right exit
 * code. Commands parse, call src/core, and return data; oclif prints the
 * data under --json, the command prints it for humans otherwise.
 */
import {Command} from '@oclif/core/command'
import * as Flags from '@oclif/core/flags'
import type * as Interfaces from '@oclif/core/interfaces'
import {Store} from '../core/store/store.js'
import {reportError} from './errors.js'
import {nearest} from '../core/client/nearest.js'
import {UsageError} from '../core/errors.js'

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof LogpipeCommand)['baseFlags'] & T['flags']>
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

export abstract class LogpipeCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    'data-dir': Flags.string({
      helpGroup: 'GLOBAL',
      summary: 'Data directory (default: $LOGPIPE_DATA_DIR, $XDG_DATA_HOME/logpipe, ~/.local/share/logpipe).',
    }),
    quiet: Flags.boolean({char: 'q', helpGroup: 'GLOBAL', summary: 'Print nothing but data and errors.'}),
    help: Flags.help({char: 'h', helpGroup: 'GLOBAL', description: 'Show this help (also `logpipe help COMMAND`).'}),
  }

  protected flags!: CommandFlags<T>
  protected args!: CommandArgs<T>
  /** Every positional argument in order (for commands with variadic args). */
  protected positional: string[] = []
  private store_: Store | null = null

  public override async init(): Promise<void> {
    await super.init()
    const {args, flags, argv} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof LogpipeCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as CommandFlags<T>
    this.args = args as CommandArgs<T>
    this.positional = argv as string[]
  }

  /**
   * Whether this run may create the store. Only commands that write say
   * yes: a read on a mistyped --data-dir is "no store at DIR", never an
   * empty store made on the spot.
   */
  protected createsStore(): boolean {
    return false
  }

  protected get store(): Store {
    this.store_ ??= Store.open(this.flags['data-dir'], {create: this.createsStore(), onNotice: this.notice})
    return this.store_
  }

  /** A one-line note on stderr (recovery, retention) unless -q. */
  protected notice = (message: string): void => {
    if (!this.flags?.quiet) process.stderr.write(`logpipe: ${message}\n`)
  }

  /** Human output on stdout, silent under --json. */
  protected say(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(text.endsWith('\n') ? text : text + '\n')
  }

  protected override async catch(error: Error & {exitCode?: number}): Promise<void> {
    // A command line that failed to parse was parsed all the same: keeps
    // oclif from warning "did not parse its arguments" when NODE_ENV is
    // development or test.
    this.parsed = true
    process.exitCode = reportError(withFlagSuggestion(error, this.ctor), process.stderr, {json: this.jsonEnabled()})
  }
}

/**
 * oclif's "Nonexistent flag: --partitons" gains the nearest flag the
 * command has as its hint. Told apart by the list of flags oclif's
 * NonExistentFlagsError carries (the class itself is not exported).
 */
function withFlagSuggestion(error: Error & {exitCode?: number}, command: typeof Command): Error {
  const unknown = (error as {flags?: unknown}).flags
  if (!Array.isArray(unknown) || unknown.length === 0 || typeof unknown[0] !== 'string') return error
  const flags = {...(LogpipeCommand.baseFlags as Record<string, {char?: string; aliases?: string[]; charAliases?: string[]}>), ...(command.flags as Record<string, {char?: string; aliases?: string[]; charAliases?: string[]}>)}
  if (command.enableJsonFlag) flags.json = {}
  const typed = String(unknown[0]).replace(/=.*$/, '')
  let guess: string | null = null
  if (typed.startsWith('--')) {
    const names = Object.entries(flags).flatMap(([name, f]) => [name, ...(f.aliases ?? [])])
    const hit = nearest(typed.slice(2), names)
    if (hit) guess = `--${hit}`
  } else if (/^-[a-zA-Z]$/.test(typed)) {
    // A short flag this command lacks: the one with the same letter in the other case, if any (-f / -F).
    const letter = typed[1] === typed[1].toLowerCase() ? typed[1].toUpperCase() : typed[1].toLowerCase()
    const hit = Object.entries(flags).find(([, f]) => f.char === letter || f.charAliases?.includes(letter))
    if (hit) guess = `-${letter} (--${hit[0]})`
  }
  const more = unknown.length > 1 ? ` (and ${unknown.slice(1).join(', ')})` : ''
  return new UsageError(`unknown flag ${typed}${more}`, {hint: guess ? `did you mean ${guess}? (see --help)` : 'see --help'})
}
