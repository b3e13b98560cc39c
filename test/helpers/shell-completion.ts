/**
 * Asking real shells what they would complete, with the script `logpipe
 * completion SHELL` printed: bash through its completion function with
 * COMP_WORDS/COMP_CWORD set, fish through `complete -C`, and zsh through an
 * interactive zsh on a pseudo-terminal (zsh/zpty) where Tab runs the real
 * completion system and a wrapper around compadd writes down every match.
 * Each shell finds `logpipe` on PATH as a wrapper around the built bin/run.js,
 * so the script's call back for names runs this build. .ci/run installs zsh
 * and fish where they are missing.
 */
import {execFileSync} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
import {execa} from 'execa'
import {afterAll} from 'vitest'
import {BIN, inheritedEnv} from './cli.js'

export type Shell = 'bash' | 'zsh' | 'fish'

export interface ShellEnv {
  /** Extra environment for the shell (LOGPIPE_DATA_DIR, HOME). */
  env?: Record<string, string>
}

const ZSH_SETUP = `PS1=''
fpath=($LPC_FPATH $fpath)
autoload -Uz compinit
compinit -u -D
# Every match the completion system adds, one a line; calls that only ask (-O, -A, -D) pass through.
compadd() {
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then
    builtin compadd "$@"
    return
  fi
  local -a got
  builtin compadd -O got "$@"
  (( $#got )) && print -rl -- $got >> $LPC_OUT
  builtin compadd "$@"
}
_lpc_done() { print -r -- $'\\x01done' >> $LPC_OUT }
comppostfuncs=(_lpc_done)
zstyle ':completion:*' insert-tab false
bindkey '^I' complete-word
`

// Types the line and Tab into an interactive zsh, then waits (to a deadline) for the completion to finish.
const ZSH_DRIVER = `zmodload zsh/zpty || exit 3
zpty lpc zsh -f -i
zpty -w lpc "source \${(q)LPC_SETUP}"
zpty -w -n lpc "$LPC_LINE"$'\\t'
integer deadline=$(( SECONDS + 20 ))
until [[ -f $LPC_OUT ]] && grep -q $'\\x01done' $LPC_OUT; do
  (( SECONDS < deadline )) || { zpty -d lpc; exit 4 }
  sleep 0.02
done
zpty -d lpc
`

/** A directory with the scripts and a `logpipe` on PATH, removed after the file's tests. */
export function completionShells() {
  const dir = mkdtempSync(join(tmpdir(), 'logpipe-completion-'))
  afterAll(() => rmSync(dir, {recursive: true, force: true}))
  const bin = join(dir, 'bin')
  mkdirSync(bin)
  const wrapper = join(bin, 'logpipe')
  writeFileSync(wrapper, `#!/bin/sh\nexec ${shQuote(process.execPath)} ${shQuote(BIN)} "$@"\n`)
  chmodSync(wrapper, 0o755)
  const fpath = join(dir, 'zfunc')
  mkdirSync(fpath)
  const base = inheritedEnv()
  const home = join(dir, 'home')
  mkdirSync(home)
  // HOME too is the test's own: the shells keep their state under it, and the default store is under it.
  const env = (extra: Record<string, string> = {}) => ({...base, HOME: home, PATH: `${bin}${delimiter}${base.PATH ?? ''}`, NO_COLOR: '1', ...extra})
  const script = (shell: Shell): string => execFileSync(process.execPath, [BIN, 'completion', shell], {env: env(), encoding: 'utf8'})
  const scripts = new Map<Shell, string>()
  const scriptFile = (shell: Shell): string => {
    if (!scripts.has(shell)) {
      const path = shell === 'zsh' ? join(fpath, '_logpipe') : join(dir, `logpipe.${shell}`)
      writeFileSync(path, script(shell))
      scripts.set(shell, path)
    }
    return scripts.get(shell)!
  }
  writeFileSync(join(dir, 'setup.zsh'), ZSH_SETUP)
  writeFileSync(join(dir, 'driver.zsh'), ZSH_DRIVER)
  let runs = 0

  /**
   * What `shell` offers for `line` with the cursor at its end (a line
   * ending in a space completes a new word), one candidate each, sorted.
   */
  async function complete(shell: Shell, line: string, options: ShellEnv = {}): Promise<string[]> {
    const file = scriptFile(shell)
    if (shell === 'bash') {
      const words = splitWords(line)
      const r = await execa('bash', ['--norc', '--noprofile', '-c', 'source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$*"; _logpipe; printf "%s\\n" "${COMPREPLY[@]}"', file, ...words], {
        env: env(options.env),
        extendEnv: false,
      })
      return lines(r.stdout)
    }
    if (shell === 'fish') {
      const r = await execa('fish', ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', file, line], {env: env(options.env), extendEnv: false})
      // fish prints "candidate<TAB>description".
      return lines(r.stdout).map((l) => l.split('\t')[0])
    }
    const out = join(dir, `zsh-out-${++runs}`)
    await execa('zsh', ['-f', join(dir, 'driver.zsh')], {
      env: env({...options.env, LPC_FPATH: fpath, LPC_OUT: out, LPC_SETUP: join(dir, 'setup.zsh'), LPC_LINE: line}),
      extendEnv: false,
      timeout: 30_000,
    })
    return lines(readFileSync(out, 'utf8').replace(/\x01done\n/g, ''))
  }
  return {dir, complete, script}
}

/** COMP_WORDS as bash splits a simple line: at blanks, and around '=' as COMP_WORDBREAKS says; a trailing blank starts an empty word. */
function splitWords(line: string): string[] {
  const words: string[] = []
  for (const w of line.split(/ +/)) {
    const parts = w.split(/(=)/).filter((p) => p !== '')
    words.push(...(parts.length > 0 ? parts : ['']))
  }
  return words
}

function lines(text: string): string[] {
  return [...new Set(text.split('\n').filter((l) => l !== ''))].sort()
}

function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`
}
