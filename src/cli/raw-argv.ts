/**
 * Flag values as the bytes the kernel passed. Node decodes argv as UTF-8
 * and puts U+FFFD in place of invalid bytes before any code sees it, so a
 * value given as raw bytes (kcat's `-H "k=$(printf '\377')"`) would be
 * stored as EF BF BD. On Linux /proc/self/cmdline still holds the bytes;
 * elsewhere, or when it does not line up with process.argv, the decoded
 * string is all there is.
 */
import {readFileSync} from 'node:fs'

/** process.argv.slice(2) as bytes, or null when the system does not show them. */
export function rawArgs(args: readonly string[] = process.argv.slice(2)): Buffer[] | null {
  let cmdline: Buffer
  try {
    cmdline = readFileSync('/proc/self/cmdline')
  } catch {
    return null
  }
  const parts: Buffer[] = []
  for (let start = 0; start < cmdline.length; ) {
    const end = cmdline.indexOf(0, start)
    const stop = end < 0 ? cmdline.length : end
    parts.push(cmdline.subarray(start, stop))
    start = stop + 1
  }
  // Node's own options (--enable-source-maps ...) come before the script: the arguments are the tail.
  if (parts.length < args.length) return null
  const raw = parts.slice(parts.length - args.length)
  return raw.every((b, i) => b.toString('utf8') === args[i]) ? raw : null
}

/**
 * The bytes of each value of a repeatable flag (`-H V`, `-HV`, `--header V`,
 * `--header=V`), in the order the parser returned them. A value that
 * decoded cleanly is its UTF-8; one holding U+FFFD is looked up in the raw
 * arguments and falls back to its UTF-8 when it is not found there.
 */
export function rawFlagValues(
  values: readonly string[],
  short: string,
  long: string,
  args: readonly string[] = process.argv.slice(2),
  bytesOf: (args: readonly string[]) => Buffer[] | null = rawArgs,
): Buffer[] {
  if (!values.some((v) => v.includes('\uFFFD'))) return values.map((v) => Buffer.from(v, 'utf8'))
  const raw = bytesOf(args)
  const seen: {text: string; bytes: Buffer}[] = []
  if (raw) {
    for (let i = 0; i < args.length; i++) {
      const a = args[i]
      if (a === '--') break
      if ((a === `-${short}` || a === `--${long}`) && i + 1 < args.length) {
        seen.push({text: args[i + 1], bytes: raw[i + 1]})
        i++
      } else if (a.startsWith(`--${long}=`)) {
        seen.push({text: a.slice(long.length + 3), bytes: raw[i].subarray(long.length + 3)})
      } else if (a.startsWith(`-${short}`) && a.length > 2) {
        seen.push({text: a.slice(2), bytes: raw[i].subarray(2)})
      }
    }
  }
  let next = 0
  return values.map((v) => {
    for (let j = next; j < seen.length; j++) {
      if (seen[j].text === v) {
        next = j + 1
        return seen[j].bytes
      }
    }
    return Buffer.from(v, 'utf8')
  })
}
