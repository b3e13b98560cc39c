/**
 * `logpipe completion --names topics|groups [--data-dir DIR]`: the names a
 * completion script offers, one a line. It runs on every Tab, so it reads
 * the store's directories and nothing else (no oclif, no store opened:
 * opening one may finish a killed command's leftovers, which is no job for
 * a key press), and it is quiet: no store, an unreadable one or a bad
 * --data-dir print nothing and exit 0, because a completion that fails
 * must not write into the line being edited.
 */
import {resolveDataDir} from '../../core/store/data-dir.js'
import {listGroupNames, listTopicNames} from '../../core/store/layout.js'
import {DATA_DIR_FLAG, NAME_KINDS, type NameKind} from './model.js'

export interface NamesRequest {
  names: NameKind
  dataDir?: string
}

/**
 * The request in `argv` (the words after `completion`), or null when they
 * are anything else: those go to oclif, which says what is wrong with them.
 */
export function parseNamesRequest(argv: readonly string[]): NamesRequest | null {
  let names: string | undefined
  let dataDir: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const [flag, attached] = argv[i].startsWith('--') && argv[i].includes('=') ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)] : [argv[i], undefined]
    const value = attached ?? argv[++i]
    if (value === undefined) return null
    if (flag === '--names' && names === undefined) names = value
    else if (flag === `--${DATA_DIR_FLAG}` && dataDir === undefined) dataDir = value
    else return null
  }
  if (!NAME_KINDS.includes(names as NameKind)) return null
  return {names: names as NameKind, dataDir}
}

/** The names, sorted; none when there is no store or it cannot be read. */
export function completionNames(request: NamesRequest, env: NodeJS.ProcessEnv = process.env): string[] {
  try {
    const dir = resolveDataDir(request.dataDir, env)
    return request.names === 'topics' ? listTopicNames(dir) : listGroupNames(dir)
  } catch {
    return []
  }
}

/** The names as the scripts read them: one a line. */
export function namesText(names: readonly string[]): string {
  return names.map((n) => `${n}\n`).join('')
}
