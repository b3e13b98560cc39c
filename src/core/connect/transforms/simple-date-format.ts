/**
 * The part of Java's SimpleDateFormat that TimestampConverter and
 * TimestampRouter configs use, always in UTC as Kafka sets it: y, M, d, H,
 * h, a, m, s, S, E, D, Z, X and 'quoted' text. An unknown pattern letter is
 * refused when the transform is configured, not per record.
 */
import {ConnectConfigError, ConnectDataError} from '../../errors.js'

type Token = {letter: string; count: number} | {text: string}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const LETTERS = new Set('yMdHhamsSEDZXu'.split(''))

export class SimpleDateFormat {
  private readonly tokens: Token[]

  constructor(readonly pattern: string) {
    this.tokens = tokenize(pattern)
  }

  format(date: Date): string {
    let out = ''
    for (const t of this.tokens) {
      if ('text' in t) {
        out += t.text
        continue
      }
      const n = t.count
      const pad = (v: number) => String(v).padStart(n, '0')
      switch (t.letter) {
        case 'y': {
          const y = date.getUTCFullYear()
          out += n === 2 ? String(y % 100).padStart(2, '0') : pad(y)
          break
        }
        case 'M':
          out += n >= 4 ? MONTHS[date.getUTCMonth()] : n === 3 ? MONTHS[date.getUTCMonth()].slice(0, 3) : pad(date.getUTCMonth() + 1)
          break
        case 'd':
          out += pad(date.getUTCDate())
          break
        case 'D':
          out += pad(Math.floor((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000) + 1)
          break
        case 'H':
          out += pad(date.getUTCHours())
          break
        case 'h':
          out += pad(date.getUTCHours() % 12 || 12)
          break
        case 'a':
          out += date.getUTCHours() < 12 ? 'AM' : 'PM'
          break
        case 'm':
          out += pad(date.getUTCMinutes())
          break
        case 's':
          out += pad(date.getUTCSeconds())
          break
        case 'S':
          out += pad(date.getUTCMilliseconds())
          break
        case 'E':
          out += n >= 4 ? DAYS[date.getUTCDay()] : DAYS[date.getUTCDay()].slice(0, 3)
          break
        case 'u':
          out += pad(date.getUTCDay() || 7)
          break
        case 'Z':
          out += '+0000'
          break
        case 'X':
          out += 'Z'
          break
      }
    }
    return out
  }

  /** The instant the text spells; throws ConnectDataError when it does not fit the pattern. */
  parse(text: string): Date {
    let pos = 0
    let year = 1970
    let month = 0
    let day = 1
    let hour = 0
    let pm: boolean | null = null
    let minute = 0
    let second = 0
    let ms = 0
    let offsetMin = 0
    const fail = () => new ConnectDataError(`Could not parse timestamp: value (${text}) does not match pattern (${this.pattern})`)
    for (let i = 0; i < this.tokens.length; i++) {
      const t = this.tokens[i]
      if ('text' in t) {
        if (!text.startsWith(t.text, pos)) throw fail()
        pos += t.text.length
        continue
      }
      // Adjacent numeric fields are read at their width (yyyyMMdd); the last one of a run takes every digit.
      const next = this.tokens[i + 1]
      const fixed = next !== undefined && !('text' in next)
      const digits = (): number => {
        const m = (fixed ? new RegExp(`^[+-]?\\d{1,${Math.max(t.count, 1)}}`) : /^[+-]?\d+/).exec(text.slice(pos))
        if (!m) throw fail()
        pos += m[0].length
        return Number(m[0])
      }
      const word = (names: string[]): number => {
        const idx = names.findIndex((w) => text.startsWith(w, pos) || text.startsWith(w.slice(0, 3), pos))
        if (idx < 0) throw fail()
        pos += text.startsWith(names[idx], pos) ? names[idx].length : 3
        return idx
      }
      switch (t.letter) {
        case 'y':
          year = digits()
          if (t.count === 2 && year < 100) year += year + 2000 > new Date().getUTCFullYear() + 20 ? 1900 : 2000
          break
        case 'M':
          month = t.count >= 3 ? word(MONTHS) : digits() - 1
          break
        case 'd':
          day = digits()
          break
        case 'D':
          month = 0
          day = digits()
          break
        case 'H':
          hour = digits()
          break
        case 'h':
          hour = digits() % 12
          break
        case 'a': {
          const up = text.slice(pos, pos + 2).toUpperCase()
          if (up !== 'AM' && up !== 'PM') throw fail()
          pm = up === 'PM'
          pos += 2
          break
        }
        case 'm':
          minute = digits()
          break
        case 's':
          second = digits()
          break
        case 'S':
          ms = digits()
          break
        case 'E':
          word(DAYS)
          break
        case 'u':
          digits()
          break
        case 'Z':
        case 'X': {
          const m = /^(Z)|^([+-])(\d{2}):?(\d{2})?/.exec(text.slice(pos))
          if (!m) throw fail()
          pos += m[0].length
          offsetMin = m[1] ? 0 : (m[2] === '-' ? -1 : 1) * (Number(m[3]) * 60 + Number(m[4] ?? 0))
          break
        }
      }
    }
    if (pm) hour += 12
    // Like SimpleDateFormat.parse, trailing text is ignored.
    return new Date(Date.UTC(year, month, day, hour, minute, second, ms) - offsetMin * 60_000)
  }
}

function tokenize(pattern: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < pattern.length) {
    const ch = pattern[i]
    if (ch === "'") {
      if (pattern[i + 1] === "'") {
        out.push({text: "'"})
        i += 2
        continue
      }
      const end = pattern.indexOf("'", i + 1)
      if (end < 0) throw new ConnectConfigError(`Unterminated quote in date format: ${pattern}`)
      out.push({text: pattern.slice(i + 1, end)})
      i = end + 1
    } else if (/[A-Za-z]/.test(ch)) {
      if (!LETTERS.has(ch)) throw new ConnectConfigError(`Illegal pattern character '${ch}' in date format: ${pattern}`)
      let n = 1
      while (pattern[i + n] === ch) n++
      out.push({letter: ch, count: n})
      i += n
    } else {
      out.push({text: ch})
      i++
    }
  }
  return out
}
