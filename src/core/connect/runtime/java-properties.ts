/**
 * Java's .properties format, as java.util.Properties.load reads it: `#` and
 * `!` comment lines, keys ended by the first unescaped `=`, `:` or blank,
 * a line ending in an odd number of backslashes continued on the next (its
 * leading blanks dropped), escapes \t \n \r \f \uXXXX, any other `\c` is
 * `c`. A later key wins. Kafka Connect's worker and connector files are
 * read with it.
 */
import {readFileSync} from 'node:fs'
import {ConnectConfigError, NotFoundError} from '../../errors.js'

export function parseProperties(text: string, source = 'properties'): Record<string, string> {
  const out: Record<string, string> = {}
  const physical = text.split(/\r\n|\r|\n/)
  for (let i = 0; i < physical.length; i++) {
    let line = physical[i].replace(/^[ \t\f]+/, '')
    if (line === '' || line[0] === '#' || line[0] === '!') continue
    // Join continuation lines: an odd count of trailing backslashes escapes the line end.
    while (trailingBackslashes(line) % 2 === 1) {
      line = line.slice(0, -1)
      i++
      if (i >= physical.length) break
      line += physical[i].replace(/^[ \t\f]+/, '')
    }
    let k = 0
    while (k < line.length && !'=: \t\f'.includes(line[k])) k += line[k] === '\\' ? 2 : 1
    const rawKey = line.slice(0, Math.min(k, line.length))
    let v = k
    while (v < line.length && ' \t\f'.includes(line[v])) v++
    if (v < line.length && (line[v] === '=' || line[v] === ':')) v++
    while (v < line.length && ' \t\f'.includes(line[v])) v++
    out[unescape(rawKey, source, i + 1)] = unescape(line.slice(v), source, i + 1)
  }
  return out
}

function trailingBackslashes(s: string): number {
  let n = 0
  while (n < s.length && s[s.length - 1 - n] === '\\') n++
  return n
}

function unescape(s: string, source: string, line: number): string {
  if (!s.includes('\\')) return s
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (c !== '\\') {
      out += c
      continue
    }
    const e = s[++i]
    if (e === undefined) break
    if (e === 't') out += '\t'
    else if (e === 'n') out += '\n'
    else if (e === 'r') out += '\r'
    else if (e === 'f') out += '\f'
    else if (e === 'u') {
      const hex = s.slice(i + 1, i + 5)
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new ConnectConfigError(`${source} line ${line}: malformed \\uxxxx encoding`)
      out += String.fromCharCode(parseInt(hex, 16))
      i += 4
    } else out += e
  }
  return out
}

/** A .properties file; a missing one is "not found" (exit 3). */
export function readPropertiesFile(path: string): Record<string, string> {
  let text: string
  try {
    text = readFileSync(path, 'latin1')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new NotFoundError(`no such file: ${path}`)
    throw new ConnectConfigError(`cannot read ${path}: ${(error as Error).message}`)
  }
  // Java 9+ reads .properties as UTF-8 when it decodes as such, else ISO-8859-1.
  const bytes = Buffer.from(text, 'latin1')
  const utf8 = bytes.toString('utf8')
  return parseProperties(Buffer.from(utf8, 'utf8').equals(bytes) ? utf8 : text, path)
}
