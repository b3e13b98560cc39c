/**
 * Which command a command line runs, decided from a table the build
 * generates from the oclif manifest (scripts/bundle.mjs), so a run can load
 * that one command without oclif's Config, plugin and help machinery. The
 * walk over the words is oclif's own (collateSpacedCmdIDFromArgs in
 * @oclif/core's help/util), so both agree on every command line; whatever
 * this does not answer (help, a topic, an unknown command, hooks) goes to
 * oclif's `run`.
 */

export interface CommandEntry {
  /** The command's id (an alias maps to the id of the command it names). */
  id: string
  /** Takes positional arguments (has args or is not strict): later words are arguments, not part of the id. */
  takesArgs: boolean
  load: () => Promise<{default: unknown}>
}

/** Command id or alias, with ':' between words, to its entry. */
export type CommandTable = Record<string, CommandEntry>

/** The parts of package.json "oclif" that change how a command line is read. */
export interface OclifSettings {
  topicSeparator?: string
  additionalHelpFlags?: string[]
  additionalVersionFlags?: string[]
  hooks?: Record<string, unknown>
  flexibleTaxonomy?: boolean
  commands?: unknown
}

export interface DirectRun {
  entry: CommandEntry
  /** The arguments after the command's words. */
  argv: string[]
}

export function directRun(argv: readonly string[], table: CommandTable, settings: OclifSettings = {}): DirectRun | null {
  // Hooks, flexible taxonomy and single-command CLIs are oclif's to handle.
  if (settings.hooks && Object.keys(settings.hooks).length > 0) return null
  if (settings.flexibleTaxonomy) return null
  if (typeof settings.commands === 'object' && settings.commands !== null) return null
  if (argv.length === 0) return null
  const versionFlags = new Set(['--version', ...(settings.additionalVersionFlags ?? [])])
  if (versionFlags.has(argv[0])) return null
  const helpFlags = new Set(['--help', ...(settings.additionalHelpFlags ?? [])])
  for (const arg of argv) {
    if (arg === '--') break
    if (helpFlags.has(arg)) return null
  }
  const words = commandWords(argv, table, settings.topicSeparator ?? ':')
  const entry = Object.hasOwn(table, words.id) ? table[words.id] : undefined
  return entry ? {entry, argv: argv.slice(words.count)} : null
}

/** The id the command line names and how many of its words that took. */
function commandWords(argv: readonly string[], table: CommandTable, separator: string): {id: string; count: number} {
  if (separator !== ' ' || argv.length === 1 || argv[0].includes(':')) return {id: argv[0], count: 1}
  const usable = usableIds(table)
  const words: string[] = []
  const idWith = (arg?: string) => (arg === undefined ? words : [...words, arg]).join(':')
  const takesArgs = () => {
    const id = idWith()
    return id !== '' && Object.hasOwn(table, id) && table[id].takesArgs
  }
  for (const arg of argv) {
    if (usable.has(idWith(arg))) words.push(arg)
    else if (arg.includes('=') || arg.startsWith('-') || takesArgs()) break
    else words.push(arg)
  }
  // oclif keeps argv[0] as the id when no word was taken.
  return words.length === 0 ? {id: argv[0], count: 1} : {id: words.join(':'), count: words.length}
}

/** Every id and every leading part of one: 'topic', 'topic:list', ... */
function usableIds(table: CommandTable): Set<string> {
  const ids = new Set<string>()
  for (const id of Object.keys(table)) {
    const parts = id.split(':')
    for (let i = 1; i <= parts.length; i++) ids.add(parts.slice(0, i).join(':'))
  }
  return ids
}
