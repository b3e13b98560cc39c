/**
 * What shell completion knows about the commands, derived from oclif's
 * command manifest (the same metadata `--help` and the man pages come
 * from): command words, flags with their short and long names, and what
 * each flag value and argument completes to. Nothing here names a logpipe
 * command, so a command or flag added to src/commands/ completes as soon
 * as the build has written it into oclif.manifest.json.
 *
 * What a value completes to is read from the metadata the commands
 * already declare: `options` give the words; a flag or argument named
 * topic/group (or *-topic, or shown as TOPIC/GROUP in help) completes to
 * the store's names; *dir and *file to paths. Everything else: no
 * candidates for a flag value (a number, an offset), files for an argument.
 */

/** What a flag value or an argument completes to. */
export type ValueKind =
  | {kind: 'none'}
  | {kind: 'words'; words: string[]}
  | {kind: 'names'; names: NameKind}
  | {kind: 'files'}
  | {kind: 'dirs'}

export type NameKind = 'topics' | 'groups'
export const NAME_KINDS: readonly NameKind[] = ['topics', 'groups']

export interface FlagSpec {
  /** Long names without the dashes: the flag's name, then its aliases. */
  long: string[]
  /** One-letter names: its char, then its char aliases. */
  short: string[]
  summary: string
  /** null for a boolean flag. */
  value: ValueKind | null
  /** The value's name in help (`N`, `OFFSET`), lower case. */
  valueName: string
  multiple: boolean
}

export interface ArgSpec {
  name: string
  summary: string
  value: ValueKind
  /** The last argument of a non-strict command takes every further word. */
  variadic: boolean
}

export interface CommandSpec {
  /** `['topic', 'create']` for `topic create`. */
  words: string[]
  summary: string
  flags: FlagSpec[]
  args: ArgSpec[]
}

/** A word that leads to further command words (`topic`, `group`). */
export interface TopicSpec {
  words: string[]
  summary: string
}

export interface CompletionModel {
  bin: string
  version: string
  commands: CommandSpec[]
  topics: TopicSpec[]
  /** The base command's flags (--data-dir, --json, -q, --help): the ones offered before a command word. */
  globalFlags: FlagSpec[]
}

/** The flag whose value says where the store is, so names are listed from the store the line names. */
export const DATA_DIR_FLAG = 'data-dir'

/** The shape of a command in oclif.manifest.json (and of oclif's loaded commands). */
export interface ManifestCommand {
  id: string
  summary?: string
  description?: string
  hidden?: boolean
  aliases?: string[]
  strict?: boolean
  flags?: Record<string, ManifestFlag>
  args?: Record<string, ManifestArg>
}

export interface ManifestFlag {
  name: string
  type: 'boolean' | 'option'
  char?: string
  aliases?: string[]
  charAliases?: string[]
  summary?: string
  description?: string
  hidden?: boolean
  helpGroup?: string
  multiple?: boolean
  options?: readonly string[]
  helpValue?: string | string[]
}

export interface ManifestArg {
  name: string
  description?: string
  options?: readonly string[]
  hidden?: boolean
}

export interface ManifestTopic {
  name: string
  description?: string
  hidden?: boolean
}

export interface ModelInput {
  bin: string
  version: string
  /** oclif's separator between command words in an id (':' in the manifest). */
  idSeparator?: string
  commands: readonly ManifestCommand[]
  topics?: readonly ManifestTopic[]
}

/** oclif answers --help on every command without declaring it. */
const HELP_FLAG: FlagSpec = {long: ['help'], short: [], summary: 'Show help.', value: null, valueName: '', multiple: false}

export function buildModel(input: ModelInput): CompletionModel {
  const sep = input.idSeparator ?? ':'
  const commands: CommandSpec[] = []
  for (const c of input.commands) {
    if (c.hidden) continue
    for (const id of [c.id, ...(c.aliases ?? [])]) commands.push(commandSpec(c, id.split(sep)))
  }
  commands.sort((a, b) => compareWords(a.words, b.words))

  const summaries = new Map<string, string>()
  for (const t of input.topics ?? []) if (!t.hidden) summaries.set(t.name.split(sep).join(' '), firstLine(t.description))
  const topics = new Map<string, TopicSpec>()
  for (const c of commands) {
    for (let n = 1; n < c.words.length; n++) {
      const words = c.words.slice(0, n)
      const key = words.join(' ')
      if (!topics.has(key)) topics.set(key, {words, summary: summaries.get(key) ?? ''})
    }
  }
  // A topic nobody described says what it leads to.
  for (const t of topics.values()) {
    if (t.summary === '') t.summary = childWords({commands, topics: [...topics.values()]}, t.words).map((w) => w.word).join(', ')
  }

  // The flags oclif's help lists under GLOBAL (the base command's): the ones that may come before a command word.
  const globalFlags = new Map<string, FlagSpec>()
  for (const c of input.commands) {
    for (const f of Object.values(c.flags ?? {})) {
      if (!f.hidden && f.helpGroup === 'GLOBAL' && !globalFlags.has(f.name)) globalFlags.set(f.name, flagSpec(f))
    }
  }
  if (!globalFlags.has('help')) globalFlags.set('help', HELP_FLAG)
  return {bin: input.bin, version: input.version, commands, topics: [...topics.values()].sort((a, b) => compareWords(a.words, b.words)), globalFlags: [...globalFlags.values()]}
}

/** The words that may follow `path` (`[]` for the first word), with what each leads to. */
export function childWords(model: Pick<CompletionModel, 'commands' | 'topics'>, path: readonly string[]): {word: string; summary: string}[] {
  const out = new Map<string, string>()
  const under = (words: readonly string[]) => words.length === path.length + 1 && path.every((w, i) => words[i] === w)
  for (const t of model.topics) if (under(t.words)) out.set(t.words[path.length], t.summary)
  for (const c of model.commands) if (under(c.words) && !out.has(c.words[path.length])) out.set(c.words[path.length], c.summary)
  return [...out].map(([word, summary]) => ({word, summary})).sort((a, b) => (a.word < b.word ? -1 : a.word > b.word ? 1 : 0))
}

/** Every flag name as typed: `--long` and `-s`. */
export function flagNames(flag: FlagSpec): string[] {
  return [...flag.long.map((l) => `--${l}`), ...flag.short.map((s) => `-${s}`)]
}

function commandSpec(c: ManifestCommand, words: string[]): CommandSpec {
  const flags: FlagSpec[] = []
  for (const f of Object.values(c.flags ?? {})) {
    if (!f.hidden) flags.push(flagSpec(f))
  }
  if (!flags.some((f) => f.long.includes('help'))) flags.push(HELP_FLAG)
  const argList = Object.values(c.args ?? {}).filter((a) => !a.hidden)
  const args = argList.map((a, i) => ({
    name: a.name,
    summary: firstLine(a.description),
    value: argValue(a),
    variadic: c.strict === false && i === argList.length - 1,
  }))
  return {words, summary: firstLine(c.summary ?? c.description), flags, args}
}

function flagSpec(f: ManifestFlag): FlagSpec {
  const helpValue = [f.helpValue ?? []].flat().join(' ')
  return {
    long: [f.name, ...(f.aliases ?? [])],
    short: [f.char, ...(f.charAliases ?? [])].filter((c): c is string => typeof c === 'string' && c.length === 1),
    summary: firstLine(f.summary ?? f.description),
    value: f.type === 'boolean' ? null : flagValue(f, helpValue),
    valueName: (helpValue.replace(/[^A-Za-z0-9_-]+/g, ' ').trim().split(' ')[0] || f.name).toLowerCase(),
    multiple: f.multiple === true,
  }
}

function flagValue(f: ManifestFlag, helpValue: string): ValueKind {
  if (f.options && f.options.length > 0) return {kind: 'words', words: [...f.options]}
  const name = f.name
  if (/(^|-)topic$/.test(name) || /^TOPIC\b/.test(helpValue)) return {kind: 'names', names: 'topics'}
  if (/(^|-)group$/.test(name) || /^GROUP\b/.test(helpValue)) return {kind: 'names', names: 'groups'}
  if (/(^|-)dir$/.test(name) || /^DIR\b/.test(helpValue)) return {kind: 'dirs'}
  if (/(^|-)(file|path)s?$/.test(name) || /^(FILE|PATH)\b/.test(helpValue)) return {kind: 'files'}
  return {kind: 'none'}
}

function argValue(a: ManifestArg): ValueKind {
  if (a.options && a.options.length > 0) return {kind: 'words', words: [...a.options]}
  if (/^topics?$/.test(a.name)) return {kind: 'names', names: 'topics'}
  if (/^groups?$/.test(a.name)) return {kind: 'names', names: 'groups'}
  if (/(^|-)dir$/.test(a.name)) return {kind: 'dirs'}
  return {kind: 'files'}
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0].trim()
}

function compareWords(a: readonly string[], b: readonly string[]): number {
  const x = a.join(' ')
  const y = b.join(' ')
  return x < y ? -1 : x > y ? 1 : 0
}
