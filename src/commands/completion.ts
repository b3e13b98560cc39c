import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {LogpipeCommand} from '../cli/base-command.js'
import {UsageError} from '../core/errors.js'
import {buildModel, NAME_KINDS} from '../cli/completion/model.js'
import {completionNames, namesText} from '../cli/completion/names.js'
import {completionScript, SHELLS, type Shell} from '../cli/completion/script.js'

export default class Completion extends LogpipeCommand<typeof Completion> {
  static override summary = 'Print the shell completion script for bash, zsh or fish.'
  static override description = `The script completes commands, flags, flag values and the topic and group names of the store (--data-dir on the line, else $LOGPIPE_DATA_DIR or the default). It is made from the commands this logpipe has, so print it again after an upgrade.

  bash:  source <(logpipe completion bash)              in ~/.bashrc, or
         logpipe completion bash > ~/.local/share/bash-completion/completions/logpipe
  zsh:   logpipe completion zsh > ~/.zfunc/_logpipe      with fpath=(~/.zfunc $fpath) before compinit
  fish:  logpipe completion fish > ~/.config/fish/completions/logpipe.fish`
  static override examples = [
    'source <(<%= config.bin %> completion bash)',
    '<%= config.bin %> completion zsh > ~/.zfunc/_logpipe',
    '<%= config.bin %> completion fish > ~/.config/fish/completions/logpipe.fish',
  ]
  static override enableJsonFlag = false
  static override args = {
    shell: Args.string({options: [...SHELLS], description: 'The shell to print the script for.'}),
  }
  static override flags = {
    // What the scripts call on Tab; main.ts answers it before oclif loads, this is the same for any other spelling.
    names: Flags.string({options: [...NAME_KINDS], hidden: true, summary: 'List topic or group names, one a line.'}),
  }

  async run(): Promise<void> {
    if (this.flags.names !== undefined) {
      process.stdout.write(namesText(completionNames({names: this.flags.names as (typeof NAME_KINDS)[number], dataDir: this.flags['data-dir']})))
      return
    }
    const shell = this.args.shell as Shell | undefined
    if (shell === undefined) throw new UsageError('which shell? bash, zsh or fish', {hint: 'source <(logpipe completion bash)'})
    const model = buildModel({
      bin: this.config.bin,
      version: this.config.version,
      commands: this.config.commands,
      topics: this.config.topics,
    })
    process.stdout.write(completionScript(shell, model))
  }
}
