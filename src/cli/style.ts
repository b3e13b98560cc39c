/**
 * Colour for humans only: on a TTY, never with NO_COLOR, and never in
 * src/core. chalk decides the TTY part; NO_COLOR is checked here too so it
 * wins even where chalk would force colour.
 */
import {Chalk} from 'chalk'

const enabled = process.stdout.isTTY === true && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '')
const c = new Chalk({level: enabled ? 1 : 0})

export const style = {
  bold: (s: string) => c.bold(s),
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
