/**
 * A password, never from argv (which `ps` shows to every user): from a
 * prompt with echo off when stdin is a terminal, asked twice; otherwise the
 * first line of stdin (`printf %s "$PW" | logpipe broker user add alice`).
 */
import {UsageError} from '../core/errors.js'

export async function readPassword(prompt: string): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await promptHidden(prompt)
    const again = await promptHidden('Again: ')
    if (first !== again) throw new UsageError('the two passwords differ')
    return first
  }
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  const line = text.split(/\r?\n/, 1)[0]
  if (line.length === 0) throw new UsageError('no password on stdin', {hint: 'pipe it in, e.g. printf %s "$PASSWORD" | logpipe broker user add NAME'})
  return line
}

function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin
  // Echo off before the prompt shows: what is typed (or pasted) at once must not appear.
  stdin.setRawMode(true)
  stdin.resume()
  process.stderr.write(prompt)
  return new Promise((resolve, reject) => {
    let text = ''
    const done = (error: Error | null) => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      process.stderr.write('\n')
      if (error) reject(error)
      else resolve(text)
    }
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(null)
        if (ch === '\u0003' || ch === '\u0004') return done(new UsageError('no password given'))
        if (ch === '\u007f' || ch === '\b') text = [...text].slice(0, -1).join('')
        else text += ch
      }
    }
    stdin.on('data', onData)
  })
}
