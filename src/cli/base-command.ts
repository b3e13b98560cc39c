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
    process.exitCode = reportError(error)
  }
}
