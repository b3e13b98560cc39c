/**
 * The command line as oclif expects it, from the forms users type:
 *
 * - global flags before the command (`logpipe --data-dir D topic list`,
 *   as `man logpipe` shows them, and git and kubectl take them) move after
 *   it, since oclif finds the command in the leading words only;
 * - `logpipe help [COMMAND...]` is `logpipe COMMAND... --help`, and `-h`
 *   alone is `--help` (commands take -h themselves).
 */

/** Global flags and whether each takes a value. */
const GLOBAL_FLAGS: Record<string, boolean> = {'--data-dir': true, '--quiet': false, '-q': false, '--json': false}

export function normalizeArgv(argv: readonly string[]): string[] {
  const hoisted: string[] = []
  let i = 0
  while (i < argv.length) {
    const a = argv[i]
    const name = a.startsWith('--') && a.includes('=') ? a.slice(0, a.indexOf('=')) : a
    if (!(name in GLOBAL_FLAGS)) break
    hoisted.push(a)
    if (GLOBAL_FLAGS[name] && name === a && i + 1 < argv.length) hoisted.push(argv[++i])
    i++
  }
  let rest = argv.slice(i)
  if (rest[0] === 'help') rest = [...rest.slice(1).filter((w) => w !== '--help' && w !== '-h'), '--help']
  else if (rest.length === 1 && rest[0] === '-h') rest = ['--help']
  // Nothing but global flags (`logpipe -q`): leave it for oclif to answer.
  if (rest.length === 0) return [...argv]
  const end = rest.indexOf('--')
  return end < 0 ? [...rest, ...hoisted] : [...rest.slice(0, end), ...hoisted, ...rest.slice(end)]
}
