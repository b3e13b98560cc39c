/**
 * Colour for humans only: on a TTY, never with NO_COLOR, and never in
 * src/core. NO_COLOR is checked here so it wins even where chalk would
 * force colour. chalk is imported only when colour is on: its colour
 * detection loads node:tty (and node:net), start-up that output to a pipe
 * or file never needs.
 */
const enabled = process.stdout.isTTY === true && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '')
const c = enabled ? new (await import('chalk')).Chalk({level: 1}) : null

export const style = {
  bold: (s: string) => (c ? c.bold(s) : s),
}

/** Plain left-aligned columns; the header row bold on a TTY. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map(String))]
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)))
  return cells
    .map((r, n) => {
      const line = r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')
      return n === 0 ? style.bold(line) : line
    })
    .join('\n')
}
