/**
 * Colour for humans only: on a TTY, never with NO_COLOR, and never in
 * src/core. Bold is the one style used: SGR 1 and 22, which is what chalk
 * writes at its basic level; chalk itself is not loaded (its colour
 * detection loads node:tty and node:net, and it is an ES module only, which
 * the CommonJS bundle could reach only with a top-level await).
 */
const enabled = process.stdout.isTTY === true && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '')

export const style = {
  bold: (s: string) => (enabled ? `\u001b[1m${s}\u001b[22m` : s),
}

/** Plain left-aligned columns; the header row bold on a TTY. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map(String))]
  // A reduce, not Math.max(...): a table of more rows than a call takes arguments (~120,000) would throw.
  const widths = header.map((_, i) => cells.reduce((w, r) => Math.max(w, (r[i] ?? '').length), 0))
  return cells
    .map((r, n) => {
      const line = r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')
      return n === 0 ? style.bold(line) : line
    })
    .join('\n')
}
