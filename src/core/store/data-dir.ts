/**
 * Where the store lives: `--data-dir`, else $LOGPIPE_DATA_DIR, else
 * $XDG_DATA_HOME/logpipe, else ~/.local/share/logpipe.
 */
import {homedir} from 'node:os'
import {join, resolve} from 'node:path'

export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag)
  if (env.LOGPIPE_DATA_DIR) return resolve(env.LOGPIPE_DATA_DIR)
  if (env.XDG_DATA_HOME) return resolve(env.XDG_DATA_HOME, 'logpipe')
  return join(homedir(), '.local', 'share', 'logpipe')
}
